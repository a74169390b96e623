"""PandaEncoder: PANDA's D0 representation as a transformer of its own."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skpanda.datasets import make_preprocessor
from skpanda.panda import PandaEncoder, PandaQuerySelector
from skpanda.selectors import RandomQuerySelector

ARCH = dict(d_model=8, n_heads=2, n_memory=4)


@pytest.fixture(scope="module")
def frame():
    rng = np.random.RandomState(0)
    n = 400
    X = pd.DataFrame({"job": rng.choice(["a", "b", "c"], n), "age": rng.normal(40, 10, n)})
    g = rng.randint(0, 2, n)
    y = ((X["age"] - 40) / 10 + (X["job"] == "a") + g + rng.normal(0, 1, n) > 1).astype(int)
    return X, y.to_numpy(), g


def test_features_equal_pandas_own_representation(frame):
    """Same seed, data and architecture: the encoder PANDA pretrains before meta-training."""
    X, y, g = frame
    enc = PandaEncoder(preprocessor=make_preprocessor(X), random_state=3, **ARCH).fit(X, y)
    panda = PandaQuerySelector(budget=10, n_iter=1, n_inducing=4, random_state=3,
                               encoder=make_preprocessor(X), **ARCH)
    panda.fit(X, y, sensitive_features=g)
    np.testing.assert_allclose(enc.transform(X), panda.transform(X), atol=1e-6)
    assert not hasattr(enc, "policy_")  # no meta-training


def test_rows_are_encoded_one_at_a_time(frame):
    X, y, _ = frame
    enc = PandaEncoder(preprocessor=make_preprocessor(X), random_state=0, **ARCH).fit(X, y)
    Z = enc.transform(X)
    assert Z.shape == (len(X), 8) and Z.dtype == np.float64
    np.testing.assert_allclose(enc.transform(X.iloc[5:6]), Z[5:6], atol=1e-6)


def test_in_a_pipeline_and_as_any_selectors_encoder(frame):
    X, y, g = frame
    pipe = make_pipeline(PandaEncoder(preprocessor=make_preprocessor(X), random_state=0, **ARCH),
                         LogisticRegression()).fit(X, y)
    assert pipe.score(X, y) > 0.6
    sel = RandomQuerySelector(budget=30, random_state=0,
                              encoder=PandaEncoder(preprocessor=make_preprocessor(X),
                                                   random_state=0, **ARCH))
    sel.fit(X[:200], y[:200])
    pos = sel.select(X[200:])
    model = sel.fit_selected(X[200:], y[200:][pos], positions=pos)
    assert model.predict(X[200:]).shape == (200,)
    assert sel.transform(X[:3]).shape == (3, 8)


def test_bad_input_is_refused_before_training(frame):
    X, y, _ = frame
    with pytest.raises(ValueError, match="d_model=8 must be divisible by n_heads=3"):
        PandaEncoder(d_model=8, n_heads=3).fit(X.select_dtypes("number"), y)
    with pytest.raises(ValueError, match="exactly two classes"):
        PandaEncoder(**ARCH).fit(X.select_dtypes("number"), np.arange(len(y)) % 3)
    with pytest.raises(ValueError, match="could not convert|string"):
        PandaEncoder(**ARCH).fit(X, y)  # raw strings without a preprocessor
    assert clone(PandaEncoder(**ARCH)).get_params()["d_model"] == 8
