"""PANDA on Adult in the paper's protocol (§4): quality, meta-training time, select cost.

Protocol per seed: shuffle; 50/50 meta-train D0 / meta-test; meta-test 50/50
pool (12,210 rows) / test; sex is the group; B = 400; rho = 0.04 (DP).
One-hot + scaling is fitted on D0; every method is trained on PANDA's pretrained
representation (``transform``), as in the paper ("all algorithms use the same
Transformer representation"). Printed: mean ± std over seeds of test F1, Δ_DP
and Δ_EB for

* PANDA (deterministic top-B, and Gumbel-top-B sampling) + LogisticRegression,
* PANDA's rows + fairlearn ExponentiatedGradient(DP <= 0.04),
* PANDA meta-trained *for* that ExponentiatedGradient (``estimator=EG``: the
  parity-penalised inner learner, ``fairness_penalty="auto"``), its sampled
  rows + EG, mean over ``N_DRAWS`` draws,
* random 400 rows + LogisticRegression, and + ExponentiatedGradient (the
  latter also as a mean over ``N_DRAWS`` draws, the fairlearn baseline),

plus meta-training time, select time on the pool, and the peak-memory increase
of ``select`` at n = 4k and 12k (VmHWM - VmRSS in a fresh subprocess).

Run::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/panda_adult.py --seeds 0 1 2
    # tuning: --set n_iter=200 --set learning_rate=3e-3
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from fairlearn.reductions import DemographicParity, ExponentiatedGradient
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from skpanda.datasets import load_adult, make_preprocessor
from skpanda.metrics import demographic_parity, error_rate_balance
from skpanda.panda import PandaQuerySelector

B, RHO, N_DRAWS = 400, 0.04, 10

_MEMORY_PROBE = """
import sys, time, numpy as np
from skpanda.panda import PandaQuerySelector

def status(key):
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith(key)) / 1024.0

sel = PandaQuerySelector.load(sys.argv[1], device="cpu")
X = np.load(sys.argv[2])
sel.select(X[:64], budget=8)  # warm up kernels and allocator
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")  # reset the peak-RSS counter (VmHWM) to the current RSS
before = status("VmRSS:")
t = time.perf_counter(); sel.select(X); dt = time.perf_counter() - t
print(dt, status("VmHWM:") - before, status("VmHWM:"))
"""


def split(n, seed):
    perm = np.random.RandomState(seed).permutation(n)
    half = n // 2
    quarter = half + (n - half) // 2
    return perm[:half], perm[half:quarter], perm[quarter:]


def evaluate(model, Z, y, g, seed=0):
    kw = {"random_state": seed} if isinstance(model, ExponentiatedGradient) else {}
    pred = np.asarray(model.predict(Z, **kw))
    return (f1_score(y, pred), demographic_parity(y, pred, sensitive_features=g),
            error_rate_balance(y, pred, sensitive_features=g))


def fit_lr(Z, y):
    return LogisticRegression(max_iter=1000).fit(Z, y)


def make_eg():
    return ExponentiatedGradient(LogisticRegression(max_iter=1000),
                                 DemographicParity(difference_bound=RHO))


def fit_eg(Z, y, g):
    return make_eg().fit(Z, y, sensitive_features=g)


def run_seed(seed, X, y, g, params):
    i0, ip, it = split(len(y), seed)
    pre = make_preprocessor(X.iloc[i0]).fit(X.iloc[i0])
    P0, Pp, Pt = (pre.transform(X.iloc[i]).astype(np.float32) for i in (i0, ip, it))
    t0 = time.perf_counter()
    panda = PandaQuerySelector(budget=B, rho=RHO, random_state=seed, **params)
    panda.fit(P0, y[i0], sensitive_features=g[i0])
    fit_time = time.perf_counter() - t0
    Zp, Zt = panda.transform(Pp), panda.transform(Pt)
    t0 = time.perf_counter()
    chosen = panda.select(Pp)
    select_time = time.perf_counter() - t0
    sampled = panda.set_params(sample=True).select(Pp)
    panda.set_params(sample=False)
    rand = np.random.RandomState(1000 + seed).choice(len(ip), B, replace=False)
    yp, gp, yt, gt = y[ip], g[ip], y[it], g[it]
    rows = {}
    for name, sel in (("panda", chosen), ("panda-sample", sampled), ("random", rand)):
        rows[f"{name} + LR"] = evaluate(fit_lr(Zp[sel], yp[sel]), Zt, yt, gt)
        rows[f"{name} + EG"] = evaluate(fit_eg(Zp[sel], yp[sel], gp[sel]), Zt, yt, gt, seed)
    rows["whole pool + LR"] = evaluate(fit_lr(Zp, yp), Zt, yt, gt)
    # PANDA meta-trained for the constrained learner vs random rows, same learner
    t0 = time.perf_counter()
    panda_eg = PandaQuerySelector(budget=B, rho=RHO, random_state=seed, estimator=make_eg(),
                                  **params).fit(P0, y[i0], sensitive_features=g[i0])
    eg_fit_time = time.perf_counter() - t0
    assert np.allclose(panda_eg.transform(Pp[:256]), Zp[:256], atol=1e-5), \
        "both selectors must share one representation (same seed, same D0)"
    draws = {"PANDA for EG (sampled) + EG": [panda_eg.set_params(random_state=r).select(Pp)
                                             for r in range(N_DRAWS)],
             f"random + EG ({N_DRAWS} draws)": [
                 np.random.RandomState([seed, 5, r]).choice(len(ip), B, replace=False)
                 for r in range(N_DRAWS)]}
    for name, selections in draws.items():
        rows[name] = tuple(np.mean([evaluate(fit_eg(Zp[i], yp[i], gp[i]), Zt, yt, gt, seed)
                                    for i in selections], axis=0))
    picked = np.concatenate(draws["PANDA for EG (sampled) + EG"])
    info = dict(fit_time=fit_time, select_time=select_time, n_iter=panda.n_iter_,
                sel_female=float(np.mean(gp[chosen] == "Female")),
                sel_pos=float(np.mean(yp[chosen])),
                eg_fit_time=eg_fit_time, eg_sel_pos=float(np.mean(yp[picked])),
                eg_sel_female=float(np.mean(gp[picked] == "Female")),
                eval_f1=panda.history_["eval_f1"][-3:],
                eval_disp=panda.history_["eval_disparity"][-3:])
    return rows, info, panda, Pp


def memory_probe(panda, Pp):
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = panda.save(Path(tmp) / "panda.pt")
        for n in (4000, len(Pp)):
            np.save(Path(tmp) / "pool.npy", Pp[:n])
            res = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(path),
                                  str(Path(tmp) / "pool.npy")],
                                 capture_output=True, text=True, check=True)
            dt, delta_mb, peak_mb = map(float, res.stdout.split())
            out[n] = (dt, delta_mb, peak_mb)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--set", action="append", default=[],
                        help="PandaQuerySelector parameter as name=json_value")
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()
    params = {k: json.loads(v) for k, v in (s.split("=", 1) for s in args.set)}
    X, y, g = load_adult(return_X_y=True)
    y, g = np.asarray(y), np.asarray(g).astype(str)
    table, infos = {}, []
    for seed in args.seeds:
        rows, info, panda, Pp = run_seed(seed, X, y, g, params)
        for name, vals in rows.items():
            table.setdefault(name, []).append(vals)
        infos.append(info)
        print(f"seed {seed}: " + json.dumps(info), flush=True)
        for name, (f1, dp, eb) in rows.items():
            print(f"   {name:22s} F1 {f1:.3f}  DP {dp:.3f}  EB {eb:.3f}", flush=True)
    print(f"\nAdult, B={B}, rho={RHO}, seeds {args.seeds}, params {params}")
    print(f"{'method':24s} {'test F1':>13s} {'Δ_DP':>13s} {'Δ_EB':>13s}")
    for name, vals in table.items():
        v = np.asarray(vals)
        cells = [f"{m:.3f} ± {s:.3f}" for m, s in zip(v.mean(0), v.std(0))]
        print(f"{name:24s} " + " ".join(f"{c:>13s}" for c in cells))
    fit = [i["fit_time"] for i in infos]
    sel = [i["select_time"] for i in infos]
    eg_fit = [i["eg_fit_time"] for i in infos]
    print(f"PANDA fit (pretraining + meta-training): {np.mean(fit):.1f} s ± {np.std(fit):.1f}"
          f"; PANDA for EG: {np.mean(eg_fit):.1f} s ± {np.std(eg_fit):.1f}"
          f"; select on the {len(Pp)}-row pool: {np.mean(sel):.3f} s")
    if not args.no_memory:
        for n, (dt, delta, peak) in memory_probe(panda, Pp).items():
            print(f"select n={n}: {dt:.3f} s, peak RSS +{delta:.0f} MB (process peak {peak:.0f} MB)")


if __name__ == "__main__":
    main()
