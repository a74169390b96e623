"""GroupAwarePipeline hands the groups to the last step only when it takes them."""

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from skpanda.learners import GroupAwarePipeline, PoolThresholdClassifier


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    g = rng.randint(0, 2, 300)
    y = (X[:, 0] + g + rng.normal(size=300) > 0.5).astype(int)
    return X, y, g


@pytest.mark.parametrize("routing", [False, True])
def test_groups_reach_a_group_threshold_learner(data, routing):
    X, y, g = data
    with sklearn.config_context(enable_metadata_routing=routing):
        pipe = GroupAwarePipeline([("scale", StandardScaler()),
                                   ("pool", PoolThresholdClassifier(rho=0.02, random_state=0))])
        if routing:  # the learner requests sensitive_features for fit and predict
            pipe.fit(X, y, sensitive_features=g)
        else:
            pipe.fit(X, y, pool__sensitive_features=g)
        assert pipe[-1].groups_.size == 2
        direct = pipe[-1].predict(pipe[0].transform(X), sensitive_features=g)
        np.testing.assert_array_equal(pipe.predict(X, sensitive_features=g), direct)
        proba = pipe.predict_proba(X, sensitive_features=g)
        assert proba.shape == (300, 2)


def test_groups_are_dropped_for_a_learner_without_them(data):
    X, y, g = data
    pipe = GroupAwarePipeline([("scale", StandardScaler()), ("lr", LogisticRegression())])
    pipe.fit(X, y)
    np.testing.assert_array_equal(pipe.predict(X, sensitive_features=g, random_state=0),
                                  pipe.predict(X))
    assert pipe.score(X, y, sensitive_features=g) == pipe.score(X, y)
    with pytest.raises(TypeError):
        pipe.predict(X, not_a_parameter=1)  # only the optional keywords are dropped


def test_classes_decode_the_codes_the_learner_was_trained_on(data):
    X, y, _ = data
    pipe = GroupAwarePipeline([("lr", LogisticRegression())], classes=["no", "yes"]).fit(X, y)
    pred = pipe.predict(X)
    assert set(pred) == {"no", "yes"}
    np.testing.assert_array_equal(pred == "yes", pipe[-1].predict(X) == 1)
    assert pipe.classes_.tolist() == ["no", "yes"]
    assert pipe.score(X, np.where(y == 1, "yes", "no")) == pipe[-1].score(X, y)
