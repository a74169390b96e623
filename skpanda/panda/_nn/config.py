"""The meta-training recipe (:class:`MetaTrainConfig`) and its named presets.

Plain Python and scikit-learn (no torch): everything :func:`~skpanda.panda._nn.training.meta_train`
does besides the problem itself (data, budget, ``rho``, inner learner) is one
field here. The presets are the recipes the estimator uses:

- :meth:`MetaTrainConfig.paper` - the paper's recipe, for an unconstrained
  downstream classifier (``LogisticRegression``, ``SGDClassifier``);
- :meth:`MetaTrainConfig.constrained` - for a parity-penalised inner learner
  (a fairlearn reduction downstream);
- :meth:`MetaTrainConfig.pool_aware` - for a learner that enforces parity on
  the unlabeled pool (untuned: the constrained recipe);
- :meth:`MetaTrainConfig.faithful` - Algorithm 1 as the paper writes it, for a
  downstream ``SGDClassifier`` (chosen by ``PandaQuerySelector(recipe="faithful")``).
"""

import contextlib
import dataclasses
import inspect
import numbers
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Optional, Tuple

from sklearn.linear_model import SGDClassifier


@dataclass(frozen=True)
class MetaTrainConfig:
    """Settings of Algorithm 1's meta-training loop.

    Parameters
    ----------
    n_iter : int, default=100
        Iterations (simulated tasks).
    learning_rate : float, default=2e-3
        Adam rate of the forward step (line 4).
    prox_learning_rate : float, default=None
        Adam rate of the proximal step (line 5); ``None`` = ``learning_rate``.
    n_samples : int, default=4
        Gumbel samples averaged per forward step (variance reduction).
    n_prox_steps : int, default=1
        Maximum gradient steps of each proximal step.
    eta : float, default=1.0
        Weight of the disparity in the proximal objective.
    f1_weight : float, default=0.0
        Weight of the soft-F1 term of the forward step's validation loss
        (1 = soft F1 only, no log-loss).
    sharpness : float, default=4.0
        Slope of the sigmoid in the soft disparity and the soft F1.
    rho_target : float, default=0.8
        The proximal step aims at ``rho_target * rho``: a margin below ``rho``
        because test disparity generalises worse than training disparity
        (paper §4.3). ``score``, the history's ``constraint_held`` and the
        choice of the kept policy use ``rho`` itself.
    prox_adapt : tuple (up, down, lo, hi) or None, default=(1.3, 0.85, 0.2, 10.0)
        Adaptive proximal rate (:class:`~skpanda.panda._nn.steps.ProximalStep`):
        multiplied by ``up`` after an iteration that ends in violation, by
        ``down`` otherwise, within ``[lo, hi]`` times ``prox_learning_rate``.
    eval_every : int, default=10
        Iterations between held-out evaluations of the test-time selection.
    n_eval_tasks : int, default=8
        Fixed evaluation tasks.
    holdout : float, default=0.3
        Fraction of D0 kept out of the training tasks for the evaluation tasks.
    keep_best : bool, default=True
        Restore the best evaluated policy at the end (else the last iterate).
    policy_inputs : {"representation", "score"}, default="representation"
        What the policy reads per row (:class:`~skpanda.panda._nn.policy.SelectionPolicy`).
    sample : bool, default=False
        Select (and evaluate) by a Gumbel-top-B sample instead of top-B.
    checkpoint_every : int, default=50
        Iterations between checkpoints (when a checkpoint path is given).
    prox_optimizer : {"adam", "gd", "normalized"}, default="adam"
        Optimizer of the proximal step: Adam (the automatic presets), plain
        gradient descent with step ``prox_learning_rate``, or the same with the
        disparity's gradient scaled to unit norm (the faithful preset: a
        proximal step in which ``eta`` matters and whose length does not
        depend on the scale of the straight-through gradient;
        :class:`~skpanda.panda._nn.steps.ProximalStep`).
    prox_keep_least_violating : bool, default=False
        A proximal step that reaches ``n_prox_steps`` without meeting the
        target keeps its least violating iterate instead of its last.
    sgd_batch_size : int, default=1
        Selected rows per step of the simulated ``SGDClassifier`` of the
        faithful preset (:class:`~skpanda.panda._nn.sgd.SGDStepsLearner`).
    deployment_ratio : bool, default=False
        Training tasks select ``budget`` rows from a pool of exactly
        ``pool_size`` rows (the ratio ``budget / pool_size`` of the real
        selection), instead of a pool scaled down by ``holdout``; evaluation
        tasks keep the same ratio (:func:`~skpanda.panda._nn.evaluation.holdout_plan`).
    violation_weight : float, default=1.0
        Keep-best score of an infeasible evaluated policy:
        ``F1 - violation_weight * (disparity - rho) / rho``
        (:func:`~skpanda.panda._nn.evaluation.criterion`).
    n_tasks : int, default=1
        Simulated tasks per iteration: the forward-step loss and the proximal
        objective are averaged over them (an unbiased estimate of the
        expectation over tasks in Algorithm 1, lines 3-5). Task ``j`` of
        iteration ``k`` is drawn from the seed ``(seed, k)`` for ``j = 0``,
        ``(seed, k, j)`` otherwise, whatever the number of processes, so 1 is
        exactly the single-task loop, and the tasks can be spread over
        processes (:mod:`~skpanda.panda._nn.distributed`).

    Examples
    --------
    >>> MetaTrainConfig.constrained().eta
    10.0
    >>> MetaTrainConfig.paper().replace(n_iter=50).n_iter
    50
    """

    n_iter: int = 100
    learning_rate: float = 2e-3
    prox_learning_rate: Optional[float] = None
    n_samples: int = 4
    n_prox_steps: int = 1
    eta: float = 1.0
    f1_weight: float = 0.0
    sharpness: float = 4.0
    rho_target: float = 0.8
    prox_adapt: Optional[Tuple[float, float, float, float]] = (1.3, 0.85, 0.2, 10.0)
    eval_every: int = 10
    n_eval_tasks: int = 8
    holdout: float = 0.3
    keep_best: bool = True
    policy_inputs: str = "representation"
    sample: bool = False
    checkpoint_every: int = 50
    n_tasks: int = 1
    prox_optimizer: str = "adam"
    prox_keep_least_violating: bool = False
    sgd_batch_size: int = 1
    deployment_ratio: bool = False
    violation_weight: float = 1.0

    def __post_init__(self):
        if isinstance(self.n_tasks, bool) or not isinstance(self.n_tasks, numbers.Integral):
            raise TypeError(f"n_tasks must be an int (tasks per iteration), got "
                            f"{type(self.n_tasks).__name__} {self.n_tasks!r}.")
        if self.n_tasks < 1:
            raise ValueError(f"n_tasks={self.n_tasks} must be at least 1 (simulated tasks "
                             "averaged per meta-training iteration).")
        if self.prox_optimizer not in ("adam", "gd", "normalized"):
            raise ValueError(f"prox_optimizer={self.prox_optimizer!r}; use 'adam', 'gd' or "
                             "'normalized'.")

    @classmethod
    def paper(cls, **changes):
        """The paper's recipe (downstream LogisticRegression): validation log-loss,
        ``eta = 1``, the whole representation as policy input, the best
        evaluated policy kept, deterministic top-B."""
        return cls(**changes)

    @classmethod
    def constrained(cls, **changes):
        """For a parity-penalised inner learner: the forward step maximises the
        soft F1 (a penalised classifier can gain F1 while its log-loss
        worsens), ``eta = 10``, the policy reads the ``h^0`` score only (with
        the whole representation it learns to pick by group, which does not
        carry over to new rows), the last iterate is kept and selection is
        sampled (the policy shifts the odds of rows, not a ranking)."""
        recipe = dict(f1_weight=1.0, eta=10.0, policy_inputs="score", keep_best=False,
                      sample=True)
        return cls(**{**recipe, **changes})

    @classmethod
    def faithful(cls, **changes):
        """Algorithm 1 as written, for ``SGDClassifier(loss="log_loss", learning_rate="constant")``.

        Line by line (``docs/panda_quality.md``, "PANDA as the paper wrote it"):

        - line 3: tasks shaped like deployment (``deployment_ratio=True``:
          ``budget`` rows from ``pool_size`` rows);
        - lines 9-11: Gumbel-top-B of the policy scores, sampled at selection
          too (``sample=True``: the selection the policy was trained for);
        - line 12: ``h^b = h^{b-1} - eta' grad l``: ``SGDClassifier``'s steps
          from ``h^0`` (the estimator fitted on D0), ``sgd_batch_size=10``
          selected rows per step, every step unrolled;
        - line 4: an Adam step on the validation log-loss (``f1_weight=0``);
        - line 5: normalized gradient descent (``prox_optimizer="normalized"``,
          step ``prox_learning_rate=0.05``, no adaptive rate) on
          ``eta chi~(theta) + 1/2 ||theta - theta_hat||^2`` with ``eta=10``
          (``grad chi~`` scaled to unit norm: each step moves ``0.05 * 10``
          along it), at most ``n_prox_steps=40`` steps, stopping when the
          training task's disparity is below ``rho`` itself
          (``rho_target=1``), else keeping the least violating iterate;
        - line 7: the last iterate is returned (``keep_best=False``).
        """
        recipe = dict(prox_optimizer="normalized", prox_keep_least_violating=True,
                      prox_learning_rate=0.05, prox_adapt=None, eta=10.0, n_prox_steps=40,
                      rho_target=1.0, keep_best=False, sample=True, sgd_batch_size=10,
                      deployment_ratio=True)
        return cls(**{**recipe, **changes})

    @classmethod
    def pool_aware(cls, **changes):
        """For a pool-penalised inner learner: the constrained recipe, untuned."""
        return cls.constrained(**changes)

    def replace(self, **changes):
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    @property
    def prox_lr(self):
        """The proximal step's base learning rate."""
        return self.prox_learning_rate or self.learning_rate


_RECIPE_CHANGES = ContextVar("skpanda_recipe_changes", default={})


@contextlib.contextmanager
def recipe_changes(**changes):
    """Within this block, :func:`recipe_for` applies ``changes`` to every preset.

    The way to set a field the estimator does not expose (``n_tasks`` of a
    distributed run, :func:`~skpanda.panda._nn.distributed.meta_training_group`);
    changes passed to :func:`recipe_for` itself win.

    Examples
    --------
    >>> with recipe_changes(n_tasks=4):
    ...     recipe_for("logistic", 0.0).n_tasks
    4
    >>> recipe_for("logistic", 0.0).n_tasks
    1
    """
    token = _RECIPE_CHANGES.set({**_RECIPE_CHANGES.get(), **changes})
    try:
        yield
    finally:
        _RECIPE_CHANGES.reset(token)


def _accepts(method, name):
    try:
        return name in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def inner_learner_kind(estimator):
    """Which inner learner stands in for ``estimator``: ``"logistic"``, ``"parity"``,
    ``"pool"`` or ``"sgd"``.

    A fit taking ``X_unlabeled`` (pool-aware learner) -> ``"pool"``; a fairlearn
    reduction (a ``constraints`` attribute) -> ``"parity"``; scikit-learn's
    ``SGDClassifier`` -> ``"sgd"``; anything else (``LogisticRegression``,
    ``None``) -> ``"logistic"``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression, SGDClassifier
    >>> inner_learner_kind(LogisticRegression()), inner_learner_kind(SGDClassifier())
    ('logistic', 'sgd')
    """
    if estimator is not None and _accepts(getattr(estimator, "fit", None), "X_unlabeled"):
        return "pool"
    if hasattr(estimator, "constraints"):
        return "parity"
    if isinstance(estimator, SGDClassifier):
        return "sgd"
    return "logistic"


def check_sgd_estimator(estimator):
    """``(epochs, eta0, alpha)`` of an ``SGDClassifier`` that :class:`SGDStepsLearner` matches.

    Raises ``ValueError`` naming the setting to change for any other: the
    loss must be ``"log_loss"``, the schedule ``learning_rate="constant"``,
    the penalty ``"l2"`` or ``None``, without ``class_weight``, averaging or
    early stopping.

    Examples
    --------
    >>> from sklearn.linear_model import SGDClassifier
    >>> check_sgd_estimator(SGDClassifier(loss="log_loss", learning_rate="constant",
    ...                                   eta0=0.01, max_iter=5))
    (5, 0.01, 0.0001)
    """
    wanted = dict(loss="log_loss", learning_rate="constant", class_weight=None,
                  average=False, early_stopping=False, fit_intercept=True)
    for name, value in wanted.items():
        if getattr(estimator, name, value) != value:
            raise ValueError(
                f"recipe='faithful' simulates SGDClassifier({name}={value!r}); got "
                f"{name}={getattr(estimator, name)!r}. Pass an SGDClassifier with {name}={value!r}.")
    if estimator.penalty not in ("l2", None):
        raise ValueError(f"recipe='faithful' simulates an L2 (or no) penalty; got "
                         f"penalty={estimator.penalty!r}. Use penalty='l2' or None.")
    alpha = float(estimator.alpha) if estimator.penalty == "l2" else 0.0
    return int(estimator.max_iter), float(estimator.eta0), alpha


def recipe_for(kind, penalty, **changes):
    """The preset for an inner learner of ``kind`` (:func:`inner_learner_kind`).

    A penalised learner (``penalty > 0``) gets :meth:`MetaTrainConfig.constrained`
    (:meth:`~MetaTrainConfig.pool_aware` for ``"pool"``); the logistic and SGD
    learners get :meth:`MetaTrainConfig.paper`; ``kind="faithful"`` gets
    :meth:`MetaTrainConfig.faithful`.

    Examples
    --------
    >>> recipe_for("parity", 30.0).policy_inputs, recipe_for("logistic", 0.0).policy_inputs
    ('score', 'representation')
    """
    changes = {**_RECIPE_CHANGES.get(), **changes}
    if kind == "faithful":
        return MetaTrainConfig.faithful(**changes)
    if kind == "sgd" or not penalty:
        return MetaTrainConfig.paper(**changes)
    if kind == "pool":
        return MetaTrainConfig.pool_aware(**changes)
    return MetaTrainConfig.constrained(**changes)
