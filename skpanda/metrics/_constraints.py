"""Parity constraints as objects: one small class per Table-1 disparity.

In the spirit of fairlearn's reductions ("a constraint is an object"), each
constraint states only what sets it apart: which events it conditions on
(``labels``), whether groups are compared with the event's overall mean or with
each other (``pairwise``), its names, and its fairlearn moment. The base class
:class:`ParityConstraint` evaluates all of them with the one cell-means core
of :mod:`skpanda.metrics._cells`, on numpy arrays (:meth:`~ParityConstraint.__call__`,
:meth:`~ParityConstraint.columns`) or on torch tensors
(:meth:`~ParityConstraint.evaluate`, used by :mod:`skpanda.panda._nn.disparity`).

Adding a constraint is one subclass plus, to reach it by name,
:func:`register_constraint`. The names avoid fairlearn's ``DemographicParity``
and ``EqualizedOdds`` (moments, not metrics) by ending in ``Constraint``.
"""

import numbers

import numpy as np

from ._cells import cell_gaps, numpy_segment_sum, worst_gap
from ._validation import check_method, check_parity_inputs


def check_rho(rho):
    """Raise ``ValueError`` unless ``rho`` is a positive real number."""
    if isinstance(rho, bool) or not isinstance(rho, numbers.Real) or not rho > 0:
        raise ValueError(f"rho={rho!r} must be a positive number (the disparity bound).")
    return rho


class ParityConstraint:
    """A Table-1-style disparity: gaps between conditional means of predictions.

    Subclasses set class attributes only; instances carry no state.

    Attributes
    ----------
    name : str
        Canonical name (``constraint=`` accepts it once registered).
    aliases : tuple of str
        Other accepted names (case-insensitive).
    labels : tuple of int or None
        The events conditioned on: ``None`` for none (one cell: every row), or
        the values ``y`` of ``Y = y``, one cell each. Rows whose label is not
        listed are left out.
    pairwise : bool
        ``False``: compare each group with its cell's overall mean,
        ``max_{a,c} |E[h|a,c] - E[h|c]|``. ``True``: compare groups with each
        other, ``max_{a,a',c} |E[h|a,c] - E[h|a',c]|``.
    fairlearn_moment : str or None
        Name of the ``fairlearn.reductions`` moment built by :meth:`to_fairlearn`.
    moment_is_exact : bool
        Whether that moment's ``gamma`` is exactly this disparity (then the
        moment itself is accepted wherever a constraint is).

    Notes
    -----
    Every disparity is evaluated by one core (see :func:`cell_gaps`): weighted
    means :math:`E_w[h | a, c]` per (group, cell), empty cells skipped. When
    nothing comparable remains the disparity is 0 (difference) or 1 (ratio).

    Examples
    --------
    A new constraint is one class; equal opportunity conditions on ``Y = 1``:

    >>> from skpanda.metrics import ParityConstraint, disparity
    >>> class EqualOpportunity(ParityConstraint):
    ...     name = "equal_opportunity"
    ...     labels = (1,)
    >>> disparity([1, 1, 1, 1], [1, 1, 1, 0], sensitive_features=[0, 0, 1, 1],
    ...           constraint=EqualOpportunity())
    0.25
    """

    name = None
    aliases = ()
    labels = None
    pairwise = False
    fairlearn_moment = None
    moment_is_exact = False

    def __repr__(self):
        return f"{type(self).__name__}()"

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))

    @property
    def needs_labels(self):
        """Whether the true labels ``y`` are needed."""
        return self.labels is not None

    def __call__(self, y_true, y_pred, *, sensitive_features, method="difference",
                 sample_weight=None):
        """The disparity of ``y_pred`` (numpy), as a float; see :func:`disparity`."""
        check_method(method)
        h, groups, y, w = check_parity_inputs(
            y_true, y_pred, sensitive_features, sample_weight, need_y=self.needs_labels
        )
        value = self.evaluate(h[:, None], groups, y, w, n_groups=int(groups.max()) + 1,
                              method=method, segment_sum=numpy_segment_sum)
        return float(value)

    def columns(self, H, groups, y=None, sample_weight=None):
        """Disparity (difference method) of every column of ``H`` at once.

        Parameters
        ----------
        H : array-like of shape (n_samples, n_columns)
            Predictions in [0, 1], one column per classifier.
        groups : array-like of shape (n_samples,)
            Group of each row (any labels).
        y : array-like of shape (n_samples,), default=None
            True 0/1 labels; required when :attr:`needs_labels`.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        ndarray of shape (n_columns,)
            Equal to calling the constraint on each column; inputs are not
            validated (this is the fast path of fair active learning).
        """
        H = np.asarray(H, dtype=float)
        codes = np.unique(np.asarray(groups), return_inverse=True)[1].ravel()
        w = np.ones(len(codes)) if sample_weight is None else np.asarray(sample_weight, float)
        y = np.asarray(y) if self.needs_labels else None
        return self.evaluate(H, codes, y, w, n_groups=int(codes.max()) + 1 if codes.size else 1,
                             segment_sum=numpy_segment_sum, per_column=True)

    def evaluate(self, H, groups, y, w, *, n_groups, segment_sum, method="difference",
                 per_column=False):
        """Backend-neutral evaluation on numpy arrays or torch tensors (no checks).

        ``H`` (n, m), integer ``groups`` (n,), labels ``y`` (n,) or ``None``,
        weights ``w`` (n,) or one column per prediction (n, m) -> a scalar, or
        (m,) with ``per_column=True``.
        ``segment_sum`` is the backend's scatter-add (see :func:`cell_gaps`).
        """
        cell, inside = self.cells(y, groups)
        if inside is not None:
            w = w * (inside[:, None] if w.ndim == 2 else inside)
        gaps = cell_gaps(H, groups, w, n_groups=n_groups, segment_sum=segment_sum, cell=cell,
                         n_cells=1 if self.labels is None else len(self.labels),
                         pairwise=self.pairwise, method=method)
        return worst_gap(gaps, method, per_column=per_column)

    def cells(self, y, groups):
        """Cell code of each row (position of its label in :attr:`labels`) and
        a 0/1 "in some cell" indicator; ``(None, None)`` when unconditioned."""
        if self.labels is None:
            return None, None
        cell = inside = groups * 0
        for position, label in enumerate(self.labels):
            hit = y == label
            cell = cell + position * hit
            inside = inside + hit
        return cell, inside

    def to_fairlearn(self, rho):
        """The fairlearn moment bounding this disparity by ``rho`` (``difference_bound``)."""
        check_rho(rho)
        if self.fairlearn_moment is None:
            raise ValueError(
                f"constraint {self.name!r} has no fairlearn moment; set its "
                "fairlearn_moment attribute or pass a fairlearn estimator yourself."
            )
        # lazy: fairlearn.reductions imports scikit-learn (~2 s), not needed by the metrics
        from fairlearn import reductions

        return getattr(reductions, self.fairlearn_moment)(difference_bound=float(rho))


_REGISTRY = {}  # lower-case name or alias -> constraint instance


def register_constraint(constraint):
    """Make a constraint reachable by its name and aliases (usable as a class decorator).

    Parameters
    ----------
    constraint : ParityConstraint subclass or instance

    Returns
    -------
    The argument, unchanged.

    Examples
    --------
    >>> from skpanda.metrics import ParityConstraint, register_constraint, constraint_name
    >>> @register_constraint
    ... class EqualOpportunity(ParityConstraint):
    ...     name, aliases, labels = "equal_opportunity", ("eop",), (1,)
    >>> constraint_name("EOP")
    'equal_opportunity'
    >>> unregister_constraint("equal_opportunity")
    """
    instance = constraint() if isinstance(constraint, type) else constraint
    if not isinstance(instance, ParityConstraint) or not isinstance(instance.name, str):
        raise TypeError(
            "register_constraint needs a ParityConstraint subclass (or instance) with a "
            f"string `name`, got {constraint!r}."
        )
    keys = [key.lower() for key in (instance.name, *instance.aliases)]
    for key in keys:
        if key in _REGISTRY and _REGISTRY[key] != instance:
            raise ValueError(f"constraint name {key!r} is already taken by {_REGISTRY[key]!r}.")
    _REGISTRY.update(dict.fromkeys(keys, instance))
    return constraint


def unregister_constraint(name):
    """Forget a registered constraint's name and aliases (built-ins included).

    Parameters
    ----------
    name : str or ParityConstraint
        A registered name or alias, or the constraint itself.
    """
    instance = as_constraint(name)
    for key in [key for key, value in _REGISTRY.items() if value == instance]:
        del _REGISTRY[key]


@register_constraint
class DemographicParityConstraint(ParityConstraint):
    """Demographic parity, ``Δ_DP = max_a |E[h | g=a] - E[h]|`` (no conditioning).

    Its fairlearn moment is ``DemographicParity``, whose ``gamma`` is exactly
    this disparity. See :func:`~skpanda.metrics.demographic_parity`.

    Examples
    --------
    >>> from skpanda.metrics import DemographicParityConstraint
    >>> DemographicParityConstraint()(None, [1, 1, 0, 0], sensitive_features=[0, 0, 1, 1])
    0.5
    """

    name, aliases = "demographic_parity", ("dp",)
    fairlearn_moment, moment_is_exact = "DemographicParity", True


@register_constraint
class EqualizedOddsConstraint(ParityConstraint):
    """Equalized odds, ``Δ_EO = max_{a,y} |E[h | g=a, Y=y] - E[h | Y=y]|`` (cells Y=0, Y=1).

    Its fairlearn moment is ``EqualizedOdds``, whose ``gamma`` is exactly this
    disparity. See :func:`~skpanda.metrics.equalized_odds`.

    Examples
    --------
    >>> from skpanda.metrics import EqualizedOddsConstraint
    >>> EqualizedOddsConstraint()([1, 1, 1, 1], [1, 1, 1, 0], sensitive_features=[0, 0, 1, 1])
    0.25
    """

    name, aliases, labels = "equalized_odds", ("eo",), (0, 1)
    fairlearn_moment, moment_is_exact = "EqualizedOdds", True


@register_constraint
class ErrorRateBalanceConstraint(ParityConstraint):
    """Error-rate balance, ``Δ_EB = max_{a,a',y} |E[h | g=a, Y=y] - E[h | g=a', Y=y]|``.

    Cells Y=0 and Y=1, groups compared pairwise. fairlearn has no such
    moment: :meth:`to_fairlearn` gives ``EqualizedOdds(difference_bound=rho)``,
    which bounds Δ_EB by ``2 rho``. See :func:`~skpanda.metrics.error_rate_balance`.

    Examples
    --------
    >>> from skpanda.metrics import ErrorRateBalanceConstraint
    >>> ErrorRateBalanceConstraint()([1, 1, 1, 1], [1, 1, 1, 0], sensitive_features=[0, 0, 1, 1])
    0.5
    """

    name, aliases, labels, pairwise = "error_rate_balance", ("eb",), (0, 1), True
    fairlearn_moment = "EqualizedOdds"


# fairlearn moments that are not a Table-1 disparity, refused with the reason
_NOT_TABLE_1 = {
    "TruePositiveRateParity": "it constrains only Y=1 (one half of equalized odds)",
    "FalsePositiveRateParity": "it constrains only Y=0 (one half of equalized odds)",
    "ErrorRateParity": "it compares error rates P(h != y | a), not E[h | a, y]",
}


def _names_hint():
    """Registered names, then aliases: "demographic_parity, ... (or 'dp', ...)"."""
    names = list(dict.fromkeys(c.name for c in _REGISTRY.values()))
    aliases = [repr(key) for key, c in _REGISTRY.items() if key != c.name]
    return ", ".join(names) + (f" (or {', '.join(aliases)})" if aliases else "")


def _from_moment(moment):
    """The registered constraint whose fairlearn moment is exactly ``moment``'s class."""
    cls = type(moment)
    # walk the MRO so that subclasses of a fairlearn moment resolve too
    for base in cls.__mro__:
        if not base.__module__.startswith("fairlearn"):
            continue
        for constraint in _REGISTRY.values():
            if constraint.moment_is_exact and constraint.fairlearn_moment == base.__name__:
                return constraint
        if base.__name__ in _NOT_TABLE_1:
            raise ValueError(
                f"constraint={cls.__name__}() is not one of the paper's Table-1 "
                f"disparities: {_NOT_TABLE_1[base.__name__]}. Use DemographicParity, "
                "EqualizedOdds, or a name from skpanda.metrics.CONSTRAINTS."
            )
    raise TypeError(
        f"constraint must be a name ({_names_hint()}), a ParityConstraint instance or a "
        f"fairlearn DemographicParity/EqualizedOdds moment, got {cls.__name__}."
    )


def as_constraint(constraint):
    """The :class:`ParityConstraint` object for a name, alias, moment or instance.

    Parameters
    ----------
    constraint : str, ParityConstraint or fairlearn Moment
        A registered name or alias (case-insensitive), a constraint instance
        (returned as is), or a fairlearn moment whose ``gamma`` is exactly a
        registered disparity (``DemographicParity``, ``EqualizedOdds``).

    Returns
    -------
    ParityConstraint

    Examples
    --------
    >>> from skpanda.metrics import as_constraint
    >>> as_constraint("EB")
    ErrorRateBalanceConstraint()
    """
    if isinstance(constraint, ParityConstraint):
        return constraint
    if isinstance(constraint, str):
        found = _REGISTRY.get(constraint.lower())
        if found is None:
            raise ValueError(
                f"constraint={constraint!r} is unknown; use one of {_names_hint()}, a "
                "ParityConstraint instance, or a fairlearn DemographicParity/EqualizedOdds "
                "moment."
            )
        return found
    return _from_moment(constraint)
