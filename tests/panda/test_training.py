"""Tests of meta-training (Algorithm 1): forward step, proximal step, the loop."""

import numpy as np
import pytest
import torch

from skpanda.panda._nn import training
from skpanda.panda._nn.disparity import get_torch_constraint
from skpanda.panda._nn.policy import SelectionPolicy
from skpanda.panda._nn.training import (
    evaluate_policy, hard_metrics, make_task, meta_train, outer_loss, policy_inputs,
    proximal_step, simulate, split_task,
)

DP = get_torch_constraint("demographic_parity")
INNER = dict(n_steps=6, l2=1.0)


def _noisy_region_data(n=1200, seed=0):
    """80% of rows are easy negatives (x1 shifted by 3); in the rest y = [x0 > 0].

    A uniform selection spends most of the budget on uninformative easy rows;
    a policy that favours the boundary region trains a better classifier.
    """
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] > 0).astype(int)
    easy = rng.rand(n) < 0.8
    X[easy, 1] += 3.0
    y[easy] = 0
    g = (rng.rand(n) < 0.4).astype(int)
    return (torch.tensor(X, dtype=torch.float32), torch.tensor(y), torch.tensor(g))


def _biased_shortcut_data(n=1000, seed=0):
    """Rows with x2 = 1 have label = group (x0 is a group proxy); others follow x1.

    Training on the shortcut rows makes predictions depend on the group; a
    selection without them has (near) zero demographic disparity.
    """
    rng = np.random.RandomState(seed)
    g = (rng.rand(n) < 0.5).astype(int)
    shortcut = rng.rand(n) < 0.5
    X = np.column_stack([g + 0.3 * rng.normal(size=n), rng.normal(size=n), shortcut * 1.0])
    y = np.where(shortcut, g, (X[:, 1] > 0).astype(int))
    return (torch.tensor(X, dtype=torch.float32), torch.tensor(y), torch.tensor(g))


def _tasks(Z, y, g, n_tasks, pool_size, seed):
    init = torch.zeros(Z.shape[1] + 1)
    data = (policy_inputs(Z, init), Z, y.float(), g)
    return [make_task(data, *split_task(y.numpy(), g.numpy(), pool_size,
                                        np.random.RandomState([seed, j])))
            for j in range(n_tasks)], init


def _policy(n_inputs, seed=0):
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return SelectionPolicy(n_inputs, d_model=16, n_heads=2, n_inducing=8)


def _mean_val_loss(policy, tasks, init, budget):
    with torch.no_grad():
        return np.mean([
            float(outer_loss(simulate(policy, t, budget=budget, init=init, n_samples=4,
                                      seed=s, inner=INNER), t))
            for t in tasks for s in range(3)])


def test_split_task_is_stratified_by_group_and_label():
    y = np.array([0, 1] * 50)
    g = np.repeat([0, 1], 50)
    idx_L, idx_V = split_task(y, g, 50, np.random.RandomState(0))
    assert len(idx_L) == 50 and len(set(idx_L) | set(idx_V)) == 100
    assert np.bincount(g[idx_L] * 2 + y[idx_L]).tolist() == [12, 12, 13, 13] or \
        np.abs(np.bincount(g[idx_L] * 2 + y[idx_L]) - 12.5).max() <= 0.5


def test_meta_training_lowers_validation_loss_of_the_untrained_policy():
    Z, y, g = _noisy_region_data()
    tasks, init = _tasks(Z, y, g, 3, 600, seed=99)
    policy = _policy(Z.shape[1] + 1)
    before = _mean_val_loss(policy, tasks, init, budget=40)
    history, n_done, interrupted = meta_train(
        policy, Z, y, g, init=init, budget=40, rho=1.0, constraint_fn=DP, n_iter=40,
        pool_size=600, learning_rate=1e-2, inner=INNER, eval_every=10, seed=0)
    after = _mean_val_loss(policy, tasks, init, budget=40)
    assert n_done == 40 and not interrupted
    assert after < 0.9 * before
    assert len(history["val_loss"]) == 40 and len(history["eval_f1"]) == 4


def test_proximal_step_brings_training_disparity_under_rho():
    Z, y, g = _biased_shortcut_data()
    (task,), init = _tasks(Z, y, g, 1, 500, seed=1)
    policy = _policy(Z.shape[1] + 1)
    kw = dict(budget=50, init=init, n_samples=2, seed=5, inner=INNER)
    with torch.no_grad():
        _, disp0 = hard_metrics(simulate(policy, task, **kw), task, DP, 2)
    rho = 0.1
    assert float(disp0.min()) > rho  # the random selection violates the constraint
    optimizer = torch.optim.Adam(policy.parameters(), lr=0.05)
    n_taken, disp = proximal_step(policy, optimizer, task, rho=rho, eta=10.0, n_steps=60,
                                  constraint_fn=DP, n_groups=2, **kw)
    assert 0 < n_taken < 60
    assert disp < rho


def test_proximal_step_does_nothing_when_the_constraint_holds():
    Z, y, g = _biased_shortcut_data()
    (task,), init = _tasks(Z, y, g, 1, 500, seed=1)
    policy = _policy(Z.shape[1] + 1)
    before = [p.detach().clone() for p in policy.parameters()]
    n_taken, _ = proximal_step(policy, torch.optim.Adam(policy.parameters()), task, rho=1.0,
                               eta=1.0, n_steps=5, constraint_fn=DP, n_groups=2, budget=50,
                               init=init, n_samples=2, seed=0, inner=INNER)
    assert n_taken == 0
    assert all(torch.equal(a, b) for a, b in zip(before, policy.parameters()))


def test_evaluate_policy_scores_the_deterministic_selection():
    Z, y, g = _noisy_region_data(600)
    tasks, init = _tasks(Z, y, g, 2, 300, seed=0)
    f1, disp = evaluate_policy(_policy(4), tasks, budget=30, init=init, inner=INNER,
                               constraint_fn=DP, n_groups=2)
    assert 0 < f1 <= 1 and 0 <= disp <= 1


def _run(n_iter, **kw):
    Z, y, g = _noisy_region_data(600)
    policy = _policy(Z.shape[1] + 1)
    out = meta_train(policy, Z, y, g, init=torch.zeros(4), budget=30, rho=0.2,
                     constraint_fn=DP, n_iter=n_iter, pool_size=300, inner=INNER,
                     eval_every=2, keep_best=False, seed=1, **kw)
    return policy, out


def test_checkpoint_and_resume_reproduce_an_uninterrupted_run(tmp_path):
    path = tmp_path / "ckpt.pt"
    _, (hist_a, n_a, _) = _run(4, checkpoint_path=path, checkpoint_every=2)
    assert path.is_file() and n_a == 4
    resume = training.load_checkpoint(path)
    assert resume["iteration"] == 4
    pol_b, (hist_b, n_b, _) = _run(6, resume=resume)
    pol_c, (hist_c, n_c, _) = _run(6)
    assert n_b == n_c == 6
    np.testing.assert_allclose(hist_b["val_loss"], hist_c["val_loss"], rtol=1e-5)
    for a, b in zip(pol_b.parameters(), pol_c.parameters()):
        torch.testing.assert_close(a, b)


def test_keyboard_interrupt_keeps_finished_iterations(monkeypatch):
    calls = {"n": 0}
    real = training.proximal_step

    def interrupting(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "proximal_step", interrupting)
    with pytest.warns(UserWarning, match="interrupted after 2 of 10 iterations"):
        policy, (history, n_done, interrupted) = _run(10)
    assert interrupted and n_done == 2
    assert all(len(history[k]) == 2 for k in training.HISTORY_KEYS[:7])


def test_outer_loss_soft_f1_term_matches_a_hand_computation():
    # one validation row per label; theta gives logits 0 (p = .5) on both rows
    task = training.Task(None, None, None, torch.tensor([[1.0], [-1.0]]),
                         torch.tensor([1.0, 0.0]), torch.tensor([0, 1]))
    theta = torch.zeros(1, 2)
    bce = float(outer_loss(theta, task))
    assert bce == pytest.approx(np.log(2.0))
    # soft F1 = 2 * 0.5 / (1.0 + 1) = 0.5, so the term adds 2 * (1 - 0.5)
    assert float(outer_loss(theta, task, f1_weight=2.0)) == pytest.approx(bce + 1.0)


@pytest.mark.parametrize("f1, disp, better_f1, better_disp", [
    (0.40, 0.03, 0.70, 0.05),  # feasible beats infeasible whatever the F1
    (0.40, 0.03, 0.45, 0.039),  # among feasible, higher F1 wins
    (0.50, 0.10, 0.50, 0.06),  # among infeasible, smaller violation wins
])
def test_best_policy_criterion_prefers_feasible_then_f1(f1, disp, better_f1, better_disp):
    rho = 0.04
    worse_is_first = better_disp > rho and disp <= rho
    a, b = training._criterion(f1, disp, rho), training._criterion(better_f1, better_disp, rho)
    assert (a > b) if worse_is_first else (b > a)


def test_holdout_evaluation_tasks_use_rows_training_never_sees(monkeypatch):
    built, trained = [], set()
    real_make_task, real_forward = training.make_task, training.forward_step

    def recording_make_task(data, idx_L, idx_V):
        built.append(set(idx_L) | set(idx_V))
        return real_make_task(data, idx_L, idx_V)

    def recording_forward(*args, **kwargs):
        trained.update(built[-1])  # the task just built is a training task
        return real_forward(*args, **kwargs)

    monkeypatch.setattr(training, "make_task", recording_make_task)
    monkeypatch.setattr(training, "forward_step", recording_forward)
    Z, y, g = _noisy_region_data(600)
    meta_train(_policy(4), Z, y, g, init=torch.zeros(4), budget=20, rho=0.2, constraint_fn=DP,
               n_iter=4, pool_size=300, inner=INNER, eval_every=2, n_eval_tasks=2,
               holdout=0.3, seed=0)
    eval_rows = built[0] | built[1]  # evaluation tasks are built before training starts
    assert len(eval_rows) == 180 and trained and not trained & eval_rows


def test_logit_scale_multiplies_the_policy_output():
    a, b = _policy(4), _policy(4)
    with torch.no_grad():
        for p in (a.head.weight, b.head.weight):
            p.fill_(0.1)
        b.log_scale.fill_(np.log(3.0))
    x = torch.randn(20, 4)
    torch.testing.assert_close(b(x), 3.0 * a(x))


def test_noise_zero_makes_the_simulated_selection_deterministic():
    Z, y, g = _noisy_region_data(600)
    (task,), init = _tasks(Z, y, g, 1, 300, seed=0)
    policy = _policy(4)
    with torch.no_grad():
        policy.head.weight.normal_()
        thetas = [simulate(policy, task, budget=30, init=init, n_samples=2, seed=s,
                           inner=INNER, noise=0.0) for s in (1, 2)]
    torch.testing.assert_close(thetas[0], thetas[1])
    torch.testing.assert_close(thetas[0][0], thetas[0][1])


def test_adaptive_proximal_rate_is_checkpointed_and_resumed(tmp_path):
    kw = dict(adapt=(1.3, 0.85, 0.2, 10.0), rho_margin=0.5)
    path = tmp_path / "ckpt.pt"
    _run(3, checkpoint_path=path, checkpoint_every=3, **kw)
    resume = training.load_checkpoint(path)
    assert resume["prox_mult"] != 1.0  # the factor moves after every iteration
    pol_b, (hist_b, _, _) = _run(5, resume=resume, **kw)
    pol_c, (hist_c, _, _) = _run(5, **kw)
    np.testing.assert_allclose(hist_b["disparity_after_prox"], hist_c["disparity_after_prox"],
                               rtol=1e-5)
    for a, b in zip(pol_b.parameters(), pol_c.parameters()):
        torch.testing.assert_close(a, b)


def test_best_policy_criterion_ranks_degenerate_policies_last():
    # predicting (almost) no positives meets any parity bound but is useless
    assert training._criterion(0.0, 0.0, 0.04, f1_floor=0.5) < training._criterion(
        0.6, 0.30, 0.04, f1_floor=0.5)


def test_keep_best_never_returns_a_policy_worse_than_the_untrained_one(monkeypatch):
    scores = iter([(0.6, 0.01), (0.0, 0.0), (0.3, 0.02), (0.5, 0.01)])
    monkeypatch.setattr(training, "evaluate_policy", lambda *a, **k: next(scores))
    Z, y, g = _noisy_region_data(600)
    policy = _policy(4)
    untrained = [p.detach().clone() for p in policy.parameters()]
    meta_train(policy, Z, y, g, init=torch.zeros(4), budget=30, rho=0.2, constraint_fn=DP,
               n_iter=6, pool_size=300, inner=INNER, eval_every=2, learning_rate=0.05,
               seed=1)
    assert all(torch.equal(a, b) for a, b in zip(untrained, policy.parameters()))
