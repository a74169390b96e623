"""Every bad input to the parity metrics raises an error naming the argument."""

import numpy as np
import pytest

from skpanda.metrics import (
    constraint_name,
    demographic_parity,
    disparity,
    equalized_odds,
    error_rate_balance,
    get_constraint,
)

ALL = [demographic_parity, equalized_odds, error_rate_balance]
Y, H, G = [0, 1, 0, 1], [0, 1, 1, 0], ["a", "a", "b", "b"]


@pytest.mark.parametrize("metric", ALL)
def test_mismatched_lengths(metric):
    with pytest.raises(ValueError, match="sensitive_features has 3 rows but y_pred has 4"):
        metric(Y, H, sensitive_features=G[:3])


@pytest.mark.parametrize("metric", [equalized_odds, error_rate_balance])
def test_mismatched_y_true_length(metric):
    with pytest.raises(ValueError, match="y_true has 3 rows but y_pred has 4"):
        metric(Y[:3], H, sensitive_features=G)


def test_mismatched_y_true_length_dp():
    with pytest.raises(ValueError, match="y_true has 3 rows but y_pred has 4"):
        demographic_parity(Y[:3], H, sensitive_features=G)


@pytest.mark.parametrize("metric", ALL)
def test_empty_input(metric):
    with pytest.raises(ValueError, match="y_pred is empty"):
        metric([], [], sensitive_features=[])


@pytest.mark.parametrize("metric", ALL)
def test_single_group(metric):
    with pytest.raises(ValueError, match="sensitive_features has a single group; a disparity "
                                         "needs at least two"):
        metric(Y, H, sensitive_features=["a"] * 4)


@pytest.mark.parametrize("metric", ALL)
@pytest.mark.parametrize("bad", [[0, np.nan, 1, 0], [0, 1.5, 1, 0], [0, -0.1, 1, 0]])
def test_bad_y_pred(metric, bad):
    with pytest.raises(ValueError, match="y_pred"):
        metric(Y, bad, sensitive_features=G)


def test_y_pred_nan_message():
    with pytest.raises(ValueError, match="y_pred contains NaN"):
        demographic_parity(None, [0, np.nan, 1, 0], sensitive_features=G)


def test_y_pred_out_of_range_message():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\].*proba\[:, 1\]"):
        demographic_parity(None, [0, 2, 1, 0], sensitive_features=G)


def test_y_pred_two_columns():
    with pytest.raises(ValueError, match=r"y_pred must be 1-dimensional.*\(4, 2\)"):
        demographic_parity(None, np.zeros((4, 2)), sensitive_features=G)


def test_y_pred_strings():
    with pytest.raises(TypeError, match="y_pred must be numeric"):
        demographic_parity(None, ["yes", "no", "yes", "no"], sensitive_features=G)


@pytest.mark.parametrize("metric", ALL)
@pytest.mark.parametrize("bad", [[0, None, "a", "b"], [0.0, np.nan, 1.0, 1.0]])
def test_missing_group(metric, bad):
    with pytest.raises(ValueError, match=r"sensitive_features contains missing values"):
        metric(Y, H, sensitive_features=bad)


def test_sensitive_features_required():
    with pytest.raises(ValueError, match="sensitive_features is required"):
        demographic_parity(Y, H, sensitive_features=None)


def test_sensitive_features_scalar():
    with pytest.raises(TypeError, match="sensitive_features must be array-like"):
        demographic_parity(Y, H, sensitive_features="sex")


@pytest.mark.parametrize("metric", [equalized_odds, error_rate_balance])
@pytest.mark.parametrize("bad", [[0, 1, 2, 1], ["no", "yes", "no", "yes"], [0, 1, np.nan, 1],
                                 [-1, 1, -1, 1]])
def test_non_binary_y_true(metric, bad):
    with pytest.raises(ValueError, match="y_true must hold binary 0/1 labels"):
        metric(bad, H, sensitive_features=G)


@pytest.mark.parametrize("metric", [equalized_odds, error_rate_balance])
def test_y_true_required(metric):
    with pytest.raises(ValueError, match="y_true is required.*binary 0/1 labels"):
        metric(None, H, sensitive_features=G)


@pytest.mark.parametrize("metric", ALL)
def test_unknown_method(metric):
    with pytest.raises(ValueError, match="method='max' is not supported; use 'difference' or"):
        metric(Y, H, sensitive_features=G, method="max")


def test_unknown_constraint():
    with pytest.raises(ValueError, match="constraint='parity' is unknown"):
        disparity(Y, H, sensitive_features=G, constraint="parity")
    with pytest.raises(ValueError, match="constraint='parity' is unknown"):
        get_constraint("parity")


def test_constraint_wrong_type():
    with pytest.raises(TypeError, match="constraint must be a name.*got int"):
        constraint_name(3)


@pytest.mark.parametrize("bad", [[1, 1, -1, 1], [1, np.inf, 1, 1], [0, 0, 0, 0]])
def test_bad_sample_weight(bad):
    with pytest.raises(ValueError, match="sample_weight must be finite, non-negative"):
        demographic_parity(Y, H, sensitive_features=G, sample_weight=bad)


def test_sample_weight_length():
    with pytest.raises(ValueError, match="sample_weight has 3 entries but y_pred has 4"):
        demographic_parity(Y, H, sensitive_features=G, sample_weight=[1, 1, 1])
