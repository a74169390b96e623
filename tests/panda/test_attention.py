"""Tests of the attention blocks, the row encoder and the selection policy."""

import numpy as np
import pytest
import torch

from skpanda.panda._nn.attention import ISAB, MAB, MultiheadAttention
from skpanda.panda._nn.encoder import RowEncoder, pretrain_encoder
from skpanda.panda._nn.policy import SelectionPolicy


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_mab_and_isab_shapes():
    x = torch.randn(2, 50, 16, generator=_gen())
    assert MAB(16, 4)(x, torch.randn(2, 7, 16, generator=_gen(1))).shape == (2, 50, 16)
    assert ISAB(16, 4, 8)(x).shape == (2, 50, 16)


def test_isab_is_permutation_equivariant():
    block = ISAB(16, 2, 4)
    x = torch.randn(1, 40, 16, generator=_gen())
    perm = torch.randperm(40, generator=_gen(1))
    torch.testing.assert_close(block(x)[:, perm], block(x[:, perm]), atol=1e-5, rtol=1e-5)


def test_heads_must_divide_width():
    with pytest.raises(ValueError, match="d_model=10 must be divisible by n_heads=4"):
        MultiheadAttention(10, 4)


def test_row_encoder_features_do_not_depend_on_the_batch():
    enc = RowEncoder(5, d_model=8, n_heads=2, n_memory=4).eval()
    x = torch.randn(30, 5, generator=_gen())
    with torch.no_grad():
        torch.testing.assert_close(enc.features(x)[:10], enc.features(x[:10]))
        torch.testing.assert_close(enc.features(x)[[3]], enc.features(x[[3]]))
    assert enc(x).shape == (30,)


def test_policy_starts_uniform_and_has_a_floored_temperature():
    pol = SelectionPolicy(9, d_model=8, n_heads=2, n_inducing=4, tau=1.0, min_tau=0.05)
    logits = pol(torch.randn(25, 9, generator=_gen()))
    assert logits.shape == (25,)
    torch.testing.assert_close(logits, torch.zeros(25))  # untrained = random selection
    assert float(pol.tau.detach()) == pytest.approx(1.0)
    with torch.no_grad():
        pol.log_tau.fill_(-50.0)
    assert float(pol.tau.detach()) == pytest.approx(0.05)


def test_pretrain_encoder_learns_and_leaves_global_rng_untouched():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(600, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    before = torch.random.get_rng_state()
    module = pretrain_encoder(X, y, d_model=8, n_heads=2, n_layers=1, n_memory=4,
                              max_epochs=10, seed=3)
    assert torch.equal(before, torch.random.get_rng_state())
    with torch.no_grad():
        acc = ((module(torch.from_numpy(X)) > 0).numpy() == y).mean()
    assert acc > 0.9
    again = pretrain_encoder(X, y, d_model=8, n_heads=2, n_layers=1, n_memory=4,
                             max_epochs=10, seed=3)
    for a, b in zip(module.state_dict().values(), again.state_dict().values()):
        torch.testing.assert_close(a, b)  # same seed, same weights


def test_isab_forward_rows_equals_forward_bit_for_bit():
    torch.manual_seed(0)
    block = ISAB(8, 2, 4).eval()
    x = torch.randn(300, 8)
    with torch.no_grad():
        reference = block(x.unsqueeze(0))[0]
        for chunk_size in (8, 64, 296, 1000):  # multiples of 8 rows: bit for bit
            assert torch.equal(block.forward_rows(x.clone(), chunk_size), reference)
        torch.testing.assert_close(block.forward_rows(x.clone(), 7), reference)
