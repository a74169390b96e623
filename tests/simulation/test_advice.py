"""estimate_label_value: the table, its checks, no pool label read, shift flagged, coverage."""

import inspect
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from skpanda.learners import PoolThresholdClassifier
from skpanda.selectors import RandomQuerySelector
from skpanda.simulation import estimate_label_value
from skpanda.simulation._advice import ADVICE_COLUMNS, domain_weights, label_shift_weights


def population(n, rng, shift=0.0):
    """A logistic population: the group moves the mean of feature 0."""
    g = rng.randint(2, size=n)
    X = rng.normal(size=(n, 4)) + np.c_[0.5 * g + shift, np.zeros((n, 3))]
    logit = 1.5 * X[:, 0] - X[:, 1] + 0.5 * X[:, 2] - 0.5
    y = (rng.random_sample(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y, g


def advise(X, y, g, Xp, gp, budgets=(50, 200), estimator=None, **kw):
    return estimate_label_value(X, y, sensitive_features=g, X_pool=Xp, sensitive_features_pool=gp,
                                budgets=budgets, estimator=estimator or LogisticRegression(),
                                random_state=0, **kw)


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X, y, g = population(600, rng)
    Xp, _, gp = population(800, rng)
    return X, y, g, Xp, gp


def test_table_columns_order_and_intervals(data):
    advice = advise(*data, budgets=[200, 50])
    assert list(advice.columns) == list(ADVICE_COLUMNS)
    assert advice["budget"].tolist() == [50, 200]
    assert (advice["f1_low"] < advice["f1"]).all() and (advice["f1"] < advice["f1_high"]).all()
    assert (advice["gain_low"] <= advice["gain"]).all()
    assert (advice["gain"] <= advice["gain_high"]).all()
    assert advice["certified_bound"].isna().all()  # LogisticRegression certifies nothing
    assert {"f1_d0", "shift_auc", "n_d0", "n_pool"} <= set(advice.attrs)
    assert advice.attrs["n_d0"] == 600 and advice.attrs["n_pool"] == 800


def test_pool_labels_are_never_asked_for():
    params = inspect.signature(estimate_label_value).parameters
    assert not any(name in params for name in ("y_pool", "oracle", "labels_pool"))


class RecordingSelector(RandomQuerySelector):
    """Records what ``select`` is shown, and what its oracle answers."""

    seen = []

    def select(self, X_pool, budget=None, *, sensitive_features=None, oracle=None):
        RecordingSelector.seen.append((np.asarray(X_pool).copy(), oracle))
        return super().select(X_pool, budget, sensitive_features=sensitive_features)


def test_selector_is_simulated_inside_d0_only(data):
    X, y, g, Xp, gp = data
    RecordingSelector.seen = []
    advise(X, y, g, Xp, gp, budgets=[20], selector=RecordingSelector(random_state=0))
    assert len(RecordingSelector.seen) == 5  # one pseudo-pool per fold
    d0_rows = {row.tobytes(): label for row, label in zip(X, y)}
    for shown, oracle in RecordingSelector.seen:
        assert all(row.tobytes() in d0_rows for row in shown)       # never a real pool row
        answers = oracle(np.arange(len(shown)))
        assert [d0_rows[row.tobytes()] for row in shown] == answers.tolist()


def test_pool_learner_gets_the_pool_and_reports_disparity(data):
    X, y, g, Xp, gp = data
    advice = advise(X, y, g, Xp, gp, estimator=PoolThresholdClassifier(rho=0.05, random_state=0))
    assert (advice["disparity"] <= 0.05 + 1e-9).all()  # fitted on the pool: met there
    assert (advice["disparity_high"] >= advice["disparity"]).all()


def test_labels_help_a_tiny_d0_and_not_a_large_one():
    rng = np.random.RandomState(1)
    Xp, _, gp = population(3000, rng)
    small = advise(*population(60, rng), Xp, gp, budgets=[1000])
    large = advise(*population(3000, rng), Xp, gp, budgets=[50])
    assert small["gain"].iloc[0] > 0.01
    assert abs(large["gain"].iloc[0]) < 0.005


def test_covariate_shift_is_flagged():
    rng = np.random.RandomState(2)
    X, y, g = population(500, rng)
    Xp, _, gp = population(500, rng, shift=1.5)
    with pytest.warns(UserWarning, match="D0 is unlike the pool"):
        advice = advise(X, y, g, Xp, gp, budgets=[50])
    assert advice.attrs["shift_auc"] > 0.7
    w, auc = domain_weights(X, g, Xp, gp, random_state=0)
    assert np.corrcoef(w, X[:, 0])[0, 1] > 0.5  # rows like the pool's weigh more


@pytest.mark.parametrize("kwargs, match", [
    (dict(budgets=[0]), "budgets"), (dict(budgets=[801]), r"n_pool=800"),
    (dict(confidence=1.5), "confidence"), (dict(n_splits=2), "n_splits"),
    (dict(test_size=0), "test_size"), (dict(estimator="lr"), "estimator"),
])
def test_bad_arguments_name_the_argument(data, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        advise(*data, **kwargs)


def test_bad_shapes_and_labels(data):
    X, y, g, Xp, gp = data
    with pytest.raises(ValueError, match="X_pool has 3 columns"):
        advise(X, y, g, Xp[:, :3], gp)
    with pytest.raises(ValueError, match="two classes"):
        advise(X, np.zeros_like(y), g, Xp, gp)
    with pytest.raises(ValueError, match="sensitive_features_pool has 10 rows"):
        advise(X, y, g, Xp, gp[:10])


@pytest.mark.slow
def test_interval_covers_the_realised_f1_on_known_populations():
    """The promise, counted: 40 draws of D0 / pool / test, B random labels bought."""
    covered = []
    for seed in range(40):
        rng = np.random.RandomState(100 + seed)
        (X, y, g), (Xp, yp, gp), (Xt, yt, _) = (population(n, rng) for n in (400, 1000, 1000))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            advice = advise(X, y, g, Xp, gp, budgets=[100], test_size=1000)
        rows = rng.permutation(1000)[:100]
        model = LogisticRegression().fit(np.vstack([X, Xp[rows]]), np.r_[y, yp[rows]])
        f1 = f1_score(yt, model.predict(Xt))
        covered.append(advice.f1_low.iloc[0] <= f1 <= advice.f1_high.iloc[0])
    assert np.mean(covered) >= 0.75  # nominal 0.9


def test_label_shift_weights_hand_computed():
    """A perfect classifier: the pool's positive share per group is its predicted share."""
    y = np.tile([1, 0, 0, 0, 1, 1, 0, 0], 100)          # group 0: 1/4 positive; group 1: 2/4
    g = np.tile([0, 0, 0, 0, 1, 1, 1, 1], 100)
    gp = np.repeat([0, 1], 500)                         # pool: 500 rows per group
    pool_pred = np.r_[np.ones(300), np.zeros(200), np.ones(255), np.zeros(245)]
    folds = [{"held": np.arange(800), "pred": y.copy(), "pool_pred": pool_pred}]
    w = label_shift_weights(folds, y, g, gp)
    # group 0 shifts (0.25 -> 0.6): positives 0.6/0.25, negatives 0.4/0.75; group 1's
    # 0.51 vs 0.50 is within 2 standard errors: no shift, weight 1.
    expected = np.tile([2.4, 0.4 / 0.75, 0.4 / 0.75, 0.4 / 0.75, 1, 1, 1, 1], 100)
    np.testing.assert_allclose(w, expected / expected.mean())
