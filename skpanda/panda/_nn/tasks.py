"""Simulated tasks of meta-training: Algorithm 1, line 3 (reshuffle D0 into L and V)."""

from typing import NamedTuple

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from ..._splits import stratify_key


class Task(NamedTuple):
    """One meta-training task: pool ``L`` (policy inputs, features, labels,
    groups) and validation set ``V``."""

    x_L: torch.Tensor
    Z_L: torch.Tensor
    y_L: torch.Tensor
    Z_V: torch.Tensor
    y_V: torch.Tensor
    g_V: torch.Tensor
    g_L: torch.Tensor = None


def reshuffle(y, groups, pool_size, rng):
    """Algorithm 1, line 3: positions of a simulated pool ``L`` and a validation set ``V``.

    Stratified by (group, label) when every cell has two rows, else by group.

    Parameters
    ----------
    y, groups : ndarray of shape (n,)
        Labels (0/1) and group codes of D0.
    pool_size : int
        Rows of ``L``; ``V`` is the rest.
    rng : numpy.random.RandomState

    Returns
    -------
    idx_L, idx_V : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> L, V = reshuffle(np.array([0, 1] * 4), np.repeat([0, 1], 4), 4,
    ...                  np.random.RandomState(0))
    >>> len(L), len(V)
    (4, 4)
    """
    strata = stratify_key(y, groups, min_count=2, fallback="groups")
    idx = np.arange(y.shape[0])
    return train_test_split(idx, train_size=pool_size, stratify=strata, random_state=rng)


split_task = reshuffle  # the name used before Algorithm 1 was spelled out


def make_task(data, idx_L, idx_V):
    """Gather a :class:`Task` from the full D0 tensors ``data = (x, Z, y, g)``."""
    x, Z, y, g = data
    L = torch.as_tensor(idx_L, device=Z.device)
    V = torch.as_tensor(idx_V, device=Z.device)
    return Task(x[L], Z[L], y[L], Z[V], y[V], g[V], g[L])
