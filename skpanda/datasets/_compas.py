"""ProPublica's COMPAS two-year recidivism data, read from a local folder."""

import pandas as pd

from .._docstrings import fill_doc
from ._base import check_choice, find_file, make_bunch

COMPAS_FEATURES = [
    "sex",
    "age",
    "age_cat",
    "race",
    "juv_fel_count",
    "juv_misd_count",
    "juv_other_count",
    "priors_count",
    "c_charge_degree",
    "days_b_screening_arrest",
]

_FILE = "compas-scores-two-years.csv.gz"
_SOURCE = "ProPublica compas-analysis, https://github.com/propublica/compas-analysis"

_DESCR = """ProPublica COMPAS two-year recidivism data (Broward County, 2013-2014).

7,214 defendants, all rows of compas-scores-two-years.csv (ProPublica's 6,172-row
analysis filter is not applied). Task: predict two_year_recid (target 1 = rearrested
within two years, about 45% of rows). Features: demographics, juvenile and adult
criminal history and the charge degree of the screening arrest. Excluded: the
COMPAS scores themselves (decile_score, score_text, v_*), every column recorded after
screening (is_recid, r_*, violent_recid, vr_*, start/end/event, custody dates) since
they leak the outcome, and identifiers, dates and free-text charge descriptions."""


@fill_doc
def load_compas(*, data_home=None, return_X_y=False, as_frame=True, sensitive="race"):
    """Load the ProPublica COMPAS two-year recidivism data.

    Reads ``<data_home>/compas/compas-scores-two-years.csv.gz`` (the published
    file, name columns removed). Only columns known at screening time are kept as
    features, so the label cannot leak through them.

    Parameters
    ----------
    {data_home}
    {return_X_y}
    sensitive : {"race", "sex"}, default="race"
        Column returned as the group label. ``race`` keeps ProPublica's six
        categories (African-American, Caucasian, Hispanic, Other, Asian,
        Native American).

    Returns
    -------
    {loader_returns}

    Raises
    ------
    FileNotFoundError
        If the data file is not in ``data_home``; the message names the path.

    Notes
    -----
    Features: sex, age, age_cat, race, juv_fel_count, juv_misd_count,
    juv_other_count, priors_count, c_charge_degree (F/M) and
    days_b_screening_arrest (NaN for 307 rows). The COMPAS decile score and
    risk text are left out on purpose: they are the tool under audit, not
    facts about the defendant.

    References
    ----------
    Angwin, J., Larson, J., Mattu, S. and Kirchner, L. (2016). Machine Bias.
    ProPublica.

    Examples
    --------
    >>> from skpanda.datasets import load_compas
    >>> compas = load_compas()
    >>> compas.data.shape
    (7214, 10)
    """
    check_choice(sensitive, "sensitive", {"race", "sex"})
    path = find_file(data_home, "compas", _FILE, source=_SOURCE)
    raw = pd.read_csv(path, usecols=[*COMPAS_FEATURES, "two_year_recid"])
    data = raw[COMPAS_FEATURES].copy()
    target = raw["two_year_recid"].rename("two_year_recid")
    return make_bunch(
        data,
        target,
        data[sensitive].copy(),
        descr=_DESCR,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )
