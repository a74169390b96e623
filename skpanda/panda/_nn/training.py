"""Meta-training of the selection policy: Algorithm 1 of the paper.

Each iteration ``k``:

* line 3 - :func:`split_task`: split D0 into a simulated pool ``L`` and a
  validation set ``V`` (stratified by group x label);
* line 4 - :func:`forward_step`: an Adam step on the validation loss of the
  classifier that :func:`~skpanda.panda._nn.inner.activelearn_sim` trains on
  the Gumbel-top-B rows of ``L``, giving ``theta_hat``;
* line 5 - :func:`proximal_step`: a few gradient steps on
  ``eta * chi~(theta) + 1/2 ||theta - theta_hat||^2`` where ``chi~`` is 0 when
  the validation disparity is below ``rho`` and the differentiable disparity
  otherwise (§3.2, approximate projection). It stops as soon as the constraint
  holds, so it never pushes further than needed.

:func:`meta_train` loops, records a history, checkpoints, and stops cleanly on
``KeyboardInterrupt``. Which policy it returns (scored on evaluation tasks of
held-out D0 rows) is decided in :mod:`~skpanda.panda._nn.evaluation`.
"""

import math
import warnings
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.model_selection import train_test_split

from .checkpoint import load_checkpoint, save_checkpoint
from .evaluation import BestPolicy, evaluate_policy, hard_metrics, holdout_plan
from .gumbel import gumbel_topk, sample_gumbel
from .inner import activelearn_sim, predict_logits


class Task(NamedTuple):
    """One meta-training task: pool ``L`` (policy inputs, features, labels,
    groups) and validation set ``V``."""

    x_L: torch.Tensor
    Z_L: torch.Tensor
    y_L: torch.Tensor
    Z_V: torch.Tensor
    y_V: torch.Tensor
    g_V: torch.Tensor
    g_L: torch.Tensor = None


def policy_inputs(Z, init):
    """Policy input per row: features and the pretrained head's logit.

    (N, d), (d+1,) -> (N, d+1)
    """
    return torch.cat([Z, predict_logits(Z, init).unsqueeze(-1)], dim=-1)


def split_task(y, groups, pool_size, rng):
    """Algorithm 1, line 3: positions of a pool ``L`` and a validation set ``V``.

    Stratified by (group, label) when every cell has two rows, else by group.
    """
    strata = groups * 2 + y
    if np.bincount(strata).max(initial=0) and np.min(np.unique(strata, return_counts=True)[1]) < 2:
        strata = groups
    idx = np.arange(y.shape[0])
    return train_test_split(idx, train_size=pool_size, stratify=strata, random_state=rng)


def make_task(data, idx_L, idx_V):
    """Gather a :class:`Task` from the full D0 tensors ``data = (x, Z, y, g)``."""
    x, Z, y, g = data
    L = torch.as_tensor(idx_L, device=Z.device)
    V = torch.as_tensor(idx_V, device=Z.device)
    return Task(x[L], Z[L], y[L], Z[V], y[V], g[V], g[L])


def simulate(policy, task, *, budget, init, n_samples, seed, inner, hard=True, noise=1.0):
    """ACTIVELEARNSIM with the policy: Gumbel-top-B weights, then the inner learner.

    Returns ``theta`` of shape (n_samples, d+1). The noise is a function of
    ``seed`` only, so the proximal steps of an iteration see the forward step's draw.
    """
    logits = policy(task.x_L).expand(n_samples, -1)  # (S, N)
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    g = sample_gumbel(logits.shape, generator=gen, dtype=logits.dtype, device=logits.device)
    w = gumbel_topk(logits + noise * g, budget, tau=policy.tau, hard=hard, noise=False)
    return activelearn_sim(task.Z_L, task.y_L, w, init=init, groups=task.g_L, **inner)


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
    p = torch.sigmoid(sharpness * predict_logits(task.Z_V, theta))
    return torch.stack([constraint_fn(ps, task.g_V, task.y_V, n_groups=n_groups) for ps in p])


def forward_step(policy, optimizer, task, *, budget, init, n_samples, seed, inner,
                 f1_weight=0.0, noise=1.0, sharpness=4.0):
    """Algorithm 1, line 4: ``theta_hat = theta - eta grad E_V l(y, h_L^pi)`` (Adam).

    Returns the detached simulated classifiers ``theta`` (S, d+1) and the loss.
    """
    optimizer.zero_grad(set_to_none=True)
    theta = simulate(policy, task, budget=budget, init=init, n_samples=n_samples, seed=seed,
                     inner=inner, noise=noise)
    loss = outer_loss(theta, task, f1_weight, sharpness)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
    optimizer.step()
    return theta.detach(), float(loss.detach())


def proximal_step(policy, optimizer, task, *, rho, eta, n_steps, constraint_fn, n_groups,
                  budget, init, n_samples, seed, inner, sharpness=4.0, noise=1.0):
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
            theta = simulate(policy, task, budget=budget, init=init, n_samples=n_samples,
                             seed=seed, inner=inner, noise=noise)
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


HISTORY_KEYS = (
    "val_loss", "val_f1", "val_disparity", "prox_steps", "disparity_after_prox",
    "constraint_held", "tau", "eval_iteration", "eval_f1", "eval_disparity",
)


def meta_train(policy, Z, y, groups, *, init, budget, rho, constraint_fn, n_iter, pool_size,
               learning_rate=1e-3, n_samples=4, n_prox_steps=3, eta=1.0, inner=None,
               eval_every=25, n_eval_tasks=2, keep_best=True, eval_sample=False, prox_lr=None,
               f1_weight=0.0, rho_margin=1.0, sharpness=4.0, adapt=None, anneal=None,
               holdout=0.0, seed=0, verbose=False,
               checkpoint_path=None, checkpoint_every=50, resume=None, extra=None):
    """Run Algorithm 1 for ``n_iter`` iterations on D0 (in place on ``policy``).

    Parameters
    ----------
    policy : SelectionPolicy
    Z : Tensor of shape (n, d)
        D0 in the pretrained representation.
    y, groups : Tensor of shape (n,)
        Labels (0/1) and group codes (0..k-1) of D0.
    init : Tensor of shape (d + 1,)
        Pretrained head ``[beta, b]`` (start of the inner learner).
    budget, rho : int, float
        Selection budget B and disparity bound.
    constraint_fn : callable
        Differentiable disparity (:mod:`skpanda.panda._nn.disparity`).
    n_iter, pool_size : int
        Iterations and size of the simulated pool L (V is the rest of D0).
    learning_rate, n_samples, n_prox_steps, eta : float, int, int, float
        Adam rate; Gumbel samples averaged per forward step (variance
        reduction); maximum proximal steps; weight of the disparity in the
        proximal objective.
    inner : dict
        Keyword arguments of ``activelearn_sim`` (``n_steps``, ``l2``,
        ``penalty``, ...). With ``penalty > 0`` the inner learner is
        parity-penalised with ``constraint_fn``.
    eval_every, n_eval_tasks, keep_best : int, int, bool
        Every ``eval_every`` iterations the test-time selection is scored on
        fixed tasks; with ``keep_best`` the best policy is restored at the end
        (highest F1 among those meeting ``rho``, else the least violation, see
        :func:`~skpanda.panda._nn.evaluation.criterion`).
    eval_sample, prox_lr : bool, float
        Score the sampled (not top-B) selection; Adam rate of the proximal step.
    f1_weight : float, default=0.0
        Weight of the soft-F1 term of :func:`outer_loss` in the forward step
        (1 = soft F1 only, no log-loss).
    rho_margin : float, default=1.0
        The proximal step aims at ``rho * rho_margin`` (a margin below ``rho``).
    sharpness : float, default=4.0
        Slope of the sigmoid in the proximal step's soft disparity and in the
        forward step's soft F1.
    adapt : tuple (up, down, lo, hi), default=None
        Adaptive proximal step: its learning rate is multiplied by ``up`` after
        an iteration that ends in violation and by ``down`` otherwise, within
        ``[lo, hi]`` times ``prox_lr`` (a dual-ascent flavour of line 5).
    anneal : float, default=None
        If set, the Gumbel noise of the simulation shrinks linearly to 0 over
        the first ``anneal * n_iter`` iterations (training then matches a
        deterministic top-B selection).
    holdout : float, default=0.0
        Fraction of D0 kept out of the training tasks; the evaluation tasks are
        drawn from it (pools and budget scaled by the same fraction, see
        :func:`~skpanda.panda._nn.evaluation.holdout_plan`).
    seed : int
        Seeds splits and Gumbel noise (iteration ``k`` uses ``(seed, k)``).
    verbose : bool
        Show a tqdm progress bar.
    checkpoint_path, checkpoint_every, resume, extra
        Save a checkpoint every ``checkpoint_every`` iterations (``extra`` is
        stored alongside); ``resume`` is a loaded checkpoint to continue from.

    Returns
    -------
    history : dict of lists
    n_done : int
        Iterations completed (``< n_iter`` when interrupted).
    interrupted : bool
    """
    from tqdm.auto import tqdm

    inner = dict(inner or {})
    n_groups = int(groups.max()) + 1
    if inner.get("penalty"):  # parity-penalised inner learner: same disparity as the constraint
        inner.update(constraint_fn=constraint_fn, n_groups=n_groups)
    data = (policy_inputs(Z, init), Z, y.to(Z.dtype), groups)
    y_np, g_np = y.cpu().numpy().astype(int), groups.cpu().numpy().astype(int)
    fwd_opt = torch.optim.Adam(policy.parameters(), lr=learning_rate)
    prox_opt = torch.optim.Adam(policy.parameters(), lr=prox_lr or learning_rate)
    history = {key: [] for key in HISTORY_KEYS}
    start, best, prox_mult = 0, BestPolicy(rho), 1.0
    if resume is not None:
        policy.load_state_dict(resume["policy"])
        fwd_opt.load_state_dict(resume["forward_optimizer"])
        prox_opt.load_state_dict(resume["proximal_optimizer"])
        history.update({k: list(v) for k, v in resume["history"].items()})
        start = int(resume["iteration"])
        prox_mult = float(resume.get("prox_mult", 1.0))
        best.resume(resume)
    rows_train = rows_eval = np.arange(y_np.shape[0])
    plan = holdout_plan(y_np.shape[0], pool_size=pool_size, budget=budget, holdout=holdout)
    if plan.n_train_rows < y_np.shape[0]:  # evaluation tasks on rows training never sees
        rows_train, rows_eval = split_task(y_np, g_np, plan.n_train_rows,
                                           np.random.RandomState([seed, 3]))

    def draw_task(rows, size, rng):
        idx_L, idx_V = split_task(y_np[rows], g_np[rows], size, rng)
        return make_task(data, rows[idx_L], rows[idx_V])

    eval_tasks = [draw_task(rows_eval, plan.eval_pool, np.random.RandomState([seed, 7, j]))
                  for j in range(n_eval_tasks)]
    common = dict(budget=budget, init=init, n_samples=n_samples, inner=inner)
    rho_train, base_prox_lr = rho * rho_margin, prox_lr or learning_rate

    def snapshot():
        return {k: v.detach().clone() for k, v in policy.state_dict().items()}

    def save(n_done):
        payload = {"iteration": n_done, "policy": snapshot(),
                   "forward_optimizer": fwd_opt.state_dict(),
                   "proximal_optimizer": prox_opt.state_dict(), "history": history,
                   "prox_mult": prox_mult,
                   **(extra or {}), **best.checkpoint_items()}
        save_checkpoint(checkpoint_path, payload)

    eval_kw = dict(budget=plan.eval_budget, init=init, inner=inner, constraint_fn=constraint_fn,
                   n_groups=n_groups, sample=eval_sample)
    if best.f1_floor is None and keep_best and n_iter > start:  # the untrained policy
        best.set_baseline(*evaluate_policy(policy, eval_tasks, **eval_kw), snapshot())
    n_done, interrupted = start, False
    base_len, state_before = len(history["val_loss"]), snapshot()
    bar = tqdm(range(start, n_iter), disable=not verbose, desc="PANDA meta-training")
    try:
        for k in bar:
            state_before = snapshot() if state_before is None else state_before
            rng = np.random.RandomState([seed, k])
            task = draw_task(rows_train, plan.train_pool, rng)
            noise_seed = rng.randint(2**31 - 1)
            noise = 1.0 if not anneal else max(0.0, 1.0 - k / (anneal * n_iter))
            theta, loss = forward_step(policy, fwd_opt, task, seed=noise_seed,
                                       f1_weight=f1_weight, noise=noise, sharpness=sharpness,
                                       **common)
            f1, disp = hard_metrics(theta, task, constraint_fn, n_groups)
            n_prox, disp_after = proximal_step(
                policy, prox_opt, task, rho=rho_train, eta=eta, n_steps=n_prox_steps,
                sharpness=sharpness, noise=noise,
                constraint_fn=constraint_fn, n_groups=n_groups, seed=noise_seed, **common)
            if adapt:  # dual-ascent flavour: a larger proximal step after violations
                up, down, lo, hi = adapt
                prox_mult = min(hi, prox_mult * up) if disp_after >= rho_train else max(
                    lo, prox_mult * down)
                for group in prox_opt.param_groups:
                    group["lr"] = base_prox_lr * prox_mult
            record = (loss, float(f1.mean()), float(disp.mean()), n_prox, disp_after,
                      bool(disp_after < rho), float(policy.tau.detach()))
            for key, value in zip(HISTORY_KEYS[:7], record):
                history[key].append(value)
            n_done, state_before = k + 1, None
            if n_done % eval_every == 0 or n_done == n_iter:
                e_f1, e_disp = evaluate_policy(policy, eval_tasks, **eval_kw)
                history["eval_iteration"].append(n_done)
                history["eval_f1"].append(e_f1)
                history["eval_disparity"].append(e_disp)
                best.offer(e_f1, e_disp, snapshot)
            bar.set_postfix(loss=f"{loss:.3f}", f1=f"{float(f1.mean()):.3f}",
                            disp=f"{disp_after:.3f}", refresh=False)
            if checkpoint_path is not None and n_done % checkpoint_every == 0:
                save(n_done)
    except KeyboardInterrupt:
        interrupted = True
        if state_before is not None:  # drop the unfinished iteration
            policy.load_state_dict(state_before)
        for key in HISTORY_KEYS[:7]:
            del history[key][base_len + n_done - start:]
        warnings.warn(
            f"PANDA meta-training interrupted after {n_done} of {n_iter} iterations; "
            "the policy trained so far is kept.", UserWarning)
    finally:
        bar.close()
    if checkpoint_path is not None and n_done > start:
        save(n_done)
    if keep_best and best.state is not None:
        policy.load_state_dict(best.state)
    return history, n_done, interrupted
