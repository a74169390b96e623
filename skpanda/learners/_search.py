"""Threshold searches of :class:`PoolThresholdClassifier` (numpy only).

Every search picks ``n_a``, the number of rows of group ``a`` predicted
positive; a group's positives are always its ``n_a`` most probable rows. With
``p`` the model's probabilities used as soft labels, group ``a``'s plug-in true
positives are ``S_a(n_a)``, the sum of its ``n_a`` largest ``p``.
"""

import numpy as np

_EPS = 1e-9


def sorted_groups(p, codes, k):
    """Per group: probabilities sorted descending and their prefix sums ``S_a``."""
    out = []
    for a in range(k):
        s = np.sort(p[codes == a])[::-1]
        out.append((s, np.concatenate([[0.0], np.cumsum(s)])))
    return out


def plug_in_objective(tp, pp, P, N, objective):
    """Expected F1 ``2 TP / (PP + P)`` or accuracy ``(2 TP - PP + N - P) / N``."""
    tp, pp = np.asarray(tp, float), np.asarray(pp, float)
    if objective == "f1":
        den = pp + P
        return np.divide(2 * tp, den, out=np.zeros(np.broadcast(tp, den).shape), where=den > 0)
    return (2 * tp - pp + N - P) / N


def _count_ge(s, v):
    return np.searchsorted(-s, -v, side="right")  # s is descending


def _count_gt(s, v):
    return np.searchsorted(-s, -v, side="left")


def best_tp_in_boxes(groups, lo, hi, n):
    """Largest plug-in TP with ``sum_a n_a = n`` and ``lo_a <= n_a <= hi_a``.

    ``lo``, ``hi``: (T, k); ``n``: (T,), feasible (``sum lo <= n <= sum hi``).
    Greedy is exact: after each group's ``lo_a`` best rows, the remaining
    ``n - sum lo`` slots go to the most probable rows that still fit a box,
    i.e. ``n_a = clip(#{p > c}, lo_a, hi_a)`` for the common cut ``c`` where the
    total reaches ``n``; rows tied at ``c`` fill what is left. Returns
    ``(tp, cut, base)`` where ``base[:, a] = clip(#{p > cut}, lo_a, hi_a)``.
    """
    values = np.unique(np.concatenate([s for s, _ in groups]))[::-1]
    left, right = np.zeros(n.shape[0], np.intp), np.full(n.shape[0], values.size - 1)

    def total_ge(v):
        return sum(np.clip(_count_ge(s, v), lo[:, a], hi[:, a]) for a, (s, _) in enumerate(groups))

    while np.any(left < right):
        mid = (left + right) // 2
        ok = total_ge(values[mid]) >= n
        right, left = np.where(ok, mid, right), np.where(ok, left, mid + 1)
    cut = values[left]
    base = np.stack([np.clip(_count_gt(s, cut), lo[:, a], hi[:, a])
                     for a, (s, _) in enumerate(groups)], axis=1)
    tp = sum(S[base[:, a]] for a, (_, S) in enumerate(groups))
    return tp + (n - base.sum(axis=1)) * cut, cut, base


def fill_ties(groups, lo, hi, n, cut, base):
    """Counts ``n_a`` of one solution of :func:`best_tp_in_boxes` (ties go in group order)."""
    counts, left = base.copy(), n - base.sum()
    for a, (s, _) in enumerate(groups):
        room = min(int(np.clip(_count_ge(s, cut), lo[a], hi[a])) - counts[a], left)
        counts[a] += room
        left -= room
    return counts


def dp_search(groups, rho, objective):
    """Exact demographic-parity search; returns ``(counts, value, feasible_n)``.

    For every total ``n`` the bound ``|n_a / N_a - n / N| <= rho`` is a box on
    ``n_a``; :func:`best_tp_in_boxes` gives the best TP for each ``n``, and the
    best ``n`` is kept.
    """
    sizes = np.array([s.size for s, _ in groups])
    N, P = sizes.sum(), sum(S[-1] for _, S in groups)
    n = np.arange(N + 1)
    t = (n / N)[:, None]
    lo = np.clip(np.ceil((t - rho) * sizes - _EPS), 0, sizes).astype(np.intp)
    hi = np.clip(np.floor((t + rho) * sizes + _EPS), 0, sizes).astype(np.intp)
    ok = (lo <= hi).all(axis=1) & (lo.sum(axis=1) <= n) & (n <= hi.sum(axis=1))
    lo, hi, n = lo[ok], hi[ok], n[ok]
    tp, cut, base = best_tp_in_boxes(groups, lo, hi, n)
    value = plug_in_objective(tp, n, P, N, objective)
    best = int(np.argmax(value))
    counts = fill_ties(groups, lo[best], hi[best], n[best], cut[best], base[best])
    return counts, float(value[best]), n


def _rates(groups, counts):
    """Plug-in TP per group and TPR / FPR per group and overall; counts (C, k)."""
    tp = np.stack([S[counts[:, a]] for a, (_, S) in enumerate(groups)], axis=1)
    P = np.array([S[-1] for _, S in groups])
    Nn = np.array([s.size for s, _ in groups]) - P
    tpr, fpr = tp / P, (counts - tp) / Nn
    return tp, tpr, fpr, tp.sum(1) / P.sum(), (counts - tp).sum(1) / Nn.sum()


def odds_search(groups, rho, objective, constraint, n_grid=None):
    """Grid search for equalized odds / error-rate balance; ``(counts, value)``.

    Anchors ``(T, F)`` on a grid of step <= rho / 2 and half-widths
    ``delta`` in {rho / 2, rho} give each group a box of counts whose plug-in
    TPR and FPR are within ``delta`` of the anchor (both rates grow with
    ``n_a``, so the box is an interval). Inside a box the Dinkelbach optimum of
    plug-in F1 is ``n_a = clip(#{p > c}, box)`` with ``c = F1* / 2``; ``c`` runs
    over a grid of [0, 1/2]. Every candidate is checked exactly and the best
    feasible one kept (the constant classifiers are always candidates).
    """
    G = n_grid or int(np.ceil(2 / rho)) + 1
    grid = np.linspace(0.0, 1.0, G)
    T, F, D = (a.ravel() for a in np.meshgrid(grid, grid, [rho / 2, rho], indexing="ij"))
    cuts = np.linspace(0.0, 0.5, 51)
    cols = []
    for s, S in groups:
        tpr, fpr = S / S[-1], (np.arange(s.size + 1) - S) / (s.size - S[-1])
        lo = np.maximum(np.searchsorted(tpr, T - D - _EPS), np.searchsorted(fpr, F - D - _EPS))
        hi = np.minimum(np.searchsorted(tpr, T + D + _EPS, side="right"),
                        np.searchsorted(fpr, F + D + _EPS, side="right")) - 1
        lo, hi = np.minimum(lo, s.size), np.maximum(hi, -1)
        want = _count_gt(s, cuts)
        cols.append(np.clip(want[None, :], lo[:, None], hi[:, None]).ravel())
        cols[-1] = np.where(np.repeat(lo <= hi, cuts.size), cols[-1], -1)
    counts = np.stack(cols, axis=1)
    counts = counts[(counts >= 0).all(axis=1)]
    sizes = np.array([s.size for s, _ in groups])
    counts = np.unique(np.vstack([counts, np.zeros_like(sizes), sizes]), axis=0)
    tp, tpr, fpr, TPR, FPR = _rates(groups, counts)
    if constraint == "equalized_odds":
        gap = np.maximum(np.abs(tpr - TPR[:, None]).max(1), np.abs(fpr - FPR[:, None]).max(1))
    else:
        gap = np.maximum(np.ptp(tpr, axis=1), np.ptp(fpr, axis=1))
    N, P = sizes.sum(), sum(S[-1] for _, S in groups)
    value = plug_in_objective(tp.sum(1), counts.sum(1), P, N, objective)
    value = np.where(gap <= rho + _EPS, value, -np.inf)
    best = int(np.argmax(value))
    return counts[best], float(value[best]), counts[np.isfinite(value)]
