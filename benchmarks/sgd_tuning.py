"""Tune the ``sgd`` learner of the harness on random sampling (paper §4.2).

The paper trains its downstream linear classifier by SGD and tunes the
learning rate on random sampling, then reuses it for every method. This script
does the same for ``SGDClassifier(loss="log_loss", learning_rate="constant",
eta0=..., max_iter=<epochs>, tol=None)`` on Adult, seeds 0-4, the harness's
split (one-hot standardised features) and the random selector's rows, and
prints the mean test F1 (and Δ_DP) at each budget. The chosen setting
maximises the mean F1 over the budgets.

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/sgd_tuning.py``
"""

import itertools

import numpy as np
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import f1_score

from skpanda.metrics import demographic_parity
from skpanda.simulation import load_dataset, make_selector, split_protocol

ETAS = (0.001, 0.003, 0.01, 0.03, 0.1)
EPOCHS = (5, 10, 20, 50)
BUDGETS = (50, 100, 200, 400)
SEEDS = range(5)


def main():
    X, y, g = load_dataset("adult")
    runs = []
    for seed in SEEDS:
        split = split_protocol(X, y, g, random_state=seed)
        selector = make_selector("random", random_state=seed)
        selector.fit(split.X_train, split.y_train, sensitive_features=split.g_train)
        runs.append((split, selector.select(split.X_pool, max(BUDGETS))))
    results = {}
    for eta, epochs in itertools.product(ETAS, EPOCHS):
        f1, dp = np.zeros((len(runs), len(BUDGETS))), np.zeros((len(runs), len(BUDGETS)))
        for i, (split, rows) in enumerate(runs):
            for j, b in enumerate(BUDGETS):
                sel = rows[:b]
                model = SGDClassifier(loss="log_loss", learning_rate="constant", eta0=eta,
                                      max_iter=epochs, tol=None, random_state=i)
                model.fit(split.X_pool[sel], split.y_pool[sel])
                pred = model.predict(split.X_test)
                f1[i, j] = f1_score(split.y_test, pred, zero_division=0.0)
                dp[i, j] = demographic_parity(split.y_test, pred,
                                              sensitive_features=split.g_test)
        results[eta, epochs] = (f1, dp)
        print(f"eta0={eta:<6g} epochs={epochs:<3d} F1 " +
              " ".join(f"B={b}:{m:.3f}" for b, m in zip(BUDGETS, f1.mean(0))) +
              f" | mean {f1.mean():.3f} ± {f1.mean(1).std(ddof=1):.3f}"
              f" | Δ_DP@400 {dp[:, -1].mean():.3f}", flush=True)
    best = max(results, key=lambda k: results[k][0].mean())
    print(f"best: eta0={best[0]:g}, epochs={best[1]} (mean F1 over budgets "
          f"{results[best][0].mean():.3f}, F1 at B=400 {results[best][0][:, -1].mean():.3f})")


if __name__ == "__main__":
    main()
