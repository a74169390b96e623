"""Run the Examples sections of the datasets modules as doctests."""

import doctest
import importlib

import pytest

from skpanda.datasets import get_data_home

NEEDS_SHARED = {"_compas", "_german", "_census_kdd"}


@pytest.mark.parametrize(
    "name", ["_adult", "_compas", "_german", "_census_kdd", "_synthetic", "_preprocess"]
)
def test_docstring_examples(name):
    if name in NEEDS_SHARED and not get_data_home().is_dir():
        pytest.skip("external data sets not found (set SKPANDA_DATA)")
    module = importlib.import_module(f"skpanda.datasets.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
