"""What ``fit_selected`` needs: the labels a user has, and a model on the user's input space."""

import copy

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..learners._pipeline import GroupAwarePipeline


class SelectorRepresentation(TransformerMixin, BaseEstimator):
    """A fitted selector's input handling and representation, as a pipeline step.

    ``transform(X)`` does what the selector does to its input before a model
    sees it: take out the ``sensitive_feature`` column when one is named,
    check the columns against those seen in ``fit``, and apply the fitted
    ``encoder`` (PANDA: its pretrained row encoder); without an encoder it
    returns the checked ``X``. It is the first step of the model returned by
    :meth:`~skpanda.selectors.BaseQuerySelector.fit_selected`.

    Parameters
    ----------
    selector : fitted BaseQuerySelector
        Kept as a shallow copy made by ``fit_selected``, so refitting the
        selector later does not change a model already returned.

    Notes
    -----
    The step is fitted by construction: ``fit`` checks that ``selector`` is
    fitted and does nothing else (a cloned, hence unfitted, selector makes it
    fail with scikit-learn's ``NotFittedError``).
    """

    def __init__(self, selector):
        self.selector = selector

    def fit(self, X=None, y=None):
        """Check that the selector is fitted; nothing is learned."""
        check_is_fitted(self.selector, "estimator_")
        return self

    def transform(self, X):
        """The selector's representation of ``X`` (its model's input)."""
        check_is_fitted(self.selector, "estimator_")
        return self.selector._represent(X)

    def __sklearn_is_fitted__(self):
        return hasattr(self.selector, "estimator_")


def selected_model(selector, learner):
    """``GroupAwarePipeline([representation, learner])``, both fitted.

    The learner was trained on label codes; the pipeline predicts ``classes_``.
    """
    return GroupAwarePipeline([("representation", SelectorRepresentation(copy.copy(selector))),
                               ("estimator", learner)], classes=selector.classes_)


def check_positions(positions, n_pool):
    """``positions`` as a 1-d int array of unique positions into a pool of ``n_pool`` rows."""
    pos = np.asarray(positions)
    if pos.ndim != 1 or not (pos.dtype.kind in "iu" or (
            pos.size == 0 and pos.dtype.kind == "f")):
        raise ValueError(
            f"positions must be a 1-d array of integer row positions into X_pool (the output "
            f"of select), got {pos.dtype} of shape {pos.shape}.")
    pos = pos.astype(np.intp)
    if pos.size == 0:
        raise ValueError("positions is empty; pass the positions of the labeled rows.")
    if pos.min() < -n_pool or pos.max() >= n_pool:
        raise ValueError(f"positions holds values outside the pool's {n_pool} rows; pass "
                         "positions into X_pool (the output of select).")
    pos = pos % n_pool
    if np.unique(pos).size != pos.size:
        raise ValueError("positions holds a row more than once; pass each labeled row once.")
    return pos


def selected_labels(y_pool, positions, n_pool):
    """The labels of the rows at ``positions``.

    ``y_pool`` holds one entry per pool row (missing values -- NaN/None --
    at unlabeled rows are fine; scikit-activeml's convention) or one label per
    position, in the order of ``positions``. With as many positions as pool
    rows, ``y_pool`` is read per pool row.
    """
    if isinstance(y_pool, pd.DataFrame) or np.ndim(y_pool) != 1:
        raise ValueError(f"y_pool must be 1-d (one label per row), got shape "
                         f"{np.shape(y_pool)}.")
    y = y_pool.to_numpy() if hasattr(y_pool, "to_numpy") else np.asarray(y_pool)
    if y.shape[0] == n_pool:
        y = y[positions]
        where = "at the selected pool positions"
    elif y.shape[0] == positions.shape[0]:
        where = "for the selected rows"
    else:
        raise ValueError(
            f"y_pool has {y.shape[0]} labels; pass one per pool row ({n_pool}, NaN where "
            f"unlabeled) or one per position ({positions.shape[0]}, in the order of "
            "positions).")
    missing = pd.isna(y)
    if missing.any():
        shown = positions[missing][:5].tolist()
        raise ValueError(
            f"y_pool has no label {where} {shown}{'...' if missing.sum() > 5 else ''} "
            f"({int(missing.sum())} of {positions.shape[0]}); label them, or leave them out "
            "of positions.")
    if y.dtype.kind == "f" and np.all(y == np.round(y)):
        y = y.astype(np.int64)  # 0./1. once NaN made the column float
    return y
