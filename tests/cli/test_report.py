"""``skpanda report``: the per-group table, the disparities, the files and the figure."""

import sys

import numpy as np
import pandas as pd
import pytest

from skpanda.cli import main
from skpanda.cli._final import load_final
from skpanda.cli.report import fairness_table


def test_fairness_table_by_hand():
    y_true = [1, 1, 0, 0, 1, 0, 0, 0]
    y_pred = [1, 0, 1, 0, 1, 1, 1, 0]
    groups = ["a", "a", "a", "a", "b", "b", "b", "b"]
    table, d = fairness_table(y_true, y_pred, groups)
    rows = table.set_index("group")
    assert rows.loc["a"].tolist() == [4, 0.5, 0.5, 0.5]  # n, selection rate, TPR, FPR
    np.testing.assert_allclose(rows.loc["b"].tolist(), [4, 0.75, 1.0, 2 / 3])
    np.testing.assert_allclose(rows.loc["all"].tolist(), [8, 5 / 8, 2 / 3, 3 / 5])
    # Table 1: max_a |E[h|a] - E[h]| = |.5 - .625|; fairlearn's max - min is twice that here
    assert d["demographic_parity"] == pytest.approx(0.125)
    assert d["fairlearn_demographic_parity_difference"] == pytest.approx(0.25)
    # error-rate balance: the worst TPR or FPR gap between the groups, max(.5, 1/6)
    assert d["error_rate_balance"] == pytest.approx(0.5)
    assert d["accuracy"] == pytest.approx(4 / 8)


@pytest.fixture(scope="module")
def report(csvs, final, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    assert main(["report", "--model", str(final), "--data", str(csvs / "test.csv"),
                 "--out", str(out)]) == 0
    return out


def test_report_files_match_the_predictions(csvs, final, report):
    assert sorted(p.name for p in report.iterdir()) == [
        "disparities.csv", "groups.csv", "report.md", "report.png"]
    test = pd.read_csv(csvs / "test.csv")
    pred = load_final(final).predict(test, test["sex"].to_numpy())
    groups = pd.read_csv(report / "groups.csv").set_index("group")
    for g in ("F", "M"):
        rows = test["sex"] == g
        assert groups.loc[g, "n"] == rows.sum()
        assert groups.loc[g, "selection_rate"] == pytest.approx((pred[rows] == ">50K").mean())
        positives = rows & (test["income"] == ">50K")
        assert groups.loc[g, "tpr"] == pytest.approx((pred[positives] == ">50K").mean())
    md = (report / "report.md").read_text()
    assert "| group | n | selection rate | TPR | FPR |" in md and "| F | " in md
    assert "demographic_parity" in md and "ρ = 0.05" in md
    assert (report / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_matplotlib_is_one_line(csvs, final, helpers, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    code = main(["report", "--model", str(final), "--data", str(csvs / "test.csv"),
                 "--out", str(tmp_path / "r")])
    helpers.one_line_error(capsys, code, "report.png needs matplotlib: pip install "
                                         "'skpanda[plot]'")
    assert (tmp_path / "r" / "report.md").is_file()


def test_report_needs_the_target(csvs, final, helpers, tmp_path, capsys):
    pd.read_csv(csvs / "test.csv").drop(columns="income").to_csv(tmp_path / "t.csv", index=False)
    code = main(["report", "--model", str(final), "--data", str(tmp_path / "t.csv"),
                 "--out", str(tmp_path / "r")])
    helpers.one_line_error(capsys, code, "has no column(s) ['income']")
