"""scikit-learn's estimator checks, run on every selector with tiny settings."""

import inspect

import pytest

from sklearn.utils.estimator_checks import parametrize_with_checks

from skpanda import selectors as _selectors
from skpanda.selectors import (
    EntropyQuerySelector,
    GroupRandomQuerySelector,
    MarginQuerySelector,
    RandomQuerySelector,
)


def _tiny(cls, **extra):
    """``cls`` with the smallest settings its signature knows about."""
    params = inspect.signature(cls.__init__).parameters
    settings = dict(budget=2, random_state=0, n_candidates=5, **extra)
    return cls(**{k: v for k, v in settings.items() if k in params})


SELECTOR_CLASSES = [
    RandomQuerySelector,
    GroupRandomQuerySelector,
    MarginQuerySelector,
    EntropyQuerySelector,
]
if hasattr(_selectors, "FairActiveLearningQuerySelector"):
    SELECTOR_CLASSES.append(_selectors.FairActiveLearningQuerySelector)

# {check_name: reason} per selector class; anything not listed must pass.
EXPECTED_FAILED = {cls.__name__: {} for cls in SELECTOR_CLASSES}


def _expected_failed(estimator):
    return EXPECTED_FAILED[type(estimator).__name__]


# sklearn's checks fit without sensitive_features: the one-group warnings are expected.
@pytest.mark.filterwarnings("ignore:.*(one group|single group).*:UserWarning")
@parametrize_with_checks(
    [_tiny(cls) for cls in SELECTOR_CLASSES], expected_failed_checks=_expected_failed
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
