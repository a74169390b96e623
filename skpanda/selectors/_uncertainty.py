"""Uncertainty sampling: margin (Roth & Small 2006) and entropy (Settles 2009)."""

import numpy as np

from .._docstrings import fill_doc
from ._base import BaseQuerySelector
from ._utils import predict_positive_proba


class _UncertaintyQuerySelector(BaseQuerySelector):
    """Rank pool rows by the uncertainty of the current query model."""

    _sequential = True
    _rowwise_scores = True

    def _score_pool(self, candidates, state, *, Z_pool, groups, random_state):
        p = predict_positive_proba(state.estimator, Z_pool[candidates])
        return self._uncertainty(np.clip(p, 0.0, 1.0))


@fill_doc
class MarginQuerySelector(_UncertaintyQuerySelector):
    """Select the rows closest to the decision boundary.

    Margin sampling (Roth & Small 2006; paper §3.1 and §4.1): the next row is
    :math:`x^* = \\arg\\min_{x \\in U} |P(y=1 \\mid x) - 1/2|`. With an
    ``oracle`` the classifier is refitted after every ``query_batch_size``
    labels; without one the batch comes from h^0. With
    ``estimator=ExponentiatedGradient(...)`` this is the paper's
    "Fairlearn+AL" baseline: the margin of the unconstrained base learner picks
    the rows, fairlearn trains the final classifier.

    Parameters
    ----------
    {selector_parameters}

    Attributes
    ----------
    {fitted_attributes}

    References
    ----------
    D. Roth and K. Small. Margin-based active learning for structured output
    spaces. ECML 2006.

    Examples
    --------
    >>> import numpy as np
    >>> from skpanda.selectors import MarginQuerySelector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 2)); y = (X[:, 0] > 0).astype(int)
    >>> sel = MarginQuerySelector(budget=3, random_state=0).fit(X, y)
    >>> pool = np.array([[5.0, 0.0], [0.01, 0.0], [-4.0, 1.0], [0.2, 0.0]])
    >>> sel.select(pool, 2).tolist()
    [1, 3]
    """

    @staticmethod
    def _uncertainty(p):
        return -np.abs(p - 0.5)


@fill_doc
class EntropyQuerySelector(_UncertaintyQuerySelector):
    """Select the rows whose predicted label has the highest entropy.

    Entropy sampling (Settles 2009; Shannon 1948; paper §4.1):
    :math:`x^* = \\arg\\max_{x \\in U} -\\sum_y P(y \\mid x) \\log P(y \\mid x)`.
    For a binary task it ranks rows like margin sampling; the two differ in
    their scores, not their order. With an ``oracle`` the classifier is
    refitted after every ``query_batch_size`` labels.

    Parameters
    ----------
    {selector_parameters}

    Attributes
    ----------
    {fitted_attributes}

    References
    ----------
    B. Settles. Active learning literature survey. Technical report 1648,
    University of Wisconsin-Madison, 2009.

    Examples
    --------
    >>> import numpy as np
    >>> from skpanda.selectors import EntropyQuerySelector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 2)); y = (X[:, 0] > 0).astype(int)
    >>> sel = EntropyQuerySelector(budget=3, random_state=0).fit(X, y)
    >>> sel.select(np.array([[5.0, 0.0], [0.01, 0.0], [-4.0, 1.0]]), 1).tolist()
    [1]
    """

    @staticmethod
    def _uncertainty(p):
        q = np.clip(p, 1e-12, 1 - 1e-12)
        return -(q * np.log(q) + (1 - q) * np.log(1 - q))
