"""Tests of PandaQuerySelector, the scikit-learn face of PANDA."""

import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

from skpanda.datasets import make_biased_classification
from skpanda.panda import PandaQuerySelector

TINY = dict(budget=20, n_iter=4, d_model=8, n_heads=2, n_inducing=4, n_memory=4,
            inner_steps=3, n_samples=2, device="cpu")


@pytest.fixture(scope="module")
def data():
    X, y, g = make_biased_classification(600, 6, random_state=0, return_X_y=True)
    return X[:400], y[:400], g[:400], X[400:]


@pytest.fixture(scope="module")
def fitted(data):
    X, y, g, _ = data
    return PandaQuerySelector(**TINY, random_state=0).fit(X, y, sensitive_features=g)


def test_select_returns_budget_unique_valid_positions(fitted, data):
    pool = data[3]
    chosen = fitted.select(pool)
    assert chosen.shape == (20,) and chosen.dtype.kind == "i"
    assert np.unique(chosen).size == 20
    assert chosen.min() >= 0 and chosen.max() < pool.shape[0]
    assert fitted.select(pool, budget=7).shape == (7,)


def test_select_is_deterministic_without_sensitive_features(fitted, data):
    pool = data[3]
    np.testing.assert_array_equal(fitted.select(pool), fitted.select(pool))


def test_sampled_selection_is_seeded_by_random_state(fitted, data):
    pool = data[3]
    a = fitted.set_params(sample=True)
    try:
        first, second = a.select(pool), a.select(pool)
    finally:
        a.set_params(sample=False)
    np.testing.assert_array_equal(first, second)
    assert np.unique(first).size == 20


def test_pool_larger_than_in_training(fitted):
    X_big, _, _ = make_biased_classification(5000, 6, random_state=1, return_X_y=True)
    with pytest.warns(UserWarning, match="meta-trained for"):  # see test_scoring.py
        chosen = fitted.select(X_big, budget=300)
    assert np.unique(chosen).size == 300


def test_select_does_not_mutate_inputs(fitted, data):
    pool = data[3].copy()
    fitted.select(pool)
    np.testing.assert_array_equal(pool, data[3])


def test_fitted_attributes_and_transform_is_rowwise(fitted, data):
    X = data[0]
    assert fitted.n_iter_ == 4 and len(fitted.history_["val_loss"]) == 4
    assert fitted.n_features_in_ == 6
    Z = fitted.transform(X)
    assert Z.shape == (400, 8)
    np.testing.assert_allclose(fitted.transform(X[:5]), Z[:5], atol=1e-6)
    assert hasattr(fitted.policy_, "forward") and hasattr(fitted.encoder_net_, "forward")


def test_same_random_state_same_fit(data):
    X, y, g, pool = data
    a = PandaQuerySelector(**TINY, random_state=3).fit(X, y, sensitive_features=g)
    b = PandaQuerySelector(**TINY, random_state=3).fit(X, y, sensitive_features=g)
    np.testing.assert_array_equal(a.select(pool), b.select(pool))


def test_save_load_round_trip_gives_same_selection(fitted, data, tmp_path):
    path = fitted.save(tmp_path / "panda.pt")
    loaded = PandaQuerySelector.load(path, device="cpu")
    np.testing.assert_array_equal(loaded.select(data[3]), fitted.select(data[3]))
    np.testing.assert_allclose(loaded.transform(data[0]), fitted.transform(data[0]))
    assert loaded.get_params()["budget"] == 20
    # a directory works too
    fitted.save(tmp_path)
    np.testing.assert_array_equal(PandaQuerySelector.load(tmp_path).select(data[3]),
                                  fitted.select(data[3]))


def test_load_refuses_foreign_files(tmp_path):
    bad = tmp_path / "evil.pt"
    bad.write_bytes(pickle.dumps({"format": "x"}))
    with pytest.raises(ValueError, match="is not a skpanda PANDA file"):
        PandaQuerySelector.load(bad)
    import torch

    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(2)}, other)
    with pytest.raises(ValueError, match="missing format tag"):
        PandaQuerySelector.load(other)


def test_pickle_round_trip(fitted, data):
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone.select(data[3]), fitted.select(data[3]))


def test_checkpoint_resume(data, tmp_path):
    X, y, g, pool = data
    path = tmp_path / "ckpt.pt"
    first = PandaQuerySelector(**{**TINY, "n_iter": 2}, checkpoint_path=path, random_state=0)
    first.fit(X, y, sensitive_features=g)
    assert path.is_file()
    resumed = PandaQuerySelector(**TINY, checkpoint_path=path, random_state=0)
    resumed.fit(X, y, sensitive_features=g)
    assert resumed.n_iter_ == 4 and len(resumed.history_["val_loss"]) == 4


def test_ctrl_c_in_encoder_pretraining_interrupts_fit_and_writes_no_checkpoint(
        data, tmp_path, monkeypatch):
    from skpanda.panda._nn.encoder import RowEncoder

    X, y, g, _ = data
    real, calls = RowEncoder.forward, {"n": 0}

    def interrupted(self, x):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, x)

    monkeypatch.setattr(RowEncoder, "forward", interrupted)
    path = tmp_path / "ckpt.pt"
    selector = PandaQuerySelector(**TINY, checkpoint_path=path, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        selector.fit(X, y, sensitive_features=g)
    assert not path.exists() and not hasattr(selector, "policy_")


@pytest.mark.parametrize("change", ["data", "params"])
def test_checkpoint_of_another_fit_is_refused(data, tmp_path, change):
    """GridSearchCV with one checkpoint_path: a second fold/candidate must not resume the first."""
    X, y, g, _ = data
    path = tmp_path / "ckpt.pt"
    PandaQuerySelector(**{**TINY, "n_iter": 2}, checkpoint_path=path,
                       random_state=0).fit(X, y, sensitive_features=g)
    other = PandaQuerySelector(**TINY, checkpoint_path=path, random_state=0)
    if change == "data":
        X, y, g = X[:300], y[:300], g[:300]
    else:
        other.set_params(budget=10)
    with pytest.raises(ValueError, match="checkpoint_path=.* holds a meta-training checkpoint .* cannot be resumed"):
        other.fit(X, y, sensitive_features=g)
    assert not hasattr(other, "policy_")


@pytest.mark.parametrize("params, match", [
    (dict(rho=0.0), "rho must be a positive number"),
    (dict(rho=-1), "rho must be a positive number"),
    (dict(constraint="nope"), "nope"),
    (dict(d_model=10, n_heads=4), "d_model=10 must be divisible by n_heads=4"),
    (dict(n_iter=0), r"'n_iter' parameter of PandaQuerySelector must be an int in the range \[1"),
    (dict(device="tpu-9"), "device='tpu-9'"),
    (dict(validation_fraction=1.0), r"'validation_fraction' parameter .* range \[0.0, 1.0\)"),
    (dict(fairness_penalty=-1.0), r"'fairness_penalty' parameter .* \{'auto'\} or a float"),
    (dict(fairness_penalty="strong"), r"'fairness_penalty' parameter .* \{'auto'\}"),
    (dict(sample="yes"), r"'sample' parameter of PandaQuerySelector must be .*bool"),
    (dict(learning_rate=0.0), r"'learning_rate' parameter .* range \(0"),
])
def test_bad_parameters_raise(params, match, data):
    X, y, g, _ = data
    with pytest.raises(ValueError, match=match):
        PandaQuerySelector(**{**TINY, **params}).fit(X, y, sensitive_features=g)


@pytest.fixture(scope="module")
def fitted_for_eg(data):
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient
    from sklearn.linear_model import LogisticRegression

    X, y, g, _ = data
    eg = ExponentiatedGradient(LogisticRegression(), DemographicParity(difference_bound=0.05))
    return PandaQuerySelector(**TINY, estimator=eg, random_state=0).fit(
        X, y, sensitive_features=g)


def test_a_constrained_estimator_switches_to_the_constrained_recipe(fitted, fitted_for_eg):
    assert fitted.fairness_penalty_ == 0.0 and fitted.policy_.inputs == "representation"
    assert fitted_for_eg.fairness_penalty_ == 30.0 and fitted_for_eg.policy_.inputs == "score"
    assert fitted_for_eg.n_iter_ == 4 and len(fitted_for_eg.history_["val_f1"]) == 4


def test_constrained_selection_is_a_seeded_sample(fitted_for_eg, data):
    pool = data[3]
    first = fitted_for_eg.select(pool)
    np.testing.assert_array_equal(first, fitted_for_eg.select(pool))
    assert np.unique(first).size == 20 and first.max() < pool.shape[0]
    other = fitted_for_eg.set_params(random_state=1).select(pool)
    fitted_for_eg.set_params(random_state=0)
    assert not np.array_equal(np.sort(first), np.sort(other))  # sampled, not a fixed top-B
    fitted_for_eg.set_params(sample=False)
    try:
        top = fitted_for_eg.select(pool)
        np.testing.assert_array_equal(top, fitted_for_eg.set_params(random_state=1).select(pool))
    finally:
        fitted_for_eg.set_params(sample="auto", random_state=0)


def test_explicit_penalty_overrides_auto(data):
    X, y, g, _ = data
    sel = PandaQuerySelector(**TINY, fairness_penalty=5.0, random_state=0).fit(
        X, y, sensitive_features=g)
    assert sel.fairness_penalty_ == 5.0 and sel.policy_.inputs == "score"


def test_constrained_save_load_round_trip(fitted_for_eg, data, tmp_path):
    path = fitted_for_eg.save(tmp_path / "panda.pt")
    loaded = PandaQuerySelector.load(path, estimator=fitted_for_eg.estimator, device="cpu")
    assert loaded.fairness_penalty_ == 30.0 and loaded.policy_.inputs == "score"
    np.testing.assert_array_equal(loaded.select(data[3]), fitted_for_eg.select(data[3]))


def test_d0_smaller_than_the_budget_raises(data):
    X, y, g, _ = data
    with pytest.raises(ValueError, match=r"D0 has 400 labeled rows: too few .* budget=300"):
        PandaQuerySelector(**{**TINY, "budget": 300}).fit(X, y, sensitive_features=g)


def test_tiny_group_raises_with_the_number_needed(data):
    X, y, g, _ = data
    g = np.zeros_like(g)
    g[:2] = 1
    with pytest.raises(ValueError, match="group 1 has 2 rows in D0; PANDA needs at least 4"):
        PandaQuerySelector(**TINY).fit(X, y, sensitive_features=g)


def test_importing_panda_and_friends_does_not_import_torch():
    code = ("import sys, skpanda, skpanda.selectors, skpanda.metrics, skpanda.panda; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_fairlearn_bound_other_than_rho_warns_naming_both(data):
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient
    from sklearn.linear_model import LogisticRegression

    X, y, g, _ = data
    eg = ExponentiatedGradient(LogisticRegression(), DemographicParity(difference_bound=0.1))
    with pytest.warns(UserWarning, match=r"bound \(0.1\) differs from rho=0.04"):
        PandaQuerySelector(**{**TINY, "n_iter": 1}, rho=0.04, estimator=eg).fit(
            X, y, sensitive_features=g)


def test_a_pool_aware_estimator_meta_trains_with_the_pool_aware_recipe(data):
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.linear_model import LogisticRegression

    class PoolAwareLR(ClassifierMixin, BaseEstimator):
        def fit(self, X, y, *, sensitive_features=None, X_unlabeled=None,
                sample_weight=None):
            self.lr_ = LogisticRegression().fit(X, y, sample_weight=sample_weight)
            self.classes_ = self.lr_.classes_
            return self

        def predict(self, X):
            return self.lr_.predict(X)

    X, y, g, pool = data
    sel = PandaQuerySelector(**TINY, estimator=PoolAwareLR(), random_state=0).fit(
        X, y, sensitive_features=g)
    assert sel.fairness_penalty_ == 30.0 and sel.policy_.inputs == "score"
    assert sel.select(pool).shape == (20,)


@pytest.mark.parametrize("budget, error", [(0, ValueError), (-1, ValueError),
                                           (True, TypeError), (2.5, TypeError)])
def test_bad_budget_raises_before_pretraining(data, monkeypatch, budget, error):
    from skpanda.panda._nn import bridge

    def no_pretraining(*args, **kwargs):
        raise AssertionError("the encoder was pretrained before the budget was checked")

    monkeypatch.setattr(bridge, "fit_encoder", no_pretraining)
    X, y, g, _ = data
    with pytest.raises(error, match="budget"):
        PandaQuerySelector(**{**TINY, "budget": budget}).fit(X, y, sensitive_features=g)
    with pytest.raises(ValueError, match=r"D0 has 400 labeled rows: too few"):
        PandaQuerySelector(**{**TINY, "budget": 300}).fit(X, y, sensitive_features=g)
    with pytest.raises(ValueError, match=r"pool_size.*1\.5"):
        PandaQuerySelector(**{**TINY, "pool_size": 1.5}).fit(X, y, sensitive_features=g)


def test_fit_runs_torch_on_one_thread_and_restores_the_callers_count(data):
    import torch
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_info, threadpool_limits

    seen = []

    class Probe(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            seen.append((torch.get_num_threads(),
                         {p["num_threads"] for p in threadpool_info()}))
            return super().fit(X, y, sample_weight=sample_weight)

    X, y, g, pool = data
    caller = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with threadpool_limits(limits=2):
            before = [p["num_threads"] for p in threadpool_info()]
            sel = PandaQuerySelector(**TINY, estimator=Probe(), random_state=0)
            sel.fit(X, y, sensitive_features=g)
            assert torch.get_num_threads() == 2
            assert [p["num_threads"] for p in threadpool_info()] == before
            sel.select(pool)
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(caller)
    assert seen and all(t == 1 and pools == {1} for t, pools in seen)


@pytest.mark.parametrize("pool_size, cap, expected", [
    (None, 4000, 200),  # half of D0 (400 rows) when that is under the cap
    (None, 150, 150),   # the cap
    (None, 60, 100),    # a cap below 10 x budget (budget 10): 10 x budget
    (300, 150, 300),    # an explicit pool_size is used as given
])
def test_default_simulated_pool_is_half_of_d0_capped(data, monkeypatch, pool_size, cap,
                                                     expected):
    from skpanda.panda import _selector
    from skpanda.panda._nn import bridge

    seen = []
    real = bridge.train_policy

    def spy(*args, **kwargs):
        seen.append(kwargs["pool_size"])
        return real(*args, **{**kwargs, "config": kwargs["config"].replace(n_iter=1)})

    monkeypatch.setattr(bridge, "train_policy", spy)
    monkeypatch.setattr(_selector, "_MAX_DEFAULT_POOL", cap)
    X, y, g, _ = data
    PandaQuerySelector(**{**TINY, "budget": 10, "n_iter": 1, "pool_size": pool_size}).fit(
        X, y, sensitive_features=g)
    assert seen == [expected]


def test_default_pool_cap_applies_to_large_d0():
    from skpanda.panda._selector import default_pool_size

    assert default_pool_size(24421, 400) == 4000   # Adult's D0, the README's budget
    assert default_pool_size(24421, 1000) == 10000  # 10 x budget
    assert default_pool_size(24421, 5000) == 12210  # half of D0
    assert default_pool_size(801, 400) == 400       # too small: _check_d0 refuses it


def _faithful_sgd():
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="log_loss", learning_rate="constant", eta0=0.01, max_iter=5,
                         random_state=0)


def test_faithful_recipe_meta_trains_sgd_steps_from_the_d0_classifier(data, monkeypatch):
    from skpanda.panda._nn import training

    seen = {}
    real = training.meta_train

    def spy(*args, **kw):
        seen.update(kw)
        return real(*args, **kw)

    monkeypatch.setattr(training, "meta_train", spy)
    X, y, g, pool = data
    sel = PandaQuerySelector(**{**TINY, "n_iter": 2}, estimator=_faithful_sgd(),
                             recipe="faithful", random_state=0).fit(X, y, sensitive_features=g)
    cfg, learner = seen["config"], seen["learner"]
    assert (cfg.prox_optimizer, cfg.n_prox_steps, cfg.eta, cfg.keep_best, cfg.sample) == (
        "normalized", 40, 10.0, False, True)
    assert cfg.prox_keep_least_violating
    assert type(learner).__name__ == "SGDStepsLearner" and learner.epochs == 5
    h0 = np.r_[sel.estimator_.coef_.ravel(), sel.estimator_.intercept_]
    np.testing.assert_allclose(seen["learner_init"].numpy(), h0, rtol=1e-6)
    assert seen["pool_size"] == 200  # half of D0: the paper's |U| = |D0| / 2
    assert len(sel.history_["prox_reached"]) == 2
    assert sel.select(pool).shape == (20,)
    # explicit settings win over the preset's
    sel2 = PandaQuerySelector(**{**TINY, "n_iter": 1}, estimator=_faithful_sgd(),
                              recipe="faithful", n_prox_steps=3, prox_learning_rate=0.2,
                              random_state=0).fit(X, y, sensitive_features=g)
    assert (seen["config"].n_prox_steps, seen["config"].prox_learning_rate) == (3, 0.2)
    assert sel2.n_iter_ == 1


def test_faithful_fit_selected_continues_sgd_from_the_d0_classifier(data):
    from sklearn.base import clone

    X, y, g, pool = data
    sel = PandaQuerySelector(**{**TINY, "n_iter": 1}, estimator=_faithful_sgd(),
                             recipe="faithful", random_state=0).fit(X, y, sensitive_features=g)
    h0 = sel.estimator_.coef_.copy(), sel.estimator_.intercept_.copy()
    rows = sel.select(pool)
    y_pool = np.where(pool[:, 0] > 0, 1, 0)  # any labels with both classes
    model = sel.fit_selected(pool, y_pool, positions=rows)
    Z = sel.transform(pool[rows])
    warm = clone(_faithful_sgd()).fit(Z, y_pool[rows], coef_init=h0[0].copy(),
                                      intercept_init=h0[1].copy())
    cold = clone(_faithful_sgd()).fit(Z, y_pool[rows])
    np.testing.assert_allclose(model[-1].coef_, warm.coef_, rtol=1e-12)
    assert not np.allclose(model[-1].coef_, cold.coef_)
    np.testing.assert_array_equal(sel.estimator_.coef_, h0[0])  # h0 itself untouched
    auto = PandaQuerySelector(**{**TINY, "n_iter": 1}, estimator=_faithful_sgd(),
                              random_state=0).fit(X, y, sensitive_features=g)
    auto_model = auto.fit_selected(pool, y_pool, positions=rows)
    cold_auto = clone(_faithful_sgd()).fit(auto.transform(pool[rows]), y_pool[rows])
    np.testing.assert_allclose(auto_model[-1].coef_, cold_auto.coef_, rtol=1e-12)


def test_faithful_select_warns_when_the_pool_share_is_unlike_the_simulated_one(data):
    X, y, g, pool = data  # D0: 400 rows -> simulated pools of 200, budget 20: a 10 % share
    sel = PandaQuerySelector(**{**TINY, "n_iter": 1}, estimator=_faithful_sgd(),
                             recipe="faithful", random_state=0).fit(X, y, sensitive_features=g)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*simulated pool rows.*")
        sel.select(pool)  # 20 of 200: the share it was trained for
        sel.select(np.vstack([pool, pool[:150]]), 20)  # 20 of 350 (5.7 %): within 2x
    with pytest.warns(UserWarning, match=r"20 of 200 simulated pool rows \(10.0%\); select "
                      r"picks 20 of 1000 \(2.0%\). Refit with pool_size=1000"):
        sel.select(np.tile(pool, (5, 1)))
    auto = PandaQuerySelector(**{**TINY, "n_iter": 1}, random_state=0).fit(
        X, y, sensitive_features=g)
    with warnings.catch_warnings():  # the automatic recipes do not promise the share
        warnings.filterwarnings("error", message=".*simulated pool rows.*")
        auto.select(np.tile(pool, (5, 1)))


@pytest.mark.parametrize("params, match", [
    (dict(), "estimator=LogisticRegression"),
    (dict(estimator="hinge"), "loss='log_loss'"),
    (dict(estimator="sgd", fairness_penalty=5.0), "fairness_penalty=5.0"),
    (dict(recipe="paper"), r"'recipe' parameter of PandaQuerySelector must be"),
])
def test_faithful_recipe_refuses_what_it_cannot_simulate(params, match, data):
    from sklearn.linear_model import LogisticRegression, SGDClassifier

    params = {"recipe": "faithful", "estimator": LogisticRegression(), **params}
    params["estimator"] = {"hinge": SGDClassifier(learning_rate="constant", eta0=0.1),
                           "sgd": _faithful_sgd()}.get(params["estimator"], params["estimator"])
    X, y, g, _ = data
    with pytest.raises(ValueError, match=match):
        PandaQuerySelector(**TINY, **params).fit(X, y, sensitive_features=g)


def _select_before_issue_22(selector, pool, budget):
    """``select`` as it was: the whole pool encoded and scored in one forward pass, then top-B."""
    import torch
    from sklearn.utils import check_random_state

    from skpanda.panda._nn.gumbel import gumbel_perturb
    from skpanda.panda._nn.policy import policy_inputs
    from skpanda.selectors._utils import top_k

    rng = check_random_state(selector.random_state)
    with torch.no_grad():
        Z = selector.encoder_.module.features(torch.as_tensor(pool, dtype=torch.float32))
        logits = selector.policy_(policy_inputs(Z, selector.encoder_.head()))
        if selector._sampling():
            gen = torch.Generator().manual_seed(int(rng.randint(2**31 - 1)))
            logits = gumbel_perturb(logits, generator=gen)
        else:
            rng.randint(2**31 - 1)  # the seed select draws either way
    return top_k(logits.double().numpy(), budget, rng)


@pytest.mark.parametrize("sample", [False, True])
def test_chunked_select_equals_the_one_pass_selection(fitted, monkeypatch, sample):
    import functools

    from skpanda.panda._nn import bridge

    X_big, _, _ = make_biased_classification(3000, 6, random_state=2, return_X_y=True)
    reference = _select_before_issue_22(fitted.set_params(sample=sample), X_big, 20)
    monkeypatch.setattr(bridge, "score_pool", functools.partial(bridge.score_pool,
                                                                 chunk_size=336))
    monkeypatch.setattr(fitted.encoder_, "chunk_size", 256)
    try:
        np.testing.assert_array_equal(fitted.select(X_big), reference)
    finally:
        fitted.set_params(sample=False)
