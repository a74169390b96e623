"""Public entry points that resolve a constraint: names, objects and fairlearn moments.

The constraint objects and their registry live in
:mod:`skpanda.metrics._constraints`; this module only adapts them to the
function-style API (``disparity``, ``get_constraint``, ...).
"""

from ._constraints import as_constraint, check_rho
from ._parity import FUNCTIONS

#: Names of the built-in (Table-1) constraints; ``register_constraint`` adds others.
CONSTRAINTS = ("demographic_parity", "equalized_odds", "error_rate_balance")


def constraint_name(constraint):
    """Canonical name of a constraint given by name, alias or fairlearn moment.

    Parameters
    ----------
    constraint : str, ParityConstraint or fairlearn Moment
        One of :data:`CONSTRAINTS`, an alias ``"dp"``, ``"eo"``, ``"eb"``
        (case-insensitive), another registered name, a
        :class:`~skpanda.metrics.ParityConstraint` instance, or a
        ``fairlearn.reductions.DemographicParity`` / ``EqualizedOdds`` instance.

    Returns
    -------
    str
        The constraint's ``name`` (one of :data:`CONSTRAINTS` for the built-ins).

    Examples
    --------
    >>> from skpanda.metrics import constraint_name
    >>> constraint_name("EB")
    'error_rate_balance'
    """
    return as_constraint(constraint).name


def get_constraint(name_or_moment):
    """Return the numpy metric function for a constraint.

    Parameters
    ----------
    name_or_moment : str, ParityConstraint or fairlearn Moment
        See :func:`constraint_name`. A moment's bounds (``difference_bound``,
        ``ratio_bound``) are not carried over: the returned function takes
        ``method=`` itself.

    Returns
    -------
    callable
        ``metric(y_true, y_pred, *, sensitive_features, method="difference",
        sample_weight=None) -> float``: :func:`demographic_parity`,
        :func:`equalized_odds` or :func:`error_rate_balance` for the built-in
        constraints, otherwise the constraint object itself (it is callable
        with that signature). :func:`as_constraint` returns the object always.

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
    constraint = as_constraint(name_or_moment)
    return FUNCTIONS.get(type(constraint), constraint)


def to_fairlearn_moment(name, rho):
    """fairlearn constraint that enforces a Table-1 disparity of at most ``rho``.

    Parameters
    ----------
    name : str, ParityConstraint or fairlearn Moment
        A constraint, as in :func:`constraint_name`.
    rho : float
        Bound, passed as ``difference_bound``.

    Returns
    -------
    fairlearn.reductions.UtilityParity
        ``DemographicParity(difference_bound=rho)`` for demographic parity,
        ``EqualizedOdds(difference_bound=rho)`` for equalized odds and
        error-rate balance (the constraint's
        :meth:`~skpanda.metrics.ParityConstraint.to_fairlearn`).

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
    check_rho(rho)  # before resolving the name, as the bound is the likelier mistake
    return as_constraint(name).to_fairlearn(rho)


def disparity(y_true, y_pred, *, sensitive_features, constraint="demographic_parity",
              method="difference", sample_weight=None):
    """Disparity of ``y_pred`` under a parity constraint.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or None
        True binary 0/1 labels; may be ``None`` for demographic parity.
    y_pred : array-like of shape (n_samples,)
        0/1 predictions or probabilities in [0, 1].
    sensitive_features : array-like of shape (n_samples,) or (n_samples, n_columns)
        Group of each row; at least two groups.
    constraint : str, ParityConstraint or fairlearn Moment, default="demographic_parity"
        ``"demographic_parity"``, ``"equalized_odds"``, ``"error_rate_balance"``
        (or ``"dp"``, ``"eo"``, ``"eb"``), a constraint object, or a fairlearn
        moment accepted by :func:`get_constraint`.
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
    get_constraint, ParityConstraint

    Examples
    --------
    >>> from skpanda.metrics import disparity
    >>> disparity([0, 1, 0, 1], [0, 1, 1, 1], sensitive_features=["a", "a", "b", "b"],
    ...           constraint="eb")
    1.0
    """
    metric = as_constraint(constraint)
    return metric(y_true, y_pred, sensitive_features=sensitive_features, method=method,
                  sample_weight=sample_weight)
