"""fit_selected hands the whole pool to a pool-aware learner (skpanda.learners)."""

import numpy as np
import pytest

from skpanda.learners import PoolThresholdClassifier
from skpanda.metrics import demographic_parity
from skpanda.selectors import RandomQuerySelector


def _data(seed=0):
    rng = np.random.RandomState(seed)
    X, g = rng.normal(size=(100, 3)), rng.randint(2, size=100)
    y = (X[:, 0] + g + rng.normal(size=100) > 0.8).astype(int)
    Xp, gp = rng.normal(size=(800, 3)), rng.randint(2, size=800)
    yp = (Xp[:, 0] + gp + rng.normal(size=800) > 0.8).astype(int)
    return X, y, g, Xp, yp, gp


def test_select_then_fit_selected_enforces_the_bound_on_the_pool():
    X, y, g, Xp, yp, gp = _data()
    sel = RandomQuerySelector(estimator=PoolThresholdClassifier(rho=0.02), budget=60,
                              random_state=0).fit(X, y, sensitive_features=g)
    positions = sel.select(Xp, sensitive_features=gp)
    model = sel.fit_selected(Xp, yp, positions=positions, sensitive_features=gp)
    assert model[-1].groups_.tolist() == ["0", "1"]
    pred = model.predict(Xp, sensitive_features=gp)
    assert demographic_parity(None, pred, sensitive_features=gp) <= 0.02 + 1e-9


def test_fit_selected_without_pool_groups_raises():
    X, y, g, Xp, yp, gp = _data(1)
    sel = RandomQuerySelector(estimator=PoolThresholdClassifier(), budget=30,
                              random_state=0).fit(X, y, sensitive_features=g)
    positions = sel.select(Xp)
    with pytest.raises(ValueError, match="fit_selected needs sensitive_features="):
        sel.fit_selected(Xp, yp, positions=positions)
