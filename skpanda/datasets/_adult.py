"""The UCI Adult data set, shipped inside the package."""

from importlib import resources

import pandas as pd

from .._docstrings import fill_doc
from ._base import check_choice, make_bunch

ADULT_COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education-num",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital-gain",
    "capital-loss",
    "hours-per-week",
    "native-country",
    "income",
]

_DESCR = """UCI Adult (Census Income), Becker & Kohavi (1996), CC BY 4.0.

48,842 people from the 1994 US Current Population Survey: the 32,561 rows of
adult.data followed by the 16,281 rows of adult.test, in file order. Task:
predict whether income exceeds $50K (target 1, about 23.9% of rows).
14 features: 6 numeric (age, fnlwgt, education-num, capital-gain, capital-loss,
hours-per-week) and 8 categorical (workclass, education, marital-status,
occupation, relationship, race, sex, native-country). fnlwgt is the survey's
sampling weight, kept as published. Unknown values ('?') are missing (NaN) in
workclass, occupation and native-country. skpanda.datasets.make_preprocessor
turns the 14 columns into 105 (6 scaled numeric + 99 one-hot); Sharaf et al.
(FAccT 2022) report 251 one-hot features for their encoding."""


def _read_adult_file(name, *, skiprows):
    source = resources.files("skpanda.datasets").joinpath("data", name)
    with source.open("rb") as handle:
        return pd.read_csv(
            handle,
            compression="gzip",
            header=None,
            names=ADULT_COLUMNS,
            skiprows=skiprows,
            skipinitialspace=True,
            na_values=["?"],
            keep_default_na=False,
        )


@fill_doc
def load_adult(*, return_X_y=False, as_frame=True, sensitive="sex"):
    """Load the UCI Adult income data set (shipped with skpanda, no network).

    The train and test files are concatenated (48,842 rows, 14 features). The
    sensitive columns ``sex`` and ``race`` stay among the features, as in the
    paper's 251 one-hot features; drop them yourself to train a model blind to
    them (``make_preprocessor(X, drop=["sex"])``).

    Parameters
    ----------
    {return_X_y}
    sensitive : {"sex", "race"}, default="sex"
        Column returned as the group label. ``"sex"`` (Male/Female) is the
        paper's group attribute.

    Returns
    -------
    {loader_returns}

    Notes
    -----
    ``target`` is 1 for the labels ``>50K`` and ``>50K.`` (the test file ends
    its labels with a dot), 0 otherwise. Categorical columns use pandas'
    default string dtype; missing values (``?`` in the files) are NaN.

    References
    ----------
    Becker, B. and Kohavi, R. (1996). Adult. UCI Machine Learning Repository.
    https://doi.org/10.24432/C5XW20

    Examples
    --------
    >>> from skpanda.datasets import load_adult
    >>> adult = load_adult()
    >>> adult.data.shape
    (48842, 14)
    >>> round(float(adult.target.mean()), 3)
    0.239
    >>> sorted(adult.sensitive.unique())
    ['Female', 'Male']
    """
    check_choice(sensitive, "sensitive", {"sex", "race"})
    frame = pd.concat(
        [
            _read_adult_file("adult.data.gz", skiprows=0),
            _read_adult_file("adult.test.gz", skiprows=1),  # "|1x3 Cross validator"
        ],
        ignore_index=True,
    )
    labels = frame.pop("income").str.rstrip(".")
    target = (labels == ">50K").rename("income")
    return make_bunch(
        frame,
        target,
        frame[sensitive].copy(),
        descr=_DESCR,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )
