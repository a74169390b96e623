"""Query selectors: one interface, the paper's baselines (numpy/sklearn only)."""

from ._base import BaseQuerySelector
from ._random import GroupRandomQuerySelector, RandomQuerySelector
from ._uncertainty import EntropyQuerySelector, MarginQuerySelector

__all__ = [
    "BaseQuerySelector",
    "RandomQuerySelector",
    "GroupRandomQuerySelector",
    "MarginQuerySelector",
    "EntropyQuerySelector",
]

try:  # FAL lands in its own module
    from ._fal import FairActiveLearningQuerySelector  # noqa: F401

    __all__.append("FairActiveLearningQuerySelector")
except ImportError:  # pragma: no cover - until _fal.py exists
    pass
