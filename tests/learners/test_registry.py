"""The learner registry: names, estimators, validation."""

import pytest
from fairlearn.reductions import ExponentiatedGradient
from sklearn.linear_model import LogisticRegression, SGDClassifier

from skpanda.learners import (
    DEFAULT_LEARNERS,
    PoolExponentiatedGradient,
    PoolThresholdClassifier,
    check_learners,
    get_learner_spec,
    learner_names,
    make_learner,
)
from skpanda.learners._registry import SGD_EPOCHS, SGD_ETA0


def test_names_and_default():
    assert learner_names() == ("lr", "eg", "pool", "pool_eg", "sgd")
    assert DEFAULT_LEARNERS == ("lr",)
    assert check_learners(None) == ["lr"]


@pytest.mark.parametrize("name, cls", [
    ("lr", LogisticRegression), ("eg", ExponentiatedGradient),
    ("pool", PoolThresholdClassifier), ("pool_eg", PoolExponentiatedGradient),
    ("sgd", SGDClassifier),
])
def test_make_learner_builds_a_fresh_estimator(name, cls):
    a, b = make_learner(name, rho=0.05, random_state=3), make_learner(name, rho=0.05)
    assert type(a) is cls and a is not b


def test_learners_carry_the_bound_and_the_paper_sgd_settings():
    assert make_learner("eg", rho=0.07).constraints.eps == pytest.approx(0.07)
    pool = make_learner("pool", rho=0.07, constraint="equalized_odds", random_state=1)
    assert (pool.rho, pool.constraint, pool.random_state) == (0.07, "equalized_odds", 1)
    sgd = make_learner("sgd", random_state=2)
    assert (sgd.loss, sgd.learning_rate, sgd.tol, sgd.random_state) == ("log_loss", "constant",
                                                                          None, 2)
    assert (sgd.eta0, sgd.max_iter) == (SGD_ETA0, SGD_EPOCHS)


def test_only_the_threshold_learner_needs_groups_at_predict():
    assert [n for n in learner_names() if get_learner_spec(n).needs_groups_at_predict] == [
        "pool"]


def test_check_learners_parses_and_names_the_valid_ones():
    assert check_learners("lr, eg,lr") == ["lr", "eg"]
    assert check_learners(["pool", "sgd"]) == ["pool", "sgd"]
    with pytest.raises(ValueError, match=r"unknown or no learner names \['svm'\]; "
                                         r"choose among lr, eg, pool, pool_eg, sgd"):
        check_learners("lr,svm")
    with pytest.raises(ValueError, match="unknown or no learner names"):
        check_learners([])
    with pytest.raises(ValueError, match="learner='svm' is unknown; choose among lr, eg"):
        make_learner("svm")
