"""Tests of the pretrained row encoder (skpanda.panda._nn.encoder)."""

import pickle

import numpy as np
import pytest
import torch

from skpanda.panda._nn.encoder import FittedRowEncoder, RowEncoder


def _module(n_features=5, seed=0):
    torch.manual_seed(seed)
    return RowEncoder(n_features, d_model=8, n_heads=2, n_layers=1, n_memory=4).eval()


def test_transform_is_row_wise_and_chunking_does_not_change_it():
    X = np.random.RandomState(0).normal(size=(30, 5))
    enc = FittedRowEncoder(_module())
    full = enc.transform(X)
    assert full.shape == (30, 8) and full.dtype == np.float64
    np.testing.assert_allclose(FittedRowEncoder(_module(), chunk_size=7).transform(X), full,
                               atol=1e-6)
    np.testing.assert_allclose(enc.transform(X[10:12]), full[10:12], atol=1e-6)


def test_head_is_the_linear_head_as_one_vector():
    enc = FittedRowEncoder(_module())
    head = enc.head()
    assert head.shape == (9,)
    torch.testing.assert_close(head[:-1], enc.module.head.weight.detach().reshape(-1))


def test_pickle_round_trip_keeps_the_features():
    X = np.random.RandomState(1).normal(size=(6, 5))
    enc = FittedRowEncoder(_module())
    np.testing.assert_allclose(pickle.loads(pickle.dumps(enc)).transform(X), enc.transform(X))


def test_empty_input_gives_an_empty_representation():
    assert FittedRowEncoder(_module()).transform(np.zeros((0, 5))).shape == (0, 8)


def _d0(n=300, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    return X, (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(np.float32)


def _pretrain(X, y, **kw):
    from skpanda.panda._nn.encoder import pretrain_encoder

    return pretrain_encoder(X, y, d_model=8, n_heads=2, n_layers=1, n_memory=4, **kw)


def test_ctrl_c_during_pretraining_propagates_instead_of_a_cut_short_encoder(monkeypatch):
    X, y = _d0()
    calls = {"n": 0}
    real = RowEncoder.forward

    def interrupted_in_epoch_two(self, x):
        calls["n"] += 1
        if calls["n"] == 5:  # 270 training rows / 64 = 5 batches: inside epoch 2
            raise KeyboardInterrupt
        return real(self, x)

    monkeypatch.setattr(RowEncoder, "forward", interrupted_in_epoch_two)
    with pytest.raises(KeyboardInterrupt):
        _pretrain(X, y, max_epochs=5, batch_size=64)
    assert calls["n"] == 5  # skorch stopped at the interrupt, and it reached us


def test_early_stopping_is_not_an_interrupt():
    X, y = _d0()
    X = np.random.RandomState(1).normal(size=X.shape).astype(np.float32)  # noise: no progress
    module = _pretrain(X, y, max_epochs=60, batch_size=64, lr=3e-2)
    assert isinstance(module, RowEncoder) and not module.training


def test_minibatch_fetch_trains_the_same_encoder_as_row_by_row_collation(monkeypatch):
    from skpanda.panda._nn import encoder

    X, y = _d0()
    fast = _pretrain(X, y, max_epochs=3, batch_size=64)
    monkeypatch.setattr(encoder, "_batch_dataset", lambda: _row_by_row())
    monkeypatch.setattr(encoder, "_as_batch", torch.utils.data.default_collate)
    slow = _pretrain(X, y, max_epochs=3, batch_size=64)
    for a, b in zip(fast.state_dict().values(), slow.state_dict().values()):
        assert torch.equal(a, b)


def _row_by_row():
    from skorch.dataset import Dataset

    return Dataset
