"""The selector contract, checked for every selector.

Append a selector to ``SELECTORS`` (a class plus its tiny settings) and every
test below runs on it.
"""

import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from skpanda import selectors as _selectors
from skpanda.panda import PandaQuerySelector
from skpanda.datasets import make_biased_classification
from skpanda.selectors import (
    EntropyQuerySelector,
    GroupRandomQuerySelector,
    MarginQuerySelector,
    RandomQuerySelector,
)

SELECTORS = [
    (RandomQuerySelector, {}),
    (GroupRandomQuerySelector, {}),
    (MarginQuerySelector, {}),
    (MarginQuerySelector, {"query_batch_size": 3, "warm_start": "data"}),
    (EntropyQuerySelector, {}),
]
SELECTORS += [
    (_selectors.FairActiveLearningQuerySelector, {"n_candidates": 10}),
    (PandaQuerySelector, {"n_iter": 3, "d_model": 8, "n_heads": 2, "n_inducing": 4,
                          "n_memory": 4}),
]

IDS = [cls.__name__ + "".join(f"-{k}={v}" for k, v in kw.items()) for cls, kw in SELECTORS]
parametrize = pytest.mark.parametrize("cls, settings", SELECTORS, ids=IDS)


def make(cls, settings, **params):
    return cls(**{"budget": 6, "random_state": 0, **settings, **params})


@pytest.fixture(scope="module")
def data():
    X, y, g = make_biased_classification(260, 4, random_state=0, return_X_y=True)
    return dict(X0=X[:80], y0=y[:80], g0=g[:80], Xp=X[80:], yp=y[80:], gp=g[80:])


def fitted(cls, settings, data, **params):
    sel = make(cls, settings, **params)
    return sel.fit(data["X0"], data["y0"], sensitive_features=data["g0"])


def select(sel, data, budget=None, *, X=None, oracle=True):
    X = data["Xp"] if X is None else X
    ask = (lambda pos: data["yp"][pos]) if oracle else None
    return sel.select(X, budget, sensitive_features=data["gp"], oracle=ask)


@parametrize
@pytest.mark.parametrize("oracle", [False, True])
def test_positions_unique_in_range_and_budget_respected(cls, settings, data, oracle):
    sel = fitted(cls, settings, data)
    for budget in (1, 7):
        pos = select(sel, data, budget, oracle=oracle)
        assert pos.dtype.kind == "i" and pos.shape == (budget,)
        assert np.unique(pos).size == budget
        assert pos.min() >= 0 and pos.max() < data["Xp"].shape[0]


@parametrize
def test_budget_none_uses_the_parameter(cls, settings, data):
    sel = fitted(cls, settings, data, budget=4)
    assert select(sel, data).shape == (4,)
    assert select(sel, data, oracle=False).shape == (4,)


@parametrize
def test_deterministic_for_fixed_random_state(cls, settings, data):
    first, second = fitted(cls, settings, data), fitted(cls, settings, data)
    np.testing.assert_array_equal(select(first, data), select(second, data))
    np.testing.assert_array_equal(select(first, data), select(first, data))


def fingerprint(selector):
    """A hash per fitted attribute; torch modules by their weights and mode.

    (Pickling a torch tensor embeds a fresh serialization id, so a plain
    ``joblib.hash`` of a module differs between two calls.)
    """
    out = {}
    for key, value in vars(selector).items():
        module = getattr(value, "module", value)  # PANDA's encoder wraps its module
        if hasattr(module, "state_dict"):
            weights = {k: t.detach().cpu().numpy() for k, t in module.state_dict().items()}
            out[key] = joblib.hash((weights, module.training))
        else:
            out[key] = joblib.hash(value)
    return out


@parametrize
def test_select_mutates_neither_self_nor_inputs(cls, settings, data):
    sel = fitted(cls, settings, data)
    params, state = joblib.hash(sel.get_params()), fingerprint(sel)
    inputs = {k: v.copy() for k, v in data.items()}
    select(sel, data, oracle=False)
    select(sel, data, oracle=True)
    assert joblib.hash(sel.get_params()) == params
    assert fingerprint(sel) == state
    for key, value in inputs.items():
        np.testing.assert_array_equal(data[key], value)


@parametrize
def test_not_fitted_error_before_fit(cls, settings, data):
    with pytest.raises(NotFittedError):
        select(make(cls, settings), data)


@parametrize
def test_oracle_is_asked_each_position_once(cls, settings, data):
    sel = fitted(cls, settings, data)
    asked = []

    def oracle(pos):
        asked.extend(np.asarray(pos).tolist())
        return data["yp"][pos]

    pos = sel.select(data["Xp"], 8, sensitive_features=data["gp"], oracle=oracle)
    assert len(asked) == len(set(asked))
    if asked:  # strategies that query while selecting ask exactly what they return
        assert asked == pos.tolist()


@parametrize
def test_rounds_with_labeled_rows_removed_never_reselect(cls, settings, data):
    """Three rounds: select, label, move the rows from the pool to D0, refit."""
    X, y, g = data["X0"], data["y0"], data["g0"]
    remaining = np.arange(data["Xp"].shape[0])
    labeled = []
    for _ in range(3):
        sel = make(cls, settings, budget=5).fit(X, y, sensitive_features=g)
        pool = data["Xp"][remaining]
        pos = sel.select(pool, sensitive_features=data["gp"][remaining],
                         oracle=lambda p, r=remaining: data["yp"][r[p]])
        chosen = remaining[pos]
        assert not set(chosen) & set(labeled)
        labeled.extend(chosen.tolist())
        X = np.vstack([X, data["Xp"][chosen]])
        y = np.concatenate([y, data["yp"][chosen]])
        g = np.concatenate([g, data["gp"][chosen]])
        remaining = np.setdiff1d(remaining, chosen)
    assert len(labeled) == len(set(labeled)) == 15


@parametrize
def test_dataframe_input_keeps_feature_names(cls, settings, data):
    cols = ["a", "b", "c", "d"]
    frame = pd.DataFrame(data["X0"], columns=cols)
    sel = make(cls, settings).fit(frame, data["y0"], sensitive_features=data["g0"])
    np.testing.assert_array_equal(sel.feature_names_in_, cols)
    pool = pd.DataFrame(data["Xp"], columns=cols)
    np.testing.assert_array_equal(select(sel, data, X=pool), select(
        fitted(cls, settings, data), data))
    with pytest.raises(ValueError, match="feature names"):
        select(sel, data, X=pool.rename(columns={"a": "z"}))


@parametrize
def test_sparse_csr_input(cls, settings, data):
    sel = make(cls, settings, estimator=LogisticRegression())
    sel.fit(sp.csr_matrix(data["X0"]), data["y0"], sensitive_features=data["g0"])
    pos = select(sel, data, X=sp.csr_matrix(data["Xp"]))
    assert np.unique(pos).size == 6


@parametrize
def test_clone_and_pickle_round_trip(cls, settings, data):
    sel = fitted(cls, settings, data)
    restored = pickle.loads(pickle.dumps(sel))
    np.testing.assert_array_equal(select(restored, data), select(sel, data))
    assert clone(sel).get_params() == make(cls, settings).get_params()
