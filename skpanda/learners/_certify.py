"""Certified demographic-parity bounds: what holds on the population a pool came from.

A pool-aware learner fits its bound on the pool's rows; the population the
pool was drawn from differs by sampling error. This module turns per-group
selection rates measured on ``n_a`` rows into a bound on the *population*
disparity of Table 1, :math:`\\Delta^{DP} = \\max_a |E[h|a] - E[h]|`, that holds
with a stated confidence (numpy and scipy only).
"""

import numbers

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..metrics import constraint_name
from ..metrics._report import clopper_pearson

from ._validation import group_labels

_MIX_SHARE = 0.1  # share of 1 - confidence spent on the population's group mix


def check_confidence(confidence):
    """``None`` or a float in (0, 1); else a ``ValueError`` naming the fix."""
    if confidence is None:
        return None
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) \
            or not 0 < confidence < 1:
        raise ValueError(
            f"confidence={confidence!r} must be None (no certificate) or a number strictly "
            "between 0 and 1, e.g. confidence=0.95.")
    return float(confidence)


def sampling_errors(sizes, confidence):
    """Per-group uniform rate error ``eps_a`` and the group-mix L1 radius ``eta``.

    ``1 - confidence`` is split: ``(1 - _MIX_SHARE)`` evenly over the ``k``
    groups (DKW-Massart, :math:`\\epsilon_a = \\sqrt{\\ln(2/\\delta_a) / (2 n_a)}`)
    and ``_MIX_SHARE`` on the mix (the smaller of Weissman et al.'s L1 bound
    :math:`\\sqrt{2 \\ln((2^k - 2)/\\delta_\\pi) / N}` and a per-group Hoeffding
    union :math:`k \\sqrt{\\ln(2k/\\delta_\\pi) / (2N)}`).
    """
    sizes = np.asarray(sizes, dtype=float)
    k, N, delta = sizes.size, sizes.sum(), 1.0 - confidence
    if k < 2:
        return np.zeros(k), 0.0
    d_group, d_mix = (1 - _MIX_SHARE) * delta / k, _MIX_SHARE * delta
    eps = np.sqrt(np.log(2 / d_group) / (2 * sizes))
    weissman = np.sqrt(2 * (k * np.log(2) + np.log(1 / d_mix)) / N) if k < 60 else np.inf
    hoeffding = k * np.sqrt(np.log(2 * k / d_mix) / (2 * N))
    return eps, float(min(weissman, hoeffding, 2.0))


def dp_bound(low, high, rates, shares, eta):
    """Upper bound on the population :math:`\\Delta^{DP}` from rate intervals.

    On the event that every group's population rate :math:`r_a` lies in
    ``[low_a, high_a]`` and the population mix :math:`\\pi` is within L1
    distance ``eta`` of ``shares``: since
    :math:`r_a - E[h] = \\sum_{b \\ne a} \\pi_b (r_a - r_b)`, each signed gap is
    at most :math:`c \\cdot \\pi` with :math:`c_b = high_a - low_b` (or
    :math:`high_b - low_a`), :math:`c_a = 0`, and over the mix ball
    :math:`c \\cdot \\pi \\le c \\cdot \\hat\\pi + \\tfrac{\\eta}{2}(\\max c - \\min c)`.
    Returns ``(bound, per-group bound)``.
    """
    k = rates.size
    per = np.zeros(k)
    for a in range(k):
        for c in (high[a] - low, high - low[a]):
            c = c.copy()
            c[a] = 0.0
            per[a] = max(per[a], c @ shares + eta / 2 * (c.max() - c.min()))
    per = np.clip(per, 0.0, 1.0)
    return (float(per.max()) if k > 1 else 0.0), per


def floor_margins(sizes, confidence, eps=None):
    """Per group, the certificate's cost above the pool gap when all rates are equal.

    :math:`m_a = (1 - \\hat\\pi_a)\\epsilon_a + \\sum_{b \\ne a}\\hat\\pi_b \\epsilon_b
    + \\tfrac{\\eta}{2}(\\epsilon_a + \\max_b \\epsilon_b)`; the tightest certifiable
    bound (of a non-constant classifier) is :math:`\\max_a m_a`.
    """
    sizes = np.asarray(sizes, dtype=float)
    dkw, eta = sampling_errors(sizes, confidence)
    eps = dkw if eps is None else eps
    if sizes.size < 2:
        return np.zeros(sizes.size)
    shares = sizes / sizes.sum()
    spread = shares @ eps - shares * eps
    return (1 - shares) * eps + spread + eta / 2 * (eps + eps.max())


def certifiable_bound(sensitive_features_pool, *, confidence=0.95,
                      constraint="demographic_parity"):
    """The tightest parity bound a pool can certify, before fitting anything.

    Parameters
    ----------
    sensitive_features_pool : array-like of shape (n_pool,)
        The group of every pool row (the rows the bound will be fitted on).
    confidence : float, default=0.95
        Probability, over the draw of the pool, that the certified bound holds
        on the population.
    constraint : str, default="demographic_parity"
        Only demographic parity is certified (equalized odds and error-rate
        balance need labels on the pool).

    Returns
    -------
    float
        The smallest ``rho`` that ``PoolThresholdClassifier(rho=rho,
        confidence=confidence)`` can certify on this pool with a non-constant
        classifier; ask for a larger ``rho`` to leave room for accuracy.

    See Also
    --------
    PoolThresholdClassifier : its ``confidence`` parameter uses this bound.

    Notes
    -----
    With :math:`n_a` pool rows in group ``a`` and :math:`\\delta = 1 -` confidence,
    the Dvoretzky-Kiefer-Wolfowitz inequality (Massart's constant)

    .. math:: P\\big(\\sup_t |\\hat F_a(t) - F_a(t)| > \\epsilon\\big) \\le 2 e^{-2 n_a \\epsilon^2}

    bounds the selection-rate error of *every* threshold at once, so it holds
    although the thresholds are chosen on the same rows; see
    :class:`PoolThresholdClassifier` for the full certificate. The value
    returned is the certificate when the pool's group rates are equal.

    Examples
    --------
    >>> import numpy as np
    >>> from skpanda.learners import certifiable_bound
    >>> groups = np.repeat(["f", "m"], [4000, 8000])
    >>> round(certifiable_bound(groups, confidence=0.95), 3)
    0.028
    """
    confidence = check_confidence(confidence)
    if confidence is None:
        raise ValueError("confidence=None certifies nothing; pass e.g. confidence=0.95.")
    if constraint_name(constraint) != "demographic_parity":
        raise ValueError(
            f"constraint={constraint!r} is not certified from an unlabeled pool: equalized "
            "odds and error-rate balance condition on labels; use 'demographic_parity'.")
    labels = group_labels(sensitive_features_pool, len(sensitive_features_pool),
                          "sensitive_features_pool")
    _, sizes = np.unique(labels.astype(str), return_counts=True)
    return float(floor_margins(sizes, confidence).max()) if sizes.size > 1 else 0.0


def certificate_frame(groups, sizes, rates, low, high):
    """The per-group certificate as a DataFrame indexed by group."""
    return pd.DataFrame({"n": sizes.astype(int), "share": sizes / sizes.sum(),
                         "selection_rate": rates, "rate_low": low, "rate_high": high},
                        index=pd.Index(groups, name="group"))


def refusal_message(rho, groups, sizes, confidence):
    """Why ``rho`` cannot be certified, the tightest bound, and the fixes."""
    floor = floor_margins(sizes, confidence)
    eps, _ = sampling_errors(sizes, confidence)
    order = np.argsort(-eps)[:3]
    worst = ", ".join(f"{str(groups[a])!r} (n={int(sizes[a])}, rate error ±{eps[a]:.3f})"
                      for a in order)
    lower = min(0.8, confidence - 0.1) if confidence > 0.2 else confidence / 2
    factor = (floor.max() / (0.8 * rho)) ** 2
    small = [str(groups[a]) for a in np.argsort(sizes)[:2]]
    return (
        f"rho={rho} cannot be certified at confidence={confidence} with this pool: the "
        f"tightest certifiable bound is {floor.max():.3f} (a non-constant classifier; see "
        f"certifiable_bound). Groups with the largest sampling error: {worst}. Fixes: merge "
        f"small groups (group_map={{{small[0]!r}: 'Other', {small[-1]!r}: 'Other'}}), a pool "
        f"about {factor:.1f}x larger, a lower confidence (confidence={lower:.2f} certifies "
        f"{floor_margins(sizes, lower).max():.3f}), or rho above {floor.max():.3f}.")


def rate_intervals(counts, sizes, eps):
    """Pool selection rates and their population intervals (exact 0 with no positives)."""
    rates = counts / sizes
    low, high = np.clip(rates - eps, 0.0, 1.0), np.clip(rates + eps, 0.0, 1.0)
    none = counts == 0  # threshold +inf: no row of the group is ever predicted positive
    return rates, np.where(none, 0.0, low), np.where(none, 0.0, high)


def certified_dp_search(groups, rho, confidence, objective, search, max_rounds=20):
    """Demographic-parity search whose population bound is certified at ``rho``.

    Starts from per-group pool bounds ``rho - m_a`` (:func:`floor_margins`) and
    tightens them by the certificate's excess (by one more row's rate when the
    counts did not move) until it is at most ``rho`` (the mix term grows with the pool gaps; one
    or two rounds suffice). If the rounds run out, the last fit is kept and
    ``certified_bound_`` says what holds (it never understates). Returns
    ``(counts, value, feasible_n, bound, (rates, low, high))``; raises a
    ``ValueError`` naming the tightest certifiable bound when ``rho`` is below it.
    """
    sizes = np.array([s.size for s, _ in groups], dtype=float)
    floor = floor_margins(sizes, confidence)
    if rho <= floor.max():
        return None
    eps, eta = sampling_errors(sizes, confidence)
    shares, rho_a = sizes / sizes.sum(), rho - floor
    previous = None
    for _ in range(max_rounds):
        counts, value, feasible = search(groups, rho_a, objective)
        intervals = rate_intervals(counts, sizes, eps)
        bound, _ = dp_bound(intervals[1], intervals[2], intervals[0], shares, eta)
        if bound <= rho + 1e-12:
            break
        # if the counts did not move, by one more row's rate per group
        stuck = previous is not None and np.array_equal(previous, counts)
        rho_a = np.maximum(rho_a - (bound - rho) - 1e-9 - stuck / sizes, 0.0)
        previous = counts
    return counts, value, feasible, bound, intervals


def safety_split(codes, random_state):
    """Boolean mask of a per-group half of the rows (the held-out safety rows)."""
    safety = np.zeros(codes.size, bool)
    for a in np.unique(codes):
        rows = np.flatnonzero(codes == a)
        safety[random_state.permutation(rows)[: rows.size // 2]] = True
    return safety


def _group_delta(k, confidence):
    return (1 - _MIX_SHARE) * (1 - confidence) / k


def safety_floor(sizes, confidence, rate):
    """:func:`floor_margins` of a safety split, predicted for a selection rate ``rate``.

    Uses the normal approximation of the Clopper-Pearson half-width,
    :math:`z_{1-\\delta_a/2}\\sqrt{r(1-r)/n_a} + 1/n_a`, to size the candidate's margin
    before the safety rows are looked at (the certificate itself is exact).
    """
    sizes = np.asarray(sizes, dtype=float)
    z = norm.isf(_group_delta(sizes.size, confidence) / 2)
    rate = min(max(rate, 0.05), 0.95)
    return floor_margins(sizes, confidence, z * np.sqrt(rate * (1 - rate) / sizes) + 1 / sizes)


def safety_certificate(h, codes, k, confidence, random_state):
    """Certificate of a *fixed* classifier on safety rows independent of it.

    Each row's prediction is drawn from ``h`` in [0, 1] (its probability of a
    positive; ``random_state``), so per group the positives are binomial with
    the population rate :math:`r_a` and the exact Clopper-Pearson interval at
    level :math:`1 - \\delta_a` (:func:`~skpanda.metrics._report.clopper_pearson`) holds. Returns
    ``(bound, sizes, rates, low, high)``.
    """
    drawn = random_state.random_sample(h.size) < h
    sizes = np.bincount(codes, minlength=k)
    hits = np.bincount(codes, weights=drawn, minlength=k).astype(int)
    low, high = clopper_pearson(hits, sizes, 1 - _group_delta(k, confidence))
    rates = hits / sizes
    _, eta = sampling_errors(sizes, confidence)
    bound, _ = dp_bound(low, high, rates, sizes / sizes.sum(), eta)
    return bound, sizes.astype(float), rates, low, high
