"""The one registry of query strategies: names, classes, labels and flags.

The command line (``skpanda fit --method``, ``skpanda reproduce --methods``)
and the experiment harness (:mod:`skpanda.simulation`) read every method name,
display label and flag from here; adding a strategy is one
:func:`register_selector` call. The baselines of the paper (§4.1) register
below; :mod:`skpanda.panda` registers ``"panda"`` when it is imported (it sits
above this layer, so it registers itself rather than being imported here).
"""

from dataclasses import dataclass
from typing import Callable, Optional

from ..learners._registry import fairlearn_estimator
from ._fal import FairActiveLearningQuerySelector
from ._random import GroupRandomQuerySelector, RandomQuerySelector
from ._uncertainty import EntropyQuerySelector, MarginQuerySelector


@dataclass(frozen=True)
class SelectorSpec:
    """One registered strategy.

    Parameters
    ----------
    name : str
        The method name of result files and the command line.
    cls : type
        The selector class (a :class:`~skpanda.selectors.BaseQuerySelector`).
    label : str
        Name in tables and figures.
    parity_aware : bool
        Whether it looks at groups or parity (solid lines in the figures).
    factory : callable
        ``factory(encoder=, rho=, constraint=, random_state=, estimator=)`` ->
        unfitted selector.
    learner : str or None
        The downstream learner the method is tied to (a name of
        :func:`skpanda.learners.learner_names`), or ``None`` when the
        experiment's learner is used. ``"fairlearn"`` is ``"random"`` with
        learner ``"eg"``: an alias row kept so old result files still read.
    alias_of : str or None
        The method this one equals under ``learner``.
    """

    name: str
    cls: type
    label: str
    parity_aware: bool
    factory: Callable
    learner: Optional[str] = None
    alias_of: Optional[str] = None

    @property
    def sequential(self):
        """Whether it queries labels one batch at a time through an oracle."""
        return bool(self.cls._sequential)

    @property
    def needs_pool_groups(self):
        """Whether ``select`` needs the pool's sensitive features."""
        return bool(self.cls._needs_pool_groups)


_REGISTRY = {}


def register_selector(name, cls, *, label, parity_aware=False, params=None, factory=None,
                      learner=None, alias_of=None):
    """Add a query strategy to the registry (idempotent for the same class).

    Parameters
    ----------
    name : str
        Method name, e.g. ``"margin"``.
    cls : type
        The selector class; its ``_sequential`` and ``_needs_pool_groups``
        flags are read from it.
    label : str
        Display label.
    parity_aware : bool, default=False
        Whether the strategy uses groups or the parity constraint.
    params : dict, default=None
        Fixed constructor parameters of this method (e.g. FAL's ``alpha``).
    factory : callable, default=None
        ``factory(*, encoder, rho, constraint, random_state, estimator)``
        building the selector; ``None`` passes those of the five that ``cls``
        takes, and ``params``.
    learner : str, default=None
        A downstream learner name the method is tied to (see
        :class:`SelectorSpec`).
    alias_of : str, default=None
        The method this one equals under ``learner``.

    Returns
    -------
    spec : SelectorSpec
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}.")
    old = _REGISTRY.get(name)
    if old is not None and old.cls is not cls:
        raise ValueError(f"name={name!r} is already registered for {old.cls.__name__}; "
                         "choose another name.")
    if factory is None:
        factory = _default_factory(cls, dict(params or {}))
    spec = SelectorSpec(name, cls, label, bool(parity_aware), factory, learner, alias_of)
    _REGISTRY[name] = spec
    return spec


def _default_factory(cls, params):
    accepted = set(cls._get_param_names())

    def build(**common):
        kwargs = {k: v for k, v in common.items() if k in accepted}
        return cls(**kwargs, **params)

    return build


def selector_names():
    """Registered method names, in registration order (the paper's §4.1 order).

    Examples
    --------
    >>> from skpanda.selectors import selector_names
    >>> selector_names()[:3]
    ('random', 'margin', 'entropy')
    """
    return tuple(_REGISTRY)


def get_selector_spec(name):
    """The :class:`SelectorSpec` of a method name, or a ``ValueError`` naming the choices.

    Parameters
    ----------
    name : str
        A name of :func:`selector_names`.

    Returns
    -------
    spec : SelectorSpec
    """
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"method={name!r} is unknown; choose among {list(_REGISTRY)}.") from None


def make_selector(name, *, encoder=None, rho=0.04, constraint="demographic_parity",
                  random_state=None, estimator=None):
    """Build the unfitted selector of a registered method name.

    Parameters
    ----------
    name : str
        One of :func:`selector_names`.
    encoder : transformer, default=None
        The shared representation.
    rho : float, default=0.04
        Disparity bound (fairlearn, PANDA).
    constraint : str, default="demographic_parity"
        Parity metric (fairlearn, FAL, PANDA).
    random_state : int, default=None
    estimator : classifier, default=None
        The downstream classifier (``None``: the selector's default); ignored
        by methods tied to a learner (``fairlearn``, ``fairlearn_al``).

    Returns
    -------
    selector : BaseQuerySelector

    Examples
    --------
    >>> from skpanda.selectors import make_selector
    >>> make_selector("fal", random_state=0).n_candidates
    100
    """
    spec = get_selector_spec(name)
    return spec.factory(encoder=encoder, rho=rho, constraint=constraint,
                        random_state=random_state, estimator=estimator)


def _with_fairlearn(cls):
    def build(*, encoder, rho, constraint, random_state, estimator=None):
        return cls(estimator=fairlearn_estimator(rho, constraint), encoder=encoder,
                   random_state=random_state)

    return build


register_selector("random", RandomQuerySelector, label="Random")
register_selector("margin", MarginQuerySelector, label="Margin")
register_selector("entropy", EntropyQuerySelector, label="Entropy")
register_selector("group_random", GroupRandomQuerySelector, label="Group-aware random",
                  parity_aware=True)
register_selector("fal", FairActiveLearningQuerySelector, label="FAL", parity_aware=True,
                  params={"alpha": 0.6, "n_candidates": 100})
register_selector("fairlearn", RandomQuerySelector, label="Fairlearn", parity_aware=True,
                  factory=_with_fairlearn(RandomQuerySelector), learner="eg",
                  alias_of="random")
register_selector("fairlearn_al", MarginQuerySelector, label="Fairlearn+AL",
                  parity_aware=True, factory=_with_fairlearn(MarginQuerySelector),
                  learner="eg", alias_of="margin")
