"""PoolExponentiatedGradient: fairlearn's reductions with the parity moment on a pool."""

import numbers
import warnings

import numpy as np
import pandas as pd
from fairlearn.reductions import DemographicParity, ErrorRate, ExponentiatedGradient, UtilityParity
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import ClassifierTags
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    check_random_state,
    validate_data,
)

from ..metrics import to_fairlearn_moment
from ._certify import (
    certificate_frame,
    check_confidence,
    refusal_message,
    safety_certificate,
    safety_floor,
    safety_split,
)
from ._compress import _CompressedFit, compress_pool
from ._validation import (
    apply_group_map,
    check_binary,
    check_constraint,
    check_rho,
    check_unlabeled,
    constraint_rows,
    encode_groups,
    group_labels,
)


class _RowsDemographicParity(DemographicParity):
    """fairlearn's DemographicParity moment restricted to the rows in ``mask``.

    Rows outside ``mask`` get no event (fairlearn skips rows whose event is
    missing, as its TruePositiveRateParity does for Y = 0), so ``gamma`` and the
    signed weights are those of demographic parity on the masked rows alone.
    """

    def __init__(self, mask, *, difference_bound):
        super().__init__(difference_bound=difference_bound)
        self.mask = mask

    def load_data(self, X, y, *, sensitive_features, control_features=None):
        index = pd.RangeIndex(len(self.mask))
        event = pd.Series(np.where(self.mask, "all", None), index=index, dtype=object)
        UtilityParity.load_data(self, X, pd.Series(np.asarray(y), index=index),
                                sensitive_features=pd.Series(sensitive_features, index=index),
                                event=event)


class _RowsErrorRate(ErrorRate):
    """fairlearn's ErrorRate objective on the rows in ``mask`` (a mean over them)."""

    def __init__(self, mask):
        super().__init__()
        self.mask = mask

    def gamma(self, predictor):
        y_pred = np.squeeze(np.asarray(predictor(self.X), dtype=float))
        err = np.abs(self.tags["label"].to_numpy(dtype=float) - y_pred)[self.mask].mean()
        return pd.Series(err, index=self.index)

    def signed_weights(self, lambda_vec=None):
        scale = self.mask * (self.mask.size / self.mask.sum())
        return super().signed_weights(lambda_vec) * scale


class PoolExponentiatedGradient(ClassifierMixin, BaseEstimator):
    """Group-blind fair classifier: fairlearn's reductions with the bound on unlabeled rows.

    fairlearn's ``ExponentiatedGradient`` (Agarwal et al., 2018) with the
    loss -- the error rate -- measured on the labeled rows and, for demographic
    parity, the parity moment measured on the unlabeled rows. The group is
    not needed at predict time.

    Parameters
    ----------
    estimator : classifier, default=None
        Base learner with ``fit(X, y, sample_weight=...)``; ``None`` is
        ``LogisticRegression(solver="liblinear")`` (fast on a large pool).
    constraint : str, default="demographic_parity"
        ``"demographic_parity"``, ``"equalized_odds"`` or ``"error_rate_balance"``.
    rho : float, default=0.04
        Bound, in (0, 1).
    max_iter : int, default=50
        fairlearn's ``max_iter``.
    eps : float, default=0.01
        fairlearn's ``eps`` (allowed constraint violation of the Lagrangian solution).
    pool_compression : int or None, default=128
        Representatives per group standing in for the unlabeled rows in the
        best-response fits (cluster means, see Notes); ``None`` fits on every
        unlabeled row (exact, ~10-30x slower on a 12k-row pool). The parity
        moment is always evaluated on every unlabeled row.
    random_state : int, RandomState instance or None, default=None
        Seeds :meth:`predict` (the randomized classifier's draws), the
        clustering of the pool and the safety split.
    confidence : float in (0, 1) or None, default=None
        ``None``: the bound is enforced on the pool only. A number, e.g.
        ``0.95``: demographic parity is certified on the population with a
        held-out **safety split** (see Notes); ``fit`` raises a ``ValueError``
        naming the certifiable bound when the safety half cannot certify
        ``rho``. Equalized odds / error-rate balance are not certified (a
        ``UserWarning`` says so).
    group_map : dict or None, default=None
        Relabels groups before fitting (e.g. merge tiny groups into
        ``"Other"``); unlisted groups keep their label.

    Attributes
    ----------
    eg_ : fairlearn.reductions.ExponentiatedGradient
        The fitted reduction (``predictors_``, ``weights_``).
    classes_ : ndarray of shape (2,)
    pool_rows_used_ : bool
        Whether the parity moment was measured on unlabeled rows.
    n_iter_ : int
        Exponentiated-gradient iterations run.
    compression_inertia_ : float
        Within-cluster sum of squares of the pool's compression (0 when exact).
    certified_bound_ : float or None
        With ``confidence``: the population disparity bound certified on the
        safety rows (``nan`` when not certified). ``None`` without.
    certificate_ : pandas.DataFrame or None
        Per group on the safety rows: ``n``, ``share``, ``selection_rate`` and
        its interval ``[rate_low, rate_high]``.
    n_features_in_ : int

    See Also
    --------
    PoolThresholdClassifier : per-group thresholds (needs the group at predict time).

    Notes
    -----
    Rows: the labeled ``(X, y)`` and the unlabeled ``X_unlabeled`` are stacked
    and handed to fairlearn with two moments restricted by a row mask, so the
    best-response learner is fitted on all rows with the signed weights
    :math:`C_i = c_i^{err} + c_i^{DP}(\\lambda)`: the error-rate weights
    (scaled to a mean over the labeled rows, 0 on unlabeled rows) plus
    demographic parity's weights, nonzero only on the unlabeled rows (their
    events). The Lagrangian is

    .. math:: L(Q, \\lambda) = \\widehat{err}_{L}(Q)
              + \\lambda^\\top (\\hat\\gamma_{U}(Q) - \\rho),
              \\quad \\hat\\gamma_{U, a}(Q) = \\pm(E_U[h | a] - E_U[h])

    i.e. the paper's Table-1 :math:`\\Delta^{DP} \\le \\rho` on the unlabeled
    rows U and the error on the labeled rows L.

    *Equalized odds / error-rate balance* need labels for their conditioning
    events; unlabeled rows have none, so the conditional moment uses the
    **labeled rows** (exactly fairlearn's ``ExponentiatedGradient`` on them;
    error-rate balance uses ``EqualizedOdds(rho / 2)``, which implies
    :math:`\\Delta^{EB} \\le \\rho`). ``X_unlabeled`` is then validated and unused.

    *Pool compression.* The DP weights :math:`c_i^{DP}(\\lambda)` are equal
    for all unlabeled rows of a group, so with ``pool_compression=m`` each
    group's unlabeled rows are clustered once (a few k-means steps) into at
    most ``m`` clusters :math:`S_c` with means :math:`\\mu_c`, and each best
    response is fitted on the labeled rows plus one row per (cluster, label)
    carrying the summed weight. For the logistic loss :math:`\\ell`
    (:math:`0 \\le \\ell'' \\le 1/4`) the surrogate changes by at most

    .. math:: 0 \\le \\sum_{i \\in S_c} |C_i| \\ell(\\theta^\\top x_i)
              - |C_c| \\ell(\\theta^\\top \\mu_c)
              \\le \\frac{|C_c| \\|\\theta\\|^2}{8 |S_c|} \\sum_{i \\in S_c} \\|x_i - \\mu_c\\|^2

    (second-order Taylor around :math:`\\mu_c`, the first-order term vanishes
    at the mean), i.e. the k-means inertia (``compression_inertia_``) times
    :math:`\\|\\theta\\|^2/8` per unit of weight. Only the best response is
    approximate: :math:`\\hat\\gamma_U` and the returned mixture's pool
    disparity are computed on every unlabeled row.

    *Certificate* (``confidence`` = :math:`1 - \\delta`). The classifier is
    not a threshold family, so it is certified on rows it never saw: the
    pool is split in halves per group (``random_state``); the reduction is
    fitted with :math:`\\rho - m` (:math:`m`: the certificate of equal rates
    on the safety half) on the labeled rows and the first half, and the
    fixed mixture :math:`h` is certified on the safety half: one prediction
    is drawn per safety row, so each group's positives are binomial with the
    population rate :math:`r_a`, and the exact Clopper-Pearson interval
    :math:`[L_a, U_a]` at level :math:`1 - \\delta_a` gives
    :math:`P(r_a \\notin [L_a, U_a]) \\le \\delta_a`; the mix-aware bound of
    :class:`PoolThresholdClassifier` follows. The candidate's margin
    :math:`m` is predicted from the labeled positive rate. When the safety half measures more
    than ``rho`` (the reduction's ``eps`` slack), a ``UserWarning`` gives the
    certified value, which still holds. Labeled rows drawn from the pool
    make the independence approximate (as for the thresholds).

    ``predict_proba`` is the randomized classifier's probability of a positive,
    :math:`\\sum_t Q_t h_t(x)` over fairlearn's public ``predictors_`` and
    ``weights_``; ``predict`` draws from it with ``random_state``.

    Examples
    --------
    >>> import numpy as np
    >>> from skpanda.learners import PoolExponentiatedGradient
    >>> rng = np.random.RandomState(0)
    >>> X, g = rng.normal(size=(200, 3)), rng.randint(2, size=200)
    >>> y = (X[:, 0] + g + rng.normal(size=200) > 1).astype(int)
    >>> Xu, gu = rng.normal(size=(1000, 3)), rng.randint(2, size=1000)
    >>> clf = PoolExponentiatedGradient(rho=0.05, random_state=0).fit(
    ...     X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    >>> clf.predict_proba(Xu[:3]).shape
    (3, 2)
    """

    __metadata_request__fit = {"sensitive_features": True, "X_unlabeled": True,
                               "sensitive_features_unlabeled": True}

    def __init__(self, estimator=None, *, constraint="demographic_parity", rho=0.04,
                 max_iter=50, eps=0.01, pool_compression=128, random_state=None,
                 confidence=None, group_map=None):
        self.estimator = estimator
        self.constraint = constraint
        self.rho = rho
        self.max_iter = max_iter
        self.eps = eps
        self.pool_compression = pool_compression
        self.random_state = random_state
        self.confidence = confidence
        self.group_map = group_map

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags = ClassifierTags(multi_class=False)
        return tags

    def fit(self, X, y, *, sensitive_features=None, X_unlabeled=None,
            sensitive_features_unlabeled=None):
        """Fit the reduction; the parity moment uses the unlabeled rows when given.

        Parameters
        ----------
        X, y : array-like
            Labeled rows and binary labels.
        sensitive_features : array-like of shape (n_samples,), default=None
            Groups of the labeled rows (needed for equalized odds / error-rate
            balance, and for demographic parity without unlabeled rows).
        X_unlabeled : array-like of shape (n_unlabeled, n_features), default=None
            Unlabeled rows for the demographic-parity moment.
        sensitive_features_unlabeled : array-like of shape (n_unlabeled,), default=None
            Their groups (may include groups absent from the labeled rows).

        Returns
        -------
        self : object
        """
        constraint, rho = check_constraint(self.constraint), check_rho(self.rho)
        _check_compression(self.pool_compression)
        confidence = check_confidence(self.confidence)
        X, y = validate_data(self, X, y, reset=True)
        check_binary(y)
        self._encoder = LabelEncoder().fit(y)
        self.classes_ = self._encoder.classes_
        y01 = self._encoder.transform(y)
        if sensitive_features is not None:
            sensitive_features = apply_group_map(group_labels(
                sensitive_features, X.shape[0], "sensitive_features"), self.group_map)
        Xu = check_unlabeled(X_unlabeled, X.shape[1], check_array)
        if constraint != "demographic_parity":
            Xu = None  # conditional moments need labels: the labeled rows carry them
        rows, groups, pooled = constraint_rows(X, sensitive_features, Xu,
                                               sensitive_features_unlabeled)
        if groups is None:
            warnings.warn(
                f"{type(self).__name__} was fitted without groups: all rows form one group "
                "and the parity bound means nothing.", UserWarning)
            groups = np.zeros(rows.shape[0], dtype=object)
        groups = apply_group_map(group_labels(groups, rows.shape[0],
                                              "sensitive_features_unlabeled"), self.group_map)
        codes, names = encode_groups(groups, name="sensitive_features_unlabeled")
        self.pool_rows_used_ = pooled
        self.certified_bound_ = self.certificate_ = None
        if confidence is not None and (constraint != "demographic_parity" or not pooled):
            self.certified_bound_ = float("nan")
            warnings.warn(
                f"confidence={confidence} certifies demographic parity on unlabeled rows only: "
                f"this {constraint} bound rho={rho} is NOT certified on new data.", UserWarning)
        elif confidence is not None and names.size > 1:
            return self._fit_certified(X, y01, Xu, codes, names, rho, confidence)
        self.eg_ = self._fit_eg(X, y01, Xu if pooled else None, codes, constraint, rho)
        self.n_iter_ = int(self.eg_.last_iter_) + 1
        return self

    def _fit_certified(self, X, y01, Xu, codes, names, rho, confidence):
        """Fit on the labeled rows + half the pool, certify on the other half."""
        rng = check_random_state(self.random_state)
        safety = safety_split(codes, rng)
        sizes = np.bincount(codes[safety], minlength=names.size).astype(float)
        floor = safety_floor(sizes, confidence, y01.mean()).max()
        if rho <= floor:
            raise ValueError(refusal_message(rho, names, sizes, confidence).replace(
                "this pool", "this pool's safety half"))
        self.eg_ = self._fit_eg(X, y01, Xu[~safety], codes[~safety], "demographic_parity",
                                rho - floor)
        self.n_iter_ = int(self.eg_.last_iter_) + 1
        h = self.predict_proba(Xu[safety])[:, 1]
        bound, sizes, rates, low, high = safety_certificate(h, codes[safety], names.size,
                                                            confidence, rng)
        self.certified_bound_ = bound
        self.certificate_ = certificate_frame(names, sizes, rates, low, high)
        if bound > rho:
            warnings.warn(
                f"the safety rows certify Delta_DP <= {bound:.3f} at confidence={confidence}, "
                f"above rho={rho} (the reduction's eps={self.eps} slack); certified_bound_ "
                "holds, rho does not. Use a larger pool or a smaller eps.", UserWarning)
        return self

    def _fit_eg(self, X, y01, Xu, codes, constraint, rho):
        self.compression_inertia_ = 0.0
        base = LogisticRegression(solver="liblinear") if self.estimator is None else self.estimator
        bound = rho / 2 if constraint == "error_rate_balance" else rho
        if Xu is None:
            eg = ExponentiatedGradient(base, to_fairlearn_moment(constraint, bound),
                                       max_iter=self.max_iter, eps=self.eps)
            return eg.fit(X, y01, sensitive_features=codes)
        if self.pool_compression is not None:
            assign, centers, self.compression_inertia_ = compress_pool(
                Xu, codes, self.pool_compression, random_state=self.random_state)
            base = _CompressedFit(base, X.shape[0], assign, centers)
        mask = np.r_[np.zeros(X.shape[0], bool), np.ones(Xu.shape[0], bool)]
        X_all = np.vstack([X, Xu])
        y_all = np.r_[y01, np.zeros(Xu.shape[0], y01.dtype)]  # placeholders, never scored
        groups = np.r_[np.full(X.shape[0], codes[0]), codes]  # labeled rows carry no event
        eg = ExponentiatedGradient(
            base, _RowsDemographicParity(mask, difference_bound=bound),
            objective=_RowsErrorRate(~mask), max_iter=self.max_iter, eps=self.eps)
        eg.fit(X_all, y_all, sensitive_features=groups)
        # keep the fitted inner learners only (not the pool's cluster map)
        eg.predictors_ = eg.predictors_.map(
            lambda h: h.estimator_ if isinstance(h, _CompressedFit) else h)
        return eg

    def predict_proba(self, X):
        """Probability of each class under the randomized classifier ``sum_t Q_t h_t``."""
        check_is_fitted(self, "eg_")
        X = validate_data(self, X, reset=False)
        weights = self.eg_.weights_
        pos = np.zeros(X.shape[0])
        for t, w in weights.items():
            if w > 0:
                pos += w * np.asarray(self.eg_.predictors_[t].predict(X), dtype=float)
        pos = np.clip(pos / weights.sum(), 0.0, 1.0)
        return np.column_stack([1.0 - pos, pos])

    def predict(self, X):
        """Labels drawn from :meth:`predict_proba`, seeded by ``random_state``."""
        pos = self.predict_proba(X)[:, 1]
        flip = check_random_state(self.random_state).random_sample(pos.shape[0])
        return self.classes_[(flip < pos).astype(np.intp)]

    def score(self, X, y, sample_weight=None):
        """Accuracy of :meth:`predict`."""
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)


def _check_compression(value):
    """``pool_compression`` must be ``None`` or a positive int."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(
            f"pool_compression={value!r} must be a positive int (representatives per "
            "group) or None (fit on every unlabeled row), e.g. pool_compression=128.")
