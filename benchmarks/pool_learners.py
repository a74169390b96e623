"""Pool-aware fair learners on Adult (issue #10's table), paper protocol.

Per seed: :func:`skpanda.simulation.split_protocol` (50/50 D0 / meta-test,
meta-test 50/50 pool / test, sex as group, one-hot + scaling fitted on D0),
B = 400 pool rows drawn at random, rho = 0.04 (demographic parity). Rows:

- random 400 + LogisticRegression
- random 400 + fairlearn EG(DP <= rho) on the 400 rows
- whole pool labeled + EG(DP <= rho)
- random 400 + PoolThresholdClassifier (bound on the unlabeled pool)
- random 400 + PoolExponentiatedGradient (DP moment on the unlabeled pool)
- random 400 + PoolThresholdClassifier on :class:`skpanda.panda.PandaEncoder`'s
  representation (PANDA's encoder pretrained on D0, no meta-training), through
  the product path: ``RandomQuerySelector(encoder=PandaEncoder(...),
  estimator=PoolThresholdClassifier(...))``, ``fit_selected`` with the 400
  labels only (NaN elsewhere), ``model.predict`` on the test rows as they are

The pool learners see the whole pool's features and groups (its labels only
for the 400 rows). Printed: test F1 and Δ_DP (Table 1's max_a |E[h|a] - E[h]|)
per seed and mean ± std, the share of seeds whose test Δ_DP is <= rho
(``held``), and fit time (the encoder row: pretraining + learner). The
certified learner (``confidence=0.95``) is in
``benchmarks/pool_datasets.py --confidence 0.95``. Tune on seeds 0-4, report 10-14::

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD .venv/bin/python benchmarks/pool_learners.py --seeds 10 11 12 13 14

``--rows`` runs a subset, e.g. one-hot vs the encoder under the pool learner::

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD .venv/bin/python benchmarks/pool_learners.py \
        --seeds 10 11 12 13 14 --rows random400+PoolThreshold random400+PoolThreshold[PandaEncoder]
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from skpanda.learners import PoolExponentiatedGradient, PoolThresholdClassifier
from skpanda.metrics import demographic_parity
from skpanda.simulation import split_protocol
from skpanda.simulation._protocol import fairlearn_estimator, load_dataset

B, RHO = 400, 0.04
ROWS = ("random400+LR", "random400+EG", "pool12k+EG", "random400+PoolThreshold",
        "random400+PoolEG", "random400+PoolThreshold[PandaEncoder]")


def _encoder_row(s, sel, seed):
    """Random rows + the pool learner on PandaEncoder's features, the product path."""
    from skpanda.panda import PandaEncoder
    from skpanda.selectors import RandomQuerySelector

    selector = RandomQuerySelector(
        budget=B, encoder=PandaEncoder(random_state=seed),
        estimator=PoolThresholdClassifier(rho=RHO, random_state=seed), random_state=seed)
    t0 = time.perf_counter()
    selector.fit(s.X_train, s.y_train, sensitive_features=s.g_train)
    labels = np.full(s.y_pool.shape[0], np.nan)
    labels[sel] = s.y_pool[sel]  # the 400 labels bought; the rest unknown
    model = selector.fit_selected(s.X_pool, labels, positions=sel, sensitive_features=s.g_pool)
    fit_s = time.perf_counter() - t0
    return model.predict(s.X_test, sensitive_features=s.g_test), fit_s


def _fit_predict(name, s, sel, seed):
    if name == "random400+PoolThreshold[PandaEncoder]":
        return _encoder_row(s, sel, seed)
    X, y, g = s.X_pool[sel], s.y_pool[sel], s.g_pool[sel]
    pool = dict(X_unlabeled=s.X_pool, sensitive_features_unlabeled=s.g_pool)
    t0 = time.perf_counter()
    if name == "random400+LR":
        model = LogisticRegression(max_iter=1000).fit(X, y)
        fit_s = time.perf_counter() - t0
        return model.predict(s.X_test), fit_s
    if name in ("random400+EG", "pool12k+EG"):
        if name == "pool12k+EG":
            X, y, g = s.X_pool, s.y_pool, s.g_pool
        model = fairlearn_estimator(RHO).fit(X, y, sensitive_features=g)
        fit_s = time.perf_counter() - t0
        return model.predict(s.X_test, random_state=seed), fit_s
    if name == "random400+PoolThreshold":
        model = PoolThresholdClassifier(rho=RHO, random_state=seed).fit(
            X, y, sensitive_features=g, **pool)
        fit_s = time.perf_counter() - t0
        return model.predict(s.X_test, sensitive_features=s.g_test), fit_s
    model = PoolExponentiatedGradient(rho=RHO, random_state=seed).fit(
        X, y, sensitive_features=g, **pool)
    fit_s = time.perf_counter() - t0
    return model.predict(s.X_test), fit_s


def run(seeds, rows=ROWS):
    X, y, g = load_dataset("adult")
    res = {name: [] for name in rows}
    for seed in seeds:
        s = split_protocol(X, y, g, random_state=seed)
        sel = np.random.RandomState(seed).choice(s.y_pool.shape[0], B, replace=False)
        for name in rows:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y_hat, fit_s = _fit_predict(name, s, sel, seed)
            f1 = f1_score(s.y_test, y_hat)
            dp = demographic_parity(None, y_hat, sensitive_features=s.g_test)
            res[name].append((f1, dp, fit_s))
            print(f"seed {seed:2d}  {name:38s} F1 {f1:.3f}  ΔDP {dp:.3f}  fit {fit_s:.2f}s",
                  flush=True)
    print(f"\n| rows + learner | test F1 | test Δ_DP | worst Δ_DP | held (Δ_DP ≤ {RHO}) "
          f"| fit s | (seeds {seeds})")
    print("|---|---|---|---|---|---|")
    for name in rows:
        a = np.array(res[name])
        print(f"| {name} | {a[:, 0].mean():.3f} ± {a[:, 0].std():.3f} | "
              f"{a[:, 1].mean():.3f} ± {a[:, 1].std():.3f} | {a[:, 1].max():.3f} | "
              f"{int(np.sum(a[:, 1] <= RHO))}/{len(a)} | {a[:, 2].mean():.2f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[10, 11, 12, 13, 14])
    parser.add_argument("--rows", nargs="+", choices=ROWS, default=list(ROWS),
                        help="rows to run (default: all)")
    args = parser.parse_args()
    run(args.seeds, tuple(args.rows))
