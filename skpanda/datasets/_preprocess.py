"""The usual tabular preprocessing: impute, one-hot encode and scale."""

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def _numeric_pipeline():
    return make_pipeline(SimpleImputer(strategy="median"), StandardScaler())


def _categorical_pipeline():
    return make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    )


#: A text column is "numeric-looking" when this share of its non-missing cells are numbers.
NUMERIC_LOOKING = 0.95


def _junk_cells(column):
    """Mask of the non-missing cells of ``column`` that do not parse as numbers."""
    parsed = pd.to_numeric(column, errors="coerce")
    return column.notna().to_numpy() & parsed.isna().to_numpy()


def check_numeric_columns(X, *, numeric=(), first_line=None):
    """Raise on numeric columns that hold a few cells that are not numbers.

    A CSV column of ages with one ``abc`` is read as text; one-hot encoding it
    would turn every age into a category. Text columns of a DataFrame are
    therefore checked: one whose non-missing cells are numbers in at least
    :data:`NUMERIC_LOOKING` (95%) of rows, but not all, is an error. Columns
    named in ``numeric`` (known to be numeric, e.g. by a fitted preprocessor)
    must parse in every non-missing cell. ``category`` columns are left alone:
    that is how to ask for a categorical column of numbers.

    Parameters
    ----------
    X : pandas.DataFrame
        Data to check; anything else is ignored.
    numeric : sequence of str, default=()
        Columns that must hold numbers only.
    first_line : int, default=None
        File line of the row labelled 0 (2 for a CSV with a header read by
        ``pandas.read_csv``): the message then gives file lines too.

    Raises
    ------
    ValueError
        Naming the column, the first bad rows and their values, and the fix.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"age": ["20", "31", "abc"] + ["40"] * 60})
    >>> check_numeric_columns(X)
    Traceback (most recent call last):
    ...
    ValueError: column 'age' holds numbers in 62 of 63 non-missing cells, but not in row 2 ('abc'); ...
    """
    if not isinstance(X, pd.DataFrame):
        return
    numeric = set(numeric)
    for col in X.columns:
        column = X[col]
        if (pd.api.types.is_numeric_dtype(column)
                or isinstance(column.dtype, pd.CategoricalDtype)):
            continue
        junk = _junk_cells(column)
        n_cells = int(column.notna().sum())
        n_numbers = n_cells - int(junk.sum())
        strict = col in numeric
        if not junk.any() or not (strict or n_numbers >= NUMERIC_LOOKING * n_cells):
            continue
        rows = np.flatnonzero(junk)[:5]
        labels = [X.index[i].item() if hasattr(X.index[i], "item") else X.index[i]
                  for i in rows]
        where = f"row{'s' if junk.sum() > 1 else ''} {', '.join(map(str, labels))}"
        if first_line is not None and all(isinstance(r, int) for r in labels):
            where += f" (file line{'s' if len(labels) > 1 else ''} " \
                     f"{', '.join(str(r + first_line) for r in labels)})"
        if junk.sum() > len(rows):
            where += f" and {int(junk.sum()) - len(rows)} more"
        values = ", ".join(repr(str(v)) for v in column.iloc[rows[:3]])
        what = ("is numeric in the fitted model" if strict else
                f"holds numbers in {n_numbers} of {n_cells} non-missing cells")
        hint = "" if strict else (" To treat the column as categorical, convert it with "
                                  f"X[{col!r}].astype('category').")
        raise ValueError(
            f"column {col!r} {what}, but not in {where} ({values}); fix those cells or "
            f"leave them empty (missing values are imputed).{hint}"
        )


def make_preprocessor(X, *, drop=()):
    """Build an unfitted preprocessor for ``X``: one-hot + scaling, dense output.

    Non-numeric columns are imputed with their most frequent value and one-hot
    encoded (unseen categories become all-zero rows); numeric columns are
    imputed with their median and standardised. Only the column types of ``X``
    are read; nothing is fitted.

    Parameters
    ----------
    X : pandas.DataFrame or array-like of shape (n_samples, n_features)
        Data whose columns decide the layout. A non-DataFrame input must be
        numeric: it gets the numeric pipeline on every column.
    drop : sequence of str, default=()
        DataFrame columns to leave out of the output (for example the
        sensitive attribute, to train a model blind to it).

    Returns
    -------
    preprocessor : sklearn.compose.ColumnTransformer
        Unfitted; ``fit_transform`` returns a dense float array.

    Raises
    ------
    ValueError
        If a column in ``drop`` is not in ``X``, if ``drop`` is used with a
        non-DataFrame input, if an array input is not numeric, or if a text
        column looks numeric but has a few cells that are not numbers (see
        :func:`check_numeric_columns`).

    Notes
    -----
    Numeric means ``pandas.api.types.is_numeric_dtype`` (booleans included);
    every other column, pandas' ``str`` dtype among them, is categorical,
    except that a text column of numbers with a few stray cells (at least 95%
    numbers) is an error rather than hundreds of one-hot categories.

    Examples
    --------
    >>> import pandas as pd
    >>> from skpanda.datasets import make_preprocessor
    >>> X = pd.DataFrame({"age": [20, 30, None], "sex": ["F", "M", None]})
    >>> make_preprocessor(X).fit_transform(X).round(2)
    array([[-1.22,  1.  ,  0.  ],
           [ 1.22,  0.  ,  1.  ],
           [ 0.  ,  1.  ,  0.  ]])
    >>> make_preprocessor(X, drop=["sex"]).fit_transform(X).shape
    (3, 1)
    """
    drop = [drop] if isinstance(drop, str) else list(drop)
    if isinstance(X, pd.DataFrame):
        missing = [col for col in drop if col not in X.columns]
        if missing:
            raise ValueError(
                f"drop={drop!r} names columns not in X: {missing}; "
                f"X has columns {list(X.columns)}."
            )
        kept = [col for col in X.columns if col not in drop]
        check_numeric_columns(X[kept])
        numeric = [col for col in kept if pd.api.types.is_numeric_dtype(X[col])]
        categorical = [col for col in kept if col not in numeric]
        transformers = []
        if numeric:
            transformers.append(("numeric", _numeric_pipeline(), numeric))
        if categorical:
            transformers.append(("categorical", _categorical_pipeline(), categorical))
        return ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0)

    if drop:
        raise ValueError(
            f"drop={drop!r} needs a DataFrame with named columns; got "
            f"{type(X).__name__}. Select the columns yourself or pass a DataFrame."
        )
    array = np.asarray(X)
    if not pd.api.types.is_numeric_dtype(array.dtype):
        raise ValueError(
            f"X is a non-numeric array (dtype {array.dtype}); pass a DataFrame so "
            "categorical columns can be one-hot encoded."
        )
    n_columns = array.shape[1] if array.ndim == 2 else 1
    return ColumnTransformer(
        [("numeric", _numeric_pipeline(), list(range(n_columns)))],
        sparse_threshold=0.0,
    )
