"""When do stopping rules stop, and what did the labels after that buy? A small Adult run.

Per seed: the paper's split of Adult, D0 cut to ``--d0`` rows (labels matter
there), margin sampling in rounds of ``--batch`` labels through the one loop
(``select(..., oracle=...)``) up to ``--budget``, the learner
``PoolThresholdClassifier(rho=.04)`` trained on D0 + the labels after every
round. :func:`skpanda.simulation.learn_in_rounds` records where FairStop,
KappaAverage (0.99, window 3) and DeltaFScore (0.01, window 3) would stop; the
test F1 and disparity at every round come from refits on the prefixes.

Run::

    OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python benchmarks/stopping_rules.py --seeds 10,11,12
"""

import argparse
import warnings

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from skpanda.learners import PoolThresholdClassifier
from skpanda.metrics import demographic_parity
from skpanda.selectors import MarginQuerySelector
from skpanda.simulation import (DeltaFScore, FairStop, KappaAverage, learn_in_rounds,
                                load_dataset, split_protocol)


def test_curve(split, d0, positions, batch):
    """Test F1 and disparity of the learner after each round (prefixes of ``positions``)."""
    rows = []
    for n in range(batch, len(positions) + 1, batch):
        sel = positions[:n]
        model = PoolThresholdClassifier(rho=0.04, random_state=0).fit(
            np.vstack([split.X_train[d0], split.X_pool[sel]]),
            np.r_[split.y_train[d0], split.y_pool[sel]],
            sensitive_features=np.r_[split.g_train[d0], split.g_pool[sel]],
            X_unlabeled=split.X_pool, sensitive_features_unlabeled=split.g_pool)
        pred = model.predict(split.X_test, sensitive_features=split.g_test)
        rows.append({"labels": n, "f1": f1_score(split.y_test, pred),
                     "dp": demographic_parity(None, pred, sensitive_features=split.g_test)})
    return pd.DataFrame(rows).set_index("labels")


def run_seed(seed, args):
    X, y, g = load_dataset("adult")
    split = split_protocol(X, y, g, random_state=seed)
    d0 = np.random.RandomState(seed).permutation(len(split.y_train))[: args.d0]
    criteria = [FairStop(rho=0.04, tol=0.002), KappaAverage(), DeltaFScore()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        positions, stops = learn_in_rounds(
            MarginQuerySelector(random_state=seed), split.X_train[d0], split.y_train[d0],
            split.g_train[d0], split.X_pool, split.g_pool, lambda p: split.y_pool[p],
            budget=args.budget, batch_size=args.batch,
            estimator=PoolThresholdClassifier(rho=0.04, random_state=0), criteria=criteria)
        curve = test_curve(split, d0, positions, args.batch)
    final = curve.iloc[-1]
    rows = []
    for name, at in stops.items():
        point = curve.loc[at] if at is not None else final
        rows.append({"seed": seed, "rule": name, "stops_at": at if at is not None else "never",
                     "f1_at_stop": point.f1, "dp_at_stop": point.dp,
                     "f1_at_budget": final.f1, "f1_lost": final.f1 - point.f1,
                     "labels_saved": args.budget - (at if at is not None else args.budget)})
    print(f"seed {seed} curve (labels: test F1 / DP): " + ", ".join(
        f"{n}: {r.f1:.3f}/{r.dp:.3f}" for n, r in curve.iterrows()), flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="10,11,12", help="comma-separated (default: 10,11,12)")
    parser.add_argument("--d0", type=int, default=200, help="rows of D0 kept (default: 200)")
    parser.add_argument("--budget", type=int, default=600, help="labels at most (default: 600)")
    parser.add_argument("--batch", type=int, default=50, help="labels per round (default: 50)")
    args = parser.parse_args()
    rows = []
    for seed in map(int, args.seeds.split(",")):
        rows += run_seed(seed, args)
    df = pd.DataFrame(rows)
    print(df.to_markdown(index=False, floatfmt=".3f"))
    print(df.groupby("rule")[["f1_lost", "labels_saved", "dp_at_stop"]].mean()
          .to_markdown(floatfmt=".3f"))


if __name__ == "__main__":
    main()
