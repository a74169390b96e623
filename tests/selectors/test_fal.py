"""FairActiveLearningQuerySelector and its one-row-refit Newton solver."""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from skpanda.metrics import disparity
from skpanda.selectors import EntropyQuerySelector, FairActiveLearningQuerySelector
from skpanda.selectors._fal import _minmax, column_disparity
from skpanda.selectors._newton import (
    _hessian_row_block,
    _newton_direction,
    lr_problem,
    refit_with_one_row,
    with_intercept,
)

# A solver that converges to machine precision: the naive reference and the
# vectorised solver then agree on every check-set prediction.
TIGHT_LR = LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=1000)


def make_data(n, d=4, seed=0):
    rng = np.random.RandomState(seed)
    g = rng.randint(0, 2, n)
    X = rng.normal(size=(n, d)) + 0.8 * g[:, None] * np.eye(d)[0]
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.7, size=n) > 0.3).astype(int)
    return X, y, g


class _PlainLR(LogisticRegression):
    """Not ``LogisticRegression`` itself: forces the naive refit loop."""


# ------------------------------------------------------------------ solver
@pytest.mark.parametrize("C, fit_intercept, n, d", [
    (1.0, True, 80, 5), (0.3, True, 80, 5), (2.0, False, 80, 5),
    (1.0, True, 8, 20), (0.5, False, 8, 20),   # fewer rows than features: span path
])
def test_one_row_refit_reaches_sklearn_coef(C, fit_intercept, n, d):
    X, y, _ = make_data(n, d=d, seed=1)
    base = LogisticRegression(C=C, fit_intercept=fit_intercept).fit(X, y)
    w0 = np.r_[base.coef_.ravel(), base.intercept_] if fit_intercept else base.coef_.ravel()
    xn = np.random.RandomState(0).normal(size=(2, d)) * [[3.0], [0.1]]
    yn = np.array([0.0, 1.0])
    W = refit_with_one_row(with_intercept(X, fit_intercept), y, w0,
                           with_intercept(xn, fit_intercept), yn, C=C,
                           fit_intercept=fit_intercept)
    for j in range(2):
        ref = LogisticRegression(C=C, fit_intercept=fit_intercept, solver="newton-cholesky",
                                 tol=1e-12).fit(np.vstack([X, xn[j]]), np.r_[y, yn[j]])
        expected = np.r_[ref.coef_.ravel(), ref.intercept_] if fit_intercept else ref.coef_.ravel()
        np.testing.assert_allclose(W[j], expected, atol=1e-7)


def test_approx_is_one_newton_step_close_to_exact():
    X, y, _ = make_data(400, d=3, seed=2)
    base = LogisticRegression().fit(X, y)
    w0 = np.r_[base.coef_.ravel(), base.intercept_]
    xn, yn = with_intercept(X[:5] + 1.0, True), np.array([0.0, 1, 0, 1, 1])
    kw = dict(C=1.0, fit_intercept=True)
    exact = refit_with_one_row(with_intercept(X, True), y, w0, xn, yn, **kw)
    approx = refit_with_one_row(with_intercept(X, True), y, w0, xn, yn, mode="approx", **kw)
    shift = np.abs(exact - w0).max(1)
    assert np.all(shift > 1e-5)                                # the extra row moves the fit
    assert np.all(np.abs(approx - exact).max(1) < 0.2 * shift)  # one step gets most of it


def test_newton_direction_memory_does_not_scale_with_problems_times_rows():
    # The full-Newton step used to build an (m, n, p) array: 102 MB here, and
    # 15 GB on Census-KDD (32 problems, 120k rows, 503 one-hot features).
    rng = np.random.RandomState(0)
    m, n, p = 16, 20000, 40
    X = with_intercept(rng.normal(size=(n, p - 1)), True)
    W = rng.normal(scale=0.1, size=(m, p))
    Z, xn = W @ X.T, X[:m] + 1.0
    sn, G, lam = rng.uniform(0.1, 0.25, m), rng.normal(size=(m, p)), np.r_[np.ones(p - 1), 0]
    tracemalloc.start()
    try:
        D = _newton_direction(X, Z, xn, sn, G, lam, block_floats=2 ** 16)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.25 * m * n * p * 8       # 25 MB; measured ~8 MB (S and its temporaries)
    rows = _hessian_row_block(n, p, 2 ** 16)
    assert rows * p <= 2 ** 16 and rows == 1638
    S = 1.0 / (1.0 + np.exp(-Z))
    S *= 1.0 - S
    for j in (0, m - 1):                      # same direction as the dense Hessian solve
        H = (X * S[j, :, None]).T @ X + sn[j] * np.outer(xn[j], xn[j]) + np.diag(lam)
        np.testing.assert_allclose(D[j], -np.linalg.solve(H, G[j]), rtol=1e-9, atol=1e-12)


def test_lr_problem_only_for_plain_l2_logistic_regression():
    X, y, _ = make_data(40, seed=3)
    assert lr_problem(LogisticRegression(C=0.5).fit(X, y)) == (0.5, True)
    assert lr_problem(LogisticRegression(solver="liblinear").fit(X, y)) is None
    assert lr_problem(LogisticRegression(class_weight="balanced").fit(X, y)) is None
    assert lr_problem(_PlainLR().fit(X, y)) is None
    assert lr_problem(LogisticRegression()) is None  # not fitted


# --------------------------------------------------------------- disparity
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(
    ["demographic_parity", "equalized_odds", "error_rate_balance"]))
def test_column_disparity_equals_metric(seed, constraint):
    rng = np.random.RandomState(seed)
    n = rng.randint(4, 30)
    g = rng.randint(0, 3, n)
    g[:2] = [0, 1]                                       # at least two groups
    y = rng.randint(0, 2, n)
    H = np.c_[rng.randint(0, 2, (n, 3)), rng.uniform(size=(n, 2))]
    got = column_disparity(H, g, y, constraint)
    want = [disparity(y, H[:, j], sensitive_features=g, constraint=constraint)
            for j in range(H.shape[1])]
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_column_disparity_hand_computed():
    # groups a: predictions (1, 1), b: (0, 0); overall mean 0.5 -> DP gap 0.5
    H = np.array([[1.0], [1.0], [0.0], [0.0]])
    g = np.array(["a", "a", "b", "b"])
    assert column_disparity(H, g, np.array([0, 1, 0, 1]), "demographic_parity")[0] == 0.5
    # every row has label 1: EB = |TPR_a - TPR_b| = 1
    assert column_disparity(H, g, np.ones(4, int), "error_rate_balance")[0] == 1.0


def test_minmax_treats_rounding_noise_as_constant():
    # 0.1 + 0.2 != 0.3 in floating point; rescaling that gap would invent a ranking
    assert _minmax(np.array([0.3, 0.1 + 0.2, 0.3])).tolist() == [0.0, 0.0, 0.0]
    assert _minmax(np.array([1.0, 3.0, 2.0])).tolist() == [0.0, 1.0, 0.5]


# ---------------------------------------------------------------- selector
def _naive_reference(sel, X_pool, y_pool, g_pool, budget, estimator):
    """FAL written out with plain scikit-learn refits and skpanda.metrics.disparity."""
    tr, chk = sel.train_indices_, sel.check_indices_
    X0, y0, g0 = sel.Z_fit_, sel.y_fit_, sel.groups_fit_
    labeled = []
    for _ in range(budget):
        sel_y = y_pool[labeled]
        if sel.warm_start == "data":
            Xt, yt = np.vstack([X0[tr], X_pool[labeled]]), np.r_[y0[tr], sel_y]
        elif np.unique(sel_y).size == 2:
            Xt, yt = X_pool[labeled], sel_y
        else:
            Xt, yt = X0[tr], y0[tr]
        h = LogisticRegression(**estimator.get_params()).fit(Xt, yt)
        cands = np.setdiff1d(np.arange(len(X_pool)), labeled)
        p = h.predict_proba(X_pool[cands])[:, 1]
        ent = -(p * np.log(p) + (1 - p) * np.log(1 - p))
        expected = np.zeros(len(cands))
        for j, c in enumerate(cands):
            for label, weight in ((0, 1 - p[j]), (1, p[j])):
                h_plus = LogisticRegression(**estimator.get_params()).fit(
                    np.vstack([Xt, X_pool[c]]), np.r_[yt, label])
                delta = disparity(y0[chk], h_plus.predict(X0[chk]),
                                  sensitive_features=g0[chk], constraint=sel.constraint)
                expected[j] += weight * delta

        def mm(v):  # min-max; constant up to rounding -> 0
            span = v.max() - v.min()
            return (v - v.min()) / span if span > 1e-12 * max(1, abs(v).max()) else 0 * v

        score = sel.alpha * mm(ent) + (1 - sel.alpha) * mm(-expected)
        labeled.append(int(cands[np.argmax(score)]))
    return labeled


@pytest.mark.parametrize("warm_start, constraint", [
    ("data", "demographic_parity"), ("representation", "equalized_odds")])
def test_exact_mode_picks_equal_naive_refit_loop(warm_start, constraint):
    X, y, g = make_data(60, seed=4)
    X_pool, y_pool, g_pool = make_data(60, seed=5)
    sel = FairActiveLearningQuerySelector(
        budget=5, estimator=TIGHT_LR, warm_start=warm_start, constraint=constraint,
        random_state=0).fit(X, y, sensitive_features=g)
    picks = sel.select(X_pool, sensitive_features=g_pool, oracle=lambda pos: y_pool[pos])
    assert picks.tolist() == _naive_reference(sel, X_pool, y_pool, g_pool, 5, TIGHT_LR)


def test_naive_fallback_for_other_classifiers_matches_exact():
    X, y, g = make_data(60, seed=6)
    X_pool, y_pool, g_pool = make_data(40, seed=7)
    names = np.array(["female", "male"], dtype=object)  # string groups on both paths
    g, g_pool = names[g], names[g_pool]
    picks = {}
    for name, est in (("fast", TIGHT_LR), ("naive", _PlainLR(**TIGHT_LR.get_params()))):
        sel = FairActiveLearningQuerySelector(budget=3, estimator=est, warm_start="data",
                                              random_state=0)
        sel.fit(X, y, sensitive_features=g)
        picks[name] = sel.select(X_pool, sensitive_features=g_pool,
                                 oracle=lambda pos: y_pool[pos]).tolist()
    assert picks["fast"] == picks["naive"]


def test_alpha_one_is_entropy_ranking():
    X, y, g = make_data(100, seed=8)
    X_pool, _, g_pool = make_data(50, seed=9)
    sel = FairActiveLearningQuerySelector(budget=10, alpha=1.0, random_state=0)
    picks = sel.fit(X, y, sensitive_features=g).select(X_pool, sensitive_features=g_pool)
    p = sel.query_model_.predict_proba(X_pool)[:, 1]
    assert picks.tolist() == np.argsort(-EntropyQuerySelector._uncertainty(p))[:10].tolist()


def test_approx_agrees_with_exact_on_easy_problem():
    X, y, g = make_data(400, seed=10)
    X_pool, y_pool, g_pool = make_data(100, seed=11)
    kw = dict(budget=10, alpha=0.3, warm_start="data", random_state=0)
    picks = [set(FairActiveLearningQuerySelector(mode=mode, **kw)
                 .fit(X, y, sensitive_features=g)
                 .select(X_pool, sensitive_features=g_pool, oracle=lambda pos: y_pool[pos]))
             for mode in ("exact", "approx")]
    assert len(picks[0] & picks[1]) >= 8


def test_n_candidates_scores_only_top_entropy_rows():
    X, y, g = make_data(100, seed=12)
    X_pool, _, g_pool = make_data(40, seed=13)
    sel = FairActiveLearningQuerySelector(n_candidates=7, alpha=0.0, random_state=0)
    sel.fit(X, y, sensitive_features=g)
    state = sel._initial_state()
    scores = sel._score_pool(np.arange(40), state, Z_pool=X_pool, groups=g_pool,
                             random_state=np.random.RandomState(0))
    p = sel.query_model_.predict_proba(X_pool)[:, 1]
    top = np.argsort(-EntropyQuerySelector._uncertainty(p))[:7]
    assert set(np.flatnonzero(scores >= 0)) == set(top)
    assert np.all((scores[top] >= 0) & (scores[top] <= 1))
    others = np.setdiff1d(np.arange(40), top)  # ranked below the scored rows, by entropy
    order = others[np.argsort(-scores[others], kind="stable")]
    entropy = EntropyQuerySelector._uncertainty(p)
    assert np.all(np.diff(entropy[order]) <= 1e-12)
    picks = sel.select(X_pool, 5, sensitive_features=g_pool)
    assert set(picks) <= set(top)


def test_sparse_input_gives_the_same_picks():
    X, y, g = make_data(80, seed=14)
    X_pool, y_pool, g_pool = make_data(30, seed=15)
    kw = dict(budget=3, warm_start="data", estimator=TIGHT_LR, random_state=0)
    dense = FairActiveLearningQuerySelector(**kw).fit(X, y, sensitive_features=g)
    sparse = FairActiveLearningQuerySelector(**kw).fit(sp.csr_matrix(X), y,
                                                       sensitive_features=g)
    oracle = lambda pos: y_pool[pos]  # noqa: E731
    assert (dense.select(X_pool, sensitive_features=g_pool, oracle=oracle).tolist()
            == sparse.select(sp.csr_matrix(X_pool), sensitive_features=g_pool,
                             oracle=oracle).tolist())


def test_string_groups_work():
    X, y, g = make_data(60, seed=19)
    X_pool, y_pool, g_pool = make_data(20, seed=20)
    names = np.array(["female", "male"], dtype=object)
    sel = FairActiveLearningQuerySelector(budget=2, random_state=0)
    sel.fit(X, y, sensitive_features=names[g])
    picks = sel.select(X_pool, sensitive_features=names[g_pool], oracle=lambda p: y_pool[p])
    assert len(set(picks.tolist())) == 2


def test_check_set_is_held_out_of_the_query_model():
    X, y, g = make_data(100, seed=16)
    sel = FairActiveLearningQuerySelector(check_size=0.25, random_state=0)
    sel.fit(X, y, sensitive_features=g)
    assert sel.check_indices_.size == 25
    assert np.intersect1d(sel.check_indices_, sel.train_indices_).size == 0
    ref = LogisticRegression(max_iter=1000).fit(X[sel.train_indices_], y[sel.train_indices_])
    np.testing.assert_allclose(sel.query_model_.coef_, ref.coef_)
    assert sel.estimator_.n_features_in_ == 4      # the downstream model sees all of D0
    assert FairActiveLearningQuerySelector(check_size=10, random_state=0).fit(
        X, y, sensitive_features=g).check_indices_.size == 10


@pytest.mark.parametrize("params, match", [
    ({"alpha": 1.5}, "'alpha' parameter of FairActiveLearningQuerySelector must be a float "
                     "in the range \\[0.0, 1.0\\]"),
    ({"alpha": -0.1}, "'alpha' parameter .* must be a float in the range \\[0.0, 1.0\\]"),
    ({"mode": "fast"}, "'mode' parameter .* must be a str among .*'exact'"),
    ({"n_candidates": 0}, "'n_candidates' parameter .* must be an int in the range "
                          "\\[1, inf\\) or None"),
    ({"n_candidates": -3}, "'n_candidates' parameter"),
    ({"check_size": 1.0}, "'check_size' parameter .* must be a float in the range "
                          "\\(0.0, 1.0\\)"),
    ({"disparity_on": "scores"}, "'disparity_on' parameter .* must be a str among"),
    ({"constraint": "parity"}, "constraint="),
])
def test_bad_params_raise(params, match):
    X, y, g = make_data(40, seed=17)
    with pytest.raises(ValueError, match=match):
        FairActiveLearningQuerySelector(**params).fit(X, y, sensitive_features=g)


def test_single_group_warns_that_fal_is_entropy():
    X, y, _ = make_data(40, seed=21)
    with pytest.warns(UserWarning, match="ranks rows by entropy alone"):
        FairActiveLearningQuerySelector().fit(X, y)


def test_check_size_too_large_for_d0_raises():
    X, y, g = make_data(10, seed=18)
    with pytest.raises(ValueError, match="check_size=9 cannot split D0"):
        FairActiveLearningQuerySelector(check_size=9).fit(X, y, sensitive_features=g)


def test_fal_scores_many_candidates_in_blocks_with_the_same_result(capsys):
    rng = np.random.RandomState(1)
    X, y, g = rng.normal(size=(80, 3)), rng.randint(0, 2, 80), rng.randint(0, 2, 80)
    sel = FairActiveLearningQuerySelector(n_candidates=None, alpha=0.0, verbose=True,
                                          random_state=0).fit(X, y, sensitive_features=g)
    Z, g_pool = rng.normal(size=(50, 3)), np.arange(50) % 2
    p = sel.query_model_.predict_proba(Z)[:, 1]
    state = sel._initial_state()
    whole = sel._expected_disparity(state, Z, p, g_pool)
    blocks = sel._expected_disparity_blocks(state, Z, p, g_pool, block=16)
    np.testing.assert_allclose(blocks, whole, atol=1e-12)
    assert "FAL: scoring candidates" in capsys.readouterr().err
