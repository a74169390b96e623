"""One cell of the experiment grid (method × seed) and its on-disk record.

A cell selects once at the largest budget (selections are in labeling order)
and evaluates every budget on a prefix of that selection. Prefixes are exact
for sequential strategies (the first ``b`` queries of a ``B``-query run are the
``b``-query run), for deterministic top-k (the first ``b`` of a ranking are
the top ``b``) and, in distribution, for random and Gumbel-top-k orders (the
first ``b`` rows of a uniformly random order are a uniform ``b``-subset).
"""

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from threadpoolctl import threadpool_limits

from ..metrics import demographic_parity, equalized_odds, error_rate_balance
from ..learners import get_learner_spec, learner_names
from ..selectors import get_selector_spec, selector_names
from ..selectors._utils import default_estimator, predict_labels
from ._protocol import QUERY_WITH_LR, make_oracle, make_selector

#: Columns of the tidy result table, in order.
COLUMNS = (
    "dataset", "method", "learner", "seed", "budget", "f1", "accuracy", "delta_dp", "delta_eo",
    "delta_eb", "select_seconds", "fit_seconds", "train_seconds", "n_selected",
    "labels_used", "positive_share", "minority_share", "positive_rate_test", "representation",
)


def fingerprint(config):
    """A short stable hash of a JSON-able configuration."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def default_learner(method):
    """The learner of a method's rows when a result file has no ``learner`` column.

    ``"eg"`` for the methods tied to fairlearn (``fairlearn``, ``fairlearn_al``),
    else ``"lr"`` (the only downstream learner before learners were named).
    """
    if method in selector_names():
        return get_selector_spec(method).learner or "lr"
    return "lr"


def with_learner_column(df):
    """``df`` with a ``learner`` column, filled as :func:`default_learner` says when absent."""
    if "learner" in df.columns and not df["learner"].isna().any():
        return df
    df = df.copy()
    fill = df["method"].map(default_learner)
    df["learner"] = df["learner"].fillna(fill) if "learner" in df.columns else fill
    if "method" in df.columns:  # keep the column order of COLUMNS
        cols = [c for c in df.columns if c != "learner"]
        cols.insert(cols.index("method") + 1, "learner")
        df = df[cols]
    return df


def cell_path(out, method, seed, key, learner=None):
    """Where the record of one finished cell lives.

    A method's cells under its default learner (:func:`default_learner`) keep
    the name they had before learners were named, so old folders resume.
    """
    if learner is None or learner == default_learner(method):
        return Path(out) / "cells" / f"{method}-seed{seed}-{key}.json"
    return Path(out) / "cells" / f"{method}-{learner}-seed{seed}-{key}.json"


def write_json_atomic(path, payload):
    """Write ``payload`` as JSON through a temporary file, so readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(payload, indent=1, default=_to_builtin))
    os.replace(tmp, path)


def _to_builtin(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def evaluate(model, X_test, y_test, g_test, *, random_state):
    """Test F1, accuracy and the three Table-1 disparities of ``model`` on ``X_test``."""
    y_hat = predict_labels(model, X_test, random_state=random_state, sensitive_features=g_test)
    kw = dict(sensitive_features=g_test)
    return {
        "f1": float(f1_score(y_test, y_hat, zero_division=0.0)),
        "accuracy": float(accuracy_score(y_test, y_hat)),
        "delta_dp": float(demographic_parity(y_test, y_hat, **kw)),
        "delta_eo": float(equalized_odds(y_test, y_hat, **kw)),
        "delta_eb": float(error_rate_balance(y_test, y_hat, **kw)),
    }


class CountingOracle:
    """The pool's oracle, remembering every position whose label it revealed.

    ``labels_used(chosen, selection)`` is the number of labels a method paid
    for at a budget: its ``chosen`` rows (the model trains on their labels)
    and every row the oracle answered for that the whole ``selection`` does
    not hold (a label read, then dropped; counted at every budget, an upper
    bound for the prefixes).

    Examples
    --------
    >>> oracle = CountingOracle([0, 1, 1, 0])
    >>> oracle([3, 1]).tolist()
    [0, 1]
    >>> oracle.labels_used([1], selection=[1, 2])   # row 3 was read, then dropped
    2
    """

    def __init__(self, y_pool):
        self._answer = make_oracle(y_pool)
        self.asked = set()

    def __call__(self, positions):
        self.asked.update(np.asarray(positions).ravel().tolist())
        return self._answer(positions)

    def labels_used(self, chosen, selection):
        dropped = self.asked - set(np.asarray(selection).ravel().tolist())
        return int(np.asarray(chosen).size + len(dropped))


def _queries_with_lr(method, learner):
    """Whether the selector scores the pool with a LogisticRegression, not the learner."""
    needs_groups = learner in learner_names() and get_learner_spec(learner).needs_groups_at_predict
    return method in QUERY_WITH_LR or needs_groups


# One BLAS/OpenMP thread per cell: the models are small (hundreds of rows), so
# extra threads only spin, and cells already run in parallel through joblib.
@threadpool_limits.wrap(limits=1)
def run_cell(method, seed, split, budgets, *, encoder=None, rho=0.04,
             fal_candidates=100, encoder_seconds=0.0, dataset="", representation="",
             learner=None, estimator=None):
    """Select with one method on one seed's pool and evaluate every budget.

    Parameters
    ----------
    method : str
        A name of :data:`~skpanda.simulation._protocol.METHODS`.
    seed : int
        Seeds the selector and the randomized predictions of fairlearn.
    split : ProtocolSplit
        D0, pool and test set of the seed.
    budgets : sequence of int
        Increasing budgets; the largest is selected once, the others are its
        prefixes.
    encoder : fitted PandaQuerySelector, default=None
        The shared representation; for ``method="panda"`` also the selector.
    rho : float
    fal_candidates : int
    encoder_seconds : float
        Meta-training time of ``encoder``, reported as PANDA's fit time.
    dataset, representation : str
        Copied into the rows.
    learner : str, default=None
        The learner name written in the rows; ``None`` is the method's
        default (:func:`default_learner`).
    estimator : classifier, default=None
        The downstream classifier of ``learner`` (``None``: the selector's
        default). FAL ranks its candidates with a LogisticRegression whatever
        the learner (refitting another learner per candidate is intractable),
        and so does every selector under a learner that needs groups at
        predict time (``pool``: its ``predict_proba`` is the thresholded rule,
        not a score); they train ``estimator`` on the rows they picked.

    Returns
    -------
    rows : list of dict
        One row per budget with the columns of :data:`COLUMNS`.
    """
    tic = time.perf_counter()
    if method == "panda":
        if encoder is None:
            raise ValueError("method='panda' needs the fitted PANDA selector as encoder=.")
        selector, fit_seconds = encoder, float(encoder_seconds)
    else:
        query_lr = _queries_with_lr(method, learner)
        selector = make_selector(method, encoder=encoder, rho=rho, random_state=seed,
                                 fal_candidates=fal_candidates, estimator=estimator,
                                 query_estimator=default_estimator() if query_lr else None)
        selector.fit(split.X_train, split.y_train, sensitive_features=split.g_train)
        fit_seconds = time.perf_counter() - tic
    tic = time.perf_counter()
    oracle = CountingOracle(split.y_pool)
    positions = selector.select(split.X_pool, max(budgets), sensitive_features=split.g_pool,
                                oracle=oracle)
    select_seconds = time.perf_counter() - tic
    if method == "panda" and _queries_with_lr(method, learner) and estimator is not None:
        selector.set_params(estimator=estimator)  # fit_selected trains the learner
    learner = default_learner(method) if learner is None else learner
    values, counts = np.unique(split.g_pool, return_counts=True)
    minority = values[np.argmin(counts)]
    rows = []
    for budget in budgets:
        chosen = positions[:budget]
        tic = time.perf_counter()
        model = selector.fit_selected(split.X_pool, split.y_pool, positions=chosen,
                                      sensitive_features=split.g_pool)
        train_seconds = time.perf_counter() - tic
        scores = evaluate(model, split.X_test, split.y_test, split.g_test, random_state=seed)
        rows.append({
            "dataset": dataset, "method": method, "learner": learner, "seed": int(seed),
            "budget": int(budget),
            **scores,
            "select_seconds": select_seconds, "fit_seconds": fit_seconds,
            "train_seconds": train_seconds,
            "n_selected": int(chosen.shape[0]),
            "labels_used": oracle.labels_used(chosen, positions),
            "positive_share": float(np.mean(split.y_pool[chosen] == 1)),
            "minority_share": float(np.mean(split.g_pool[chosen] == minority)),
            "positive_rate_test": float(np.mean(split.y_test == 1)),
            "representation": representation,
        })
    return rows
