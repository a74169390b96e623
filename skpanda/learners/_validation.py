"""Input checks shared by the pool-aware learners (numpy only)."""

import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.utils.multiclass import type_of_target

from ..metrics import constraint_name
from ..metrics._validation import combine_groups


def check_rho(rho):
    """Return ``rho`` as a float in (0, 1) or raise a ``ValueError`` naming it."""
    if isinstance(rho, bool) or not isinstance(rho, numbers.Real) or not 0 < rho < 1:
        raise ValueError(
            f"rho={rho!r} must be a number strictly between 0 and 1 (the disparity "
            "bound), e.g. rho=0.04."
        )
    return float(rho)


def check_constraint(constraint):
    """Canonical constraint name (see :func:`skpanda.metrics.constraint_name`)."""
    return constraint_name(constraint)


def group_labels(groups, n_samples, name):
    """1-d array of hashable group labels; several columns become one tuple-label."""
    arr = combine_groups(groups, name)
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} entries but the matching X has {n_samples} rows; "
            "pass one group per row."
        )
    if pd.isna(arr).any():
        raise ValueError(f"{name} holds missing values (NaN/None); give every row a group.")
    return arr


def encode_groups(labels, known=None, *, name):
    """Integer codes of ``labels`` in ``known`` (fitted groups) or in their own unique set.

    Returns ``(codes, known)``. A label outside ``known`` raises a ``ValueError``.
    """
    if known is None:
        known, codes = np.unique(labels.astype(str), return_inverse=True)
        return codes.astype(np.intp), known
    lab = labels.astype(str)
    pos = np.searchsorted(known, lab)
    pos = np.minimum(pos, known.size - 1)
    bad = known[pos] != lab
    if bad.any():
        raise ValueError(
            f"{name} holds group(s) {sorted(map(str, set(lab[bad])))[:5]} that had no rows "
            f"where the bound was fitted (groups: {known.tolist()[:10]}); refit with pool rows of every "
            "group, or map it onto a fitted group with group_map= (e.g. group_map="
            f"{{{str(sorted(set(lab[bad]))[0])!r}: {str(known[0])!r}}}) and refit."
        )
    return pos.astype(np.intp), known


def check_unlabeled(X_unlabeled, n_features, validate):
    """Validate the unlabeled rows with ``validate`` and check their column count."""
    if X_unlabeled is None:
        return None
    Xu = validate(X_unlabeled)
    if Xu.ndim != 2 or Xu.shape[1] != n_features:
        raise ValueError(
            f"X_unlabeled has {Xu.shape[1] if Xu.ndim == 2 else Xu.shape} columns but X has "
            f"{n_features}; pass the unlabeled rows in the same feature space as X."
        )
    if Xu.shape[0] == 0:
        raise ValueError("X_unlabeled has no rows; pass None to use the labeled rows.")
    return Xu


def constraint_rows(X, groups, X_unlabeled, groups_unlabeled):
    """The rows and group labels on which the bound is enforced.

    The unlabeled rows when given, else the labeled ones (fallback). ``None``
    groups everywhere mean one group.
    """
    if X_unlabeled is None:
        return X, groups, False
    if groups_unlabeled is None and groups is not None:
        raise ValueError(
            "sensitive_features_unlabeled is required with X_unlabeled when "
            "sensitive_features is given: the bound is enforced on the unlabeled rows, so "
            "pass their groups (selectors: fit_selected(..., sensitive_features=pool_groups))."
        )
    return X_unlabeled, groups_unlabeled, True


def check_binary(y):
    """Raise a ``ValueError`` unless ``y`` is a binary target with two classes."""

    kind = type_of_target(y, input_name="y", raise_unknown=True)
    if kind == "continuous" or kind.startswith("continuous"):
        raise ValueError("Unknown label type: continuous; y must hold two classes.")
    if kind != "binary" or np.unique(y).size != 2:
        n = np.unique(y).size
        if n < 2:
            raise ValueError("y holds one class only; fit needs both classes.")
        raise ValueError(f"Only binary classification is supported; y holds {n} classes.")


def apply_group_map(labels, group_map):
    """Relabel groups through ``group_map`` (a dict; unlisted labels are kept)."""
    if group_map is None:
        return labels
    if not isinstance(group_map, Mapping):
        raise TypeError(
            f"group_map must be a dict from group label to merged label, got "
            f"{type(group_map).__name__}; e.g. group_map={{'Asian': 'Other'}}.")
    keys = {str(k): v for k, v in group_map.items()}
    return np.array([keys.get(str(g), g) for g in labels], dtype=object)
