"""Scorers with a fixed parity target, for ``GridSearchCV`` over ``rho`` and ``budget``.

A search over ``rho`` must compare every candidate against the *user's*
requirement (say Δ_DP <= .04 on unseen data), not against the candidate's own
``rho``: a looser ``rho`` would otherwise be penalised less and win. The
scorers here hold that requirement (``target``) and score every candidate the
same way. They follow scikit-learn's scorer protocol (``scorer(estimator, X,
y, **kw)``) and request ``sensitive_features`` through metadata routing.
"""

import numbers

import numpy as np
from sklearn import metrics as skm
from sklearn.utils.metadata_routing import MetadataRequest

from ._registry import constraint_name, disparity

_METRICS = {
    "f1": skm.f1_score,
    "accuracy": skm.accuracy_score,
    "balanced_accuracy": skm.balanced_accuracy_score,
    "precision": skm.precision_score,
    "recall": skm.recall_score,
}
_OUTPUTS = ("score", "metric", "disparity", "parity_ok")
_ZERO_DIVISION = ("f1", "precision", "recall")


def penalised_score(value, delta, target):
    """``value`` when ``delta <= target``, else a value below every feasible one.

    Parameters
    ----------
    value : float
        A quality metric in [0, 1] (F1, accuracy, ...), higher is better.
    delta : float
        The held-out disparity.
    target : float
        The disparity the user requires (> 0).

    Returns
    -------
    float
        ``value`` if feasible; otherwise ``value - 1 - (delta - target) / target``,
        which is negative.

    Notes
    -----
    .. math::

        s = \\begin{cases} m & \\hat\\Delta_V \\le t \\\\
            m - 1 - (\\hat\\Delta_V - t) / t & \\text{otherwise} \\end{cases}

    The unit step makes any fold that violates the target score below any fold
    that meets it (the metric is in [0, 1]); among violations the smaller
    relative excess wins. The constraint of the paper's Eq. (4) is
    :math:`\\hat\\Delta_V(h) < \\rho`; here the bound is the user's target ``t``,
    the same for every candidate.

    Examples
    --------
    >>> from skpanda.metrics import penalised_score
    >>> penalised_score(0.7, 0.03, 0.04)
    0.7
    >>> round(penalised_score(0.7, 0.05, 0.04), 2)
    -0.55
    """
    value, delta = float(value), float(delta)
    if delta <= target:
        return value
    return value - 1.0 - (delta - target) / target


class ParityScorer:
    """Scorer (``scorer(estimator, X, y)``) against a fixed disparity target.

    Build it with :func:`make_parity_scorer` or :func:`make_parity_scorers`.
    A query selector (anything with ``simulate_selection``, or a ``Pipeline``
    ending in one) is scored on the simulation its ``score`` runs: ``X`` split
    into pool and validation, ``budget`` rows selected, the downstream
    classifier trained and its validation predictions scored. Any other
    classifier is scored on ``predict(X)``.

    Attributes of a built scorer are read-only; see :func:`make_parity_scorer`
    for the parameters.
    """

    def __init__(self, constraint, target, metric, output, sensitive_feature, cache):
        self._constraint = constraint
        self._target = target
        self._metric = metric
        self._output = output
        self._sensitive_feature = sensitive_feature
        self._cache = cache
        self._request = True

    def __repr__(self):
        return (f"make_parity_scorer(constraint={self._constraint!r}, "
                f"target={self._target!r}, metric={self._metric!r}, "
                f"output={self._output!r})")

    def __call__(self, estimator, X, y_true, *, sensitive_features=None, sample_weight=None):
        y, y_pred, groups = self._outcome(estimator, X, y_true, sensitive_features)
        if self._output == "metric":
            return self._metric_value(y, y_pred)
        delta = self._disparity(y, y_pred, groups)
        if self._output == "disparity":
            return delta
        if self._output == "parity_ok":
            return float(delta <= self._target)
        return penalised_score(self._metric_value(y, y_pred), delta, self._target)

    # ------------------------------------------------------ metadata routing
    def set_score_request(self, *, sensitive_features=True):
        """Whether (or under which alias) to request ``sensitive_features``.

        Requested by default; used only with
        ``sklearn.set_config(enable_metadata_routing=True)``.

        Returns
        -------
        self : ParityScorer
        """
        self._request = sensitive_features
        return self

    def get_metadata_routing(self):
        """The metadata this scorer requests: ``sensitive_features`` for ``score``."""
        request = MetadataRequest(owner=self)
        request.score.add_request(param="sensitive_features", alias=self._request)
        return request

    # -------------------------------------------------------------- helpers
    def _outcome(self, estimator, X, y_true, sensitive_features):
        key = (estimator, X, y_true, sensitive_features)
        if self._cache is not None:
            hit = self._cache.get(key, self._output)
            if hit is not None:
                return hit
        if sensitive_features is None and self._sensitive_feature is not None:
            sensitive_features = _column(X, self._sensitive_feature)
        result = predict_outcome(estimator, X, y_true, sensitive_features)
        if self._cache is not None:
            self._cache.put(key, self._output, result)
        return result

    def _metric_value(self, y, y_pred):
        if callable(self._metric):
            return float(self._metric(y, y_pred))
        kw = {"zero_division": 0.0} if self._metric in _ZERO_DIVISION else {}
        return float(_METRICS[self._metric](y, y_pred, **kw))

    def _disparity(self, y, y_pred, groups):
        if groups is None:
            raise ValueError(
                "The parity scorer needs sensitive_features. Under GridSearchCV enable "
                "metadata routing with sklearn.set_config(enable_metadata_routing=True) "
                "(scikit-learn never passes sensitive_features to scoring otherwise), or "
                "name the column with make_parity_scorer(..., sensitive_feature='...')."
            )
        if np.unique(groups).size < 2:  # one group: nothing to compare
            return 0.0
        return float(disparity(y, y_pred, sensitive_features=groups,
                               constraint=self._constraint))


def make_parity_scorer(constraint="demographic_parity", target=0.04, *, metric="f1",
                       output="score", sensitive_feature=None):
    """A scorer that holds every candidate to the same disparity ``target``.

    Use it as ``GridSearchCV(..., scoring=make_parity_scorer(target=.04))``
    to tune ``rho``, ``budget`` or a fairlearn bound for one requirement
    (Δ <= ``target`` on held-out data): ``rho`` is a knob to meet the target,
    and a tighter ``rho`` may be what meets it out of sample.

    Parameters
    ----------
    constraint : str or fairlearn Moment, default="demographic_parity"
        Parity metric (see :func:`skpanda.metrics.constraint_name`).
    target : float, default=0.04
        The disparity the user requires on held-out data; the same for every
        candidate.
    metric : {"f1", "accuracy", "balanced_accuracy", "precision", "recall"} or callable, \
            default="f1"
        Quality metric, or ``metric(y_true, y_pred) -> float`` in [0, 1]. Labels
        are 0/1 with 1 the larger class (``classes_[-1]``).
    output : {"score", "metric", "disparity", "parity_ok"}, default="score"
        What the scorer returns: :func:`penalised_score` of the metric, the
        metric, the held-out disparity, or 1.0/0.0 for disparity <= target.
    sensitive_feature : str or int, default=None
        Column of ``X`` that holds the groups, for searches without metadata
        routing. The estimator still receives the whole ``X``.

    Returns
    -------
    scorer : ParityScorer
        ``scorer(estimator, X, y, sensitive_features=None)``. It requests
        ``sensitive_features`` under ``sklearn.set_config(enable_metadata_routing=True)``
        (``set_score_request`` changes that).

    See Also
    --------
    make_parity_scorers : the score, metric, disparity and parity flag at once.

    Notes
    -----
    With ``output="score"`` a fold scores :math:`m` if
    :math:`\\hat\\Delta_V \\le t`, else :math:`m - 1 - (\\hat\\Delta_V - t)/t`
    (:func:`penalised_score`). For a query selector :math:`m` and
    :math:`\\hat\\Delta_V` are those of the downstream classifier trained on
    the rows it selects (``simulate_selection``), as in its ``score``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skpanda.metrics import make_parity_scorer
    >>> rng = np.random.RandomState(0)
    >>> X, g = rng.normal(size=(200, 3)), rng.randint(0, 2, 200)
    >>> y = (X[:, 0] + g > 0.5).astype(int)
    >>> clf = LogisticRegression().fit(X, y)
    >>> scorer = make_parity_scorer(target=0.04)
    >>> bool(scorer(clf, X, y, sensitive_features=g) < 0)  # misses the target
    True
    """
    return ParityScorer(*_check_scorer_params(constraint, target, metric, output),
                        sensitive_feature, None)


def make_parity_scorers(constraint="demographic_parity", target=0.04, *, metric="f1",
                        sensitive_feature=None):
    """Scorers for a multi-metric ``GridSearchCV``: score, metric, disparity, parity flag.

    Parameters
    ----------
    constraint, target, metric, sensitive_feature
        As in :func:`make_parity_scorer`.

    Returns
    -------
    scorers : dict
        ``{"score": ..., <metric name>: ..., "disparity": ..., "parity_ok": ...}``
        (the metric's key is ``"metric"`` for a callable). Pass it as
        ``scoring=`` with ``refit=best_feasible`` (or ``"score"``); ``cv_results_`` then holds
        ``mean_test_f1``, ``mean_test_disparity`` and ``mean_test_parity_ok``
        per candidate (plot them with :func:`skpanda.plotting.plot_tradeoff`).

    Notes
    -----
    The four scorers share one prediction per (estimator, fold): a query
    selector's simulation runs once, not four times. scikit-learn caches
    ``predict`` only for its own private scorer class, so the sharing is done
    here, by identity of the estimator and data. ``rank_test_disparity`` ranks
    the *largest* disparity first: refit on ``"score"``.

    Examples
    --------
    >>> from skpanda.metrics import make_parity_scorers
    >>> sorted(make_parity_scorers(target=0.04))
    ['disparity', 'f1', 'parity_ok', 'score']
    """
    constraint, target, metric, _ = _check_scorer_params(constraint, target, metric, "score")
    cache = _OutcomeCache()
    name = metric if isinstance(metric, str) else "metric"
    keys = {"score": "score", name: "metric", "disparity": "disparity",
            "parity_ok": "parity_ok"}
    return {key: ParityScorer(constraint, target, metric, output, sensitive_feature, cache)
            for key, output in keys.items()}


def best_feasible(cv_results):
    """Refit rule: the best mean score among candidates that meet the target in every fold.

    Pass it as ``GridSearchCV(..., scoring=make_parity_scorers(...),
    refit=best_feasible)``. When no candidate meets the target in every fold,
    the best mean score overall.

    Parameters
    ----------
    cv_results : dict
        ``cv_results_`` of a search scored with :func:`make_parity_scorers`.

    Returns
    -------
    int
        Index of the chosen candidate.

    Notes
    -----
    A candidate with :math:`\\hat\\Delta_V > t` on some fold can out-average
    one that meets :math:`t` on all of them when its other folds score high;
    this rule rules that out: a candidate violating the target is never
    chosen while another meets it on every held-out fold.

    Examples
    --------
    >>> from skpanda.metrics import best_feasible
    >>> best_feasible({"mean_test_score": [0.7, 0.5], "mean_test_parity_ok": [0.5, 1.0]})
    1
    """
    score = np.asarray(cv_results["mean_test_score"], dtype=float)
    ok = np.asarray(cv_results["mean_test_parity_ok"], dtype=float) == 1.0
    candidates = np.flatnonzero(ok) if ok.any() else np.arange(score.size)
    return int(candidates[np.nanargmax(score[candidates])])


def _check_scorer_params(constraint, target, metric, output):
    if isinstance(target, bool) or not isinstance(target, numbers.Real) or not target > 0:
        raise ValueError(
            f"target={target!r} must be a positive number: the disparity the model "
            "must stay below on held-out data, e.g. target=0.04."
        )
    if not callable(metric) and metric not in _METRICS:
        raise ValueError(
            f"metric={metric!r} is unknown; use one of {', '.join(_METRICS)} or a "
            "callable metric(y_true, y_pred)."
        )
    if output not in _OUTPUTS:
        raise ValueError(f"output={output!r} is unknown; use one of {', '.join(_OUTPUTS)}.")
    return constraint_name(constraint), float(target), metric, output


def predict_outcome(estimator, X, y_true, sensitive_features=None):
    """Held-out labels, predictions and groups that a parity scorer scores.

    Parameters
    ----------
    estimator : fitted classifier, query selector, or Pipeline ending in either
        A selector (it has ``simulate_selection``) runs the selection
        simulation of its ``score``; a classifier predicts ``X``.
    X, y_true : array-like
        Held-out data.
    sensitive_features : array-like, default=None
        Groups of ``X`` (a selector may read them from its own column).

    Returns
    -------
    y, y_pred : ndarray of {0, 1}
        Labels and predictions, 1 = the positive (larger) class.
    groups : ndarray or None
        Groups of the scored rows.
    """
    selector, X_sel = _final_selector(estimator, X)
    if selector is not None:
        return selector.simulate_selection(X_sel, y_true, sensitive_features=sensitive_features)
    y_true = np.asarray(y_true)
    classes = getattr(estimator, "classes_", None)
    positive = np.unique(y_true)[-1] if classes is None else np.asarray(classes)[-1]
    y_pred = np.asarray(estimator.predict(X))
    groups = None if sensitive_features is None else np.asarray(sensitive_features)
    return (y_true == positive).astype(int), (y_pred == positive).astype(int), groups


def _final_selector(estimator, X):
    """(selector, X in its input space) if ``estimator`` is or ends in a selector."""
    if hasattr(estimator, "simulate_selection"):
        return estimator, X
    steps = getattr(estimator, "steps", None)
    if steps and hasattr(steps[-1][1], "simulate_selection"):
        return steps[-1][1], estimator[:-1].transform(X)
    return None, X


def _column(X, column):
    if hasattr(X, "iloc"):
        return np.asarray(X[column] if isinstance(column, str) else X.iloc[:, column])
    return np.asarray(X)[:, column]


class _OutcomeCache:
    """One simulation shared by the scorers of :func:`make_parity_scorers`.

    It holds the last (estimator, X, y, groups) by identity and is served once
    to each other output: a scorer asking twice recomputes (the estimator may
    have been refitted in between). Emptied when pickled.
    """

    def __init__(self):
        self._key, self._result, self._served = None, None, set()

    def get(self, key, output):
        same = self._key is not None and all(a is b for a, b in zip(self._key, key))
        if not same or output in self._served:
            return None
        self._served.add(output)
        return self._result

    def put(self, key, output, result):
        self._key, self._result, self._served = key, result, {output}

    def __getstate__(self):
        return {}

    def __setstate__(self, state):
        self.__init__()
