"""Shared data of the pool-aware learner tests."""

import numpy as np
import pytest


def _pool_problem(seed, k=2, n=150, n_pool=400):
    """Labeled rows ``X, y, g`` and unlabeled rows ``Xu, gu`` whose feature 1 shifts with the group."""
    rng = np.random.RandomState(seed)
    X, g = rng.normal(size=(n, 3)), rng.randint(k, size=n)
    X[:, 1] += g
    y = (X[:, 0] + X[:, 1] + rng.normal(size=n) > 1).astype(int)
    gu = rng.randint(k, size=n_pool)
    Xu = rng.normal(size=(n_pool, 3))
    Xu[:, 1] += gu
    return X, y, g, Xu, gu


@pytest.fixture(scope="session")
def pool_problem():
    """``pool_problem(seed, k=2, n=150, n_pool=400) -> (X, y, g, Xu, gu)``."""
    return _pool_problem
