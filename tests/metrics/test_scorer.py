"""Parity scorers with a fixed target: formula, protocol, routing, shared simulation."""

import pickle

import numpy as np
import pandas as pd
import pytest
import sklearn
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV, cross_validate

from skpanda.datasets import make_biased_classification
from skpanda.metrics import (
    best_feasible,
    demographic_parity,
    make_parity_scorer,
    make_parity_scorers,
    penalised_score,
)
from skpanda.selectors import MarginQuerySelector, RandomQuerySelector


@pytest.fixture(scope="module")
def data():
    return make_biased_classification(300, 3, random_state=1, return_X_y=True)


def test_penalised_score_hand_examples():
    assert penalised_score(0.7, 0.04, 0.04) == 0.7  # the bound itself is met
    assert penalised_score(0.7, 0.06, 0.04) == pytest.approx(0.7 - 1 - 0.5)
    assert penalised_score(0.0, 0.0, 0.02) == 0.0


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0.001, 0.5))
def test_any_violation_scores_below_any_feasible_fold(m_ok, m_bad, delta, target):
    feasible = penalised_score(m_ok, min(delta, target), target)
    violating = penalised_score(m_bad, target + delta + 1e-6, target)
    assert violating < 0 <= feasible


@pytest.mark.parametrize("kw, match", [
    (dict(target=0), "target=0 must be a positive number"),
    (dict(target=True), "target=True"),
    (dict(metric="auc"), "metric='auc' is unknown"),
    (dict(output="both"), "output='both' is unknown"),
    (dict(constraint="parity"), "constraint='parity' is unknown"),
])
def test_bad_parameters_are_named(kw, match):
    with pytest.raises(ValueError, match=match):
        make_parity_scorer(**kw)


def test_plain_classifier_hand_computed(data):
    X, y, g = data
    labels = np.where(y == 1, "yes", "no")  # string labels: 1 = the larger class
    clf = LogisticRegression().fit(X, labels)
    pred = (clf.predict(X) == "yes").astype(int)
    f1, dp = f1_score(y, pred), demographic_parity(y, pred, sensitive_features=g)
    scorers = make_parity_scorers(target=0.04)
    out = {k: s(clf, X, labels, sensitive_features=g) for k, s in scorers.items()}
    assert out["f1"] == pytest.approx(f1) and out["disparity"] == pytest.approx(dp)
    assert out["parity_ok"] == float(dp <= 0.04)
    assert out["score"] == pytest.approx(penalised_score(f1, dp, 0.04))


def test_group_column_and_missing_groups(data):
    X, y, g = data
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(sex=np.where(g == 1, "F", "M"))
    clf = LogisticRegression().fit(X, y)

    class Blind:  # predicts from the numeric columns, ignores the group column
        classes_ = clf.classes_

        def predict(self, frame):
            return clf.predict(frame[["a", "b", "c"]].to_numpy())

    by_column = make_parity_scorer(output="disparity", sensitive_feature="sex")
    by_keyword = make_parity_scorer(output="disparity")
    assert by_column(Blind(), df, y) == by_keyword(clf, X, y, sensitive_features=g)
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        by_keyword(clf, X, y)


def test_selector_is_scored_on_its_score_simulation(data):
    X, y, g = data
    sel = MarginQuerySelector(budget=30, random_state=0).fit(X[:150], y[:150],
                                                              sensitive_features=g[:150])
    y_val, y_pred, g_val = sel.simulate_selection(X[150:], y[150:], sensitive_features=g[150:])
    assert y_val.shape == y_pred.shape == g_val.shape == (75,)
    f1 = make_parity_scorer(output="metric")(sel, X[150:], y[150:], sensitive_features=g[150:])
    assert f1 == pytest.approx(sel.score(X[150:], y[150:], sensitive_features=g[150:]))
    assert f1 == pytest.approx(f1_score(y_val, y_pred))


def test_multimetric_runs_the_simulation_once_per_fold(data, monkeypatch):
    X, y, g = data
    calls = []
    original = RandomQuerySelector.simulate_selection

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RandomQuerySelector, "simulate_selection", counted)
    with sklearn.config_context(enable_metadata_routing=True):
        res = cross_validate(RandomQuerySelector(budget=20, random_state=0), X, y, cv=3,
                             scoring=make_parity_scorers(target=0.1),
                             params={"sensitive_features": g})
    assert len(calls) == 3
    assert set(res) >= {"test_score", "test_f1", "test_disparity", "test_parity_ok"}
    assert np.all(np.isfinite(res["test_disparity"]))


def test_cache_is_not_served_twice_to_one_scorer(data):
    X, y, g = data
    scorers = make_parity_scorers()
    clf = LogisticRegression().fit(X, y)
    first = scorers["f1"](clf, X, y, sensitive_features=g)
    clf.fit(X[:, :1], y)  # refitted in place: the same object must not reuse its predictions
    with pytest.raises(ValueError, match="features"):
        scorers["f1"](clf, X, y, sensitive_features=g)
    assert 0 <= first <= 1


def test_routed_grid_search_of_a_plain_classifier(data):
    X, y, g = data
    search = GridSearchCV(LogisticRegression(), {"C": [0.01, 1.0]}, cv=2,
                          scoring=make_parity_scorers(target=0.05), refit=best_feasible)
    with sklearn.config_context(enable_metadata_routing=True):
        search.fit(X, y, sensitive_features=g)
    assert np.all(np.isfinite(search.cv_results_["mean_test_disparity"]))
    assert search.best_index_ == best_feasible(search.cv_results_)


def test_metadata_request_and_pickle():
    scorer = make_parity_scorer()
    assert scorer.get_metadata_routing().score.requests == {"sensitive_features": True}
    scorer.set_score_request(sensitive_features="groups")
    assert scorer.get_metadata_routing().score.requests == {"sensitive_features": "groups"}
    scorers = pickle.loads(pickle.dumps(make_parity_scorers(target=0.03)))
    assert scorers["score"]._cache is scorers["f1"]._cache  # still shared after pickling
    assert "target=0.03" in repr(scorers["disparity"])


def test_best_feasible_prefers_meeting_every_fold():
    results = {"mean_test_score": [0.9, 0.2, 0.5], "mean_test_parity_ok": [0.5, 1.0, 1.0]}
    assert best_feasible(results) == 2
    results["mean_test_parity_ok"] = [0.5, 0.0, 0.5]
    assert best_feasible(results) == 0
