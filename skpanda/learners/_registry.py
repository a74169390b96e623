"""The one registry of downstream learners: names, labels, estimators.

The experiment harness (``run_experiment(learners=...)``, ``skpanda reproduce
--learners``) trains every selector's rows with each named learner; the names
map to estimators here and nowhere else. Adding a learner is one
:func:`register_learner` call. This module sits below the selectors (it
imports numpy, scikit-learn, fairlearn and :mod:`skpanda.learners` only).
"""

from dataclasses import dataclass
from typing import Callable

from fairlearn.reductions import ExponentiatedGradient
from sklearn.linear_model import LogisticRegression, SGDClassifier

from ..metrics import to_fairlearn_moment
from ._reductions import PoolExponentiatedGradient
from ._threshold import PoolThresholdClassifier

#: Learners of ``skpanda reproduce`` when ``--learners`` is not given.
DEFAULT_LEARNERS = ("lr",)

#: Constant learning rate and epochs of the ``"sgd"`` learner, tuned on random
#: sampling as in the paper's §4.2 (``benchmarks/sgd_tuning.py``: Adult, seeds
#: 0-4, mean test F1 over budgets 50-400: 0.553 for eta0=0.03 with 20 or 50
#: epochs, the best of the grid; 20 is the cheaper one for PANDA to unroll).
SGD_ETA0 = 0.03
SGD_EPOCHS = 20


@dataclass(frozen=True)
class LearnerSpec:
    """One registered downstream learner.

    Parameters
    ----------
    name : str
        The learner name of result files and the command line (``"lr"``).
    label : str
        Name in tables and figures.
    factory : callable
        ``factory(*, rho, constraint, random_state)`` -> unfitted estimator.
    needs_groups_at_predict : bool
        Whether ``predict`` needs ``sensitive_features`` (group thresholds).
    """

    name: str
    label: str
    factory: Callable
    needs_groups_at_predict: bool = False


_LEARNERS = {}


def register_learner(name, factory, *, label, needs_groups_at_predict=False):
    """Add a downstream learner to the registry (a same-name call replaces it).

    Parameters
    ----------
    name : str
        Learner name, e.g. ``"lr"``.
    factory : callable
        ``factory(*, rho, constraint, random_state)`` returning an unfitted
        classifier.
    label : str
        Display label.
    needs_groups_at_predict : bool, default=False
        Whether the fitted classifier's ``predict`` takes ``sensitive_features``.

    Returns
    -------
    spec : LearnerSpec
    """
    if not isinstance(name, str) or not name or "," in name:
        raise TypeError(f"name must be a non-empty string without commas, got {name!r}.")
    spec = LearnerSpec(name, label, factory, bool(needs_groups_at_predict))
    _LEARNERS[name] = spec
    return spec


def learner_names():
    """Registered learner names, in registration order.

    Examples
    --------
    >>> from skpanda.learners import learner_names
    >>> learner_names()
    ('lr', 'eg', 'pool', 'pool_eg', 'sgd')
    """
    return tuple(_LEARNERS)


def get_learner_spec(name):
    """The :class:`LearnerSpec` of a learner name, or a ``ValueError`` naming the choices.

    Parameters
    ----------
    name : str
        A name of :func:`learner_names`.

    Returns
    -------
    spec : LearnerSpec
    """
    try:
        return _LEARNERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"learner={name!r} is unknown; choose among "
                         f"{', '.join(_LEARNERS)}.") from None


def check_learners(learners):
    """Validate learner names (a list or a comma-separated string); ``None`` = the default.

    Parameters
    ----------
    learners : str, list of str or None
        Names of :func:`learner_names`; ``None`` gives ``DEFAULT_LEARNERS``.

    Returns
    -------
    names : list of str
        The names, duplicates removed, in the given order.

    Examples
    --------
    >>> check_learners("lr, eg")
    ['lr', 'eg']
    """
    if learners is None:
        return list(DEFAULT_LEARNERS)
    if isinstance(learners, str):
        learners = [name.strip() for name in learners.split(",")]
    learners = list(dict.fromkeys(learners))
    unknown = [name for name in learners if name not in _LEARNERS]
    if unknown or not learners:
        raise ValueError(f"learners={','.join(map(str, learners))!r} holds unknown or no "
                         f"learner names {unknown}; choose among {', '.join(_LEARNERS)}.")
    return learners


def make_learner(name, *, rho=0.04, constraint="demographic_parity", random_state=None):
    """Build the unfitted downstream classifier of a registered learner name.

    Parameters
    ----------
    name : str
        One of :func:`learner_names`.
    rho : float, default=0.04
        Disparity bound of the fair learners.
    constraint : str, default="demographic_parity"
        Parity metric of the fair learners.
    random_state : int, default=None
        Seeds the learners that draw random numbers (SGD, the pool learners).

    Returns
    -------
    estimator : classifier

    Examples
    --------
    >>> from skpanda.learners import make_learner
    >>> make_learner("sgd", random_state=0).loss
    'log_loss'
    >>> type(make_learner("pool", rho=0.05)).__name__
    'PoolThresholdClassifier'
    """
    spec = get_learner_spec(name)
    return spec.factory(rho=rho, constraint=constraint, random_state=random_state)


def fairlearn_estimator(rho, constraint="demographic_parity"):
    """``ExponentiatedGradient(LogisticRegression, <constraint> <= rho)``.

    The inner LogisticRegression uses liblinear (3-7x faster than lbfgs for
    fairlearn's reweighted refits; the same L2-regularised objective up to
    the intercept penalty).
    """
    moment = to_fairlearn_moment(constraint, rho)
    return ExponentiatedGradient(LogisticRegression(solver="liblinear"), moment)


def _sgd(*, rho, constraint, random_state):
    return SGDClassifier(loss="log_loss", learning_rate="constant", eta0=SGD_ETA0,
                         max_iter=SGD_EPOCHS, tol=None, random_state=random_state)


register_learner("lr", lambda **_: LogisticRegression(max_iter=1000),
                 label="LogisticRegression")
register_learner("eg", lambda *, rho, constraint, random_state: fairlearn_estimator(
    rho, constraint), label="fairlearn EG")
register_learner("pool", lambda *, rho, constraint, random_state: PoolThresholdClassifier(
    rho=rho, constraint=constraint, random_state=random_state),
    label="pool thresholds", needs_groups_at_predict=True)
register_learner("pool_eg", lambda *, rho, constraint, random_state:
                 PoolExponentiatedGradient(rho=rho, constraint=constraint,
                                           random_state=random_state),
                 label="pool EG")
register_learner("sgd", _sgd, label="SGD (paper §4.2)")
