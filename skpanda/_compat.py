"""The one place skpanda imports private scikit-learn helpers.

scikit-learn keeps parameter validation (``_fit_context``, ``_param_validation``)
private; importing it here keeps a version bump to a one-file fix.
"""

from sklearn.base import _fit_context  # noqa: F401
from sklearn.utils._param_validation import (  # noqa: F401
    Interval,
    StrOptions,
    HasMethods,
    validate_parameter_constraints,
)
