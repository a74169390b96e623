"""PANDA as the paper wrote it (issue #23): Figures 1 and 2 on Adult with ``recipe="faithful"``.

Per seed: :func:`skpanda.simulation.split_protocol` (paper §4: D0 = half of Adult,
pool 12,210 rows, test set), sex as group, rho = .04 demographic parity, B = 400.
PANDA = ``PandaQuerySelector(recipe="faithful", estimator=SGD)`` fitted on D0 with
SGD = ``SGDClassifier(loss="log_loss", learning_rate="constant", eta0=0.01,
max_iter=5)``; h^0 = its ``estimator_`` (SGD fitted on D0, in PANDA's representation).

Selectors (positions in the pool, in PANDA's representation): random (``--draws``
draws); entropy (uncertainty of h^0, top-b); fal (Fair Active Learning,
``make_selector("fal")``, its default LR query model); panda-sampled (the preset's
Gumbel-top-b, ``--draws`` draws); panda-top (deterministic top-b of the same policy).
Learners, the same for every selector:

- ``SGD-h0``: the SGD above started from h^0 (``coef_init``), as simulated;
- ``SGD-0``: the same SGD from zero (the learner of the earlier "paper's own regime"
  figures, which meta-training did not simulate);
- ``EG-SGD-h0``: fairlearn ExponentiatedGradient(SGD-h0, DemographicParity(.04)) -
  the fairlearn baseline on random rows (and on PANDA's rows).

Budgets 50, 100, 200, 400 (Figure 2); B = 400 is Figure 1. One JSON per seed under
``--out`` (metrics, the meta-training history, the selected rows' composition);
``--report`` prints the tables (mean ± std over seeds, the share of seeds with test
Δ_DP <= rho, paired differences to random).

Run (seeds 20-24, never used to set the preset; 10-14 reported the first preset)::

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD nice -n 5 .venv/bin/python benchmarks/faithful_panda.py \
        --seed 20 --out docs/research/faithful_runs
    PYTHONPATH=$PWD .venv/bin/python benchmarks/faithful_panda.py --report --out docs/research/faithful_runs
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from fairlearn.reductions import DemographicParity, ExponentiatedGradient
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import f1_score

from skpanda.metrics import demographic_parity, error_rate_balance
from skpanda.simulation import load_dataset, make_selector, split_protocol

B, RHO, BUDGETS = 400, 0.04, (50, 100, 200, 400)
SELECTORS = ("random", "entropy", "fal", "panda-sampled", "panda-top")
LEARNERS = ("SGD-h0", "SGD-0", "EG-SGD-h0")
EG_ROWS = ("random", "panda-sampled", "panda-top")  # EG fits only for these rows


def sgd(seed):
    return SGDClassifier(loss="log_loss", learning_rate="constant", eta0=0.01, max_iter=5,
                         random_state=seed)


class WarmSGD(ClassifierMixin, BaseEstimator):
    """``SGDClassifier`` fitted from ``coef0, intercept0`` (h^0); clonable, for fairlearn."""

    def __init__(self, coef0=None, intercept0=None, random_state=None):
        self.coef0, self.intercept0, self.random_state = coef0, intercept0, random_state

    def fit(self, X, y, sample_weight=None):
        # copies: SGDClassifier.fit writes into coef_init / intercept_init in place
        self.model_ = sgd(self.random_state).fit(
            X, y, coef_init=np.array(self.coef0, float).reshape(1, -1).copy(),
            intercept_init=np.array(self.intercept0, float).ravel().copy(),
            sample_weight=sample_weight)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


def learner(name, h0, seed):
    warm = WarmSGD(h0[0], h0[1], random_state=seed)
    return {"SGD-h0": warm, "SGD-0": sgd(seed),
            "EG-SGD-h0": ExponentiatedGradient(warm, DemographicParity(difference_bound=RHO))
            }[name]


def scores(name, h0, seed, Z, y, g, Zt, yt, gt):
    model = learner(name, h0, seed)
    if np.unique(y).size < 2:
        pred = np.full(yt.shape, y[0])
    else:
        fit_kw = {"sensitive_features": g} if name.startswith("EG") else {}
        model.fit(Z, y, **fit_kw)
        pred = (model.predict(Zt, random_state=seed) if name.startswith("EG")
                else model.predict(Zt))
    return [float(f1_score(yt, pred)), float(demographic_parity(yt, pred, sensitive_features=gt)),
            float(error_rate_balance(yt, pred, sensitive_features=gt))]


def fit_panda(split, seed, n_iter, params, cache=None):
    """The fitted faithful PANDA and its fit seconds (loaded from ``cache/`` when there)."""
    from skpanda.panda import PandaQuerySelector

    path = None if cache is None else Path(cache) / f"faithful_it{n_iter}_seed{seed}.pt"
    if path is not None and path.is_file():
        meta = json.loads(path.with_suffix(".json").read_text())
        return PandaQuerySelector.load(path, estimator=sgd(seed), device="cpu"), meta["fit_s"]
    panda = PandaQuerySelector(budget=B, rho=RHO, estimator=sgd(seed), recipe="faithful",
                               n_iter=n_iter, random_state=seed, **params)
    t0 = time.perf_counter()
    panda.fit(split.X_train, split.y_train, sensitive_features=split.g_train)
    fit_s = time.perf_counter() - t0
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        panda.save(path)
        path.with_suffix(".json").write_text(json.dumps({"fit_s": fit_s}))
    return panda, fit_s


def selections(panda, split, seed, n_draws, with_fal=True):
    """{selector: [positions of each draw]} at B; smaller budgets are prefixes."""
    out = {"random": [np.random.RandomState([seed, d]).permutation(len(split.y_pool))[:B]
                      for d in range(n_draws)]}
    for method in ("entropy", "fal")[:2 if with_fal else 1]:
        est = sgd(seed) if method == "entropy" else None
        sel = make_selector(method, encoder=panda, rho=RHO, random_state=seed, estimator=est)
        sel.fit(split.X_train, split.y_train, sensitive_features=split.g_train)
        out[method] = [sel.select(split.X_pool, B)]
    panda.set_params(sample=False)
    out["panda-top"] = [panda.select(split.X_pool, B)]
    panda.set_params(sample=True)
    out["panda-sampled"] = []
    for d in range(n_draws):
        panda.set_params(random_state=1000 * seed + d)
        out["panda-sampled"].append(panda.select(split.X_pool, B))
    panda.set_params(random_state=seed)
    return out


def run_seed(seed, args):
    X, y, g = load_dataset("adult")
    split = split_protocol(X, y, g, random_state=seed)
    panda, fit_s = fit_panda(split, seed, args.n_iter, json.loads(args.panda_params),
                             args.cache)
    h0 = (panda.estimator_.coef_.ravel().tolist(), panda.estimator_.intercept_.tolist())
    Zp, Zt = panda.transform(split.X_pool), panda.transform(split.X_test)
    t0 = time.perf_counter()
    rows = selections(panda, split, seed, args.draws, with_fal=False)
    select_s = time.perf_counter() - t0
    hist = {k: [float(v) for v in vals] for k, vals in panda.history_.items()}
    result = dict(seed=seed, fit_s=fit_s, select_s=select_s, n_iter=int(panda.n_iter_),
                  params=panda.get_params(deep=False) | {"estimator": repr(panda.estimator)},
                  pool=[float(split.y_pool.mean()), float((split.g_pool == 0).mean())],
                  history=hist)
    evaluate(result, rows, split, seed, Zp, Zt, h0)
    write(result, args)  # everything but FAL (its selection is the slowest part)
    sel = make_selector("fal", encoder=panda, rho=RHO, random_state=seed)
    sel.fit(split.X_train, split.y_train, sensitive_features=split.g_train)
    evaluate(result, {"fal": [sel.select(split.X_pool, B)]}, split, seed, Zp, Zt, h0)
    return result


def write(result, args):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"seed{args.seed}.json").write_text(json.dumps(result, default=str))


def evaluate(result, rows, split, seed, Zp, Zt, h0):
    """Add metrics and composition of the selections ``rows`` to ``result``."""
    metrics = result.setdefault("metrics", {})
    composition = result.setdefault("composition", {})
    for method, draws in rows.items():
        composition[method] = [[float(split.y_pool[p].mean()), float((split.g_pool[p] == 0).mean())]
                               for p in draws]
        for name in LEARNERS:
            if name.startswith("EG") and method not in EG_ROWS:
                continue
            for b in BUDGETS:
                cells = [scores(name, h0, seed, Zp[p[:b]], split.y_pool[p[:b]],
                                split.g_pool[p[:b]], Zt, split.y_test, split.g_test)
                         for p in draws]
                metrics[f"{method}|{name}|{b}"] = np.mean(cells, axis=0).tolist()


def feasibility(history):
    held = np.asarray(history["constraint_held"], bool)
    half = held[len(held) // 2:]
    return float(half.mean()) if half.size else float("nan")


def report(out):
    runs = [json.loads(p.read_text()) for p in sorted(Path(out).glob("seed*.json"))]
    print(f"seeds {[r['seed'] for r in runs]}; fit {np.mean([r['fit_s'] for r in runs]):.0f} s "
          f"mean; training-task constraint held after the proximal step in the second half: "
          + ", ".join(f"{feasibility(r['history']):.0%}" for r in runs))
    gaps = [np.nanmean(r["history"]["disparity_gap"]) for r in runs]
    print("held-out minus training-task disparity (mean over evaluations): "
          + ", ".join(f"{x:+.3f}" for x in gaps))
    for b in BUDGETS:
        print(f"\n### B = {b}\n\n| rows | learner | test F1 | Δ_DP | Δ_EB | seeds Δ_DP ≤ ρ | "
              "ΔF1 vs random (same learner) |\n|---|---|---|---|---|---|---|")
        for method in SELECTORS:
            for name in LEARNERS:
                key = f"{method}|{name}|{b}"
                cells = np.array([r["metrics"][key] for r in runs if key in r["metrics"]])
                if not len(cells):
                    continue
                ref = np.array([r["metrics"][f"random|{name}|{b}"] for r in runs
                                if key in r["metrics"]])
                d = cells[:, 0] - ref[:, 0]
                print(f"| {method} | {name} | {cells[:, 0].mean():.3f} ± {cells[:, 0].std():.3f} "
                      f"| {cells[:, 1].mean():.3f} ± {cells[:, 1].std():.3f} "
                      f"| {cells[:, 2].mean():.3f} ± {cells[:, 2].std():.3f} "
                      f"| {(cells[:, 1] <= RHO).sum()}/{len(cells)} "
                      f"| {d.mean():+.3f} ± {d.std():.3f} |")
    print("\nper seed, SGD-h0 at B = 400 (F1 / Δ_DP):")
    for method in SELECTORS:
        print(f"  {method}: " + ", ".join(
            "{:.3f}/{:.3f}".format(*r["metrics"][f"{method}|SGD-h0|{B}"][:2]) for r in runs
            if f"{method}|SGD-h0|{B}" in r["metrics"]))
    print("\nselected rows at B = 400 (share positive / share women; pool "
          + ", ".join("{:.3f}/{:.3f}".format(*r["pool"]) for r in runs) + "):")
    for method in SELECTORS:
        print(f"  {method}: " + ", ".join(
            "{:.3f}/{:.3f}".format(*np.mean(r["composition"][method], axis=0)) for r in runs
            if method in r["composition"]))


PLOTTED = (("random", "SGD-h0"), ("entropy", "SGD-h0"), ("fal", "SGD-h0"),
           ("panda-sampled", "SGD-h0"), ("panda-top", "SGD-h0"), ("random", "EG-SGD-h0"),
           ("panda-sampled", "EG-SGD-h0"))


def _cells(runs, method, name, b):
    """(seeds, 3) array of test F1, Δ_DP, Δ_EB for one selector, learner and budget."""
    key = f"{method}|{name}|{b}"
    return np.array([r["metrics"][key] for r in runs if key in r["metrics"]])


def plot(out):
    """Figure 1 (Δ_DP and Δ_EB vs F1 at B = 400) and Figure 2 (learning curves) as PNGs in ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = [json.loads(p.read_text()) for p in sorted(Path(out).glob("seed*.json"))]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for col, (ax, label) in enumerate(zip(axes, ("Δ_DP", "Δ_EB")), start=1):
        for method, name in PLOTTED:
            c = _cells(runs, method, name, B)
            ax.errorbar(c[:, col].mean(), c[:, 0].mean(), xerr=c[:, col].std(),
                        yerr=c[:, 0].std(), fmt="o", capsize=3, label=f"{method} / {name}")
        ax.axvline(RHO, color="grey", ls="--", lw=1)
        ax.set_xlabel(f"test {label} (mean ± std over {len(runs)} seeds)")
    axes[0].set_ylabel("test F1")
    axes[1].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"Faithful PANDA on Adult, B = {B}, rho = {RHO} (dashed)")
    fig.tight_layout()
    fig.savefig(Path(out) / "figure1.png", dpi=110)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for method, name in PLOTTED:
        curves = np.array([_cells(runs, method, name, b).mean(axis=0) for b in BUDGETS])
        for ax, col in zip(axes, (0, 1)):
            ax.plot(BUDGETS, curves[:, col], marker="o", label=f"{method} / {name}")
    axes[1].axhline(RHO, color="grey", ls="--", lw=1)
    for ax, label in zip(axes, ("test F1", "test Δ_DP")):
        ax.set_xlabel("labels bought B")
        ax.set_ylabel(f"{label} (mean over {len(runs)} seeds)")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(Path(out) / "figure2.png", dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, help="seed to run (one process per seed)")
    parser.add_argument("--out", default="docs/research/faithful_runs", help="folder of the JSON files "
                        "(default: docs/research/faithful_runs)")
    parser.add_argument("--n-iter", type=int, default=100, help="meta-training iterations "
                        "(default: 100)")
    parser.add_argument("--draws", type=int, default=2, help="draws of the stochastic "
                        "selectors per seed (default: 2)")
    parser.add_argument("--panda-params", default="{}", help="JSON of extra PandaQuerySelector "
                        "parameters (default: {})")
    parser.add_argument("--cache", default=None, help="folder for the fitted PANDA "
                        "(reused when there; default: none)")
    parser.add_argument("--report", action="store_true", help="print the tables of --out")
    parser.add_argument("--plot", action="store_true", help="write figure1.png and figure2.png "
                        "into --out")
    args = parser.parse_args()
    if args.plot:
        return plot(args.out)
    if args.report:
        return report(args.out)
    warnings.simplefilter("ignore")
    result = run_seed(args.seed, args)
    write(result, args)
    print(f"seed {args.seed}: fit {result['fit_s']:.0f} s, feasible (2nd half) "
          f"{feasibility(result['history']):.0%}")


if __name__ == "__main__":
    main()
