"""Tests for the shipped Adult data set."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skpanda.datasets import load_adult, make_preprocessor

# adult.names: 32,561 train + 16,281 test rows; 23.93% of them earn >50K.
N_ROWS = 48_842
N_POSITIVE = 11_687


@pytest.fixture(scope="module")
def adult():
    return load_adult()


def test_shape_and_columns(adult):
    assert adult.data.shape == (N_ROWS, 14)
    assert adult.feature_names == list(adult.data.columns)
    assert {"sex", "race", "fnlwgt"} <= set(adult.feature_names)
    assert "income" not in adult.data.columns
    assert adult.frame.shape == (N_ROWS, 15)
    assert adult.frame.columns[-1] == "income"
    assert "Adult" in adult.DESCR


def test_target_is_binary_with_published_rate(adult):
    assert adult.target.name == "income"
    assert adult.target.dtype == np.int64
    assert set(adult.target.unique()) == {0, 1}
    assert adult.target.sum() == N_POSITIVE
    assert adult.target.mean() == pytest.approx(0.2393, abs=5e-4)


def test_test_file_labels_and_comment_line_are_parsed(adult):
    # The test rows (after the 32,561 train rows) write ">50K." with a dot and
    # start with a "|1x3 Cross validator" line: neither may leak into the data.
    test_part = adult.target.iloc[32_561:]
    assert len(test_part) == 16_281
    assert test_part.sum() == 3_846
    assert adult.data["age"].iloc[32_561] == 25  # first real test row
    assert not adult.data["age"].isna().any()


def test_strings_are_clean_and_missing_is_nan(adult):
    categorical = adult.data.select_dtypes(exclude="number")
    for column in categorical:
        values = categorical[column].dropna()
        assert not values.str.startswith(" ").any(), column
        assert not (values == "?").any(), column
    missing = adult.data.isna().sum()
    assert missing[missing > 0].to_dict() == {
        "workclass": 2_799,
        "occupation": 2_809,
        "native-country": 857,
    }


def test_sensitive_attribute(adult):
    assert adult.sensitive.name == "sex"
    assert set(adult.sensitive) == {"Male", "Female"}
    pd.testing.assert_series_equal(adult.sensitive, adult.data["sex"])
    race = load_adult(sensitive="race").sensitive
    assert race.name == "race"
    assert {"White", "Black"} <= set(race)


def test_return_X_y_and_numpy_output():
    X, y, groups = load_adult(return_X_y=True)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    assert len(X) == len(y) == len(groups) == N_ROWS
    bunch = load_adult(as_frame=False)
    assert isinstance(bunch.data, np.ndarray) and bunch.data.dtype == object
    assert bunch.data.shape == (N_ROWS, 14)
    assert bunch.target.dtype == np.int64 and bunch.target.sum() == N_POSITIVE
    assert bunch.frame is None
    assert len(bunch.feature_names) == 14


def test_bad_sensitive_raises():
    with pytest.raises(ValueError, match="sensitive='age' is not supported"):
        load_adult(sensitive="age")


def test_loads_from_another_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_adult().data.shape == (N_ROWS, 14)


def test_loads_in_a_fresh_interpreter_outside_the_repository(tmp_path):
    code = "from skpanda.datasets import load_adult; print(load_adult().data.shape[0])"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(N_ROWS)


def test_preprocessed_matrix_is_dense_and_complete(adult):
    Z = make_preprocessor(adult.data).fit_transform(adult.data)
    assert isinstance(Z, np.ndarray)
    assert Z.shape == (N_ROWS, 105)  # 6 numeric + 99 one-hot columns
    assert not np.isnan(Z).any()
