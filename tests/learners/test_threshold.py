"""PoolThresholdClassifier: the bound on the unlabeled rows, fallback, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from skpanda.learners import PoolThresholdClassifier
from skpanda.metrics import demographic_parity


def _data(seed, k=2, n=120, n_pool=600, d=3):
    rng = np.random.RandomState(seed)
    X, g = rng.normal(size=(n, d)), rng.randint(k, size=n)
    y = (X[:, 0] + 0.8 * g + rng.normal(size=n) > 0.8).astype(int)
    y[:2] = [0, 1]
    Xu, gu = rng.normal(size=(n_pool, d)) + 0.3 * rng.randint(k, size=(n_pool, 1)), \
        rng.randint(k, size=n_pool)
    gu[:k] = np.arange(k)
    return X, y, g, Xu, gu


@settings(max_examples=15)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 4),
       rho=st.sampled_from([0.01, 0.03, 0.1]), objective=st.sampled_from(["f1", "accuracy"]))
def test_dp_bound_holds_on_the_unlabeled_rows(seed, k, rho, objective):
    X, y, g, Xu, gu = _data(seed, k=k)
    clf = PoolThresholdClassifier(rho=rho, objective=objective, random_state=0).fit(
        X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    pred = clf.predict(Xu, sensitive_features=gu)  # continuous probabilities: no ties
    assert demographic_parity(None, pred, sensitive_features=gu) <= rho + 1e-9
    assert clf.pool_disparity_ <= rho + 1e-9


@settings(max_examples=6)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 3),
       constraint=st.sampled_from(["equalized_odds", "error_rate_balance"]))
def test_odds_bound_holds_on_the_unlabeled_rows_plug_in(seed, k, constraint):
    X, y, g, Xu, gu = _data(seed, k=k, n_pool=300)
    clf = PoolThresholdClassifier(constraint=constraint, rho=0.1).fit(
        X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert clf.pool_disparity_ <= 0.1 + 1e-9


def test_without_unlabeled_rows_equals_labeled_rows_as_pool():
    X, y, g, _, _ = _data(0)
    a = PoolThresholdClassifier(rho=0.05).fit(X, y, sensitive_features=g)
    b = PoolThresholdClassifier(rho=0.05).fit(
        X, y, sensitive_features=g, X_unlabeled=X, sensitive_features_unlabeled=g)
    np.testing.assert_array_equal(a.thresholds_, b.thresholds_)
    np.testing.assert_array_equal(a.predict(X, sensitive_features=g),
                                  b.predict(X, sensitive_features=g))


def test_pool_gives_tighter_bound_than_labeled_rows_on_the_pool():
    X, y, g, Xu, gu = _data(1, n=60, n_pool=3000)
    pooled = PoolThresholdClassifier(rho=0.02).fit(
        X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert demographic_parity(None, pooled.predict(Xu, sensitive_features=gu),
                              sensitive_features=gu) <= 0.02


def test_groups_only_in_the_pool_are_allowed_and_unknown_groups_at_predict_raise():
    X, y, g, Xu, gu = _data(2)
    gu = np.where(gu == 1, "new", "old")
    clf = PoolThresholdClassifier(rho=0.05).fit(
        X, y, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert clf.groups_.tolist() == ["new", "old"]
    with pytest.raises(ValueError, match="had no rows where the bound was fitted"):
        clf.predict(Xu[:3], sensitive_features=["x", "new", "old"])
    with pytest.raises(ValueError, match="predict needs sensitive_features"):
        clf.predict(Xu[:3])


def test_labeled_group_without_unlabeled_rows_raises():
    X, y, g, Xu, gu = _data(3)
    with pytest.raises(ValueError, match=r"have labeled rows but no unlabeled rows"):
        PoolThresholdClassifier().fit(X, y, sensitive_features=g, X_unlabeled=Xu,
                                      sensitive_features_unlabeled=np.zeros(len(Xu), int))


@pytest.mark.parametrize("rho", [0, 1, -0.1, 1.5, True, "0.1"])
def test_bad_rho(rho):
    X, y, g, _, _ = _data(4)
    with pytest.raises(ValueError, match="rho=.* strictly between 0 and 1"):
        PoolThresholdClassifier(rho=rho).fit(X, y, sensitive_features=g)


def test_bad_unlabeled_inputs():
    X, y, g, Xu, gu = _data(5)
    with pytest.raises(ValueError, match="X_unlabeled has 2 columns but X has 3"):
        PoolThresholdClassifier().fit(X, y, sensitive_features=g, X_unlabeled=Xu[:, :2],
                                      sensitive_features_unlabeled=gu)
    with pytest.raises(ValueError, match="sensitive_features_unlabeled is required"):
        PoolThresholdClassifier().fit(X, y, sensitive_features=g, X_unlabeled=Xu)
    with pytest.raises(ValueError, match="sensitive_features_unlabeled has 5 entries"):
        PoolThresholdClassifier().fit(X, y, sensitive_features=g, X_unlabeled=Xu,
                                      sensitive_features_unlabeled=gu[:5])
    with pytest.raises(ValueError, match="objective='auc'"):
        PoolThresholdClassifier(objective="auc").fit(X, y, sensitive_features=g)


def test_bound_met_only_by_a_constant_classifier_warns_with_its_cost():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0, 0, 1, 1])
    with pytest.warns(UserWarning, match=r"only by a constant classifier.*costs 0\.\d+ plug-in f1"):
        clf = PoolThresholdClassifier(rho=0.1).fit(
            X, y, X_unlabeled=np.array([[-1.5], [1.5]]), sensitive_features=[0, 0, 1, 1],
            sensitive_features_unlabeled=[0, 1])
    assert clf.pool_objective_ < clf.unconstrained_objective_


def test_model_without_predict_proba_is_calibrated():
    X, y, g, Xu, gu = _data(6)
    clf = PoolThresholdClassifier(LinearSVC(), constraint="eo", rho=0.1).fit(
        X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert type(clf.estimator_).__name__ == "CalibratedClassifierCV"
    with pytest.raises(TypeError, match="has no predict_proba"):
        PoolThresholdClassifier(LinearSVC(), calibration=None).fit(X, y)


def test_ties_are_split_with_a_seeded_coin():
    rng = np.random.RandomState(0)
    X = np.repeat(rng.normal(size=(6, 2)), 20, axis=0)  # 20 identical copies per row
    y = (X[:, 0] > 0).astype(int)
    g = np.tile([0, 1], 60)
    clf = PoolThresholdClassifier(LogisticRegression(), rho=0.02, random_state=0).fit(
        X, y, sensitive_features=g)
    pred = clf.predict(X, sensitive_features=g)
    np.testing.assert_array_equal(pred, clf.predict(X, sensitive_features=g))
    h = clf.predict_proba(X, sensitive_features=g)[:, 1]
    assert demographic_parity(None, h, sensitive_features=g) <= 0.02 + 1e-9
