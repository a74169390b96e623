"""scikit-learn's estimator checks, run on every selector with tiny settings."""

import inspect

import pytest

from sklearn.utils.estimator_checks import parametrize_with_checks

from skpanda import selectors as _selectors
from skpanda.panda import PandaQuerySelector
from skpanda.selectors import (
    EntropyQuerySelector,
    GroupRandomQuerySelector,
    MarginQuerySelector,
    RandomQuerySelector,
)


def _tiny(cls, **extra):
    """``cls`` with the smallest settings its signature knows about."""
    params = inspect.signature(cls.__init__).parameters
    settings = dict(budget=2, random_state=0, n_candidates=5,  # FAL
                    n_iter=2, d_model=8, n_heads=2, n_inducing=4, n_memory=4,  # PANDA
                    **extra)
    return cls(**{k: v for k, v in settings.items() if k in params})


SELECTOR_CLASSES = [
    RandomQuerySelector,
    GroupRandomQuerySelector,
    MarginQuerySelector,
    EntropyQuerySelector,
    _selectors.FairActiveLearningQuerySelector,
    PandaQuerySelector,
]

# {check_name: reason} per selector class; anything not listed must pass.
EXPECTED_FAILED = {cls.__name__: {} for cls in SELECTOR_CLASSES}
EXPECTED_FAILED["PandaQuerySelector"] = {
    "check_methods_subset_invariance": (
        "transform is row-wise, but float32 matmuls over different batch sizes differ "
        "by ~4e-7 > the check's atol=1e-7 (tests/panda/test_attention.py checks batch "
        "independence at float32 tolerance)"
    ),
}


def _expected_failed(estimator):
    return EXPECTED_FAILED[type(estimator).__name__]


# sklearn's checks fit without sensitive_features: the one-group warnings are expected.
@pytest.mark.filterwarnings("ignore:.*(one group|single group).*:UserWarning")
@parametrize_with_checks(
    [_tiny(cls) for cls in SELECTOR_CLASSES], expected_failed_checks=_expected_failed
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
