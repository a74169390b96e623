"""Label and group composition of the 400 rows each cached PANDA variant selects (seeds 10-14).

Reads the fits cached by ``pool_panda.py --fit-only`` (default /tmp/pool_panda_cache)::

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD .venv/bin/python benchmarks/pool_panda_batches.py
"""

import argparse
import sys

import numpy as np

import benchmarks.pool_panda as bp
from skpanda.simulation import split_protocol
from skpanda.simulation._protocol import load_dataset


def main(cache="/tmp/pool_panda_cache"):
    X, y, g = load_dataset("adult")
    args = argparse.Namespace(cache=cache, pool_rho=0.035, sgd_eta0=0.01, sgd_epochs=5)
    for seed in (10, 11, 12, 13, 14):
        s = split_protocol(X, y, g, random_state=seed)
        out = [f"seed {seed}: pool positives {s.y_pool.mean():.3f}"]
        for v in ("panda", "panda-pool", "panda-sgd"):
            p, _ = bp.fitted_panda(v, s, seed, args)
            p.set_params(random_state=1000 * seed)
            r = p.select(s.X_pool, 400)
            counts = np.unique(s.g_pool[r], return_counts=True)[1].tolist()
            out.append(f"{v}: pos {s.y_pool[r].mean():.3f}, groups {counts}")
        print("; ".join(out), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
