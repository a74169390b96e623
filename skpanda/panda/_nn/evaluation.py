"""Held-out evaluation of the selection policy and the choice of the policy kept.

Meta-training (:func:`~skpanda.panda._nn.training.meta_train`) is noisy: one
iteration can leave the policy worse, or over the disparity bound, so every
few iterations the test-time selection is scored on fixed *evaluation tasks*
and the best policy seen is the one returned.

Why held-out rows
-----------------
The policy sees every row of D0 it is trained on, many times over, and learns
those rows themselves. Evaluation tasks made of the same rows then reward
memorisation: a policy can look feasible on them while its selections on a new
pool are not. :func:`holdout_plan` therefore keeps a fraction of D0 out of the
training tasks, and the evaluation tasks are drawn from those rows only. Pools
and budget are scaled by the same fraction, so an evaluation selects the same
share of its pool as the real selection (top-B of a smaller pool with the full
budget would be a far less extreme tail of the policy's scores).

How the kept policy is ranked
-----------------------------
:func:`criterion` orders candidates, :class:`BestPolicy` keeps the best:

1. *degenerate last*: F1 below a floor (``FLOOR_RATIO`` times the untrained
   policy's F1) ranks below everything; a classifier that predicts almost no
   positives meets any parity bound and is useless;
2. *feasible first*: a policy with disparity ``<= rho`` ranks above every
   infeasible one, and feasible policies rank by F1;
3. infeasible policies rank by F1 minus the relative violation
   ``(disparity - rho) / rho``.

The untrained policy is itself a candidate, so the policy returned is never
ranked below the one meta-training started from.
"""

from typing import NamedTuple

import numpy as np
import torch

from .disparity import disparities
from .gumbel import gumbel_perturb
from .learners import predict_logits

FLOOR_RATIO = 0.75


@torch.no_grad()
def hard_metrics(theta, task, constraint_fn, n_groups):
    """F1 and disparity of hard predictions ``z > 0`` per sample, each (S,)."""
    pred = (predict_logits(task.Z_V, theta) > 0).to(task.y_V.dtype)  # (S, N_V)
    tp = (pred * task.y_V).sum(-1)
    f1 = 2 * tp / (pred.sum(-1) + task.y_V.sum()).clamp_min(1.0)
    disp = disparities(constraint_fn, pred, task.g_V, task.y_V, n_groups=n_groups)  # (S,)
    return f1, disp


class HoldoutPlan(NamedTuple):
    """Sizes of the training and evaluation tasks of :func:`holdout_plan`."""

    n_train_rows: int
    train_pool: int
    eval_pool: int
    eval_budget: int


def holdout_plan(n_rows, *, pool_size, budget, holdout, keep_pool=False):
    """Rows left to training tasks, pool sizes and evaluation budget.

    ``holdout * n_rows`` rows are held out when every pool it implies (the
    training pool, the evaluation pool and its validation rest) holds more
    than ``budget`` rows; otherwise nothing is held out and evaluation tasks
    are built like training tasks. Training pools are ``pool_size`` scaled by
    ``1 - holdout``, or, with ``keep_pool=True`` (tasks shaped like
    deployment), ``pool_size`` itself, the evaluation pool and budget then
    scaled by ``holdout / (1 - holdout)``: every task selects the share
    ``budget / pool_size`` of its pool.

    Examples
    --------
    >>> holdout_plan(1000, pool_size=500, budget=40, holdout=0.3)
    HoldoutPlan(n_train_rows=700, train_pool=350, eval_pool=150, eval_budget=12)
    >>> holdout_plan(1000, pool_size=500, budget=200, holdout=0.3)
    HoldoutPlan(n_train_rows=1000, train_pool=500, eval_pool=500, eval_budget=200)
    >>> holdout_plan(1000, pool_size=400, budget=40, holdout=0.3, keep_pool=True)
    HoldoutPlan(n_train_rows=700, train_pool=400, eval_pool=171, eval_budget=17)
    """
    if keep_pool:
        return _keep_pool_plan(n_rows, pool_size, budget, holdout)
    n_eval_rows = int(round(n_rows * holdout))
    if not holdout or min(round(pool_size * holdout), n_eval_rows - round(pool_size * holdout),
                          round(pool_size * (1 - holdout))) <= budget:
        return HoldoutPlan(n_rows, pool_size, pool_size, budget)
    return HoldoutPlan(n_rows - n_eval_rows, int(round(pool_size * (1 - holdout))),
                       int(round(pool_size * holdout)), max(2, int(round(budget * holdout))))


def _keep_pool_plan(n_rows, pool_size, budget, holdout):
    n_eval_rows = int(round(n_rows * holdout))
    scale = holdout / (1.0 - holdout) if holdout < 1 else 0.0
    eval_pool, eval_budget = int(round(pool_size * scale)), max(2, int(round(budget * scale)))
    if not holdout or min(n_rows - n_eval_rows - pool_size, eval_pool - eval_budget,
                          n_eval_rows - eval_pool) < 2 or eval_pool <= eval_budget:
        return HoldoutPlan(n_rows, pool_size, pool_size, budget)
    return HoldoutPlan(n_rows - n_eval_rows, pool_size, eval_pool, eval_budget)


@torch.no_grad()
def evaluate_policy(policy, tasks, *, budget, init, learner, constraint_fn, n_groups,
                    sample=False, n_draws=2):
    """Score the test-time selection on fixed tasks: mean (F1, disparity).

    The selection is the top-B of the logits (``sample=False``) or of
    Gumbel-perturbed logits (``sample=True``, ``n_draws`` fixed seeds per
    task), exactly as :meth:`PandaQuerySelector.select` picks rows. The
    classifier is ``learner.for_evaluation()`` fitted on the selected rows.
    """
    learner = learner.for_evaluation()
    f1s, disps = [], []
    for j, task in enumerate(tasks):
        logits = policy(task.x_L)
        draws = [logits]
        if sample:
            draws = []
            for r in range(n_draws):
                gen = torch.Generator(device="cpu").manual_seed(1000 * j + r)
                draws.append(gumbel_perturb(logits, generator=gen))
        chosen = torch.stack([d.topk(budget).indices for d in draws])  # (R, B)
        w = torch.zeros(len(draws), task.x_L.shape[0], device=task.x_L.device)
        w.scatter_(1, chosen, 1.0)
        theta = learner.fit(task.Z_L, task.y_L, w, init=init, groups=task.g_L)
        f1, disp = hard_metrics(theta, task, constraint_fn, n_groups)
        f1s.append(float(f1.mean()))
        disps.append(float(disp.mean()))
    return float(np.mean(f1s)), float(np.mean(disps))


def criterion(f1, disp, rho, f1_floor=0.0, violation_weight=1.0):
    """Model-selection score of an evaluated policy (higher is better).

    Below ``f1_floor``: ``-10 + f1`` (degenerate, last); feasible
    (``disp <= rho``): ``1 + f1``; infeasible:
    ``f1 - violation_weight * (disp - rho) / rho`` (with ``rho = .04`` and
    weight 1, one point of disparity costs 25 points of F1).

    Examples
    --------
    >>> criterion(0.4, 0.03, rho=0.04) > criterion(0.7, 0.05, rho=0.04)
    True
    >>> criterion(0.0, 0.0, rho=0.04, f1_floor=0.5) < criterion(0.6, 0.3, rho=0.04)
    True
    """
    if f1 < f1_floor:
        return -10.0 + f1
    if disp <= rho:
        return 1.0 + f1
    return f1 - violation_weight * max(0.0, disp - rho) / rho


class BestPolicy:
    """The best policy seen on the evaluation tasks, by :func:`criterion`.

    Parameters
    ----------
    rho : float
        Disparity bound of the ranking.
    violation_weight : float, default=1.0
        Weight of an infeasible policy's relative violation (:func:`criterion`).

    Attributes
    ----------
    score, state, f1_floor : float, dict, float
        Score and state dict of the best candidate (``None`` before the
        first), and the degenerate-F1 floor (``None`` until set).
    """

    def __init__(self, rho, violation_weight=1.0):
        self.rho, self.violation_weight = rho, violation_weight
        self.score = self.state = self.f1_floor = None

    def resume(self, checkpoint):
        """Continue from the entries :meth:`checkpoint_items` wrote."""
        if "best_policy" in checkpoint:
            self.score, self.state = float(checkpoint["best_score"]), checkpoint["best_policy"]
        self.f1_floor = checkpoint.get("f1_floor")

    def set_baseline(self, f1, disp, state):
        """Make the untrained policy (F1, disparity, state) the first candidate.

        Its F1 times ``FLOOR_RATIO`` becomes the degenerate-F1 floor.
        """
        self.f1_floor = FLOOR_RATIO * f1
        self.score = criterion(f1, disp, self.rho, self.f1_floor, self.violation_weight)
        self.state = state

    def offer(self, f1, disp, snapshot):
        """Keep ``snapshot()`` (called only then) if it ranks above the best so far."""
        score = criterion(f1, disp, self.rho, self.f1_floor or 0.0, self.violation_weight)
        if self.state is None or score > self.score:
            self.score, self.state = score, snapshot()

    def checkpoint_items(self):
        """Entries to store in a meta-training checkpoint (none before a candidate)."""
        if self.state is None:
            return {}
        return dict(best_score=self.score, best_policy=self.state, f1_floor=self.f1_floor)
