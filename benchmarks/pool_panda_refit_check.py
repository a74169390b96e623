"""Refit check: PANDA fits cached by an earlier code version vs refits into another cache.

::

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD .venv/bin/python benchmarks/pool_panda.py \
        --fit-only panda-pool --seeds 10 --cache /tmp/q3_refit
    OMP_NUM_THREADS=1 PYTHONPATH=$PWD .venv/bin/python benchmarks/pool_panda.py \
        --fit-only panda --seeds 14 --cache /tmp/q3_refit
    OMP_NUM_THREADS=1 PYTHONPATH=$PWD .venv/bin/python benchmarks/pool_panda.py \
        --fit-only panda-sgd --seeds 10 --sgd-eta0 0.01 --sgd-epochs 5 --cache /tmp/q3_refit
    OMP_NUM_THREADS=1 PYTHONPATH=$PWD .venv/bin/python benchmarks/pool_panda_refit_check.py
"""

import argparse

import numpy as np

import benchmarks.pool_panda as bp
from skpanda.simulation import split_protocol
from skpanda.simulation._protocol import load_dataset


def main(old="/tmp/pool_panda_cache", new="/tmp/q3_refit"):
    X, y, g = load_dataset("adult")
    for variant, seed in (("panda-pool", 10), ("panda", 14), ("panda-sgd", 10)):
        s = split_protocol(X, y, g, random_state=seed)
        sel = {}
        for cache in (old, new):
            args = argparse.Namespace(cache=cache, pool_rho=0.035, sgd_eta0=0.01, sgd_epochs=5)
            if not bp.meta_path(bp.cache_path(variant, seed, args)).is_file():
                print(variant, seed, "no fit in", cache)
                continue
            p, fit_s = bp.fitted_panda(variant, s, seed, args)
            p.set_params(random_state=1000 * seed)
            sel[cache] = (set(p.select(s.X_pool, 400)), p.transform(s.X_pool[:500]), fit_s)
        if len(sel) == 2:
            (a, za, fa), (b, zb, fb) = sel.values()
            print(variant, seed, f"fit s old {fa:.0f} new {fb:.0f};",
                  f"encoder max |Δ| {np.abs(za - zb).max():.2e};",
                  f"selected rows in common {len(a & b)}/400; positives among selected",
                  f"(old, new): {s.y_pool[list(a)].mean():.3f} {s.y_pool[list(b)].mean():.3f}")


if __name__ == "__main__":
    main()
