"""Can a selection that never sees labels make a converged classifier fairer?

PANDA picks rows from their features alone; the classifier trained on them is a
converged LogisticRegression on PANDA's representation. If that model is close
to well specified, a label-free pick only reweights ``p(x)`` and leaves
``p(y | x)`` -- hence the fitted model, its F1 and its Δ_DP -- unchanged. This
script measures how close Adult is to that limit, per seed, in the paper's
protocol (§4: 50/50 D0 / meta-test, meta-test 50/50 pool / test, sex as group,
B = 400):

1. **Composition sweep.** For each target share of positives among the 400
   rows, two picks from the pool: *label-free* (Gumbel-top-400 of
   ``b * l(x)``, ``l`` the logit of the classifier fitted on D0, ``b`` tuned to
   reach the share) and *label-cheating* (the same share drawn with the pool's
   hidden labels). Printed: realised share, predicted-positive rate on test,
   test F1, Δ_DP, Δ_EB of a LogisticRegression fitted on the 400 rows, and
   test F1 and Δ_DP of fairlearn's ExponentiatedGradient (DP <= 0.04) fitted
   on the same rows.
2. **Meta-learned tilt, without noise.** The best label-free reweighting of
   the form ``q(x) ∝ exp(a · phi(x))`` (``phi`` = the policy's inputs:
   representation, ``l`` and ``l**2``), learned on D0 by gradient descent with
   the exact gradient of the weighted logistic regression (no Gumbel noise, no
   Transformer: PANDA's meta-objective with the easiest policy class), for
   several weights ``mu`` of the penalty ``mu * relu(Δ_DP - 0.03)``. Printed:
   F1 and Δ_DP on a fresh D0 task (pool/validation split; D0 is what it was
   trained on, with a new split each step) and on the test
   set after drawing 400 pool rows from ``q``.
3. **A constrained learner is different.** fairlearn's ExponentiatedGradient
   enforces its bound on the *selected sample*, so a label-free pick changes
   what it learns. Its test F1 and Δ_DP for random rows and for
   Gumbel-top-400 of ``b * l(x)`` (``b`` = 0.25, 0.5), at bounds 0.03, 0.04,
   0.05: the trade-off curve of each selection, compared at equal Δ_DP.

Run::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/label_free_limit.py --seeds 0 1 2
"""

import argparse
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from fairlearn.reductions import DemographicParity, ExponentiatedGradient
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from skpanda.datasets import load_adult
from skpanda.metrics import demographic_parity, error_rate_balance
from skpanda.panda import PandaQuerySelector
from skpanda.panda._nn.disparity import get_torch_constraint
from skpanda.panda._nn.learners import LogisticLearner, predict_logits
from skpanda.simulation import split_protocol

B, RHO = 400, 0.04
SHARES = (0.10, 0.25, 0.50, 0.75, 0.90)
TILTS, BOUNDS, N_EG_DRAWS = (0.0, 0.25, 0.5), (0.03, 0.04, 0.05), 4
MUS = (0.0, 3.0, 10.0, 30.0)
N_DRAWS = 3


def evaluate(Z, y, g, Zt, yt, gt, with_eg=False):
    """Test rate of predicted positives, F1, Δ_DP, Δ_EB of an LR fitted on (Z, y);
    with ``with_eg`` also F1 and Δ_DP of fairlearn's ExponentiatedGradient(DP <= RHO)."""
    if np.unique(y).size < 2:
        return np.zeros(6 if with_eg else 4)
    pred = LogisticRegression(max_iter=1000).fit(Z, y).predict(Zt)
    out = [pred.mean(), f1_score(yt, pred), demographic_parity(yt, pred, sensitive_features=gt),
           error_rate_balance(yt, pred, sensitive_features=gt)]
    if with_eg:
        eg = ExponentiatedGradient(LogisticRegression(solver="liblinear"),
                                   DemographicParity(difference_bound=RHO))
        pred = eg.fit(Z, y, sensitive_features=g).predict(Zt, random_state=0)
        out += [f1_score(yt, pred), demographic_parity(yt, pred, sensitive_features=gt)]
    return np.array(out)


def gumbel_top(score, rng, k=B):
    return np.argsort(-(score + rng.gumbel(size=score.shape)))[:k]


def tilt_for_share(logit, y, share, seed):
    """Slope ``b`` whose label-free pick has (on average) the given share of positives."""
    lo, hi = -4.0, 4.0
    for _ in range(25):
        b = 0.5 * (lo + hi)
        got = np.mean([y[gumbel_top(b * logit, np.random.RandomState([seed, r]))].mean()
                       for r in range(2)])
        lo, hi = (b, hi) if got < share else (lo, b)
    return 0.5 * (lo + hi)


def cheating_pick(y, share, rng):
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    n_pos = int(round(B * share))
    return np.r_[rng.choice(pos, n_pos, replace=False), rng.choice(neg, B - n_pos, replace=False)]


def composition_sweep(data, logit_pool, seed):
    Zp, yp, gp, Zt, yt, gt = data
    rows = {}
    for share in SHARES:
        b = tilt_for_share(logit_pool, yp, share, seed)
        for kind in ("label-free", "label-cheating"):
            res = []
            for r in range(N_DRAWS):
                rng = np.random.RandomState([seed, 11, r])
                idx = (gumbel_top(b * logit_pool, rng) if kind == "label-free"
                       else cheating_pick(yp, share, rng))
                res.append(np.r_[yp[idx].mean(),
                                 evaluate(Zp[idx], yp[idx], gp[idx], Zt, yt, gt, with_eg=True)])
            rows[(kind, share)] = np.mean(res, axis=0)
    return rows


def learned_tilt(Z0, y0, g0, h0, data, seed, n_steps=150):
    """Noise-free meta-learning of ``q(x) ∝ exp(a . phi(x))`` on D0 (see module docstring)."""
    Zp, yp, gp, Zt, yt, gt = data
    dp = get_torch_constraint("demographic_parity")

    def phi(Z):
        logit = h0.decision_function(Z)[:, None]
        return np.hstack([Z, logit, logit ** 2])

    P0 = phi(Z0)
    mean, scale = P0.mean(0), P0.std(0) + 1e-9
    P0 = torch.tensor((P0 - mean) / scale)
    Pp = (phi(Zp) - mean) / scale
    Z0t, y0t, g0t = (torch.tensor(A) for A in (Z0, y0.astype(float), g0))
    init = torch.tensor(np.r_[h0.coef_[0], h0.intercept_], dtype=torch.float64)

    def task(rng):  # Algorithm 1, line 3: a fresh pool L / validation V split of D0
        perm = torch.as_tensor(rng.permutation(y0.shape[0]))
        return perm[: y0.shape[0] // 2], perm[y0.shape[0] // 2:]

    def simulate(a, L, V):
        w = B * torch.softmax(P0[L] @ a, 0)  # soft selection of B rows of L
        return predict_logits(Z0t[V], LogisticLearner(n_steps=6).fit(Z0t[L], y0t[L], w, init=init))

    rows = {}
    for mu in MUS:
        a = torch.zeros(P0.shape[1], dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([a], lr=0.05)
        rng = np.random.RandomState([seed, 19])
        for _ in range(n_steps):
            L, V = task(rng)
            z = simulate(a, L, V)
            disparity = dp(torch.sigmoid(4 * z), g0t[V], y0t[V], n_groups=2)
            loss = F.binary_cross_entropy_with_logits(z, y0t[V]) + mu * torch.relu(disparity - 0.03)
            opt.zero_grad()
            loss.backward()
            opt.step()
        L, V = task(rng)  # a task not trained on (its rows were, in other splits)
        with torch.no_grad():
            hard = (simulate(a, L, V) > 0).numpy().astype(int)
        on_d0 = [f1_score(y0[V], hard), demographic_parity(y0[V], hard, sensitive_features=g0[V])]
        score = Pp @ a.detach().numpy()
        picks = [gumbel_top(score, np.random.RandomState([seed, 13, r])) for r in range(N_DRAWS)]
        on_test = np.mean([evaluate(Zp[i], yp[i], gp[i], Zt, yt, gt)[1:] for i in picks], axis=0)
        rows[mu] = np.r_[on_d0, on_test]
    return rows


def eg_frontier(data, logit_pool, seed):
    """Test (F1, Δ_DP, positives share) of ExponentiatedGradient per (tilt, bound)."""
    Zp, yp, gp, Zt, yt, gt = data
    rows = {}
    for r in range(N_EG_DRAWS):
        gumbel = np.random.RandomState([seed, 23, r]).gumbel(size=yp.shape)
        for b in TILTS:
            idx = np.argsort(-(b * logit_pool + gumbel))[:B]
            for bound in BOUNDS:
                eg = ExponentiatedGradient(LogisticRegression(solver="liblinear"),
                                           DemographicParity(difference_bound=bound))
                pred = eg.fit(Zp[idx], yp[idx], sensitive_features=gp[idx]).predict(
                    Zt, random_state=0)
                rows.setdefault((b, bound), []).append(
                    [f1_score(yt, pred), demographic_parity(yt, pred, sensitive_features=gt),
                     yp[idx].mean()])
    return {key: np.mean(v, axis=0) for key, v in rows.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=FutureWarning)
    torch.set_num_threads(1)
    X, y, sex = load_adult(return_X_y=True)
    sweep, tilt, frontier, random_rows = {}, {}, {}, []
    for seed in args.seeds:
        s = split_protocol(X, y, sex, random_state=seed)
        panda = PandaQuerySelector(n_iter=1, random_state=seed).fit(
            s.X_train, s.y_train, sensitive_features=s.g_train)
        Z0, Zp, Zt = (panda.transform(A) for A in (s.X_train, s.X_pool, s.X_test))
        data = (Zp, s.y_pool, s.g_pool, Zt, s.y_test, s.g_test)
        h0 = LogisticRegression(max_iter=1000).fit(Z0, s.y_train)
        for r in range(N_DRAWS):
            idx = np.random.RandomState([seed, 17, r]).choice(len(s.y_pool), B, replace=False)
            random_rows.append(np.r_[s.y_pool[idx].mean(),
                                     evaluate(Zp[idx], s.y_pool[idx], s.g_pool[idx], *data[3:],
                                              with_eg=True)])
        for key, row in composition_sweep(data, h0.decision_function(Zp), seed).items():
            sweep.setdefault(key, []).append(row)
        for mu, row in learned_tilt(Z0, s.y_train, s.g_train, h0, data, seed).items():
            tilt.setdefault(mu, []).append(row)
        for key, row in eg_frontier(data, h0.decision_function(Zp), seed).items():
            frontier.setdefault(key, []).append(row)
        print(f"seed {seed} done", flush=True)

    def fmt(rows):
        m, sd = np.mean(rows, 0), np.std(rows, 0)
        return " ".join(f"{a:.3f} ± {b:.3f}" for a, b in zip(m, sd))

    print(f"\n1. Composition sweep: LogisticRegression on 400 pool rows, PANDA representation; "
          f"mean ± std over seeds {args.seeds} ({N_DRAWS} draws each)")
    print(f"{'pick':<15} {'target':>6}  {'positives':>13} {'pred. rate':>13} {'F1':>13} "
          f"{'Δ_DP':>13} {'Δ_EB':>13} {'EG F1':>13} {'EG Δ_DP':>13}")
    print(f"{'random':<15} {'':>6}  {fmt(random_rows)}")
    for (kind, share), rows in sorted(sweep.items(), key=lambda kv: (kv[0][0] != "label-free",
                                                                      kv[0][1])):
        print(f"{kind:<15} {share:>6.2f}  {fmt(rows)}")
    print("\n2. Label-free tilt q(x) ∝ exp(a·phi(x)) meta-learned on D0 without noise "
          "(penalty mu·relu(Δ_DP − 0.03))")
    print(f"{'mu':>5}  {'D0-val F1':>13} {'D0-val Δ_DP':>13} {'test F1':>13} {'test Δ_DP':>13} "
          f"{'test Δ_EB':>13}")
    for mu, rows in tilt.items():
        print(f"{mu:>5.0f}  {fmt(rows)}")
    print(f"\n3. ExponentiatedGradient(DP <= bound) on 400 rows: random (b = 0) vs label-free "
          f"Gumbel-top-400 of b·l ({N_EG_DRAWS} draws per seed)")
    print(f"{'b':>5} {'bound':>6}  {'test F1':>13} {'test Δ_DP':>13} {'positives':>13}")
    for (b, bound), rows in frontier.items():
        print(f"{b:>5.2f} {bound:>6.2f}  {fmt(rows)}")


if __name__ == "__main__":
    main()
