"""Census-KDD at full size on one machine: PANDA and the baselines, one seed per run.

Protocol (the paper's §4, :func:`skpanda.simulation.split_protocol`): the 299,285
rows of :func:`skpanda.datasets.load_census_kdd` are split 50/50 into meta-train
D0 (~150k rows) and meta-test, meta-test 50/50 into the unlabeled pool (~75k)
and the test set (~75k), stratified by label x group; one-hot + scaling fitted
on D0. Groups: ``--sensitive`` (sex or race). B = 400, rho = 0.04, demographic
parity.

Representation (``--representation``): ``panda`` (default, as the harness of
``skpanda reproduce``, §4.2) meta-trains a :class:`~skpanda.panda.PandaQuerySelector`
(default parameters, i.e. meta-trained for a LogisticRegression learner) on D0
and every method works in its encoder's space; ``onehot`` runs the baselines on
the standardised one-hot features (PANDA is then not run).

Methods (``--methods``): panda, random, group_random, margin, entropy, fal
(``n_candidates=--fal-candidates``, default 100 as in the harness). Each selects
B rows once (sequential methods through an oracle on the pool's hidden labels,
their query model is the default LogisticRegression), and the same rows are
given to every downstream learner (``--learners``) via ``selector.fit_selected``:

- ``lr``: LogisticRegression(max_iter=1000) on the selected rows
- ``eg``: fairlearn ExponentiatedGradient(LogisticRegression, DP <= rho) on them
- ``pool``: :class:`~skpanda.learners.PoolThresholdClassifier` (DP <= rho on the
  unlabeled pool and its groups)

``--reference-rows N`` adds the label-cheating reference "the whole pool labeled
+ EG" (on N pool rows drawn at random, 0 = skip, -1 = the whole pool).

Reported per cell: test F1, Delta_DP, Delta_EB (Table 1's max-over-groups
metrics), selector fit and select wall/CPU seconds, learner fit seconds, and the
peak RSS of each phase (Linux VmHWM after resetting it through
/proc/self/clear_refs; the process's overall peak from getrusage too). Output:
``<out>/<sensitive>-seed<seed>[-rows<N>].json`` and ``.md``.

Run (one thread; on a shared machine add ``nice``)::

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python benchmarks/census_kdd.py --summarize \\
        docs/research/census_kdd_runs/*.json             # the tables of saved runs

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python benchmarks/census_kdd.py --seed 0 --sensitive sex
    # smoke test: 5k rows, 2 meta-iterations
    OMP_NUM_THREADS=1 PYTHONPATH=$PWD python benchmarks/census_kdd.py --rows 5000 --n-iter 2 \\
        --out /tmp/census_smoke
"""

import argparse
import json
import os
import platform
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from skpanda.datasets import load_census_kdd
from skpanda.learners import make_learner
from skpanda.panda import PandaQuerySelector
from skpanda.simulation import split_protocol
from skpanda.simulation._cells import evaluate
from skpanda.simulation._protocol import fairlearn_estimator, make_oracle, make_selector

BUDGET = 400
RHO = 0.04
METHODS = ("panda", "random", "group_random", "margin", "entropy", "fal")
LEARNERS = ("lr", "eg", "pool")
T0 = time.perf_counter()


def log(msg):
    print(f"[{time.perf_counter() - T0:8.1f}s] {msg}", flush=True)


def _status_mb(key):
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith(key)) / 1024.0
    except (OSError, StopIteration):
        return float("nan")


def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS
    except OSError:
        pass


class Phase:
    """Wall time, CPU time and peak RSS (MB) of a block."""

    def __enter__(self):
        _reset_peak()
        self.rss0 = _status_mb("VmRSS:")
        self.t0, self.c0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.t0
        self.cpu = time.process_time() - self.c0
        self.peak = _status_mb("VmHWM:")
        self.delta = self.peak - self.rss0

    def as_dict(self, prefix):
        return {f"{prefix}_wall_s": self.wall, f"{prefix}_cpu_s": self.cpu,
                f"{prefix}_peak_rss_mb": self.peak, f"{prefix}_peak_delta_mb": self.delta}


def load_split(args):
    with Phase() as ph:
        X, y, g = load_census_kdd(return_X_y=True, sensitive=args.sensitive,
                                  data_home=args.data_home)
        y, g = np.asarray(y).astype(int), np.asarray(g)
        n_all = y.shape[0]
        if args.rows and args.rows < n_all:
            rows = np.random.RandomState(args.seed).choice(n_all, args.rows, replace=False)
            X, y, g = X.iloc[rows], y[rows], g[rows]
        group_names = np.unique(g)
        split = split_protocol(X, y, g, random_state=args.seed)
        del X
    info = {"n_rows_loaded": int(n_all), "n_rows_used": int(y.shape[0]),
            "n_d0": int(split.y_train.shape[0]), "n_pool": int(split.y_pool.shape[0]),
            "n_test": int(split.y_test.shape[0]), "n_features": int(split.X_train.shape[1]),
            "groups": [str(v) for v in group_names],
            "pool_group_counts": np.bincount(split.g_pool).tolist(),
            "positive_rate_test": float(split.y_test.mean()), **ph.as_dict("load_split")}
    log(f"split: D0 {info['n_d0']} pool {info['n_pool']} test {info['n_test']} "
        f"x {info['n_features']} features, groups {info['groups']} "
        f"({ph.wall:.1f}s, peak RSS {ph.peak:.0f} MB)")
    return split, info


def fit_panda(split, args):
    params = dict(budget=BUDGET, rho=RHO, random_state=args.seed, verbose=args.verbose,
                  device="cpu")
    if args.n_iter is not None:
        params["n_iter"] = args.n_iter
    if args.checkpoint:
        params["checkpoint_path"] = args.checkpoint
    panda = PandaQuerySelector(**params)
    log(f"PANDA fit on D0 ({split.y_train.shape[0]} rows), params {params}")
    with Phase() as ph:
        panda.fit(split.X_train, split.y_train, sensitive_features=split.g_train)
    log(f"PANDA fitted: {ph.wall:.1f}s wall, {ph.cpu:.1f}s CPU, peak RSS {ph.peak:.0f} MB, "
        f"{getattr(panda, 'n_iter_', '?')} iterations")
    return panda, ph


def run_method(method, split, encoder, panda_phase, args):
    """Select B rows with one method; train every learner on them. Returns rows."""
    oracle = make_oracle(split.y_pool)
    if method == "panda":
        selector, fit = encoder, panda_phase
    else:
        selector = make_selector(method, encoder=encoder, rho=RHO, random_state=args.seed,
                                 fal_candidates=args.fal_candidates)
        with Phase() as fit:
            selector.fit(split.X_train, split.y_train, sensitive_features=split.g_train)
    default_estimator = selector.get_params()["estimator"]
    with Phase() as sel:
        chosen = selector.select(split.X_pool, BUDGET, sensitive_features=split.g_pool,
                                 oracle=oracle)
    log(f"{method}: fit {fit.wall:.1f}s, select {sel.wall:.1f}s wall ({sel.cpu:.1f}s CPU), "
        f"peak RSS {sel.peak:.0f} MB")
    with Phase() as enc:  # what encoding the test rows costs (each model does it again)
        if hasattr(selector, "transform"):
            selector.transform(split.X_test)
    minority = np.argmin(np.bincount(split.g_pool))
    rows = []
    for learner in args.learners:
        selector.set_params(estimator=make_learner(learner, rho=RHO, random_state=args.seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Phase() as train:
                model = selector.fit_selected(split.X_pool, split.y_pool, positions=chosen,
                                              sensitive_features=split.g_pool)
            scores = evaluate(model, split.X_test, split.y_test, split.g_test,
                              random_state=args.seed)  # the model encodes X_test itself
        row = {"method": method, "learner": learner, **scores,
               **fit.as_dict("selector_fit"), **sel.as_dict("select"),
               **train.as_dict("learner_fit"), "encode_test_wall_s": enc.wall,
               "n_selected": int(chosen.shape[0]),
               "positive_share": float(split.y_pool[chosen].mean()),
               "minority_share": float(np.mean(split.g_pool[chosen] == minority))}
        rows.append(row)
        log(f"  {method:12s} + {learner:4s}: F1 {scores['f1']:.3f} DP {scores['delta_dp']:.3f} "
            f"EB {scores['delta_eb']:.3f} (learner fit {train.wall:.1f}s, "
            f"peak RSS {train.peak:.0f} MB)")
    selector.set_params(estimator=default_estimator)
    return rows


def run_reference(split, encoder, args):
    """EG(DP <= rho) trained on (a subsample of) the whole labeled pool."""
    n_pool = split.y_pool.shape[0]
    n = n_pool if args.reference_rows < 0 else min(args.reference_rows, n_pool)
    rows = np.sort(np.random.RandomState(args.seed).choice(n_pool, n, replace=False))
    with Phase() as ph:
        Z = encoder.transform(split.X_pool[rows]) if encoder is not None else split.X_pool[rows]
        Z_test = encoder.transform(split.X_test) if encoder is not None else split.X_test
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = fairlearn_estimator(RHO).fit(Z, split.y_pool[rows],
                                                 sensitive_features=split.g_pool[rows])
        scores = evaluate(model, Z_test, split.y_test, split.g_test, random_state=args.seed)
    log(f"reference EG on {n} labeled pool rows: F1 {scores['f1']:.3f} "
        f"DP {scores['delta_dp']:.3f} EB {scores['delta_eb']:.3f} ({ph.wall:.1f}s)")
    return {"method": f"whole pool labeled ({n} rows)", "learner": "eg", **scores,
            **ph.as_dict("learner_fit"), "n_selected": int(n)}


def markdown(result):
    lines = ["| method | learner | test F1 | test Δ_DP | test Δ_EB | selector fit s (wall / CPU) "
             "| select s (wall / CPU) | learner fit s | peak RSS MB (fit / select / learner) "
             "| positives in the B rows |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in result["rows"]:
        fit = (f"{r['selector_fit_wall_s']:.1f} / {r['selector_fit_cpu_s']:.1f}"
               if "selector_fit_wall_s" in r else "–")
        sel = (f"{r['select_wall_s']:.2f} / {r['select_cpu_s']:.2f}"
               if "select_wall_s" in r else "–")
        peaks = " / ".join(f"{r[k]:.0f}" if k in r else "–" for k in (
            "selector_fit_peak_rss_mb", "select_peak_rss_mb", "learner_fit_peak_rss_mb"))
        lines.append(f"| {r['method']} | {r['learner']} | {r['f1']:.3f} | {r['delta_dp']:.3f} "
                     f"| {r['delta_eb']:.3f} | {fit} | {sel} | {r['learner_fit_wall_s']:.2f} "
                     f"| {peaks} | {r.get('positive_share', float('nan')):.3f} |")
    return "\n".join(lines)


def combined(results):
    """One row per method x learner, F1 / Delta_DP / Delta_EB of each run side by side."""
    names = [Path(r["_path"]).stem for r in results]
    keys = list(dict.fromkeys((row["method"].split(" (")[0], row["learner"])
                              for r in results for row in r["rows"]))
    lines = ["| method | learner | " + " | ".join(f"{n}: F1 / Δ_DP / Δ_EB" for n in names) + " |",
             "|---|---|" + "---|" * len(names)]
    for method, learner in keys:
        cells = []
        for r in results:
            row = next((x for x in r["rows"] if x["method"].split(" (")[0] == method
                        and x["learner"] == learner), None)
            cells.append("–" if row is None else
                         f"{row['f1']:.3f} / {row['delta_dp']:.3f} / {row['delta_eb']:.3f}")
        lines.append(f"| {method} | {learner} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summarize(paths):
    """Print the combined table, then each saved run's (``--summarize runs/*.json``)."""
    results = [{**json.loads(Path(p).read_text()), "_path": p} for p in paths]
    print(combined(results))
    for path in paths:
        result = json.loads(Path(path).read_text())
        d, p = result["data"], result.get("panda")
        print(f"\n### {Path(path).name}\n\n`{result['command']}`\n")
        print(f"D0 {d['n_d0']:,} / pool {d['n_pool']:,} / test {d['n_test']:,} rows, "
              f"{d['n_features']} features, groups {d['groups']} (pool counts "
              f"{d['pool_group_counts']}); load + split {d['load_split_wall_s']:.0f} s wall "
              f"({d['load_split_cpu_s']:.0f} s CPU)" + (
                  f"; PANDA fit {p['fit_wall_s']:.0f} s wall ({p['fit_cpu_s']:.0f} s CPU, "
                  f"peak RSS {p['fit_peak_rss_mb']:.0f} MB)" if p else "") +
              f"; whole run {result['total_wall_s']:.0f} s wall ({result['total_cpu_s']:.0f} s "
              f"CPU), max RSS {result['max_rss_mb_getrusage']:.0f} MB; load average "
              f"{result['machine']['loadavg_start'][0]:.1f} at start, "
              f"{result['machine']['loadavg_end'][0]:.1f} at end.\n")
        print(markdown(result))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--summarize":
        return summarize(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sensitive", choices=("sex", "race"), default="sex")
    parser.add_argument("--rows", type=int, default=0,
                        help="subsample the data set to this many rows first (0: all)")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--learners", default=",".join(LEARNERS))
    parser.add_argument("--representation", choices=("panda", "onehot"), default="panda")
    parser.add_argument("--n-iter", type=int, default=None,
                        help="PANDA meta-iterations (default: PANDA's default)")
    parser.add_argument("--fal-candidates", type=int, default=100)
    parser.add_argument("--reference-rows", type=int, default=0,
                        help="'whole pool labeled + EG' on this many pool rows (0: skip, "
                             "-1: the whole pool)")
    parser.add_argument("--checkpoint", default=None, help="PANDA checkpoint_path")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--out", default="docs/research/census_kdd_runs")
    parser.add_argument("--tag", default="")
    parser.add_argument("--quiet", dest="verbose", action="store_false")
    args = parser.parse_args()
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    args.learners = [m.strip() for m in args.learners.split(",") if m.strip()]
    if args.representation == "onehot":
        args.methods = [m for m in args.methods if m != "panda"]

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{args.sensitive}-seed{args.seed}" + (f"-rows{args.rows}" if args.rows else "")
    stem += f"-{args.representation}" + (f"-{args.tag}" if args.tag else "")
    result = {"command": " ".join(["python"] + sys.argv), "args": vars(args),
              "machine": {"host": platform.node(), "cpus": os.cpu_count(),
                          "python": platform.python_version(),
                          "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
                          "loadavg_start": os.getloadavg()},
              "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "rows": []}

    def save():
        result["total_wall_s"] = time.perf_counter() - T0
        result["total_cpu_s"] = time.process_time()
        result["max_rss_mb_getrusage"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result["machine"]["loadavg_end"] = os.getloadavg()
        (out / f"{stem}.json").write_text(json.dumps(result, indent=1, default=float))
        (out / f"{stem}.md").write_text(f"`{result['command']}`\n\n{markdown(result)}\n")

    split, result["data"] = load_split(args)
    encoder = None
    if args.representation == "panda":
        encoder, panda_phase = fit_panda(split, args)
        result["panda"] = {**panda_phase.as_dict("fit"), "n_iter_": int(encoder.n_iter_),
                           "params": {k: repr(v) for k, v in
                                      encoder.get_params(deep=False).items()}}
        save()
    else:
        panda_phase = None
    for method in args.methods:
        result["rows"] += run_method(method, split, encoder, panda_phase, args)
        save()
    if args.reference_rows:
        result["rows"].append(run_reference(split, encoder, args))
    save()
    log(f"done: {result['total_wall_s']:.0f}s wall, {result['total_cpu_s']:.0f}s CPU, "
        f"max RSS {result['max_rss_mb_getrusage']:.0f} MB -> {out / stem}.json")
    print(markdown(result))


if __name__ == "__main__":
    main()
