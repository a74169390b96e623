"""The three disparities of the PANDA paper's Table 1 (numpy only).

All three compare conditional expectations of the prediction ``h`` (0/1 labels
or probabilities in [0, 1]) across the groups given by ``sensitive_features``.
Each function is the numpy evaluation of one constraint object of
:mod:`skpanda.metrics._constraints` (all share one cell-means core); the torch
twins used for training live in :mod:`skpanda.panda._nn.disparity`.
"""

from .._docstrings import fill_doc
from ._constraints import (
    DemographicParityConstraint,
    EqualizedOddsConstraint,
    ErrorRateBalanceConstraint,
)

_DP, _EO, _EB = (DemographicParityConstraint(), EqualizedOddsConstraint(),
                 ErrorRateBalanceConstraint())


@fill_doc
def demographic_parity(y_true, y_pred, *, sensitive_features, method="difference",
                       sample_weight=None):
    """Demographic parity disparity: the largest gap between a group and everyone.

    {metric_parameters_y_optional}

    See Also
    --------
    equalized_odds, error_rate_balance, disparity

    Notes
    -----
    Table 1 of Sharaf, Daumé III & Ni (2022):

    .. math:: \\Delta^{DP}(h) = \\max_a |E[h(x) | g(x)=a] - E[h(x)]|

    With ``method="ratio"`` the value is
    :math:`\\min_a \\min(E[h|a], E[h]) / \\max(E[h|a], E[h])`.

    This is the largest absolute entry of fairlearn's ``DemographicParity``
    moment ``gamma``, *not* ``fairlearn.metrics.demographic_parity_difference``
    (the max - min gap between groups, which can reach twice this value).

    {metric_empty_cells}

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
    return _DP(y_true, y_pred, sensitive_features=sensitive_features, method=method,
               sample_weight=sample_weight)


@fill_doc
def equalized_odds(y_true, y_pred, *, sensitive_features, method="difference",
                   sample_weight=None):
    """Equalized odds disparity: the largest gap between a group and everyone, per label.

    {metric_parameters}

    See Also
    --------
    demographic_parity, error_rate_balance, disparity

    Notes
    -----
    Table 1 of Sharaf, Daumé III & Ni (2022):

    .. math:: \\Delta^{EO}(h) = \\max_{a, y} |E[h(x) | g(x)=a, Y=y] - E[h(x) | Y=y]|

    With ``method="ratio"``: the smallest ``min/max`` of the same two
    expectations over ``(a, y)``. This is the largest absolute entry of
    fairlearn's ``EqualizedOdds`` moment ``gamma``.

    {metric_empty_cells}

    Examples
    --------
    >>> from skpanda.metrics import equalized_odds
    >>> equalized_odds([1, 1, 1, 1], [1, 1, 1, 0], sensitive_features=[0, 0, 1, 1])
    0.25
    """
    return _EO(y_true, y_pred, sensitive_features=sensitive_features, method=method,
               sample_weight=sample_weight)


@fill_doc
def error_rate_balance(y_true, y_pred, *, sensitive_features, method="difference",
                       sample_weight=None):
    """Error-rate balance disparity: the largest gap between two groups, per label.

    {metric_parameters}

    See Also
    --------
    demographic_parity, equalized_odds, disparity

    Notes
    -----
    Table 1 of Sharaf, Daumé III & Ni (2022):

    .. math::
        \\Delta^{EB}(h) = \\max_{a, a', y} |E[h(x) | g(x)=a, Y=y] - E[h(x) | g(x)=a', Y=y]|

    i.e. the worst gap in true positive rate (y=1) or false positive rate
    (y=0) between two groups. With ``method="ratio"``: the smallest
    ``min_a E[h|a,y] / max_a E[h|a,y]`` over ``y``. For 0/1 predictions this
    equals ``fairlearn.metrics.equalized_odds_difference`` (any number of
    groups, when every (group, label) cell has rows). Since both terms are
    within ``Delta_EO`` of ``E[h|Y=y]``, ``Delta_EB <= 2 * Delta_EO``.

    {metric_empty_cells}

    Examples
    --------
    >>> from skpanda.metrics import error_rate_balance
    >>> error_rate_balance([1, 1, 1, 1], [1, 1, 1, 0], sensitive_features=[0, 0, 1, 1])
    0.5
    """
    return _EB(y_true, y_pred, sensitive_features=sensitive_features, method=method,
               sample_weight=sample_weight)


#: the public function of each built-in constraint class (``get_constraint`` returns it)
FUNCTIONS = {
    DemographicParityConstraint: demographic_parity,
    EqualizedOddsConstraint: equalized_odds,
    ErrorRateBalanceConstraint: error_rate_balance,
}
