"""PANDA's budget contract and the fixed ``target`` of its ``score``."""

import warnings

import numpy as np
import pytest

from skpanda.datasets import make_biased_classification
from skpanda.metrics import disparity, penalised_score
from skpanda.panda import PandaQuerySelector

TINY = dict(budget=20, n_iter=4, d_model=8, n_heads=2, n_inducing=4, n_memory=4,
            inner_steps=3, n_samples=2, device="cpu", random_state=0)


@pytest.fixture(scope="module")
def fitted():
    X, y, g = make_biased_classification(700, 6, random_state=0, return_X_y=True)
    sel = PandaQuerySelector(**TINY).fit(X[:400], y[:400], sensitive_features=g[:400])
    return sel, X[400:], y[400:], g[400:]


def test_smaller_budget_is_a_silent_prefix(fitted):
    sel, X, _, _ = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        full, part = sel.select(X), sel.select(X, budget=7)
    np.testing.assert_array_equal(part, full[:7])


def test_larger_budget_works_but_warns(fitted):
    sel, X, _, _ = fitted
    with pytest.warns(UserWarning, match="budget=20 this policy was meta-trained for"):
        chosen = sel.select(X, budget=50)
    assert np.unique(chosen).size == 50


def test_score_uses_target_not_rho(fitted):
    sel, X, y, g = fitted
    y_val, y_hat, g_val = sel.simulate_selection(X, y, sensitive_features=g)
    from sklearn.metrics import f1_score

    f1 = f1_score(y_val, y_hat, zero_division=0.0)
    delta = disparity(y_val, y_hat, sensitive_features=g_val, constraint="demographic_parity")
    for rho, target in [(0.04, None), (0.5, 0.01), (0.001, 0.9)]:
        sel.set_params(rho=rho, target=target)
        expected = penalised_score(f1, delta, rho if target is None else target)
        assert sel.score(X, y, sensitive_features=g) == pytest.approx(expected)
    sel.set_params(rho=0.04, target=-1)
    with pytest.raises(ValueError, match="target=-1 must be a positive number"):
        sel.score(X, y, sensitive_features=g)
    sel.set_params(target=None)
