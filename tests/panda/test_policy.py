"""Tests of the selection policy and its inputs (skpanda.panda._nn.policy)."""

import math

import pytest
import torch

from skpanda.panda._nn.policy import SelectionPolicy, policy_inputs


def test_policy_inputs_append_the_head_logit():
    Z = torch.tensor([[1.0, 2.0], [0.0, -1.0]])
    x = policy_inputs(Z, torch.tensor([1.0, 1.0, -0.5]))
    torch.testing.assert_close(x, torch.tensor([[1.0, 2.0, 2.5], [0.0, -1.0, -1.5]]))


def test_learned_temperature_starts_at_tau_and_is_floored():
    policy = SelectionPolicy(3, d_model=8, n_heads=2, n_inducing=4, tau=0.7, min_tau=0.05)
    assert float(policy.tau.detach()) == pytest.approx(0.7)
    assert policy.tau.requires_grad  # learned with the policy
    with torch.no_grad():
        policy.log_tau.fill_(-50.0)
    assert float(policy.tau.detach()) == pytest.approx(0.05)


def test_policy_is_permutation_equivariant_over_the_pool():
    torch.manual_seed(0)
    policy = SelectionPolicy(4, d_model=8, n_heads=2, n_inducing=4).eval()
    with torch.no_grad():
        policy.head.weight.normal_()
        x = torch.randn(25, 4)
        perm = torch.randperm(25)
        torch.testing.assert_close(policy(x)[perm], policy(x[perm]), atol=1e-5, rtol=1e-5)


def test_untrained_policy_scores_every_row_alike():
    policy = SelectionPolicy(4, d_model=8, n_heads=2, n_inducing=4, scale=2.0)
    out = policy(torch.randn(10, 4))
    assert out.shape == (10,) and torch.all(out == 0)  # zero-initialised head
    assert float(policy.log_scale.exp()) == pytest.approx(2.0)
    assert math.isfinite(float(policy.tau))


@pytest.mark.parametrize("inputs", ["representation", "score"])
@pytest.mark.parametrize("n_layers", [1, 2])
def test_score_rows_equals_one_forward_pass(inputs, n_layers):
    # The reference is the forward pass over the whole pool that select ran before
    # the chunked scoring (issue #22). A matrix product may round a row differently
    # by where it falls in the BLAS kernel's row blocks (a chunk of 1-7 rows, or the
    # tail of an uneven chunk): equal to float32 rounding for every chunk size, and
    # bit for bit for chunks that are multiples of 8 rows (the default, 16384).
    torch.manual_seed(0)
    policy = SelectionPolicy(6, d_model=8, n_heads=2, n_layers=n_layers, n_inducing=4,
                             inputs=inputs).eval()
    with torch.no_grad():
        policy.head.weight.normal_()
        Z, init = torch.randn(1000, 5, dtype=torch.float64), torch.randn(6)
        reference = policy(policy_inputs(Z.float(), init))
        for chunk_size in (1, 7, 333, 5000):
            got = policy.score_rows(Z.numpy(), init, chunk_size=chunk_size)
            torch.testing.assert_close(got, reference, rtol=1e-5, atol=1e-5)
        for chunk_size in (8, 256, 1000):
            got = policy.score_rows(Z.numpy(), init, chunk_size=chunk_size)
            assert torch.equal(got, reference), chunk_size
