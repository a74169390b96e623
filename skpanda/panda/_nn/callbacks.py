"""Hooks of the meta-training loop (in the spirit of skorch's callbacks).

:func:`~skpanda.panda._nn.training.meta_train` calls every hook's
``on_begin(run, resume)`` once, ``on_iteration(run)`` after each finished
iteration (in list order) and ``on_end(run)`` once at the end (in reverse
order, so a checkpoint is written before the best policy is restored).
``run`` is the :class:`~skpanda.panda._nn.training.MetaTrainRun`; a hook's
``checkpoint_items()`` go into every checkpoint.
"""

from .checkpoint import save_checkpoint
from .evaluation import BestPolicy, evaluate_policy


class Hook:
    """Base hook: every method does nothing."""

    def on_begin(self, run, resume=None):
        """Before the first iteration (``resume``: a loaded checkpoint or None)."""

    def on_iteration(self, run):
        """After iteration ``run.n_done`` finished (its record is in ``run.history``)."""

    def on_end(self, run):
        """After the last iteration, or after an interruption."""

    def checkpoint_items(self):
        """Entries to store in a checkpoint."""
        return {}

    def save_point(self):
        """State an iteration may change, for :meth:`restore` on interrupt (default: none)."""
        return None

    def restore(self, state):
        """Return to what :meth:`save_point` returned."""


class Progress(Hook):
    """A tqdm bar with the last loss, F1 and disparity (never stored on an estimator)."""

    def __init__(self, enabled):
        self.enabled, self.bar = enabled, None

    def on_begin(self, run, resume=None):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=run.n_iter, initial=run.start, disable=not self.enabled,
                        desc="PANDA meta-training")

    def on_iteration(self, run):
        h = run.history
        self.bar.set_postfix(loss=f"{h['val_loss'][-1]:.3f}", f1=f"{h['val_f1'][-1]:.3f}",
                             disp=f"{h['disparity_after_prox'][-1]:.3f}", refresh=False)
        self.bar.update(1)

    def on_end(self, run):
        self.bar.close()
        self.bar = None


class PeriodicEvaluation(Hook):
    """Score the test-time selection on fixed held-out tasks every ``every`` iterations.

    Appends ``eval_iteration``, ``eval_f1``, ``eval_disparity`` and
    ``disparity_gap`` (held-out disparity minus the mean training-task
    disparity after the proximal steps since the previous evaluation) to the
    history and leaves ``run.last_eval = (f1, disparity)`` (None between
    evaluations) for :class:`KeepBestPolicy`.

    Over several processes (``collective``) the ranks share the tasks when the
    selection is a deterministic top-B and the means are all-reduced, so every
    rank keeps the same best policy. A sampled selection seeds its Gumbel
    draws by the task's position in the list, so then every rank evaluates
    every task and the ranks' means are averaged.
    """

    def __init__(self, tasks, every, collective=None, **evaluate_kw):
        self.tasks, self.every, self.kw = tasks, every, evaluate_kw
        self.collective = collective

    def evaluate(self, policy):
        """Mean (F1, disparity) of ``policy`` on the evaluation tasks (equal on every rank)."""
        group = self.collective
        if group is None or not group.distributed:
            return evaluate_policy(policy, self.tasks, **self.kw)
        device = self.kw["init"].device
        if self.kw.get("sample"):
            f1, disp = evaluate_policy(policy, self.tasks, **self.kw)
            f1, disp = group.sum_floats([f1, disp], device=device)
            return f1 / group.world, disp / group.world
        mine = [self.tasks[j] for j in group.shard(len(self.tasks))]
        f1, disp = evaluate_policy(policy, mine, **self.kw) if mine else (0.0, 0.0)
        f1, disp = group.sum_floats([f1 * len(mine), disp * len(mine)], device=device)
        return f1 / len(self.tasks), disp / len(self.tasks)

    def on_iteration(self, run):
        run.last_eval = None
        if run.n_done % self.every == 0 or run.n_done == run.n_iter:
            run.last_eval = self.evaluate(run.policy)
            last = (run.history["eval_iteration"] or [0])[-1]
            run.history["eval_iteration"].append(run.n_done)
            run.history["eval_f1"].append(run.last_eval[0])
            run.history["eval_disparity"].append(run.last_eval[1])
            train = run.history["disparity_after_prox"][last:run.n_done]
            gap = run.last_eval[1] - sum(train) / len(train) if train else float("nan")
            run.history["disparity_gap"].append(gap)


class KeepBestPolicy(Hook):
    """Offer every evaluation to a :class:`BestPolicy`; restore the best at the end.

    The untrained policy is evaluated first and is itself a candidate.
    """

    def __init__(self, rho, evaluation, violation_weight=1.0):
        self.best, self.evaluation = BestPolicy(rho, violation_weight), evaluation

    def on_begin(self, run, resume=None):
        if resume is not None:
            self.best.resume(resume)
        if self.best.f1_floor is None and run.n_iter > run.start:
            self.best.set_baseline(*self.evaluation.evaluate(run.policy), run.snapshot())

    def on_iteration(self, run):
        if run.last_eval is not None:
            self.best.offer(*run.last_eval, run.snapshot)

    def on_end(self, run):
        if self.best.state is not None:
            run.policy.load_state_dict(self.best.state)

    def checkpoint_items(self):
        return self.best.checkpoint_items()

    def save_point(self):
        # the kept state dicts are replaced, never changed in place: references suffice
        return self.best.score, self.best.state, self.best.f1_floor

    def restore(self, state):
        self.best.score, self.best.state, self.best.f1_floor = state


class Checkpoint(Hook):
    """Write a checkpoint every ``every`` iterations and at the end (when any ran)."""

    def __init__(self, path, every, extra=None):
        self.path, self.every, self.extra = path, every, extra or {}

    def save(self, run):
        """Write ``run``'s state, ``extra`` and every hook's items to the file."""
        payload = {**run.state_dict(), **self.extra}
        for hook in run.hooks:
            payload.update(hook.checkpoint_items())
        save_checkpoint(self.path, payload)

    def on_iteration(self, run):
        if run.n_done % self.every == 0:
            self.save(run)

    def on_end(self, run):
        if run.n_done > run.start:
            self.save(run)
