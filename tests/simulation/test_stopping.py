"""Stopping rules: hand-computed cases, FairStop's two conditions, the loop stopping early."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skpanda.learners import PoolThresholdClassifier
from skpanda.selectors import MarginQuerySelector
from skpanda.simulation import DeltaFScore, FairStop, KappaAverage, learn_in_rounds
from skpanda.simulation._stopping import plug_in_f1

G = np.array([0, 0, 1, 1])


def feed(criterion, preds, probas=None, model=None):
    probas = probas or [np.full(4, 0.5)] * len(preds)
    return [criterion.update(model, np.asarray(p), np.asarray(q), G, r)
            for r, (p, q) in enumerate(zip(preds, probas))]


def test_kappa_average_needs_a_window_of_stable_predictions():
    stable, moving = [1, 0, 1, 0], [[1, 0, 1, 0], [0, 1, 1, 0]]
    assert feed(KappaAverage(window=2), [stable] * 4) == [False, False, True, True]
    assert not any(feed(KappaAverage(window=2), moving * 3))


def test_delta_f_is_one_minus_the_agreement_f1():
    # [1,1,0,0] vs [1,0,0,0]: F1 of agreement 2/3 -> delta 1/3, above 0.01
    rule = DeltaFScore(window=1)
    assert feed(rule, [[1, 1, 0, 0], [1, 0, 0, 0]]) == [False, False]
    assert rule._deltas == [pytest.approx(1 / 3)]
    assert feed(DeltaFScore(window=1), [[1, 1, 0, 0]] * 2) == [False, True]


def test_plug_in_f1_hand_computed():
    # TP = .9 + .6 = 1.5, predicted 2, actual .9 + .6 + .1 + .4 = 2  -> 3 / 4
    assert plug_in_f1([1, 1, 0, 0], [0.9, 0.6, 0.1, 0.4]) == pytest.approx(0.75)


def test_fair_stop_needs_parity_and_a_flat_curve():
    fair, unfair = [1, 0, 1, 0], [1, 1, 0, 0]       # disparity 0 and 0.5
    proba = [np.array([0.9, 0.1, 0.9, 0.1])] * 4
    assert feed(FairStop(rho=0.1, patience=1), [fair] * 4, proba) == [False, True, True, True]
    assert not any(feed(FairStop(rho=0.1, patience=1), [unfair] * 4, proba))
    rising = [np.array([0.5 + 0.1 * r, 0.1, 0.5 + 0.1 * r, 0.1]) for r in range(4)]
    assert not any(feed(FairStop(rho=0.1, tol=0.001, patience=1), [fair] * 4, rising))


def test_fair_stop_uses_a_certified_bound_when_the_learner_has_one():
    class Certified:
        certified_bound_ = 0.3

    proba = [np.array([0.9, 0.1, 0.9, 0.1])] * 3
    rule = FairStop(rho=0.1, patience=1)
    assert not any(feed(rule, [[1, 0, 1, 0]] * 3, proba, model=Certified()))
    assert rule.history_[-1]["certified"] and rule.history_[-1]["disparity"] == 0.3


def test_learn_in_rounds_stops_early_and_every_label_is_returned():
    rng = np.random.RandomState(0)
    X, Xp = rng.normal(size=(200, 3)), rng.normal(size=(600, 3))
    g, gp = rng.randint(2, size=200), rng.randint(2, size=600)
    y, yp = (X[:, 0] > 0).astype(int), (Xp[:, 0] > 0).astype(int)
    asked = []

    def oracle(positions):
        asked.extend(np.asarray(positions).tolist())
        return yp[positions]

    criteria = [FairStop(rho=0.1, tol=0.01), KappaAverage(), DeltaFScore()]
    positions, stops = learn_in_rounds(
        MarginQuerySelector(random_state=0), X, y, g, Xp, gp, oracle, budget=300, batch_size=20,
        estimator=PoolThresholdClassifier(rho=0.1, random_state=0), criteria=criteria,
        stop_on="FairStop")
    assert stops["FairStop"] is not None and len(positions) == stops["FairStop"] < 300
    assert sorted(asked) == sorted(positions.tolist())      # no label bought and not returned
    assert len(positions) % 20 == 0
    full, _ = learn_in_rounds(MarginQuerySelector(random_state=0), X, y, g, Xp, gp, oracle,
                              budget=100, batch_size=20, estimator=LogisticRegression(),
                              criteria=[KappaAverage()])
    assert len(full) == 100
