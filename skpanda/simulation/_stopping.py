"""When to stop buying labels: a fairness-aware rule and two rules users know.

:func:`learn_in_rounds` runs a sequential selector through the one
active-learning loop (``select(..., oracle=...)``, :mod:`skpanda.selectors._loop`):
it only watches the oracle. After every answered batch it trains the learner
on D0 and the labels so far and asks each stopping criterion whether to stop.

Criteria share one method, ``update(model, pred, proba, round_) -> bool``
(``pred``/``proba``: the model's predictions and positive probabilities on the
stop set, the pool): :class:`FairStop` (parity bound met, predicted gain of the
next round below a tolerance), :class:`KappaAverage` and :class:`DeltaFScore`
(stabilising predictions; implemented from their published definitions).
"""

import numpy as np
from sklearn.base import clone
from sklearn.metrics import cohen_kappa_score, f1_score

from ..metrics import demographic_parity
from ..selectors._utils import fit_classifier, predict_labels, predict_positive_proba


def plug_in_f1(pred, proba):
    """Label-free F1 of hard predictions ``pred`` with soft labels ``proba``.

    :math:`F_1 = 2 \\sum_i p_i h_i / (\\sum_i h_i + \\sum_i p_i)` -- the
    expected counts of TP, predicted and actual positives under the model's
    own probabilities.

    Examples
    --------
    >>> plug_in_f1(np.array([1, 0]), np.array([1.0, 0.0]))
    1.0
    """
    pred, proba = np.asarray(pred, float), np.asarray(proba, float)
    return float(2 * pred @ proba / max(pred.sum() + proba.sum(), 1e-12))


class FairStop:
    """Stop when the parity bound holds and the next round is predicted to gain < ``tol``.

    Parameters
    ----------
    rho : float, default=0.04
        The demographic-parity bound.
    tol : float, default=0.002
        Largest predicted F1 gain of one more round that is not worth its labels.
    patience : int, default=2
        Rounds in a row both conditions must hold.

    Attributes
    ----------
    history_ : list of dict
        Per round: ``disparity``, ``certified`` (whether the learner's certified
        bound was used), ``plug_in_f1`` and ``predicted_gain``.

    Notes
    -----
    Parity: the learner's ``certified_bound_`` when it has one (a bound that
    holds on new data with the learner's confidence, issue #17), else its
    demographic parity on the pool :math:`\\max_a |E[h|a] - E[h]| \\le \\rho`
    (label-free; met on the pool, not certified on new data). Predicted gain:
    the last round's change of the label-free plug-in F1 on the pool
    (:func:`plug_in_f1`), the learner's own estimate, which assumes its
    probabilities are calibrated; a learning curve flattens, so the last
    change bounds the next one on average.
    """

    name = "FairStop"

    def __init__(self, *, rho=0.04, tol=0.002, patience=2):
        self.rho = rho
        self.tol = tol
        self.patience = patience

    def update(self, model, pred, proba, groups, round_):
        if round_ == 0:
            self.history_, self._streak, self._last = [], 0, None
        bound = getattr(model, "certified_bound_", None)
        disparity = (float(bound) if bound is not None
                     else demographic_parity(None, pred, sensitive_features=groups))
        f1 = plug_in_f1(pred, proba)
        gain = np.inf if self._last is None else f1 - self._last
        self._last = f1
        self.history_.append({"disparity": disparity, "certified": bound is not None,
                              "plug_in_f1": f1, "predicted_gain": gain})
        ok = disparity <= self.rho and gain < self.tol
        self._streak = self._streak + 1 if ok else 0
        return self._streak >= self.patience


class KappaAverage:
    """Stop when the mean Cohen's kappa of successive models' predictions reaches ``threshold``.

    Bloodgood & Vijay-Shanker (2009), "A method for stopping active learning
    based on stabilizing predictions": kappa agreement on a stop set between
    the models of rounds r-1 and r; stop when the mean of the last ``window``
    kappas is at least ``threshold`` (0.99 in the paper, window 3).

    Parameters
    ----------
    threshold : float, default=0.99
        Mean kappa at or above which to stop.
    window : int, default=3
        Number of most recent kappas averaged.
    """

    name = "KappaAverage"

    def __init__(self, *, threshold=0.99, window=3):
        self.threshold = threshold
        self.window = window

    def update(self, model, pred, proba, groups, round_):
        if round_ == 0:
            self._prev, self._kappas = None, []
        if self._prev is not None:
            same = np.array_equal(self._prev, pred)
            self._kappas.append(1.0 if same else cohen_kappa_score(self._prev, pred))
        self._prev = pred
        recent = self._kappas[-self.window:]
        return len(recent) == self.window and np.mean(recent) >= self.threshold


class DeltaFScore:
    """Stop when successive models' predictions differ by less than ``threshold`` in F1.

    Altschuler & Bloodgood (2019), "Stopping active learning based on predicted
    change of F measure": :math:`\\Delta F = 1 - F_1(h_{r-1}, h_r)` on a stop
    set, the F1 of one model's positives against the other's; stop when the
    last ``window`` values are all below ``threshold`` (0.01, window 3).

    Parameters
    ----------
    threshold : float, default=0.01
        :math:`\\Delta F` below which a round counts as stable.
    window : int, default=3
        Number of most recent rounds that must all be stable.
    """

    name = "DeltaFScore"

    def __init__(self, *, threshold=0.01, window=3):
        self.threshold = threshold
        self.window = window

    def update(self, model, pred, proba, groups, round_):
        if round_ == 0:
            self._prev, self._deltas = None, []
        if self._prev is not None:
            self._deltas.append(1.0 - f1_score(self._prev, pred, zero_division=1.0))
        self._prev = pred
        recent = self._deltas[-self.window:]
        return len(recent) == self.window and max(recent) < self.threshold


class _Stop(Exception):
    """Raised from the oracle to end the loop; the labels bought so far are kept."""


def learn_in_rounds(selector, X, y, g, X_pool, g_pool, oracle, *, budget, batch_size,
                    estimator, criteria, stop_on=None):
    """Select in rounds of ``batch_size`` through the selector's loop, watching stopping rules.

    Parameters
    ----------
    selector : sequential query selector (margin, entropy, FAL, ...)
        Fitted here on (X, y, g); its ``query_batch_size`` is set to ``batch_size``.
    X, y, g : arrays
        D0.
    X_pool, g_pool : arrays
        The pool (the stop set of the criteria).
    oracle : callable
        ``oracle(positions) -> labels``.
    budget, batch_size : int
    estimator : classifier
        The learner trained on D0 and the bought labels after every round.
    criteria : list
        Stopping criteria (:class:`FairStop`, :class:`KappaAverage`, ...).
    stop_on : str, default=None
        ``name`` of the criterion that ends the loop; ``None`` runs the whole
        budget and only records where each criterion would stop.

    Returns
    -------
    positions : ndarray of int
        The pool rows labeled, in query order (all labels bought, including
        the batch after which the loop stopped).
    stops : dict
        Per criterion name: the number of labels at which it first said stop
        (``None`` if never).
    """
    asked, answers, stops = [], [], {c.name: None for c in criteria}

    def watching(positions):
        labels = np.asarray(oracle(positions))
        asked.extend(np.asarray(positions).tolist())
        answers.extend(labels.tolist())
        rows = np.asarray(asked)
        model = fit_classifier(estimator, np.vstack([X, X_pool[rows]]),
                               np.r_[y, answers], np.r_[g, g_pool[rows]],
                               Z_unlabeled=X_pool, groups_unlabeled=g_pool)
        pred = predict_labels(model, X_pool, random_state=0, sensitive_features=g_pool)
        proba = predict_positive_proba(getattr(model, "estimator_", model), X_pool)
        for c in criteria:
            if c.update(model, pred, proba, g_pool, len(asked) // batch_size - 1) \
                    and stops[c.name] is None:
                stops[c.name] = len(asked)
        if stop_on is not None and stops.get(stop_on) is not None:
            raise _Stop
        return labels

    selector = clone(selector).set_params(query_batch_size=batch_size)
    selector.fit(X, y, sensitive_features=g)
    try:
        selector.select(X_pool, budget, sensitive_features=g_pool, oracle=watching)
    except _Stop:
        pass
    return np.asarray(asked, dtype=np.intp), stops
