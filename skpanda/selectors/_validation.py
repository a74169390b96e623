"""Input checks for the sensitive attribute, shared by every selector."""

import numbers

import numpy as np
import pandas as pd


def check_groups(groups, n_samples, name):
    """Return ``groups`` as a 1-d array of length ``n_samples`` without missing values."""
    arr = groups.to_numpy() if hasattr(groups, "to_numpy") else np.asarray(groups)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-d (one group label per row), got shape {arr.shape}.")
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {arr.shape[0]} entries but X has {n_samples} rows; "
            "pass one group label per row."
        )
    if pd.isna(arr).any():
        raise ValueError(f"{name} holds missing values (NaN/None); give every row a group.")
    return arr


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
