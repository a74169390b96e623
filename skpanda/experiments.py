"""Reproduce the experiments of the PANDA paper (§4): the public harness API.

:func:`run_experiment` runs the comparison of the paper's §4 (every method of
§4.1 on a shared representation, learning curves over budgets, several seeds)
and writes a tidy CSV, a Markdown summary and Figures 1 and 2;
:func:`load_results`, :func:`summary_table` and :func:`plot_figures` work on
its results. ``skpanda reproduce`` is the same from the command line.

Examples
--------
>>> from skpanda.experiments import METHODS
>>> METHODS[:3]
('random', 'margin', 'entropy')
"""

from .simulation._figures import plot_figures, summary_table
from .simulation._harness import DEFAULT_BUDGETS, load_results, run_experiment
from .simulation._protocol import DATASETS, METHODS, load_dataset, split_protocol

__all__ = [
    "DATASETS",
    "DEFAULT_BUDGETS",
    "METHODS",
    "load_dataset",
    "load_results",
    "plot_figures",
    "run_experiment",
    "split_protocol",
    "summary_table",
]
