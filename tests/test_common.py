"""scikit-learn's estimator checks, run on every selector with tiny settings."""

import inspect

from sklearn.utils import estimator_checks
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

_WARM_START = (
    "sklearn treats `warm_start` as a bool and sets warm_start=False; skpanda's "
    "warm_start is 'representation'/'data' (covered by test_warm_start_checks)"
)
# {check_name: reason} per selector class; anything not listed must pass.
EXPECTED_FAILED = {
    cls.__name__: {
        "check_n_features_in": _WARM_START,
        "check_n_features_in_after_fitting": _WARM_START,
        "check_fit_idempotent": _WARM_START,
        "check_fit_check_is_fitted": _WARM_START,
    }
    for cls in SELECTOR_CLASSES
}


def _expected_failed(estimator):
    return EXPECTED_FAILED[type(estimator).__name__]


@parametrize_with_checks(
    [_tiny(cls) for cls in SELECTOR_CLASSES], expected_failed_checks=_expected_failed
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_warm_start_checks():
    """The expected failures above fail only on warm_start=False: run them without it."""
    for cls in SELECTOR_CLASSES:

        class IgnoresBoolWarmStart(cls):
            def set_params(self, **params):
                if params.get("warm_start") is False:
                    del params["warm_start"]
                return super().set_params(**params)

        for check_name in EXPECTED_FAILED[cls.__name__]:
            getattr(estimator_checks, check_name)(cls.__name__, _tiny(IgnoresBoolWarmStart))
