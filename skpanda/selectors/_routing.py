"""Fail fast when a search would score every candidate NaN (metadata-routing trap).

Without ``sklearn.set_config(enable_metadata_routing=True)``, ``GridSearchCV``
passes ``sensitive_features`` to ``fit`` but never to scoring: ``score``
raises, the search turns each failure into ``nan`` (a warning per fold) and
silently picks the first candidate. Scoring errors cannot be surfaced from
inside ``score`` (``error_score`` catches them), but fit errors can: when all
fits fail the search raises one ``ValueError`` that quotes ours. So ``fit``
refuses the one situation that leads there.

How ``fit`` knows it runs inside a search's candidate evaluation: scikit-learn
(>= 1.9) hands every fitted sub-estimator its task context as
``_parent_callback_ctx`` (documented in
``sklearn.callback.CallbackContext.propagate_callback_context``); the public
``task_name``/``parent`` attributes of that context name the search's
``"candidate-split-evaluation"`` task, also through a ``Pipeline``. Older
scikit-learn, and ``cross_validate`` (which passes no context), keep the NaN
behaviour, whose warnings carry the same message from ``score``.
"""

import numpy as np
import sklearn

_EVALUATION_TASK = "candidate-split-evaluation"


def in_search_evaluation(estimator):
    """Whether ``estimator`` is being fitted as one candidate of a CV search."""
    ctx = getattr(estimator, "_parent_callback_ctx", None)
    for _ in range(64):  # a task tree is shallow; never loop on a malformed one
        if ctx is None:
            return False
        if _EVALUATION_TASK in (getattr(ctx, "task_name", None),
                                getattr(ctx, "source_task_name", None)):
            return True
        ctx = getattr(ctx, "parent", None)
    return False


def check_score_routing(estimator, sensitive_features):
    """Raise if a search will call ``score`` without the groups ``fit`` got.

    Parameters
    ----------
    estimator : BaseQuerySelector
        The selector being fitted.
    sensitive_features : array-like or None
        The groups passed to ``fit`` by keyword (not from a named column).

    Raises
    ------
    ValueError
        Routing disabled, at least two groups passed by keyword, and ``fit``
        runs as a candidate of ``GridSearchCV``/``RandomizedSearchCV``.
    """
    if sensitive_features is None or sklearn.get_config()["enable_metadata_routing"]:
        return
    if not in_search_evaluation(estimator):
        return
    if np.unique(np.asarray(sensitive_features).astype(str)).size < 2:
        return
    raise ValueError(
        f"{type(estimator).__name__} got sensitive_features in a cross-validated search "
        "with metadata routing disabled: scikit-learn would never pass them to scoring, "
        "every candidate would score NaN and the first would be picked silently. Call "
        "sklearn.set_config(enable_metadata_routing=True) before the search, or name the "
        "group column with sensitive_feature='column' (and pass it inside X)."
    )
