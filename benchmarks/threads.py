"""Thread policy: skpanda's default threads against one thread, idle and next to a busy neighbour.

Three configurations, each run as a whole fresh process:

* ``policy``: what a user gets now, no environment variable set (skpanda caps
  BLAS/OpenMP/torch at one thread inside ``fit``/``select``/..., see
  ``skpanda/_threads.py``);
* ``library``: the libraries' own defaults (``SKPANDA_NUM_THREADS=keep``, no
  ``OMP_NUM_THREADS``): what a user got before the thread policy;
* ``one``: ``OMP_NUM_THREADS=1`` (and the BLAS equivalents), the setting of the
  other benchmarks.

Two workloads, on Adult split as in the paper (§4, seed 0):

* ``panda``: a 15-iteration ``PandaQuerySelector`` fit on D0 (24k rows),
  encoder pretraining included;
* ``margin``: the margin-sampling baseline, fit on D0, ``select`` 400 rows of
  the 12k-row pool with an oracle (the sequential loop), ``fit_selected``.

Each (load, workload, configuration) runs ``--repeats`` times; configurations
alternate within a repeat so that drifting load hits all of them alike. The
busy neighbour is a subprocess spinning one core (``--burners`` of them). Printed:
median wall and CPU seconds of the timed work (imports and data loading
excluded), and the ratios library/one and policy/one. The figures are noisy
on a shared machine; compare ratios from one run.

Run::

    python benchmarks/threads.py                  # 20-60 min on 2 busy cores
    python benchmarks/threads.py --repeats 1 --timeout 180
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CONFIGS = ("policy", "library", "one")
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "SKPANDA_NUM_THREADS")


def child(workload):
    """Run one workload in this process; print its wall and CPU seconds as JSON."""
    import numpy as np

    from skpanda.datasets import load_adult
    from skpanda.simulation._protocol import make_oracle, make_selector, split_protocol

    X, y, groups = load_adult(return_X_y=True)
    split = split_protocol(X, y, groups, random_state=0)
    if workload == "panda":
        from skpanda.panda import PandaQuerySelector

        import torch  # noqa: F401  (import time is not what is measured)

        sel = PandaQuerySelector(budget=400, n_iter=15, random_state=0)
    else:
        sel = make_selector("margin", random_state=0).set_params(budget=400)
    wall, cpu = time.perf_counter(), time.process_time()
    sel.fit(split.X_train, split.y_train, sensitive_features=split.g_train)
    if workload != "panda":
        pos = sel.select(split.X_pool, sensitive_features=split.g_pool,
                         oracle=make_oracle(split.y_pool))
        sel.fit_selected(split.X_pool, split.y_pool, positions=np.asarray(pos),
                         sensitive_features=split.g_pool)
    print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}))


def environment(config):
    env = {k: v for k, v in os.environ.items() if k not in _THREAD_VARS}
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    if config == "library":
        env["SKPANDA_NUM_THREADS"] = "keep"
    elif config == "one":
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def run_once(workload, config, timeout):
    """Wall and CPU seconds of one run; a run past ``timeout`` counts as ``timeout``."""
    try:
        out = subprocess.run([sys.executable, __file__, "--child", workload],
                             env=environment(config), capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"wall": float(timeout), "cpu": float("nan"), "cut": True}
    if out.returncode:
        raise RuntimeError(f"{workload}/{config} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_burners(n):
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def stop_burners(procs):
    for proc in procs:
        proc.kill()
        proc.wait()


def measure(workloads, repeats, burners, timeout):
    times = {}
    for load in ("idle", "busy"):
        procs = start_burners(burners) if load == "busy" else []
        try:
            for rep in range(repeats):
                for workload in workloads:
                    order = CONFIGS if rep % 2 == 0 else CONFIGS[::-1]
                    for config in order:
                        t = run_once(workload, config, timeout)
                        times.setdefault((load, workload, config), []).append(t)
                        print(f"  {load:4s} {workload:6s} {config:7s} rep {rep}: "
                              f"wall {t['wall']:7.1f} s  cpu {t['cpu']:7.1f} s"
                              f"{'  (cut at --timeout)' if t.get('cut') else ''}", flush=True)
        finally:
            stop_burners(procs)
    return times


def report(times, workloads):
    print(f"\n{'load':5s} {'workload':8s} " + " ".join(f"{c + ' wall/cpu s':>20s}"
                                                      for c in CONFIGS)
          + f" {'library/one':>12s} {'policy/one':>11s}")
    for load in ("idle", "busy"):
        for workload in workloads:
            runs = {c: times[(load, workload, c)] for c in CONFIGS}
            med = {c: {k: statistics.median(t[k] for t in runs[c]) for k in ("wall", "cpu")}
                   for c in CONFIGS}
            cut = {c: ">" if any(t.get("cut") for t in runs[c]) else " " for c in CONFIGS}
            cells = " ".join(f"{cut[c]}{med[c]['wall']:8.1f} /{med[c]['cpu']:8.1f}  "
                             for c in CONFIGS)
            ratios = [f"{cut[c]}{med[c]['wall'] / med['one']['wall']:.2f}x"
                      for c in ("library", "policy")]
            print(f"{load:5s} {workload:8s} {cells} {ratios[0]:>11s} {ratios[1]:>10s}")
    print("'>': at least one run was cut at --timeout (its wall time is a lower bound).")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=("panda", "margin"), help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--burners", type=int, default=1,
                        help="CPU-spinning neighbour processes under 'busy'")
    parser.add_argument("--timeout", type=float, default=600,
                        help="seconds after which a run is cut (reported as a lower bound)")
    parser.add_argument("--workloads", nargs="+", default=["panda", "margin"],
                        choices=("panda", "margin"))
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; "
          f"{args.repeats} repeats, {args.burners} burner(s) when busy")
    times = measure(args.workloads, args.repeats, args.burners, args.timeout)
    report(times, args.workloads)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
