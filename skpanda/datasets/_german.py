"""The UCI Statlog German Credit data, read from a local folder."""

import pandas as pd

from .._docstrings import fill_doc
from ._base import check_choice, find_file, make_bunch

GERMAN_COLUMNS = [
    "checking_status",
    "duration",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings_status",
    "employment",
    "installment_rate",
    "personal_status",
    "other_parties",
    "residence_since",
    "property_magnitude",
    "age",
    "other_payment_plans",
    "housing",
    "existing_credits",
    "job",
    "num_dependents",
    "own_telephone",
    "foreign_worker",
]

#: Attribute 9 ("personal status and sex") codes -> sex.
PERSONAL_STATUS_SEX = {
    "A91": "male",
    "A92": "female",
    "A93": "male",
    "A94": "male",
    "A95": "female",
}

_FILE = "german.data.gz"
_SOURCE = "UCI Statlog (German Credit Data), https://doi.org/10.24432/C5NC77"

_DESCR = """UCI Statlog German Credit data, Hofmann (1994), CC BY 4.0.

1,000 loan applicants, 20 attributes (7 numeric, 13 categorical, coded A11..A202 as
published; see the UCI documentation for the code book). Task: predict good credit
(target 1, 700 rows) versus bad credit (target 0, 300 rows). Groups: sex, derived
from attribute 9 "personal status and sex" (A91, A93, A94 male; A92, A95 female),
or age group (25 or over versus under 25)."""


@fill_doc
def load_german(*, data_home=None, return_X_y=False, as_frame=True, sensitive="sex"):
    """Load the UCI Statlog German Credit data.

    Reads ``<data_home>/german/german.data.gz`` (space-separated, no header,
    20 attributes and the class).

    Parameters
    ----------
    {data_home}
    {return_X_y}
    sensitive : {"sex", "age"}, default="sex"
        Group label returned as ``sensitive``: ``"sex"`` gives a Series named
        ``sex`` (``"male"``/``"female"``, decoded from ``personal_status``);
        ``"age"`` a Series named ``age_group`` (``"25+"`` or ``"<25"``).

    Returns
    -------
    {loader_returns}

    Raises
    ------
    FileNotFoundError
        If the data file is not in ``data_home``; the message names the path.

    Notes
    -----
    The published class is 1 (good) or 2 (bad); ``target`` is 1 for good
    credit. The features keep the published codes; ``personal_status``
    (attribute 9) mixes sex with marital status, and ``age`` is attribute 13.

    References
    ----------
    Hofmann, H. (1994). Statlog (German Credit Data). UCI Machine Learning
    Repository. https://doi.org/10.24432/C5NC77

    Examples
    --------
    >>> from skpanda.datasets import load_german
    >>> german = load_german()
    >>> german.data.shape
    (1000, 20)
    >>> german.sensitive.value_counts().to_dict()
    {'male': 690, 'female': 310}
    """
    check_choice(sensitive, "sensitive", {"sex", "age"})
    path = find_file(data_home, "german", _FILE, source=_SOURCE)
    data = pd.read_csv(path, sep=" ", header=None, names=[*GERMAN_COLUMNS, "class"])
    target = (data.pop("class") == 1).rename("credit_good")
    if sensitive == "sex":
        groups = data["personal_status"].map(PERSONAL_STATUS_SEX).rename("sex")
    else:
        groups = data["age"].ge(25).map({True: "25+", False: "<25"}).rename("age_group")
    return make_bunch(
        data, target, groups, descr=_DESCR, return_X_y=return_X_y, as_frame=as_frame
    )
