"""Plots of search results (matplotlib is imported only when a plot is drawn)."""

import numpy as np


def plot_tradeoff(cv_results, *, metric="f1", target=None, best_index=None, ax=None):
    """Plot each candidate's held-out metric against its disparity.

    Parameters
    ----------
    cv_results : dict
        ``cv_results_`` of a search scored with
        :func:`skpanda.metrics.make_parity_scorers` (it needs
        ``mean_test_disparity`` and ``mean_test_<metric>``; ``std_test_*``
        become error bars).
    metric : str, default="f1"
        Key of the quality metric in the scoring dict.
    target : float, default=None
        Draws the required disparity as a vertical line.
    best_index : int, default=None
        Candidate to highlight (e.g. ``search.best_index_``).
    ax : matplotlib Axes, default=None
        Where to draw; ``None`` creates a figure.

    Returns
    -------
    ax : matplotlib Axes

    Notes
    -----
    Points left of the target line meet :math:`\\hat\\Delta_V \\le t` on
    average over folds. Each candidate has its own marker and colour, named
    by its parameters in a legend beside the axes (labels never overlap
    however close the points); the target line and the chosen candidate are
    legend entries too.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skpanda.plotting import plot_tradeoff
    >>> results = {"mean_test_f1": [0.6, 0.7], "mean_test_disparity": [0.03, 0.09],
    ...            "params": [{"rho": 0.02}, {"rho": 0.08}]}
    >>> plot_tradeoff(results, target=0.04).get_xlabel()
    'held-out disparity'
    """
    import matplotlib.pyplot as plt

    for key in (f"mean_test_{metric}", "mean_test_disparity"):
        if key not in cv_results:
            raise ValueError(
                f"cv_results has no {key!r}: score the search with "
                f"scoring=skpanda.metrics.make_parity_scorers(...) (metric={metric!r})."
            )
    x = np.asarray(cv_results["mean_test_disparity"], dtype=float)
    y = np.asarray(cv_results[f"mean_test_{metric}"], dtype=float)
    xerr = _err(cv_results, "std_test_disparity")
    yerr = _err(cv_results, f"std_test_{metric}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.8), layout="constrained")
    markers = "osD^v<>Pp*hX"
    for i, params in enumerate(cv_results.get("params", [{}] * x.size)):
        label = ", ".join(f"{k.rsplit('__', 1)[-1]}={_short(v)}" for k, v in params.items())
        ax.errorbar(x[i], y[i], xerr=None if xerr is None else xerr[i],
                    yerr=None if yerr is None else yerr[i], fmt=markers[i % len(markers)],
                    color=f"C{i % 10}", capsize=3, label=label or f"candidate {i}")
    if best_index is not None:
        ax.plot(x[best_index], y[best_index], "o", ms=14, mfc="none", color="black",
                label="chosen")
    if target is not None:
        ax.axvline(target, color="grey", ls="--", lw=1, label=f"target: disparity ≤ {target:g}")
    ax.set_xlabel("held-out disparity")
    ax.set_ylabel(f"held-out {metric}")
    # one legend entry per candidate, beside the axes: labels never overlap the points
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=7, borderaxespad=0)
    return ax


def _err(cv_results, key):
    value = cv_results.get(key)
    return None if value is None else np.asarray(value, dtype=float)


def _short(value):
    """A short label for a parameter value (a fairlearn reduction shows its bound)."""
    bound = getattr(getattr(value, "constraints", None), "eps", None)
    if bound is not None:
        return f"EG({bound:g})"
    return f"{value:g}" if isinstance(value, float) else str(value)


def plot_fairness_report(report, *, ax=None):
    """Per-group rates of a :func:`skpanda.metrics.fairness_report`, with their intervals.

    Parameters
    ----------
    report : sklearn.utils.Bunch
        The output of :func:`skpanda.metrics.fairness_report`.
    ax : matplotlib Axes, default=None
        Where to draw; ``None`` creates a figure.

    Returns
    -------
    ax : matplotlib Axes

    Notes
    -----
    One marker per group and rate (selection rate, and TPR / FPR when the
    report has labels), with its Clopper-Pearson interval as an error bar;
    the dashed line is the overall selection rate :math:`E[h]` of Table 1's
    :math:`\\Delta^{DP} = \\max_a |E[h|a] - E[h]|`, given in the title with
    fairlearn's max - min difference.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skpanda.metrics import fairness_report
    >>> from skpanda.plotting import plot_fairness_report
    >>> report = fairness_report([1, 0, 1, 0], [1, 1, 1, 0], sensitive_features=list("aabb"))
    >>> plot_fairness_report(report).get_ylabel()
    'rate'
    """
    import matplotlib.pyplot as plt

    table = getattr(report, "by_group", None)
    if table is None or "selection_rate" not in table:
        raise ValueError("report must be the output of skpanda.metrics.fairness_report.")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    x = np.arange(len(table))
    rates = [r for r in ("selection_rate", "tpr", "fpr") if r in table]
    for j, rate in enumerate(rates):
        mid = table[rate].to_numpy(float)
        err = np.vstack([mid - table[f"{rate}_low"], table[f"{rate}_high"] - mid])
        ax.errorbar(x + (j - (len(rates) - 1) / 2) * 0.15, mid, yerr=err, fmt="o", capsize=3,
                    label=rate)
    share = table["n"] / table["n"].sum()
    ax.axhline(float(share @ table["selection_rate"]), ls="--", color="grey", lw=1)
    ax.set_xticks(x, [str(g) for g in table.index])
    ax.set_ylabel("rate")
    d = report.disparities
    ax.set_title(f"Δ_DP (Table 1) {d['demographic_parity']:.3f}   fairlearn DPD "
                 f"{d['demographic_parity_difference']:.3f}", fontsize=9)
    ax.legend(fontsize=8)
    return ax
