"""Toy data, tasks and policies shared by the meta-training tests (factory fixtures)."""

import numpy as np
import pytest
import torch

from skpanda.panda._nn.policy import SelectionPolicy, policy_inputs
from skpanda.panda._nn.tasks import make_task, reshuffle


def _noisy_region_data(n=1200, seed=0):
    """80% of rows are easy negatives (x1 shifted by 3); in the rest y = [x0 > 0].

    A uniform selection spends most of the budget on uninformative easy rows;
    a policy that favours the boundary region trains a better classifier.
    """
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] > 0).astype(int)
    easy = rng.rand(n) < 0.8
    X[easy, 1] += 3.0
    y[easy] = 0
    g = (rng.rand(n) < 0.4).astype(int)
    return (torch.tensor(X, dtype=torch.float32), torch.tensor(y), torch.tensor(g))


def _biased_shortcut_data(n=1000, seed=0):
    """Rows with x2 = 1 have label = group (x0 is a group proxy); others follow x1.

    Training on the shortcut rows makes predictions depend on the group; a
    selection without them has (near) zero demographic disparity.
    """
    rng = np.random.RandomState(seed)
    g = (rng.rand(n) < 0.5).astype(int)
    shortcut = rng.rand(n) < 0.5
    X = np.column_stack([g + 0.3 * rng.normal(size=n), rng.normal(size=n), shortcut * 1.0])
    y = np.where(shortcut, g, (X[:, 1] > 0).astype(int))
    return (torch.tensor(X, dtype=torch.float32), torch.tensor(y), torch.tensor(g))


def _tasks(Z, y, g, n_tasks, pool_size, seed):
    """``n_tasks`` pool/validation tasks of D0 = (Z, y, g) and a zero head ``init``."""
    init = torch.zeros(Z.shape[1] + 1)
    data = (policy_inputs(Z, init), Z, y.float(), g)
    return [make_task(data, *reshuffle(y.numpy(), g.numpy(), pool_size,
                                        np.random.RandomState([seed, j])))
            for j in range(n_tasks)], init


def _policy(n_inputs, seed=0):
    """A small policy whose initial weights depend on ``seed`` only."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return SelectionPolicy(n_inputs, d_model=16, n_heads=2, n_inducing=8)


@pytest.fixture
def noisy_region_data():
    return _noisy_region_data


@pytest.fixture
def biased_shortcut_data():
    return _biased_shortcut_data


@pytest.fixture
def make_tasks():
    return _tasks


@pytest.fixture
def make_policy():
    return _policy
