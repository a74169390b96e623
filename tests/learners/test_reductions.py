"""PoolExponentiatedGradient: the DP moment on unlabeled rows, fallback, predict."""

import numpy as np
import pytest
from fairlearn.reductions import DemographicParity, ExponentiatedGradient
from sklearn.linear_model import LogisticRegression

from skpanda.learners import PoolExponentiatedGradient
from skpanda.metrics import demographic_parity

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning",
                                        "ignore:.*Setting a value on a Series.*")


def test_without_unlabeled_rows_equals_fairlearn_on_the_labeled_rows(pool_problem):
    X, y, g, _, _ = pool_problem(0)
    ours = PoolExponentiatedGradient(rho=0.05, random_state=0).fit(X, y, sensitive_features=g)
    ref = ExponentiatedGradient(LogisticRegression(solver="liblinear"),
                                DemographicParity(difference_bound=0.05)).fit(
        X, y, sensitive_features=g)
    np.testing.assert_allclose(ours.predict_proba(X)[:, 1], ref._pmf_predict(X)[:, 1])
    assert not ours.pool_rows_used_


@pytest.mark.parametrize("k", [2, 3])
def test_dp_moment_is_measured_on_the_unlabeled_rows(pool_problem, k):
    X, y, g, Xu, gu = pool_problem(1, k=k)
    clf = PoolExponentiatedGradient(rho=0.05, random_state=0).fit(
        X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert clf.pool_rows_used_
    h = clf.predict_proba(Xu)[:, 1]
    # fairlearn's solution meets the bound up to its eps (0.01) plus solver slack
    assert demographic_parity(None, h, sensitive_features=gu) <= 0.05 + 0.02
    unconstrained = LogisticRegression(solver="liblinear").fit(X, y).predict(Xu)
    assert demographic_parity(None, h, sensitive_features=gu) < \
        demographic_parity(None, unconstrained, sensitive_features=gu)


def test_predict_is_seeded_and_follows_predict_proba(pool_problem):
    X, y, g, Xu, gu = pool_problem(2)
    clf = PoolExponentiatedGradient(rho=0.05, random_state=3).fit(
        X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    proba = clf.predict_proba(Xu)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(clf.predict(Xu), clf.predict(Xu))
    assert set(np.unique(clf.predict(Xu))) <= {0, 1}
    assert abs(clf.predict(Xu).mean() - proba[:, 1].mean()) < 0.1


def test_groups_only_in_the_pool_are_fine(pool_problem):
    X, y, g, Xu, gu = pool_problem(3)
    clf = PoolExponentiatedGradient(rho=0.05).fit(
        X, y, X_unlabeled=Xu, sensitive_features_unlabeled=np.where(gu == 1, "b", "new"))
    assert clf.pool_rows_used_


def test_odds_constraints_use_the_labeled_rows(pool_problem):
    X, y, g, Xu, gu = pool_problem(4)
    clf = PoolExponentiatedGradient(constraint="eb", rho=0.1).fit(
        X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert not clf.pool_rows_used_


@pytest.mark.parametrize("rho", [0, 1, 2.0, None])
def test_bad_rho(pool_problem, rho):
    X, y, g, _, _ = pool_problem(5)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        PoolExponentiatedGradient(rho=rho).fit(X, y, sensitive_features=g)


def test_bad_unlabeled_columns(pool_problem):
    X, y, g, Xu, gu = pool_problem(6)
    with pytest.raises(ValueError, match="X_unlabeled has 4 columns but X has 3"):
        PoolExponentiatedGradient().fit(X, y, sensitive_features=g,
                                        X_unlabeled=np.c_[Xu, Xu[:, 0]],
                                        sensitive_features_unlabeled=gu)
