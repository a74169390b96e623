"""Tests of the meta-training hooks (skpanda.panda._nn.callbacks)."""

import torch

from skpanda.panda._nn import callbacks
from skpanda.panda._nn.config import MetaTrainConfig
from skpanda.panda._nn.disparity import get_torch_constraint
from skpanda.panda._nn.training import meta_train


class Recorder(callbacks.Hook):
    def __init__(self, log, tag):
        self.log, self.tag = log, tag

    def on_iteration(self, run):
        self.log.append((self.tag, run.n_done))

    def on_end(self, run):
        self.log.append((self.tag, "end"))


def test_hooks_run_in_order_and_end_in_reverse(monkeypatch, noisy_region_data, make_policy):
    log = []
    monkeypatch.setattr("skpanda.panda._nn.training._default_hooks",
                        lambda *a, **k: [Recorder(log, "a"), Recorder(log, "b")])
    Z, y, g = noisy_region_data(400)
    cfg = MetaTrainConfig(n_iter=2, holdout=0.0, n_eval_tasks=1)
    _, n_done, _ = meta_train(make_policy(4), Z, y, g, init=torch.zeros(4), budget=20, rho=0.5,
                              constraint_fn=get_torch_constraint("dp"), pool_size=200,
                              config=cfg)
    assert n_done == 2
    assert log == [("a", 1), ("b", 1), ("a", 2), ("b", 2), ("b", "end"), ("a", "end")]


def test_periodic_evaluation_records_every_few_iterations_and_the_last(noisy_region_data,
                                                                      make_policy):
    Z, y, g = noisy_region_data(400)
    cfg = MetaTrainConfig(n_iter=5, eval_every=2, holdout=0.0, n_eval_tasks=1,
                          keep_best=False)
    history, _, _ = meta_train(make_policy(4), Z, y, g, init=torch.zeros(4), budget=20,
                               rho=0.5, constraint_fn=get_torch_constraint("dp"),
                               pool_size=200, config=cfg)
    assert history["eval_iteration"] == [2, 4, 5] and len(history["eval_f1"]) == 3
