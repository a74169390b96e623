"""Hand-computed examples for the Table-1 disparities (three groups)."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skpanda.metrics import (
    CONSTRAINTS,
    demographic_parity,
    disparity,
    equalized_odds,
    error_rate_balance,
)

# groups a, b, c; each has one Y=1 row and one Y=0 row
GROUPS = ["a", "a", "b", "b", "c", "c"]
Y = [1, 0, 1, 0, 1, 0]
PROBA = [0.8, 0.2, 0.6, 0.4, 0.5, 0.1]
HARD = [1, 0, 1, 1, 0, 0]


def test_demographic_parity_by_hand():
    # E[h] = 2.6/6; group means 0.5, 0.5, 0.3 -> worst gap |0.3 - 13/30| = 2/15
    assert demographic_parity(Y, PROBA, sensitive_features=GROUPS) == pytest.approx(2 / 15)
    # ratios 13/15 (a, b) and 0.3 / (13/30) = 9/13 (c)
    assert demographic_parity(
        None, PROBA, sensitive_features=GROUPS, method="ratio"
    ) == pytest.approx(9 / 13)
    # hard labels: E[h] = 1/2, group means 1/2, 1, 0
    assert demographic_parity(None, HARD, sensitive_features=GROUPS) == pytest.approx(0.5)
    assert demographic_parity(None, HARD, sensitive_features=GROUPS, method="ratio") == 0.0


def test_equalized_odds_by_hand():
    # Y=1: cells .8 .6 .5, mean 1.9/3 -> gaps 1/6, 1/30, 2/15
    # Y=0: cells .2 .4 .1, mean 0.7/3 -> gaps 1/30, 1/6, 2/15
    assert equalized_odds(Y, PROBA, sensitive_features=GROUPS) == pytest.approx(1 / 6)
    # worst ratio: 0.1 / (0.7/3) = 3/7
    assert equalized_odds(Y, PROBA, sensitive_features=GROUPS, method="ratio") == pytest.approx(
        3 / 7
    )
    # hard: Y=1 cells 1 1 0 (mean 2/3), Y=0 cells 0 1 0 (mean 1/3) -> 2/3
    assert equalized_odds(Y, HARD, sensitive_features=GROUPS) == pytest.approx(2 / 3)


def test_error_rate_balance_by_hand():
    # max - min per label: Y=1 0.8 - 0.5, Y=0 0.4 - 0.1
    assert error_rate_balance(Y, PROBA, sensitive_features=GROUPS) == pytest.approx(0.3)
    # ratios: Y=1 0.5/0.8, Y=0 0.1/0.4
    assert error_rate_balance(
        Y, PROBA, sensitive_features=GROUPS, method="ratio"
    ) == pytest.approx(0.25)
    assert error_rate_balance(Y, HARD, sensitive_features=GROUPS) == 1.0


def test_empty_cell_is_skipped():
    # group c has no Y=0 row: its (c, 0) cell is skipped
    groups, y, h = ["a", "a", "b", "b", "c"], [1, 0, 1, 0, 1], [1, 0, 0, 0, 1]
    # Y=1: cells 1, 0, 1 with mean 2/3; Y=0: cells 0, 0 with mean 0
    assert equalized_odds(y, h, sensitive_features=groups) == pytest.approx(2 / 3)
    assert error_rate_balance(y, h, sensitive_features=groups) == 1.0
    h_prob = [0.5, 0.2, 0.5, 0.2, 0.9]
    assert error_rate_balance(y, h_prob, sensitive_features=groups) == pytest.approx(0.4)


def test_nothing_comparable_gives_parity():
    # each label is seen in one group only: no two cells can be compared
    groups, y, h = [0, 0, 1, 1], [1, 1, 0, 0], [1.0, 0.0, 0.3, 0.9]
    assert error_rate_balance(y, h, sensitive_features=groups) == 0.0
    assert error_rate_balance(y, h, sensitive_features=groups, method="ratio") == 1.0
    # each cell equals its label mean
    assert equalized_odds(y, h, sensitive_features=groups) == 0.0
    assert equalized_odds(y, h, sensitive_features=groups, method="ratio") == 1.0


def test_all_zero_predictions_ratio_is_one():
    for metric in (demographic_parity, equalized_odds, error_rate_balance):
        assert metric(Y, np.zeros(6), sensitive_features=GROUPS, method="ratio") == 1.0
        assert metric(Y, np.zeros(6), sensitive_features=GROUPS) == 0.0


def test_sample_weight_by_hand():
    # weights 3:1 inside group a -> E_w[h|a] = 0.75; group b mean 0; E_w[h] = 3/5
    h, groups, w = [1, 0, 0], ["a", "a", "b"], [3, 1, 1]
    assert demographic_parity(
        None, h, sensitive_features=groups, sample_weight=w
    ) == pytest.approx(0.6)


def test_input_types():
    expected = equalized_odds(Y, PROBA, sensitive_features=GROUPS)
    assert equalized_odds(
        pd.Series(np.array(Y, dtype=bool)), pd.Series(PROBA), sensitive_features=pd.Series(GROUPS)
    ) == pytest.approx(expected)
    assert equalized_odds(
        np.array(Y, dtype=float), np.array(PROBA)[:, None], sensitive_features=np.arange(6) // 2
    ) == pytest.approx(expected)


def test_several_sensitive_columns_form_intersections():
    frame = pd.DataFrame({"sex": ["f", "f", "m", "m"], "race": ["x", "y", "x", "x"]})
    # groups (f,x): 1, (f,y): 0, (m,x): mean 0.5; E[h] = 0.5
    value = demographic_parity(None, [1, 0, 1, 0], sensitive_features=frame)
    assert value == pytest.approx(0.5)


@pytest.mark.parametrize("constraint", CONSTRAINTS)
def test_disparity_dispatches(constraint):
    metric = {"demographic_parity": demographic_parity, "equalized_odds": equalized_odds,
              "error_rate_balance": error_rate_balance}[constraint]
    for method in ("difference", "ratio"):
        assert disparity(
            Y, PROBA, sensitive_features=GROUPS, constraint=constraint, method=method
        ) == metric(Y, PROBA, sensitive_features=GROUPS, method=method)


def test_default_constraint_is_demographic_parity():
    assert disparity(None, PROBA, sensitive_features=GROUPS) == pytest.approx(2 / 15)


def test_metrics_do_not_import_torch():
    code = "import sys, skpanda.metrics; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
