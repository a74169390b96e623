"""FAL memory on Census-KDD subsamples: time, tracemalloc peak and RSS of select.

Usage: OMP_NUM_THREADS=1 PYTHONPATH=$PWD python benchmarks/fal_memory.py NROWS BUDGET
(reads ../shared/datasets; see docs/research/fal_memory.md).
"""
import sys, time, tracemalloc, resource
import numpy as np
sys.path.insert(0, '.')
from skpanda.simulation._protocol import load_dataset
from skpanda.simulation._protocol import split_protocol
from skpanda.selectors import FairActiveLearningQuerySelector
from skpanda.selectors import _newton
nsub, B = int(sys.argv[1]), int(sys.argv[2])
X, y, s = load_dataset("census_kdd", data_home="../shared/datasets")
rows = np.random.RandomState(0).permutation(len(y))[:nsub]
sp = split_protocol(X.iloc[rows], np.asarray(y)[rows], np.asarray(s)[rows], random_state=0)
print(sp.X_train.shape, sp.X_pool.shape)
calls = []
orig = _newton._newton_direction
def wrapped(X, Z, *a):
    calls.append(Z.shape[0]); return orig(X, Z, *a)
_newton._newton_direction = wrapped
sel = FairActiveLearningQuerySelector(budget=B, random_state=0).fit(sp.X_train, sp.y_train, sensitive_features=sp.g_train)
tracemalloc.start(); t = time.perf_counter()
picks = sel.select(sp.X_pool, sensitive_features=sp.g_pool, oracle=lambda pos: sp.y_pool[pos])
print(f"{time.perf_counter()-t:.1f}s peak traced {tracemalloc.get_traced_memory()[1]/1e6:.0f} MB, maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1e3:.0f} MB, data {(sp.X_train.nbytes+sp.X_pool.nbytes)/1e6:.0f} MB, newton calls (m) {calls}")
print("picks", picks.tolist())
