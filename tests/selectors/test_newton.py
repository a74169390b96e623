"""Pieces of FAL's one-row refit solvers: elementwise functions, steps, step lengths."""

import numpy as np
import pytest
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from skpanda.selectors._logistic_ops import loss_sums, rowdot, sigmoid, softplus
from skpanda.selectors._newton import (
    _base_fit,
    _chord_direction,
    _gradients,
    _penalty,
    _take_steps,
    _values,
    refit_with_one_row,
    with_intercept,
)
from skpanda.selectors._newton_span import _span_line_search
from skpanda.selectors._utils import predict_positive_proba


def _problem(n, d, m, seed=0, scale=3.0):
    """A fitted base problem and ``m`` extra rows (with intercept columns)."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + rng.normal(scale=0.8, size=n) > 0).astype(float)
    y[:2] = [0, 1]
    base = LogisticRegression().fit(X, y)
    w0 = np.r_[base.coef_.ravel(), base.intercept_]
    xn = with_intercept(rng.normal(size=(m, d)) * scale, True)
    yn = rng.randint(0, 2, m).astype(float)
    return with_intercept(X, True), y, w0, xn, yn, _penalty(d + 1, 1.0, True)


def _sklearn_refit(X, y, xn, yn):
    ref = LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=1000)
    ref.fit(np.vstack([X[:, :-1], xn[:-1]]), np.r_[y, yn])
    return np.r_[ref.coef_.ravel(), ref.intercept_]


def test_sigmoid_softplus_and_loss_sums_match_scipy_without_overflow():
    rng = np.random.RandomState(0)
    z = np.r_[np.linspace(-800, 800, 4001), rng.normal(scale=20, size=999)]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s, f = sigmoid(z), softplus(z)
    np.testing.assert_allclose(s, expit(z), rtol=0, atol=4e-16)
    np.testing.assert_allclose(f, np.logaddexp(0.0, z), rtol=1e-15, atol=0)
    Z, y = z.reshape(5, 1000), rng.randint(0, 2, 1000).astype(float)
    np.testing.assert_allclose(loss_sums(Z, y), (np.logaddexp(0.0, Z) - y * Z).sum(1),
                               rtol=1e-13)


def test_chord_direction_is_the_sherman_morrison_solve():
    X, y, w0, xn, yn, lam = _problem(200, 5, 6)
    _, _, _, Hinv = _base_fit(X, y, w0, lam)
    rng = np.random.RandomState(1)
    G, sn = rng.normal(size=xn.shape), rng.uniform(0.01, 0.25, xn.shape[0])
    U = xn @ Hinv
    D = _chord_direction(Hinv, G, xn, U, rowdot(xn, U), sn)
    H0 = np.linalg.inv(Hinv)
    for j in range(xn.shape[0]):
        direct = -np.linalg.solve(H0 + sn[j] * np.outer(xn[j], xn[j]), G[j])
        np.testing.assert_allclose(D[j], direct, rtol=1e-9, atol=1e-12)


def test_take_steps_backtracks_only_where_the_full_step_does_not_halve_the_gradient():
    X, y, w0, xn, yn, lam = _problem(200, 5, 2)
    _, _, _, Hinv = _base_fit(X, y, w0, lam)
    W = np.tile(w0, (2, 1))
    Z, zn = W @ X.T, rowdot(xn, W)
    G, pn = _gradients(X, y, W, Z, zn, xn, yn, lam)
    U = xn @ Hinv
    D = _chord_direction(Hinv, G, xn, U, rowdot(xn, U), pn * (1 - pn))
    D[1] *= 40.0                                       # the second problem overshoots
    W1, Z1, zn1, G1, p1 = _take_steps(X, y, W, Z, zn, G, np.abs(G).max(1), D,
                                      xn, yn, lam)
    np.testing.assert_array_equal(W1[0], W[0] + D[0])  # full step, no objective value needed
    t = (W1[1] - W[1]) / D[1]
    assert 0 < t[0] < 1 and np.allclose(t, t[0])       # a shorter step along D
    f0, f1 = _values(Z, y, W, zn, yn, lam), _values(Z1, y, W1, zn1, yn, lam)
    assert f1[1] < f0[1]
    np.testing.assert_allclose(Z1, W1 @ X.T, atol=1e-12)
    np.testing.assert_allclose(zn1, rowdot(xn, W1), atol=1e-12)
    G_ref, p_ref = _gradients(X, y, W1, W1 @ X.T, rowdot(xn, W1), xn, yn, lam)
    np.testing.assert_allclose(G1, G_ref, atol=1e-10)
    np.testing.assert_allclose(p1, p_ref, atol=1e-15)


def test_span_line_search_shortens_only_overlong_steps():
    rng = np.random.RandomState(2)
    m, n1, lam = 3, 4, 1.0
    A = rng.normal(size=(m, n1, 6))
    K = A @ A.transpose(0, 2, 1)
    a, b = rng.normal(scale=0.3, size=(m, n1)), rng.normal(size=m)
    Y = rng.randint(0, 2, (m, n1)).astype(float)
    z = np.einsum("mij,mj->mi", K, a) + b[:, None]
    r = expit(z) - Y
    da, db = -(r + lam * a), -r.sum(1)                 # steepest descent in (a, b)
    da *= np.array([[1e-3], [1e-3], [50.0]])           # the last one far too long
    db *= np.array([1e-3, 1e-3, 50.0])
    Kd = np.einsum("mij,mj->mi", K, da)
    slope = rowdot(r + lam * a, Kd) + r.sum(1) * db
    t = _span_line_search(z, a, b, Y, Kd + db[:, None], da, db, slope, lam)
    assert t[0] == t[1] == 1.0 and 0 < t[2] < 1

    def value(a, b):
        zz = np.einsum("mij,mj->mi", K, a) + b[:, None]
        return (np.logaddexp(0, zz) - Y * zz).sum(1) + 0.5 * lam * rowdot(a, zz - b[:, None])

    assert np.all(value(a + t[:, None] * da, b + t * db) < value(a, b))


@pytest.mark.parametrize("n, d", [(150, 4), (3, 12)])  # feature-space and span-of-rows paths
def test_far_extra_rows_still_reach_sklearn_coef(n, d):
    X, y, w0, xn, yn, _ = _problem(n, d, 4, seed=3, scale=40.0)
    W = refit_with_one_row(X, y, w0, xn, yn, C=1.0, fit_intercept=True)
    for j in range(xn.shape[0]):
        np.testing.assert_allclose(W[j], _sklearn_refit(X, y, xn[j], yn[j]), atol=1e-6)


def test_predict_positive_proba_of_logistic_regression_equals_sklearn_bit_for_bit():
    rng = np.random.RandomState(4)
    for fit_intercept in (True, False):
        X = rng.normal(size=(300, 6)) * rng.uniform(0.1, 30, 6)
        y = (X[:, 0] + rng.normal(size=300) > 0).astype(int)
        est = LogisticRegression(C=0.3, fit_intercept=fit_intercept).fit(X, y)
        Xq = rng.normal(size=(500, 6)) * 20
        np.testing.assert_array_equal(predict_positive_proba(est, Xq),
                                      est.predict_proba(Xq)[:, 1])
