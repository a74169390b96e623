"""The two steps of each meta-training iteration: Algorithm 1, lines 4 and 5.

* :func:`forward_step` (line 4): an Adam step on the validation loss of the
  classifier that :func:`~skpanda.panda._nn.activelearn.activelearn_sim`
  trains on the Gumbel-top-B rows of ``L``, giving ``theta_hat``;
* :func:`proximal_step` (line 5): a few gradient steps (Adam, plain or
  normalized gradient descent; the faithful preset: normalized) on
  ``eta * chi~(theta) + 1/2 ||theta - theta_hat||^2`` where ``chi~`` is 0 when
  the validation disparity is below the target and the differentiable
  disparity otherwise (§3.2, approximate projection). It stops as soon as the
  constraint holds, so it never pushes further than needed.
  :class:`ProximalStep` owns its optimizer and adaptive learning rate.

Both steps take one task or this process's share of the iteration's
``n_tasks`` tasks (``config.n_tasks``): the loss and the disparity term are
averaged over all ``n_tasks`` tasks, their gradients summed over processes by a
:class:`~skpanda.panda._nn.distributed.Collective` before the optimizer step,
and the stop test uses the violations of every task, so all processes take
the same step.
"""

import torch
import torch.nn.functional as F

from .activelearn import activelearn_sim
from .disparity import disparities
from .distributed import Collective
from .evaluation import hard_metrics
from .learners import predict_logits
from .tasks import Task


_LOCAL = Collective(single=True)


def outer_loss(theta, task, f1_weight=0.0, sharpness=4.0):
    """Validation loss of the simulated classifiers (mean over samples).

    ``(1 - f1_weight) * log-loss + f1_weight * (1 - soft F1)``, where the soft
    F1 of sharpened predictions ``p = sigmoid(sharpness * z)`` is
    ``2 sum(p y) / (sum p + sum y)``; it tracks the F1 of hard predictions,
    which the log-loss need not (a classifier under a parity penalty can gain
    F1 while its log-loss worsens).
    """
    z = predict_logits(task.Z_V, theta)  # (S, N_V)
    loss = F.binary_cross_entropy_with_logits(z, task.y_V.expand_as(z))
    if f1_weight:
        p = torch.sigmoid(sharpness * z)
        soft_f1 = 2 * (p * task.y_V).sum(-1) / (p.sum(-1) + task.y_V.sum()).clamp_min(1.0)
        loss = (1.0 - f1_weight) * loss + f1_weight * (1.0 - soft_f1).mean()
    return loss


def soft_disparity(theta, task, constraint_fn, n_groups, sharpness=4.0):
    """Differentiable disparity of sharpened predictions ``sigmoid(sharpness * z)``, (S,)."""
    p = torch.sigmoid(sharpness * predict_logits(task.Z_V, theta))  # (S, N_V)
    return disparities(constraint_fn, p, task.g_V, task.y_V, n_groups=n_groups)


def _as_lists(task, seed):
    """``(tasks, seeds, single)``: one task and seed, or this process's lists of them."""
    if isinstance(task, Task):
        return [task], [seed], True
    tasks, seeds = list(task), list(seed)
    if len(tasks) != len(seeds):
        raise ValueError(f"got {len(tasks)} tasks but {len(seeds)} seeds; pass one seed "
                         "per task.")
    return tasks, seeds, False


def forward_step(policy, optimizer, task, *, budget, init, learner, n_samples, seed,
                 f1_weight=0.0, sharpness=4.0, noise=1.0, n_tasks=1, collective=None):
    """Algorithm 1, line 4: ``theta_hat = theta - eta grad E_V l(y, h_L^pi)`` (Adam).

    The expectation is over the iteration's ``n_tasks`` tasks (and the
    Gumbel samples): ``l = (1/n_tasks) sum_j l_j``. ``task`` and ``seed`` are
    one task and its noise seed, or the lists of this process's tasks; each
    task's loss is back-propagated at once (one graph alive at a time), the
    gradients are summed over ``collective`` (a
    :class:`~skpanda.panda._nn.distributed.Collective`; ``None``: this
    process alone), clipped to norm 1 and applied.

    Returns
    -------
    theta : Tensor of shape (S, d+1), or a list of them
        The detached simulated classifiers (a list when ``task`` is a list).
    loss : float
        Mean loss over all ``n_tasks`` tasks (every process gets the same).
    """
    tasks, seeds, single = _as_lists(task, seed)
    optimizer.zero_grad(set_to_none=True)
    thetas, loss_sum = [], 0.0
    for one, one_seed in zip(tasks, seeds):
        theta = activelearn_sim(policy, one, budget=budget, init=init, learner=learner,
                                n_samples=n_samples, seed=one_seed, noise=noise)
        loss = outer_loss(theta, one, f1_weight, sharpness)
        (loss if n_tasks == 1 else loss / n_tasks).backward()
        thetas.append(theta.detach())
        loss_sum += float(loss.detach())
    if collective is not None and collective.distributed:
        collective.sum_grads(policy.parameters())
        (loss_sum,) = collective.sum_floats([loss_sum], device=init.device)
    torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
    optimizer.step()
    return (thetas[0] if single else thetas), loss_sum / n_tasks


def proximal_step(policy, optimizer, task, *, rho, eta, n_steps, constraint_fn, n_groups,
                  budget, init, learner, n_samples, seed, sharpness=4.0, noise=1.0,
                  n_tasks=1, collective=None, normalized=False, keep_least_violating=False):
    """Algorithm 1, line 5: approximately ``argmin eta chi(theta) + 1/2 ||theta - theta_hat||^2``.

    ``theta_hat`` is the policy as the forward step left it. Each step re-runs
    ACTIVELEARNSIM with the same noise; ``chi~`` is the soft disparity of the
    samples whose hard validation disparity is at least ``rho`` (0 otherwise),
    averaged over the iteration's ``n_tasks`` tasks:
    ``chi~ = (1/n_tasks) sum_j mean_s 1[chi_js >= rho] chi~_js``. ``task`` and
    ``seed`` are one task and its seed or this process's lists of them; the
    steps stop when no sample of any task (on any process of ``collective``)
    violates ``rho``. The pull term is added once (by rank 0) and the
    gradients summed over ``collective`` before each optimizer step.

    With ``normalized`` the gradient of ``chi~`` (summed over processes) is
    scaled to unit norm before the step, so the step is
    ``theta <- theta - lr (eta u + theta - theta_hat)`` with
    ``u = grad chi~ / ||grad chi~||``: normalized (sub)gradient descent,
    whose step length does not depend on the scale of the straight-through
    gradient (tiny where few rows sit near the Gumbel-top-B threshold). With
    ``keep_least_violating``, a step that ends at ``n_steps`` without meeting
    ``rho`` returns the visited iterate with the fewest violating samples
    (then the lowest mean disparity), not the last one.

    Returns
    -------
    n_taken : int
        Gradient steps taken (0 when the constraint already held).
    disparity : float
        Mean hard validation disparity after the step, over all tasks.
    """
    tasks, seeds, _ = _as_lists(task, seed)
    collective = _LOCAL if collective is None else collective
    anchor = [p.detach().clone() for p in policy.parameters()]
    least = None  # ((violations, disparity), parameters) of the least violating iterate
    for step in range(n_steps + 1):
        with torch.set_grad_enabled(step < n_steps):
            thetas = [activelearn_sim(policy, one, budget=budget, init=init, learner=learner,
                                      n_samples=n_samples, seed=one_seed, noise=noise)
                      for one, one_seed in zip(tasks, seeds)]
            disps = [hard_metrics(theta.detach(), one, constraint_fn, n_groups)[1]
                     for theta, one in zip(thetas, tasks)]
            violated = [disp >= rho for disp in disps]
            n_violated, disp_sum = collective.sum_floats(
                [sum(int(v.sum()) for v in violated), sum(float(d.mean()) for d in disps)],
                device=init.device)
            if keep_least_violating and (least is None or (n_violated, disp_sum) < least[0]):
                least = ((n_violated, disp_sum), [p.detach().clone() for p in policy.parameters()])
            if step == n_steps or not n_violated:
                if n_violated and keep_least_violating:
                    _load_parameters(policy, least[1])
                    disp_sum = least[0][1]
                return step, disp_sum / n_tasks
            chis = [(soft_disparity(theta, one, constraint_fn, n_groups, sharpness) * v).mean()
                    for theta, one, v in zip(thetas, tasks, violated)]
            chi = chis[0] if n_tasks == 1 else sum(chis) / n_tasks
            objective = eta * chi
            if collective.is_main and not normalized:
                pull = sum(((p - a) ** 2).sum() for p, a in zip(policy.parameters(), anchor))
                objective = eta * chi + 0.5 * pull
        optimizer.zero_grad(set_to_none=True)
        if normalized:
            _normalized_proximal_gradient(policy, chi, anchor, eta, collective)
        else:
            objective.backward()
            collective.sum_grads(policy.parameters())
        optimizer.step()
    return n_steps, disp_sum / n_tasks  # pragma: no cover - loop always returns


def _normalized_proximal_gradient(policy, chi, anchor, eta, collective):
    """Set ``p.grad = eta grad chi~ / ||grad chi~|| + (p - p_hat)`` (norm over all processes)."""
    params = list(policy.parameters())
    chi.backward()
    collective.sum_grads(params)
    norm = float(torch.sqrt(sum((p.grad ** 2).sum() for p in params if p.grad is not None)))
    scale = eta / norm if norm > 0 else 0.0
    for p, a in zip(params, anchor):
        pull = (p - a).detach()
        p.grad = pull if p.grad is None else p.grad * scale + pull


def _load_parameters(policy, values):
    with torch.no_grad():
        for p, v in zip(policy.parameters(), values):
            p.copy_(v)


class ProximalStep:
    """Line 5 with its own optimizer (Adam or plain gradient descent) and learning rate.

    Parameters
    ----------
    policy : SelectionPolicy
    lr : float
        Base learning rate.
    adapt : tuple (up, down, lo, hi) or None
        After each call the rate becomes ``lr * mult``, ``mult`` multiplied by
        ``up`` when the step ended in violation of ``target``, by ``down``
        otherwise, clipped to ``[lo, hi]`` (a dual-ascent flavour of line 5).
        ``None``: the rate stays ``lr``.
    optimizer : {"adam", "gd", "normalized"}, default="adam"
        ``"gd"``: plain gradient descent,
        ``theta <- theta - lr (eta grad chi~(theta) + theta - theta_hat)``,
        the proximal iteration itself (Adam normalises the first step, on
        which the pull term is 0, so there ``eta`` has no effect).
        ``"normalized"``: the same iteration with ``grad chi~`` scaled to
        unit norm (normalized subgradient descent; ``lr * eta`` is the length
        of the constraint's part of each step).
    keep_least_violating : bool, default=False
        When the step cap is reached without meeting the target, keep the
        visited iterate with the fewest violations rather than the last
        (an approximate projection returns the closest thing to a feasible
        point it found).

    Attributes
    ----------
    optimizer : torch.optim.Optimizer
    mult : float
        Current factor on ``lr``.
    """

    def __init__(self, policy, lr, adapt=None, optimizer="adam", keep_least_violating=False):
        self.policy, self.lr, self.adapt, self.mult = policy, lr, adapt, 1.0
        self.normalized, self.keep_least_violating = optimizer == "normalized", keep_least_violating
        opt = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
        self.optimizer = opt(policy.parameters(), lr=lr)

    def __call__(self, task, *, target, **kw):
        """Run :func:`proximal_step` towards ``disparity < target``, then adapt the rate."""
        n_taken, disp = proximal_step(self.policy, self.optimizer, task, rho=target,
                                      normalized=self.normalized,
                                      keep_least_violating=self.keep_least_violating, **kw)
        if self.adapt:
            up, down, lo, hi = self.adapt
            self.mult = min(hi, self.mult * up) if disp >= target else max(lo, self.mult * down)
            for group in self.optimizer.param_groups:
                group["lr"] = self.lr * self.mult
        return n_taken, disp

    def state_dict(self):
        """Optimizer state and rate factor (checkpoint entries)."""
        return {"proximal_optimizer": self.optimizer.state_dict(), "prox_mult": self.mult}

    def load_state_dict(self, state):
        """Restore what :meth:`state_dict` returned."""
        self.optimizer.load_state_dict(state["proximal_optimizer"])
        self.mult = float(state.get("prox_mult", 1.0))
