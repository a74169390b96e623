"""How PANDA's ``select`` scales with the pool size (one forward pass + top-B).

A small PANDA is fitted on a synthetic biased problem, then asked to pick
B = 400 rows from synthetic pools of 10k, 100k and 1M rows. The policy's
induced set attention costs O(n * n_inducing), so time grows linearly with n.
Peak memory is VmHWM - VmRSS of the process around the call (Linux).

Run::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/panda_scale.py            # 10k, 100k, 1M
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/panda_scale.py --sizes 10000 100000
"""

import argparse
import time

import numpy as np

from skpanda.datasets import make_biased_classification
from skpanda.panda import PandaQuerySelector


def _status(key):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key)) / 1024.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--n-features", type=int, default=20)
    args = parser.parse_args()
    X, y, g = make_biased_classification(4000, args.n_features, random_state=0,
                                         return_X_y=True)
    t0 = time.perf_counter()
    panda = PandaQuerySelector(budget=400, n_iter=20, device="cpu", random_state=0)
    panda.fit(X, y, sensitive_features=g)
    print(f"fit on 4,000 rows, 20 meta-iterations: {time.perf_counter() - t0:.1f} s")
    panda.select(X[:500], budget=10)  # warm-up
    for n in args.sizes:
        pool, _, _ = make_biased_classification(n, args.n_features, random_state=1,
                                                return_X_y=True)
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset the peak-RSS counter
        before = _status("VmRSS:")
        t0 = time.perf_counter()
        chosen = panda.select(pool)
        dt = time.perf_counter() - t0
        peak = _status("VmHWM:") - before
        assert np.unique(chosen).size == 400
        print(f"n_pool={n:>9,d}: select {dt:7.2f} s, peak memory +{peak:7.0f} MB "
              f"(pool itself {pool.nbytes / 2**20:.0f} MB)", flush=True)
        del pool


if __name__ == "__main__":
    main()
