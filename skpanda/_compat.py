"""The one place skpanda imports private scikit-learn helpers.

scikit-learn keeps parameter validation (``_fit_context``, ``_param_validation``)
private; every estimator of skpanda imports it from here, so a scikit-learn
version bump is a one-file fix.

``_parameter_constraints`` (a class attribute mapping each constructor
parameter to a list of accepted constraints) is checked by
``_fit_context``-decorated ``fit`` methods; the error names the parameter::

    The 'alpha' parameter of FairActiveLearningQuerySelector must be a float in
    the range [0.0, 1.0]. Got 1.5 instead.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    RealNotInt,
    StrOptions,
    validate_parameter_constraints,
)

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "Options",
    "RealNotInt",
    "StrOptions",
    "_fit_context",
    "validate_parameter_constraints",
]
