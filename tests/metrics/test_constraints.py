"""Constraint objects: one class per disparity, a new one is one small class."""

import ast
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fairlearn.reductions import DemographicParity, EqualizedOdds, TruePositiveRateParity
from hypothesis import given, settings
from hypothesis import strategies as st

import skpanda.metrics as metrics_pkg
from skpanda.metrics import (
    CONSTRAINTS,
    DemographicParityConstraint,
    EqualizedOddsConstraint,
    ErrorRateBalanceConstraint,
    ParityConstraint,
    as_constraint,
    constraint_name,
    demographic_parity,
    disparity,
    equalized_odds,
    error_rate_balance,
    get_constraint,
    register_constraint,
    to_fairlearn_moment,
    unregister_constraint,
)

pytestmark = pytest.mark.filterwarnings("ignore:Setting .*:Warning:fairlearn")

BUILT_INS = [
    (DemographicParityConstraint, demographic_parity, "dp"),
    (EqualizedOddsConstraint, equalized_odds, "eo"),
    (ErrorRateBalanceConstraint, error_rate_balance, "eb"),
]


class EqualOpportunity(ParityConstraint):
    """Defined here as a user would: conditions on Y=1 only (true positive rates)."""

    name, aliases, labels = "equal_opportunity", ("eop",), (1,)
    fairlearn_moment, moment_is_exact = "TruePositiveRateParity", True


class FalsePositiveBalance(ParityConstraint):
    """A pairwise one: largest gap in false positive rate between two groups."""

    name, labels, pairwise = "fpr_balance", (0,), True


@pytest.fixture
def registered():
    register_constraint(EqualOpportunity)
    yield
    unregister_constraint("equal_opportunity")


def _data(seed, n=80, k=3):
    rng = np.random.RandomState(seed)
    groups = rng.randint(k, size=n)
    groups[:2] = [0, 1]
    y = rng.randint(2, size=n)
    h = rng.uniform(size=n) * (0.4 + groups / (2 * k))
    w = rng.uniform(0.1, 2.0, size=n)
    return y, h, groups, w


def _tpr_gap(y, h, groups, w):
    """max_a |E_w[h | a, Y=1] - E_w[h | Y=1]|, by literal loops."""
    pos = y == 1
    ref = np.average(h[pos], weights=w[pos])
    return max(abs(np.average(h[pos & (groups == a)], weights=w[pos & (groups == a)]) - ref)
               for a in np.unique(groups[pos]))


# ------------------------------------------------------------------ built-ins
@pytest.mark.parametrize("cls, function, alias", BUILT_INS)
def test_built_in_object_equals_function(cls, function, alias):
    y, h, groups, w = _data(0)
    for method, weight in itertools.product(("difference", "ratio"), (None, w)):
        kwargs = dict(sensitive_features=groups, method=method, sample_weight=weight)
        assert cls()(y, h, **kwargs) == function(y, h, **kwargs)
    assert as_constraint(alias) == cls() and constraint_name(cls()) == cls.name
    assert get_constraint(cls()) is function  # an instance resolves to its function
    assert cls.name in CONSTRAINTS


def test_only_what_differs_is_declared():
    dp, eo, eb = DemographicParityConstraint, EqualizedOddsConstraint, ErrorRateBalanceConstraint
    assert (dp.labels, eo.labels, eb.labels) == (None, (0, 1), (0, 1))
    assert (dp.pairwise, eo.pairwise, eb.pairwise) == (False, False, True)
    for cls in (dp, eo, eb):  # the evaluation is inherited, never redefined
        assert not {"__call__", "evaluate", "columns", "cells"} & set(vars(cls))


def test_hand_computed_three_groups():
    h = [0.8, 0.2, 0.6, 0.4, 0.5, 0.1]
    groups, y = [0, 0, 1, 1, 2, 2], [1, 0, 1, 0, 1, 0]
    kw = dict(sensitive_features=groups)
    # group means 0.5, 0.5, 0.3 around 13/30: DP = 2/15
    assert DemographicParityConstraint()(y, h, **kw) == pytest.approx(2 / 15)
    # Y=1: 0.8, 0.6, 0.5 around 19/30 -> 1/6; Y=0: 0.2, 0.4, 0.1 around 7/30 -> 1/6
    assert EqualizedOddsConstraint()(y, h, **kw) == pytest.approx(1 / 6)
    assert ErrorRateBalanceConstraint()(y, h, **kw) == pytest.approx(0.3)
    # Y=1 only: 1/6; false positive rates 0.2, 0.4, 0.1: worst pair 0.3
    assert disparity(y, h, constraint=EqualOpportunity(), **kw) == pytest.approx(1 / 6)
    assert disparity(y, h, constraint=FalsePositiveBalance(), **kw) == pytest.approx(0.3)


@pytest.mark.parametrize("seed", range(4))
def test_built_in_moments_equal_to_fairlearn(seed):
    y, h, groups, _ = _data(seed)
    X = pd.DataFrame({"x": np.zeros(len(y))})
    for cls in (DemographicParityConstraint, EqualizedOddsConstraint):
        moment = cls().to_fairlearn(0.05)
        assert moment.eps == 0.05
        moment.load_data(X, pd.Series(y), sensitive_features=pd.Series(groups))
        gamma = moment.gamma(lambda _: h).abs().max()
        assert cls()(y, h, sensitive_features=groups) == pytest.approx(gamma)
    assert isinstance(ErrorRateBalanceConstraint().to_fairlearn(0.05), EqualizedOdds)


# ------------------------------------------------------------ a new constraint
@pytest.mark.parametrize("seed", range(6))
def test_new_constraint_through_disparity(seed):
    y, h, groups, w = _data(seed, k=2 + seed % 3)
    got = disparity(y, h, sensitive_features=groups, constraint=EqualOpportunity(),
                    sample_weight=w)
    assert got == pytest.approx(_tpr_gap(y, h, groups, w), abs=1e-12)
    # the Y=1 half of equalized odds: never above it
    assert got <= equalized_odds(y, h, sensitive_features=groups, sample_weight=w) + 1e-12
    # FPR balance is the Y=0 half of error-rate balance
    fpr = disparity(y, h, sensitive_features=groups, constraint=FalsePositiveBalance())
    assert fpr <= error_rate_balance(y, h, sensitive_features=groups) + 1e-12


@pytest.mark.parametrize("seed", range(4))
def test_new_constraint_equals_its_fairlearn_moment(seed):
    y, h, groups, _ = _data(seed)
    moment = EqualOpportunity().to_fairlearn(0.1)
    assert isinstance(moment, TruePositiveRateParity) and moment.eps == 0.1
    moment.load_data(pd.DataFrame({"x": np.zeros(len(y))}), pd.Series(y),
                     sensitive_features=pd.Series(groups))
    expected = moment.gamma(lambda _: h).abs().max()
    assert EqualOpportunity()(y, h, sensitive_features=groups) == pytest.approx(expected)


def test_new_constraint_by_name_once_registered(registered):
    y, h, groups, _ = _data(1)
    by_object = disparity(y, h, sensitive_features=groups, constraint=EqualOpportunity())
    assert disparity(y, h, sensitive_features=groups, constraint="EOP") == by_object
    assert constraint_name("equal_opportunity") == "equal_opportunity"
    # an exact fairlearn moment now resolves to it instead of being refused
    assert as_constraint(TruePositiveRateParity()) == EqualOpportunity()
    assert to_fairlearn_moment("eop", 0.1).eps == 0.1
    assert get_constraint("eop") == EqualOpportunity()  # no function: the object itself


def test_unregistered_after_fixture():
    with pytest.raises(ValueError, match="constraint='eop' is unknown"):
        as_constraint("eop")
    with pytest.raises(ValueError, match="not one of the paper's Table-1"):
        as_constraint(TruePositiveRateParity())


def test_new_constraint_columns_and_ratio():
    y, h, groups, w = _data(2)
    H = np.c_[h, (h > 0.3) * 1.0, 1 - h]
    for constraint in (EqualOpportunity(), FalsePositiveBalance()):
        want = [constraint(y, H[:, j], sensitive_features=groups, sample_weight=w)
                for j in range(3)]
        np.testing.assert_allclose(constraint.columns(H, groups, y, w), want, atol=1e-12)
        assert 0 < constraint(y, h, sensitive_features=groups, method="ratio") <= 1


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4))
def test_columns_equal_one_call_per_column(seed, k):
    rng = np.random.RandomState(seed)
    n = rng.randint(4, 40)
    groups = rng.randint(k, size=n)
    groups[:2] = [0, 1]
    y, w = rng.randint(2, size=n), rng.uniform(0, 2, size=n) + (np.arange(n) == 0)
    H = np.c_[rng.randint(0, 2, (n, 2)), rng.uniform(size=(n, 2))]
    for cls, _, _ in BUILT_INS:
        want = [cls()(y, H[:, j], sensitive_features=groups, sample_weight=w) for j in range(4)]
        np.testing.assert_allclose(cls().columns(H, groups, y, w), want, atol=1e-12)


# --------------------------------------------------------------------- errors
def test_unknown_and_wrong_types():
    with pytest.raises(ValueError, match="constraint='parity' is unknown; use one of "
                                         "demographic_parity, equalized_odds"):
        as_constraint("parity")
    with pytest.raises(TypeError, match="constraint must be a name.*ParityConstraint.*got int"):
        as_constraint(3)


def test_register_rejects_bad_or_clashing():
    class Clash(ParityConstraint):
        name = "dp"

    with pytest.raises(ValueError, match="constraint name 'dp' is already taken"):
        register_constraint(Clash)
    with pytest.raises(TypeError, match="register_constraint needs a ParityConstraint"):
        register_constraint(object)
    with pytest.raises(TypeError, match="string `name`"):
        register_constraint(ParityConstraint)
    register_constraint(DemographicParityConstraint)  # re-registering the same is a no-op
    assert as_constraint("dp") == DemographicParityConstraint()


def test_to_fairlearn_errors():
    with pytest.raises(ValueError, match="'fpr_balance' has no fairlearn moment"):
        FalsePositiveBalance().to_fairlearn(0.1)
    with pytest.raises(ValueError, match="rho=0 must be a positive number"):
        EqualOpportunity().to_fairlearn(0)


def test_moment_subclass_resolves():
    class MyParity(DemographicParity):
        pass

    assert as_constraint(MyParity()) == DemographicParityConstraint()


def test_objects_are_values():
    assert EqualOpportunity() == EqualOpportunity() != FalsePositiveBalance()
    assert len({EqualOpportunity(), EqualOpportunity()}) == 1
    assert repr(ErrorRateBalanceConstraint()) == "ErrorRateBalanceConstraint()"


def test_metrics_has_no_import_dodging_a_cycle():
    """Function-level imports in skpanda/metrics: only the lazy fairlearn one."""
    found = []
    for path in Path(metrics_pkg.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom):
                        found.append((path.name, inner.module, inner.level))
                    elif isinstance(inner, ast.Import):
                        found.extend((path.name, a.name, 0) for a in inner.names)
    assert found == [("_constraints.py", "fairlearn", 0)]
