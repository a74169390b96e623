"""Every module's Examples run as doctests; shared docstring text is substituted."""

import doctest
import importlib
import inspect
import pkgutil

import pytest

import skpanda
from skpanda.datasets import get_data_home

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(skpanda.__path__, prefix="skpanda.")
)
# Loaders whose examples read ../shared/datasets (CI has it; a bare install may not).
NEEDS_SHARED = {"skpanda.datasets._compas", "skpanda.datasets._german",
                "skpanda.datasets._census_kdd"}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    if name in NEEDS_SHARED and not get_data_home().is_dir():
        pytest.skip("external data sets not found (set SKPANDA_DATA)")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0


def _public_objects():
    for name in skpanda.__all__:
        if name != "__version__":
            yield name, getattr(skpanda, name)


@pytest.mark.parametrize("name,obj", list(_public_objects()))
def test_public_docstrings_are_complete(name, obj):
    doc = inspect.getdoc(obj)
    assert doc, f"{name} has no docstring"
    assert "{" + "budget}" not in doc and "{" + "random_state}" not in doc
    if inspect.isclass(obj) and name != "BaseQuerySelector":
        assert "Parameters" in doc and "Examples" in doc, name


def test_fill_doc_substitutes_shared_text():
    from skpanda._docstrings import fill_doc

    @fill_doc
    class Demo:
        """Demo.

        Parameters
        ----------
        {rho}
        """

    assert "Bound on the disparity" in Demo.__doc__
    assert "{rho}" not in Demo.__doc__


@pytest.mark.parametrize("name,obj", list(_public_objects()))
def test_shared_text_is_filled_one_way(name, obj):
    """fill_doc substitutes by name and leaves no doubled ``{{`` of str.format behind."""
    doc = inspect.getdoc(obj)
    assert "{{" not in doc and "{selector_parameters}" not in doc
    assert "{fitted_attributes}" not in doc
