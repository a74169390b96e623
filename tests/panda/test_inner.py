"""Tests of ACTIVELEARNSIM, the differentiable inner learner."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from skpanda.panda._nn.inner import activelearn_sim, predict_logits


def _data(n=60, d=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] - X[:, 1] + rng.normal(size=n) > 0).astype(float)
    return torch.tensor(X), torch.tensor(y)


def test_hand_computed_symmetric_case():
    # symmetric data: intercept 0, slope solves sum w (p - y) x + l2 * beta = 0
    Z = torch.tensor([[-2.0], [-1.0], [1.0], [2.0]], dtype=torch.float64)
    y = torch.tensor([0.0, 0.0, 1.0, 1.0], dtype=torch.float64)
    theta = activelearn_sim(Z, y, torch.ones(4, dtype=torch.float64),
                            init=torch.zeros(2, dtype=torch.float64), n_steps=20)
    beta = theta[0]
    p1, p2 = torch.sigmoid(beta), torch.sigmoid(2 * beta)
    grad = 2 * (2 * (p2 - 1) + 1 * (p1 - 1)) + beta  # stationarity of J
    assert abs(float(grad)) < 1e-10
    assert abs(float(theta[1])) < 1e-10


@pytest.mark.parametrize("C", [1.0, 0.1])
def test_matches_sklearn_logistic_regression_with_sample_weight(C):
    Z, y = _data(200, 6)
    w = torch.tensor(np.random.RandomState(1).rand(200))
    theta = activelearn_sim(Z, y, w, init=torch.zeros(7, dtype=torch.float64), n_steps=12,
                            l2=1.0 / C)
    ref = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(
        Z.numpy(), y.numpy(), sample_weight=w.numpy())
    np.testing.assert_allclose(theta[:-1].numpy(), ref.coef_[0], atol=1e-6)
    np.testing.assert_allclose(theta[-1].item(), ref.intercept_[0], atol=1e-6)


def test_hard_weights_equal_training_on_the_selected_rows():
    Z, y = _data(80)
    mask = torch.zeros(80, dtype=torch.float64)
    mask[:30] = 1.0
    full = activelearn_sim(Z, y, mask, init=torch.zeros(5, dtype=torch.float64), n_steps=12)
    sub = activelearn_sim(Z[:30], y[:30], torch.ones(30, dtype=torch.float64),
                          init=torch.zeros(5, dtype=torch.float64), n_steps=12)
    torch.testing.assert_close(full, sub)


def test_batched_weights_give_one_classifier_per_sample():
    Z, y = _data()
    w = torch.rand(3, 60, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    init = torch.zeros(5, dtype=torch.float64)
    batched = activelearn_sim(Z, y, w, init=init)
    assert batched.shape == (3, 5)
    torch.testing.assert_close(batched[1], activelearn_sim(Z, y, w[1], init=init))
    assert predict_logits(Z, batched).shape == (3, 60)


def test_gradient_wrt_weights_matches_finite_differences():
    Z, y = _data(40, 3)
    w = torch.rand(40, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    w.requires_grad_(True)
    Zv, yv = _data(30, 3, seed=5)

    def val_loss(weights):
        theta = activelearn_sim(Z, y, weights, init=torch.zeros(4, dtype=torch.float64),
                                n_steps=15, unroll=1)
        z = predict_logits(Zv, theta)
        return torch.nn.functional.binary_cross_entropy_with_logits(z, yv)

    # one differentiable Newton step at the optimum = implicit-function gradient
    assert torch.autograd.gradcheck(val_loss, (w,), eps=1e-6, atol=1e-5)


def test_fully_unrolled_and_implicit_gradients_agree():
    Z, y = _data(40, 3)
    w = torch.rand(40, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    grads = []
    for unroll in (1, 15):
        wr = w.clone().requires_grad_(True)
        theta = activelearn_sim(Z, y, wr, init=torch.zeros(4, dtype=torch.float64),
                                n_steps=15, unroll=unroll)
        theta.sum().backward()
        grads.append(wr.grad)
    torch.testing.assert_close(grads[0], grads[1])
