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

_SHARED = {
    "budget": """budget : int, default=400
        Number of rows to select when :meth:`select` is called without one.""",
    "estimator": """estimator : classifier, default=None
        The downstream classifier trained on the selected rows (``None`` means
        ``LogisticRegression(max_iter=1000)``). Any scikit-learn classifier works,
        including ``fairlearn.reductions.ExponentiatedGradient``: its ``fit``
        receives ``sensitive_features`` automatically.""",
    "encoder": """encoder : transformer, default=None
        Optional representation shared by all strategies (for example a fitted
        :class:`~skpanda.panda.PandaQuerySelector`, or a ``ColumnTransformer``).
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
    classes_ : ndarray of shape (2,)
        The two labels seen in ``fit``.
    groups_ : ndarray
        The groups seen in ``fit``.
    n_features_in_ : int
        Number of features seen in ``fit``.""",
    "random_state": """random_state : int, RandomState instance or None, default=None
        Seeds every random choice, for reproducible selections.""",
}


def fill_doc(obj):
    """Substitute ``{name}`` placeholders of the shared text into ``obj.__doc__``."""
    if obj.__doc__:
        doc = obj.__doc__
        for key, text in _SHARED.items():
            doc = doc.replace("{" + key + "}", text)
        obj.__doc__ = doc
    return obj
