"""Paired per-seed differences between selectors in a ``pool_panda.py`` raw output.

Reads the "Per seed: test F1 / Δ_DP" table of a saved run (docs/research/pool_panda_runs/*.md)
and prints, for each PANDA variant vs random and vs the tilt under the same learner
(and at each budget for the Pool learner), the per-seed difference, its mean ± std
over the seeds both rows have, the number of seeds where it is positive, a paired
t-test (two-sided p), and the seed std of each row on its own (the spread the
difference is compared with)::

    python benchmarks/pool_panda_paired.py \
        docs/research/pool_panda_runs/pool_panda_seeds10-14_n5_2026-12-03.md

With ``--against OTHER`` it compares every PANDA row of the first run with the
same row of ``OTHER`` (e.g. PANDA fitted with new defaults vs old defaults, same
seeds, same random rows)::

    python benchmarks/pool_panda_paired.py NEW.md --against OLD.md
"""

import re
import sys

import numpy as np
from scipy.stats import ttest_rel


def read(path):
    rows, seeds = {}, None
    for line in open(path, encoding="utf-8"):
        if line.startswith("| rep | rows | learner | seed"):
            seeds = [int(s) for s in re.findall(r"seed (\d+)", line)]
            continue
        if seeds and line.startswith("| ") and " / " in line:
            parts = [p.strip() for p in line.strip().strip("|").split("|")]
            rows[" | ".join(parts[:3])] = np.array(
                [(np.nan, np.nan) if c == "–" else tuple(float(x) for x in c.split(" / "))
                 for c in parts[3:]])
    return rows, seeds


def compare(rows, seeds, a, b, other=None):
    other = rows if other is None else other
    if a not in rows or b not in other:
        return
    x, y = rows[a], other[b]
    ok = ~np.isnan(x[:, 0]) & ~np.isnan(y[:, 0])
    if not ok.any():
        return
    d, n = x[ok] - y[ok], int(ok.sum())
    t = ttest_rel(x[ok, 0], y[ok, 0]) if n > 2 else None
    tp = f"; paired t {t.statistic:+.1f}, p {t.pvalue:.2f}" if t is not None else ""
    per = " ".join(f"{s}:{v:+.3f}" for s, v in zip(np.array(seeds)[ok], d[:, 0]))
    ref = "the other run" if other is not rows else b.split(" | ")[1]
    print(f"{a}  −  {ref}: n={n}  ΔF1 {d[:, 0].mean():+.3f} ± {d[:, 0].std():.3f}"
          f" (>0 on {int((d[:, 0] > 0).sum())}/{n}; {per}{tp})  ΔΔ_DP {d[:, 1].mean():+.3f}"
          f" ± {d[:, 1].std():.3f}  | seed std of F1 on these seeds: {x[ok, 0].std():.3f}"
          f" vs {y[ok, 0].std():.3f}")


def against(path, other_path):
    """Each PANDA row of ``path`` minus the same row of ``other_path`` (same seeds)."""
    rows, seeds = read(path)
    other, other_seeds = read(other_path)
    if seeds != other_seeds:
        raise SystemExit(f"the runs have different seeds: {seeds} vs {other_seeds}")
    for name in rows:
        if "panda" in name.split(" | ")[1]:
            compare(rows, seeds, name, name, other)


def main():
    if len(sys.argv) == 4 and sys.argv[2] == "--against":
        return against(sys.argv[1], sys.argv[3])
    rows, seeds = read(sys.argv[1])
    for learner in ("Pool", "LR", "EG", "SGD", "EG-SGD"):
        for sel in ("panda", "panda-pool", "panda-sgd"):
            for ref in ("random", "tilt"):
                compare(rows, seeds, f"panda | {sel} | {learner}", f"panda | {ref} | {learner}")
    for learner in ("Pool", "LR", "EG"):
        for ref in ("random", "tilt"):
            compare(rows, seeds, f"onehot | panda-pool | {learner}", f"onehot | {ref} | {learner}")
    for budget in (50, 100, 200, 400):
        for ref in ("random", "tilt"):
            compare(rows, seeds, f"B={budget} | panda-pool | Pool", f"B={budget} | {ref} | Pool")
        compare(rows, seeds, f"B={budget} | tilt | Pool", f"B={budget} | random | Pool")
    compare(rows, seeds, "panda | D0 + panda-pool (warm_start=data) | Pool",
            "panda | D0 + random (warm_start=data) | Pool")


if __name__ == "__main__":
    main()
