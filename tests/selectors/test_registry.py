"""The one selector registry: names, classes, labels, flags; CLI and harness read it."""

import numpy as np
import pytest

import skpanda.panda  # noqa: F401  (registers "panda")
from skpanda import cli
from skpanda.panda import PandaQuerySelector
from skpanda.selectors import (
    BaseQuerySelector,
    FairActiveLearningQuerySelector,
    RandomQuerySelector,
    get_selector_spec,
    make_selector,
    register_selector,
    selector_names,
)
from skpanda.selectors import _registry
from skpanda.simulation import _protocol


def test_names_in_the_paper_order_with_panda_last():
    assert selector_names() == ("random", "margin", "entropy", "group_random", "fal",
                                "fairlearn", "fairlearn_al", "panda")


def test_flags_come_from_the_classes_and_the_entries():
    assert {n for n in selector_names() if get_selector_spec(n).sequential} == {
        "margin", "entropy", "fal", "fairlearn_al"}
    assert {n for n in selector_names() if get_selector_spec(n).needs_pool_groups} == {
        "group_random"}
    assert {n for n in selector_names() if get_selector_spec(n).parity_aware} == {
        "group_random", "fal", "fairlearn", "fairlearn_al", "panda"}
    assert get_selector_spec("panda").cls is PandaQuerySelector
    assert get_selector_spec("fairlearn_al").label == "Fairlearn+AL"


def test_cli_and_harness_read_the_registry():
    assert cli.FIT_METHODS == _protocol.METHODS == selector_names()
    assert _protocol.LABELS == {n: get_selector_spec(n).label for n in selector_names()}
    assert _protocol.PARITY_AWARE == {n for n in selector_names()
                                      if get_selector_spec(n).parity_aware}


def test_make_selector_builds_each_method():
    panda = make_selector("panda", rho=0.07, constraint="equalized_odds", random_state=3)
    assert isinstance(panda, PandaQuerySelector)
    assert (panda.rho, panda.constraint, panda.random_state) == (0.07, "equalized_odds", 3)
    fal = make_selector("fal", constraint="eo", random_state=1)
    assert (fal.alpha, fal.n_candidates, fal.constraint) == (0.6, 100, "eo")
    fl = make_selector("fairlearn", rho=0.05)
    assert type(fl) is RandomQuerySelector and fl.estimator.constraints.eps == 0.05


def test_unknown_name_lists_the_choices():
    with pytest.raises(ValueError, match=r"method='nope' is unknown; choose among \['random'"):
        make_selector("nope")


class _Toy(BaseQuerySelector):
    def _score_pool(self, candidates, state, *, Z_pool, groups, random_state):
        return -np.asarray(candidates, dtype=float)


def test_register_a_new_selector_once():
    try:
        spec = register_selector("toy", _Toy, label="Toy", params={"budget": 2})
        again = register_selector("toy", _Toy, label="Toy", params={"budget": 2})
        assert again == spec or again.cls is _Toy  # same class: replaced, no error
        assert selector_names()[-1] == "toy" and not spec.sequential
        sel = make_selector("toy", rho=0.1, random_state=0)
        assert sel.budget == 2
        X = np.random.RandomState(0).normal(size=(20, 2))
        y = np.arange(20) % 2
        assert sel.fit(X, y).select(X).tolist() == [0, 1]
        assert "toy" in _protocol.check_methods(["toy"])
        with pytest.raises(ValueError, match="name='toy' is already registered for _Toy"):
            register_selector("toy", FairActiveLearningQuerySelector, label="x")
    finally:
        _registry._REGISTRY.pop("toy", None)
    with pytest.raises(TypeError, match="name must be a non-empty string"):
        register_selector("", _Toy, label="x")
