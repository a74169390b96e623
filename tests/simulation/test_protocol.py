"""The §4 protocol: splits, method names, selector factory, oracle."""

import numpy as np
import pandas as pd
import pytest
from fairlearn.reductions import DemographicParity, ExponentiatedGradient

from skpanda.selectors import (
    EntropyQuerySelector,
    FairActiveLearningQuerySelector,
    GroupRandomQuerySelector,
    MarginQuerySelector,
    RandomQuerySelector,
)
from skpanda.simulation._protocol import (
    METHODS,
    check_methods,
    load_dataset,
    make_oracle,
    make_selector,
    split_protocol,
)


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    n = 800
    X = pd.DataFrame({"row": np.arange(n, dtype=float), "x": rng.normal(size=n),
                      "color": rng.choice(["red", "blue"], n)})
    y = rng.randint(0, 2, n)
    groups = rng.choice(["F", "M"], n, p=[0.3, 0.7])
    return X, y, groups


def _rows(split_X):
    # the "row" column is standardised: a monotone map, so ranks identify rows
    return split_X[:, 0]


def test_split_sizes_disjoint_and_complete(data):
    X, y, g = data
    s = split_protocol(X, y, g, random_state=0)
    assert (len(s.y_train), len(s.y_pool), len(s.y_test)) == (400, 200, 200)
    # one-hot (2 colors) + 2 numeric columns, dense float
    assert s.X_train.shape == (400, 4) and s.X_pool.dtype == float
    ids = np.concatenate([_rows(s.X_train), _rows(s.X_pool), _rows(s.X_test)])
    assert np.unique(ids).size == 800


def test_split_is_stratified_by_label_and_group(data):
    X, y, g = data
    s = split_protocol(X, y, g, random_state=3)
    codes = (np.unique(g, return_inverse=True)[1]) * 2 + y
    full = np.bincount(codes, minlength=4) / codes.size
    for yy, gg in [(s.y_train, s.g_train), (s.y_pool, s.g_pool), (s.y_test, s.g_test)]:
        part = np.bincount(gg * 2 + yy, minlength=4) / yy.size
        np.testing.assert_allclose(part, full, atol=0.011)


def test_groups_are_coded_in_sorted_order(data):
    X, y, g = data
    s = split_protocol(X, y, g, random_state=0)
    assert set(np.unique(s.g_train)) == {0, 1}
    # "F" (code 0) is the 30% minority
    assert np.mean(s.g_train == 0) == pytest.approx(0.3, abs=0.05)


def test_split_depends_on_the_seed_only(data):
    X, y, g = data
    a, b = split_protocol(X, y, g, random_state=1), split_protocol(X, y, g, random_state=1)
    c = split_protocol(X, y, g, random_state=2)
    np.testing.assert_array_equal(a.X_pool, b.X_pool)
    assert not np.array_equal(a.y_pool, c.y_pool) or not np.array_equal(a.X_pool, c.X_pool)


def test_preprocessor_is_fitted_on_d0_only(data):
    X, y, g = data
    s = split_protocol(X, y, g, random_state=0)
    np.testing.assert_allclose(s.X_train[:, :2].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(s.X_train[:, :2].std(axis=0), 1.0, atol=1e-12)
    assert abs(s.X_pool[:, 1].mean()) > 1e-6


def test_tiny_cells_fall_back_to_label_stratification():
    X = np.arange(40.0).reshape(-1, 1)
    y = np.tile([0, 1], 20)
    g = np.zeros(40, int)
    g[:2] = 1  # a group with two rows cannot be split four ways
    s = split_protocol(X, y, g, random_state=0)
    assert len(s.y_pool) == 10 and np.mean(s.y_train) == 0.5


def test_check_methods():
    assert check_methods(None) == list(METHODS)
    assert check_methods("random, entropy,random") == ["random", "entropy"]
    with pytest.raises(ValueError, match=r"unknown or no method names \['bogus'\]"):
        check_methods(["random", "bogus"])
    with pytest.raises(ValueError, match="choose among"):
        check_methods([])


@pytest.mark.parametrize("method, cls", [
    ("random", RandomQuerySelector), ("margin", MarginQuerySelector),
    ("entropy", EntropyQuerySelector), ("group_random", GroupRandomQuerySelector),
    ("fal", FairActiveLearningQuerySelector), ("fairlearn", RandomQuerySelector),
    ("fairlearn_al", MarginQuerySelector),
])
def test_make_selector(method, cls):
    sel = make_selector(method, rho=0.05, random_state=7, fal_candidates=9)
    assert type(sel) is cls and sel.random_state == 7
    if method.startswith("fairlearn"):
        assert isinstance(sel.estimator, ExponentiatedGradient)
        assert isinstance(sel.estimator.constraints, DemographicParity)
        assert sel.estimator.constraints.eps == 0.05
    else:
        assert sel.estimator is None
    if method == "fal":
        assert (sel.alpha, sel.n_candidates) == (0.6, 9)


def test_make_selector_rejects_panda_and_unknown():
    with pytest.raises(ValueError, match="no selector factory"):
        make_selector("panda")


def test_make_oracle_answers_from_hidden_labels():
    oracle = make_oracle(np.array([1, 0, 1, 1]))
    np.testing.assert_array_equal(oracle(np.array([3, 1])), [1, 0])


def test_load_dataset_synthetic_and_unknown():
    X, y, g = load_dataset("synthetic", n_samples=100)
    assert X.shape[0] == y.shape[0] == g.shape[0] == 100
    with pytest.raises(ValueError, match="dataset='mnist' is unknown"):
        load_dataset("mnist")


@pytest.mark.parametrize("module", ["skpanda.simulation._protocol", "skpanda.simulation._cells",
                                    "skpanda.simulation._harness", "skpanda.simulation._figures",
                                    "skpanda.simulation"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module),
                             optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
