"""The threshold searches against brute force over every per-group count."""

import itertools

import numpy as np
import pytest

from skpanda.learners._search import dp_search, odds_search, plug_in_objective, sorted_groups


def _brute(p, codes, k, rho, objective, constraint):
    """Best plug-in objective over all count vectors meeting the bound exactly."""
    groups = sorted_groups(p, codes, k)
    sizes = [s.size for s, _ in groups]
    N, P = p.size, p.sum()
    Pa = np.array([S[-1] for _, S in groups])
    best = -np.inf
    for counts in itertools.product(*[range(n + 1) for n in sizes]):
        c = np.array(counts)
        tp_a = np.array([S[n] for (_, S), n in zip(groups, c)])
        if constraint == "demographic_parity":
            ok = np.all(np.abs(c / np.array(sizes) - c.sum() / N) <= rho + 1e-9)
        else:
            Na = np.array(sizes) - Pa
            tpr, fpr = tp_a / Pa, (c - tp_a) / Na
            TPR, FPR = tp_a.sum() / Pa.sum(), (c - tp_a).sum() / Na.sum()
            if constraint == "equalized_odds":
                ok = max(np.abs(tpr - TPR).max(), np.abs(fpr - FPR).max()) <= rho + 1e-9
            else:
                ok = max(np.ptp(tpr), np.ptp(fpr)) <= rho + 1e-9
        if ok:
            best = max(best, float(plug_in_objective(tp_a.sum(), c.sum(), P, N, objective)))
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("objective", ["f1", "accuracy"])
def test_dp_search_is_exact(seed, objective):
    rng = np.random.RandomState(seed)
    k = 2 + seed % 2
    codes = rng.randint(k, size=rng.randint(9, 16))
    codes[:k] = np.arange(k)
    p = rng.beta(1 + seed % 3, 2, size=codes.size)
    if seed == 5:
        p = np.round(p, 1)  # ties across and within groups
    rho = [0.05, 0.1, 0.2][seed % 3]
    counts, value, _ = dp_search(sorted_groups(p, codes, k), rho, objective)
    assert value == pytest.approx(_brute(p, codes, k, rho, objective, "demographic_parity"))
    sizes = np.bincount(codes, minlength=k)
    assert np.all(np.abs(counts / sizes - counts.sum() / codes.size) <= rho + 1e-9)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("constraint", ["equalized_odds", "error_rate_balance"])
def test_odds_search_is_feasible_and_near_exact(seed, constraint):
    rng = np.random.RandomState(100 + seed)
    codes = rng.randint(2, size=14)
    codes[:2] = [0, 1]
    p = np.clip(rng.beta(2, 2, size=14), 1e-6, 1 - 1e-6)
    rho = 0.15
    groups = sorted_groups(p, codes, 2)
    counts, value, _ = odds_search(groups, rho, "f1", constraint)
    best = _brute(p, codes, 2, rho, "f1", constraint)
    assert value <= best + 1e-9  # the search only returns feasible solutions
    assert value >= best - 0.03  # near-exact (cut grid step 0.01 on F1* / 2)
