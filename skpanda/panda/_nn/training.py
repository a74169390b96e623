"""Meta-training of the selection policy: the loop of Algorithm 1.

Each iteration ``k`` (:func:`meta_iteration`):

* line 3 - :func:`~skpanda.panda._nn.tasks.reshuffle` D0 into a simulated
  pool ``L`` and a validation set ``V``;
* line 4 - :func:`~skpanda.panda._nn.steps.forward_step`;
* line 5 - :func:`~skpanda.panda._nn.steps.proximal_step` (through
  :class:`~skpanda.panda._nn.steps.ProximalStep`, which owns its adaptive rate),
  aiming at ``config.rho_target * rho``.

With ``config.n_tasks > 1`` an iteration draws that many tasks and both steps
average over them; under :func:`~skpanda.panda._nn.distributed.meta_training_group`
(``skpanda fit --n-tasks N`` under torchrun) the tasks are spread
over processes, each rank keeping identical parameters, and only rank 0 writes
checkpoints and progress.

:func:`meta_train` loops, records a history and stops cleanly on
``KeyboardInterrupt``; checkpointing, the progress bar, held-out evaluation
and best-policy keeping are hooks (:mod:`~skpanda.panda._nn.callbacks`). The
recipe is a :class:`~skpanda.panda._nn.config.MetaTrainConfig`.
"""

import warnings

import numpy as np
import torch

from .callbacks import Checkpoint, KeepBestPolicy, PeriodicEvaluation, Progress
from .checkpoint import clone_state, load_checkpoint  # noqa: F401  (load_: re-exported)
from .config import MetaTrainConfig
from .distributed import current_collective, fingerprint
from .evaluation import hard_metrics, holdout_plan
from .learners import LogisticLearner
from .policy import policy_inputs
from .steps import ProximalStep, forward_step
from .tasks import Task, make_task, reshuffle, split_task  # noqa: F401

_ITERATION_KEYS = (
    "val_loss", "val_f1", "val_disparity", "prox_steps", "disparity_after_prox",
    "constraint_held", "tau", "prox_reached",
)
HISTORY_KEYS = _ITERATION_KEYS + ("eval_iteration", "eval_f1", "eval_disparity",
                                  "disparity_gap")


class MetaTrainRun:
    """The state of one meta-training run, shared with the hooks.

    Attributes
    ----------
    policy, config, learner, history, hooks
        What :func:`meta_train` was given, and the history being recorded.
    forward_optimizer : torch.optim.Adam
        Line 4's optimizer.
    proximal : ProximalStep
        Line 5 with its optimizer and adaptive rate.
    start, n_done, n_iter : int
        First iteration of this call, iterations finished, iterations asked.
    last_eval : tuple or None
        ``(f1, disparity)`` of an evaluation at the current iteration.
    collective : Collective
        The processes the iteration's tasks are spread over
        (:mod:`~skpanda.panda._nn.distributed`).
    """

    def __init__(self, policy, config, learner, hooks, collective=None):
        self.policy, self.config, self.learner, self.hooks = policy, config, learner, hooks
        self.collective = current_collective() if collective is None else collective
        self.forward_optimizer = torch.optim.Adam(policy.parameters(), lr=config.learning_rate)
        self.proximal = ProximalStep(policy, config.prox_lr, config.prox_adapt,
                                     config.prox_optimizer, config.prox_keep_least_violating)
        self.history = {key: [] for key in HISTORY_KEYS}
        self.start = self.n_done = 0
        self.n_iter, self.last_eval = config.n_iter, None

    def snapshot(self):
        """A detached copy of the policy's state dict."""
        return {k: v.detach().clone() for k, v in self.policy.state_dict().items()}

    def state_dict(self):
        """Checkpoint entries: iteration, policy, optimizers, history, proximal rate, tasks."""
        state = {"iteration": self.n_done, "policy": self.snapshot(),
                 "forward_optimizer": self.forward_optimizer.state_dict(),
                 **self.proximal.state_dict(), "history": self.history}
        if self.config.n_tasks != 1:  # checkpoints of the single-task loop stay as they were
            state["n_tasks"] = self.config.n_tasks
        return state

    def save_point(self):
        """A copy of everything an iteration and its hooks change (see :meth:`restore`).

        The policy, both optimizers (Adam moments and step counts, the proximal
        rate), the history's lengths, the iteration count, the last evaluation
        and each hook's :meth:`~.callbacks.Hook.save_point`.
        """
        return {"n_done": self.n_done, "last_eval": self.last_eval, "policy": self.snapshot(),
                "optimizers": clone_state({"forward": self.forward_optimizer.state_dict(),
                                           **self.proximal.state_dict()}),
                "lengths": {key: len(values) for key, values in self.history.items()},
                "hooks": [hook.save_point() for hook in self.hooks]}

    def restore(self, point):
        """Return to a :meth:`save_point`: as if the iterations since had never run."""
        self.policy.load_state_dict(point["policy"])
        optimizers = clone_state(point["optimizers"])
        self.forward_optimizer.load_state_dict(optimizers["forward"])
        self.proximal.load_state_dict(optimizers)
        for key, length in point["lengths"].items():
            del self.history[key][length:]
        self.n_done, self.last_eval = point["n_done"], point["last_eval"]
        for hook, state in zip(self.hooks, point["hooks"]):
            hook.restore(state)

    def load_state_dict(self, resume):
        """Continue from a checkpoint written by :class:`~.callbacks.Checkpoint`."""
        if int(resume.get("n_tasks", 1)) != self.config.n_tasks:
            raise ValueError(
                f"the checkpoint was written with n_tasks={int(resume.get('n_tasks', 1))} "
                f"tasks per iteration, this run has n_tasks={self.config.n_tasks}; resume "
                "with the same n_tasks or start without the checkpoint.")
        self.policy.load_state_dict(resume["policy"])
        self.forward_optimizer.load_state_dict(resume["forward_optimizer"])
        self.proximal.load_state_dict(resume)
        self.history.update({k: list(v) for k, v in resume["history"].items()})
        self.start = self.n_done = int(resume["iteration"])


class TaskSource:
    """Draws training and evaluation tasks from D0 (training rows / held-out rows).

    ``holdout`` of D0 is kept out of training tasks when it leaves every pool
    larger than the budget (:func:`~skpanda.panda._nn.evaluation.holdout_plan`).
    """

    def __init__(self, data, *, pool_size, budget, holdout, seed, keep_pool=False):
        self.data, self.seed = data, seed
        y, g = data[2], data[3]
        self.y, self.g = y.cpu().numpy().astype(int), g.cpu().numpy().astype(int)
        n = self.y.shape[0]
        self.plan = holdout_plan(n, pool_size=pool_size, budget=budget, holdout=holdout,
                                 keep_pool=keep_pool)
        self.rows_train = self.rows_eval = np.arange(n)
        if self.plan.n_train_rows < n:  # evaluation tasks on rows training never sees
            self.rows_train, self.rows_eval = reshuffle(
                self.y, self.g, self.plan.n_train_rows, np.random.RandomState([seed, 3]))

    def draw(self, rows, size, rng):
        """Algorithm 1, line 3, on ``rows`` of D0: a :class:`Task`."""
        idx_L, idx_V = reshuffle(self.y[rows], self.g[rows], size, rng)
        return make_task(self.data, rows[idx_L], rows[idx_V])

    def iteration_tasks(self, k, indices):
        """Tasks ``indices`` of iteration ``k`` and their noise seeds: two lists.

        Task ``j`` comes from ``RandomState((seed, k))`` when ``j = 0`` (the
        single-task loop), ``RandomState((seed, k, j))`` otherwise: it does
        not depend on how many processes share the iteration.
        """
        tasks, seeds = [], []
        for j in indices:
            rng = np.random.RandomState([self.seed, k] if j == 0 else [self.seed, k, j])
            tasks.append(self.draw(self.rows_train, self.plan.train_pool, rng))
            seeds.append(rng.randint(2**31 - 1))
        return tasks, seeds

    def eval_tasks(self, n_tasks):
        """The fixed evaluation tasks (seeded by ``(seed, 7, j)``)."""
        return [self.draw(self.rows_eval, self.plan.eval_pool,
                          np.random.RandomState([self.seed, 7, j])) for j in range(n_tasks)]


def meta_iteration(run, source, k, *, init, budget, rho, constraint_fn, n_groups):
    """One iteration of Algorithm 1 (lines 3-5); returns its history record.

    This process simulates its share of the ``config.n_tasks`` tasks
    (:meth:`Collective.shard <.distributed.Collective.shard>`); the loss,
    F1 and disparities recorded are means over all of them.
    """
    cfg, collective = run.config, run.collective
    tasks, seeds = source.iteration_tasks(k, collective.shard(cfg.n_tasks))
    sim = dict(budget=budget, init=init, learner=run.learner, n_samples=cfg.n_samples,
               seed=seeds, sharpness=cfg.sharpness, n_tasks=cfg.n_tasks,
               collective=collective)
    thetas, loss = forward_step(run.policy, run.forward_optimizer, tasks,
                                f1_weight=cfg.f1_weight, **sim)
    metrics = [hard_metrics(theta, task, constraint_fn, n_groups)
               for theta, task in zip(thetas, tasks)]
    f1, disp = collective.sum_floats([sum(float(f.mean()) for f, _ in metrics),
                                      sum(float(d.mean()) for _, d in metrics)],
                                     device=init.device)
    target = rho * cfg.rho_target
    n_prox, disp_after = run.proximal(tasks, target=target, eta=cfg.eta,
                                      n_steps=cfg.n_prox_steps, constraint_fn=constraint_fn,
                                      n_groups=n_groups, **sim)
    return (loss, f1 / cfg.n_tasks, disp / cfg.n_tasks, n_prox, disp_after,
            bool(disp_after < rho), float(run.policy.tau.detach()), bool(disp_after < target))


def _default_hooks(source, config, *, init, budget, rho, learner, constraint_fn, n_groups,
                   verbose, checkpoint_path, extra, collective):
    """Evaluation, best-policy keeping, then (rank 0 only) checkpoints and the progress bar."""
    evaluation = PeriodicEvaluation(
        source.eval_tasks(config.n_eval_tasks), config.eval_every,
        budget=source.plan.eval_budget, init=init, learner=learner,
        constraint_fn=constraint_fn, n_groups=n_groups, sample=config.sample,
        collective=collective)
    hooks = [evaluation]
    if config.keep_best:
        hooks.append(KeepBestPolicy(rho, evaluation, config.violation_weight))
    if checkpoint_path is not None and collective.is_main:
        hooks.append(Checkpoint(checkpoint_path, config.checkpoint_every, extra))
    # last: the bar counts an iteration once it is whole
    hooks.append(Progress(verbose and collective.is_main))
    return hooks


def check_inputs_agree(collective, policy, data, init, resume, **problem):
    """Raise ``ValueError`` before any training unless every rank holds the same inputs.

    Each rank hashes D0 (features, labels, groups), the pretrained head, the
    initial policy, the checkpoint resumed and the problem's settings
    (:func:`~.distributed.fingerprint`); the hashes are all-gathered and
    compared with rank 0's, naming what differs. Nothing happens in one process.
    """
    if not collective.distributed:
        return
    Z, y, groups = data
    learner = problem.pop("learner")
    settings = {k: v for k, v in getattr(learner, "__dict__", {}).items()
                if isinstance(v, (bool, int, float, str, type(None)))}
    collective.check_same({
        "D0 features Z": fingerprint(Z), "D0 labels y": fingerprint(y),
        "D0 groups": fingerprint(groups), "pretrained head init": fingerprint(init),
        "initial policy parameters": fingerprint(policy.state_dict()),
        "resumed checkpoint": fingerprint(None if resume is None else resume.get("policy")),
        "inner learner": fingerprint((type(learner).__name__, settings)),
        "settings (config, budget, rho, pool_size, seed)": fingerprint(problem),
    })


def _check_world(collective, config):
    if config.n_tasks < collective.world:
        raise ValueError(
            f"n_tasks={config.n_tasks} is smaller than the {collective.world} processes: "
            f"some would have no task. Use n_tasks >= {collective.world} (a multiple of it "
            "balances the work).")


def _loop(run, source, problem):
    """Iterations ``run.start .. run.n_iter``; returns True when interrupted.

    Every iteration starts from a :meth:`MetaTrainRun.save_point`; a
    ``KeyboardInterrupt`` anywhere in an iteration or its hooks restores it,
    so the state kept (and checkpointed by ``on_end``) is exactly the one
    after the last whole iteration, and a resumed run repeats the interrupted
    iteration exactly as an uninterrupted run does.
    """
    point = run.save_point()
    try:
        for k in range(run.start, run.n_iter):
            point = run.save_point() if k > run.start else point
            record = meta_iteration(run, source, k, **problem)
            for key, value in zip(_ITERATION_KEYS, record):
                run.history[key].append(value)
            run.n_done = k + 1
            for hook in run.hooks:
                hook.on_iteration(run)
    except KeyboardInterrupt:
        run.restore(point)
        warnings.warn(
            f"PANDA meta-training interrupted after {run.n_done} of {run.n_iter} iterations; "
            "the policy trained so far is kept.", UserWarning)
        return True
    return False


def meta_train(policy, Z, y, groups, *, init, budget, rho, constraint_fn, pool_size,
               learner=None, config=None, seed=0, verbose=False, checkpoint_path=None,
               resume=None, extra=None, collective=None, learner_init=None):
    """Run Algorithm 1 for ``config.n_iter`` iterations on D0 (in place on ``policy``).

    Parameters
    ----------
    policy : SelectionPolicy
    Z : Tensor of shape (n, d)
        D0 in the pretrained representation.
    y, groups : Tensor of shape (n,)
        Labels (0/1) and group codes (0..k-1) of D0.
    init : Tensor of shape (d + 1,)
        Pretrained head ``[beta, b]``: the policy's ``h`` input, and the start
        of the inner learner unless ``learner_init`` is given.
    budget, rho : int, float
        Selection budget B and disparity bound.
    constraint_fn : callable
        Differentiable disparity (:mod:`skpanda.panda._nn.disparity`).
    pool_size : int
        Size of the simulated pool L (V is the rest of D0).
    learner : InnerLearner, default=None
        ACTIVELEARNSIM's classifier (:mod:`~skpanda.panda._nn.learners`);
        ``None``: :class:`~skpanda.panda._nn.learners.LogisticLearner`.
    config : MetaTrainConfig, default=None
        The recipe; ``None``: :meth:`MetaTrainConfig.paper`.
    seed : int, default=0
        Seeds splits and Gumbel noise (iteration ``k`` uses ``(seed, k)``).
    verbose : bool, default=False
        Show a tqdm progress bar.
    checkpoint_path, resume, extra
        Save a checkpoint every ``config.checkpoint_every`` iterations and at
        the end (``extra`` stored alongside); ``resume`` is a loaded
        checkpoint to continue from.
    collective : Collective, default=None
        The processes sharing each iteration's ``config.n_tasks`` tasks
        (:mod:`~skpanda.panda._nn.distributed`); ``None``: the one of the
        enclosing :func:`~.distributed.meta_training_group`, else this
        process alone. Every rank must pass the same data and settings
        (checked before training; ``ValueError`` naming what differs); only
        rank 0 writes checkpoints and shows progress.
    learner_init : Tensor of shape (d + 1,), default=None
        ``h^0``, the start of the inner learner (the faithful preset: the
        downstream classifier fitted on D0); ``None``: ``init``.

    Returns
    -------
    history : dict of lists
    n_done : int
        Iterations completed (``< config.n_iter`` when interrupted).
    interrupted : bool
    """
    config = MetaTrainConfig.paper() if config is None else config
    learner = LogisticLearner() if learner is None else learner
    collective = current_collective() if collective is None else collective
    _check_world(collective, config)
    check_inputs_agree(collective, policy, (Z, y, groups), init, resume, learner=learner,
                       config=config, budget=budget, rho=rho, pool_size=pool_size, seed=seed)
    n_groups = int(groups.max()) + 1
    source = TaskSource((policy_inputs(Z, init), Z, y.to(Z.dtype), groups), pool_size=pool_size,
                        budget=budget, holdout=config.holdout, seed=seed,
                        keep_pool=config.deployment_ratio)
    init = init if learner_init is None else learner_init.to(init)
    hooks = _default_hooks(source, config, init=init, budget=budget, rho=rho, learner=learner,
                           constraint_fn=constraint_fn, n_groups=n_groups, verbose=verbose,
                           checkpoint_path=checkpoint_path, extra=extra,
                           collective=collective)
    run = MetaTrainRun(policy, config, learner, hooks, collective)
    if resume is not None:
        run.load_state_dict(resume)
    for hook in hooks:
        hook.on_begin(run, resume)
    problem = dict(init=init, budget=budget, rho=rho, constraint_fn=constraint_fn,
                   n_groups=n_groups)
    interrupted = _loop(run, source, problem)
    for hook in reversed(hooks):
        hook.on_end(run)
    return run.history, run.n_done, interrupted
