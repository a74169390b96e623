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
    average over folds; each is labelled by its parameters.

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
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    ax.errorbar(x, y, xerr=cv_results.get("std_test_disparity"),
                yerr=cv_results.get(f"std_test_{metric}"), fmt="o", capsize=3)
    for i, params in enumerate(cv_results.get("params", [{}] * x.size)):
        label = ", ".join(f"{k.rsplit('__', 1)[-1]}={_short(v)}" for k, v in params.items())
        ax.annotate(label, (x[i], y[i]), textcoords="offset points", xytext=(4, 4),
                    fontsize=7)
    if best_index is not None:
        ax.plot(x[best_index], y[best_index], "o", ms=12, mfc="none", color="C3",
                label="chosen")
        ax.legend(loc="best", fontsize=8)
    if target is not None:
        ax.axvline(target, color="grey", ls="--", lw=1)
    ax.set_xlabel("held-out disparity")
    ax.set_ylabel(f"held-out {metric}")
    return ax


def _short(value):
    """A short label for a parameter value (a fairlearn reduction shows its bound)."""
    bound = getattr(getattr(value, "constraints", None), "eps", None)
    if bound is not None:
        return f"EG({bound:g})"
    return f"{value:g}" if isinstance(value, float) else str(value)
