"""One PANDA fit on Adult D0: this checkout against a "before" checkout, in the same run.

The README's quick start: Adult split as in the paper (seed 0; D0 = 24k rows,
one-hot + scaled by the protocol's preprocessor), ``PandaQuerySelector(rho=0.04,
budget=400)`` with default parameters and a fairlearn ``ExponentiatedGradient``
downstream (``--estimator fair``, the constrained recipe) or the default
LogisticRegression (``--estimator lr``, the paper's recipe). Each fit runs as a
whole fresh process, alternating before/after, under two thread settings:

* ``one``: skpanda's default thread policy (one thread, ``skpanda/_threads.py``)
  with ``OMP_NUM_THREADS=1``;
* ``default``: the libraries' own thread counts (``SKPANDA_NUM_THREADS=keep``).

Printed per (threads, checkout): median wall and CPU seconds of ``fit`` (encoder
pretraining + meta-training; imports and data loading excluded), the phases, and
the before/after ratio. The "before" checkout is any directory holding an older
skpanda, e.g. ``git worktree add /tmp/before <commit>``.

Run::

    python benchmarks/panda_speed.py --before /tmp/before            # each checkout's defaults
    python benchmarks/panda_speed.py --before /tmp/before --n-iter 60 --threads one

``--n-iter`` unset runs each checkout with its own default ``n_iter`` (what a
user gets); set, both run that many iterations (the cost per iteration).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 30.0
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "SKPANDA_NUM_THREADS")


def child(estimator, n_iter):
    """Fit once in this process; print wall/CPU seconds and phases as JSON."""
    from skpanda.datasets import load_adult
    from skpanda.panda import PandaQuerySelector
    from skpanda.panda._nn import bridge
    from skpanda.simulation._protocol import split_protocol

    X, y, g = load_adult(return_X_y=True)
    split = split_protocol(X, y, g, random_state=0)
    est = None
    if estimator == "fair":
        from fairlearn.reductions import DemographicParity, ExponentiatedGradient
        from sklearn.linear_model import LogisticRegression

        est = ExponentiatedGradient(LogisticRegression(), DemographicParity(difference_bound=0.04))
    phases = {}
    for name in ("fit_encoder", "train_policy"):
        def timed(*a, _f=getattr(bridge, name), _n=name, **k):
            start = time.perf_counter()
            try:
                return _f(*a, **k)
            finally:
                phases[_n] = phases.get(_n, 0.0) + time.perf_counter() - start
        setattr(bridge, name, timed)
    kw = {} if n_iter is None else {"n_iter": n_iter}  # None: the checkout's own default
    sel = PandaQuerySelector(rho=0.04, budget=400, estimator=est, random_state=0, **kw)
    wall, cpu = time.perf_counter(), time.process_time()
    sel.fit(split.X_train, split.y_train, sensitive_features=split.g_train)
    print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                      **phases}))


def run_once(checkout, threads, estimator, n_iter, timeout):
    env = {k: v for k, v in os.environ.items() if k not in _THREAD_VARS}
    env["PYTHONPATH"] = str(checkout)
    if threads == "one":
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    else:
        env["SKPANDA_NUM_THREADS"] = "keep"
    # PYTHONPATH comes before the installed skpanda: the child imports ``checkout``'s
    out = subprocess.run([sys.executable, __file__, "--child", estimator, str(n_iter or 0)],
                         env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode:
        raise RuntimeError(f"{checkout} ({threads}) failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True,
                        help="a checkout of the code to compare against")
    parser.add_argument("--estimator", choices=("fair", "lr"), default="fair")
    parser.add_argument("--n-iter", type=int, default=None,
                        help="meta-training iterations (default: each checkout's own default)")
    parser.add_argument("--threads", nargs="+", choices=("one", "default"),
                        default=["one", "default"])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args(argv)
    checkouts = {"before": args.before.resolve(), "after": ROOT}
    times = {}
    for rep in range(args.repeats):
        for threads in args.threads:
            order = ("before", "after") if rep % 2 == 0 else ("after", "before")
            for name in order:
                t = run_once(checkouts[name], threads, args.estimator, args.n_iter, args.timeout)
                times.setdefault((threads, name), []).append(t)
                print(f"  {threads:7s} {name:6s} rep {rep}: " + "  ".join(
                    f"{k} {v:7.1f} s" for k, v in t.items()), flush=True)
    print(f"\nAdult D0, estimator={args.estimator}, "
          f"n_iter={args.n_iter or 'each checkout default'} (median of {args.repeats})")
    for threads in args.threads:
        med = {name: {k: statistics.median(t[k] for t in times[(threads, name)])
                      for k in times[(threads, name)][0]} for name in checkouts}
        print(f"{threads:7s} before wall {med['before']['wall']:7.1f} s cpu "
              f"{med['before']['cpu']:7.1f} s | after wall {med['after']['wall']:7.1f} s cpu "
              f"{med['after']['cpu']:7.1f} s | speed-up wall "
              f"{med['before']['wall'] / med['after']['wall']:.2f}x cpu "
              f"{med['before']['cpu'] / med['after']['cpu']:.2f}x")
        if threads == "one":
            ok = med["after"]["wall"] <= TARGET_S
            print(f"target (issue #11): one fit <= {TARGET_S:.0f} s on one thread: "
                  f"{'PASS' if ok else 'FAIL'} ({med['after']['wall']:.1f} s)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]) or None)
    else:
        main()
