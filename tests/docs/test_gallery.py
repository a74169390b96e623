"""Every registered selector and learner appears in at least one gallery example.

The gallery (``examples/plot_*.py``) is executed by ``make docs``; this test only
reads the scripts, so it is fast and runs with the default suite. A strategy or
learner added to a registry without an example fails here, naming it.
"""

import re
from pathlib import Path

import pytest

import skpanda.panda  # noqa: F401  (registers "panda" with the selector registry)
from skpanda.learners import get_learner_spec, learner_names
from skpanda.selectors import get_selector_spec, selector_names

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _gallery(folder=EXAMPLES):
    return {path.name: path.read_text(encoding="utf-8")
            for path in sorted(folder.glob("plot_*.py"))}


def _uses_name(text, name):
    return re.search(rf"\b{re.escape(name)}\b", text) is not None


def _covering(predicate, folder=EXAMPLES):
    return [name for name, text in _gallery(folder).items() if predicate(text)]


def test_gallery_has_examples():
    assert len(_gallery()) >= 5, sorted(_gallery())


@pytest.mark.parametrize("name", selector_names())
def test_every_selector_has_an_example(name):
    spec = get_selector_spec(name)
    by_class = _covering(lambda text: _uses_name(text, spec.cls.__name__))
    by_name = _covering(lambda text: re.search(rf"make_selector\(\s*['\"]{name}['\"]", text))
    assert by_class or by_name, (
        f"selector {name!r} ({spec.cls.__name__}) appears in no examples/plot_*.py")


@pytest.mark.parametrize("name", learner_names())
def test_every_learner_has_an_example(name):
    spec = get_learner_spec(name)
    estimator = spec.factory(rho=0.04, constraint="demographic_parity", random_state=0)
    by_class = _covering(lambda text: _uses_name(text, type(estimator).__name__))
    by_name = _covering(lambda text: "make_learner(" in text
                        and re.search(rf"['\"]{re.escape(name)}['\"]", text))
    assert by_class or by_name, (
        f"learner {name!r} ({type(estimator).__name__}) appears in no examples/plot_*.py")


def test_coverage_check_can_fail(tmp_path):
    """A class absent from every example is reported; a longer name is no match."""
    (tmp_path / "plot_only_random.py").write_text("GroupRandomQuerySelector()\n")
    (tmp_path / "not_in_gallery.py").write_text("MarginQuerySelector()\n")
    found = _covering(lambda text: _uses_name(text, "GroupRandomQuerySelector"), tmp_path)
    assert found == ["plot_only_random.py"]
    assert not _covering(lambda text: _uses_name(text, "RandomQuerySelector"), tmp_path)
    assert not _covering(lambda text: _uses_name(text, "MarginQuerySelector"), tmp_path)
