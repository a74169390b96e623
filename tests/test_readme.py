"""The README's Quick start runs as written (its code block, executed)."""

import contextlib
import io
import re
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning

import skpanda.datasets

README = Path(__file__).resolve().parents[1] / "README.md"


def quick_start():
    """The first Python block under the README's "Quick start" heading."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Quick start"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def run(code):
    out = io.StringIO()
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(README), "exec"), namespace)  # noqa: S102 (our README)
    return namespace, out.getvalue()


def test_quick_start_is_short_and_public():
    code = quick_start()
    assert len(code.strip().splitlines()) <= 15
    assert "MetricFrame" in code and "X_test" in code
    assert not re.search(r"\b_[a-z]", code), "the Quick start uses a private name"
    assert "y_pool.iloc[rows]" in code  # only the labels of the selected rows are passed


def test_quick_start_runs_on_a_slice_of_adult(monkeypatch):
    """The code as written, on 4,000 Adult rows (the full run is the slow test below)."""
    load = skpanda.datasets.load_adult

    def small(**kwargs):
        X, y, s = load(**kwargs)
        return X.iloc[:4000], y.iloc[:4000], s.iloc[:4000]

    monkeypatch.setattr(skpanda.datasets, "load_adult", small)
    code = quick_start().replace("select(X_pool, 400)", "select(X_pool, 100)")
    namespace, printed = run(code)
    assert "Female" in printed and "Male" in printed and "f1" in printed
    assert namespace["rows"].shape == (100,)


@pytest.mark.slow
def test_quick_start_runs_on_adult():
    namespace, printed = run(quick_start())
    assert "Female" in printed and "selection rate" in printed
    assert namespace["rows"].shape == (400,)
