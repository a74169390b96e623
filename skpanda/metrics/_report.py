"""A fairness report: per-group rates with intervals, and the disparities side by side."""

import numpy as np
import pandas as pd
from scipy.stats import beta
from sklearn.utils import Bunch

from ._parity import demographic_parity, equalized_odds, error_rate_balance

_NOTE = ("Table 1's demographic_parity compares each group with everyone, "
         "max_a |E[h|a] - E[h]|; fairlearn's demographic_parity_difference compares the two "
         "extreme groups, max_a E[h|a] - min_a E[h|a], so it is larger (up to twice as large; "
         "with two groups it is Table 1's value divided by the larger group's share).")


def clopper_pearson(successes, n, confidence):
    """Exact (Clopper-Pearson) two-sided interval of binomial proportions, vectorized.

    The beta quantiles :math:`B(\\alpha/2; k, n-k+1)` and
    :math:`B(1-\\alpha/2; k+1, n-k)` (scipy.stats.beta), 0 / 1 at ``k = 0`` / ``k = n``
    -- what ``scipy.stats.binomtest(k, n).proportion_ci(method="exact")``
    returns, without its per-call root finding. NaN where ``n = 0``.
    """
    k, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    alpha = 1 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, beta.ppf(alpha / 2, k, n - k + 1), 0.0)
        high = np.where(k < n, beta.isf(alpha / 2, k + 1, n - k), 1.0)
    empty = n == 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def _rates(name, successes, sizes, confidence):
    sizes = np.asarray(sizes, dtype=float)
    low, high = clopper_pearson(successes, sizes, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(sizes > 0, np.asarray(successes, float) / sizes, np.nan)
    return pd.DataFrame({name: rate, f"{name}_low": low, f"{name}_high": high})


def _from_metric_frame(frame, confidence):
    """Per-group table from a fairlearn ``MetricFrame`` with ``count`` and ``selection_rate``."""
    by = frame.by_group
    if not isinstance(by, pd.DataFrame) or not {"count", "selection_rate"} <= set(by.columns):
        raise ValueError(
            "a MetricFrame needs the metrics 'count' and 'selection_rate' (fairlearn.metrics."
            "count, selection_rate), e.g. MetricFrame(metrics={'count': count, "
            "'selection_rate': selection_rate}, y_true=..., y_pred=..., sensitive_features=...).")
    n = by["count"].to_numpy(dtype=float)
    rate = by["selection_rate"].to_numpy(dtype=float)
    table = pd.concat([pd.DataFrame({"n": n.astype(int)}),
                       _rates("selection_rate", np.rint(rate * n), n, confidence)], axis=1)
    table.index = by.index.map(str)
    return table


def _from_arrays(y_true, y_pred, groups, confidence):
    h = np.asarray(y_pred, dtype=float)
    y = None if y_true is None else np.asarray(y_true)
    names, codes = np.unique(np.asarray(groups).astype(str), return_inverse=True)
    k = names.size
    n = np.bincount(codes, minlength=k)
    parts = [pd.DataFrame({"n": n}),
             _rates("selection_rate", np.bincount(codes, h, k), n, confidence)]
    if y is not None:
        for label, name in ((1, "tpr"), (0, "fpr")):
            rows = y == label
            size = np.bincount(codes[rows], minlength=k)
            parts += [pd.DataFrame({f"n_{'pos' if label else 'neg'}": size}),
                      _rates(name, np.bincount(codes[rows], h[rows], k), size, confidence)]
    table = pd.concat(parts, axis=1)
    table.index = pd.Index(names, name="group")
    return table


def fairness_report(y_true, y_pred=None, *, sensitive_features=None, confidence=0.95):
    """Per-group rates with confidence intervals and the disparities, side by side.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,), fairlearn MetricFrame or None
        True 0/1 labels (``None``: selection rates and demographic parity
        only), or a ``MetricFrame`` whose metrics include fairlearn's
        ``count`` and ``selection_rate`` (then ``y_pred`` and
        ``sensitive_features`` are not passed).
    y_pred : array-like of shape (n_samples,)
        0/1 predictions.
    sensitive_features : array-like of shape (n_samples,)
        Group of each row.
    confidence : float, default=0.95
        Level of each per-group Clopper-Pearson interval.

    Returns
    -------
    report : sklearn.utils.Bunch
        ``by_group`` (DataFrame: ``n``, ``selection_rate`` and its
        ``_low``/``_high`` interval; with labels also ``n_pos``, ``tpr``,
        ``n_neg``, ``fpr`` and their intervals), ``disparities`` (Series:
        Table 1's ``demographic_parity`` and, with labels, ``equalized_odds``
        and ``error_rate_balance``, next to fairlearn's
        ``demographic_parity_difference``), ``confidence`` and ``note`` (how
        the two demographic-parity numbers differ).

    See Also
    --------
    skpanda.plotting.plot_fairness_report : draws the report.

    Notes
    -----
    Each interval is the exact (Clopper-Pearson) binomial interval of one
    group's rate at level ``confidence`` (beta quantiles of ``scipy.stats``);
    the intervals are per group, not simultaneous (for ``k`` groups at once
    use ``confidence = 1 - (1 - c) / k``, Bonferroni). The disparities are
    the sample values on these rows:

    .. math:: \\Delta^{DP} = \\max_a |E[h|a] - E[h]| \\quad\\text{(Table 1)},
              \\qquad DPD = \\max_a E[h|a] - \\min_a E[h|a] \\le 2\\Delta^{DP}.

    Examples
    --------
    >>> from skpanda.metrics import fairness_report
    >>> report = fairness_report([1, 0, 1, 0], [1, 1, 1, 0], sensitive_features=list("aabb"))
    >>> report.disparities.round(3).to_dict()["demographic_parity"]
    0.25
    >>> report.disparities["demographic_parity_difference"]
    np.float64(0.5)
    >>> report.by_group[["n", "selection_rate"]].to_numpy().tolist()
    [[2.0, 1.0], [2.0, 0.5]]
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be strictly between 0 and 1.")
    if hasattr(y_true, "by_group"):
        table = _from_metric_frame(y_true, confidence)
        disp = {}
    else:
        if y_pred is None or sensitive_features is None:
            raise ValueError("fairness_report needs y_pred= and sensitive_features= (or a "
                             "fairlearn MetricFrame as its first argument).")
        table = _from_arrays(y_true, y_pred, sensitive_features, confidence)
        disp = {"demographic_parity": demographic_parity(
            None, y_pred, sensitive_features=sensitive_features)}
        if y_true is not None:
            for f in (equalized_odds, error_rate_balance):
                disp[f.__name__] = f(y_true, y_pred, sensitive_features=sensitive_features)
    rate, share = table["selection_rate"], table["n"] / table["n"].sum()
    disp.setdefault("demographic_parity", float(np.max(np.abs(rate - share @ rate))))
    disp["demographic_parity_difference"] = float(rate.max() - rate.min())
    order = ["demographic_parity", "demographic_parity_difference", "equalized_odds",
             "error_rate_balance"]
    disparities = pd.Series({k: disp[k] for k in order if k in disp}, name="disparity")
    return Bunch(by_group=table, disparities=disparities, confidence=confidence, note=_NOTE)
