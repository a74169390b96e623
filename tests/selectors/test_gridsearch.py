"""Selectors and SelectionPipeline inside GridSearchCV, clone and pickle.

The sensitive attribute reaches ``score`` either through metadata routing (the
selectors request ``sensitive_features`` for ``fit`` and ``score``) or as a
named DataFrame column (``sensitive_feature="sex"``).
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from fairlearn.reductions import DemographicParity, ExponentiatedGradient
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skpanda.datasets import make_biased_classification, make_preprocessor
from skpanda.metrics import best_feasible, make_parity_scorer, make_parity_scorers
from skpanda.pipeline import make_selection_pipeline
from skpanda.selectors import (
    GroupRandomQuerySelector,
    MarginQuerySelector,
    RandomQuerySelector,
)

GRID = {"budget": [3, 8]}


@pytest.fixture(scope="module")
def data():
    X, y, g = make_biased_classification(240, 3, random_state=3, return_X_y=True)
    return X, y, g


@pytest.fixture(scope="module")
def frame(data):
    X, y, g = data
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df["job"] = np.array(["x", "y"])[np.arange(len(y)) % 2]
    df["sex"] = np.where(g == 1, "F", "M")
    return df, y, g


def assert_all_scores_finite(search):
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.best_params_["budget" if "budget" in search.best_params_
                               else "marginqueryselector__budget"] in (3, 8)


def test_routed_keyword(data):
    X, y, g = data
    search = GridSearchCV(MarginQuerySelector(random_state=0), GRID, cv=2)
    with sklearn.config_context(enable_metadata_routing=True):
        search.fit(X, y, sensitive_features=g)
    assert_all_scores_finite(search)
    np.testing.assert_array_equal(search.best_estimator_.groups_, [0, 1])
    pos = search.best_estimator_.select(X[:50], sensitive_features=g[:50])
    assert pos.shape == (search.best_params_["budget"],)


def test_column_mode_needs_no_routing(frame):
    df, y, _ = frame
    sel = GroupRandomQuerySelector(sensitive_feature="sex", random_state=0)
    search = GridSearchCV(sel, GRID, cv=2).fit(df[["a", "b", "c", "sex"]], y)
    assert_all_scores_finite(search)
    best = search.best_estimator_
    np.testing.assert_array_equal(best.feature_names_in_, ["a", "b", "c"])
    pos = best.select(df[["a", "b", "c", "sex"]].iloc[:60])
    assert np.all(df["sex"].to_numpy()[:60][pos] == best.worst_group_)


def test_keyword_without_routing_fails_with_one_message(data):
    """The routing trap: no NaN scores and silent first pick, one error naming the fix."""
    X, y, g = data
    search = GridSearchCV(MarginQuerySelector(random_state=0), GRID, cv=2,
                          error_score="raise")
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        search.fit(X, y, sensitive_features=g)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no per-fold "Scoring failed" warnings
        with pytest.raises(ValueError, match="All the 4 fits failed") as info:
            GridSearchCV(MarginQuerySelector(random_state=0), GRID, cv=2).fit(
                X, y, sensitive_features=g)
    assert "sensitive_feature='column'" in str(info.value)
    # Outside a search the same call is fine: fit, then score with the groups.
    sel = MarginQuerySelector(budget=5, random_state=0).fit(X, y, sensitive_features=g)
    assert np.isfinite(sel.score(X, y, sensitive_features=g))


def eg(rho):
    return ExponentiatedGradient(LogisticRegression(solver="liblinear"),
                                 DemographicParity(difference_bound=rho))


@pytest.fixture(scope="module")
def biased():
    return make_biased_classification(2000, 4, random_state=0, return_X_y=True)


@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
def test_grid_over_rho_with_fixed_target_never_picks_a_violation(biased):
    """Issue #13's "done when": rho in {.02, .04, .08}, target .04."""
    X, y, g = biased
    grid = {"estimator": [eg(r) for r in (0.02, 0.04, 0.08)], "budget": [300]}
    search = GridSearchCV(RandomQuerySelector(random_state=0), grid, cv=2,
                          scoring=make_parity_scorers(target=0.04), refit=best_feasible)
    with sklearn.config_context(enable_metadata_routing=True):
        search.fit(X, y, sensitive_features=g)
    res = search.cv_results_
    ok = res["mean_test_parity_ok"] == 1.0
    assert ok.any() and not ok.all()  # the data make the choice matter
    assert ok[search.best_index_]
    # scoring=make_parity_scorer(target=.04) alone ranks by mean_test_score: same pick here
    assert int(np.argmax(res["mean_test_score"])) == search.best_index_


@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
def test_multimetric_cv_results_show_the_tradeoff(biased):
    X, y, g = biased
    grid = {"estimator": [eg(0.02), eg(0.08)], "budget": [200]}
    search = GridSearchCV(RandomQuerySelector(random_state=0), grid, cv=2,
                          scoring=make_parity_scorers(target=0.04), refit="score")
    with sklearn.config_context(enable_metadata_routing=True):
        search.fit(X, y, sensitive_features=g)
    res = search.cv_results_
    for key in ("f1", "disparity", "parity_ok", "score"):
        assert res[f"mean_test_{key}"].shape == (2,)
        assert np.all(np.isfinite(res[f"mean_test_{key}"]))
    assert np.all((res["mean_test_f1"] >= 0) & (res["mean_test_f1"] <= 1))
    assert search.best_index_ == int(np.argmax(res["mean_test_score"]))


@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
def test_routed_fairlearn_estimator(data):
    """A stock ExponentiatedGradient as a selector parameter needs no routing request."""
    X, y, g = data
    eg = ExponentiatedGradient(LogisticRegression(), DemographicParity(difference_bound=0.05))
    search = GridSearchCV(MarginQuerySelector(estimator=eg, random_state=0),
                          {"budget": [20]}, cv=2)
    with sklearn.config_context(enable_metadata_routing=True):
        search.fit(X, y, sensitive_features=g)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert isinstance(search.best_estimator_.estimator_, ExponentiatedGradient)


def test_pipeline_in_grid_search(frame):
    df, y, g = frame
    pipe = make_selection_pipeline(make_preprocessor(df, drop=["sex"]),
                                   MarginQuerySelector(random_state=0))
    search = GridSearchCV(pipe, {"marginqueryselector__budget": [3, 8]}, cv=2)
    with sklearn.config_context(enable_metadata_routing=True):
        search.fit(df, y, sensitive_features=g)
    assert_all_scores_finite(search)
    budget = search.best_params_["marginqueryselector__budget"]
    pos = search.best_estimator_.select(df.iloc[:40], sensitive_features=g[:40],
                                        oracle=lambda p: y[:40][p])
    assert pos.shape == (budget,) and np.unique(pos).size == budget


def test_clone_get_set_params_and_pickle(frame):
    df, y, g = frame
    pipe = make_selection_pipeline(make_preprocessor(df, drop=["sex"]),
                                   MarginQuerySelector(budget=4, random_state=0))
    pipe.set_params(marginqueryselector__budget=5, marginqueryselector__query_batch_size=2)
    params = pipe.get_params()
    assert params["marginqueryselector__budget"] == 5
    twin = clone(pipe)
    assert twin.get_params()["marginqueryselector__query_batch_size"] == 2
    assert not hasattr(twin[-1], "estimator_")
    pipe.fit(df, y, marginqueryselector__sensitive_features=g)
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(
        restored.select(df, sensitive_features=g, oracle=lambda p: y[p]),
        pipe.select(df, sensitive_features=g, oracle=lambda p: y[p]),
    )
