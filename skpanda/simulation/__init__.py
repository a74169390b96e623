"""The one active-learning loop and the experiment harness of the paper's §4.

:func:`active_learning_loop` is the loop every sequential strategy runs;
:func:`run_experiment` reproduces the paper's comparison (see also
:mod:`skpanda.experiments` and ``skpanda reproduce``); :func:`dask_backend`
runs its cells on a Dask cluster.
"""

from ._cells import run_cell
from ._distributed import dask_backend
from ._figures import plot_figures, summary_table
from ._harness import DEFAULT_BUDGETS, load_results, run_experiment
from ._loop import QueryState, active_learning_loop
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
    "METHODS",
    "DATASETS",
    "DEFAULT_BUDGETS",
]
