"""Tests for make_biased_classification."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from skpanda.datasets import make_biased_classification


def _rates(y, groups):
    return np.array([y[groups == g].mean() for g in np.unique(groups)])


def test_shapes_types_and_group_sizes():
    bunch = make_biased_classification(1_000, 7, random_state=0)
    assert bunch.data.shape == (1_000, 7) and bunch.data.dtype == np.float64
    assert bunch.target.shape == bunch.sensitive.shape == (1_000,)
    assert set(np.unique(bunch.target)) == {0, 1}
    np.testing.assert_array_equal(np.bincount(bunch.sensitive), [700, 300])
    assert bunch.feature_names == [f"x{j}" for j in range(7)]
    assert "2 groups" in bunch.DESCR


def test_return_X_y_matches_bunch():
    X, y, groups = make_biased_classification(50, 3, random_state=1, return_X_y=True)
    bunch = make_biased_classification(50, 3, random_state=1)
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)
    np.testing.assert_array_equal(groups, bunch.sensitive)


def test_reproducible_and_seed_dependent():
    a = make_biased_classification(200, 4, random_state=3, return_X_y=True)
    b = make_biased_classification(200, 4, random_state=3, return_X_y=True)
    c = make_biased_classification(200, 4, random_state=4, return_X_y=True)
    for left, right in zip(a, b):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a[0], c[0])


def test_base_rate_gap_grows_with_label_bias():
    gaps = []
    for label_bias in (0.0, 0.3, 0.6):
        _, y, groups = make_biased_classification(
            40_000, 5, label_bias=label_bias, random_state=0, return_X_y=True
        )
        rates = _rates(y, groups)
        gaps.append(rates[0] - rates[1])
        assert gaps[-1] == pytest.approx(label_bias, abs=0.03)
        assert rates.mean() == pytest.approx(0.5, abs=0.03)
    assert gaps[0] < gaps[1] < gaps[2]


def test_rates_decrease_across_several_groups():
    _, y, groups = make_biased_classification(
        30_000, 4, n_groups=4, group_imbalance=0.4, label_bias=0.6,
        random_state=0, return_X_y=True,
    )
    np.testing.assert_array_equal(np.bincount(groups), [12_000, 6_000, 6_000, 6_000])
    rates = _rates(y, groups)
    np.testing.assert_allclose(rates, [0.8, 0.6, 0.4, 0.2], atol=0.03)


def test_a_trained_classifier_favours_the_majority():
    X, y, groups = make_biased_classification(5_000, 5, random_state=0, return_X_y=True)
    predicted = LogisticRegression().fit(X, y).predict(X)
    rates = _rates(predicted, groups)
    assert rates[0] - rates[1] > 0.1


def test_float32_option():
    X, _, _ = make_biased_classification(100, 3, dtype="float32", return_X_y=True)
    assert X.dtype == np.float32


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_samples": 3}, ValueError, "n_samples=3 is too small; it must be at least 4"),
        ({"n_samples": 10.0}, TypeError, "n_samples must be an int"),
        ({"n_features": 0}, ValueError, "n_features=0 is too small"),
        ({"n_groups": 1}, ValueError, "n_groups=1 is too small"),
        ({"group_imbalance": 1.0}, ValueError, "group_imbalance=1.0 must lie strictly"),
        ({"group_imbalance": 0.0}, ValueError, "group_imbalance=0.0 must lie strictly"),
        ({"group_imbalance": 0.2}, ValueError, "is below 1/n_groups"),
        ({"label_bias": 1.0}, ValueError, r"label_bias=1.0 must lie in \[0, 1\)"),
        ({"label_bias": -0.1}, ValueError, "label_bias=-0.1 must lie"),
        ({"dtype": "int64"}, ValueError, "dtype='int64' is not supported"),
    ],
)
def test_bad_arguments_raise(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_biased_classification(**kwargs)


@settings(max_examples=30, deadline=None)
@given(
    n_groups=st.integers(2, 5),
    extra=st.integers(0, 200),
    n_features=st.integers(1, 6),
    share=st.floats(0.0, 0.99),
    label_bias=st.floats(0.0, 0.99),
    seed=st.integers(0, 2**31 - 1),
)
def test_every_group_present_and_outputs_valid(
    n_groups, extra, n_features, share, label_bias, seed
):
    n_samples = 2 * n_groups + extra
    imbalance = 1 / n_groups + share * (1 - 1 / n_groups)
    if imbalance >= 1:
        imbalance = 0.99
    X, y, groups = make_biased_classification(
        n_samples, n_features, n_groups=n_groups, group_imbalance=imbalance,
        label_bias=label_bias, random_state=seed, return_X_y=True,
    )
    assert X.shape == (n_samples, n_features) and np.isfinite(X).all()
    assert set(np.unique(y)) <= {0, 1}
    counts = np.bincount(groups, minlength=n_groups)
    assert len(counts) == n_groups and (counts >= 1).all()
    assert counts[0] == counts.max()
