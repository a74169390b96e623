"""Parity metrics of the PANDA paper's Table 1 (numpy only; never imports torch).

``demographic_parity``, ``equalized_odds`` and ``error_rate_balance`` measure how
far predictions are from parity across groups; ``disparity`` dispatches on a
constraint and ``get_constraint`` resolves names and fairlearn moments. Each
disparity is a constraint object (``DemographicParityConstraint``, ...; base
``ParityConstraint``) evaluated by one cell-means core shared with the torch
twins; a new constraint is one subclass, optionally ``register_constraint``-ed.
``fairness_report`` gives per-group rates with confidence intervals and the
Table-1 disparities next to fairlearn's ``demographic_parity_difference``.
"""

from ._constraints import (
    DemographicParityConstraint,
    EqualizedOddsConstraint,
    ErrorRateBalanceConstraint,
    ParityConstraint,
    as_constraint,
    register_constraint,
    unregister_constraint,
)
from ._parity import demographic_parity, equalized_odds, error_rate_balance
from ._scorer import (best_feasible, make_parity_scorer, make_parity_scorers,
                      penalised_score, predict_outcome)
from ._report import fairness_report
from ._validation import combine_groups
from ._registry import CONSTRAINTS, constraint_name, disparity, get_constraint, to_fairlearn_moment

__all__ = [
    "CONSTRAINTS",
    "DemographicParityConstraint",
    "EqualizedOddsConstraint",
    "ErrorRateBalanceConstraint",
    "ParityConstraint",
    "as_constraint",
    "best_feasible",
    "combine_groups",
    "constraint_name",
    "demographic_parity",
    "disparity",
    "equalized_odds",
    "error_rate_balance",
    "fairness_report",
    "get_constraint",
    "register_constraint",
    "make_parity_scorer",
    "make_parity_scorers",
    "penalised_score",
    "predict_outcome",
    "to_fairlearn_moment",
    "unregister_constraint",
]
