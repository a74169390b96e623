"""The experiment harness of the paper's §4, and the public experiment API.

:func:`run_experiment` runs the comparison of the paper's §4 (every method of
§4.1 on a shared representation, learning curves over budgets, several seeds)
and writes a tidy CSV, a Markdown summary and Figures 1 and 2;
:func:`load_results`, :func:`summary_table` and :func:`plot_figures` work on
its results. ``skpanda reproduce`` is the same from the command line.
:func:`active_learning_loop` and :class:`QueryState` live in
:mod:`skpanda.selectors._loop` and are re-exported here.
:func:`dask_backend` runs the grid's cells on a Dask cluster.

Examples
--------
>>> from skpanda.simulation import METHODS
>>> METHODS[:3]
('random', 'margin', 'entropy')
"""

from ..selectors._loop import QueryState, active_learning_loop
from ._advice import estimate_label_value
from ._cells import run_cell
from ._distributed import dask_backend
from ._figures import plot_figures, summary_table
from ._harness import DEFAULT_BUDGETS, load_results, run_experiment
from ._stopping import DeltaFScore, FairStop, KappaAverage, learn_in_rounds
from ._protocol import (
    DATASETS,
    METHODS,
    ProtocolSplit,
    load_dataset,
    make_selector,
    split_protocol,
)

__all__ = [
    "QueryState",
    "active_learning_loop",
    "run_experiment",
    "dask_backend",
    "load_results",
    "plot_figures",
    "summary_table",
    "split_protocol",
    "ProtocolSplit",
    "load_dataset",
    "make_selector",
    "run_cell",
    "estimate_label_value",
    "learn_in_rounds",
    "FairStop",
    "KappaAverage",
    "DeltaFScore",
    "METHODS",
    "DATASETS",
    "DEFAULT_BUDGETS",
]
