"""The UCI Census-Income (KDD) data, read from a local folder (~300k rows)."""

import pandas as pd

from .._docstrings import fill_doc
from ._base import check_choice, find_file, make_bunch

CENSUS_KDD_COLUMNS = [
    "age",
    "class of worker",
    "detailed industry recode",
    "detailed occupation recode",
    "education",
    "wage per hour",
    "enroll in edu inst last wk",
    "marital stat",
    "major industry code",
    "major occupation code",
    "race",
    "hispanic origin",
    "sex",
    "member of a labor union",
    "reason for unemployment",
    "full or part time employment stat",
    "capital gains",
    "capital losses",
    "dividends from stocks",
    "tax filer stat",
    "region of previous residence",
    "state of previous residence",
    "detailed household and family stat",
    "detailed household summary in household",
    "instance weight",
    "migration code-change in msa",
    "migration code-change in reg",
    "migration code-move within reg",
    "live in this house 1 year ago",
    "migration prev res in sunbelt",
    "num persons worked for employer",
    "family members under 18",
    "country of birth father",
    "country of birth mother",
    "country of birth self",
    "citizenship",
    "own business or self employed",
    "fill inc questionnaire for veteran's admin",
    "veterans benefits",
    "weeks worked in year",
    "year",
    "income",
]

#: Integer-coded nominal columns, returned as strings so they are one-hot encoded.
NOMINAL_CODES = [
    "detailed industry recode",
    "detailed occupation recode",
    "own business or self employed",
    "veterans benefits",
    "year",
]

_FILES = ("census_income_1994_1995_train.csv.gz", "census_income_1994_1995_test.csv.gz")
_SOURCE = "UCI Census-Income (KDD), https://doi.org/10.24432/C5N30T"

_DESCR = """UCI Census-Income (KDD), 1994-1995 Current Population Surveys, CC BY 4.0.

299,285 people: the 199,523 training rows followed by the 99,762 test rows. Task:
predict income over $50,000 (target 1, about 6.2% of rows). 40 features: the 42
published columns minus the label and "instance weight" (a survey weight, not a
feature). The integer codes detailed industry recode, detailed occupation recode,
own business or self employed, veterans benefits and year are nominal and returned
as strings. '?' is missing (NaN); "Not in universe" is a real category. Groups: sex
(default) or race."""


def _read(path):
    return pd.read_csv(
        path,
        header=None,
        names=CENSUS_KDD_COLUMNS,
        skipinitialspace=True,
        na_values=["?"],
        keep_default_na=False,
    )


@fill_doc
def load_census_kdd(*, data_home=None, return_X_y=False, as_frame=True, sensitive="sex"):
    """Load the UCI Census-Income (KDD) data: a 300k-row scale benchmark.

    Reads the train and test files from ``<data_home>/census_kdd/`` and stacks
    them (train first).

    Parameters
    ----------
    {data_home}
    {return_X_y}
    sensitive : {"sex", "race"}, default="sex"
        Column returned as the group label.

    Returns
    -------
    {loader_returns}

    Raises
    ------
    FileNotFoundError
        If a data file is not in ``data_home``; the message names the path.

    Notes
    -----
    ``target`` is 1 for the label ``50000+.``. The ``instance weight`` column
    is dropped. Loading takes a couple of seconds (gzip + CSV parsing).

    References
    ----------
    Census-Income (KDD) (2000). UCI Machine Learning Repository.
    https://doi.org/10.24432/C5N30T

    Examples
    --------
    >>> from skpanda.datasets import load_census_kdd
    >>> census = load_census_kdd()
    >>> census.data.shape
    (299285, 40)
    """
    check_choice(sensitive, "sensitive", {"sex", "race"})
    paths = [find_file(data_home, "census_kdd", name, source=_SOURCE) for name in _FILES]
    data = pd.concat([_read(path) for path in paths], ignore_index=True)
    target = (data.pop("income").str.strip() == "50000+.").rename("income")
    data = data.drop(columns="instance weight")
    data[NOMINAL_CODES] = data[NOMINAL_CODES].astype(str)
    return make_bunch(
        data,
        target,
        data[sensitive].copy(),
        descr=_DESCR,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )
