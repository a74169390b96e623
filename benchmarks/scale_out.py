"""Scale-out with Dask: a GridSearchCV over PANDA on Adult with 1 vs 2 workers.

The grid is ``rho`` x ``budget`` (3 x 3 by default) with ``cv`` folds (3), so
``3 * 3 * cv`` meta-trainings plus the refit. D0 is a random subset of Adult
(``--n-rows``; one-hot + scaling fitted on it, sex is the group); PANDA runs a
reduced meta-training (``--n-iter``) so that the whole benchmark takes minutes.
For each worker count a fresh ``LocalCluster(processes=True,
threads_per_worker=1)`` runs the search under ``joblib.parallel_backend("dask")``.

Printed: wall time per worker count, the ratio ``time(1) / time(N)`` (the
speed-up), whether both runs chose the same parameters, and the peak resident
memory of each worker process (``ru_maxrss``).

On a machine whose cores are shared with other jobs the ratio is noisy: the
workers compete with whatever else runs.

Run::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/scale_out.py
    .venv/bin/python benchmarks/scale_out.py --n-rows 8000 --n-iter 30 --cv 5
"""

import argparse
import resource
import time

import joblib
import numpy as np
import sklearn
from sklearn.model_selection import GridSearchCV

from skpanda.datasets import load_adult, make_preprocessor
from skpanda.panda import PandaQuerySelector

GRID = {"rho": [0.02, 0.04, 0.08], "budget": [50, 100, 200]}


def load_d0(n_rows, seed=0):
    """A random ``n_rows`` subset of Adult, one-hot encoded and scaled."""
    X, y, g = load_adult(return_X_y=True)
    rows = np.random.RandomState(seed).permutation(len(y))[:n_rows]
    X, y, g = X.iloc[rows], np.asarray(y)[rows], np.asarray(g)[rows]
    Z = make_preprocessor(X).fit_transform(X)
    return np.asarray(Z, dtype=np.float32), y, g


def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_search(n_workers, data, *, n_iter, cv):
    """Wall time, best parameters and per-worker peak RSS (MB) of one search."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster, set_as_default=False)
    try:
        client.run(lambda: __import__("skpanda.panda"))  # warm the imports, untimed
        search = GridSearchCV(
            PandaQuerySelector(n_iter=n_iter, device="cpu", random_state=0), GRID, cv=cv,
            error_score="raise")
        Z, y, g = data
        tic = time.perf_counter()
        with sklearn.config_context(enable_metadata_routing=True), \
                joblib.parallel_backend("dask", client=client):
            search.fit(Z, y, sensitive_features=g)
        seconds = time.perf_counter() - tic
        peaks = sorted(client.run(_peak_rss_mb).values())
    finally:
        client.close()
        cluster.close()
    return seconds, search.best_params_, peaks


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-rows", type=int, default=1500, help="rows of D0 (Adult subset)")
    parser.add_argument("--n-iter", type=int, default=3, help="PANDA meta-training iterations")
    parser.add_argument("--cv", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)

    data = load_d0(args.n_rows)
    n_fits = np.prod([len(v) for v in GRID.values()]) * args.cv
    print(f"GridSearchCV {GRID} x cv={args.cv} = {n_fits} PANDA fits + refit; "
          f"D0 = {args.n_rows} Adult rows x {data[0].shape[1]} features, "
          f"n_iter={args.n_iter}")
    times, best = {}, {}
    for n in args.workers:
        times[n], best[n], peaks = run_search(n, data, n_iter=args.n_iter, cv=args.cv)
        print(f"{n} worker(s): {times[n]:7.1f} s   best {best[n]}   peak RSS per worker "
              f"{', '.join(f'{p:.0f}' for p in peaks)} MB")
    base = args.workers[0]
    for n in args.workers[1:]:
        print(f"speed-up {base} -> {n} workers: {times[base] / times[n]:.2f}x "
              f"(same best parameters: {best[n] == best[base]})")


if __name__ == "__main__":
    main()
