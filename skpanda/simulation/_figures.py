"""The paper's Figures 1 and 2 and the summary table, from the tidy results."""

from pathlib import Path

from ..selectors import get_selector_spec, selector_names

_METRICS = (
    ("f1", "F1"), ("delta_dp", "Δ_DP"), ("delta_eo", "Δ_EO"), ("delta_eb", "Δ_EB"),
    ("select_seconds", "select (s)"),
)


def _label(method):
    """Display label from the registry (an unregistered name is its own label)."""
    return get_selector_spec(method).label if method in selector_names() else method


def _parity_aware(method):
    return method in selector_names() and get_selector_spec(method).parity_aware


def _order(methods):
    known = [m for m in selector_names() if m in set(methods)]
    return known + sorted(set(methods) - set(known))


def _at_budget(df, budget):
    budget = df["budget"].max() if budget is None else budget
    return df[df["budget"] == budget], int(budget)


def summary_table(df, budget=None):
    """Markdown table of the test metrics at one budget, mean ± std over seeds.

    Parameters
    ----------
    df : pandas.DataFrame
        Tidy results of :func:`~skpanda.simulation._harness.run_experiment`.
    budget : int, default=None
        The budget to report; ``None`` is the largest one.

    Returns
    -------
    table : str
        A Markdown table, one row per method (std over seeds with ``ddof=1``;
        only the mean when there is a single seed).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"method": ["random"] * 2, "seed": [0, 1], "budget": [10, 10],
    ...                    "f1": [.5, .7], "delta_dp": [.1, .1], "delta_eo": [.2, .2],
    ...                    "delta_eb": [.3, .3], "select_seconds": [0.01, 0.03]})
    >>> print(summary_table(df))  # doctest: +NORMALIZE_WHITESPACE
    | method (B=10, 2 seeds) | F1 | Δ_DP | Δ_EO | Δ_EB | select (s) |
    |---|---|---|---|---|---|
    | Random | 0.600 ± 0.141 | 0.100 ± 0.000 | 0.200 ± 0.000 | 0.300 ± 0.000 | 0.02 ± 0.01 |
    """
    if df.empty:
        raise ValueError("df holds no results; nothing to summarise.")
    at, budget = _at_budget(df, budget)
    n_seeds = at["seed"].nunique()
    head = f"method (B={budget}, {n_seeds} seed{'s' if n_seeds != 1 else ''})"
    lines = ["| " + " | ".join([head] + [label for _, label in _METRICS]) + " |",
             "|" + "---|" * (len(_METRICS) + 1)]
    for method in _order(at["method"].unique()):
        sub = at[at["method"] == method]
        cells = []
        for col, _ in _METRICS:
            digits = 2 if col == "select_seconds" else 3
            mean = sub[col].mean()
            text = f"{mean:.{digits}f}"
            if len(sub) > 1:
                text += f" ± {sub[col].std(ddof=1):.{digits}f}"
            cells.append(text)
        lines.append("| " + " | ".join([_label(method)] + cells) + " |")
    return "\n".join(lines)


def _style(method):
    names = selector_names()
    colors = dict(zip(names, [f"C{i}" for i in range(len(names))]))
    aware = _parity_aware(method)
    return dict(color=colors.get(method, "k"), linestyle="-" if aware else ":",
                markerfacecolor=colors.get(method, "k") if aware else "white",
                marker="o" if aware else "s")


def _stats(df, by, cols):
    grouped = df.groupby(by)[list(cols)]
    std = grouped.std(ddof=1).fillna(0.0) if df["seed"].nunique() > 1 else grouped.std(ddof=0)
    return grouped.mean(), std


def _legend_below(fig, *axes):
    """One legend for the whole figure, below the panels, without duplicates."""
    entries = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    fig.legend(entries.values(), entries.keys(), loc="outside lower center",
               ncol=min(len(entries), 6), fontsize=8, frameon=False)


def _annotate(ax, text, x, y, placed):
    """Label a marker, shifting the label down when an earlier one sits nearby."""
    shift = sum(1 for (px, py) in placed if abs(px - x) < 1e-3 and abs(py - y) < 2e-3)
    placed.append((x, y))
    ax.annotate(text, (x, y), textcoords="offset points", xytext=(6, 5 - 11 * shift),
                fontsize=8)


def plot_figures(df, out, *, rho=0.04, budget=None):
    """Write Figure 1 (trade-off at one budget) and Figure 2 (learning curves).

    Figure 1: test Δ_DP (left) and Δ_EB (right) on the x axis against test F1
    on the y axis at ``budget``, one marker per method with ±1 std error bars
    over seeds; the upper left is best. Figure 2: budget against test F1
    (with the F1 of a classifier guessing positive with probability 1/2) and
    against Δ_DP (with the bound ρ). Dotted lines / hollow markers are
    methods unaware of groups and parity, solid lines / filled markers are
    aware ones, as in the paper.

    Parameters
    ----------
    df : pandas.DataFrame
        Tidy results.
    out : str or path
        Folder to write ``figure1_tradeoff.png`` and ``figure2_learning_curves.png``.
    rho : float, default=0.04
        The disparity bound drawn as a reference line.
    budget : int, default=None
        Budget of Figure 1; ``None`` is the largest one.

    Returns
    -------
    paths : list of pathlib.Path
    """
    import matplotlib  # lazy: matplotlib (an optional dependency)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: matplotlib

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if df.empty:
        raise ValueError("df holds no results; nothing to plot.")
    at, budget = _at_budget(df, budget)
    n_seeds = df["seed"].nunique()
    dataset = ", ".join(map(str, df["dataset"].unique())) if "dataset" in df else ""
    paths = [out / "figure1_tradeoff.png", out / "figure2_learning_curves.png"]

    mean, std = _stats(at, "method", ("f1", "delta_dp", "delta_eb"))
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.2), layout="constrained")
    for ax, (col, label) in zip(axes, [("delta_dp", "demographic disparity Δ_DP"),
                                       ("delta_eb", "error-rate balance Δ_EB")]):
        placed = []
        for method in _order(mean.index):
            st = _style(method)
            ax.errorbar(mean.loc[method, col], mean.loc[method, "f1"],
                        xerr=std.loc[method, col], yerr=std.loc[method, "f1"],
                        fmt=st["marker"], color=st["color"], markerfacecolor=st["markerfacecolor"],
                        markersize=8, capsize=3, label=_label(method))
            _annotate(ax, _label(method), mean.loc[method, col],
                      mean.loc[method, "f1"], placed)
        if col == "delta_dp":
            ax.axvline(rho, color="k", linestyle="--", linewidth=1, label=f"ρ = {rho:g}")
        ax.set_xlabel(f"test {label} (lower is better)")
        ax.set_ylabel("test F1 (higher is better)")
        ax.set_title(f"{label} vs F1 at B = {budget} (upper left is best)", fontsize=10)
        ax.grid(alpha=0.3)
    _legend_below(fig, axes[0])
    fig.suptitle(f"Figure 1 — {dataset}: mean ± std over {n_seeds} seed(s)", fontsize=11)
    fig.savefig(paths[0], dpi=120)
    plt.close(fig)

    mean, std = _stats(df, ["method", "budget"], ("f1", "delta_dp"))
    fig, axes = plt.subplots(1, 2, figsize=(11, 5.2), layout="constrained")
    for ax, (col, label) in zip(axes, [("f1", "test F1"), ("delta_dp", "test Δ_DP")]):
        methods = _order(mean.index.get_level_values("method").unique())
        dodge = 0.006 * (df["budget"].max() - df["budget"].min() or 1)
        for i, method in enumerate(methods):
            m, s = mean.loc[method], std.loc[method]
            st = _style(method)
            x = m.index + dodge * (i - (len(methods) - 1) / 2)  # keep error bars apart
            ax.errorbar(x, m[col], yerr=s[col], color=st["color"],
                        linestyle=st["linestyle"], marker=st["marker"],
                        markerfacecolor=st["markerfacecolor"], capsize=2,
                        label=_label(method))
        ax.set_xlabel("budget B (labels queried)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    if "positive_rate_test" in df:
        p = float(df["positive_rate_test"].mean())
        axes[0].axhline(2 * p * 0.5 / (p + 0.5), color="k", linestyle=":", linewidth=1,
                        label="random classifier")
    axes[1].axhline(rho, color="k", linestyle="--", linewidth=1, label=f"ρ = {rho:g}")
    for ax in axes:
        ax.set_ylim(bottom=0)
    axes[0].set_title("budget vs F1", fontsize=10)
    axes[1].set_title("budget vs demographic disparity", fontsize=10)
    _legend_below(fig, *axes)
    fig.suptitle(f"Figure 2 — {dataset}: learning curves, mean ± std over {n_seeds} seed(s)",
                 fontsize=11)
    fig.savefig(paths[1], dpi=120)
    plt.close(fig)
    return paths

