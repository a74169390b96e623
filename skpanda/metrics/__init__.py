"""Parity metrics of the PANDA paper's Table 1 (numpy only; never imports torch).

``demographic_parity``, ``equalized_odds`` and ``error_rate_balance`` measure how
far predictions are from parity across groups; ``disparity`` dispatches on a
constraint name and ``get_constraint`` resolves names and fairlearn moments.
"""

from ._parity import demographic_parity, disparity, equalized_odds, error_rate_balance
from ._registry import CONSTRAINTS, constraint_name, get_constraint, to_fairlearn_moment
from ._scorer import (best_feasible, make_parity_scorer, make_parity_scorers,
                      penalised_score, predict_outcome)

__all__ = [
    "CONSTRAINTS",
    "best_feasible",
    "constraint_name",
    "demographic_parity",
    "disparity",
    "equalized_odds",
    "error_rate_balance",
    "get_constraint",
    "make_parity_scorer",
    "make_parity_scorers",
    "penalised_score",
    "predict_outcome",
    "to_fairlearn_moment",
]
