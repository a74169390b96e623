"""Tests of the inner learners of ACTIVELEARNSIM (skpanda.panda._nn.learners)."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from skpanda.panda._nn.disparity import demographic_parity
from skpanda.panda._nn.learners import (
    LogisticLearner, ParityPenalisedLearner, PoolPenalisedLearner, SGDLearner,
    inner_learner_for, predict_logits,
)

_LEARNER_KEYS = ("n_steps", "l2", "lr", "unroll", "penalty", "constraint_fn", "n_groups")


def activelearn_sim(Z, y, w, *, init, groups=None, **kw):
    """The logistic learners' fit with the pre-interface keyword arguments."""
    cls = ParityPenalisedLearner if "penalty" in kw else LogisticLearner
    return cls(**kw).fit(Z, y, w, init=init, groups=groups)


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


def _biased(n=200, seed=0):
    # the label depends on the group, so a plain fit has a large parity gap
    rng = np.random.RandomState(seed)
    g = (rng.rand(n) < 0.4).astype(int)
    X = np.c_[rng.normal(size=n) + 1.5 * g, rng.normal(size=n)]
    y = (X[:, 0] + rng.normal(size=n) > 0.8).astype(float)
    return torch.tensor(X), torch.tensor(y), torch.tensor(g)


def _penalised(Z, y, g, w, mu, **kw):
    return activelearn_sim(Z, y, w, init=torch.zeros(Z.shape[1] + 1, dtype=torch.float64),
                           n_steps=kw.pop("n_steps", 30), groups=g, penalty=mu,
                           constraint_fn=demographic_parity, n_groups=2, **kw)


def test_parity_penalty_lowers_the_disparity_on_the_selected_rows():
    Z, y, g = _biased()
    w = torch.ones(200, dtype=torch.float64)
    gaps = [float(demographic_parity(torch.sigmoid(predict_logits(Z, _penalised(Z, y, g, w, mu))),
                                     g)) for mu in (0.0, 1.0, 10.0, 100.0)]
    assert gaps[0] > 0.2 and all(a > b for a, b in zip(gaps, gaps[1:])) and gaps[-1] < 0.03
    plain = activelearn_sim(Z, y, w, init=torch.zeros(3, dtype=torch.float64), n_steps=30)
    torch.testing.assert_close(_penalised(Z, y, g, w, 0.0), plain)


def test_parity_penalised_fit_is_a_stationary_point_of_its_objective():
    Z, y, g = _biased(seed=1)
    w = torch.rand(200, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    mu = 10.0
    theta = _penalised(Z, y, g, w, mu, n_steps=60).requires_grad_(True)
    z = predict_logits(Z, theta)
    gap = demographic_parity(torch.sigmoid(z), g, weight=w, n_groups=2)
    J = ((w * torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none")).sum()
         + 0.5 * (theta[:-1] ** 2).sum() + 0.5 * mu * w.sum() * gap ** 2)
    (grad,) = torch.autograd.grad(J, theta)
    assert float(grad.abs().max()) < 1e-6


def test_parity_penalised_gradient_wrt_weights_is_close_to_finite_differences():
    # the last Newton step uses Gauss-Newton curvature for the penalty, so the
    # gradient is close to (not exactly) the implicit-function gradient
    Z, y, g = _biased(60, seed=2)
    w = torch.rand(60, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    Zv, yv, _ = _biased(40, seed=3)

    def val_loss(weights):
        z = predict_logits(Zv, _penalised(Z, y, g, weights, 5.0, n_steps=60))
        return torch.nn.functional.binary_cross_entropy_with_logits(z, yv)

    wr = w.clone().requires_grad_(True)
    (analytic,) = torch.autograd.grad(val_loss(wr), wr)
    eps, numeric = 1e-6, torch.zeros(60, dtype=torch.float64)
    for i in range(60):
        e = torch.zeros(60, dtype=torch.float64)
        e[i] = eps
        numeric[i] = (val_loss(w + e) - val_loss(w - e)) / (2 * eps)
    cosine = torch.nn.functional.cosine_similarity(analytic, numeric, dim=0)
    assert float(cosine) > 0.95


def test_parity_penalty_needs_groups_and_a_disparity():
    Z, y, _ = _biased(20)
    with pytest.raises(ValueError, match="groups and constraint_fn"):
        activelearn_sim(Z, y, torch.ones(20, dtype=torch.float64),
                        init=torch.zeros(3, dtype=torch.float64), penalty=1.0)


# ----------------------------------------------------------------- new learners
def _fd_check(fit, n=40, seed=0):
    """gradcheck of a validation loss through ``fit(weights)`` (float64)."""
    Zv, yv = _data(30, 3, seed=5)
    w = torch.rand(n, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))

    def val_loss(weights):
        z = predict_logits(Zv, fit(weights))
        return torch.nn.functional.binary_cross_entropy_with_logits(z, yv)

    return torch.autograd.gradcheck(val_loss, (w.requires_grad_(True),), eps=1e-6, atol=1e-5)


def test_sgd_learner_matches_a_hand_written_numpy_loop():
    Z, y = _data(50, 3)
    w = np.random.RandomState(0).rand(50)
    init = np.array([0.1, -0.2, 0.3, 0.05])
    learner = SGDLearner(epochs=4, eta0=0.05, alpha=0.01, steps_per_epoch=2)
    theta = learner.fit(Z, y, torch.tensor(w), init=torch.tensor(init)).numpy()
    X1, yy, ref = np.c_[Z.numpy(), np.ones(50)], y.numpy(), init.copy()
    for _ in range(8):
        p = 1 / (1 + np.exp(-X1 @ ref))
        grad = X1.T @ (w * (p - yy))
        grad[:-1] += 0.01 * w.sum() * ref[:-1]
        ref = ref - 0.05 / 2 * grad
    np.testing.assert_allclose(theta, ref, rtol=1e-10)


def test_sgd_learner_gradient_wrt_weights_matches_finite_differences():
    Z, y = _data(40, 3)
    learner = SGDLearner(epochs=5, eta0=0.02, alpha=1e-3)
    assert _fd_check(lambda w: learner.fit(Z, y, w, init=torch.zeros(4, dtype=torch.float64)))


def test_logistic_learner_gradient_matches_finite_differences_through_the_interface():
    Z, y = _data(40, 3)
    learner = LogisticLearner(n_steps=15)
    assert _fd_check(lambda w: learner.fit(Z, y, w, init=torch.zeros(4, dtype=torch.float64)))


def test_pool_penalised_gradient_wrt_weights_matches_finite_differences():
    Z, y, g = _biased(40, seed=4)
    learner = PoolPenalisedLearner(n_steps=40, penalty=5.0, constraint_fn=demographic_parity)
    init = torch.zeros(3, dtype=torch.float64)
    Zv, yv, _ = _biased(30, seed=5)
    w = torch.rand(40, dtype=torch.float64, generator=torch.Generator().manual_seed(0))

    def val_loss(weights):
        z = predict_logits(Zv, learner.fit(Z, y, weights, init=init, groups=g))
        return torch.nn.functional.binary_cross_entropy_with_logits(z, yv)

    # the pool penalty does not depend on w (but for sum(w)): Gauss-Newton curvature
    # makes the unrolled step close to the implicit gradient
    wr = w.clone().requires_grad_(True)
    (analytic,) = torch.autograd.grad(val_loss(wr), wr)
    eps, numeric = 1e-6, torch.zeros(40, dtype=torch.float64)
    for i in range(40):
        e = torch.zeros(40, dtype=torch.float64)
        e[i] = eps
        numeric[i] = (val_loss(w + e) - val_loss(w - e)) / (2 * eps)
    assert float(torch.nn.functional.cosine_similarity(analytic, numeric, dim=0)) > 0.95


@pytest.mark.parametrize("cls", [ParityPenalisedLearner, PoolPenalisedLearner])
def test_zero_penalty_equals_the_plain_logistic_learner(cls):
    Z, y, g = _biased(80)
    w = torch.rand(2, 80, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    init = torch.zeros(3, dtype=torch.float64)
    plain = LogisticLearner(n_steps=10).fit(Z, y, w, init=init)
    pen = cls(n_steps=10, penalty=0.0, constraint_fn=demographic_parity).fit(
        Z, y, w, init=init, groups=g)
    torch.testing.assert_close(pen, plain, rtol=0, atol=0)


def test_pool_penalty_lowers_the_disparity_on_the_whole_pool():
    Z, y, g = _biased(300, seed=6)
    w = torch.zeros(300, dtype=torch.float64)
    w[:60] = 1.0  # sixty selected rows, the pool is all 300
    init = torch.zeros(3, dtype=torch.float64)
    gaps = []
    for mu in (0.0, 10.0, 100.0):
        theta = PoolPenalisedLearner(n_steps=30, penalty=mu, constraint_fn=demographic_parity
                                     ).fit(Z, y, w, init=init, groups=g)
        gaps.append(float(demographic_parity(torch.sigmoid(predict_logits(Z, theta)), g)))
    assert gaps[0] > gaps[1] > gaps[2]


def test_pool_penalty_for_dp_ignores_the_labels_of_unselected_rows():
    Z, y, g = _biased(100, seed=7)
    w = torch.zeros(100, dtype=torch.float64)
    w[:40] = 1.0
    y2 = y.clone()
    y2[40:] = 1.0 - y2[40:]
    learner = PoolPenalisedLearner(n_steps=20, penalty=10.0, constraint_fn=demographic_parity)
    init = torch.zeros(3, dtype=torch.float64)
    torch.testing.assert_close(learner.fit(Z, y, w, init=init, groups=g),
                               learner.fit(Z, y2, w, init=init, groups=g))


def test_inner_learner_for_maps_downstream_estimators():
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient
    from sklearn.linear_model import SGDClassifier

    class PoolAware:
        def fit(self, X, y, *, sensitive_features=None, X_unlabeled=None):
            return self

    kw = dict(constraint_fn=demographic_parity, n_groups=2)
    assert inner_learner_for(None, penalty=0.0, **kw) == LogisticLearner(l2=1.0)
    assert inner_learner_for(LogisticRegression(C=0.25), penalty=0.0, **kw).l2 == 4.0
    eg = ExponentiatedGradient(LogisticRegression(C=0.5), DemographicParity())
    fair = inner_learner_for(eg, penalty=30.0, n_steps=6, **kw)
    assert type(fair) is ParityPenalisedLearner and (fair.l2, fair.n_steps) == (2.0, 6)
    assert type(inner_learner_for(PoolAware(), penalty=30.0, **kw)) is PoolPenalisedLearner
    assert type(inner_learner_for(eg, penalty=0.0, **kw)) is LogisticLearner
    sgd = inner_learner_for(SGDClassifier(eta0=0.05, max_iter=7, alpha=1e-3), **kw)
    assert sgd == SGDLearner(epochs=7, eta0=0.05, alpha=1e-3)


def test_evaluation_variant_of_the_logistic_learner_runs_more_steps_without_unroll():
    assert LogisticLearner(n_steps=6).for_evaluation() == LogisticLearner(n_steps=10, unroll=0)
    assert SGDLearner().for_evaluation() == SGDLearner()
