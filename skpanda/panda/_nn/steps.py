"""The two steps of each meta-training iteration: Algorithm 1, lines 4 and 5.

* :func:`forward_step` (line 4): an Adam step on the validation loss of the
  classifier that :func:`~skpanda.panda._nn.activelearn.activelearn_sim`
  trains on the Gumbel-top-B rows of ``L``, giving ``theta_hat``;
* :func:`proximal_step` (line 5): a few gradient steps on
  ``eta * chi~(theta) + 1/2 ||theta - theta_hat||^2`` where ``chi~`` is 0 when
  the validation disparity is below the target and the differentiable
  disparity otherwise (§3.2, approximate projection). It stops as soon as the
  constraint holds, so it never pushes further than needed.
  :class:`ProximalStep` owns its optimizer and adaptive learning rate.
"""

import torch
import torch.nn.functional as F

from .activelearn import activelearn_sim
from .disparity import disparities
from .evaluation import hard_metrics
from .learners import predict_logits


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


def forward_step(policy, optimizer, task, *, budget, init, learner, n_samples, seed,
                 f1_weight=0.0, sharpness=4.0, noise=1.0):
    """Algorithm 1, line 4: ``theta_hat = theta - eta grad E_V l(y, h_L^pi)`` (Adam).

    Returns the detached simulated classifiers ``theta`` (S, d+1) and the loss.
    """
    optimizer.zero_grad(set_to_none=True)
    theta = activelearn_sim(policy, task, budget=budget, init=init, learner=learner,
                            n_samples=n_samples, seed=seed, noise=noise)
    loss = outer_loss(theta, task, f1_weight, sharpness)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
    optimizer.step()
    return theta.detach(), float(loss.detach())


def proximal_step(policy, optimizer, task, *, rho, eta, n_steps, constraint_fn, n_groups,
                  budget, init, learner, n_samples, seed, sharpness=4.0, noise=1.0):
    """Algorithm 1, line 5: approximately ``argmin eta chi(theta) + 1/2 ||theta - theta_hat||^2``.

    ``theta_hat`` is the policy as the forward step left it. Each step re-runs
    ACTIVELEARNSIM with the same noise; ``chi~`` is the soft disparity of the
    samples whose hard validation disparity is at least ``rho`` (0 otherwise).

    Returns
    -------
    n_taken : int
        Gradient steps taken (0 when the constraint already held).
    disparity : float
        Mean hard validation disparity after the step.
    """
    anchor = [p.detach().clone() for p in policy.parameters()]
    for step in range(n_steps + 1):
        with torch.set_grad_enabled(step < n_steps):
            theta = activelearn_sim(policy, task, budget=budget, init=init, learner=learner,
                                    n_samples=n_samples, seed=seed, noise=noise)
            _, disp = hard_metrics(theta.detach(), task, constraint_fn, n_groups)
            violated = disp >= rho
            if step == n_steps or not bool(violated.any()):
                return step, float(disp.mean())
            chi = (soft_disparity(theta, task, constraint_fn, n_groups, sharpness)
                   * violated).mean()
            pull = sum(((p - a) ** 2).sum() for p, a in zip(policy.parameters(), anchor))
            objective = eta * chi + 0.5 * pull
        optimizer.zero_grad(set_to_none=True)
        objective.backward()
        optimizer.step()
    return n_steps, float(disp.mean())  # pragma: no cover - loop always returns


class ProximalStep:
    """Line 5 with its own Adam optimizer and adaptive learning rate.

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

    Attributes
    ----------
    optimizer : torch.optim.Adam
    mult : float
        Current factor on ``lr``.
    """

    def __init__(self, policy, lr, adapt=None):
        self.policy, self.lr, self.adapt, self.mult = policy, lr, adapt, 1.0
        self.optimizer = torch.optim.Adam(policy.parameters(), lr=lr)

    def __call__(self, task, *, target, **kw):
        """Run :func:`proximal_step` towards ``disparity < target``, then adapt the rate."""
        n_taken, disp = proximal_step(self.policy, self.optimizer, task, rho=target, **kw)
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
