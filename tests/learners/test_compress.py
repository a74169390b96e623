"""Pool compression of PoolExponentiatedGradient's best responses."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from skpanda.learners import PoolExponentiatedGradient
from skpanda.learners._compress import compress_pool
from skpanda.metrics import demographic_parity

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning",
                                        "ignore:.*Setting a value on a Series.*")


def _fit(X, y, g, Xu, gu, **params):
    return PoolExponentiatedGradient(rho=0.05, random_state=0, **params).fit(
        X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)


def test_clusters_never_mix_groups_and_inertia_is_the_kmeans_objective(pool_problem):
    X, _, _, Xu, gu = pool_problem(0, k=3, n_pool=600)
    assign, centers, inertia = compress_pool(Xu, gu, 10, random_state=0)
    assert centers.shape[0] <= 30
    for c in np.unique(assign):
        assert np.unique(gu[assign == c]).size == 1
        np.testing.assert_allclose(centers[c], Xu[assign == c].mean(0))
    np.testing.assert_allclose(inertia, ((Xu - centers[assign]) ** 2).sum())


def test_compression_to_every_row_matches_the_exact_fit(pool_problem):
    X, y, g, Xu, gu = pool_problem(1, n_pool=600)
    exact = _fit(X, y, g, Xu, gu, pool_compression=None)
    whole = _fit(X, y, g, Xu, gu, pool_compression=Xu.shape[0])
    assert whole.compression_inertia_ == 0.0
    diff = np.abs(exact.predict_proba(Xu)[:, 1] - whole.predict_proba(Xu)[:, 1])
    assert diff.mean() < 0.02  # same problem; liblinear's row order may differ


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 4), m=st.sampled_from([4, 16]))
def test_bound_holds_on_the_pool_with_a_coarse_compression(pool_problem, seed, k, m):
    X, y, g, Xu, gu = pool_problem(seed, k=k, n_pool=600)
    clf = _fit(X, y, g, Xu, gu, pool_compression=m)
    assert clf.compression_inertia_ > 0
    h = clf.predict_proba(Xu)[:, 1]
    # the moment is exact on every pool row: fairlearn's eps (0.01) plus solver slack
    assert demographic_parity(None, h, sensitive_features=gu) <= 0.05 + 0.02


def test_fitted_predictors_are_plain_learners(pool_problem):
    X, y, g, Xu, gu = pool_problem(2, n_pool=600)
    clf = _fit(X, y, g, Xu, gu, pool_compression=8)
    kinds = {type(h).__name__ for h in clf.eg_.predictors_}
    assert kinds <= {"LogisticRegression", "DummyClassifier"}
    assert any(isinstance(h, LogisticRegression) for h in clf.eg_.predictors_)


@pytest.mark.parametrize("value", [0, -3, 2.5, True, "all"])
def test_bad_pool_compression(pool_problem, value):
    X, y, g, Xu, gu = pool_problem(3, n_pool=600)
    with pytest.raises(ValueError, match="pool_compression=.* must be a positive int"):
        _fit(X, y, g, Xu, gu, pool_compression=value)
