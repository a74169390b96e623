"""The shared cell-means core, on numpy arrays (torch: tests/panda/test_nn_disparity.py)."""

import numpy as np
import pytest

from skpanda.metrics._cells import _compare, cell_gaps, numpy_segment_sum, worst_gap


def test_segment_sum_one_and_many_columns_agree():
    rng = np.random.RandomState(0)
    index, values = rng.randint(5, size=30), rng.uniform(size=(30, 3))
    many = numpy_segment_sum(values, index, 6)  # membership-matrix path
    ones = np.hstack([numpy_segment_sum(values[:, [j]], index, 6) for j in range(3)])  # bincount
    np.testing.assert_allclose(many, ones, atol=1e-12)
    assert many.shape == (6, 3) and np.all(many[5] == 0)  # segment 5 has no rows


def test_cell_gaps_hand_computed():
    # cells Y=0 / Y=1; group 0: (0.2 | 0.8), group 1: (0.4, 0.0 | 0.6)
    H = np.array([[0.2], [0.8], [0.4], [0.0], [0.6]])
    groups, cell = np.array([0, 0, 1, 1, 1]), np.array([0, 1, 0, 0, 1])
    kw = dict(n_groups=2, n_cells=2, cell=cell, segment_sum=numpy_segment_sum)
    gaps = cell_gaps(H, groups, np.ones(5), **kw)
    # Y=0: means 0.2, 0.2 around 0.2; Y=1: means 0.8, 0.6 around 0.7
    np.testing.assert_allclose(gaps.ravel(), [0.0, 0.0, 0.1, 0.1], atol=1e-15)
    pairs = cell_gaps(H, groups, np.ones(5), pairwise=True, **kw)
    assert worst_gap(pairs) == pytest.approx(0.2)
    ratio = cell_gaps(H, groups, np.ones(5), pairwise=True, method="ratio", **kw)
    assert worst_gap(ratio, "ratio") == pytest.approx(0.6 / 0.8)


def test_empty_cells_are_neutral_never_nan():
    # group 2 has no rows; a zero weight empties group 1
    H, groups, w = np.array([[1.0], [0.0], [0.5]]), np.array([0, 0, 1]), np.array([1, 1, 0.0])
    for method, neutral in (("difference", 0.0), ("ratio", 1.0)):
        for pairwise in (False, True):
            gaps = cell_gaps(H, groups, w, n_groups=3, segment_sum=numpy_segment_sum,
                             pairwise=pairwise, method=method)
            assert np.isfinite(gaps).all()
            assert worst_gap(gaps, method) == neutral  # only group 0 is left


def test_compare_ratio_zero_over_zero_is_one():
    u, v = np.array([0.0, 0.2, 0.5]), np.array([0.0, 0.4, 0.25])
    np.testing.assert_array_equal(_compare(u, v, "ratio"), [1.0, 0.5, 0.5])
    np.testing.assert_allclose(_compare(u, v, "difference"), [0.0, 0.2, 0.25])


def test_worst_gap_per_column():
    gaps = np.array([[0.1, 0.7], [0.3, 0.2]])
    np.testing.assert_array_equal(worst_gap(gaps, per_column=True), [0.3, 0.7])
    np.testing.assert_array_equal(worst_gap(gaps, "ratio", per_column=True), [0.1, 0.2])
    assert worst_gap(gaps) == 0.7


def test_one_weight_column_per_prediction_column_equals_column_by_column():
    rng = np.random.RandomState(1)
    H, W = rng.uniform(size=(30, 3)), rng.uniform(size=(30, 3))
    groups, cell = rng.randint(3, size=30), rng.randint(2, size=30)
    W[groups == 2, 1] = 0.0  # column 1 has an empty group
    for pairwise in (False, True):
        kw = dict(n_groups=3, n_cells=2, cell=cell, segment_sum=numpy_segment_sum,
                  pairwise=pairwise)
        both = cell_gaps(H, groups, W, **kw)
        each = np.hstack([cell_gaps(H[:, [j]], groups, W[:, j], **kw) for j in range(3)])
        np.testing.assert_allclose(both, each, atol=1e-12)
