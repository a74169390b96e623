"""Cold start: can a selector beat random rows when the model is trained on them alone?

The paper's §4 protocol (D0 only trains the query model; the classifier is
trained on the B selected rows only), Adult, the pool learner
``PoolThresholdClassifier(rho=.04)`` (pool as unlabeled rows) for every method,
B = 50 and 100, random rows in the same run. Methods:

* ``random``: uniform rows;
* ``entropy``: skpanda's EntropyQuerySelector through the loop (oracle, rounds of 10);
* ``thr-margin``: one batch from h0 (LogisticRegression on D0): the rows whose
  logit is closest to their **group's threshold** of the pool learner fitted on
  D0 + pool (not 0.5), made diverse by k-means: the 4B closest rows are cut into
  B clusters and the closest row of each is taken;
* ``thr-mix``: half ``thr-margin``, half random rows (a hedge against a
  boundary-only sample whose probabilities are miscalibrated).

Prints per seed and the paired difference with random (mean, paired standard
error, t, seeds won). Tune on seeds 0-4, report on 10-19::

    OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python benchmarks/cold_start.py --seeds 10-19
"""

import argparse
import warnings

import numpy as np
import pandas as pd
from scipy.special import logit
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from skpanda.learners import PoolThresholdClassifier
from skpanda.metrics import demographic_parity
from skpanda.selectors import EntropyQuerySelector
from skpanda.simulation import load_dataset, split_protocol

BUDGETS, RHO = (50, 100), 0.04


def thr_margin(split, budget, rng):
    """Rows closest to their group's threshold, one per k-means cluster of the 4B closest."""
    h0 = LogisticRegression(max_iter=1000).fit(split.X_train, split.y_train)
    pool_learner = PoolThresholdClassifier(rho=RHO, random_state=0).fit(
        split.X_train, split.y_train, sensitive_features=split.g_train,
        X_unlabeled=split.X_pool, sensitive_features_unlabeled=split.g_pool)
    p = np.clip(h0.predict_proba(split.X_pool)[:, 1], 1e-6, 1 - 1e-6)
    codes = np.searchsorted(pool_learner.groups_.astype(str), split.g_pool.astype(str))
    t = np.clip(pool_learner.thresholds_[codes], 1e-6, 1 - 1e-6)
    distance = np.abs(logit(p) - logit(t)) + 1e-9 * rng.random_sample(p.size)
    close = np.argsort(distance)[: 4 * budget]
    labels = KMeans(budget, n_init=1, random_state=rng.randint(2**31)).fit_predict(
        split.X_pool[close])
    picked = [close[labels == c][np.argmin(distance[close[labels == c]])]
              for c in np.unique(labels)]
    return np.asarray(picked)


def select(method, split, budget, seed):
    rng = np.random.RandomState(seed)
    if method == "random":
        return rng.permutation(len(split.y_pool))[:budget]
    if method == "entropy":
        sel = EntropyQuerySelector(random_state=seed, query_batch_size=10).fit(
            split.X_train, split.y_train, sensitive_features=split.g_train)
        return sel.select(split.X_pool, budget, oracle=lambda pos: split.y_pool[pos])
    if method == "thr-margin":
        return thr_margin(split, budget, rng)
    half = thr_margin(split, budget // 2, rng)
    rest = np.setdiff1d(rng.permutation(len(split.y_pool)), half, assume_unique=True)
    return np.r_[half, rng.permutation(rest)[: budget - half.size]]


def evaluate(split, rows):
    y = split.y_pool[rows]
    model = PoolThresholdClassifier(rho=RHO, random_state=0).fit(
        split.X_pool[rows], y, sensitive_features=split.g_pool[rows],
        X_unlabeled=split.X_pool, sensitive_features_unlabeled=split.g_pool)
    pred = model.predict(split.X_test, sensitive_features=split.g_test)
    return f1_score(split.y_test, pred), demographic_parity(None, pred,
                                                            sensitive_features=split.g_test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0-4", help="a-b or comma-separated (default: 0-4)")
    parser.add_argument("--methods", default="random,entropy,thr-margin,thr-mix",
                        help="comma-separated (default: random,entropy,thr-margin,thr-mix)")
    parser.add_argument("--out", default=None, help="CSV of the cells (default: none)")
    args = parser.parse_args()
    lo, _, hi = args.seeds.partition("-")
    seeds = range(int(lo), int(hi) + 1) if hi else [int(s) for s in args.seeds.split(",")]
    X, y, g = load_dataset("adult")
    rows = []
    for seed in seeds:
        split = split_protocol(X, y, g, random_state=seed)
        for method in args.methods.split(","):
            for budget in BUDGETS:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    f1, dp = evaluate(split, select(method, split, budget, seed))
                rows.append({"seed": seed, "method": method, "budget": budget, "f1": f1, "dp": dp})
        print(pd.DataFrame(rows[-len(BUDGETS) * len(args.methods.split(",")):])
              .to_string(index=False, float_format="%.3f"), flush=True)
        if args.out:
            pd.DataFrame(rows).to_csv(args.out, index=False)
    df = pd.DataFrame(rows)
    table = df.pivot_table(index=["budget", "seed"], columns="method", values=["f1", "dp"])
    out = []
    for budget in BUDGETS:
        t = table.loc[budget]
        for method in [m for m in args.methods.split(",") if m != "random"]:
            diff = t["f1"][method] - t["f1"]["random"]
            se = diff.std(ddof=1) / np.sqrt(diff.size)
            out.append({"budget": budget, "method": method,
                        "f1": f"{t['f1'][method].mean():.3f} ± {t['f1'][method].std():.3f}",
                        "random f1": f"{t['f1']['random'].mean():.3f} ± {t['f1']['random'].std():.3f}",
                        "ΔF1": diff.mean(), "paired SE": se, "t": diff.mean() / se,
                        "won": f"{int((diff > 0).sum())}/{diff.size}",
                        "Δ disparity": (t["dp"][method] - t["dp"]["random"]).mean(),
                        "beats (>2 SE, disparity ≤ +.01)": bool(
                            diff.mean() > 2 * se
                            and (t["dp"][method] - t["dp"]["random"]).mean() <= 0.01)})
    print(pd.DataFrame(out).to_markdown(index=False, floatfmt=".3f"))


if __name__ == "__main__":
    main()
