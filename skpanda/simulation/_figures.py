"""The paper's Figures 1 and 2 and the summary table, from the tidy results."""

from pathlib import Path

from ..learners import get_learner_spec, learner_names
from ..selectors import get_selector_spec, selector_names
from ._cells import with_learner_column

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


def _learner_order(learners):
    known = [name for name in learner_names() if name in set(learners)]
    return known + sorted(set(learners) - set(known))


def _learner_label(learner):
    if learner in learner_names():
        return f"{get_learner_spec(learner).label} ({learner})"
    return str(learner)


def _tied(method):
    """Whether ``method`` is tied to a learner (an alias row such as ``fairlearn``)."""
    return method in selector_names() and get_selector_spec(method).learner is not None


def _panels(df):
    """``[(learner, rows)]``: one panel per learner of the grid.

    Rows of methods tied to a learner (``fairlearn`` = random + eg) go to their
    learner's panel when it has one, else into every panel as a reference.
    """
    df = with_learner_column(df)
    own = df[~df["method"].map(_tied)]
    learners = _learner_order((own if not own.empty else df)["learner"].unique())
    panels = []
    for learner in learners:
        mine = df["learner"] == learner
        guests = df["method"].map(_tied) & ~df["learner"].isin(learners)
        panels.append((learner, df[mine | guests]))
    return panels


def _at_budget(df, budget):
    budget = df["budget"].max() if budget is None else budget
    return df[df["budget"] == budget], int(budget)


def summary_table(df, budget=None):
    """Markdown table of the test metrics at one budget, mean ± std over seeds.

    Parameters
    ----------
    df : pandas.DataFrame
        Tidy results of :func:`~skpanda.simulation._harness.run_experiment`
        (a table without a ``learner`` column is read as learner ``lr``, and
        ``eg`` for the fairlearn methods).
    budget : int, default=None
        The budget to report; ``None`` is the largest one.

    Returns
    -------
    table : str
        A Markdown table, one row per learner and method, grouped by learner
        (std over seeds with ``ddof=1``; only the mean when there is a single
        seed).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"method": ["random"] * 2, "seed": [0, 1], "budget": [10, 10],
    ...                    "f1": [.5, .7], "delta_dp": [.1, .1], "delta_eo": [.2, .2],
    ...                    "delta_eb": [.3, .3], "select_seconds": [0.01, 0.03]})
    >>> print(summary_table(df))  # doctest: +NORMALIZE_WHITESPACE
    | method (B=10, 2 seeds) | learner | F1 | Δ_DP | Δ_EO | Δ_EB | select (s) |
    |---|---|---|---|---|---|---|
    | Random | lr | 0.600 ± 0.141 | 0.100 ± 0.000 | 0.200 ± 0.000 | 0.300 ± 0.000 | 0.02 ± 0.01 |
    """
    if df.empty:
        raise ValueError("df holds no results; nothing to summarise.")
    at, budget = _at_budget(with_learner_column(df), budget)
    n_seeds = at["seed"].nunique()
    head = f"method (B={budget}, {n_seeds} seed{'s' if n_seeds != 1 else ''})"
    lines = ["| " + " | ".join([head, "learner"] + [label for _, label in _METRICS]) + " |",
             "|" + "---|" * (len(_METRICS) + 2)]
    for learner in _learner_order(at["learner"].unique()):
        mine = at[at["learner"] == learner]
        for method in _order(mine["method"].unique()):
            sub = mine[mine["method"] == method]
            cells = [_mean_std(sub[col], 2 if col == "select_seconds" else 3)
                     for col, _ in _METRICS]
            lines.append("| " + " | ".join([_label(method), str(learner)] + cells) + " |")
    return "\n".join(lines)


def _mean_std(values, digits):
    text = f"{values.mean():.{digits}f}"
    if len(values) > 1:
        text += f" ± {values.std(ddof=1):.{digits}f}"
    return text


#: One marker per method, so coinciding methods (margin = entropy) stay visible.
_MARKERS = {"random": "s", "margin": "^", "entropy": "v", "group_random": "o", "fal": "P",
            "fairlearn": "X", "fairlearn_al": "D", "panda": "*"}


def _style(method):
    names = selector_names()
    colors = dict(zip(names, [f"C{i}" for i in range(len(names))]))
    aware = _parity_aware(method)
    return dict(color=colors.get(method, "k"), linestyle="-" if aware else ":",
                markerfacecolor=colors.get(method, "k") if aware else "white",
                marker=_MARKERS.get(method, "o" if aware else "s"))


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


#: Label offsets (points) tried in turn until a label overlaps no earlier one.
_OFFSETS = [(7, 4), (7, -11), (-7, 4), (-7, -11), (7, 15), (7, -22), (-7, 15), (-7, -22),
            (7, 26), (7, -33)]


def _annotate_points(ax, points):
    """Label ``points`` (``[(label, x, y)]``) so that no two labels overlap.

    Methods at the same spot (margin and entropy rank a binary pool alike)
    share one label, ``"Margin = Entropy"``. Call after the axes' limits are
    final (the figure drawn once): overlap is checked in display space.
    """
    merged = {}
    for label, x, y in points:
        merged.setdefault((round(float(x), 9), round(float(y), 9)), []).append(label)
    renderer = ax.figure.canvas.get_renderer()
    boxes = []
    for (x, y), labels in merged.items():
        text = " = ".join(labels)
        for i, (dx, dy) in enumerate(_OFFSETS):
            note = ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy),
                               ha="left" if dx > 0 else "right", fontsize=8,
                               annotation_clip=False)
            note.set_in_layout(False)
            box = note.get_window_extent(renderer).expanded(1.02, 1.1)
            if not any(box.overlaps(b) for b in boxes) or i == len(_OFFSETS) - 1:
                boxes.append(box)
                break
            note.remove()


def _seed_text(n_seeds):
    return "one seed (no error bars)" if n_seeds == 1 else f"mean ± std over {n_seeds} seeds"


def _figure1(df, path, *, rho, budget, title):
    """Δ_DP and Δ_EB against F1 at ``budget``: one row of two panels per learner."""
    import matplotlib.pyplot as plt  # lazy: matplotlib

    panels = _panels(df)
    fig, axes = plt.subplots(len(panels), 2, figsize=(11, 1.2 + 4.3 * len(panels)),
                             layout="constrained", squeeze=False)
    pending = []
    for row, (learner, sub) in zip(axes, panels):
        mean, std = _stats(sub, "method", ("f1", "delta_dp", "delta_eb"))
        for ax, (col, label) in zip(row, [("delta_dp", "demographic disparity Δ_DP"),
                                          ("delta_eb", "error-rate balance Δ_EB")]):
            for method in _order(mean.index):
                st = _style(method)
                ax.errorbar(mean.loc[method, col], mean.loc[method, "f1"],
                            xerr=std.loc[method, col], yerr=std.loc[method, "f1"],
                            fmt=st["marker"], color=st["color"],
                            markerfacecolor=st["markerfacecolor"], markersize=9, capsize=3,
                            label=_label(method))
            pending.append((ax, [(_label(m), mean.loc[m, col], mean.loc[m, "f1"])
                                 for m in _order(mean.index)]))
            if col == "delta_dp":
                ax.axvline(rho, color="k", linestyle="--", linewidth=1, label=f"ρ = {rho:g}")
            ax.set_xlabel(f"test {label} (lower is better)")
            ax.set_ylabel("test F1 (higher is better)")
            ax.set_title(f"learner: {_learner_label(learner)} — {label} vs F1 at B = {budget}",
                         fontsize=10)
            ax.grid(alpha=0.3)
            ax.margins(x=0.15, y=0.1)
    _legend_below(fig, *axes.ravel())
    fig.suptitle(title + " (upper left is best)", fontsize=11)
    fig.canvas.draw()  # final limits and layout, then place labels without overlaps
    for ax, points in pending:
        ax.set_xlim(ax.get_xlim())
        ax.set_ylim(ax.get_ylim())
        _annotate_points(ax, points)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _figure2(df, path, *, rho, title):
    """Budget against F1 and Δ_DP: one row of two panels per learner."""
    import matplotlib.pyplot as plt  # lazy: matplotlib

    panels = _panels(df)
    fig, axes = plt.subplots(len(panels), 2, figsize=(11, 1.2 + 4.3 * len(panels)),
                             layout="constrained", squeeze=False)
    dodge = 0.006 * (df["budget"].max() - df["budget"].min() or 1)
    for row, (learner, sub) in zip(axes, panels):
        mean, std = _stats(sub, ["method", "budget"], ("f1", "delta_dp"))
        methods = _order(mean.index.get_level_values("method").unique())
        for ax, (col, label) in zip(row, [("f1", "test F1"), ("delta_dp", "test Δ_DP")]):
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
            ax.set_title(f"learner: {_learner_label(learner)} — budget vs {label}", fontsize=10)
        if "positive_rate_test" in sub:
            p = float(sub["positive_rate_test"].mean())
            row[0].axhline(2 * p * 0.5 / (p + 0.5), color="k", linestyle=":", linewidth=1,
                           label="random classifier")
        row[1].axhline(rho, color="k", linestyle="--", linewidth=1, label=f"ρ = {rho:g}")
        for ax in row:
            ax.set_ylim(bottom=0)
    _legend_below(fig, *axes.ravel())
    fig.suptitle(title, fontsize=11)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_figures(df, out, *, rho=0.04, budget=None):
    """Write Figure 1 (trade-off at one budget) and Figure 2 (learning curves).

    Figure 1: test Δ_DP (left) and Δ_EB (right) on the x axis against test F1
    on the y axis at ``budget``, one marker per method with ±1 std error bars
    over seeds; the upper left is best. Figure 2: budget against test F1
    (with the F1 of a classifier guessing positive with probability 1/2) and
    against Δ_DP (with the bound ρ). Each learner gets its own row of panels
    (rows of methods tied to a learner, ``fairlearn``, join every row as a
    reference when their learner has none). Dotted lines / hollow markers are
    methods unaware of groups and parity, solid lines / filled markers are
    aware ones, as in the paper; each method has its own marker shape, and
    methods at the same spot share one label.

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

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if df.empty:
        raise ValueError("df holds no results; nothing to plot.")
    df = with_learner_column(df)
    at, budget = _at_budget(df, budget)
    seeds = _seed_text(df["seed"].nunique())
    dataset = ", ".join(map(str, df["dataset"].unique())) if "dataset" in df else ""
    paths = [out / "figure1_tradeoff.png", out / "figure2_learning_curves.png"]
    _figure1(at, paths[0], rho=rho, budget=budget, title=f"Figure 1 — {dataset}: {seeds}")
    _figure2(df, paths[1], rho=rho,
             title=f"Figure 2 — {dataset}: learning curves, {seeds}")
    return paths
