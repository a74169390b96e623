"""SelectionPipeline: a scikit-learn ``Pipeline`` that also answers ``select``."""

from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils.metaestimators import available_if

from .learners._pipeline import GroupAwarePipeline  # noqa: F401 - re-exported

# GroupAwarePipeline is importable here too; documented once, under skpanda.learners.
__all__ = ["SelectionPipeline", "make_selection_pipeline"]


def _final_step_selects(self):
    return hasattr(self._final_estimator, "select")


class SelectionPipeline(Pipeline):
    """A :class:`~sklearn.pipeline.Pipeline` whose last step is a query selector.

    It behaves exactly like ``Pipeline`` (``fit``, ``score``, ``get_params``,
    metadata routing, ``GridSearchCV``) and adds ``select``: the pool goes
    through the fitted earlier steps, then the last step picks the rows.

    Parameters
    ----------
    steps : list of (str, estimator) tuples
        As in :class:`~sklearn.pipeline.Pipeline`; the last step must have a
        ``select`` method for :meth:`select` to be available.
    memory, transform_input, verbose
        As in :class:`~sklearn.pipeline.Pipeline`.

    Notes
    -----
    The sensitive attribute is best passed by keyword: earlier steps such as a
    ``ColumnTransformer`` usually encode or drop the sensitive column, so the
    selector never sees it by name. Fit with ``selector__sensitive_features=A``
    (or ``sensitive_features=A`` under ``sklearn.set_config(
    enable_metadata_routing=True)``, which selectors request by default) and
    select with ``select(X_pool, sensitive_features=A_pool)``. Column mode
    (``sensitive_feature="sex"`` on the selector) works only when the earlier
    steps pass that column through unchanged and output a DataFrame
    (``remainder="passthrough"``, ``verbose_feature_names_out=False``,
    ``.set_output(transform="pandas")``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skpanda.pipeline import make_selection_pipeline
    >>> from skpanda.selectors import MarginQuerySelector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 3)); y = (X[:, 0] > 0).astype(int)
    >>> pipe = make_selection_pipeline(StandardScaler(),
    ...                                MarginQuerySelector(budget=4, random_state=0))
    >>> pipe = pipe.fit(X, y)
    >>> pipe.select(rng.normal(size=(30, 3))).shape
    (4,)
    """

    @available_if(_final_step_selects)
    def select(self, X_pool, budget=None, *, sensitive_features=None, oracle=None):
        """Transform ``X_pool`` through the earlier steps, then select rows.

        Parameters
        ----------
        X_pool : array-like of shape (n_pool, n_features)
            The raw unlabeled pool.
        budget : int, default=None
            Number of rows; ``None`` uses the selector's ``budget``.
        sensitive_features : array-like of shape (n_pool,), default=None
            Groups of the pool rows (see Notes of the class).
        oracle : callable, default=None
            ``oracle(positions) -> labels``; positions index ``X_pool``.

        Returns
        -------
        positions : ndarray of int, shape (budget,)
            Unique positions into ``X_pool``, in labeling order.
        """
        Z_pool = self[:-1].transform(X_pool) if len(self.steps) > 1 else X_pool
        return self._final_estimator.select(
            Z_pool, budget, sensitive_features=sensitive_features, oracle=oracle
        )


def make_selection_pipeline(*steps, memory=None, transform_input=None, verbose=False):
    """Build a :class:`SelectionPipeline`, naming steps like ``make_pipeline``.

    Parameters
    ----------
    *steps : estimators
        Transformers, then a query selector.
    memory, transform_input, verbose
        As in :func:`sklearn.pipeline.make_pipeline`.

    Returns
    -------
    pipeline : SelectionPipeline

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skpanda.selectors import RandomQuerySelector
    >>> pipe = make_selection_pipeline(StandardScaler(), RandomQuerySelector())
    >>> [name for name, _ in pipe.steps]
    ['standardscaler', 'randomqueryselector']
    """
    named = make_pipeline(*steps).steps
    return SelectionPipeline(
        named, memory=memory, transform_input=transform_input, verbose=verbose
    )
