"""The three disparities of the PANDA paper's Table 1 (numpy only).

All three compare conditional expectations of the prediction ``h`` (0/1 labels
or probabilities in [0, 1]) across the groups given by ``sensitive_features``.
The torch twins used for training live in :mod:`skpanda.panda._nn.disparity`.
"""

import numpy as np

from ._validation import check_method, check_parity_inputs

_PARAMS = """Parameters
    ----------
    y_true : array-like of shape (n_samples,){y_note}
    y_pred : array-like of shape (n_samples,)
        Predictions ``h``: 0/1 labels, or probabilities of the positive class in
        [0, 1] (then every expectation is a mean probability).
    sensitive_features : array-like of shape (n_samples,) or (n_samples, n_columns)
        Group of each row (strings, integers, ...). Several columns define one
        group per distinct combination. At least two groups are required.
    method : {{"difference", "ratio"}}, default="difference"
        ``"difference"``: the largest absolute gap (Table 1). ``"ratio"``: the
        smallest ratio ``min(u, v) / max(u, v)`` over the same pairs of
        expectations ``(u, v)``, with ``0 / 0 := 1``; 1 means parity.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights; expectations become weighted means ``sum(w h) / sum(w)``.

    Returns
    -------
    float
        In [0, 1]. 0 (difference) or 1 (ratio) means perfect parity."""

_Y_OPTIONAL = """ or None
        Ignored (demographic parity does not look at labels); accepted so all
        metrics share one signature."""
_Y_REQUIRED = """
        True binary labels, 0/1 or booleans."""

_EMPTY_CELLS = """A (group, label) cell without rows (or with zero total weight) has no
    conditional mean: it is skipped, never NaN. When nothing comparable remains
    the disparity is 0.0 (difference) or 1.0 (ratio)."""


def _fill(template_kwargs):
    def deco(func):
        func.__doc__ = func.__doc__.format(**template_kwargs)
        return func

    return deco


def _cell_means(h, cells, w, n_cells):
    """Weighted mean of ``h`` per cell; ``present`` marks cells with weight."""
    mass = np.bincount(cells, weights=w, minlength=n_cells)
    total = np.bincount(cells, weights=w * h, minlength=n_cells)
    present = mass > 0
    means = np.divide(total, mass, out=np.zeros(n_cells), where=present)
    return means, present


def _gap(u, v, method):
    """Elementwise |u - v| or min(u, v) / max(u, v) (0 / 0 := 1)."""
    if method == "difference":
        return np.abs(u - v)
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    return np.divide(lo, hi, out=np.ones_like(hi), where=hi > 0)


def _worst(gaps, method):
    """Worst gap: the largest difference or the smallest ratio (neutral if empty)."""
    if gaps.size == 0:
        return 0.0 if method == "difference" else 1.0
    return float(gaps.max() if method == "difference" else gaps.min())


def _label_cells(h, groups, y, w):
    """Means per (label, group), shape (2, k), their presence, and per-label means."""
    k = int(groups.max()) + 1
    means, present = _cell_means(h, y * k + groups, w, 2 * k)
    label_means, label_present = _cell_means(h, y, w, 2)
    return means.reshape(2, k), present.reshape(2, k), label_means, label_present


@_fill({"params": _PARAMS.format(y_note=_Y_OPTIONAL), "empty": _EMPTY_CELLS})
def demographic_parity(y_true, y_pred, *, sensitive_features, method="difference",
                       sample_weight=None):
    """Demographic parity disparity: the largest gap between a group and everyone.

    {params}

    See Also
    --------
    equalized_odds, error_rate_balance, disparity

    Notes
    -----
    Table 1 of Sharaf, Daumé III & Ni (2022):

    .. math:: \\Delta^{{DP}}(h) = \\max_a |E[h(x) | g(x)=a] - E[h(x)]|

    With ``method="ratio"`` the value is
    :math:`\\min_a \\min(E[h|a], E[h]) / \\max(E[h|a], E[h])`.

    This is the largest absolute entry of fairlearn's ``DemographicParity``
    moment ``gamma``, *not* ``fairlearn.metrics.demographic_parity_difference``
    (the max - min gap between groups, which can reach twice this value).

    {empty}

    Examples
    --------
    >>> from skpanda.metrics import demographic_parity
    >>> demographic_parity(None, [1, 1, 0, 0], sensitive_features=["a", "a", "b", "b"])
    0.5
    >>> ratio = demographic_parity(None, [1, 1, 1, 0], sensitive_features=["a", "a", "b", "b"],
    ...                            method="ratio")
    >>> round(ratio, 3)  # E[h|b] / E[h] = 0.5 / 0.75
    0.667
    """
    check_method(method)
    h, groups, _, w = check_parity_inputs(
        y_true, y_pred, sensitive_features, sample_weight, need_y=False
    )
    means, present = _cell_means(h, groups, w, int(groups.max()) + 1)
    overall = np.average(h, weights=w)
    return _worst(_gap(means[present], overall, method), method)


@_fill({"params": _PARAMS.format(y_note=_Y_REQUIRED), "empty": _EMPTY_CELLS})
def equalized_odds(y_true, y_pred, *, sensitive_features, method="difference",
                   sample_weight=None):
    """Equalized odds disparity: the largest gap between a group and everyone, per label.

    {params}

    See Also
    --------
    demographic_parity, error_rate_balance, disparity

    Notes
    -----
    Table 1 of Sharaf, Daumé III & Ni (2022):

    .. math:: \\Delta^{{EO}}(h) = \\max_{{a, y}} |E[h(x) | g(x)=a, Y=y] - E[h(x) | Y=y]|

    With ``method="ratio"``: the smallest ``min/max`` of the same two
    expectations over ``(a, y)``. This is the largest absolute entry of
    fairlearn's ``EqualizedOdds`` moment ``gamma``.

    {empty}

    Examples
    --------
    >>> from skpanda.metrics import equalized_odds
    >>> equalized_odds([1, 1, 1, 1], [1, 1, 1, 0], sensitive_features=[0, 0, 1, 1])
    0.25
    """
    check_method(method)
    h, groups, y, w = check_parity_inputs(y_true, y_pred, sensitive_features, sample_weight)
    means, present, label_means, _ = _label_cells(h, groups, y, w)
    reference = np.broadcast_to(label_means[:, None], means.shape)
    return _worst(_gap(means[present], reference[present], method), method)


@_fill({"params": _PARAMS.format(y_note=_Y_REQUIRED), "empty": _EMPTY_CELLS})
def error_rate_balance(y_true, y_pred, *, sensitive_features, method="difference",
                       sample_weight=None):
    """Error-rate balance disparity: the largest gap between two groups, per label.

    {params}

    See Also
    --------
    demographic_parity, equalized_odds, disparity

    Notes
    -----
    Table 1 of Sharaf, Daumé III & Ni (2022):

    .. math::
        \\Delta^{{EB}}(h) = \\max_{{a, a', y}} |E[h(x) | g(x)=a, Y=y] - E[h(x) | g(x)=a', Y=y]|

    i.e. the worst gap in true positive rate (y=1) or false positive rate
    (y=0) between two groups. With ``method="ratio"``: the smallest
    ``min_a E[h|a,y] / max_a E[h|a,y]`` over ``y``. For 0/1 predictions this
    equals ``fairlearn.metrics.equalized_odds_difference`` (any number of
    groups, when every (group, label) cell has rows). Since both terms are
    within ``Delta_EO`` of ``E[h|Y=y]``, ``Delta_EB <= 2 * Delta_EO``.

    {empty}

    Examples
    --------
    >>> from skpanda.metrics import error_rate_balance
    >>> error_rate_balance([1, 1, 1, 1], [1, 1, 1, 0], sensitive_features=[0, 0, 1, 1])
    0.5
    """
    check_method(method)
    h, groups, y, w = check_parity_inputs(y_true, y_pred, sensitive_features, sample_weight)
    means, present, _, _ = _label_cells(h, groups, y, w)
    gaps = []
    for label in (0, 1):
        row = means[label, present[label]]
        # all pairs (a, a') of groups that have rows with this label
        gaps.append(_gap(row[:, None], row[None, :], method).ravel())
    return _worst(np.concatenate(gaps), method)


_METRICS = {
    "demographic_parity": demographic_parity,
    "equalized_odds": equalized_odds,
    "error_rate_balance": error_rate_balance,
}


def disparity(y_true, y_pred, *, sensitive_features, constraint="demographic_parity",
              method="difference", sample_weight=None):
    """Disparity of ``y_pred`` under a named parity constraint.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or None
        True binary 0/1 labels; may be ``None`` for demographic parity.
    y_pred : array-like of shape (n_samples,)
        0/1 predictions or probabilities in [0, 1].
    sensitive_features : array-like of shape (n_samples,) or (n_samples, n_columns)
        Group of each row; at least two groups.
    constraint : str or fairlearn Moment, default="demographic_parity"
        ``"demographic_parity"``, ``"equalized_odds"``, ``"error_rate_balance"``
        (or ``"dp"``, ``"eo"``, ``"eb"``), or a fairlearn moment accepted by
        :func:`get_constraint`.
    method : {"difference", "ratio"}, default="difference"
        See :func:`demographic_parity`.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights.

    Returns
    -------
    float
        The disparity, in [0, 1].

    See Also
    --------
    get_constraint

    Examples
    --------
    >>> from skpanda.metrics import disparity
    >>> disparity([0, 1, 0, 1], [0, 1, 1, 1], sensitive_features=["a", "a", "b", "b"],
    ...           constraint="eb")
    1.0
    """
    from ._registry import get_constraint

    metric = get_constraint(constraint)
    return metric(y_true, y_pred, sensitive_features=sensitive_features, method=method,
                  sample_weight=sample_weight)
