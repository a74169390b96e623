"""Does PANDA's selection help a pool-aware fair learner? Adult, paper protocol (issue #10).

Per seed: :func:`skpanda.simulation.split_protocol` (50/50 D0 / meta-test, meta-test
50/50 pool (12,210 rows) / test, sex as group), B = 400, target test Δ_DP <= .04.
The representation is the encoder of the PANDA fitted on that seed's D0
(``transform``); one-hot rows are the reference. Every row below is measured in
the same run, under the SAME learner per column:

selectors (positions chosen in PANDA's representation, reused for one-hot)
  random; margin = entropy (same rows for a binary h^0: batch from the uncertainty
  of h^0 = LR on D0);
  tilt (Gumbel-top-B of 0.25 * logit h^0); panda (paper recipe, ``estimator=None``,
  top-B); panda-pool (``estimator=PoolThresholdClassifier``, the ``pool_aware()``
  preset, sampled); panda-sgd (``estimator=SGDClassifier``, the paper's regime).
learners
  LR; EG = fairlearn ExponentiatedGradient(LR, DP <= .04) on the selected rows;
  Pool = PoolThresholdClassifier (LR + group thresholds on the unlabeled pool,
  pool rho tuned); SGD = SGDClassifier(log_loss, constant eta0, max_iter=epochs,
  tol=None) tuned on random rows; EG-SGD = EG around that SGDClassifier.
references
  whole pool labeled + EG / Pool / LR / SGD / EG-SGD; warm_start="data" (D0 +
  selected rows) for Pool; budgets {50, 100, 200, 400} for Pool: panda-pool vs
  random vs tilt. One-hot (reference): random, tilt, panda-pool x LR/EG/Pool, and
  whole pool + Pool (EG on the whole one-hot pool: .610, issue #10). EG-SGD (fairlearn
  in the SGD regime) for random and panda-sgd rows only (EG fits dominate the cost).

Stochastic selectors (random, tilt, panda-pool, panda-sgd sampled) are averaged over
``--draws`` draws per seed; std is over seeds. PANDA fits are cached under
``--cache`` (per seed, variant and pool rho), so reruns only re-evaluate.

Tuning (seeds 0-4 only; PANDA with n_iter=1, whose encoder is the same)::

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD .venv/bin/python benchmarks/pool_panda.py --tune --seeds 0 1 2 3 4

Final (seeds 10-14, never looked at while tuning; the tuned values as flags; fill the
PANDA cache first with ``--fit-only panda panda-pool panda-sgd``, else ``--cached-only``
reports the PANDA rows over the seeds fitted so far; results in docs/panda_quality.md)::

    OMP_NUM_THREADS=1 PYTHONPATH=$PWD .venv/bin/python benchmarks/pool_panda.py --seeds 10 11 12 13 14 \
        --pool-rho 0.035 --onehot-pool-rho 0.03 --sgd-eta0 0.01 --sgd-epochs 5 --jobs 2 --cached-only
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from fairlearn.reductions import DemographicParity, ExponentiatedGradient
from joblib import Parallel, delayed
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import f1_score

from skpanda.learners import PoolThresholdClassifier
from skpanda.metrics import demographic_parity, error_rate_balance
from skpanda.selectors import EntropyQuerySelector, MarginQuerySelector
from skpanda.simulation import split_protocol
from skpanda.simulation._protocol import load_dataset

B, RHO = 400, 0.04
BUDGETS = (50, 100, 200, 400)
SELECTORS = ("random", "margin", "tilt", "panda", "panda-pool", "panda-sgd")  # entropy = margin
STOCHASTIC = ("random", "tilt", "panda-pool")  # panda, panda-sgd: top-B
PANDA_LEARNERS = ("LR", "EG", "Pool", "SGD", "EG-SGD")
ONEHOT_LEARNERS = ("LR", "EG", "Pool")


# ------------------------------------------------------------------ learners
def make_sgd(cfg, seed):
    return SGDClassifier(loss="log_loss", learning_rate="constant", eta0=cfg["eta0"],
                         max_iter=cfg["epochs"], tol=None, random_state=seed)


def fit_predict(learner, data, sel, cfg, seed, rho_pool):
    """Fit one learner on the selected rows (``sel`` positions, or a (X, y, g) triple)."""
    Xp, gp, Xt, gt = data["Xp"], data["gp"], data["Xt"], data["gt"]
    X, y, g = sel if isinstance(sel, tuple) else (Xp[sel], data["yp"][sel], gp[sel])
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if learner == "LR":
            pred = LogisticRegression(max_iter=1000).fit(X, y).predict(Xt)
        elif learner == "SGD":
            pred = make_sgd(cfg, seed).fit(X, y).predict(Xt)
        elif learner in ("EG", "EG-SGD"):
            base = (LogisticRegression(solver="liblinear") if learner == "EG"
                    else make_sgd(cfg, seed))
            eg = ExponentiatedGradient(base, DemographicParity(difference_bound=RHO))
            pred = eg.fit(X, y, sensitive_features=g).predict(Xt, random_state=seed)
        elif learner == "Pool":
            model = PoolThresholdClassifier(rho=rho_pool, random_state=seed).fit(
                X, y, sensitive_features=g, X_unlabeled=Xp, sensitive_features_unlabeled=gp)
            pred = model.predict(Xt, sensitive_features=gt)
        else:
            raise ValueError(learner)
    fit_s = time.perf_counter() - t0
    yt = data["yt"]
    return np.array([f1_score(yt, pred), demographic_parity(yt, pred, sensitive_features=gt),
                     error_rate_balance(yt, pred, sensitive_features=gt), fit_s])


# --------------------------------------------------------------- PANDA cache
def panda_params(variant, args, seed, n_iter=None):
    from skpanda.panda import PandaQuerySelector

    est = {"panda": None,
           "panda-pool": PoolThresholdClassifier(rho=args.pool_rho, random_state=seed),
           "panda-sgd": make_sgd(sgd_cfg(args), seed)}[variant]
    kw = {} if n_iter is None else {"n_iter": n_iter}
    kw.update(json.loads(args.panda_params))
    return PandaQuerySelector(budget=B, rho=RHO, estimator=est, random_state=seed, **kw)


def sgd_cfg(args):
    return {"eta0": args.sgd_eta0, "epochs": args.sgd_epochs}


def cache_path(variant, seed, args, n_iter=None):
    tag = {"panda": "", "panda-pool": "",  # the inner learner ignores the pool rho
           "panda-sgd": f"_eta{args.sgd_eta0}_ep{args.sgd_epochs}"}[variant]
    extra = "".join(f"_{k}{v}" for k, v in sorted(json.loads(args.panda_params).items()))
    return Path(args.cache) / f"{variant}{tag}{extra}_it{n_iter or 'def'}_seed{seed}"


def meta_path(path):
    return path.parent / (path.name + ".json")


def fitted_panda(variant, s, seed, args, n_iter=None):
    """A fitted PANDA, loaded from the cache when there (returns selector, fit seconds)."""
    from skpanda.panda import PandaQuerySelector

    path = cache_path(variant, seed, args, n_iter)
    meta = meta_path(path)
    if meta.is_file():
        est = panda_params(variant, args, seed).estimator  # load() needs only the estimator
        return (PandaQuerySelector.load(path / "panda.pt", estimator=est, device="cpu"),
                json.loads(meta.read_text())["fit_s"])
    panda = panda_params(variant, args, seed, n_iter)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panda.fit(s.X_train, s.y_train, sensitive_features=s.g_train)
    fit_s = time.perf_counter() - t0
    path.mkdir(parents=True, exist_ok=True)
    panda.save(path / "panda.pt")
    meta.write_text(json.dumps({"fit_s": fit_s}))
    return panda, fit_s


# ---------------------------------------------------------------- selections
def tilt_select(logit, budget, rng, b=0.25):
    """Gumbel-top-B of b * logit (label-free tilt towards rows h^0 scores high)."""
    return np.argsort(-(b * logit + rng.gumbel(size=logit.shape[0])))[:budget]


def selections(budget, draw, seed, rep, pandas):
    """Positions per selector for one budget and one draw."""
    Zp = rep["panda"]["Xp"]
    rng = np.random.RandomState([seed, budget, draw])
    out = {"random": rng.choice(Zp.shape[0], budget, replace=False),
           "tilt": tilt_select(rep["logit"], budget, rng)}
    if draw == 0:
        # for a binary h^0 entropy and margin rank the pool identically (both
        # decrease in |p - 1/2|): checked here, evaluated once as "margin"
        out["margin"] = MarginQuerySelector(budget=budget, random_state=seed).fit(
            rep["panda"]["X0"], rep["panda"]["y0"]).select(Zp)
        entropy = EntropyQuerySelector(budget=budget, random_state=seed).fit(
            rep["panda"]["X0"], rep["panda"]["y0"]).select(Zp)
        assert set(entropy) == set(out["margin"])
    t = {}
    for name, panda in pandas.items():
        if name not in STOCHASTIC and draw > 0:
            continue
        t0 = time.perf_counter()
        panda.set_params(random_state=1000 * seed + draw)
        out[name] = panda.select(rep["raw_pool"], budget)
        t[name] = time.perf_counter() - t0
    return out, t


# ------------------------------------------------------------------ one seed
def prepare(seed, args, n_iter=None, variants=("panda", "panda-pool", "panda-sgd")):
    """Split, PANDA fits (cached) and both representations of one seed.

    With ``--cached-only``, variants not in the cache are left out (their rows are
    reported over fewer seeds); the representation then comes from any cached
    variant (all share one encoder: same seed, same D0), else from a PANDA with
    ``n_iter=1`` (pretraining only).
    """
    X, y, g = load_dataset("adult")
    s = split_protocol(X, y, g, random_state=seed)
    pandas, fit_s = {}, {}
    for v in variants:
        if args.cached_only and not meta_path(cache_path(v, seed, args, n_iter)).is_file():
            continue
        pandas[v], fit_s[v] = fitted_panda(v, s, seed, args, n_iter)
    enc = (next(iter(pandas.values())) if pandas
           else fitted_panda("panda", s, seed, args, n_iter=1)[0])
    Z = {k: enc.transform(getattr(s, f"X_{k}")) for k in ("train", "pool", "test")}
    for v in pandas:  # one shared representation: same seed, same D0
        assert np.allclose(pandas[v].transform(s.X_pool[:256]), Z["pool"][:256], atol=1e-5)

    def data(X0, Xp, Xt):
        return dict(X0=X0, y0=s.y_train, g0=s.g_train, Xp=Xp, yp=s.y_pool, gp=s.g_pool,
                    Xt=Xt, yt=s.y_test, gt=s.g_test)

    h0 = LogisticRegression(max_iter=1000).fit(Z["train"], s.y_train)
    rep = {"panda": data(Z["train"], Z["pool"], Z["test"]),
           "onehot": data(s.X_train, s.X_pool, s.X_test),
           "logit": h0.decision_function(Z["pool"]), "raw_pool": s.X_pool}
    return rep, pandas, fit_s


def mean_over(rows):
    return np.mean(rows, axis=0)


def cells(rep_name):
    """(selector, learner) pairs evaluated on one representation (CPU budget: EG is slow)."""
    if rep_name == "onehot":  # reference: the selectors that matter, the three learners
        return [(n, lrn) for n in ("random", "tilt", "panda-pool") for lrn in ONEHOT_LEARNERS]
    out = [(n, lrn) for n in SELECTORS for lrn in PANDA_LEARNERS if lrn != "EG-SGD"]
    return out + [("random", "EG-SGD"), ("panda-sgd", "EG-SGD")]  # fairlearn in SGD regime


def evaluate_main(seed, rep, pandas, args, res):
    """Selector x learner x representation at B = 400; references; warm start."""
    cfg, draws, sel_t = sgd_cfg(args), {}, {}
    for d in range(args.draws):
        out, t = selections(B, d, seed, rep, pandas)
        for k, v in out.items():
            draws.setdefault(k, []).append(v)
        for k, v in t.items():
            sel_t.setdefault(k, []).append(v)
    rhos = {"panda": args.pool_rho, "onehot": args.onehot_pool_rho}
    for r in ("panda", "onehot"):
        for name, learner in cells(r):
            if name in draws:
                res[f"{r} | {name} | {learner}"] = mean_over(
                    [fit_predict(learner, rep[r], p, cfg, seed, rhos[r]) for p in draws[name]])
    data = rep["panda"]
    whole = (data["Xp"], data["yp"], data["gp"])
    for learner in PANDA_LEARNERS:
        res[f"panda | whole pool | {learner}"] = fit_predict(learner, data, whole, cfg, seed,
                                                             args.pool_rho)
    res["onehot | whole pool | Pool"] = fit_predict(
        "Pool", rep["onehot"], (rep["onehot"]["Xp"], data["yp"], data["gp"]), cfg, seed,
        args.onehot_pool_rho)
    for name in (n for n in ("random", "panda-pool") if n in draws):
        res[f"panda | D0 + {name} (warm_start=data) | Pool"] = mean_over([
            fit_predict("Pool", data, (np.vstack([data["X0"], data["Xp"][p]]),
                                       np.r_[data["y0"], data["yp"][p]],
                                       np.r_[data["g0"], data["gp"][p]]),
                        cfg, seed, args.pool_rho) for p in draws[name]])
    return {k: float(np.mean(v)) for k, v in sel_t.items()}


def evaluate_budgets(seed, rep, pandas, args, res):
    """Pool learner on PANDA's representation at B in BUDGETS."""
    cfg = sgd_cfg(args)
    for budget in BUDGETS:
        rows = {}
        for d in range(args.draws):
            out, _ = selections(budget, d, seed, rep,
                                {k: v for k, v in pandas.items() if k == "panda-pool"})
            for name in (n for n in ("random", "tilt", "panda-pool") if n in out):
                rows.setdefault(name, []).append(
                    fit_predict("Pool", rep["panda"], out[name], cfg, seed, args.pool_rho))
        for name, v in rows.items():
            res[f"B={budget} | {name} | Pool"] = mean_over(v)


def evaluate_pool_only(seed, rep, pandas, args, res):
    """Addendum for PANDA fits finished after the main run: Pool and LR cells only.

    Draws are seeded by (seed, budget, draw), so random and tilt rows are the
    same rows as in the main run."""
    cfg, draws, sel_t = sgd_cfg(args), {}, {}
    for d in range(args.draws):
        out, t = selections(B, d, seed, rep, pandas)
        for k, v in out.items():
            draws.setdefault(k, []).append(v)
        for k, v in t.items():
            sel_t.setdefault(k, []).append(v)
    for name in draws:
        for learner in ("LR", "Pool"):
            res[f"panda | {name} | {learner}"] = mean_over([fit_predict(
                learner, rep["panda"], p, cfg, seed, args.pool_rho) for p in draws[name]])
    return {k: float(np.mean(v)) for k, v in sel_t.items()}


def run_seed(seed, args):
    t0 = time.perf_counter()
    rep, pandas, fit_s = prepare(seed, args, n_iter=args.n_iter)
    res = {}
    evaluate = evaluate_pool_only if args.pool_only else evaluate_main
    sel_t = evaluate(seed, rep, pandas, args, res)
    evaluate_budgets(seed, rep, pandas, args, res)
    info = {"panda_fit_s": fit_s, "select_s": sel_t, "seed_s": time.perf_counter() - t0}
    print(f"seed {seed} done: {json.dumps(info)}", flush=True)
    return seed, res, info


def prefit(seed, variant, args):
    X, y, g = load_dataset("adult")
    s = split_protocol(X, y, g, random_state=seed)
    _, fit_s = fitted_panda(variant, s, seed, args, args.n_iter)
    print(f"seed {seed} {variant}: fit {fit_s:.0f} s", flush=True)


# -------------------------------------------------------------------- tuning
def tune_seed(seed, args):
    """Seeds 0-4 only: pool rho per representation and SGD eta0/epochs on random rows."""
    rep, _, _ = prepare(seed, args, n_iter=1, variants=("panda",))
    res = {}
    for d in range(args.draws):
        p = np.random.RandomState([seed, B, d]).choice(rep["panda"]["Xp"].shape[0], B,
                                                       replace=False)
        for r in ("panda", "onehot"):
            for rho in (0.02, 0.025, 0.03, 0.035, 0.04):
                res.setdefault(f"{r} | random | Pool(pool rho={rho})", []).append(
                    fit_predict("Pool", rep[r], p, None, seed, rho))
        for eta0 in (0.001, 0.01, 0.1):
            for epochs in (1, 5, 20, 100):
                cfg = {"eta0": eta0, "epochs": epochs}
                res.setdefault(f"panda | random | SGD(eta0={eta0}, epochs={epochs})",
                               []).append(fit_predict("SGD", rep["panda"], p, cfg, seed, None))
    return seed, {k: mean_over(v) for k, v in res.items()}, {}


# ------------------------------------------------------------------- report
def report(results, seeds):
    names = list(dict.fromkeys(k for _, res, _ in results for k in res))
    nan = np.full(4, np.nan)
    print(f"\n## Adult, B={B}, target Δ_DP <= {RHO}, seeds {seeds}; mean ± std over seeds"
          " (stochastic selectors: mean of the draws per seed)\n")
    print("| rep | rows | learner | test F1 | test Δ_DP | worst Δ_DP | test Δ_EB | fit s | n |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in names:
        a = np.array([res.get(name, nan) for _, res, _ in results])
        a = a[~np.isnan(a[:, 0])]
        m, sd = a.mean(0), a.std(0)
        print(f"| {name} | {m[0]:.3f} ± {sd[0]:.3f} | {m[1]:.3f} ± {sd[1]:.3f} | "
              f"{a[:, 1].max():.3f} | {m[2]:.3f} ± {sd[2]:.3f} | {m[3]:.2f} | {len(a)} |")
    print("\n## Per seed: test F1 / Δ_DP\n")
    print("| rep | rows | learner | " + " | ".join(f"seed {s}" for s in seeds) + " |")
    print("|---|---|---|" + "---|" * len(seeds))
    for name in names:
        cells = [f"{res[name][0]:.3f} / {res[name][1]:.3f}" if name in res else "–"
                 for _, res, _ in results]
        print(f"| {name} | " + " | ".join(cells) + " |")
    for seed, _, info in results:
        if info:
            print(f"seed {seed}: {json.dumps(info)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[10, 11, 12, 13, 14])
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--pool-rho", type=float, default=0.035)
    parser.add_argument("--onehot-pool-rho", type=float, default=0.035)
    parser.add_argument("--sgd-eta0", type=float, default=0.01)
    parser.add_argument("--sgd-epochs", type=int, default=5)
    parser.add_argument("--n-iter", type=int, default=None,
                        help="PANDA meta-training iterations (default: the selector's); smoke tests")
    parser.add_argument("--cached-only", action="store_true",
                        help="leave out PANDA variants not yet in the cache")
    parser.add_argument("--pool-only", action="store_true",
                        help="only the LR and Pool learners on PANDA's representation (addendum)")
    parser.add_argument("--draws", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--fit-only", nargs="+", choices=("panda", "panda-pool", "panda-sgd"),
                        help="only fit and cache these PANDA variants")
    parser.add_argument("--cache", default="/tmp/pool_panda_cache")
    parser.add_argument("--panda-params", default="{}",
                        help='JSON of PandaQuerySelector parameters for every PANDA variant, '
                             'e.g. \'{"n_iter": 100, "pool_size": 4000}\' (part of the cache name)')
    args = parser.parse_args()
    t0 = time.perf_counter()
    if args.fit_only:  # fill the PANDA cache (no evaluation)
        Parallel(n_jobs=args.jobs)(delayed(prefit)(s, v, args)
                                   for s in args.seeds for v in args.fit_only)
        return
    work = tune_seed if args.tune else run_seed
    results = Parallel(n_jobs=args.jobs)(delayed(work)(s, args) for s in args.seeds)
    report(sorted(results, key=lambda r: r[0]), args.seeds)
    print(f"\nargs: {vars(args)}; wall {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
