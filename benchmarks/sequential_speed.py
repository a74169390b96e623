"""Wall time of the sequential uncertainty loops on Adult, next to random.

The paper's protocol (§4): Adult shuffled, 50/50 into D0 and meta-test,
meta-test 50/50 into the unlabeled pool (~12k rows) and the test set. Each
method selects B rows with an oracle (margin and entropy refit their
classifier after every label), then a LogisticRegression is trained on the
selected rows and scored on the test set.

Run::

    OMP_NUM_THREADS=1 python benchmarks/sequential_speed.py --budget 400

Target: each sequential loop under 10 s on 2 cores.
"""

import argparse
import time

import numpy as np
from sklearn.metrics import f1_score

from skpanda.datasets import load_adult
from skpanda.metrics import demographic_parity
from skpanda.simulation._protocol import make_oracle, make_selector, split_protocol


def run(method, split, budget, seed):
    sel = make_selector(method, random_state=seed).set_params(budget=budget)
    t0 = time.perf_counter()
    sel.fit(split.X_train, split.y_train, sensitive_features=split.g_train)
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    pos = sel.select(split.X_pool, sensitive_features=split.g_pool,
                     oracle=make_oracle(split.y_pool))
    t_select = time.perf_counter() - t0
    model = sel.fit_selected(split.X_pool, split.y_pool, positions=pos,
                             sensitive_features=split.g_pool)
    kw = {"random_state": 0} if method.startswith("fairlearn") else {}
    y_hat = model.predict(split.X_test, **kw)
    return dict(fit=t_fit, select=t_select,
                f1=f1_score(split.y_test, y_hat),
                dp=demographic_parity(split.y_test, y_hat, sensitive_features=split.g_test))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", default="random,margin,entropy")
    args = parser.parse_args(argv)

    X, y, groups = load_adult(return_X_y=True)
    split = split_protocol(X, y, groups, random_state=args.seed)
    print(f"Adult: D0 {split.X_train.shape}, pool {split.X_pool.shape}, "
          f"test {split.X_test.shape}, B={args.budget}, seed={args.seed}")
    print(f"{'method':<14}{'fit D0 s':>10}{'select s':>10}{'test F1':>9}{'test Δ_DP':>11}")
    for method in args.methods.split(","):
        r = run(method, split, args.budget, args.seed)
        print(f"{method:<14}{r['fit']:>10.2f}{r['select']:>10.2f}{r['f1']:>9.3f}"
              f"{r['dp']:>11.3f}")


if __name__ == "__main__":
    main()
