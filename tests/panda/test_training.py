"""Tests of meta-training (Algorithm 1): forward step, proximal step, the loop."""

import numpy as np
import pytest
import torch

from skpanda.panda._nn import steps, training
from skpanda.panda._nn.activelearn import activelearn_sim
from skpanda.panda._nn.config import MetaTrainConfig
from skpanda.panda._nn.disparity import get_torch_constraint
from skpanda.panda._nn.evaluation import hard_metrics
from skpanda.panda._nn.learners import LogisticLearner
from skpanda.panda._nn.steps import ProximalStep, outer_loss, proximal_step
from skpanda.panda._nn.tasks import Task, reshuffle
from skpanda.panda._nn.training import meta_train

DP = get_torch_constraint("demographic_parity")
LEARNER = LogisticLearner(n_steps=6, l2=1.0)


def config(**changes):
    """The bare loop: no held-out rows, no margin below rho, no adaptive rate."""
    return MetaTrainConfig(**{**dict(learning_rate=1e-3, holdout=0.0, rho_target=1.0,
                                     prox_adapt=None, eval_every=25, n_eval_tasks=2),
                              **changes})


def simulate(policy, task, **kw):
    return activelearn_sim(policy, task, learner=LEARNER, **kw)


def _mean_val_loss(policy, tasks, init, budget):
    with torch.no_grad():
        return np.mean([
            float(outer_loss(simulate(policy, t, budget=budget, init=init, n_samples=4,
                                      seed=s), t))
            for t in tasks for s in range(3)])


def test_reshuffle_is_stratified_by_group_and_label():
    y = np.array([0, 1] * 50)
    g = np.repeat([0, 1], 50)
    idx_L, idx_V = reshuffle(y, g, 50, np.random.RandomState(0))
    assert len(idx_L) == 50 and len(set(idx_L) | set(idx_V)) == 100
    assert np.bincount(g[idx_L] * 2 + y[idx_L]).tolist() == [12, 12, 13, 13] or \
        np.abs(np.bincount(g[idx_L] * 2 + y[idx_L]) - 12.5).max() <= 0.5


def test_meta_training_lowers_validation_loss_of_the_untrained_policy(
        noisy_region_data, make_tasks, make_policy):
    Z, y, g = noisy_region_data()
    tasks, init = make_tasks(Z, y, g, 3, 600, seed=99)
    policy = make_policy(Z.shape[1] + 1)
    before = _mean_val_loss(policy, tasks, init, budget=40)
    history, n_done, interrupted = meta_train(
        policy, Z, y, g, init=init, budget=40, rho=1.0, constraint_fn=DP, pool_size=600,
        learner=LEARNER, config=config(n_iter=40, learning_rate=1e-2, eval_every=10), seed=0)
    after = _mean_val_loss(policy, tasks, init, budget=40)
    assert n_done == 40 and not interrupted
    assert after < 0.9 * before
    assert len(history["val_loss"]) == 40 and len(history["eval_f1"]) == 4


def test_proximal_step_brings_training_disparity_under_rho(biased_shortcut_data, make_tasks,
                                                             make_policy):
    Z, y, g = biased_shortcut_data()
    (task,), init = make_tasks(Z, y, g, 1, 500, seed=1)
    policy = make_policy(Z.shape[1] + 1)
    kw = dict(budget=50, init=init, n_samples=2, seed=5)
    with torch.no_grad():
        _, disp0 = hard_metrics(simulate(policy, task, **kw), task, DP, 2)
    rho = 0.1
    assert float(disp0.min()) > rho  # the random selection violates the constraint
    optimizer = torch.optim.Adam(policy.parameters(), lr=0.05)
    n_taken, disp = proximal_step(policy, optimizer, task, rho=rho, eta=10.0, n_steps=60,
                                  constraint_fn=DP, n_groups=2, learner=LEARNER, **kw)
    assert 0 < n_taken < 60
    assert disp < rho


def test_proximal_step_does_nothing_when_the_constraint_holds(biased_shortcut_data, make_tasks,
                                                               make_policy):
    Z, y, g = biased_shortcut_data()
    (task,), init = make_tasks(Z, y, g, 1, 500, seed=1)
    policy = make_policy(Z.shape[1] + 1)
    before = [p.detach().clone() for p in policy.parameters()]
    n_taken, _ = proximal_step(policy, torch.optim.Adam(policy.parameters()), task, rho=1.0,
                               eta=1.0, n_steps=5, constraint_fn=DP, n_groups=2, budget=50,
                               init=init, n_samples=2, seed=0, learner=LEARNER)
    assert n_taken == 0
    assert all(torch.equal(a, b) for a, b in zip(before, policy.parameters()))


@pytest.fixture
def run(noisy_region_data, make_policy):
    """Meta-train a fresh policy for ``n_iter`` iterations on fixed toy data."""

    def _run(n_iter, checkpoint_every=50, resume=None, checkpoint_path=None, **kw):
        Z, y, g = noisy_region_data(600)
        policy = make_policy(Z.shape[1] + 1)
        cfg = config(n_iter=n_iter, eval_every=2, keep_best=False,
                     checkpoint_every=checkpoint_every, **kw)
        out = meta_train(policy, Z, y, g, init=torch.zeros(4), budget=30, rho=0.2,
                         constraint_fn=DP, pool_size=300, learner=LEARNER, config=cfg, seed=1,
                         resume=resume, checkpoint_path=checkpoint_path)
        return policy, out

    return _run


def test_checkpoint_and_resume_reproduce_an_uninterrupted_run(run, tmp_path):
    path = tmp_path / "ckpt.pt"
    _, (hist_a, n_a, _) = run(4, checkpoint_path=path, checkpoint_every=2)
    assert path.is_file() and n_a == 4
    resume = training.load_checkpoint(path)
    assert resume["iteration"] == 4
    pol_b, (hist_b, n_b, _) = run(6, resume=resume)
    pol_c, (hist_c, n_c, _) = run(6)
    assert n_b == n_c == 6
    np.testing.assert_allclose(hist_b["val_loss"], hist_c["val_loss"], rtol=1e-5)
    for a, b in zip(pol_b.parameters(), pol_c.parameters()):
        torch.testing.assert_close(a, b)


def test_keyboard_interrupt_keeps_finished_iterations(run, monkeypatch):
    calls = {"n": 0}
    real = steps.proximal_step

    def interrupting(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(steps, "proximal_step", interrupting)
    with pytest.warns(UserWarning, match="interrupted after 2 of 10 iterations"):
        policy, (history, n_done, interrupted) = run(10)
    assert interrupted and n_done == 2
    assert all(len(history[k]) == 2 for k in training.HISTORY_KEYS[:7])


def test_outer_loss_soft_f1_term_matches_a_hand_computation():
    # one validation row per label; theta gives logits 0 (p = .5) on both rows
    task = Task(None, None, None, torch.tensor([[1.0], [-1.0]]),
                         torch.tensor([1.0, 0.0]), torch.tensor([0, 1]))
    theta = torch.zeros(1, 2)
    bce = float(outer_loss(theta, task))
    assert bce == pytest.approx(np.log(2.0))
    # soft F1 = 2 * 0.5 / (1.0 + 1) = 0.5 at any sharpness (logits 0)
    assert float(outer_loss(theta, task, f1_weight=0.5)) == pytest.approx(0.5 * bce + 0.25)
    assert float(outer_loss(theta, task, f1_weight=1.0)) == pytest.approx(0.5)


def test_outer_loss_soft_f1_sharpens_towards_hard_f1():
    # logits +1 on the positive row, -1 on the negative: hard F1 = 1
    task = Task(None, None, None, torch.tensor([[1.0], [-1.0]]),
                         torch.tensor([1.0, 0.0]), torch.tensor([0, 1]))
    theta = torch.tensor([[1.0, 0.0]])
    soft = [1 - float(outer_loss(theta, task, f1_weight=1.0, sharpness=k)) for k in (1, 4, 20)]
    assert soft[0] < soft[1] < soft[2] and soft[2] == pytest.approx(1.0, abs=1e-6)


def test_logit_scale_multiplies_the_policy_output(make_policy):
    a, b = make_policy(4), make_policy(4)
    with torch.no_grad():
        for p in (a.head.weight, b.head.weight):
            p.fill_(0.1)
        b.log_scale.fill_(np.log(3.0))
    x = torch.randn(20, 4)
    torch.testing.assert_close(b(x), 3.0 * a(x))


def test_noise_zero_makes_the_simulated_selection_deterministic(noisy_region_data, make_tasks,
                                                                 make_policy):
    Z, y, g = noisy_region_data(600)
    (task,), init = make_tasks(Z, y, g, 1, 300, seed=0)
    policy = make_policy(4)
    with torch.no_grad():
        policy.head.weight.normal_()
        thetas = [simulate(policy, task, budget=30, init=init, n_samples=2, seed=s,
                           noise=0.0) for s in (1, 2)]
    torch.testing.assert_close(thetas[0], thetas[1])
    torch.testing.assert_close(thetas[0][0], thetas[0][1])


def test_adaptive_proximal_rate_is_checkpointed_and_resumed(run, tmp_path):
    kw = dict(prox_adapt=(1.3, 0.85, 0.2, 10.0), rho_target=0.5)
    path = tmp_path / "ckpt.pt"
    run(3, checkpoint_path=path, checkpoint_every=3, **kw)
    resume = training.load_checkpoint(path)
    assert resume["prox_mult"] != 1.0  # the factor moves after every iteration
    pol_b, (hist_b, _, _) = run(5, resume=resume, **kw)
    pol_c, (hist_c, _, _) = run(5, **kw)
    np.testing.assert_allclose(hist_b["disparity_after_prox"], hist_c["disparity_after_prox"],
                               rtol=1e-5)
    for a, b in zip(pol_b.parameters(), pol_c.parameters()):
        torch.testing.assert_close(a, b)




def test_score_policy_reads_only_the_h0_logit_column():
    from skpanda.panda._nn.policy import SelectionPolicy

    torch.manual_seed(0)
    policy = SelectionPolicy(5, d_model=8, n_heads=2, n_inducing=4, inputs="score")
    with torch.no_grad():
        policy.head.weight.normal_()
        x = torch.randn(30, 5)
        y = x.clone()
        y[:, :-1] = torch.randn(30, 4)  # other columns change, the logit column does not
        torch.testing.assert_close(policy(x), policy(y))
        y[:, -1] += 1.0
        assert not torch.allclose(policy(x), policy(y))
    with pytest.raises(ValueError, match="inputs must be 'representation' or 'score'"):
        SelectionPolicy(5, inputs="features")


def callbacks_module():
    from skpanda.panda._nn import callbacks

    return callbacks


def _penalised_run(data, make_policy, n_iter, **kw):
    """The issue's setting: a parity-penalised inner learner (mu = 30), best policy kept."""
    from skpanda.panda._nn.learners import ParityPenalisedLearner

    Z, y, g = data(600)
    policy = make_policy(Z.shape[1] + 1)
    cfg = MetaTrainConfig(n_iter=n_iter, eval_every=2, n_eval_tasks=2, holdout=0.3,
                          checkpoint_every=2, n_samples=2)
    learner = ParityPenalisedLearner(n_steps=4, penalty=5.0, constraint_fn=DP, n_groups=2)
    out = meta_train(policy, Z, y, g, init=torch.zeros(4), budget=20, rho=0.02,
                     constraint_fn=DP, pool_size=300, learner=learner, config=cfg, seed=3, **kw)
    return policy, out


def _interrupt_on_call(monkeypatch, owner, name, call, after):
    """Make ``owner.name`` raise KeyboardInterrupt on its ``call``-th call (after running)."""
    real, calls = getattr(owner, name), {"n": 0}

    def interrupting(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == call and not after:
            raise KeyboardInterrupt
        result = real(*args, **kwargs)
        if calls["n"] == call:
            raise KeyboardInterrupt
        return result

    monkeypatch.setattr(owner, name, interrupting)


@pytest.mark.parametrize("where", [
    ("forward step, before", training, "forward_step", 3, False),
    ("forward step, after its Adam step", training, "forward_step", 3, True),
    ("proximal step, after its Adam steps", steps, "proximal_step", 4, True),
    ("held-out evaluation", callbacks_module(), "evaluate_policy", 3, False),
    ("checkpoint write", callbacks_module(), "save_checkpoint", 1, False),
], ids=lambda w: w[0])
def test_resume_after_an_interrupt_anywhere_equals_an_uninterrupted_run(
        where, biased_shortcut_data, make_policy, tmp_path, monkeypatch):
    _, owner, name, call, after = where
    whole, (hist_whole, n_whole, _) = _penalised_run(biased_shortcut_data, make_policy, 6)
    assert n_whole == 6 and sum(hist_whole["prox_steps"]) > 0  # line 5 really moves the policy
    path = tmp_path / "ckpt.pt"
    with monkeypatch.context() as patch:
        _interrupt_on_call(patch, owner, name, call, after)
        with pytest.warns(UserWarning, match="interrupted"):
            _, (_, n_cut, interrupted) = _penalised_run(biased_shortcut_data, make_policy, 6,
                                                       checkpoint_path=path)
    assert interrupted and n_cut < 6
    resume = training.load_checkpoint(path)
    assert resume["iteration"] == n_cut
    resumed, (hist_resumed, n_resumed, _) = _penalised_run(biased_shortcut_data, make_policy, 6,
                                                           resume=resume)
    assert n_resumed == 6
    assert hist_resumed == hist_whole  # every record, exactly
    for a, b in zip(resumed.state_dict().values(), whole.state_dict().values()):
        assert torch.equal(a, b)


def _prox_iterate(policy_factory, task, init, optimizer, eta, n_steps=3):
    """The policy's parameters after a proximal step that cannot reach rho = 0."""
    policy = policy_factory(task.Z_L.shape[1] + 1)
    ProximalStep(policy, 0.05, None, optimizer)(
        task, target=1e-9, eta=eta, n_steps=n_steps, constraint_fn=DP, n_groups=2, budget=50,
        init=init, n_samples=2, seed=5, learner=LEARNER)
    return torch.cat([p.detach().reshape(-1) for p in policy.parameters()])


def test_eta_changes_the_gradient_descent_proximal_iterate(biased_shortcut_data, make_tasks,
                                                           make_policy):
    Z, y, g = biased_shortcut_data()
    (task,), init = make_tasks(Z, y, g, 1, 500, seed=1)
    start = torch.cat([p.detach().reshape(-1) for p in make_policy(Z.shape[1] + 1).parameters()])
    gd = {eta: _prox_iterate(make_policy, task, init, "gd", eta) for eta in (1.0, 10.0)}
    assert not torch.allclose(gd[1.0], gd[10.0], atol=1e-5)
    # a larger eta moves further from theta_hat (the pull term weighs less)
    assert (gd[10.0] - start).norm() > (gd[1.0] - start).norm()
    # Adam's first step is normalised and the pull term is 0 there: eta has no effect
    # (except on parameters whose gradient is as small as Adam's eps)
    adam = {eta: _prox_iterate(make_policy, task, init, "adam", eta, n_steps=1)
            for eta in (1.0, 10.0)}
    assert float(((adam[1.0] - adam[10.0]).abs() > 1e-5).float().mean()) < 0.01
    assert float(((gd[1.0] - gd[10.0]).abs() > 1e-5).float().mean()) > 0.5
    normalized = {eta: _prox_iterate(make_policy, task, init, "normalized", eta)
                  for eta in (1.0, 10.0)}
    assert float(((normalized[1.0] - normalized[10.0]).abs() > 1e-5).float().mean()) > 0.5
    assert (normalized[10.0] - start).norm() > (normalized[1.0] - start).norm()


def test_gradient_descent_proximal_step_is_the_proximal_iteration(biased_shortcut_data,
                                                                  make_tasks, make_policy):
    """One GD step from theta_hat moves by -lr * eta * grad chi~ (the pull term is 0 there)."""
    Z, y, g = biased_shortcut_data()
    (task,), init = make_tasks(Z, y, g, 1, 500, seed=1)
    policy = make_policy(Z.shape[1] + 1)
    kw = dict(budget=50, init=init, n_samples=2, seed=5)
    theta = simulate(policy, task, **kw)
    _, disp = hard_metrics(theta.detach(), task, DP, 2)
    chi = (steps.soft_disparity(theta, task, DP, 2) * (disp >= 1e-9)).mean()
    grads = torch.autograd.grad(chi, list(policy.parameters()), allow_unused=True)
    before = [p.detach().clone() for p in policy.parameters()]
    ProximalStep(policy, 0.05, None, "gd")(task, target=1e-9, eta=10.0, n_steps=1,
                                          constraint_fn=DP, n_groups=2, learner=LEARNER, **kw)
    for b, p, gr in zip(before, policy.parameters(), grads):
        expected = b if gr is None else b - 0.05 * 10.0 * gr
        torch.testing.assert_close(p.detach(), expected, rtol=1e-4, atol=1e-6)


def test_normalized_proximal_step_moves_a_fixed_length_along_the_disparity_gradient(
        biased_shortcut_data, make_tasks, make_policy):
    """One normalized step from theta_hat: -lr * eta * grad chi~ / ||grad chi~||, whatever its scale."""
    Z, y, g = biased_shortcut_data()
    (task,), init = make_tasks(Z, y, g, 1, 500, seed=1)
    kw = dict(budget=50, init=init, n_samples=2, seed=5)
    moved = {}
    for eta in (1.0, 10.0):
        policy = make_policy(Z.shape[1] + 1)
        theta = simulate(policy, task, **kw)
        _, disp = hard_metrics(theta.detach(), task, DP, 2)
        chi = (steps.soft_disparity(theta, task, DP, 2) * (disp >= 1e-9)).mean()
        grads = torch.autograd.grad(chi, list(policy.parameters()), allow_unused=True)
        norm = torch.sqrt(sum((gr ** 2).sum() for gr in grads if gr is not None))
        before = [p.detach().clone() for p in policy.parameters()]
        ProximalStep(policy, 0.05, None, "normalized")(
            task, target=1e-9, eta=eta, n_steps=1, constraint_fn=DP, n_groups=2,
            learner=LEARNER, **kw)
        for b, p, gr in zip(before, policy.parameters(), grads):
            expected = b if gr is None else b - 0.05 * eta * gr / norm
            torch.testing.assert_close(p.detach(), expected, rtol=1e-4, atol=1e-6)
        moved[eta] = torch.sqrt(sum(((p.detach() - b) ** 2).sum()
                                    for p, b in zip(policy.parameters(), before)))
    assert float(norm) < 1.0  # the raw gradient step would be shorter than lr * eta
    torch.testing.assert_close(moved[1.0], torch.tensor(0.05), rtol=1e-4, atol=0)
    torch.testing.assert_close(moved[10.0], torch.tensor(0.5), rtol=1e-4, atol=0)


def test_capped_proximal_step_keeps_its_least_violating_iterate(biased_shortcut_data,
                                                                make_tasks, make_policy):
    Z, y, g = biased_shortcut_data()
    (task,), init = make_tasks(Z, y, g, 1, 500, seed=1)
    kw = dict(budget=50, init=init, n_samples=2, seed=5)
    problem = dict(target=0.0, eta=100.0, n_steps=6, constraint_fn=DP, n_groups=2,
                   learner=LEARNER, **kw)
    visited = []
    real = steps.hard_metrics

    def spy(theta, *args):
        out = real(theta, *args)
        visited.append(float(out[1].mean()))
        return out

    results = {}
    for keep in (False, True):
        policy, visited[:] = make_policy(Z.shape[1] + 1), []
        steps.hard_metrics = spy
        try:
            n_taken, disp = ProximalStep(policy, 0.05, None, "normalized", keep)(task, **problem)
        finally:
            steps.hard_metrics = real
        assert n_taken == 6 and len(visited) == 7  # rho = 0 is never met
        with torch.no_grad():
            _, now = hard_metrics(simulate(policy, task, **kw), task, DP, 2)
        results[keep] = (disp, float(now.mean()), list(visited))
    last, last_now, trajectory = results[False]
    assert last == pytest.approx(trajectory[-1]) and last_now == pytest.approx(last)
    least, least_now, same = results[True]
    assert same == trajectory  # the same iterates were visited
    assert least == pytest.approx(min(trajectory)) and least_now == pytest.approx(least)
    assert min(trajectory) < trajectory[-1]  # so keeping the least violating one matters here


def test_faithful_loop_records_feasibility_and_the_disparity_gap(biased_shortcut_data,
                                                                 make_policy):
    from skpanda.panda._nn.sgd import SGDStepsLearner

    Z, y, g = biased_shortcut_data(1200)
    cfg = MetaTrainConfig.faithful(n_iter=6, eval_every=3, n_eval_tasks=2, n_samples=2,
                                   n_prox_steps=4, learning_rate=1e-2)
    history, n_done, _ = meta_train(
        make_policy(Z.shape[1] + 1), Z, y, g, init=torch.zeros(4), budget=40, rho=0.1,
        constraint_fn=DP, pool_size=400, learner=SGDStepsLearner(eta0=0.1, batch_size=5),
        config=cfg, seed=0, learner_init=torch.tensor([0.5, 0.0, 0.0, 0.0]))
    assert n_done == 6
    assert all(len(history[k]) == 6 for k in training._ITERATION_KEYS)
    assert len(history["disparity_gap"]) == len(history["eval_f1"]) == 2
    for steps_taken, after, held in zip(history["prox_steps"], history["disparity_after_prox"],
                                        history["prox_reached"]):
        assert held == (after < 0.1)
        assert steps_taken == 4 or held  # stopped early only once feasible
    gap = history["eval_disparity"][0] - np.mean(history["disparity_after_prox"][:3])
    assert history["disparity_gap"][0] == pytest.approx(gap)
