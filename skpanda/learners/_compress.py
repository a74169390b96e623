"""Compressed best responses for the reductions: unlabeled rows merged per group.

In :class:`~skpanda.learners.PoolExponentiatedGradient` the unlabeled rows
carry only the parity moment. Their classification costs are the same for
every row of a group, so the best-response learner can be fitted on the
labeled rows plus a few weighted representatives per group (cluster means)
while the moment itself is still evaluated exactly on every unlabeled row.
"""

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.utils import check_random_state


def _lloyd(X, n_clusters, n_steps, rng):
    """Cluster ``X`` with ``n_steps`` Lloyd steps from random distinct rows.

    Returns ``(assign, centers, inertia)``; with ``n_clusters >= len(X)``
    every row is its own cluster (``assign = arange``), which is exact.
    """
    n = X.shape[0]
    if n_clusters >= n:
        return np.arange(n), X.copy(), 0.0
    centers = X[rng.choice(n, n_clusters, replace=False)]
    sq = np.einsum("ij,ij->i", X, X)
    for _ in range(max(1, n_steps)):
        d2 = sq[:, None] - 2.0 * X @ centers.T + np.einsum("ij,ij->i", centers, centers)
        assign = d2.argmin(axis=1)
        counts = np.bincount(assign, minlength=n_clusters)
        member = sparse.csr_matrix((np.ones(n), (assign, np.arange(n))), shape=(n_clusters, n))
        sums = member @ X
        keep = counts > 0
        centers = sums[keep] / counts[keep, None]
        assign = np.cumsum(keep)[assign] - 1  # renumber the non-empty clusters
        n_clusters = centers.shape[0]
    inertia = float(((X - centers[assign]) ** 2).sum())
    return assign, centers, inertia


def compress_pool(X_unlabeled, codes, n_per_group, *, n_steps=3, random_state=None):
    """Cluster the unlabeled rows within each group.

    Parameters
    ----------
    X_unlabeled : ndarray of shape (n_unlabeled, n_features)
    codes : ndarray of shape (n_unlabeled,)
        Integer group codes; clusters never mix groups.
    n_per_group : int
        Representatives (cluster means) per group; a group with at most this
        many rows keeps every row (exact).
    n_steps : int, default=3
        Lloyd iterations (k-means steps) from random rows.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    assign : ndarray of shape (n_unlabeled,)
        Cluster of each unlabeled row.
    centers : ndarray of shape (n_clusters, n_features)
        Cluster means.
    inertia : float
        Within-cluster sum of squared distances (the k-means objective).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.r_[np.zeros((5, 2)), np.ones((5, 2))]
    >>> assign, centers, inertia = compress_pool(X, np.r_[[0] * 5, [1] * 5], 2, random_state=0)
    >>> centers.shape[0] <= 4, float(inertia)
    (True, 0.0)
    """
    rng = check_random_state(random_state)
    assign = np.empty(X_unlabeled.shape[0], dtype=np.intp)
    centers, inertia, offset = [], 0.0, 0
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        a, c, i = _lloyd(X_unlabeled[rows], n_per_group, n_steps, rng)
        assign[rows] = a + offset
        centers.append(c)
        inertia += i
        offset += c.shape[0]
    return assign, np.vstack(centers), inertia


class _CompressedFit(ClassifierMixin, BaseEstimator):
    """Best-response learner fitted on the labeled rows + weighted cluster means.

    ``fit(X, y, sample_weight)`` receives the stacked rows (``n_labeled``
    labeled rows first, then the unlabeled ones). The unlabeled rows' weights
    are summed per (cluster, label) and the cluster mean stands in for its
    rows; prediction delegates to the fitted ``estimator_``.
    """

    def __init__(self, estimator, n_labeled, assign, centers):
        self.estimator = estimator
        self.n_labeled = n_labeled
        self.assign = assign
        self.centers = centers

    def fit(self, X, y, sample_weight):
        y, w = np.asarray(y, dtype=np.intp), np.asarray(sample_weight, dtype=float)
        n, k = self.n_labeled, self.centers.shape[0]
        merged = np.bincount(2 * self.assign + y[n:], weights=w[n:], minlength=2 * k)
        keep = np.flatnonzero(merged > 0)
        X_fit = np.vstack([np.asarray(X)[:n], self.centers[keep // 2]])
        y_fit = np.r_[y[:n], keep % 2]
        w_fit = np.r_[w[:n], merged[keep]]
        nonzero = w_fit > 0
        labels = np.unique(y_fit[nonzero])
        if labels.size == 1:
            self.estimator_ = DummyClassifier(strategy="constant", constant=labels[0])
        else:
            self.estimator_ = clone(self.estimator)
        self.estimator_.fit(X_fit[nonzero], y_fit[nonzero], sample_weight=w_fit[nonzero])
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, X):
        return self.estimator_.predict(X)
