"""Shared docstring text, written once and substituted into docstrings.

Usage::

    @fill_doc
    class MySelector(BaseQuerySelector):
        '''...

        Parameters
        ----------
        {budget}
        '''
"""

# Everything after ``y_true`` in a Table-1 metric's Parameters and Returns.
_METRIC_PARAMETERS_REST = """    y_pred : array-like of shape (n_samples,)
        Predictions ``h``: 0/1 labels, or probabilities of the positive class in
        [0, 1] (then every expectation is a mean probability).
    sensitive_features : array-like of shape (n_samples,) or (n_samples, n_columns)
        Group of each row (strings, integers, ...). Several columns define one
        group per distinct combination. At least two groups are required.
    method : {"difference", "ratio"}, default="difference"
        ``"difference"``: the largest absolute gap (Table 1). ``"ratio"``: the
        smallest ratio ``min(u, v) / max(u, v)`` over the same pairs of
        expectations ``(u, v)``, with ``0 / 0 := 1``; 1 means parity.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights; expectations become weighted means ``sum(w h) / sum(w)``.

    Returns
    -------
    float
        In [0, 1]. 0 (difference) or 1 (ratio) means perfect parity."""

_SHARED = {
    "metric_parameters_y_optional": """Parameters
    ----------
    y_true : array-like of shape (n_samples,) or None
        Ignored (demographic parity does not look at labels); accepted so all
        metrics share one signature.
""" + _METRIC_PARAMETERS_REST,
    "metric_parameters": """Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True binary labels, 0/1 or booleans.
""" + _METRIC_PARAMETERS_REST,
    "metric_empty_cells": """A (group, label) cell without rows (or with zero total weight) has no
    conditional mean: it is skipped, never NaN. When nothing comparable remains
    the disparity is 0.0 (difference) or 1.0 (ratio).""",
    "budget": """budget : int, default=400
        Number of rows to select when :meth:`select` is called without one.""",
    "estimator": """estimator : classifier, default=None
        The downstream classifier trained on the selected rows (``None`` means
        ``LogisticRegression(max_iter=1000)``). Any scikit-learn classifier works,
        including ``fairlearn.reductions.ExponentiatedGradient`` and the
        pool-aware learners of :mod:`skpanda.learners`: its ``fit`` receives
        ``sensitive_features`` (and the pool) automatically. It never scores
        pool rows: that is the query model's job (``query_estimator``).""",
    "query_estimator": """query_estimator : classifier, default=None
        The query model: the classifier a strategy fits on D0 (and refits on
        the labels it receives) to rank the pool. ``None``: the plain model
        behind ``estimator`` -- the estimator itself when it is a probabilistic
        classifier that needs no groups, else its base ``estimator`` (a
        fairlearn reduction's, a pool learner's), else
        ``LogisticRegression(max_iter=1000)``.""",
    "encoder": """encoder : transformer, default=None
        Optional representation shared by all strategies (for example
        :class:`~skpanda.panda.PandaEncoder`, PANDA's representation without
        meta-training; a fitted :class:`~skpanda.panda.PandaQuerySelector`; or
        :func:`~skpanda.datasets.make_preprocessor` for a raw DataFrame).
        An unfitted encoder is cloned and fitted on the data passed to ``fit``.""",
    "sensitive_feature": """sensitive_feature : str or int, default=None
        Name (DataFrame) or position of a column of ``X`` that holds the sensitive
        attribute. It is used as ``sensitive_features`` and dropped from the
        model's features. Alternative to passing ``sensitive_features=``.""",
    "warm_start": """warm_start : {"representation", "data"} or bool, default="representation"
        What the downstream classifier is trained on. ``"representation"`` (the
        paper's experiments, §4): the selected rows only, in the shared
        representation. ``"data"`` (the problem statement, §3.1): the
        pre-existing data D0 together with the selected rows. ``False`` and
        ``True`` are aliases of the two, as scikit-learn treats ``warm_start``
        as a bool.""",
    "query_batch_size": """query_batch_size : int, default=1
        Rows queried between two refits when :meth:`select` runs a real active
        learning loop (an ``oracle`` is given). 1 is the paper's setting.""",
    "constraint": """constraint : str or fairlearn Moment, default="demographic_parity"
        Parity metric: ``"demographic_parity"``, ``"equalized_odds"`` or
        ``"error_rate_balance"`` (paper, Table 1).""",
    "rho": """rho : float, default=0.04
        Bound on the disparity of the downstream classifier.""",
    "fitted_attributes": """estimator_ : classifier
        The downstream classifier fitted on D0 (h^0).
    query_model_ : classifier or None
        The query model fitted on D0 (``estimator_`` itself when the two
        are the same model; None for strategies that rank rows without one).
    classes_ : ndarray of shape (2,)
        The two labels seen in ``fit``.
    groups_ : ndarray
        The groups seen in ``fit``.
    n_features_in_ : int
        Number of features seen in ``fit``.""",
    "data_home": """data_home : str or path-like, default=None
        Folder that holds one sub-folder per data set (``compas/``, ``german/``,
        ``census_kdd/``). ``None`` means the ``SKPANDA_DATA`` environment
        variable, else a ``shared/datasets`` folder found next to the
        repository (``<repo>/../shared/datasets``), searched upwards from the
        package and from the current directory.""",
    "return_X_y": """return_X_y : bool, default=False
        If True, return ``(data, target, sensitive)`` instead of a Bunch.
    as_frame : bool, default=True
        If True, ``data`` is a DataFrame and ``target``/``sensitive`` are
        Series. If False they are numpy arrays (``data`` of dtype ``object``,
        since the columns mix numbers and strings) and ``frame`` is None.""",
    "loader_returns": """data : sklearn.utils.Bunch
        Dictionary-like object with the attributes below.

        data : pandas.DataFrame or ndarray of shape (n_samples, n_features)
            The feature columns (the sensitive column included).
        target : pandas.Series or ndarray of shape (n_samples,)
            The 0/1 label (int).
        sensitive : pandas.Series or ndarray of shape (n_samples,)
            The group label of each row.
        feature_names : list of str
            Names of the columns of ``data``.
        frame : pandas.DataFrame or None
            ``data`` with the target as last column (None when ``as_frame=False``).
        DESCR : str
            A description of the data set.

    (data, target, sensitive) : tuple if ``return_X_y`` is True""",
    "verbose": """verbose : bool, default=False
        Show a tqdm progress bar (on stderr) during long steps: the queries of
        the active-learning loop (``select`` with an ``oracle``) and, for
        strategies that score many candidates, the scoring.""",
    "random_state": """random_state : int, RandomState instance or None, default=None
        Seeds every random choice, for reproducible selections.""",
}


_SHARED["selector_parameters"] = "\n    ".join(
    "{" + key + "}" for key in ("budget", "estimator", "query_estimator", "encoder",
                                "sensitive_feature",
                                "warm_start", "query_batch_size", "random_state", "verbose")
)


def fill_doc(obj):
    """Substitute ``{name}`` placeholders of the shared text into ``obj.__doc__``."""
    if obj.__doc__:
        doc = obj.__doc__.replace("{selector_parameters}", _SHARED["selector_parameters"])
        for key, text in _SHARED.items():
            doc = doc.replace("{" + key + "}", text)
        obj.__doc__ = doc
    return obj
