"""Per-seed Markdown tables of ``pool_datasets.py --confidence`` logs (docs/certification.md).

Reads the per-seed lines of the given log files and prints, per dataset, one
row per seed: test F1 and test Δ_DP of the uncertified and the certified
learner (or, when refused, the certifiable bound and the refit at it), then
the paired F1 difference (mean ± std over seeds) and the share of seeds held::

    python benchmarks/certification_tables.py docs/research/certification_runs/*.txt
"""

import re
import sys
from collections import defaultdict

import numpy as np

LINE = re.compile(r"(?P<data>\w+)\s+demogr seed\s+(?P<seed>\d+) rho (?P<rho>[\d.]+) "
                  r"(?P<learner>\S+)\s+F1 (?P<f1>[\d.]+) disp (?P<disp>[\d.]+) "
                  r"bound (?P<bound>[\d.]+)(?: certified (?P<cert>[\d.na]+))?")
REFUSED = re.compile(r"(?P<data>\w+)\s+seed\s+(?P<seed>\d+) rho [\d.]+ (?P<learner>\S+)\s+"
                     r"REFUSED: certifiable bound (?P<bound>[\d.]+)")


def parse(paths):
    runs = defaultdict(dict)
    for path in paths:
        for line in open(path):
            m = LINE.match(line) or REFUSED.match(line)
            if m:
                d = m.groupdict()
                runs[(d["data"], int(d["seed"]))][d["learner"]] = d
    return runs


def table(runs, data, base="PoolThreshold"):
    cert, at = f"{base}-cert", f"{base}-cert-at-bound"
    seeds = sorted(s for d, s in runs if d == data)
    print(f"\n**{data}** ({base}, rho = .04, confidence = .95)\n")
    print("| seed | uncertified F1 | uncertified test Δ_DP | certified F1 | certified test "
          "Δ_DP | bound promised | certified_bound_ | held |")
    print("|---|---|---|---|---|---|---|---|")
    diffs, held = [], []
    for seed in seeds:
        r = runs[(data, seed)]
        u, c = r.get(base), r.get(cert)
        if u is None or c is None:
            continue  # this learner was not run on this seed
        if c is not None and "f1" not in c:  # refused: the refit at the bound
            c = dict(r[at], note=f"refused (certifiable {c['bound']}); at bound")
        ok = float(c["disp"]) <= float(c["bound"]) + 1e-12
        held.append(ok)
        diffs.append(float(c["f1"]) - float(u["f1"]))
        print(f"| {seed} | {u['f1']} | {u['disp']} | {c['f1']} | {c['disp']} | "
              f"{c.get('note', '')} {c['bound']} | {c.get('cert') or ''} | "
              f"{'yes' if ok else 'NO'} |")
    d = np.array(diffs)
    print(f"\nPaired F1 difference (certified - uncertified): {d.mean():+.4f} ± {d.std():.4f} "
          f"(min {d.min():+.3f}, max {d.max():+.3f}); held in {np.mean(held):.0%} of "
          f"{len(held)} seeds.")


if __name__ == "__main__":
    runs = parse(sys.argv[1:])
    for data in sorted({d for d, _ in runs}):
        bases = {k.split("-")[0] for s in runs if s[0] == data for k in runs[s]}
        for base in ("PoolThreshold", "PoolEG"):
            if base in bases:
                table(runs, data, base)
