"""The one active-learning loop and the experiment harness."""

from ._loop import QueryState, active_learning_loop

__all__ = ["QueryState", "active_learning_loop"]
