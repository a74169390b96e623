"""Pool-aware fair learners: the parity bound is enforced on unlabeled rows.

Demographic parity needs no labels and a pool's groups are known, so a bound
fitted on thousands of unlabeled rows is far tighter than one fitted on the
few hundred labeled rows an active learner buys. Both learners take
``fit(X, y, *, sensitive_features=None, X_unlabeled=None,
sensitive_features_unlabeled=None)`` and fall back to the labeled rows without
unlabeled ones (numpy, scikit-learn and fairlearn only; never torch).

- :class:`PoolThresholdClassifier`: post-processing, one threshold per group
  (needs the group at predict time).
- :class:`PoolExponentiatedGradient`: fairlearn's reductions with the parity
  moment on the unlabeled rows (group-blind at predict time).

The registry (:func:`make_learner`, :func:`learner_names`) names the
downstream learners of the experiment harness: ``lr``, ``eg``, ``pool``,
``pool_eg``, ``sgd``.

:func:`certifiable_bound` gives, before fitting, the tightest demographic-parity
bound a pool can certify on its population (``confidence=`` of the learners).
"""

from ._certify import certifiable_bound
from ._pipeline import GroupAwarePipeline
from ._reductions import PoolExponentiatedGradient
from ._registry import (
    DEFAULT_LEARNERS,
    LearnerSpec,
    check_learners,
    get_learner_spec,
    learner_names,
    make_learner,
    register_learner,
)
from ._threshold import PoolThresholdClassifier

__all__ = [
    "GroupAwarePipeline",
    "PoolExponentiatedGradient",
    "PoolThresholdClassifier",
    "certifiable_bound",
    "DEFAULT_LEARNERS",
    "LearnerSpec",
    "check_learners",
    "get_learner_spec",
    "learner_names",
    "make_learner",
    "register_learner",
]
