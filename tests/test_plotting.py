"""plot_tradeoff draws cv_results_ of a parity-scored search."""

import matplotlib
import pytest

from skpanda.plotting import plot_tradeoff

matplotlib.use("Agg")

RESULTS = {"mean_test_f1": [0.5, 0.6], "std_test_f1": [0.01, 0.02],
           "mean_test_disparity": [0.02, 0.07], "std_test_disparity": [0.01, 0.01],
           "params": [{"selector__budget": 200}, {"selector__budget": 400}]}


def test_returns_axes_with_points_labels_and_target():
    import matplotlib.pyplot as plt

    ax = plot_tradeoff(RESULTS, target=0.04, best_index=0)
    assert isinstance(ax, plt.Axes)
    legend = ax.get_legend()
    assert sorted(t.get_text() for t in legend.get_texts()) == [
        "budget=200", "budget=400", "chosen", "target: disparity ≤ 0.04"]
    assert ax.get_ylabel() == "held-out f1"
    plt.close(ax.figure)


def test_labels_never_overlap_the_plot_even_for_coinciding_points():
    """Candidate names sit in a legend beside the axes, not on the points."""
    import matplotlib.pyplot as plt

    same = {"mean_test_f1": [0.6] * 4, "mean_test_disparity": [0.03] * 4,
            "params": [{"rho": r} for r in (0.02, 0.03, 0.04, 0.08)]}
    ax = plot_tradeoff(same, target=0.04)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    assert not ax.texts
    legend_box = ax.get_legend().get_window_extent(renderer)
    assert legend_box.x0 >= ax.get_window_extent(renderer).x1  # beside the axes
    plt.close(ax.figure)


def test_missing_columns_name_the_fix():
    with pytest.raises(ValueError, match="make_parity_scorers"):
        plot_tradeoff({"mean_test_score": [0.1]})


def test_plot_fairness_report_draws_each_rate_with_intervals():
    import numpy as np

    from skpanda.metrics import fairness_report
    from skpanda.plotting import plot_fairness_report

    rng = np.random.RandomState(0)
    y, h, g = rng.randint(2, size=200), rng.randint(2, size=200), rng.randint(3, size=200)
    ax = plot_fairness_report(fairness_report(y, h, sensitive_features=g))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["selection_rate", "tpr",
                                                                   "fpr"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert "Δ_DP" in ax.get_title()
    with pytest.raises(ValueError, match="fairness_report"):
        plot_fairness_report({"by_group": None})
