"""Meta-training with several tasks per iteration, spread over torch.distributed ranks.

Tolerance of "W processes equal one process with the same ``n_tasks``"
(:func:`test_two_processes_equal_one_with_the_same_n_tasks`, 2 gloo processes):

- the history's floats within ``HISTORY_ATOL = 1e-5`` (observed: 0 to 1.2e-7),
  its counts and flags (proximal steps, constraint held) exactly;
- the policy's logits on D0 *up to an additive constant* within
  ``LOGITS_ATOL = 1e-5`` (observed: 6e-8), hence the same top-B rows.

Not the raw logits nor the parameters: the selection (softmax, Gumbel-top-B) is
invariant under a shift of the logits, so the gradient of the output bias (and
of an attention key's bias) is zero in exact arithmetic; in floating point it
is rounding noise whose sign follows the summation order, and Adam turns any
sign into a step of the learning rate (observed: 1.6e-3 on the output bias
after 6 iterations, the whole difference between the raw logits).
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from skpanda.cli import load_model
from skpanda.datasets import make_biased_classification
from skpanda.panda._nn import training
from skpanda.panda._nn.config import MetaTrainConfig, recipe_changes, recipe_for
from skpanda.panda._nn.disparity import get_torch_constraint
from skpanda.panda._nn.distributed import (
    Collective,
    current_collective,
    fingerprint,
    meta_training_group,
    raise_if_differ,
)
from skpanda.panda._nn.learners import LogisticLearner
from skpanda.panda._nn.steps import ProximalStep, forward_step
from skpanda.panda._nn.tasks import make_task, reshuffle
from skpanda.panda._nn.training import TaskSource, meta_train

HISTORY_ATOL, LOGITS_ATOL = 1e-5, 1e-5
DP = get_torch_constraint("demographic_parity")
LEARNER = LogisticLearner(n_steps=4, l2=1.0)
WORKER = Path(__file__).with_name("_distributed_worker.py")
BIN = Path(sys.executable).parent


class FakeRank(Collective):
    """Rank ``rank`` of ``world`` without a process group (only what needs no messages)."""

    def __init__(self, rank, world):
        super().__init__(single=True)
        self.rank, self.world = rank, world


def _config(**changes):
    return MetaTrainConfig(**{**dict(n_iter=4, holdout=0.0, eval_every=2, n_eval_tasks=2,
                                     n_samples=2, prox_adapt=(1.3, 0.85, 0.2, 10.0)),
                              **changes})


def _run(biased_shortcut_data, make_policy, **kw):
    Z, y, g = biased_shortcut_data(300)
    policy = make_policy(Z.shape[1] + 1)
    history, _, _ = meta_train(policy, Z, y, g, init=torch.zeros(Z.shape[1] + 1), budget=15,
                               rho=0.05, constraint_fn=DP, pool_size=150, learner=LEARNER,
                               seed=3, **kw)
    return history, policy


# ------------------------------------------------------------------ config
@pytest.mark.parametrize("bad, error, match", [
    (0, ValueError, "n_tasks=0 must be at least 1"),
    (-2, ValueError, "n_tasks=-2 must be at least 1"),
    (2.0, TypeError, "n_tasks must be an int"),
    (True, TypeError, "n_tasks must be an int"),
])
def test_n_tasks_must_be_a_positive_int(bad, error, match):
    with pytest.raises(error, match=match):
        MetaTrainConfig(n_tasks=bad)


def test_recipe_changes_reach_every_preset_and_end_with_the_block():
    with recipe_changes(n_tasks=3):
        assert [recipe_for(kind, 30.0).n_tasks for kind in ("logistic", "parity", "pool")] \
            == [3, 3, 3]
        assert recipe_for("parity", 30.0, n_tasks=5).n_tasks == 5  # explicit changes win
    assert recipe_for("parity", 30.0).n_tasks == 1


# ------------------------------------------------------- seeds and the steps
def test_task_j_of_an_iteration_does_not_depend_on_which_tasks_a_rank_draws():
    y, g = np.tile([0, 1], 50), np.repeat([0, 1], 50)
    Z = torch.randn(100, 3)
    source = TaskSource((Z, Z, torch.tensor(y).float(), torch.tensor(g)), pool_size=50,
                        budget=5, holdout=0.0, seed=4)
    all_tasks, all_seeds = source.iteration_tasks(7, range(4))
    odd_tasks, odd_seeds = source.iteration_tasks(7, FakeRank(1, 2).shard(4))
    assert odd_seeds == all_seeds[1::2]
    assert all(torch.equal(a.y_V, b.y_V) and torch.equal(a.Z_L, b.Z_L)
               for a, b in zip(odd_tasks, all_tasks[1::2]))
    assert len(set(all_seeds)) == 4
    # task 0 is the single-task loop's draw, from RandomState((seed, k))
    rng = np.random.RandomState([4, 7])
    idx_L, _ = reshuffle(y, g, 50, rng)
    assert torch.equal(all_tasks[0].Z_L, Z[torch.as_tensor(idx_L)])
    assert all_seeds[0] == rng.randint(2**31 - 1)


def test_forward_step_averages_the_loss_and_gradient_over_tasks(biased_shortcut_data,
                                                                 make_tasks, make_policy):
    Z, y, g = biased_shortcut_data(300)
    (task,), init = make_tasks(Z, y, g, 1, 150, seed=2)
    kw = dict(budget=15, init=init, learner=LEARNER, n_samples=2)
    one, two = make_policy(Z.shape[1] + 1), make_policy(Z.shape[1] + 1)
    _, loss_one = forward_step(one, torch.optim.SGD(one.parameters(), lr=0.1), task, seed=5,
                               **kw)
    thetas, loss_two = forward_step(two, torch.optim.SGD(two.parameters(), lr=0.1),
                                    [task, task], seed=[5, 5], n_tasks=2, **kw)
    assert len(thetas) == 2 and loss_two == pytest.approx(loss_one, abs=1e-7)
    for a, b in zip(one.parameters(), two.parameters()):
        torch.testing.assert_close(a, b, atol=1e-7, rtol=0)
    with pytest.raises(ValueError, match="got 2 tasks but 1 seeds"):
        forward_step(two, torch.optim.SGD(two.parameters(), lr=0.1), [task, task], seed=[5],
                     n_tasks=2, **kw)


def test_one_task_per_iteration_is_exactly_the_single_task_loop(biased_shortcut_data,
                                                                make_policy):
    """``n_tasks=1`` = forward_step/ProximalStep on one task drawn from (seed, k)."""
    cfg = _config(keep_best=False)
    history, policy = _run(biased_shortcut_data, make_policy, config=cfg)
    Z, y, g = biased_shortcut_data(300)
    ref, init = make_policy(Z.shape[1] + 1), torch.zeros(Z.shape[1] + 1)
    data = (training.policy_inputs(Z, init), Z, y.float(), g)
    forward_opt = torch.optim.Adam(ref.parameters(), lr=cfg.learning_rate)
    prox = ProximalStep(ref, cfg.prox_lr, cfg.prox_adapt)
    losses = []
    for k in range(cfg.n_iter):
        rng = np.random.RandomState([3, k])
        task = make_task(data, *reshuffle(y.numpy(), g.numpy(), 150, rng))
        sim = dict(budget=15, init=init, learner=LEARNER, n_samples=2,
                   seed=rng.randint(2**31 - 1))
        losses.append(forward_step(ref, forward_opt, task, **sim)[1])
        prox(task, target=0.04, eta=cfg.eta, n_steps=cfg.n_prox_steps, constraint_fn=DP,
             n_groups=2, **sim)
    assert history["val_loss"] == losses
    assert all(torch.equal(a, b) for a, b in zip(policy.parameters(), ref.parameters()))


def test_several_tasks_per_iteration_in_one_process(biased_shortcut_data, make_policy):
    history, _ = _run(biased_shortcut_data, make_policy, config=_config(n_tasks=3))
    assert len(history["val_loss"]) == 4 and len(history["eval_f1"]) == 2
    assert all(0 <= d <= 1 for d in history["disparity_after_prox"])


# ----------------------------------------------------- ranks (no messages)
def test_only_rank_0_checkpoints_and_shows_progress(tmp_path):
    kw = dict(init=torch.zeros(3), budget=5, rho=0.1, learner=LEARNER, constraint_fn=DP,
              n_groups=2, verbose=True, checkpoint_path=tmp_path / "c.pt", extra=None)
    Z = torch.randn(100, 2)
    y, g = torch.tensor([0, 1] * 50).float(), torch.tensor([0] * 50 + [1] * 50)
    source = TaskSource((Z, Z, y, g), pool_size=50, budget=5, holdout=0.0, seed=0)
    main = training._default_hooks(source, _config(), collective=FakeRank(0, 2), **kw)
    other = training._default_hooks(source, _config(), collective=FakeRank(1, 2), **kw)
    assert any(isinstance(h, training.Checkpoint) for h in main)
    assert not any(isinstance(h, training.Checkpoint) for h in other)
    assert main[-1].enabled and not other[-1].enabled


def test_fewer_tasks_than_processes_is_refused(biased_shortcut_data, make_policy):
    with pytest.raises(ValueError, match="n_tasks=2 is smaller than the 3 processes"):
        _run(biased_shortcut_data, make_policy, config=_config(n_tasks=2),
             collective=FakeRank(0, 3))


def test_resuming_with_another_n_tasks_is_refused(biased_shortcut_data, make_policy, tmp_path):
    path = tmp_path / "c.pt"
    _run(biased_shortcut_data, make_policy, config=_config(n_tasks=2), checkpoint_path=path)
    resume = training.load_checkpoint(path)
    assert resume["n_tasks"] == 2
    with pytest.raises(ValueError, match="written with n_tasks=2 .* this run has n_tasks=1"):
        _run(biased_shortcut_data, make_policy, config=_config(n_iter=6), resume=resume)


def test_differing_inputs_are_named():
    assert fingerprint(torch.arange(3)) == fingerprint(torch.arange(3).clone())
    assert fingerprint(torch.arange(3)) != fingerprint(torch.arange(3).float())
    assert fingerprint({"a": torch.zeros(2)}) != fingerprint({"a": torch.ones(2)})
    same = {"D0 labels y": "1", "D0 groups": "2"}
    raise_if_differ([same, dict(same)])
    with pytest.raises(ValueError, match=r"differ: D0 labels y \(ranks \[2\] differ from rank 0\)"):
        raise_if_differ([same, dict(same), {**same, "D0 labels y": "x"}])


def test_meta_training_group_is_the_default_collective_inside_the_block():
    group = FakeRank(0, 1)
    with meta_training_group(group, n_tasks=2):
        assert current_collective() is group
        assert recipe_for("logistic", 0.0).n_tasks == 2
    assert current_collective() is not group and current_collective().world == 1


# -------------------------------------------------- real processes (gloo)
def _worker(out, n_tasks, recipe, *extra, nproc=None):
    out.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]),
                                          os.environ.get("PYTHONPATH", "")])}
    env.pop("WORLD_SIZE", None)
    launch = ([str(BIN / "torchrun"), "--standalone", f"--nproc_per_node={nproc}",
               "--log-dir", str(out / "logs"), "--redirects", "3"] if nproc else
              [sys.executable])
    return _bounded([*launch, str(WORKER), str(out), str(n_tasks), recipe, *extra], env)


def _bounded(command, env, timeout=300):
    """Run ``command`` in its own session; on timeout kill it and its workers, then fail."""
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"{command[:3]} ran past {timeout} s (killed with its workers)")
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


@pytest.mark.slow
@pytest.mark.parametrize("recipe, n_tasks", [("paper", 4), ("constrained", 3), ("faithful", 4)])
def test_two_processes_equal_one_with_the_same_n_tasks(tmp_path, recipe, n_tasks):
    one = _worker(tmp_path / "one", n_tasks, recipe)
    two = _worker(tmp_path / "two", n_tasks, recipe, nproc=2)
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    ref = torch.load(tmp_path / "one" / "rank0.pt")
    h = ref["history"]  # the run takes both outcomes of a decision made on all-reduced values
    assert len(set(h["prox_steps"])) > 1 or len(set(h["constraint_held"])) > 1
    for rank in (0, 1):
        got = torch.load(tmp_path / "two" / f"rank{rank}.pt")
        assert got["world"] == 2 and got["n_done"] == ref["n_done"] == 6
        for key, values in ref["history"].items():
            if key in ("prox_steps", "constraint_held", "eval_iteration"):
                assert got["history"][key] == values, key
            else:
                np.testing.assert_allclose(got["history"][key], values, atol=HISTORY_ATOL,
                                           rtol=0, err_msg=key)
        torch.testing.assert_close(got["logits"] - got["logits"].mean(),
                                   ref["logits"] - ref["logits"].mean(), atol=LOGITS_ATOL, rtol=0)
        assert set(got["logits"].topk(15).indices.tolist()) == \
            set(ref["logits"].topk(15).indices.tolist())
    # rank 0 alone wrote a checkpoint and drew a progress bar
    assert (tmp_path / "two" / "ckpt0.pt").is_file()
    assert not (tmp_path / "two" / "ckpt1.pt").exists()
    logs = {p.parent.name: p.read_text() for p in (tmp_path / "two" / "logs").rglob("stderr.log")}
    assert "PANDA meta-training" in logs["0"] and logs["1"] == ""


@pytest.mark.slow
def test_mismatched_data_on_the_ranks_stops_every_rank_before_training(tmp_path):
    result = _worker(tmp_path / "run", 2, "paper", "mismatch", nproc=2)
    assert result.returncode != 0
    for rank in (0, 1):
        message = (tmp_path / "run" / f"error{rank}.txt").read_text()
        assert "differ: D0 labels y (ranks [1] differ from rank 0)" in message
        assert "D0 features" not in message
    assert not list((tmp_path / "run").glob("ckpt*.pt"))


@pytest.mark.slow
def test_skpanda_fit_under_torchrun_writes_one_model_folder_from_rank_0(tmp_path):
    X, y, g = make_biased_classification(300, 4, random_state=0, return_X_y=True)
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(4)]).assign(y=y, grp=g)
    df.to_csv(tmp_path / "d0.csv", index=False)
    tiny = [f"--param={k}={v}" for k, v in dict(n_iter=3, d_model=8, n_heads=2, n_layers=1,
                                                 n_inducing=4, n_memory=4).items()]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    result = _bounded(
        [str(BIN / "torchrun"), "--standalone", "--nproc_per_node=2", "-m", "skpanda", "fit",
         "--data", str(tmp_path / "d0.csv"), "--target", "y", "--sensitive", "grp",
         "--budget", "15", "--n-tasks", "2", "--out", str(tmp_path / "model"), *tiny], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Fitted panda") == 1
    pipe, meta = load_model(tmp_path / "model")  # the safe folder, no pickle
    assert pipe.steps[-1][1].n_iter_ == 3 and meta["method"] == "panda"
    chosen = pipe.select(df[[f"x{i}" for i in range(4)]], 15, sensitive_features=g)
    assert len(set(chosen.tolist())) == 15
    assert not (tmp_path / "model.ckpt").exists()

