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
        non-DataFrame input, or if an array input is not numeric.

    Notes
    -----
    Numeric means ``pandas.api.types.is_numeric_dtype`` (booleans included);
    every other column, pandas' ``str`` dtype among them, is categorical.

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
