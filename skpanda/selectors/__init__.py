"""Query selectors: one interface, the paper's baselines (numpy/sklearn only)."""

from ._base import BaseQuerySelector
from ._fal import FairActiveLearningQuerySelector
from ._random import GroupRandomQuerySelector, RandomQuerySelector
from ._uncertainty import EntropyQuerySelector, MarginQuerySelector

__all__ = [
    "BaseQuerySelector",
    "RandomQuerySelector",
    "GroupRandomQuerySelector",
    "MarginQuerySelector",
    "EntropyQuerySelector",
    "FairActiveLearningQuerySelector",
]
