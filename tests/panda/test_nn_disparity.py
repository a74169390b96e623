"""Torch twins of the Table-1 disparities: equal to numpy, differentiable, NaN-free."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from skpanda import metrics
from skpanda.panda._nn.disparity import (
    demographic_parity,
    equalized_odds,
    error_rate_balance,
    get_torch_constraint,
)

PAIRS = [
    (demographic_parity, metrics.demographic_parity),
    (equalized_odds, metrics.equalized_odds),
    (error_rate_balance, metrics.error_rate_balance),
]


def _data(seed, n=60, k=3):
    gen = torch.Generator().manual_seed(seed)
    groups = torch.randint(k, (n,), generator=gen)
    groups[:2] = torch.tensor([0, 1])
    y = torch.randint(2, (n,), generator=gen).float()
    p = torch.rand(n, generator=gen, dtype=torch.float64)
    w = torch.rand(n, generator=gen, dtype=torch.float64) + 0.1
    return p, groups, y, w


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("torch_fn, numpy_fn", PAIRS)
def test_equals_numpy(seed, torch_fn, numpy_fn):
    p, groups, y, w = _data(seed, n=8 + 6 * seed, k=2 + seed % 3)  # small n: empty cells occur
    hard = (p > 0.5).double()
    args = dict(sensitive_features=groups.numpy())
    for h in (hard, p):
        expected = numpy_fn(y.numpy(), h.numpy(), **args)
        assert torch_fn(h, groups, y).item() == pytest.approx(expected, abs=1e-12)
        expected_w = numpy_fn(y.numpy(), h.numpy(), sample_weight=w.numpy(), **args)
        assert torch_fn(h, groups, y, weight=w).item() == pytest.approx(expected_w, abs=1e-12)


def test_hand_computed_three_groups():
    p = torch.tensor([0.8, 0.2, 0.6, 0.4, 0.5, 0.1])
    groups, y = torch.tensor([0, 0, 1, 1, 2, 2]), torch.tensor([1, 0, 1, 0, 1, 0])
    assert demographic_parity(p, groups).item() == pytest.approx(2 / 15)
    assert equalized_odds(p, groups, y).item() == pytest.approx(1 / 6)
    assert error_rate_balance(p, groups, y).item() == pytest.approx(0.3)


@pytest.mark.parametrize("torch_fn, _", PAIRS)
def test_gradcheck(torch_fn, _):
    p, groups, y, w = _data(0, n=12, k=3)
    p = (0.1 + 0.8 * p).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda q: torch_fn(q, groups, y), (p,))
    assert torch.autograd.gradcheck(lambda q: torch_fn(q, groups, y, weight=w), (p,))


@pytest.mark.parametrize("torch_fn, _", PAIRS)
def test_empty_cells_give_finite_values_and_gradients(torch_fn, _):
    # n_groups=5 but only groups 0 and 3 present; group 3 has no Y=0 row
    p = torch.tensor([0.9, 0.2, 0.4, 0.7], requires_grad=True)
    groups, y = torch.tensor([0, 0, 3, 3]), torch.tensor([1.0, 0.0, 1.0, 1.0])
    weight = torch.tensor([1.0, 1.0, 1.0, 0.0])  # a zero-weight row is an empty row
    value = torch_fn(p, groups, y, weight=weight, n_groups=5)
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(p.grad).all()
    # overall 0.5; group means 0.55, 0.4. Y=1: cells 0.9, 0.4 around 0.65
    expected = dict(demographic_parity=0.1, equalized_odds=0.25, error_rate_balance=0.5)
    assert value.item() == pytest.approx(expected[torch_fn.__name__])


def test_nothing_comparable_is_zero_and_differentiable():
    p = torch.tensor([0.9, 0.2, 0.4, 0.7], requires_grad=True)
    groups, y = torch.tensor([0, 0, 1, 1]), torch.tensor([1, 1, 0, 0])
    value = error_rate_balance(p, groups, y)
    value.backward()
    assert value.item() == 0.0 and torch.equal(p.grad, torch.zeros(4))


def test_gradient_pushes_towards_parity():
    # group 0 predicted higher than group 1: a descent step lowers the disparity
    p = torch.tensor([0.9, 0.8, 0.2, 0.1], requires_grad=True)
    groups = torch.tensor([0, 0, 1, 1])
    demographic_parity(p, groups).backward()
    assert (p.grad[:2] > 0).all() and (p.grad[2:] < 0).all()


@pytest.mark.parametrize("name, fn", [("dp", demographic_parity), ("EO", equalized_odds),
                                      ("error_rate_balance", error_rate_balance)])
def test_get_torch_constraint(name, fn):
    assert get_torch_constraint(name) is fn


def test_get_torch_constraint_unknown():
    with pytest.raises(ValueError, match="constraint='bogus' is unknown"):
        get_torch_constraint("bogus")


def test_float32_and_no_numpy_roundtrip():
    p, groups, y, _ = _data(3)
    value = equalized_odds(p.float(), groups, y)
    assert value.dtype == torch.float32 and value.shape == ()
    assert np.isfinite(value.item())


# ------------------------------------------- one core: numpy and torch agree
class _EqualOpportunity(metrics.ParityConstraint):
    """A constraint defined as one small class (Y=1 only)."""

    name, labels = "equal_opportunity_test", (1,)


_OBJECTS = [metrics.DemographicParityConstraint(), metrics.EqualizedOddsConstraint(),
            metrics.ErrorRateBalanceConstraint(), _EqualOpportunity()]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4), st.booleans())
def test_numpy_and_torch_agree_random(seed, k, hard):
    rng = np.random.RandomState(seed)
    n = rng.randint(4, 50)
    groups = rng.randint(k, size=n)
    groups[:2] = [0, 1]
    y = rng.randint(2, size=n)
    h = (rng.uniform(size=n) > 0.5) * 1.0 if hard else rng.uniform(size=n)
    w = rng.uniform(0, 2, size=n) * (rng.uniform(size=n) > 0.2)  # zero weights: empty cells
    w[0] = 1.0
    for constraint in _OBJECTS:
        fn = get_torch_constraint(constraint)
        for weight in (None, w):
            want = metrics.disparity(y, h, sensitive_features=groups, constraint=constraint,
                                     sample_weight=weight)
            got = fn(torch.tensor(h), torch.tensor(groups), torch.tensor(y),
                     weight=None if weight is None else torch.tensor(weight), n_groups=k)
            assert got.item() == pytest.approx(want, abs=1e-12)


def test_new_constraint_torch_gradcheck_and_name():
    fn = get_torch_constraint(_EqualOpportunity())
    assert fn.__name__ == "equal_opportunity_test"
    p, groups, y, w = _data(1, n=16, k=3)
    p = (0.1 + 0.8 * p).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda q: fn(q, groups, y, weight=w), (p,))


def test_torch_per_column_equals_numpy_columns():
    from skpanda.panda._nn.disparity import _segment_sum

    p, groups, y, w = _data(2, n=40, k=3)
    H = torch.stack([p, 1 - p, (p > 0.5).double()], dim=1).requires_grad_(True)
    for constraint in _OBJECTS[:3]:
        got = constraint.evaluate(H, groups, y.long(), w, n_groups=3, segment_sum=_segment_sum,
                                  per_column=True)
        want = constraint.columns(H.detach().numpy(), groups.numpy(), y.numpy(), w.numpy())
        np.testing.assert_allclose(got.detach().numpy(), want, atol=1e-12)
        got.sum().backward()  # the column-wise path is differentiable too
        assert torch.isfinite(H.grad).all()


@pytest.mark.parametrize("torch_fn, _", PAIRS)
def test_a_batch_of_predictions_equals_one_call_per_row(torch_fn, _):
    from skpanda.panda._nn.disparity import disparities

    p, groups, y, w = _data(4, n=50, k=3)
    P = torch.stack([p, 1 - p, p**2])  # (S, N)
    W = torch.stack([w, w.flip(0), torch.ones_like(w)])
    for weight in (None, w, W):
        P_ = P.clone().requires_grad_(True)
        got = disparities(torch_fn, P_, groups, y, weight=weight, n_groups=3)
        rows = [None if weight is None else weight if weight.dim() == 1 else weight[s]
                for s in range(3)]
        want = torch.stack([torch_fn(P[s], groups, y, weight=rows[s]) for s in range(3)])
        torch.testing.assert_close(got, want)
        got.sum().backward()
        for s in range(3):  # each row's gradient is that of its own call
            q = P[s].clone().requires_grad_(True)
            torch_fn(q, groups, y, weight=rows[s]).backward()
            torch.testing.assert_close(P_.grad[s], q.grad)


def test_disparities_calls_an_unbatched_function_once_per_row():
    from skpanda.panda._nn.disparity import disparities

    calls = []

    def plain(p, groups, y=None, *, weight=None, n_groups=None):
        calls.append(p.shape)
        return demographic_parity(p, groups, weight=weight, n_groups=n_groups)

    p, groups, y, w = _data(5, n=20, k=2)
    P = torch.stack([p, 1 - p])
    got = disparities(plain, P, groups, weight=torch.stack([w, w]))
    assert calls == [(20,), (20,)]
    torch.testing.assert_close(got, demographic_parity(P, groups, weight=w))
