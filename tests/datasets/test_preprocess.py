"""Tests for make_preprocessor."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer

from skpanda.datasets import make_preprocessor


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "age": [20.0, 30.0, np.nan, 50.0],
            "sex": ["F", "M", None, "F"],
            "city": pd.Series(["a", "b", "b", "c"], dtype=object),
            "flag": [True, False, True, False],
        }
    )


def test_returns_an_unfitted_column_transformer(frame):
    preprocessor = make_preprocessor(frame)
    assert isinstance(preprocessor, ColumnTransformer)
    assert not hasattr(preprocessor, "transformers_")
    columns = {name: cols for name, _, cols in preprocessor.transformers}
    assert columns == {"numeric": ["age", "flag"], "categorical": ["sex", "city"]}


def test_hand_computed_output(frame):
    Z = make_preprocessor(frame).fit_transform(frame)
    # age: NaN -> median 30; values 20, 30, 30, 50 have mean 32.5, std 10.897.
    std = np.std([20, 30, 30, 50])
    np.testing.assert_allclose(Z[:, 0], (np.array([20, 30, 30, 50]) - 32.5) / std)
    np.testing.assert_allclose(Z[:, 1], [1, -1, 1, -1])  # flag is numeric (bool)
    # sex: missing -> most frequent "F"; one-hot columns F, M.
    np.testing.assert_array_equal(Z[:, 2:4], [[1, 0], [0, 1], [1, 0], [1, 0]])
    np.testing.assert_array_equal(Z[:, 4:], np.eye(3)[[0, 1, 1, 2]])


def test_pandas_string_dtype_is_categorical():
    X = pd.DataFrame({"s": pd.Series(["x", "y"], dtype="str"), "n": [1, 2]})
    columns = {name: cols for name, _, cols in make_preprocessor(X).transformers}
    assert columns == {"numeric": ["n"], "categorical": ["s"]}


def test_unseen_category_gives_zero_row(frame):
    preprocessor = make_preprocessor(frame).fit(frame)
    new = frame.iloc[:1].assign(city="zzz")
    assert preprocessor.transform(new)[0, 4:].tolist() == [0, 0, 0]


def test_output_is_dense_with_many_categories():
    X = pd.DataFrame({"id": [f"c{i}" for i in range(500)]})
    Z = make_preprocessor(X).fit_transform(X)
    assert isinstance(Z, np.ndarray) and Z.shape == (500, 500)


def test_drop_leaves_columns_out(frame):
    Z = make_preprocessor(frame, drop=["sex", "flag"]).fit_transform(frame)
    assert Z.shape == (4, 1 + 3)
    assert make_preprocessor(frame, drop="city").fit_transform(frame).shape == (4, 4)


def test_numeric_array_is_standardised(rng):
    X = rng.normal(5, 3, size=(100, 3))
    X[0, 1] = np.nan
    Z = make_preprocessor(X).fit_transform(X)
    assert Z.shape == (100, 3) and not np.isnan(Z).any()
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1)


@pytest.mark.parametrize(
    "X, kwargs, match",
    [
        (np.array([["a", "b"]]), {}, "non-numeric array"),
        (np.zeros((2, 2)), {"drop": ["x"]}, "needs a DataFrame"),
        (pd.DataFrame({"a": [1]}), {"drop": ["b"]}, r"names columns not in X: \['b'\]"),
    ],
)
def test_bad_input_raises(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_preprocessor(X, **kwargs)


def _ages(junk, n=60):
    return pd.DataFrame({"age": [str(20 + i % 40) for i in range(n)],
                         "sex": ["F", "M"] * (n // 2)}).assign(
        age=lambda d: d["age"].where(~d.index.isin(junk), "abc"))


def test_numeric_column_with_a_stray_cell_is_an_error_naming_column_and_rows():
    with pytest.raises(ValueError, match=r"column 'age' holds numbers in 58 of 60 non-missing "
                                         r"cells, but not in rows 7, 30 \('abc', 'abc'\)"):
        make_preprocessor(_ages([7, 30]))


def test_text_columns_that_are_not_numeric_looking_stay_categorical():
    half = _ages(list(range(0, 60, 2)))  # 50% numbers: a categorical column
    assert make_preprocessor(half).fit_transform(half).shape[1] > 2
    codes = pd.DataFrame({"code": ["1", "2", "3", "1"]})  # all numbers, as text: categorical
    assert make_preprocessor(codes).fit_transform(codes).shape == (4, 3)


def test_category_dtype_is_the_way_to_keep_numbers_categorical():
    X = _ages([7]).astype({"age": "category"})
    assert make_preprocessor(X).fit_transform(X).shape[0] == 60


def test_known_numeric_columns_must_parse_everywhere():
    from skpanda.datasets._preprocess import check_numeric_columns

    pool = pd.DataFrame({"age": ["?", "?", "31"], "sex": ["F", "M", "F"]})
    with pytest.raises(ValueError, match=r"column 'age' is numeric in the fitted model, but "
                                         r"not in rows 0, 1 \(file lines 2, 3\)"):
        check_numeric_columns(pool, numeric=["age"], first_line=2)
    check_numeric_columns(pool)  # 33% numbers: not numeric-looking, no error
