"""scikit-learn's common checks and metadata routing for the pool-aware learners."""

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skpanda.learners import PoolExponentiatedGradient, PoolThresholdClassifier

# {check_name: reason}; anything not listed must pass.
EXPECTED_FAILED = {
    "PoolThresholdClassifier": {},
    "PoolExponentiatedGradient": {},
}


@pytest.mark.filterwarnings("ignore:.*one group.*:UserWarning",
                            "ignore::FutureWarning", "ignore::DeprecationWarning",
                            "ignore:.*Setting a value on a Series.*")
@parametrize_with_checks(
    [PoolThresholdClassifier(random_state=0), PoolExponentiatedGradient(random_state=0, max_iter=5)],
    expected_failed_checks=lambda est: EXPECTED_FAILED[type(est).__name__],
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _data(n=120, n_pool=300, seed=0):
    rng = np.random.RandomState(seed)
    X, g = rng.normal(size=(n, 3)), rng.randint(2, size=n)
    y = (X[:, 0] + g + rng.normal(size=n) > 0.8).astype(int)
    return X, y, g, rng.normal(size=(n_pool, 3)), rng.randint(2, size=n_pool)


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


@pytest.mark.usefixtures("routing")
def test_pipeline_routes_pool_and_groups():
    X, y, g, Xu, gu = _data()
    pipe = make_pipeline(StandardScaler(), PoolThresholdClassifier(rho=0.05))
    pipe.fit(X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    # The pool reaches the last step as given: Pipeline does not transform metadata,
    # so pass X_unlabeled already in the final step's feature space (here: scaled
    # rows differ from raw ones; the selectors pass their encoded pool).
    assert pipe[-1].groups_.tolist() == ["0", "1"]
    pred = pipe.predict(X, sensitive_features=g)
    assert pred.shape == y.shape
    assert 0 <= pipe.score(X, y, sensitive_features=g) <= 1


@pytest.mark.usefixtures("routing")
@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore:.*Setting a value on a Series.*")
def test_gridsearch_passes_a_pool_of_another_length_whole():
    X, y, g, Xu, gu = _data()
    search = GridSearchCV(PoolThresholdClassifier(), {"rho": [0.02, 0.1]}, cv=3)
    search.fit(X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert search.best_estimator_.pool_disparity_ <= search.best_params_["rho"] + 1e-9
    eg = GridSearchCV(PoolExponentiatedGradient(max_iter=5), {"rho": [0.05]}, cv=2)
    eg.fit(X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert eg.best_estimator_.pool_rows_used_


@pytest.mark.usefixtures("routing")
def test_gridsearch_slices_a_pool_as_long_as_X():
    # Documented trap: sklearn slices every metadata array whose length equals
    # n_samples, so a pool with exactly as many rows as X is cut per fold.
    X, y, g, _, _ = _data(n=90)
    Xu, gu = np.random.RandomState(1).normal(size=(90, 3)), np.tile([0, 1], 45)
    seen = []

    class Spy(PoolThresholdClassifier):
        def fit(self, X, y, *, sensitive_features=None, X_unlabeled=None,
                sensitive_features_unlabeled=None):
            seen.append(X_unlabeled.shape[0])
            return super().fit(X, y, sensitive_features=sensitive_features,
                               X_unlabeled=X_unlabeled,
                               sensitive_features_unlabeled=sensitive_features_unlabeled)

    GridSearchCV(Spy(), {"rho": [0.1]}, cv=3, refit=False).fit(
        X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert seen == [60, 60, 60]
