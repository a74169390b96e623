"""Group labels: one type per call, and the pool's groups must match those seen in fit."""

import warnings

import numpy as np
import pandas as pd
import pytest

from skpanda.datasets import make_biased_classification
from skpanda.selectors import (
    EntropyQuerySelector,
    FairActiveLearningQuerySelector,
    GroupRandomQuerySelector,
    MarginQuerySelector,
    RandomQuerySelector,
)
from skpanda.selectors._validation import check_groups

ALL = [RandomQuerySelector, GroupRandomQuerySelector, MarginQuerySelector,
       EntropyQuerySelector, FairActiveLearningQuerySelector]


@pytest.fixture(scope="module")
def data():
    X, y, g = make_biased_classification(160, 3, random_state=2, return_X_y=True)
    names = np.where(g == 1, "grp_1", "grp_0")
    return X[:80], y[:80], names[:80], X[80:], names[80:]


@pytest.mark.parametrize("cls", ALL)
def test_groups_mixing_str_and_int_raise_a_clear_error(cls, data):
    X, y, names, *_ = data
    mixed = pd.Series(names, dtype=object)
    mixed[mixed == "grp_1"] = 1
    with pytest.raises(ValueError, match=r"mixes group labels of different types "
                                         r"\(str 'grp_0', number 1\)"):
        cls(budget=3).fit(X, y, sensitive_features=mixed)


def test_mixed_types_in_an_object_array_and_plain_types_pass():
    with pytest.raises(ValueError, match="astype\\(str\\)"):
        check_groups(np.array(["a", 2, "b"], dtype=object), 3, "sensitive_features")
    np.testing.assert_array_equal(check_groups(np.array([1, 2.5, 1], dtype=object), 3, "g"),
                                  [1, 2.5, 1])
    assert check_groups(["a", "b"], 2, "g").tolist() == ["a", "b"]


def test_group_random_refuses_pool_groups_it_never_saw(data):
    X, y, names, Xp, names_p = data
    sel = GroupRandomQuerySelector(budget=5, random_state=0).fit(X, y, sensitive_features=names)
    codes = (names_p == "grp_1").astype(int)  # same groups, labelled 0/1 instead
    with pytest.raises(ValueError, match=r"holds none of the groups GroupRandomQuerySelector "
                                         r"was fitted on \(\['grp_0', 'grp_1'\]\); got \[0, 1\]"):
        sel.select(Xp, sensitive_features=codes)


@pytest.mark.parametrize("cls", ALL)
def test_a_new_group_in_the_pool_warns_and_is_kept(cls, data):
    X, y, names, Xp, names_p = data
    sel = cls(budget=5, random_state=0).fit(X, y, sensitive_features=names)
    pool_groups = names_p.copy()
    pool_groups[:10] = "grp_9"
    with pytest.warns(UserWarning, match=r"group\(s\) \['grp_9'\] that .* never saw in fit"):
        pos = sel.select(Xp, sensitive_features=pool_groups)
    assert np.unique(pos).size == 5


def test_known_pool_groups_do_not_warn(data):
    X, y, names, Xp, names_p = data
    sel = GroupRandomQuerySelector(budget=5, random_state=0).fit(X, y, sensitive_features=names)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pos = sel.select(Xp, sensitive_features=names_p)
    assert set(names_p[pos]) == {sel.worst_group_}
