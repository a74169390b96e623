"""Query selectors: one interface, the paper's baselines, the loop and the registry.

numpy/sklearn only. :func:`~skpanda.selectors._loop.active_learning_loop` is
the one active-learning loop; :func:`register_selector` /
:func:`make_selector` are the one registry of method names that the command
line and the experiment harness read.
"""

from ._base import BaseQuerySelector
from ._fal import FairActiveLearningQuerySelector
from ._fitted import SelectorRepresentation
from ._random import GroupRandomQuerySelector, RandomQuerySelector
from ._registry import (
    SelectorSpec,
    get_selector_spec,
    make_selector,
    register_selector,
    selector_names,
)
from ._uncertainty import EntropyQuerySelector, MarginQuerySelector

__all__ = [
    "BaseQuerySelector",
    "RandomQuerySelector",
    "GroupRandomQuerySelector",
    "MarginQuerySelector",
    "EntropyQuerySelector",
    "FairActiveLearningQuerySelector",
    "SelectorRepresentation",
    "SelectorSpec",
    "get_selector_spec",
    "make_selector",
    "register_selector",
    "selector_names",
]
