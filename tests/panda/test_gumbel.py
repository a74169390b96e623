"""Tests of the Gumbel-top-k relaxation (skpanda.panda._nn.gumbel)."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from skpanda.panda._nn.gumbel import gumbel_topk, sample_gumbel


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 60), data=st.data(), tau=st.floats(0.05, 5.0), seed=st.integers(0, 99))
def test_weights_sum_to_k_and_lie_in_unit_interval(n, data, tau, seed):
    k = data.draw(st.integers(1, n))
    logits = torch.randn(n, generator=_gen(seed), dtype=torch.float64) * 3
    w = gumbel_topk(logits, k, tau=tau, generator=_gen(seed + 1))
    assert w.sum().item() == pytest.approx(k, abs=1e-6)
    assert w.min().item() >= 0.0 and w.max().item() <= 1.0


def test_batched_samples_each_sum_to_k():
    w = gumbel_topk(torch.zeros(5, 100), 7, tau=0.3, generator=_gen())
    assert w.shape == (5, 100)
    torch.testing.assert_close(w.sum(-1), torch.full((5,), 7.0))


def test_small_tau_matches_the_hard_topk_mask():
    logits = torch.tensor([0.3, 2.0, -1.0, 1.5, 0.9, -0.2], dtype=torch.float64)
    w = gumbel_topk(logits, 3, tau=1e-3, noise=False)
    expected = torch.tensor([0.0, 1.0, 0.0, 1.0, 1.0, 0.0], dtype=torch.float64)
    torch.testing.assert_close(w, expected, atol=1e-6, rtol=0)


def test_hard_mask_is_topk_of_perturbed_logits_with_soft_gradient():
    logits = torch.randn(50, generator=_gen(3), requires_grad=True)
    noise = sample_gumbel((50,), generator=_gen(4))
    w = gumbel_topk(logits, 10, tau=0.5, hard=True, generator=_gen(4))
    mask = torch.zeros(50).scatter_(0, (logits.detach() + noise).topk(10).indices, 1.0)
    torch.testing.assert_close(w.detach(), mask)
    w_soft = gumbel_topk(logits, 10, tau=0.5, generator=_gen(4))
    coef = torch.randn(50, generator=_gen(5))
    g_hard, = torch.autograd.grad((w * coef).sum(), logits)
    g_soft, = torch.autograd.grad((w_soft * coef).sum(), logits)
    torch.testing.assert_close(g_hard, g_soft)  # straight-through


def test_same_generator_seed_same_sample_and_noise_false_is_deterministic():
    logits = torch.randn(30, generator=_gen(1))
    a = gumbel_topk(logits, 5, generator=_gen(9))
    b = gumbel_topk(logits, 5, generator=_gen(9))
    torch.testing.assert_close(a, b)
    c = gumbel_topk(logits, 5, generator=_gen(10))
    assert not torch.allclose(a, c)
    torch.testing.assert_close(gumbel_topk(logits, 5, noise=False),
                               gumbel_topk(logits, 5, noise=False))


@pytest.mark.parametrize("tau", [1.0, 0.2])
def test_gradients_match_finite_differences(tau):
    logits = torch.randn(9, generator=_gen(2), dtype=torch.float64, requires_grad=True)
    log_tau = torch.tensor(float(tau), dtype=torch.float64).log().requires_grad_(True)
    coef = torch.randn(9, generator=_gen(6), dtype=torch.float64)

    def f(lg, lt):  # same noise every call: a fresh generator with a fixed seed
        return gumbel_topk(lg, 4, tau=lt.exp(), generator=_gen(7)) * coef

    assert torch.autograd.gradcheck(f, (logits, log_tau))


def test_gradient_is_finite_at_tiny_tau_in_float32():
    logits = torch.randn(1000, generator=_gen(8), requires_grad=True)
    w = gumbel_topk(logits, 50, tau=1e-4, generator=_gen(9))
    w[:10].sum().backward()
    assert torch.isfinite(logits.grad).all()


def test_uniform_noise_is_clamped_away_from_zero_and_one():
    g = sample_gumbel((100_000,), generator=_gen(0))
    assert torch.isfinite(g).all()


def test_k_out_of_range_raises():
    with pytest.raises(ValueError, match="k=6 must be between 1"):
        gumbel_topk(torch.zeros(5), 6)


def test_k_equal_n_selects_everything():
    torch.testing.assert_close(gumbel_topk(torch.randn(4), 4), torch.ones(4))


@pytest.mark.parametrize("tau", [1.0, 0.3, 0.05])
def test_threshold_solves_the_sum_constraint_to_float_precision(tau):
    from skpanda.panda._nn.gumbel import _threshold

    scores = torch.randn(3, 2000, generator=torch.Generator().manual_seed(0),
                         dtype=torch.float64) * torch.tensor([[0.1], [1.0], [10.0]],
                                                              dtype=torch.float64)
    t = _threshold(scores, 100, torch.tensor(tau, dtype=torch.float64))
    total = torch.sigmoid((scores - t) / tau).sum(-1)
    torch.testing.assert_close(total, torch.full((3,), 100.0, dtype=torch.float64))
    # a bisection on [t - 1e-6, t + 1e-6] keeps the root inside: sign change around t
    above = torch.sigmoid((scores - (t + 1e-6)) / tau).sum(-1)
    below = torch.sigmoid((scores - (t - 1e-6)) / tau).sum(-1)
    assert bool((above < 100).all()) and bool((below > 100).all())
