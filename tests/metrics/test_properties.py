"""Property tests (hypothesis) for the Table-1 disparities."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skpanda.metrics import demographic_parity, equalized_odds, error_rate_balance

METRICS = {"dp": demographic_parity, "eo": equalized_odds, "eb": error_rate_balance}
METHODS = ("difference", "ratio")


@st.composite
def parity_data(draw, max_rows=30, max_groups=4):
    n = draw(st.integers(2, max_rows))
    k = draw(st.integers(2, max_groups))
    groups = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    # at least two groups must be present
    groups[0], groups[1] = 0, 1
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    if draw(st.booleans()):
        h = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)), dtype=float)
    else:
        h = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    return y, h, groups


def _gap(u, v, method):
    if method == "difference":
        return abs(u - v)
    return 1.0 if max(u, v) == 0 else min(u, v) / max(u, v)


def _mean(values):
    return sum(values) / len(values)


def brute_force(name, y, h, groups, method):
    """Table 1 written as literal loops over groups and labels."""
    rows = list(zip(y.tolist(), h.tolist(), groups.tolist()))
    labels, names = (0, 1), sorted(set(groups.tolist()))
    worst = 0.0 if method == "difference" else 1.0
    better = max if method == "difference" else min
    if name == "dp":
        overall = _mean([hi for _, hi, _ in rows])
        for a in names:
            worst = better(worst, _gap(_mean([hi for _, hi, g in rows if g == a]), overall, method))
        return worst
    for label in labels:
        in_label = [(hi, g) for yi, hi, g in rows if yi == label]
        if not in_label:
            continue
        cell = {a: _mean([hi for hi, g in in_label if g == a])
                for a in names if any(g == a for _, g in in_label)}
        if name == "eo":
            ref = _mean([hi for hi, _ in in_label])
            for value in cell.values():
                worst = better(worst, _gap(value, ref, method))
        else:
            for a, b in itertools.product(cell, cell):
                worst = better(worst, _gap(cell[a], cell[b], method))
    return worst


@settings(max_examples=60, deadline=None)
@given(parity_data())
def test_equals_brute_force_and_in_range(data):
    y, h, groups = data
    for (name, metric), method in itertools.product(METRICS.items(), METHODS):
        value = metric(y, h, sensitive_features=groups, method=method)
        assert 0.0 <= value <= 1.0
        assert value == pytest.approx(brute_force(name, y, h, groups, method), abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(parity_data(), st.randoms(use_true_random=False))
def test_invariant_under_permutation_and_relabelling(data, random):
    y, h, groups = data
    order = list(range(len(y)))
    random.shuffle(order)
    order = np.array(order)
    names = [f"group-{v}" for v in range(groups.max() + 1)]
    random.shuffle(names)
    relabelled = np.array([names[g] for g in groups], dtype=object)
    for metric, method in itertools.product(METRICS.values(), METHODS):
        base = metric(y, h, sensitive_features=groups, method=method)
        permuted = metric(y[order], h[order], sensitive_features=groups[order], method=method)
        renamed = metric(y, h, sensitive_features=relabelled, method=method)
        assert permuted == pytest.approx(base, abs=1e-12)
        assert renamed == pytest.approx(base, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(parity_data(max_groups=2), st.integers(2, 4))
def test_zero_when_groups_identically_distributed(data, k):
    y, h, _ = data
    # the same rows copied into every group: each group has the population's law
    groups = np.repeat(np.arange(k), len(y))
    y_all, h_all = np.tile(y, k), np.tile(h, k)
    for metric in METRICS.values():
        assert metric(y_all, h_all, sensitive_features=groups) == pytest.approx(0, abs=1e-12)
        assert metric(y_all, h_all, sensitive_features=groups, method="ratio") == pytest.approx(1)


@settings(max_examples=40, deadline=None)
@given(parity_data(), st.data())
def test_integer_weights_equal_repeated_rows(data, draw):
    y, h, groups = data
    w = np.array(draw.draw(st.lists(st.integers(1, 3), min_size=len(y), max_size=len(y))))
    for metric, method in itertools.product(METRICS.values(), METHODS):
        weighted = metric(y, h, sensitive_features=groups, method=method, sample_weight=w)
        repeated = metric(np.repeat(y, w), np.repeat(h, w),
                          sensitive_features=np.repeat(groups, w), method=method)
        assert weighted == pytest.approx(repeated, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(parity_data())
def test_error_rate_balance_at_most_twice_equalized_odds(data):
    y, h, groups = data
    eb = error_rate_balance(y, h, sensitive_features=groups)
    assert eb <= 2 * equalized_odds(y, h, sensitive_features=groups) + 1e-12
