"""Tests of held-out evaluation and of the choice of the policy kept at the end."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from skpanda.panda._nn import callbacks, training
from skpanda.panda._nn.config import MetaTrainConfig
from skpanda.panda._nn.disparity import get_torch_constraint
from skpanda.panda._nn.evaluation import (
    FLOOR_RATIO, BestPolicy, HoldoutPlan, criterion, evaluate_policy, holdout_plan,
)
from skpanda.panda._nn.learners import LogisticLearner
from skpanda.panda._nn.training import meta_train

DP = get_torch_constraint("demographic_parity")
LEARNER = LogisticLearner(n_steps=6, l2=1.0)


def config(**changes):
    return MetaTrainConfig(**{**dict(learning_rate=1e-3, holdout=0.0, rho_target=1.0,
                                     prox_adapt=None, eval_every=25, n_eval_tasks=2),
                              **changes})


def test_evaluate_policy_scores_the_deterministic_selection(noisy_region_data, make_tasks,
                                                            make_policy):
    Z, y, g = noisy_region_data(600)
    tasks, init = make_tasks(Z, y, g, 2, 300, seed=0)
    f1, disp = evaluate_policy(make_policy(4), tasks, budget=30, init=init, learner=LEARNER,
                               constraint_fn=DP, n_groups=2)
    assert 0 < f1 <= 1 and 0 <= disp <= 1


@pytest.mark.parametrize("f1, disp, better_f1, better_disp", [
    (0.40, 0.03, 0.70, 0.05),  # feasible beats infeasible whatever the F1
    (0.40, 0.03, 0.45, 0.039),  # among feasible, higher F1 wins
    (0.50, 0.10, 0.50, 0.06),  # among infeasible, smaller violation wins
])
def test_best_policy_criterion_prefers_feasible_then_f1(f1, disp, better_f1, better_disp):
    rho = 0.04
    worse_is_first = better_disp > rho and disp <= rho
    a, b = criterion(f1, disp, rho), criterion(better_f1, better_disp, rho)
    assert (a > b) if worse_is_first else (b > a)


def test_best_policy_criterion_ranks_degenerate_policies_last():
    # predicting (almost) no positives meets any parity bound but is useless
    assert criterion(0.0, 0.0, 0.04, f1_floor=0.5) < criterion(
        0.6, 0.30, 0.04, f1_floor=0.5)


def test_holdout_evaluation_tasks_use_rows_training_never_sees(monkeypatch, noisy_region_data,
                                                                make_policy):
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
    Z, y, g = noisy_region_data(600)
    meta_train(make_policy(4), Z, y, g, init=torch.zeros(4), budget=20, rho=0.2,
               constraint_fn=DP, pool_size=300, learner=LEARNER,
               config=config(n_iter=4, eval_every=2, holdout=0.3), seed=0)
    eval_rows = built[0] | built[1]  # evaluation tasks are built before training starts
    assert len(eval_rows) == 180 and trained and not trained & eval_rows


def test_keep_best_never_returns_a_policy_worse_than_the_untrained_one(monkeypatch,
                                                                        noisy_region_data,
                                                                        make_policy):
    scores = iter([(0.6, 0.01), (0.0, 0.0), (0.3, 0.02), (0.5, 0.01)])
    monkeypatch.setattr(callbacks, "evaluate_policy", lambda *a, **k: next(scores))
    Z, y, g = noisy_region_data(600)
    policy = make_policy(4)
    untrained = [p.detach().clone() for p in policy.parameters()]
    meta_train(policy, Z, y, g, init=torch.zeros(4), budget=30, rho=0.2, constraint_fn=DP,
               pool_size=300, learner=LEARNER,
               config=config(n_iter=6, eval_every=2, learning_rate=0.05), seed=1)
    assert all(torch.equal(a, b) for a, b in zip(untrained, policy.parameters()))


def test_holdout_plan_scales_pools_and_budget_by_the_held_out_fraction():
    # 1000 rows, 30% held out: 300 evaluation rows; pools 0.7 * 500 and 0.3 * 500;
    # the evaluation budget is 0.3 * 40 = 12, the same share of its pool as 40 of 500
    assert holdout_plan(1000, pool_size=500, budget=40, holdout=0.3) == HoldoutPlan(
        n_train_rows=700, train_pool=350, eval_pool=150, eval_budget=12)


@pytest.mark.parametrize("budget, holdout", [(40, 0.0), (150, 0.3)])
def test_holdout_plan_holds_nothing_out_when_off_or_when_pools_would_not_exceed_budget(
        budget, holdout):
    # with holdout=0.3 the evaluation pool would be 150 rows, not more than budget=150
    assert holdout_plan(1000, pool_size=500, budget=budget, holdout=holdout) == HoldoutPlan(
        1000, 500, 500, budget)


@given(st.floats(0, 1), st.floats(0, 0.04), st.floats(0, 1), st.floats(0.0401, 1))
def test_criterion_feasible_beats_infeasible_above_the_floor(f1_a, disp_a, f1_b, disp_b):
    floor = 0.0
    assert criterion(f1_a, disp_a, 0.04, floor) > criterion(f1_b, disp_b, 0.04, floor)


def test_best_policy_keeps_the_best_and_snapshots_only_improvements():
    best, calls = BestPolicy(rho=0.1), []

    def snapshot(tag):
        return lambda: calls.append(tag) or {"w": tag}

    best.set_baseline(0.8, 0.05, {"w": "untrained"})
    assert best.f1_floor == pytest.approx(FLOOR_RATIO * 0.8)  # 0.6
    best.offer(0.5, 0.0, snapshot("degenerate"))  # F1 0.5 < 0.6: ranks last
    best.offer(0.9, 0.2, snapshot("infeasible"))  # 0.9 - 1.0 < 1.8 of the baseline
    best.offer(0.85, 0.09, snapshot("better"))  # feasible, higher F1: kept
    assert calls == ["better"] and best.state == {"w": "better"}
    assert best.score == pytest.approx(1.85)


def test_best_policy_checkpoint_items_round_trip():
    best = BestPolicy(rho=0.1)
    assert best.checkpoint_items() == {}
    best.set_baseline(0.8, 0.05, {"w": 1})
    restored = BestPolicy(rho=0.1)
    restored.resume(best.checkpoint_items())
    assert (restored.score, restored.state, restored.f1_floor) == (
        best.score, best.state, best.f1_floor)
