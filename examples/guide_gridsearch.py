"""Choose rho and budget for a target Delta_DP <= 0.04 on Adult with GridSearchCV.

The runnable code of ``docs/guide_gridsearch.md``::

    python examples/guide_gridsearch.py            # the guide's numbers
    python examples/guide_gridsearch.py --quick    # smaller sizes (CI's slow set)
    python examples/guide_gridsearch.py --figure docs/figures/guide_tradeoff.png

It prints the grid's ``cv_results_`` table, the chosen candidate and whether
it met the target on every fold, fairlearn's ``MetricFrame`` of the final
model per group on a test set, and writes the trade-off figure (into a new
temporary folder unless ``--figure`` names a file). A candidate that fails
on a fold stops the search with its error (``error_score="raise"``).
"""

import argparse
import math
import tempfile
import time
from pathlib import Path

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


def main(quick=False, figure=None):
    tic = time.perf_counter()
    sklearn.set_config(enable_metadata_routing=True)  # sensitive_features reach scoring

    # 1. Data: a labeled D0, an unlabeled pool to select from, a test set.
    X, y, sex = load_adult(return_X_y=True)
    X = X.drop(columns="sex")  # the group is not a feature
    n_d0, n_pool = (3000, 6000) if quick else (6000, 12000)
    budgets = [100, 250] if quick else [100, 400]  # each fold's simulated pool: n_d0 / 3 / 2
    rest, X_d0, y_rest, y_d0, g_rest, g_d0 = train_test_split(
        X, y, sex, test_size=n_d0, stratify=y, random_state=0)
    X_pool, X_test, y_pool, y_test, g_pool, g_test = train_test_split(
        rest, y_rest, g_rest, train_size=n_pool, stratify=y_rest, random_state=0)

    # 2. A Pipeline: preprocessor + selector; the downstream model enforces rho on the pool.
    selector = RandomQuerySelector(estimator=PoolThresholdClassifier(rho=0.04), random_state=0)
    pipe = make_selection_pipeline(make_preprocessor(X_d0), selector)

    # 3. Grid over rho (a knob) and budget, every candidate scored against the same target.
    grid = {"randomqueryselector__estimator__rho": [0.02, 0.03, 0.04, 0.08],
            "randomqueryselector__budget": budgets}
    if max(budgets) > n_d0 // 3 // 2:
        raise ValueError(f"budgets {budgets} exceed a fold's simulated pool ({n_d0 // 6} rows)")
    search = GridSearchCV(pipe, grid, cv=3, scoring=make_parity_scorers(target=TARGET),
                          refit=best_feasible, error_score="raise")
    search.fit(X_d0, y_d0, sensitive_features=g_d0)
    table = pd.DataFrame(search.cv_results_)[[
        "param_randomqueryselector__estimator__rho", "param_randomqueryselector__budget",
        "mean_test_f1", "mean_test_disparity", "mean_test_parity_ok", "mean_test_score"]]
    table.columns = ["rho", "budget", "f1", "disparity", "parity_ok", "score"]
    print(table.round(3).to_string(index=False))
    if table.drop(columns=["rho", "budget"]).isna().any().any():
        raise RuntimeError("a candidate has no score (NaN) in cv_results_; see the table")
    feasible = table["parity_ok"] == 1.0
    print("chosen:", search.best_params_)
    if feasible.any():
        print(f"chosen among the {int(feasible.sum())} of {len(table)} candidates that met "
              f"the target on every fold: the best mean score")
    else:
        print(f"no candidate met the target on every fold: chosen by the best mean score "
              f"overall (parity_ok {table['parity_ok'].iloc[search.best_index_]:.3f})")

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
    delta = demographic_parity(y_test, y_hat, sensitive_features=g_test)
    print(f"test Delta_DP = {delta:.3f} (target {TARGET}: "
          f"{'met' if delta <= TARGET else 'MISSED'}); test F1 = {f1_score(y_test, y_hat):.3f}")
    if math.isnan(delta):
        raise RuntimeError("the final model's test Delta_DP is NaN")

    # 5. The trade-off figure, into a temporary folder unless a file is named.
    if figure is None:
        figure = Path(tempfile.mkdtemp(prefix="skpanda-guide-")) / "guide_tradeoff.png"
    ax = plot_tradeoff(search.cv_results_, target=TARGET, best_index=search.best_index_)
    ax.figure.savefig(figure, dpi=120, bbox_inches="tight")
    print(f"figure: {figure}; wall time {time.perf_counter() - tic:.0f} s")
    return search, frame


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smaller D0, pool and budgets (default: off)")
    parser.add_argument("--figure", default=None,
                        help="PNG to write (default: guide_tradeoff.png in a new temporary "
                        "folder)")
    args = parser.parse_args()
    main(quick=args.quick, figure=args.figure)
