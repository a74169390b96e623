"""Name <-> metric <-> fairlearn moment registry for the parity constraints."""

import numbers

from ._parity import _METRICS

CONSTRAINTS = ("demographic_parity", "equalized_odds", "error_rate_balance")

_ALIASES = {
    "dp": "demographic_parity",
    "eo": "equalized_odds",
    "eb": "error_rate_balance",
}

# fairlearn moments that are *exactly* a Table-1 disparity (their ``gamma``
# holds E[h|a, y] - E[h|y]). Others are refused with the reason.
_MOMENTS = {"DemographicParity": "demographic_parity", "EqualizedOdds": "equalized_odds"}
_NOT_TABLE_1 = {
    "TruePositiveRateParity": "it constrains only Y=1 (one half of equalized odds)",
    "FalsePositiveRateParity": "it constrains only Y=0 (one half of equalized odds)",
    "ErrorRateParity": "it compares error rates P(h != y | a), not E[h | a, y]",
}


def constraint_name(constraint):
    """Canonical name of a constraint given by name, alias or fairlearn moment.

    Parameters
    ----------
    constraint : str or fairlearn Moment
        One of :data:`CONSTRAINTS`, an alias ``"dp"``, ``"eo"``, ``"eb"``
        (case-insensitive), or a ``fairlearn.reductions.DemographicParity`` /
        ``EqualizedOdds`` instance.

    Returns
    -------
    str
        One of :data:`CONSTRAINTS`.

    Examples
    --------
    >>> from skpanda.metrics import constraint_name
    >>> constraint_name("EB")
    'error_rate_balance'
    """
    if isinstance(constraint, str):
        key = constraint.lower()
        key = _ALIASES.get(key, key)
        if key in CONSTRAINTS:
            return key
        raise ValueError(
            f"constraint={constraint!r} is unknown; use one of {', '.join(CONSTRAINTS)} "
            "(or 'dp', 'eo', 'eb'), or a fairlearn DemographicParity/EqualizedOdds moment."
        )
    cls = type(constraint)
    # walk the MRO so that subclasses of a fairlearn moment resolve too
    for base in cls.__mro__:
        if not base.__module__.startswith("fairlearn"):
            continue
        if base.__name__ in _MOMENTS:
            return _MOMENTS[base.__name__]
        if base.__name__ in _NOT_TABLE_1:
            raise ValueError(
                f"constraint={cls.__name__}() is not one of the paper's Table-1 "
                f"disparities: {_NOT_TABLE_1[base.__name__]}. Use DemographicParity, "
                "EqualizedOdds, or a name from skpanda.metrics.CONSTRAINTS."
            )
    raise TypeError(
        f"constraint must be a name ({', '.join(CONSTRAINTS)}) or a fairlearn "
        f"DemographicParity/EqualizedOdds moment, got {cls.__name__}."
    )


def get_constraint(name_or_moment):
    """Return the numpy metric function for a constraint.

    Parameters
    ----------
    name_or_moment : str or fairlearn Moment
        See :func:`constraint_name`. A moment's bounds (``difference_bound``,
        ``ratio_bound``) are not carried over: the returned function takes
        ``method=`` itself.

    Returns
    -------
    callable
        ``metric(y_true, y_pred, *, sensitive_features, method="difference",
        sample_weight=None) -> float``.

    Notes
    -----
    Only fairlearn moments that compute exactly a Table-1 quantity are accepted:
    ``DemographicParity`` -> :func:`demographic_parity` and ``EqualizedOdds`` ->
    :func:`equalized_odds`. ``TruePositiveRateParity`` and
    ``FalsePositiveRateParity`` constrain only one label, and ``ErrorRateParity``
    compares misclassification rates; mapping them to a Table-1 metric would
    silently measure something else, so they raise ``ValueError``. No fairlearn
    moment is error-rate balance (use the name ``"error_rate_balance"``).

    Examples
    --------
    >>> from fairlearn.reductions import DemographicParity
    >>> from skpanda.metrics import get_constraint
    >>> get_constraint(DemographicParity()).__name__
    'demographic_parity'
    >>> get_constraint("eo").__name__
    'equalized_odds'
    """
    return _METRICS[constraint_name(name_or_moment)]


def to_fairlearn_moment(name, rho):
    """fairlearn constraint that enforces a Table-1 disparity of at most ``rho``.

    Parameters
    ----------
    name : str or fairlearn Moment
        A constraint, as in :func:`constraint_name`.
    rho : float
        Bound, passed as ``difference_bound``.

    Returns
    -------
    fairlearn.reductions.UtilityParity
        ``DemographicParity(difference_bound=rho)`` for demographic parity,
        ``EqualizedOdds(difference_bound=rho)`` for equalized odds and
        error-rate balance.

    Notes
    -----
    For demographic parity and equalized odds the moment bounds exactly the
    Table-1 quantity. fairlearn has no error-rate-balance moment; its
    ``EqualizedOdds`` moment with bound ``rho`` gives ``Delta_EB <= 2 rho``
    (two groups each within ``rho`` of the label mean).

    Examples
    --------
    >>> from skpanda.metrics import to_fairlearn_moment
    >>> to_fairlearn_moment("dp", 0.04).eps
    0.04
    """
    from fairlearn.reductions import DemographicParity, EqualizedOdds

    if isinstance(rho, bool) or not isinstance(rho, numbers.Real) or not rho > 0:
        raise ValueError(f"rho={rho!r} must be a positive number (the disparity bound).")
    cls = DemographicParity if constraint_name(name) == "demographic_parity" else EqualizedOdds
    return cls(difference_bound=float(rho))
