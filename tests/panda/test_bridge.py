"""Tests of the numpy <-> torch boundary (skpanda.panda._nn.bridge)."""

import ast
import inspect

import numpy as np
import pytest
import torch

from skpanda.panda._nn import bridge
from skpanda.panda._nn.encoder import FittedRowEncoder, RowEncoder
from skpanda.panda._nn.policy import SelectionPolicy


def _modules():
    torch.manual_seed(0)
    enc = FittedRowEncoder(RowEncoder(4, d_model=8, n_heads=2, n_layers=1, n_memory=4).eval())
    policy = SelectionPolicy(9, d_model=8, n_heads=2, n_inducing=4).eval()
    with torch.no_grad():
        policy.head.weight.normal_()
    return enc, policy


def test_resolve_device_accepts_cpu_and_explains_bad_values():
    assert bridge.resolve_device("cpu") == "cpu"
    assert bridge.resolve_device("auto") in ("cpu", "cuda")
    with pytest.raises(ValueError, match="device='tpu-9' is not a torch device"):
        bridge.resolve_device("tpu-9")


def test_score_pool_is_deterministic_and_sampling_is_seeded():
    enc, policy = _modules()
    Z = enc.transform(np.random.RandomState(0).normal(size=(40, 4)))
    a = bridge.score_pool(policy, enc, Z)
    assert a.shape == (40,) and a.dtype == np.float64
    np.testing.assert_array_equal(a, bridge.score_pool(policy, enc, Z))
    s1 = bridge.score_pool(policy, enc, Z, sample=True, seed=3)
    np.testing.assert_array_equal(s1, bridge.score_pool(policy, enc, Z, sample=True, seed=3))
    assert not np.array_equal(s1, bridge.score_pool(policy, enc, Z, sample=True, seed=4))


def test_save_load_state_and_build_modules_round_trip(tmp_path):
    enc, policy = _modules()
    path = tmp_path / "state.pt"
    bridge.save_state(path, {"encoder": bridge.module_state(enc.module),
                             "policy": bridge.module_state(policy), "arr": np.arange(3)})
    state = bridge.load_state(path)
    np.testing.assert_array_equal(state["arr"], np.arange(3))
    enc2, pol2 = bridge.build_modules(
        state, encoder_arch=dict(d_model=8, n_heads=2, n_layers=1, n_memory=4),
        policy_arch=dict(d_model=8, n_heads=2, n_inducing=4), n_inputs=4, device="cpu")
    X = np.random.RandomState(1).normal(size=(10, 4))
    np.testing.assert_allclose(enc2.transform(X), enc.transform(X))
    Z = enc.transform(X)
    np.testing.assert_allclose(bridge.score_pool(pol2, enc2, Z), bridge.score_pool(policy, enc, Z))


def test_inference_does_not_import_training():
    # score_pool's module imports no training code at module level (only train_policy,
    # inside the function, does)
    tree = ast.parse(inspect.getsource(bridge))
    top = [node.module for node in tree.body if isinstance(node, ast.ImportFrom)]
    assert "policy" in top and not {"training", "steps", "activelearn"} & set(top)
