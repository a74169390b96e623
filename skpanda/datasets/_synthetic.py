"""A synthetic classification problem whose groups differ in base rate and features."""

import numbers

import numpy as np
from scipy.stats import norm
from sklearn.utils import Bunch, check_random_state

#: Standard deviation of the label noise added to the linear score.
_NOISE = 0.5
#: Standard deviation of the per-group mean shift of the features.
_GROUP_SHIFT = 0.5


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r}).")
    if value < minimum:
        raise ValueError(f"{name}={value} is too small; it must be at least {minimum}.")


def _check_args(n_samples, n_features, n_groups, group_imbalance, label_bias, dtype):
    _check_int(n_groups, "n_groups", 2)
    _check_int(n_features, "n_features", 1)
    _check_int(n_samples, "n_samples", 2 * n_groups)
    if not 0 < group_imbalance < 1:
        raise ValueError(
            f"group_imbalance={group_imbalance!r} must lie strictly between 0 and 1 "
            "(it is the share of rows in the majority group 0)."
        )
    if group_imbalance < 1 / n_groups:
        raise ValueError(
            f"group_imbalance={group_imbalance!r} is below 1/n_groups={1 / n_groups:.3g}: "
            "group 0 would not be the majority; pass a share of at least 1/n_groups."
        )
    if not 0 <= label_bias < 1:
        raise ValueError(
            f"label_bias={label_bias!r} must lie in [0, 1) (the gap between the highest "
            "and lowest group base rates)."
        )
    if np.dtype(dtype) not in (np.float32, np.float64):
        raise ValueError(f"dtype={dtype!r} is not supported; use 'float32' or 'float64'.")


def _group_sizes(n_samples, n_groups, group_imbalance):
    """Rows per group: ``group_imbalance`` of them in group 0, the rest split evenly."""
    n_major = int(round(group_imbalance * n_samples))
    # group 0 is never smaller than another group (round() halves to even)
    n_major = max(n_major, -(-n_samples // n_groups))
    n_major = min(max(n_major, 2), n_samples - 2 * (n_groups - 1))
    rest = n_samples - n_major
    minor = np.full(n_groups - 1, rest // (n_groups - 1))
    minor[: rest % (n_groups - 1)] += 1
    return np.concatenate([[n_major], minor])


def make_biased_classification(
    n_samples=1000,
    n_features=10,
    *,
    n_groups=2,
    group_imbalance=0.7,
    label_bias=0.3,
    random_state=None,
    return_X_y=False,
    dtype="float64",
):
    """Generate a binary problem whose groups differ in base rate and features.

    Group 0 (the majority) has the highest rate of positive labels, the last
    group the lowest, and each group's features are shifted by its own mean, so
    a classifier trained on the data learns to favour the majority: its
    demographic parity gap grows with ``label_bias``. Fully vectorised; a
    million rows take well under a second.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows; at least ``2 * n_groups``.
    n_features : int, default=10
        Number of (all informative) features.
    n_groups : int, default=2
        Number of groups ``k``; the group labels are ``0, ..., k-1``.
    group_imbalance : float, default=0.7
        Share of rows in the majority group 0, in ``[1/k, 1)``. The other rows
        are split evenly among groups ``1..k-1``.
    label_bias : float, default=0.3
        Gap between the highest (group 0) and lowest (group ``k-1``) expected
        positive rate, in ``[0, 1)``. The rates are evenly spaced around 0.5:
        ``p_g = 0.5 + label_bias * (1/2 - g/(k-1))``. 0 means equal base rates.
    random_state : int, RandomState instance or None, default=None
        Seeds every random draw, for reproducible data.
    return_X_y : bool, default=False
        If True, return ``(X, y, groups)`` instead of a Bunch.
    dtype : {"float64", "float32"}, default="float64"
        Floating type of ``X``; ``float32`` halves the memory of large samples.

    Returns
    -------
    data : sklearn.utils.Bunch
        With ``data`` (ndarray of shape (n_samples, n_features)), ``target``
        (int ndarray of 0/1 labels), ``sensitive`` (int ndarray of group labels
        ``0..k-1``), ``feature_names`` and ``DESCR``.
    (X, y, groups) : tuple if ``return_X_y`` is True

    Raises
    ------
    TypeError
        If a count is not an integer.
    ValueError
        If an argument is out of range; the message names it.

    Notes
    -----
    For a row of group ``g`` with latent features ``z ~ N(0, I)``, the
    observed features are ``x = z + mu_g`` with ``mu_g ~ N(0, 0.25 I)`` drawn
    once per group (``mu_0 = 0``), and the label is

    ``y = 1[w^T z + eps + b_g > 0]``, ``eps ~ N(0, 0.25)``, ``||w|| = 1``,

    with offset ``b_g = sqrt(1.25) * Phi^{-1}(p_g)`` so that ``P(y=1 | g) = p_g``
    exactly in expectation. Rows are in random order.

    Examples
    --------
    >>> from skpanda.datasets import make_biased_classification
    >>> X, y, groups = make_biased_classification(
    ...     2000, 5, label_bias=0.4, random_state=0, return_X_y=True)
    >>> X.shape, sorted(set(groups.tolist()))
    ((2000, 5), [0, 1])
    >>> rates = [y[groups == g].mean() for g in (0, 1)]
    >>> bool(0.3 < rates[0] - rates[1] < 0.5)
    True
    """
    _check_args(n_samples, n_features, n_groups, group_imbalance, label_bias, dtype)
    rng = check_random_state(random_state)
    sizes = _group_sizes(n_samples, n_groups, group_imbalance)
    groups = rng.permutation(np.repeat(np.arange(n_groups), sizes))

    rates = 0.5 + label_bias * (0.5 - np.arange(n_groups) / (n_groups - 1))
    offsets = np.sqrt(1 + _NOISE**2) * norm.ppf(rates)
    weights = rng.standard_normal(n_features)
    weights /= np.linalg.norm(weights)
    shifts = _GROUP_SHIFT * rng.standard_normal((n_groups, n_features))
    shifts[0] = 0.0

    X = rng.standard_normal((n_samples, n_features)).astype(dtype, copy=False)
    score = X @ weights.astype(dtype) + _NOISE * rng.standard_normal(n_samples)
    y = (score + offsets[groups] > 0).astype(np.int64)
    X += shifts.astype(dtype)[groups]
    if return_X_y:
        return X, y, groups
    return Bunch(
        data=X,
        target=y,
        sensitive=groups,
        feature_names=[f"x{j}" for j in range(n_features)],
        DESCR=(
            f"Synthetic biased classification: {n_samples} rows, {n_features} "
            f"features, {n_groups} groups (majority share {group_imbalance}), "
            f"expected positive rates {np.round(rates, 3).tolist()}."
        ),
    )
