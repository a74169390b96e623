"""Data sets for parity-constrained active learning.

``load_adult`` reads the UCI Adult data shipped inside the package (no network);
``load_compas``, ``load_german`` and ``load_census_kdd`` read the published files
from a local folder (see ``data_home``). ``make_biased_classification`` draws a
synthetic problem of any size whose groups differ in base rate and features, and
``make_preprocessor`` builds the usual one-hot + scaling ``ColumnTransformer``.
"""

from ._adult import load_adult
from ._base import get_data_home
from ._census_kdd import load_census_kdd
from ._compas import load_compas
from ._german import load_german
from ._preprocess import make_preprocessor
from ._synthetic import make_biased_classification

__all__ = [
    "get_data_home",
    "load_adult",
    "load_census_kdd",
    "load_compas",
    "load_german",
    "make_biased_classification",
    "make_preprocessor",
]
