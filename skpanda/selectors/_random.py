"""Random and group-aware random selection (paper §4.1)."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._docstrings import fill_doc
from ._base import BaseQuerySelector
from ._utils import predict_labels


@fill_doc
class RandomQuerySelector(BaseQuerySelector):
    """Select pool rows uniformly at random, without replacement.

    The "Random Sampling" baseline of the paper (§4.1). With
    ``estimator=ExponentiatedGradient(...)`` it is the paper's "Fairlearn"
    baseline: random rows, then a fairness-constrained classifier.

    Parameters
    ----------
    {selector_parameters}

    Attributes
    ----------
    {fitted_attributes}

    See Also
    --------
    GroupRandomQuerySelector : uniform within the worst-served group.

    Examples
    --------
    >>> import numpy as np
    >>> from skpanda.selectors import RandomQuerySelector
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(100, 3)), rng.randint(0, 2, 100)
    >>> sel = RandomQuerySelector(budget=5, random_state=0).fit(X, y)
    >>> sel.select(rng.normal(size=(50, 3))).shape
    (5,)
    """

    _uses_query_model = False
    _rowwise_scores = True

    def _score_pool(self, candidates, state, *, Z_pool, groups, random_state):
        return random_state.random_sample(candidates.shape[0])


@fill_doc
class GroupRandomQuerySelector(BaseQuerySelector):
    """Select uniformly at random within the group served worst by h^0.

    The "Group Aware Random Sampling" baseline of the paper (§4.1): rows are
    drawn uniformly, restricted to the group on which the query model trained
    on D0 (``query_model_``) has the lowest accuracy. When that group has fewer pool rows than the
    budget, the remaining rows are drawn uniformly from the other groups.
    Needs the pool's groups at selection time.

    Parameters
    ----------
    {selector_parameters}

    Attributes
    ----------
    worst_group_ : object
        The group with the lowest accuracy of h^0 on D0.
    group_accuracy_ : dict
        Accuracy of h^0 on D0, per group.
    estimator_, classes_, groups_, n_features_in_
        As in :class:`RandomQuerySelector`.

    Notes
    -----
    The worst group is :math:`\\arg\\min_a \\hat{\\mathbb{E}}_{D^0}[h^0(x) = y \\mid g(x) = a]`.

    Examples
    --------
    >>> import numpy as np
    >>> from skpanda.selectors import GroupRandomQuerySelector
    >>> rng = np.random.RandomState(0)
    >>> X, y, g = rng.normal(size=(100, 3)), rng.randint(0, 2, 100), rng.randint(0, 2, 100)
    >>> sel = GroupRandomQuerySelector(budget=5, random_state=0)
    >>> sel = sel.fit(X, y, sensitive_features=g)
    >>> pos = sel.select(X, sensitive_features=g)
    >>> bool(np.all(g[pos] == sel.worst_group_))
    True
    """

    _needs_pool_groups = True
    _rowwise_scores = True

    def _fit(self, Z, y, groups):
        correct = predict_labels(self.query_model_, Z, random_state=0) == y
        self.group_accuracy_ = {g: float(correct[groups == g].mean()) for g in self.groups_}
        self.worst_group_ = min(self.group_accuracy_, key=self.group_accuracy_.get)

    def _score_pool(self, candidates, state, *, Z_pool, groups, random_state):
        check_is_fitted(self, "worst_group_")
        in_worst = (groups[candidates] == self.worst_group_).astype(float)
        return in_worst + random_state.random_sample(candidates.shape[0])
