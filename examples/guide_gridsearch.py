"""Choose rho and budget for a target Delta_DP <= 0.04 on Adult with GridSearchCV.

The runnable code of ``docs/guide_gridsearch.md``::

    python examples/guide_gridsearch.py            # the guide's numbers
    python examples/guide_gridsearch.py --quick    # smaller sizes (CI's slow set)

It prints the grid's ``cv_results_`` table, the chosen candidate, fairlearn's
``MetricFrame`` of the final model per group on a test set, and writes the
trade-off figure (``docs/figures/guide_tradeoff.png`` by default).
"""

import argparse
import time

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import sklearn  # noqa: E402
from fairlearn.metrics import MetricFrame, selection_rate  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.model_selection import GridSearchCV, train_test_split  # noqa: E402

from skpanda.datasets import load_adult, make_preprocessor  # noqa: E402
from skpanda.learners import PoolThresholdClassifier  # noqa: E402
from skpanda.metrics import best_feasible, demographic_parity, make_parity_scorers  # noqa: E402
from skpanda.pipeline import make_selection_pipeline  # noqa: E402
from skpanda.plotting import plot_tradeoff  # noqa: E402
from skpanda.selectors import RandomQuerySelector  # noqa: E402

TARGET = 0.04  # the requirement: Delta_DP <= 0.04 on unseen data


def main(quick=False, figure="docs/figures/guide_tradeoff.png"):
    tic = time.perf_counter()
    sklearn.set_config(enable_metadata_routing=True)  # sensitive_features reach scoring

    # 1. Data: a labeled D0, an unlabeled pool to select from, a test set.
    X, y, sex = load_adult(return_X_y=True)
    X = X.drop(columns="sex")  # the group is not a feature
    n_d0, n_pool = (1500, 3000) if quick else (4000, 12000)
    rest, X_d0, y_rest, y_d0, g_rest, g_d0 = train_test_split(
        X, y, sex, test_size=n_d0, stratify=y, random_state=0)
    X_pool, X_test, y_pool, y_test, g_pool, g_test = train_test_split(
        rest, y_rest, g_rest, train_size=n_pool, stratify=y_rest, random_state=0)

    # 2. A Pipeline: preprocessor + selector; the downstream model enforces rho on the pool.
    selector = RandomQuerySelector(estimator=PoolThresholdClassifier(rho=0.04), random_state=0)
    pipe = make_selection_pipeline(make_preprocessor(X_d0), selector)

    # 3. Grid over rho (a knob) and budget, every candidate scored against the same target.
    grid = {"randomqueryselector__estimator__rho": [0.02, 0.03, 0.04, 0.08],
            "randomqueryselector__budget": [100, 400]}
    search = GridSearchCV(pipe, grid, cv=3, scoring=make_parity_scorers(target=TARGET),
                          refit=best_feasible)
    search.fit(X_d0, y_d0, sensitive_features=g_d0)
    table = pd.DataFrame(search.cv_results_)[[
        "param_randomqueryselector__estimator__rho", "param_randomqueryselector__budget",
        "mean_test_f1", "mean_test_disparity", "mean_test_parity_ok", "mean_test_score"]]
    table.columns = ["rho", "budget", "f1", "disparity", "parity_ok", "score"]
    print(table.round(3).to_string(index=False))
    print("chosen:", search.best_params_)

    # 4. The final model: select from the real pool, label, train, check per group.
    best = search.best_estimator_
    chosen = best.select(X_pool, sensitive_features=g_pool)
    model = best[-1].fit_selected(best[:-1].transform(X_pool), y_pool, positions=chosen,
                                  sensitive_features=g_pool)
    y_hat = model.predict(best[:-1].transform(X_test), sensitive_features=g_test)
    frame = MetricFrame(metrics={"accuracy": accuracy_score, "f1": f1_score,
                                 "selection_rate": selection_rate},
                        y_true=y_test, y_pred=y_hat, sensitive_features=g_test)
    print(frame.by_group.round(3))
    print(f"test Delta_DP = {demographic_parity(y_test, y_hat, sensitive_features=g_test):.3f}"
          f" (target {TARGET})")

    # 5. The trade-off figure.
    ax = plot_tradeoff(search.cv_results_, target=TARGET, best_index=search.best_index_)
    ax.figure.savefig(figure, dpi=120, bbox_inches="tight")
    print(f"figure: {figure}; wall time {time.perf_counter() - tic:.0f} s")
    return search, frame


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller D0 and pool")
    parser.add_argument("--figure", default="docs/figures/guide_tradeoff.png")
    args = parser.parse_args()
    main(quick=args.quick, figure=args.figure)
