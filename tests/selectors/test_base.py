"""Bad input to BaseQuerySelector's verbs: every error names the argument and the fix."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skpanda.datasets import make_biased_classification
from skpanda.selectors import (
    FairActiveLearningQuerySelector,
    GroupRandomQuerySelector,
    MarginQuerySelector,
    RandomQuerySelector,
)


@pytest.fixture(scope="module")
def data():
    X, y, g = make_biased_classification(150, 3, random_state=1, return_X_y=True)
    return X[:60], y[:60], g[:60], X[60:], y[60:], g[60:]


@pytest.fixture
def margin(data):
    X0, y0, g0, *_ = data
    return MarginQuerySelector(budget=5, random_state=0).fit(X0, y0, sensitive_features=g0)


@pytest.mark.parametrize("budget", [0, -3])
def test_budget_not_positive(margin, data, budget):
    with pytest.raises(ValueError, match=rf"budget={budget} must be at least 1"):
        margin.select(data[3], budget)


def test_budget_larger_than_pool(margin, data):
    with pytest.raises(ValueError, match=r"budget=91 exceeds the pool size \(90\)"):
        margin.select(data[3], 91)


def test_budget_parameter_is_checked_at_select(data):
    sel = RandomQuerySelector(budget=1000).fit(data[0], data[1])
    with pytest.raises(ValueError, match=r"budget=1000 exceeds the pool size \(90\)"):
        sel.select(data[3])


@pytest.mark.parametrize("budget", [2.5, "10", True, 3.0])
def test_budget_not_an_integer(margin, data, budget):
    with pytest.raises(TypeError, match="budget must be a positive integer"):
        margin.select(data[3], budget)


def test_pool_with_other_number_of_features(margin, data):
    with pytest.raises(ValueError, match="X has 2 features, but MarginQuerySelector is "
                                         "expecting 3 features"):
        margin.select(data[3][:, :2])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_X(margin, data, bad):
    X0, y0 = data[0].copy(), data[1]
    X0[3, 1] = bad
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        MarginQuerySelector().fit(X0, y0)
    Xp = data[3].copy()
    Xp[0, 0] = bad
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        margin.select(Xp)


def test_single_class_y(data):
    with pytest.raises(ValueError, match=r"y must hold exactly two classes .* got 1 distinct value"):
        MarginQuerySelector().fit(data[0], np.ones(60, dtype=int))


def test_multiclass_y(data):
    with pytest.raises(ValueError, match="got 3 distinct values"):
        MarginQuerySelector().fit(data[0], np.arange(60) % 3)


def test_y_of_wrong_length(data):
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        MarginQuerySelector().fit(data[0], data[1][:-1])


def test_y_none(data):
    with pytest.raises(ValueError, match="requires y to be passed"):
        MarginQuerySelector().fit(data[0], None)


def test_sensitive_features_of_wrong_length(margin, data):
    X0, y0, g0, Xp, _, gp = data
    with pytest.raises(ValueError, match="sensitive_features has 59 entries but X has 60 rows"):
        MarginQuerySelector().fit(X0, y0, sensitive_features=g0[:-1])
    with pytest.raises(ValueError, match="sensitive_features has 91 entries but X has 90 rows"):
        margin.select(Xp, sensitive_features=np.append(gp, 0))


def test_nan_in_sensitive_features(margin, data):
    X0, y0, g0, Xp, _, gp = data
    g_bad = g0.astype(float)
    g_bad[0] = np.nan
    with pytest.raises(ValueError, match="sensitive_features holds missing values"):
        MarginQuerySelector().fit(X0, y0, sensitive_features=g_bad)
    with pytest.raises(ValueError, match="sensitive_features holds missing values"):
        margin.select(Xp, sensitive_features=np.array([None] * 90))


def test_oracle_returning_wrong_number_of_labels(margin, data):
    with pytest.raises(ValueError, match=r"oracle returned \(2,\) labels for 1 queried rows"):
        margin.select(data[3], oracle=lambda pos: np.array([0, 1]))


def test_oracle_returning_unseen_labels(margin, data):
    with pytest.raises(ValueError, match=r"oracle returned label\(s\) \[7\] never seen"):
        margin.select(data[3], oracle=lambda pos: np.full(len(pos), 7))


def test_oracle_not_callable(margin, data):
    with pytest.raises(TypeError, match="oracle must be callable"):
        margin.select(data[3], oracle=data[4])


def test_select_before_fit(data):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        MarginQuerySelector().select(data[3])


def test_group_random_needs_pool_groups(data):
    X0, y0, g0, Xp, *_ = data
    sel = GroupRandomQuerySelector(budget=3).fit(X0, y0, sensitive_features=g0)
    with pytest.raises(ValueError, match=r"needs the groups of the pool rows: pass "
                                         r"select\(X_pool, sensitive_features=...\)"):
        sel.select(Xp)


@pytest.mark.parametrize("param, value, match", [
    ("warm_start", "both", "'warm_start' parameter of MarginQuerySelector must be .*"
                           "'representation'"),
    ("query_batch_size", 0, "'query_batch_size' parameter of MarginQuerySelector must be "
                            "an int in the range \\[1, inf\\)"),
    ("query_batch_size", 1.5, "'query_batch_size' parameter .* must be an int"),
    ("budget", 0, "'budget' parameter of MarginQuerySelector must be an int"),
    ("estimator", "lr", "'estimator' parameter .* must be an object implementing 'fit'"),
    ("random_state", "seed", "'random_state' parameter"),
])
def test_bad_constructor_parameters_raise_at_fit(data, param, value, match):
    with pytest.raises(ValueError, match=match):
        MarginQuerySelector(**{param: value}).fit(data[0], data[1])


def test_labels_of_any_two_values_round_trip(data):
    """String labels are encoded for the learner and decoded for the oracle."""
    X0, y0, g0, Xp, yp, gp = data
    names = np.array(["low", "high"])
    sel = MarginQuerySelector(budget=4, random_state=0)
    sel.fit(X0, names[y0], sensitive_features=g0)
    assert sorted(sel.classes_) == ["high", "low"]
    pos = sel.select(Xp, oracle=lambda p: names[yp[p]])
    assert np.unique(pos).size == 4


def test_sensitive_column_by_position(data):
    X0, y0, g0, Xp, _, gp = data
    sel = GroupRandomQuerySelector(budget=3, sensitive_feature=-1, random_state=0)
    sel.fit(np.column_stack([X0, g0]), y0)
    assert sel.n_features_in_ == 3
    pos = sel.select(np.column_stack([Xp, gp]))
    assert np.all(gp[pos] == sel.worst_group_)
    with pytest.raises(ValueError, match="Got both sensitive_features= and sensitive_feature=-1"):
        sel.select(np.column_stack([Xp, gp]), sensitive_features=gp)
    with pytest.raises(ValueError, match="sensitive_feature='sex' names a column, but X is not"):
        GroupRandomQuerySelector(sensitive_feature="sex").fit(X0, y0)


def test_random_selection_needs_no_probabilistic_estimator():
    """Random picks never score the pool, so any classifier works downstream."""
    from sklearn.svm import LinearSVC
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(60, 3)), rng.randint(0, 2, 60)

    class NoScores(DecisionTreeClassifier):
        predict_proba = property(lambda self: (_ for _ in ()).throw(AttributeError))

    for estimator in (LinearSVC(), NoScores(random_state=0)):
        sel = RandomQuerySelector(budget=5, estimator=estimator, random_state=0).fit(X, y)
        assert np.unique(sel.select(X)).size == 5


def test_a_strategy_without_a_hook_is_refused_at_fit(data):
    from skpanda.selectors import BaseQuerySelector

    class NoHook(BaseQuerySelector):
        pass

    with pytest.raises(TypeError, match=r"NoHook implements neither _score_pool\(.*\) nor "
                                        r"_select\(.*\); a query strategy must implement one"):
        NoHook().fit(data[0], data[1])
    with pytest.raises(NotImplementedError, match="NoHook implements neither"):
        NoHook()._score_pool(np.arange(2), None, Z_pool=None, groups=None,
                             random_state=np.random.RandomState(0))


class _MustNotFit:
    """An estimator that fails loudly if ``fit`` gets as far as training it."""

    def get_params(self, deep=True):
        return {}

    def fit(self, X, y, sample_weight=None):
        raise AssertionError("the estimator was trained before the budget was checked")


@pytest.mark.parametrize("budget, error", [(0, ValueError), (-2, ValueError),
                                           (True, TypeError), (2.5, TypeError)])
@pytest.mark.parametrize("cls", [RandomQuerySelector, GroupRandomQuerySelector,
                                 MarginQuerySelector])
def test_budget_parameter_is_checked_at_fit_before_any_work(data, cls, budget, error):
    X0, y0, g0, *_ = data
    sel = cls(budget=budget, estimator=_MustNotFit())
    with pytest.raises(error, match="budget"):
        sel.fit(X0, y0, sensitive_features=g0)


def test_verbs_run_on_one_thread_and_restore_the_callers_limits(data):
    from threadpoolctl import threadpool_info, threadpool_limits
    from sklearn.linear_model import LogisticRegression

    seen = []

    class Probe(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            seen.append({p["num_threads"] for p in threadpool_info()})
            return super().fit(X, y, sample_weight=sample_weight)

    X0, y0, g0, Xp, yp, gp = data
    with threadpool_limits(limits=2):
        before = [p["num_threads"] for p in threadpool_info()]
        sel = MarginQuerySelector(budget=5, estimator=Probe(), random_state=0)
        sel.fit(X0, y0, sensitive_features=g0)
        pos = sel.select(Xp, sensitive_features=gp, oracle=lambda i: yp[i])
        sel.fit_selected(Xp, yp, positions=pos, sensitive_features=gp)
        assert [p["num_threads"] for p in threadpool_info()] == before
    assert seen and all(threads == {1} for threads in seen)


@pytest.mark.parametrize("cls", [MarginQuerySelector, FairActiveLearningQuerySelector])
def test_verbose_shows_a_progress_bar_for_the_query_loop(cls, capsys):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(60, 3)), rng.randint(0, 2, 60)
    g = rng.randint(0, 2, 60)
    X_pool, y_pool = rng.normal(size=(30, 3)), rng.randint(0, 2, 30)
    for verbose in (False, True):
        sel = cls(budget=4, random_state=0, verbose=verbose).fit(X, y, sensitive_features=g)
        picks = sel.select(X_pool, sensitive_features=g_pool_of(30),
                           oracle=lambda pos: y_pool[pos])
        err = capsys.readouterr().err
        assert picks.shape == (4,)
        assert ("/4 [" in err and "queries" in err) == verbose, err
    assert "verbose" in sel.get_params() and not hasattr(sel, "_bar")


def g_pool_of(n):
    return np.arange(n) % 2




def test_a_single_group_warns_that_parity_means_nothing():
    """A selector with a parity bound ``rho`` (PANDA) fitted on one group says so."""
    from skpanda.panda import PandaQuerySelector

    X, y, _ = make_biased_classification(120, 3, random_state=0, return_X_y=True)
    panda = PandaQuerySelector(budget=5, n_iter=1, d_model=8, n_heads=2, n_inducing=4,
                               n_memory=4, n_samples=1, inner_steps=2, random_state=0)
    with pytest.warns(UserWarning, match="a single group in sensitive_features: all rows "
                                         "form one group and the parity constraint means"):
        panda.fit(X, y, sensitive_features=np.zeros(120))
