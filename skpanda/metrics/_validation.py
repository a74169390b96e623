"""Input checks shared by the parity metrics (numpy only).

Every public metric funnels its arguments through :func:`check_parity_inputs`,
which returns plain arrays: predictions ``h`` (float, in [0, 1]), integer group
codes ``groups`` (0 .. k-1), labels ``y`` (int 0/1, or ``None``) and weights
``w`` (float, non-negative).
"""

import numbers

import numpy as np
import pandas as pd

METHODS = ("difference", "ratio")


def _as_1d(values, name):
    """Return ``values`` as a 1-D numpy array (an ``(n, 1)`` column is raveled)."""
    if isinstance(values, (str, bytes)) or np.isscalar(values):
        raise TypeError(f"{name} must be array-like (list, numpy array, pandas Series), got a scalar.")
    arr = np.asarray(values)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got an array of shape {arr.shape}.")
    return arr


def _plain(value):
    """``np.int64(1)`` -> ``1``: labels read the same whatever the column dtype."""
    return value.item() if isinstance(value, np.generic) else value


def combine_groups(sensitive_features, name="sensitive_features"):
    """One group label per row; several sensitive columns form combined groups.

    The one reading of ``sensitive_features`` shared by the metrics, the
    learners and the selectors. A 1-d array-like is returned as a numpy
    array; a 2-d one (a DataFrame of several sensitive columns, as fairlearn
    accepts) becomes one label per row naming the combination of its values,
    ``"('Female', 'White')"`` (the string of the tuple, so that labels sort
    and compare like any other); a single column is raveled. Missing values
    and lengths are checked by the callers.

    Parameters
    ----------
    sensitive_features : array-like of shape (n_samples,) or (n_samples, n_columns)
        Group of each row, or the values of several sensitive columns.
    name : str, default="sensitive_features"
        Argument name for error messages.

    Returns
    -------
    groups : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import pandas as pd
    >>> A = pd.DataFrame({"sex": ["F", "M", "F"], "race": ["W", "W", "B"]})
    >>> combine_groups(A).tolist()
    ["('F', 'W')", "('M', 'W')", "('F', 'B')"]
    >>> combine_groups([1, 0, 1]).tolist()
    [1, 0, 1]
    """
    if isinstance(sensitive_features, (str, bytes)) or np.isscalar(sensitive_features):
        raise TypeError(f"{name} must be array-like with one group label per row, got "
                        f"{type(sensitive_features).__name__}.")
    if hasattr(sensitive_features, "to_numpy"):
        arr = sensitive_features.to_numpy()
    else:
        arr = np.asarray(sensitive_features)
        if arr.dtype.kind in "US":  # keep labels as Python strings, like pandas does
            arr = arr.astype(object)
    if arr.ndim == 2 and arr.shape[1] == 1:
        return arr[:, 0]
    if arr.ndim == 2:
        rows = arr.astype(object)
        if pd.isna(rows).any():
            raise ValueError(f"{name} holds missing values (NaN/None); give every row a group.")
        return np.array([str(tuple(_plain(v) for v in row)) for row in rows], dtype=object)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-d (one group label per row) or 2-d (one column "
                         f"per sensitive attribute), got shape {arr.shape}.")
    return arr


def check_method(method):
    """Raise ``ValueError`` unless ``method`` is ``"difference"`` or ``"ratio"``."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method={method!r} is not supported; use 'difference' or 'ratio'.")
    return method


def _check_y_pred(y_pred):
    h = _as_1d(y_pred, "y_pred")
    if h.ndim == 1 and h.dtype == object:
        try:
            h = h.astype(float)
        except (TypeError, ValueError):
            raise TypeError("y_pred must be numeric (0/1 labels or probabilities).") from None
    if h.dtype.kind not in "biuf":
        raise TypeError(
            f"y_pred must be numeric (0/1 labels or probabilities), got dtype {h.dtype}."
        )
    h = h.astype(np.float64)
    if np.isnan(h).any():
        raise ValueError("y_pred contains NaN; pass finite predictions in [0, 1].")
    if h.size and (h.min() < 0 or h.max() > 1):
        raise ValueError(
            "y_pred must be 0/1 labels or probabilities in [0, 1], got values in "
            f"[{h.min():g}, {h.max():g}]. For predict_proba output pass the positive "
            "column, proba[:, 1]."
        )
    return h


def _check_y_true(y_true):
    y = _as_1d(y_true, "y_true")
    if y.dtype == bool:
        return y.astype(np.int64)
    values = pd.unique(pd.Series(y, dtype=object))
    ok = y.dtype.kind in "biuf" or y.dtype == object
    ok = ok and all(
        isinstance(v, (numbers.Number, np.bool_)) and not isinstance(v, complex) and v in (0, 1)
        for v in values
    )
    if not ok:
        shown = ", ".join(repr(v) for v in list(values)[:5])
        raise ValueError(
            f"y_true must hold binary 0/1 labels (or booleans), got values {shown}. "
            "Encode the positive class as 1, e.g. (y == positive_label).astype(int)."
        )
    return y.astype(np.int64)


def _check_groups(sensitive_features):
    if sensitive_features is None:
        raise ValueError("sensitive_features is required: pass one group label per row.")
    if isinstance(sensitive_features, (str, bytes)) or np.isscalar(sensitive_features):
        raise TypeError("sensitive_features must be array-like with one group label per row.")
    # Several columns: every distinct combination of values is one group.
    keys = pd.Series(combine_groups(sensitive_features), dtype=object)
    if keys.isna().any():
        raise ValueError("sensitive_features contains missing values (NaN/None).")
    codes, uniques = pd.factorize(keys, sort=False)
    return codes.astype(np.int64), len(uniques)


def _check_weight(sample_weight, n):
    if sample_weight is None:
        return np.ones(n)
    w = _as_1d(sample_weight, "sample_weight").astype(np.float64)
    if len(w) != n:
        raise ValueError(f"sample_weight has {len(w)} entries but y_pred has {n}.")
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ValueError("sample_weight must be finite, non-negative and not all zero.")
    return w


def check_parity_inputs(y_true, y_pred, sensitive_features, sample_weight=None, *,
                        need_y=True):
    """Validate the metric inputs.

    Returns
    -------
    h : ndarray of float, shape (n,)
    groups : ndarray of int, shape (n,)
        Codes 0 .. k-1 in order of first appearance.
    y : ndarray of int, shape (n,), or None
        ``None`` when ``need_y`` is False.
    w : ndarray of float, shape (n,)
    """
    h = _check_y_pred(y_pred)
    n = len(h)
    if n == 0:
        raise ValueError("y_pred is empty; a disparity needs at least one row per group.")
    groups, n_groups = _check_groups(sensitive_features)
    if len(groups) != n:
        raise ValueError(
            f"sensitive_features has {len(groups)} rows but y_pred has {n}; pass one "
            "group label per prediction."
        )
    if n_groups < 2:
        raise ValueError(
            "sensitive_features has a single group; a disparity needs at least two."
        )
    y = None
    if need_y:
        if y_true is None:
            raise ValueError("y_true is required for this constraint (binary 0/1 labels).")
        y = _check_y_true(y_true)
    elif y_true is not None:
        y = _as_1d(y_true, "y_true")
    if y is not None and len(y) != n:
        raise ValueError(f"y_true has {len(y)} rows but y_pred has {n}.")
    w = _check_weight(sample_weight, n)
    return h, groups, (y if need_y else None), w
