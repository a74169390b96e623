"""Tests of the pretrained row encoder (skpanda.panda._nn.encoder)."""

import pickle

import numpy as np
import torch

from skpanda.panda._nn.encoder import FittedRowEncoder, RowEncoder


def _module(n_features=5, seed=0):
    torch.manual_seed(seed)
    return RowEncoder(n_features, d_model=8, n_heads=2, n_layers=1, n_memory=4).eval()


def test_transform_is_row_wise_and_chunking_does_not_change_it():
    X = np.random.RandomState(0).normal(size=(30, 5))
    enc = FittedRowEncoder(_module())
    full = enc.transform(X)
    assert full.shape == (30, 8) and full.dtype == np.float64
    np.testing.assert_allclose(FittedRowEncoder(_module(), chunk_size=7).transform(X), full,
                               atol=1e-6)
    np.testing.assert_allclose(enc.transform(X[10:12]), full[10:12], atol=1e-6)


def test_head_is_the_linear_head_as_one_vector():
    enc = FittedRowEncoder(_module())
    head = enc.head()
    assert head.shape == (9,)
    torch.testing.assert_close(head[:-1], enc.module.head.weight.detach().reshape(-1))


def test_pickle_round_trip_keeps_the_features():
    X = np.random.RandomState(1).normal(size=(6, 5))
    enc = FittedRowEncoder(_module())
    np.testing.assert_allclose(pickle.loads(pickle.dumps(enc)).transform(X), enc.transform(X))


def test_empty_input_gives_an_empty_representation():
    assert FittedRowEncoder(_module()).transform(np.zeros((0, 5))).shape == (0, 8)
