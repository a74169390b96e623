"""Small helpers shared by every selector: budgets, top-k, oracles, estimators."""

import inspect
import numbers

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression


def check_budget(budget, n_pool, *, name="budget"):
    """Return ``budget`` as an int in ``[1, n_pool]`` or raise a clear error.

    ``n_pool=None`` checks only that ``budget`` is a positive integer (the
    ``budget`` parameter, checked in ``fit`` before any work).
    """
    if isinstance(budget, bool) or not isinstance(budget, numbers.Integral):
        raise TypeError(
            f"{name} must be a positive integer (number of rows to select), "
            f"got {budget!r} of type {type(budget).__name__}."
        )
    budget = int(budget)
    if budget <= 0:
        raise ValueError(f"{name}={budget} must be at least 1.")
    if n_pool is not None and budget > n_pool:
        raise ValueError(
            f"{name}={budget} exceeds the pool size ({n_pool}); "
            f"pass a budget of at most {n_pool} or a larger pool."
        )
    return budget


def top_k(scores, k, random_state):
    """Positions of the ``k`` highest ``scores``, best first.

    Ties are broken by a random permutation drawn from ``random_state``, so the
    result is deterministic for a fixed seed and unbiased across ties.

    Examples
    --------
    >>> import numpy as np
    >>> top_k(np.array([0.1, 0.9, 0.5]), 2, np.random.RandomState(0)).tolist()
    [1, 2]
    """
    scores = np.asarray(scores, dtype=float)
    tiebreak = random_state.permutation(scores.shape[0])
    if k < scores.shape[0] and not np.isnan(scores).any():
        # Only rows scoring at least the k-th highest score can be picked: sort those.
        kth = np.partition(-scores, k - 1)[k - 1]
        rows = np.flatnonzero(-scores <= kth)
        return rows[np.lexsort((tiebreak[rows], -scores[rows]))[:k]]
    return np.lexsort((tiebreak, -scores))[:k]


def default_estimator():
    """The downstream classifier used when ``estimator=None``."""
    return LogisticRegression(max_iter=1000)


def _takes_sensitive_features(estimator):
    params = inspect.signature(estimator.fit).parameters
    if "sensitive_features" in params:
        return True
    has_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
    # fairlearn reductions take ``sensitive_features`` through **kwargs.
    return has_kwargs and hasattr(estimator, "constraints")


def takes_unlabeled(estimator):
    """Whether ``estimator.fit`` accepts unlabeled rows (``skpanda.learners``)."""
    return "X_unlabeled" in inspect.signature(estimator.fit).parameters


def fit_classifier(template, Z, y, groups, *, Z_unlabeled=None, groups_unlabeled=None,
                   fit_params=None):
    """Fit a clone of ``template`` on ``(Z, y)``.

    ``sensitive_features=groups`` is passed when the classifier's ``fit`` takes
    it (fairlearn reductions); ``X_unlabeled=Z_unlabeled`` and
    ``sensitive_features_unlabeled=groups_unlabeled`` when it takes unlabeled
    rows (the pool-aware learners of :mod:`skpanda.learners`); ``fit_params``
    (such as ``SGDClassifier``'s ``coef_init``) go to ``fit`` as they are. A
    training set with a single class gets a ``DummyClassifier`` predicting
    that class: no learner can do better, and callers never see a solver
    error from a degenerate selection.
    """
    if np.unique(y).size < 2:
        return DummyClassifier(strategy="most_frequent").fit(Z, y)
    est = clone(template)
    kwargs = dict(fit_params or {})
    if Z_unlabeled is not None and takes_unlabeled(est):
        kwargs.update(X_unlabeled=Z_unlabeled, sensitive_features_unlabeled=groups_unlabeled)
    if _takes_sensitive_features(est):
        return est.fit(Z, y, sensitive_features=groups, **kwargs)
    return est.fit(Z, y, **kwargs)


def predict_labels(estimator, Z, random_state=None, sensitive_features=None):
    """Hard 0/1 predictions.

    A randomized predictor (fairlearn) gets a seed; a learner whose ``predict``
    takes ``sensitive_features`` (group thresholds, e.g.
    :class:`~skpanda.learners.PoolThresholdClassifier`) gets the groups.
    """
    params = inspect.signature(estimator.predict).parameters
    kwargs = {}
    if "random_state" in params:
        kwargs["random_state"] = random_state
    if "sensitive_features" in params and sensitive_features is not None:
        kwargs["sensitive_features"] = sensitive_features
    return np.asarray(estimator.predict(Z, **kwargs))


def predict_positive_proba(estimator, Z):
    """P(y=1 | z) from ``predict_proba``, or a sigmoid of ``decision_function``.

    A fitted binary ``LogisticRegression`` (the class itself) on a float64
    array gets scikit-learn's own arithmetic, ``expit(Z @ coef_.T +
    intercept_)``, without its per-call input validation: the same values,
    bit for bit, a tenth of the time on a few thousand rows (this runs once per
    query of a sequential selector).
    """
    if (type(estimator) is LogisticRegression and type(Z) is np.ndarray
            and Z.dtype == np.float64 and Z.ndim == 2
            and getattr(estimator, "coef_", np.empty((0, 0))).shape == (1, Z.shape[1])):
        return expit((Z @ estimator.coef_.T + estimator.intercept_).reshape(-1))
    if hasattr(estimator, "predict_proba"):
        proba = estimator.predict_proba(Z)
        if proba.shape[1] == 1:  # DummyClassifier trained on one class
            return np.full(proba.shape[0], float(estimator.classes_[0]))
        return proba[:, 1]
    return 1.0 / (1.0 + np.exp(-np.asarray(estimator.decision_function(Z))))


def _predict_takes_groups(estimator):
    predict = getattr(estimator, "predict", None)
    return predict is not None and "sensitive_features" in inspect.signature(predict).parameters


def is_plain_scorer(estimator):
    """Whether ``estimator`` can score pool rows on its own.

    It has ``predict_proba`` or ``decision_function``, and neither its ``fit``
    nor its ``predict`` needs groups or unlabeled rows (a fairlearn reduction,
    a pool-aware learner of :mod:`skpanda.learners` does).
    """
    if not (hasattr(estimator, "predict_proba") or hasattr(estimator, "decision_function")):
        return False
    return not (_takes_sensitive_features(estimator) or takes_unlabeled(estimator)
                or _predict_takes_groups(estimator))


def query_template(estimator, query_estimator=None):
    """The query model: the classifier a strategy fits to score the pool.

    ``query_estimator`` when given. Otherwise the plain model behind the
    downstream ``estimator``: the estimator itself when it is a plain
    probabilistic classifier (:func:`is_plain_scorer`); the base ``estimator``
    of a fairlearn reduction or of a pool-aware learner (paper §4.1,
    "Fairlearn+AL" selects by the margin of the unconstrained learner, then
    fairlearn trains the final classifier); a ``LogisticRegression`` when that
    base is left at ``None``.
    """
    if query_estimator is not None:
        if not (hasattr(query_estimator, "predict_proba")
                or hasattr(query_estimator, "decision_function")):
            raise TypeError(
                f"query_estimator {type(query_estimator).__name__} has neither predict_proba "
                "nor decision_function; pass a probabilistic classifier such as "
                "LogisticRegression(max_iter=1000).")
        return query_estimator
    if estimator is None:
        return default_estimator()
    if is_plain_scorer(estimator):
        return estimator
    if hasattr(estimator, "estimator"):
        inner = estimator.estimator
        if inner is None:
            return default_estimator()
        if is_plain_scorer(inner):
            return inner
    raise TypeError(
        f"estimator {type(estimator).__name__} cannot score pool rows (no predict_proba or "
        "decision_function, or it needs groups to predict) and has no plain base "
        "`estimator` that can; pass query_estimator=LogisticRegression(max_iter=1000) "
        "(the model that ranks the rows; estimator still trains the final model)."
    )


def stack_rows(A, B):
    """Row-stack two feature matrices, dense or sparse."""
    if sp.issparse(A) or sp.issparse(B):
        return sp.vstack([sp.csr_matrix(A), sp.csr_matrix(B)]).tocsr()
    return np.vstack([A, B])


def progress_bar(selector, total, unit, desc=None):
    """A tqdm bar on stderr when ``selector.verbose``, else a disabled one.

    Used as a context manager around one long step, so the bar is never kept
    on the selector (tqdm objects break pickling and ``clone``).

    Examples
    --------
    >>> from skpanda.selectors import RandomQuerySelector
    >>> with progress_bar(RandomQuerySelector(verbose=False), 3, "queries") as bar:
    ...     _ = bar.update(3)
    >>> bar.disable
    True
    """
    from tqdm.auto import tqdm

    return tqdm(total=total, unit=unit, desc=desc or type(selector).__name__,
                disable=not getattr(selector, "verbose", False), leave=False)
