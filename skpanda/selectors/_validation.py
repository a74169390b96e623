"""Input checks for the sensitive attribute, shared by every selector."""

import numbers
import warnings

import numpy as np
import pandas as pd

from ..metrics import constraint_name
from ..metrics._validation import combine_groups


def check_groups(groups, n_samples, name):
    """Return ``groups`` as a 1-d array of length ``n_samples`` without missing values.

    Several sensitive columns (a DataFrame, as fairlearn accepts) form combined
    groups, one label per combination (:func:`skpanda.metrics.combine_groups`).
    """
    arr = combine_groups(groups, name)
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} entries but X has {n_samples} rows; "
            "pass one group label per row."
        )
    if pd.isna(arr).any():
        raise ValueError(f"{name} holds missing values (NaN/None); give every row a group.")
    if arr.dtype == object:
        _check_one_label_type(arr, name)
    return arr


def _label_kind(value):
    if isinstance(value, str):
        return "str"
    if isinstance(value, (numbers.Number, np.number, np.bool_)):
        return "number"
    return type(value).__name__


def _plain(value):
    """``np.int64(1)`` -> ``1``, for messages."""
    return value.item() if isinstance(value, np.generic) else value


def _check_one_label_type(arr, name):
    """Group labels must be of one kind: sorting ``'a'`` against ``1`` fails later."""
    first = {}
    for value in pd.unique(arr):
        first.setdefault(_label_kind(value), value)
    if len(first) > 1:
        examples = ", ".join(f"{kind} {_plain(v)!r}" for kind, v in first.items())
        raise ValueError(
            f"{name} mixes group labels of different types ({examples}); give every row "
            f"a label of one type, e.g. {name}=np.asarray({name}).astype(str)."
        )


def check_pool_groups(pool_groups, fitted_groups, owner, name):
    """Compare the pool's group labels with those seen in ``fit``.

    No label in common (say ``'grp_1'`` in fit and ``1`` in the pool) is a
    ``ValueError``: group-aware selection would silently degrade to random.
    Some new labels give a ``UserWarning``; those rows are kept as groups of
    their own. Skipped when ``fit`` saw one group (or none).
    """
    if len(fitted_groups) < 2:
        return
    seen = set(fitted_groups.tolist())
    new = [_plain(g) for g in pd.unique(pool_groups) if _plain(g) not in seen]
    if not new:
        return
    shown = sorted(seen, key=str)[:10]
    if len(new) == len(pd.unique(pool_groups)):
        raise ValueError(
            f"{name} of the pool holds none of the groups {owner} was fitted on "
            f"({shown}); got {sorted(new, key=str)[:10]}. Label the pool's groups as in "
            "fit (same values and type, e.g. 'grp_1' not 1)."
        )
    warnings.warn(
        f"{name} of the pool holds group(s) {sorted(new, key=str)[:10]} that {owner} never "
        f"saw in fit (it saw {shown}); their rows are kept as groups of their own. Check "
        "that the pool's groups are labelled as in fit.",
        UserWarning,
    )


def split_sensitive_column(selector, X, sensitive_features, name):
    """Take the ``sensitive_feature`` column out of ``X`` when one is named.

    Returns ``(X_without_column, groups)``; ``groups`` is ``sensitive_features``
    when no column is named.
    """
    column = selector.sensitive_feature
    if column is None:
        return X, sensitive_features
    if hasattr(X, "columns"):
        if column not in X.columns:
            if hasattr(selector, "n_features_in_"):  # pool without the column
                return X, sensitive_features
            raise ValueError(
                f"sensitive_feature={column!r} is not a column of X "
                f"(columns: {list(X.columns)[:10]}...)."
            )
        _check_not_both(sensitive_features, column, name)
        return X.drop(columns=[column]), X[column].to_numpy()
    X = np.asarray(X) if not hasattr(X, "tocsc") else X
    if X.ndim == 2 and getattr(selector, "n_features_in_", None) == X.shape[1]:
        return X, sensitive_features  # the column was already taken out
    if not isinstance(column, numbers.Integral):
        raise ValueError(
            f"sensitive_feature={column!r} names a column, but X is not a DataFrame; "
            "pass a DataFrame or the column's integer position."
        )
    _check_not_both(sensitive_features, column, name)
    if not -X.shape[1] <= column < X.shape[1]:
        raise ValueError(f"sensitive_feature={column} is out of range for X with {X.shape[1]} columns.")
    keep = [j for j in range(X.shape[1]) if j != column % X.shape[1]]
    col = X[:, column]
    col = col.toarray().ravel() if hasattr(col, "toarray") else np.asarray(col).ravel()
    return X[:, keep], col


def _check_not_both(sensitive_features, column, name):
    if sensitive_features is not None:
        raise ValueError(
            f"Got both {name}= and sensitive_feature={column!r}; pass only one of them."
        )


def check_raw_frame(X, owner):
    """Refuse a DataFrame with non-numeric columns, naming the fix.

    A selector without ``encoder`` works on numbers; a raw categorical frame
    would otherwise fail inside numpy (``could not convert string to float``).
    """
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(dtypes, "items"):
        return
    raw = [str(col) for col, dtype in dtypes.items()
           if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))]
    if raw:
        raise ValueError(
            f"X has non-numeric column(s) {raw[:5]}{'...' if len(raw) > 5 else ''}; {owner} "
            "works on numbers. Pass encoder=skpanda.datasets.make_preprocessor(X) (one-hot "
            "encoding, scaling, imputation, fitted in fit), or put the preprocessor before "
            "the selector: skpanda.pipeline.make_selection_pipeline(make_preprocessor(X), "
            "selector)."
        )


def _estimator_constraint(estimator):
    """The parity constraint a fair learner enforces, by name, or None."""
    for value in (getattr(estimator, "constraint", None), getattr(estimator, "constraints", None)):
        if value is None:
            continue
        try:
            return constraint_name(value)
        except (TypeError, ValueError):
            return None
    return None


def check_estimator_constraint(constraint, estimator, owner):
    """Warn when the selector's ``constraint`` differs from the one ``estimator`` enforces."""
    theirs = _estimator_constraint(estimator)
    ours = constraint_name(constraint)
    if theirs is not None and theirs != ours:
        warnings.warn(
            f"{owner} has constraint={ours!r} but its estimator "
            f"{type(estimator).__name__} enforces {theirs!r}: the rows are chosen for one "
            f"parity and the model is held to another. Give both the same constraint "
            f"(e.g. the estimator's constraint={ours!r}).",
            UserWarning,
        )
