"""fit_selected: every selector x every learner, partial labels, a model on the raw input."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

import skpanda.panda  # noqa: F401  (registers "panda")
from skpanda.datasets import make_preprocessor
from skpanda.learners import GroupAwarePipeline, PoolThresholdClassifier, learner_names, make_learner
from skpanda.selectors import (
    MarginQuerySelector,
    RandomQuerySelector,
    SelectorRepresentation,
    make_selector,
    selector_names,
)

TINY = {  # the smallest settings of each strategy that still run its code
    "panda": dict(n_iter=2, d_model=8, n_heads=2, n_inducing=4, n_memory=4, pool_size=40),
    "fal": dict(n_candidates=10),
}


def raw_frame(n, rng):
    """A raw DataFrame (a categorical column, numbers) and string labels."""
    g = rng.choice(["F", "M"], n, p=[0.4, 0.6])
    X = pd.DataFrame({"job": rng.choice(["a", "b", "c"], n), "age": rng.normal(40, 10, n),
                      "hours": rng.normal(40, 5, n)})
    score = (X["age"] - 40) / 10 + (g == "M") + (X["job"] == "a") + rng.normal(0, 1, n)
    y = np.where(score > 0.8, "yes", "no")
    return X, y, g


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X, y, g = raw_frame(260, rng)
    return (X[:120], y[:120], g[:120]), (X[120:220].reset_index(drop=True), y[120:220],
                                         g[120:220]), (X[220:], y[220:], g[220:])


def build(method, learner, X0):
    estimator = make_learner(learner, rho=0.1, random_state=0)
    sel = make_selector(method, encoder=make_preprocessor(X0), rho=0.1, random_state=0,
                        estimator=estimator)
    return sel.set_params(budget=8, **TINY.get(method, {}))


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning",
                            "ignore::pandas.errors.Pandas4Warning")
@pytest.mark.parametrize("learner", learner_names())
@pytest.mark.parametrize("method", selector_names())
def test_every_selector_composes_with_every_learner(method, learner, data):
    """fit -> select -> fit_selected (only the labels bought) -> predict on raw rows."""
    (X0, y0, g0), (Xp, yp, gp), (Xt, _, gt) = data
    sel = build(method, learner, X0).fit(X0, y0, sensitive_features=g0)
    positions = sel.select(Xp, sensitive_features=gp, oracle=lambda p: yp[p])
    labels = np.full(len(yp), None, dtype=object)  # unlabeled rows: missing
    labels[positions] = yp[positions]
    model = sel.fit_selected(Xp, labels, positions=positions, sensitive_features=gp)

    assert isinstance(model, GroupAwarePipeline)
    assert isinstance(model[0], SelectorRepresentation)
    pred = model.predict(Xt, sensitive_features=gt)  # the raw test rows, groups if needed
    assert pred.shape == (len(Xt),)
    assert set(pred) <= {"no", "yes"}
    # The downstream learner (not the query model); one class among the labels: a constant.
    assert type(model[-1]) in (type(sel.estimator_), DummyClassifier)


@pytest.fixture(scope="module")
def numeric():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(300, 3))
    g = rng.randint(0, 2, 300)
    y = (X[:, 0] + g + rng.normal(size=300) > 0.5).astype(int)
    return X[:150], y[:150], g[:150], X[150:], y[150:], g[150:]


def test_pool_learner_is_not_the_query_model(numeric):
    """Margin ranks with the plain LR behind PoolThresholdClassifier, not with it."""
    X0, y0, g0, Xp, yp, gp = numeric
    pool = MarginQuerySelector(budget=10, random_state=0,
                               estimator=PoolThresholdClassifier(rho=0.05, random_state=0))
    plain = MarginQuerySelector(budget=10, random_state=0)
    picks = [s.fit(X0, y0, sensitive_features=g0).select(Xp, sensitive_features=gp,
                                                         oracle=lambda p: yp[p])
             for s in (pool, plain)]
    np.testing.assert_array_equal(*picks)
    assert isinstance(pool.estimator_, PoolThresholdClassifier)
    assert isinstance(pool.query_model_, LogisticRegression)


def test_query_estimator_ranks_the_rows(numeric):
    X0, y0, g0, Xp, yp, gp = numeric
    strong = MarginQuerySelector(budget=10, random_state=0,
                                 query_estimator=LogisticRegression(C=1e-4)).fit(X0, y0)
    weak = MarginQuerySelector(budget=10, random_state=0).fit(X0, y0)
    assert strong.query_model_.C == 1e-4 and strong.estimator_.C == 1.0
    assert not np.array_equal(strong.select(Xp), weak.select(Xp))


def test_query_estimator_without_scores_is_refused(numeric):
    from sklearn.svm import LinearSVC
    from sklearn.tree import DecisionTreeClassifier

    class NoScores(DecisionTreeClassifier):
        predict_proba = property(lambda self: (_ for _ in ()).throw(AttributeError))

    X0, y0, *_ = numeric
    with pytest.raises(TypeError, match="query_estimator=LogisticRegression"):
        MarginQuerySelector(estimator=NoScores()).fit(X0, y0)
    with pytest.raises(TypeError, match="query_estimator NoScores has neither"):
        MarginQuerySelector(query_estimator=NoScores()).fit(X0, y0)
    # Random ranks without a model: any classifier trains downstream.
    assert RandomQuerySelector(estimator=LinearSVC()).fit(X0, y0).query_model_ is None


def test_partial_labels_equal_full_labels(numeric):
    X0, y0, g0, Xp, yp, gp = numeric
    sel = RandomQuerySelector(budget=30, random_state=0).fit(X0, y0)
    pos = sel.select(Xp)
    nan = np.full(len(yp), np.nan)
    nan[pos] = yp[pos]
    models = [sel.fit_selected(Xp, labels, positions=pos)
              for labels in (yp, nan, yp[pos], pd.Series(yp[pos]))]
    coefs = [m[-1].coef_ for m in models]
    for coef in coefs[1:]:
        np.testing.assert_array_equal(coef, coefs[0])


@pytest.mark.parametrize("labels, positions, match", [
    (np.ones(7), [0, 1, 2], "y_pool has 7 labels; pass one per pool row"),
    ("nan_at_selected", [0, 1, 2], r"y_pool has no label at the selected pool positions \[1\]"),
    (np.array([0, 1, 5]), [0, 1, 2], r"never seen in fit"),
    (None, [0, 0, 1], "more than once"),
    (None, [0, 999], "outside the pool"),
    (None, [[0, 1]], "1-d array of integer"),
    (None, [0.5, 1.0], "1-d array of integer"),
])
def test_bad_labels_or_positions_raise(numeric, labels, positions, match):
    X0, y0, g0, Xp, yp, gp = numeric
    sel = RandomQuerySelector(budget=3, random_state=0).fit(X0, y0)
    if labels is None:
        labels = yp
    elif isinstance(labels, str):
        labels = yp.astype(float)
        labels[1] = np.nan
    with pytest.raises(ValueError, match=match):
        sel.fit_selected(Xp, labels, positions=positions)


def test_model_is_not_changed_by_refitting_the_selector(numeric):
    X0, y0, g0, Xp, yp, gp = numeric
    sel = RandomQuerySelector(budget=20, random_state=0, encoder=make_preprocessor(X0))
    sel.fit(X0, y0)
    model = sel.fit_selected(Xp, yp, positions=sel.select(Xp))
    before = model.predict_proba(Xp)
    sel.fit(X0 * 10 + 3, y0)  # a new encoder is fitted; the model keeps its own
    np.testing.assert_array_equal(model.predict_proba(Xp), before)


def test_group_thresholds_need_the_groups_at_predict(numeric):
    X0, y0, g0, Xp, yp, gp = numeric
    sel = RandomQuerySelector(budget=40, random_state=0,
                              estimator=PoolThresholdClassifier(rho=0.05, random_state=0))
    sel.fit(X0, y0, sensitive_features=g0)
    pos = sel.select(Xp)
    model = sel.fit_selected(Xp, yp[pos], positions=pos, sensitive_features=gp)
    with pytest.raises(ValueError, match="needs sensitive_features"):
        model.predict(Xp)
    assert model.predict(Xp, sensitive_features=gp).shape == (len(yp),)
    assert 0 <= model.score(Xp, yp, sensitive_features=gp) <= 1


def test_several_sensitive_columns_form_combined_groups(numeric):
    X0, y0, g0, Xp, yp, gp = numeric
    A0 = pd.DataFrame({"sex": g0, "race": np.arange(len(g0)) % 2})
    Ap = pd.DataFrame({"sex": gp, "race": np.arange(len(gp)) % 2})
    sel = make_selector("group_random", random_state=0).set_params(budget=10)
    sel.fit(X0, y0, sensitive_features=A0)
    assert sel.groups_.tolist() == ["(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)"]
    pos = sel.select(Xp, sensitive_features=Ap)
    groups = Ap.iloc[pos].apply(tuple, axis=1).astype(str)
    assert set(groups) == {sel.worst_group_}


def test_raw_categorical_frame_names_the_fix(data):
    (X0, y0, g0), _, _ = data
    with pytest.raises(ValueError, match=r"non-numeric column\(s\) \['job'\].*make_preprocessor"):
        MarginQuerySelector(budget=3).fit(X0, y0)
    Xn = X0[["age", "hours"]].copy()
    Xn.iloc[0, 0] = np.nan
    with pytest.raises(ValueError, match="X contains NaN.*make_preprocessor"):
        MarginQuerySelector(budget=3).fit(Xn, y0)


def test_constraint_mismatch_with_the_estimator_warns(numeric):
    X0, y0, g0, *_ = numeric
    sel = make_selector("fal", constraint="equalized_odds", random_state=0,
                        estimator=PoolThresholdClassifier(constraint="demographic_parity"))
    with pytest.warns(UserWarning, match="enforces 'demographic_parity'"):
        sel.set_params(budget=3).fit(X0, y0, sensitive_features=g0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # the pool learner's small-group warning (issue #17) is not about the constraint
        warnings.filterwarnings("ignore", message=".*sampling error", category=UserWarning)
        make_selector("fal", constraint="demographic_parity", random_state=0,
                      estimator=PoolThresholdClassifier()).set_params(budget=3).fit(
            X0, y0, sensitive_features=g0)
