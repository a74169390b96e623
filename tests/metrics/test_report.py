"""fairness_report: per-group intervals, Table 1 next to fairlearn, MetricFrame input."""

import numpy as np
import pytest
from fairlearn.metrics import (MetricFrame, count, demographic_parity_difference,
                               equalized_odds_difference, selection_rate)
from scipy.stats import beta

from skpanda.metrics import demographic_parity, fairness_report


def _data(seed=0, n=600):
    rng = np.random.RandomState(seed)
    g = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    y = rng.randint(2, size=n)
    h = (rng.uniform(size=n) < 0.3 + 0.2 * (g == "b") + 0.2 * y).astype(int)
    return y, h, g


def test_disparities_match_table1_and_fairlearn():
    y, h, g = _data()
    rep = fairness_report(y, h, sensitive_features=g)
    d = rep.disparities
    assert d["demographic_parity"] == pytest.approx(demographic_parity(None, h,
                                                                       sensitive_features=g))
    assert d["demographic_parity_difference"] == pytest.approx(
        demographic_parity_difference(y, h, sensitive_features=g))
    assert d["error_rate_balance"] == pytest.approx(
        equalized_odds_difference(y, h, sensitive_features=g))
    assert d["demographic_parity"] <= d["demographic_parity_difference"] <= \
        2 * d["demographic_parity"]
    assert "twice" in rep.note


def test_intervals_are_clopper_pearson_and_contain_the_rate():
    y, h, g = _data()
    table = fairness_report(y, h, sensitive_features=g, confidence=0.9).by_group
    k, n = h[g == "c"].sum(), (g == "c").sum()
    assert table.loc["c", "selection_rate_low"] == pytest.approx(beta.ppf(0.05, k, n - k + 1))
    for r in ("selection_rate", "tpr", "fpr"):
        assert (table[f"{r}_low"] <= table[r]).all() and (table[r] <= table[f"{r}_high"]).all()
    assert table["n_pos"].sum() == y.sum()


def test_without_labels_and_from_a_metric_frame():
    y, h, g = _data()
    rep = fairness_report(None, h, sensitive_features=g)
    assert list(rep.disparities.index) == ["demographic_parity",
                                           "demographic_parity_difference"]
    mf = MetricFrame(metrics={"count": count, "selection_rate": selection_rate}, y_true=y,
                     y_pred=h, sensitive_features=g)
    from_mf = fairness_report(mf)
    assert from_mf.disparities.to_dict() == pytest.approx(rep.disparities.to_dict())
    assert np.allclose(from_mf.by_group["selection_rate_high"],
                       rep.by_group["selection_rate_high"])


def test_bad_input():
    y, h, g = _data()
    with pytest.raises(ValueError, match="count"):
        fairness_report(MetricFrame(metrics=selection_rate, y_true=y, y_pred=h,
                                    sensitive_features=g))
    with pytest.raises(ValueError, match="sensitive_features="):
        fairness_report(y, h)
    with pytest.raises(ValueError, match="confidence"):
        fairness_report(y, h, sensitive_features=g, confidence=95)


def test_clopper_pearson_matches_scipy_binomtest():
    from scipy.stats import binomtest

    from skpanda.metrics._report import clopper_pearson

    for k, n in [(0, 10), (3, 10), (10, 10), (57, 400)]:
        ci = binomtest(k, n).proportion_ci(0.9, method="exact")
        low, high = clopper_pearson(k, n, 0.9)
        assert (low, high) == pytest.approx((ci.low, ci.high), abs=1e-9)
