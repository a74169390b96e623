"""skpanda: parity-constrained active learning for scikit-learn.

Pick which unlabeled rows to send for labeling so that a classifier trained on
them is accurate *and* keeps a parity metric below a bound ``rho``. The core is
:class:`~skpanda.panda.PandaQuerySelector` (Sharaf, Daumé III & Ni, FAccT 2022);
the baselines of the paper share its interface in :mod:`skpanda.selectors`.

Public names are loaded lazily so that ``import skpanda`` never imports torch.
"""

import importlib

__version__ = "0.1.0"

_LAZY = {
    "BaseQuerySelector": "skpanda.selectors",
    "RandomQuerySelector": "skpanda.selectors",
    "MarginQuerySelector": "skpanda.selectors",
    "EntropyQuerySelector": "skpanda.selectors",
    "GroupRandomQuerySelector": "skpanda.selectors",
    "FairActiveLearningQuerySelector": "skpanda.selectors",
    "PandaQuerySelector": "skpanda.panda",
    "PandaEncoder": "skpanda.panda",
    "SelectionPipeline": "skpanda.pipeline",
    "make_selection_pipeline": "skpanda.pipeline",
    "load_adult": "skpanda.datasets",
    "load_compas": "skpanda.datasets",
    "load_german": "skpanda.datasets",
    "load_census_kdd": "skpanda.datasets",
    "make_preprocessor": "skpanda.datasets",
    "make_biased_classification": "skpanda.datasets",
    "demographic_parity": "skpanda.metrics",
    "equalized_odds": "skpanda.metrics",
    "error_rate_balance": "skpanda.metrics",
    "disparity": "skpanda.metrics",
    "PoolThresholdClassifier": "skpanda.learners",
    "PoolExponentiatedGradient": "skpanda.learners",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'skpanda' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
