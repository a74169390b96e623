"""The one active-learning loop of skpanda (paper §3.1).

Every sequential strategy (margin, entropy, FAL, fairlearn+AL) runs through
:func:`active_learning_loop`; ``select(..., oracle=...)`` calls it, and so does
the experiment harness (through ``select``). It lives with the selectors, below
:mod:`skpanda.simulation`, which re-exports it. Strategies only answer "how
good is each pool row to label next" through a scoring function.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._utils import top_k


@dataclass
class QueryState:
    """What a scoring function may look at in round ``b`` of the loop.

    Parameters
    ----------
    estimator : classifier
        The current query model h^{b-1}.
    X_train, y_train, groups_train : arrays
        The data h^{b-1} was trained on (D0 before any label is known, or
        while the selection still holds a single class, under
        ``warm_start="representation"``; D0 ∪ selection under ``"data"``).
    labeled : ndarray of int
        Pool positions labeled so far, in query order.
    """

    estimator: Any
    X_train: Any
    y_train: np.ndarray
    groups_train: np.ndarray
    labeled: np.ndarray


def active_learning_loop(
    score_fn, refit_fn, initial_state, n_pool, budget, oracle, *,
    batch_size=1, random_state, progress=None,
):
    """Query ``budget`` labels, ``batch_size`` at a time, refitting in between.

    The interaction model of the paper (§3.1)::

        1: h^0 = A(D^0)
        2: for b = 1 .. B:
        3:     Q = π(h^{b-1}, U)             # score_fn
        4:     x ~ Q; query y; D^b = D^{b-1} ∪ {(x, y)}
        5:     h^b = A(D^b)                  # refit_fn
        7: return the queried rows

    Parameters
    ----------
    score_fn : callable ``(candidates, state) -> scores``
        Scores the still-unlabeled pool positions ``candidates`` (higher =
        query first) given the :class:`QueryState` of the round.
    refit_fn : callable ``(labeled, labels) -> QueryState``
        Trains h^b on the labeled rows (pool positions and their 0/1 labels).
    initial_state : QueryState
        h^0 and its training data.
    n_pool : int
        Number of pool rows.
    budget : int
        Number of labels to query.
    oracle : callable ``(positions) -> 0/1 labels``
        Answers label queries (already validated and encoded by the caller).
    batch_size : int, default=1
        Rows queried between two refits.
    random_state : numpy.random.RandomState
        Breaks ties among equal scores.
    progress : tqdm-like or None
        Updated by the number of rows queried each round.

    Returns
    -------
    positions : ndarray of int, shape (budget,)
        Queried pool positions, in query order.
    """
    available = np.ones(n_pool, dtype=bool)
    labeled, labels = [], []
    state = initial_state
    while len(labeled) < budget:
        k = min(batch_size, budget - len(labeled))
        candidates = np.flatnonzero(available)
        scores = score_fn(candidates, state)
        picked = candidates[top_k(scores, k, random_state)]
        labels.extend(oracle(picked))
        labeled.extend(picked.tolist())
        available[picked] = False
        if progress is not None:
            progress.update(k)
        if len(labeled) < budget:
            state = refit_fn(np.asarray(labeled), np.asarray(labels))
    return np.asarray(labeled, dtype=np.intp)
