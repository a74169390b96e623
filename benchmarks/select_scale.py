"""How PANDA's ``select`` and ``skpanda select`` scale with the pool (issue #22).

A PANDA with default parameters (``budget=400``; ``--n-iter`` meta-iterations,
20 by default: the cost of ``select`` depends on the architecture, not on
training) is fitted once on Adult's D0. Each pool size then runs in a fresh
process, so that its peak resident memory is its own:

* ``--mode api``: ``PandaQuerySelector.select`` on Adult's preprocessed pool
  rows (12,210 rows x 104 columns, float64) drawn with replacement up to
  ``n`` rows plus N(0, 0.01^2) noise. Peak memory is measured from the moment
  the pool is in memory (VmHWM reset, Linux), so it is what ``select`` adds
  above the pool itself. Stages: encoding, policy forward, top-B.
* ``--mode cli``: ``skpanda select`` (run in-process by ``skpanda.cli.main``)
  on a CSV of ``n`` raw Adult pool rows; the peak is the whole process's.

Printed per (checkout, threads, size): wall and CPU seconds, peak RSS, the
ratio to the previous size, and a PASS/FAIL line per target: time(1M) <=
12 x time(100k) (on CPU seconds: the machine is shared, so wall time is
printed too but not judged), API peak at 1M <= 1 GB above the pool, CLI peak
at 1M <= 2 GB.

Run::

    python benchmarks/select_scale.py --sizes 100000 1000000            # api, both thread settings
    python benchmarks/select_scale.py --mode cli --threads one
    git worktree add /tmp/before c2c6e7a
    python benchmarks/select_scale.py --before /tmp/before --threads one
    python benchmarks/select_scale.py --device cuda --sizes 1000000 10000000   # on a GPU

``--threads one`` sets ``OMP_NUM_THREADS=1`` (and skpanda's own one-thread
policy); ``default`` lets the libraries choose (``SKPANDA_NUM_THREADS=keep``).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "SKPANDA_NUM_THREADS")
RATIO_TARGET, API_EXTRA_MB, CLI_PEAK_MB = 12.0, 1024.0, 2048.0


def _mb(key):
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith(key)) / 1024.0


def _reset_peak():
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # VmHWM := VmRSS


def _adult():
    from skpanda.datasets import load_adult
    from sklearn.model_selection import train_test_split

    X, y, g = load_adult(return_X_y=True)
    return train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)


def _pool_rows(X, n, seed=1):
    import numpy as np

    rng = np.random.RandomState(seed)
    pool = np.asarray(X, dtype=float)[rng.randint(0, len(X), n)]
    for i in range(0, n, 100_000):  # noise in place, chunk by chunk: no pool-sized temporary
        pool[i:i + 100_000] += 0.01 * rng.standard_normal(pool[i:i + 100_000].shape)
    return pool


def _digest(chosen):
    """Short SHA-256 of the selection (positions in order, or the output file)."""
    import hashlib

    import numpy as np

    data = chosen if isinstance(chosen, bytes) else np.asarray(chosen, dtype=np.int64).tobytes()
    return hashlib.sha256(data).hexdigest()[:10]


def _timed(obj, name, stages):
    original = getattr(obj, name)

    def wrapper(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            stages[name] = [time.perf_counter() - wall, time.process_time() - cpu]

    setattr(obj, name, wrapper)


def child_api(model, n, device):
    """One ``select`` on ``n`` pool rows in this process; JSON on stdout."""
    import numpy as np

    from skpanda.panda import PandaQuerySelector
    from skpanda.panda import _selector
    from skpanda.panda._nn import bridge, encoder
    from skpanda.simulation._protocol import split_protocol

    from skpanda.datasets import load_adult

    X, y, g = load_adult(return_X_y=True)
    base = split_protocol(X, y, g, random_state=0).X_pool
    sel = PandaQuerySelector.load(model, device=device)
    sel.select(base[:2000], budget=10)  # warm-up: lazy imports, kernels
    pool = _pool_rows(base, n)
    stages = {}
    _timed(encoder.FittedRowEncoder, "transform", stages)
    _timed(bridge, "score_pool", stages)
    _timed(_selector, "top_k", stages)
    rss = _mb("VmRSS:")
    _reset_peak()
    wall, cpu = time.perf_counter(), time.process_time()
    chosen = sel.select(pool)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert np.unique(chosen).size == 400
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": _mb("VmHWM:"),
                      "extra_mb": _mb("VmHWM:") - rss, "pool_mb": pool.nbytes / 2**20,
                      "stages": stages, "digest": _digest(chosen)}))


def child_cli(model, pool_csv, n):
    """``skpanda select`` in this process; JSON on stdout (peak = the whole process)."""
    from skpanda.cli import main

    out = Path(pool_csv).with_suffix(".out.csv")
    wall, cpu = time.perf_counter(), time.process_time()
    code = main(["select", "--model", model, "--pool", pool_csv, "--budget", "400",
                 "--out", str(out), "--no-progress"])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert code == 0
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": _mb("VmHWM:"),
                      "digest": _digest(Path(out).read_bytes())}))


def _env(checkout, threads):
    env = {k: v for k, v in os.environ.items() if k not in _THREAD_VARS}
    env["PYTHONPATH"] = str(checkout)
    if threads == "one":
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    else:
        env["SKPANDA_NUM_THREADS"] = "keep"
    return env


def _run(checkout, threads, *argv, timeout=1800):
    out = subprocess.run([sys.executable, __file__, "--child", *map(str, argv)],
                         env=_env(checkout, threads), capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode:
        raise RuntimeError(f"{checkout} ({threads}) {argv} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def child_fit(kind, folder, n_iter):
    """Fit the PANDA every size uses, once: a selector file (api) or a model folder (cli)."""
    folder = Path(folder)
    if kind == "api":
        from skpanda.datasets import load_adult
        from skpanda.panda import PandaQuerySelector
        from skpanda.simulation._protocol import split_protocol

        X, y, g = load_adult(return_X_y=True)
        split = split_protocol(X, y, g, random_state=0)
        sel = PandaQuerySelector(budget=400, rho=0.04, n_iter=n_iter, device="cpu",
                                 random_state=0)
        sel.fit(split.X_train, split.y_train, sensitive_features=split.g_train)
        sel.save(folder / "panda.pt")
        return
    from skpanda.cli import main

    X_d0, _, y_d0, _ = _adult()
    X_d0.assign(income=y_d0).to_csv(folder / "d0.csv", index=False)
    assert main(["fit", "--data", str(folder / "d0.csv"), "--target", "income", "--sensitive",
                 "sex", "--budget", "400", "--param", f"n_iter={n_iter}", "--no-progress",
                 "--out", str(folder / "model")]) == 0


def _pool_csv(folder, n):
    import numpy as np

    path = Path(folder) / f"pool_{n}.csv"
    if not path.exists():
        _, X_pool, _, _ = _adult()
        rows = np.random.RandomState(1).randint(0, len(X_pool), n)
        for i in range(0, n, 200_000):
            X_pool.iloc[rows[i:i + 200_000]].to_csv(path, mode="a", index=False,
                                                    header=i == 0)
    return path


def _line(name, threads, n, r, prev):
    ratio = (f"{r['wall'] / prev['wall']:5.1f}x {r['cpu'] / prev['cpu']:5.1f}x" if prev
             else "    -      -")
    extra = f"{r['extra_mb']:7.0f}" if "extra_mb" in r else "      -"
    stages = "  ".join(f"{k} {v[1]:.2f}" for k, v in r.get("stages", {}).items())
    print(f"{name:6s} {threads:7s} {n:>10,d} {r['wall']:8.2f} {r['cpu']:8.2f} "
          f"{r['peak_mb']:8.0f} {extra} {ratio}  {r.get('digest', '-'):10s}  {stages}",
          flush=True)


def _verdicts(results, mode):
    digests = {}
    for (name, threads), rows in results.items():
        for n, r in rows.items():
            digests.setdefault(n, set()).add(r["digest"])
    for n, found in digests.items():
        print(f"{n:,d} rows: {'the same selection' if len(found) == 1 else 'DIFFERENT selections'}"
              f" in every run ({len(found)} distinct)")
    for (name, threads), rows in results.items():
        if 100_000 in rows and 1_000_000 in rows:
            ratio = rows[1_000_000]["cpu"] / rows[100_000]["cpu"]
            wall = rows[1_000_000]["wall"] / rows[100_000]["wall"]
            print(f"{name} {threads}: cpu(1M) / cpu(100k) = {ratio:.1f} (wall {wall:.1f}) <= "
                  f"{RATIO_TARGET:g}: {'PASS' if ratio <= RATIO_TARGET else 'FAIL'}")
        if 1_000_000 in rows:
            r = rows[1_000_000]
            if mode == "api":
                ok = r["extra_mb"] <= API_EXTRA_MB
                print(f"{name} {threads}: select(1M) peak {r['extra_mb']:.0f} MB above the "
                      f"{r['pool_mb']:.0f} MB pool <= {API_EXTRA_MB:g}: {'PASS' if ok else 'FAIL'}")
            else:
                ok = r["peak_mb"] <= CLI_PEAK_MB
                print(f"{name} {threads}: skpanda select (1M-row CSV) peak {r['peak_mb']:.0f} MB "
                      f"<= {CLI_PEAK_MB:g}: {'PASS' if ok else 'FAIL'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="pool sizes (default: 100000 1000000)")
    parser.add_argument("--mode", choices=("api", "cli"), default="api",
                        help="PandaQuerySelector.select or skpanda select (default: api)")
    parser.add_argument("--threads", nargs="+", choices=("one", "default"),
                        default=["one", "default"], help="thread settings (default: both)")
    parser.add_argument("--before", type=Path, default=None,
                        help="a checkout of older code to run too (default: none)")
    parser.add_argument("--device", default="cpu", help="torch device of select (default: cpu)")
    parser.add_argument("--n-iter", type=int, default=20,
                        help="meta-iterations of the one fit (default: 20)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="folder for the model and pool CSVs (default: a temporary one)")
    args = parser.parse_args(argv)
    if args.device != "cpu" and args.mode == "cli":
        parser.error("--device is for --mode api (the CLI uses the model's own device)")
    checkouts = {"after": ROOT, **({"before": args.before.resolve()} if args.before else {})}
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        model = work / ("panda.pt" if args.mode == "api" else "model")
        if not model.exists():  # a --workdir keeps the fitted model and the CSVs
            _run(ROOT, "one", "fit", args.mode, work, args.n_iter)
        print(f"{args.mode}: PANDA (defaults, n_iter={args.n_iter}) fitted on Adult D0; "
              f"device={args.device}\n{'code':6s} {'threads':7s} {'rows':>10s} {'wall s':>8s} "
              f"{'cpu s':>8s} {'peak MB':>8s} {'+pool':>7s}  x prev (wall cpu)  selection   "
              "stage cpu s")
        results = {}
        for threads in args.threads:
            for name, checkout in checkouts.items():
                prev = None
                for n in args.sizes:
                    extra = ((args.mode, model, n, args.device) if args.mode == "api"
                             else (args.mode, model, _pool_csv(work, n), n))
                    r = _run(checkout, threads, *extra)
                    _line(name, threads, n, r, prev)
                    results.setdefault((name, threads), {})[n] = prev = r
        _verdicts(results, args.mode)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        kind, rest = sys.argv[2], sys.argv[3:]
        if kind == "fit":
            child_fit(rest[0], rest[1], int(rest[2]))
            print("{}")
        elif kind == "api":
            child_api(rest[0], int(rest[1]), rest[2])
        else:
            child_cli(rest[0], rest[1], int(rest[2]))
    else:
        main()
