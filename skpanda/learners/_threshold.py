"""PoolThresholdClassifier: group thresholds chosen on unlabeled rows."""

import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
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

from ..metrics import get_constraint
from ._certify import (
    certificate_frame,
    certified_dp_search,
    check_confidence,
    refusal_message,
)
from ._search import dp_search, odds_search, plug_in_objective, sorted_groups
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

_CALIBRATIONS = ("auto", "sigmoid", "isotonic", None)


class PoolThresholdClassifier(ClassifierMixin, BaseEstimator):
    """Group-specific thresholds chosen on unlabeled rows under a parity bound.

    Fits ``estimator`` on the labeled rows, then picks one threshold per
    group on the *unlabeled* rows (``X_unlabeled``) to maximise the plug-in
    F1 or accuracy -- the model's probabilities serve as soft labels -- subject
    to the bound ``rho`` on ``constraint`` measured on those rows. Without
    unlabeled rows, the labeled rows are used instead. Demographic parity
    needs no labels, so a large pool pins the bound far more tightly than a
    few hundred labeled rows.

    **The group is needed at predict time**: ``predict(X, sensitive_features=g)``
    (as fairlearn's ``ThresholdOptimizer``).

    Parameters
    ----------
    estimator : classifier, default=None
        Base classifier; ``None`` is ``LogisticRegression(max_iter=1000)``.
    constraint : str, default="demographic_parity"
        ``"demographic_parity"``, ``"equalized_odds"`` or ``"error_rate_balance"``
        (or ``"dp"``, ``"eo"``, ``"eb"``); any number of groups.
    rho : float, default=0.04
        Bound on the disparity, in (0, 1).
    objective : {"f1", "accuracy"}, default="f1"
        Plug-in objective maximised on the unlabeled rows.
    calibration : {"auto", "sigmoid", "isotonic"} or None, default="auto"
        How probabilities are obtained. ``"auto"``: the estimator's
        ``predict_proba`` when it has one, else sklearn's
        ``CalibratedClassifierCV(method="sigmoid")``. ``"sigmoid"`` /
        ``"isotonic"``: always wrap in ``CalibratedClassifierCV`` (do this for
        equalized odds / error-rate balance with a base model known to be
        uncalibrated, e.g. SVMs, naive Bayes, trees). ``None``: the raw
        ``predict_proba``.
    random_state : int, RandomState instance or None, default=None
        Seeds the coin flip for rows tied exactly at a group's threshold
        (needed only when a tie block straddles the chosen count).
    confidence : float in (0, 1) or None, default=None
        ``None``: the bound holds on the rows it was fitted on (the pool) only.
        A number, e.g. ``0.95``: demographic parity is *certified* on the
        population the pool was drawn from, :math:`P(\\Delta^{DP}(h) > \\rho)
        \\le 1 -` confidence (see Notes); when this pool cannot certify ``rho``,
        ``fit`` raises a ``ValueError`` naming the tightest bound it can
        (:func:`certifiable_bound`). Equalized odds / error-rate balance are
        **not** certified (they need labels): a ``UserWarning`` says so.
    group_map : dict or None, default=None
        Relabels groups before fitting and predicting, e.g.
        ``{"Asian": "Other", "Native American": "Other"}`` merges tiny groups
        (whose sampling error would otherwise dominate the bound) or maps a
        group unseen in the pool onto one that was. Unlisted groups keep
        their label.

    Attributes
    ----------
    estimator_ : classifier
        The fitted (possibly calibrated) base classifier.
    classes_ : ndarray of shape (2,)
        Class labels.
    groups_ : ndarray of str
        Groups with a threshold (those of the rows the bound was fitted on).
    thresholds_ : ndarray of shape (n_groups,)
        Per group: rows with probability above it are predicted positive.
    tie_fractions_ : ndarray of shape (n_groups,)
        Per group: probability of predicting positive a row exactly at the threshold.
    pool_disparity_ : float
        The constraint's (plug-in) disparity on the rows the bound was fitted on.
    pool_objective_ : float
        Plug-in objective achieved there; ``unconstrained_objective_`` is the
        best without the bound.
    certified_bound_ : float or None
        With ``confidence``: the population disparity bound that holds with
        that confidence (<= ``rho``; ``nan`` for the uncertified equalized
        odds / error-rate balance). ``None`` without ``confidence``.
    certificate_ : pandas.DataFrame or None
        Per group: pool rows ``n``, ``share``, pool ``selection_rate`` and its
        population interval ``[rate_low, rate_high]`` (simultaneous, over every
        threshold). ``None`` without a certificate.
    n_features_in_ : int

    See Also
    --------
    PoolExponentiatedGradient : a group-blind in-processor with the same bound.

    Notes
    -----
    With ``p_i`` the probabilities on the N unlabeled rows and group ``a``
    predicting its ``n_a`` most probable rows positive, the plug-in counts are
    :math:`TP = \\sum_a S_a(n_a)` (``S_a`` = sum of group a's ``n_a`` largest
    ``p``), :math:`PP = \\sum_a n_a`, :math:`P = \\sum_i p_i`, and

    .. math:: F_1 = 2 TP / (PP + P), \\quad acc = (2 TP - PP + N - P) / N.

    *Demographic parity* (paper Table 1,
    :math:`\\Delta^{DP} = \\max_a |n_a/N_a - n/N| \\le \\rho`, ``n = PP``) is
    solved **exactly** over integer counts: for a fixed total ``n`` both
    objectives only increase with TP, the bound is a box
    :math:`\\lceil (n/N-\\rho) N_a \\rceil \\le n_a \\le \\lfloor (n/N+\\rho) N_a \\rfloor`,
    and the best TP in boxes with a fixed total is greedy (every group takes
    its box minimum, then the most probable remaining rows that still fit):
    ``n_a = clip(#{p > c}, box)`` for a common cut ``c`` found by bisection.
    All N + 1 totals are evaluated at once, in O(N k log N).

    *Equalized odds / error-rate balance* use the plug-in rates
    :math:`TPR_a = S_a(n_a)/P_a`, :math:`FPR_a = (n_a - S_a(n_a))/(N_a - P_a)`
    (calibrated probabilities make them unbiased). Both grow with ``n_a``, so
    an anchor ``(T, F)`` and half-width ``delta`` give each group an interval
    of counts; a grid of anchors (step <= rho/2), ``delta`` in {rho/2, rho}
    and, inside each box, the Dinkelbach optimum ``clip(#{p > c}, box)`` for a
    grid of cuts ``c = F_1^*/2`` in [0, 1/2] are checked exactly, the best
    feasible kept. The anchors at ``delta = rho/2`` are feasible by
    construction; the search is near-exact (within the cut grid's step).

    When only a constant classifier meets the bound, a ``UserWarning`` says so
    and names the plug-in objective it costs. Without ``confidence``, a
    ``UserWarning`` flags a pool group so small that its selection rate's
    sampling error (95% normal half-width) exceeds ``rho / 2``.

    *Certificate* (``confidence`` = :math:`1 - \\delta`). Assume the pool rows
    are i.i.d. draws of the population and independent of the base model
    (labeled rows inside the pool make this approximate: in the paper's
    protocol they are 400 of ~12,000). Given the group counts :math:`n_a`,
    group ``a``'s scores are i.i.d., and the DKW inequality with Massart's
    constant bounds the rate error of *every* threshold (and tie fraction)
    at once:

    .. math:: P\\big(\\sup_t |\\hat F_a(t) - F_a(t)| > \\epsilon_a\\big) \\le
              2 e^{-2 n_a \\epsilon_a^2} = \\delta_a,

    so it holds although the thresholds are chosen on the same rows. The
    population mix :math:`\\pi` (which sets :math:`E[h] = \\sum_b \\pi_b r_b`)
    is within L1 distance :math:`\\eta` of the pool's :math:`\\hat\\pi`
    (Weissman et al. 2003: :math:`P(\\|\\hat\\pi - \\pi\\|_1 \\ge \\eta) \\le
    (2^k - 2) e^{-N\\eta^2/2}`). With :math:`\\sum_a \\delta_a + \\delta_\\pi =
    \\delta` (``0.9 delta`` split evenly over the groups), on the joint event
    every population rate lies in :math:`[\\hat r_a - \\epsilon_a, \\hat r_a +
    \\epsilon_a]` and, as :math:`r_a - E[h] = \\sum_{b \\ne a}\\pi_b (r_a - r_b)`,

    .. math:: \\Delta^{DP}(h) \\le \\max_{a,\\pm} \\Big[c^{a,\\pm} \\cdot \\hat\\pi +
              \\frac{\\eta}{2}(\\max c^{a,\\pm} - \\min c^{a,\\pm})\\Big]
              = \\mathrm{certified\\_bound\\_}

    with :math:`c^{a,+}_b = \\hat r_a + \\epsilon_a - \\hat r_b + \\epsilon_b`
    (:math:`c^{a,-}` mirrored, :math:`c^{a,\\pm}_a = 0`). The search enforces
    :math:`|\\hat r_a - \\hat r| \\le \\rho - m_a` per group (:math:`m_a`: the
    certificate when all rates are equal) and tightens until the certificate
    is :math:`\\le \\rho`. A held-out safety split (Seldonian) would certify a
    fixed classifier on half the pool instead; ``docs/certification.md``
    compares the two.

    Examples
    --------
    >>> import numpy as np
    >>> from skpanda.learners import PoolThresholdClassifier
    >>> rng = np.random.RandomState(0)
    >>> X, g = rng.normal(size=(200, 3)), rng.randint(2, size=200)
    >>> y = (X[:, 0] + g + rng.normal(size=200) > 1).astype(int)
    >>> Xu, gu = rng.normal(size=(2000, 3)), rng.randint(2, size=2000)
    >>> clf = PoolThresholdClassifier(rho=0.02).fit(
    ...     X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    >>> bool(clf.pool_disparity_ <= 0.02)
    True
    >>> clf.predict(Xu[:4], sensitive_features=gu[:4]).shape
    (4,)
    """

    __metadata_request__fit = {"sensitive_features": True, "X_unlabeled": True,
                               "sensitive_features_unlabeled": True}
    __metadata_request__predict = {"sensitive_features": True}
    __metadata_request__score = {"sensitive_features": True}

    def __init__(self, estimator=None, *, constraint="demographic_parity", rho=0.04,
                 objective="f1", calibration="auto", random_state=None, confidence=None,
                 group_map=None):
        self.estimator = estimator
        self.constraint = constraint
        self.rho = rho
        self.objective = objective
        self.calibration = calibration
        self.random_state = random_state
        self.confidence = confidence
        self.group_map = group_map

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags = ClassifierTags(multi_class=False)
        return tags

    def fit(self, X, y, *, sensitive_features=None, X_unlabeled=None,
            sensitive_features_unlabeled=None):
        """Fit the base classifier on (X, y) and the thresholds on the unlabeled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Labeled rows.
        y : array-like of shape (n_samples,)
            Binary labels.
        sensitive_features : array-like of shape (n_samples,), default=None
            Groups of the labeled rows; used only when ``X_unlabeled`` is None.
        X_unlabeled : array-like of shape (n_unlabeled, n_features), default=None
            Rows on which the thresholds and the bound are fitted (a pool).
        sensitive_features_unlabeled : array-like of shape (n_unlabeled,), default=None
            Their groups. Groups absent from the labeled rows are fine: the
            base model never sees groups.

        Returns
        -------
        self : object
        """
        constraint, rho = self._check_params()
        X, y = validate_data(self, X, y, reset=True)
        check_binary(y)
        self._encoder = LabelEncoder().fit(y)
        self.classes_ = self._encoder.classes_
        if sensitive_features is not None:
            sensitive_features = apply_group_map(group_labels(
                sensitive_features, X.shape[0], "sensitive_features"), self.group_map)
        Xu = check_unlabeled(X_unlabeled, X.shape[1], check_array)
        rows, groups, _ = constraint_rows(X, sensitive_features, Xu,
                                          sensitive_features_unlabeled)
        groups = self._constraint_groups(groups, rows.shape[0], sensitive_features)
        codes, self.groups_ = encode_groups(groups, name="sensitive_features_unlabeled")
        self.estimator_ = self._base_estimator().fit(X, self._encoder.transform(y))
        self._fit_thresholds(self.estimator_.predict_proba(rows)[:, 1], codes, constraint, rho)
        return self

    def _check_params(self):
        if self.objective not in ("f1", "accuracy"):
            raise ValueError(f"objective={self.objective!r} must be 'f1' or 'accuracy'.")
        if self.calibration not in _CALIBRATIONS:
            raise ValueError(
                f"calibration={self.calibration!r} must be one of {_CALIBRATIONS}."
            )
        check_confidence(self.confidence)
        return check_constraint(self.constraint), check_rho(self.rho)

    def _constraint_groups(self, groups, n_rows, labeled_groups):
        if groups is None:
            warnings.warn(
                f"{type(self).__name__} was fitted without groups: all rows form one group "
                "and the parity bound means nothing. Pass sensitive_features= (and "
                "sensitive_features_unlabeled= with X_unlabeled).", UserWarning)
            return np.zeros(n_rows, dtype=object)
        groups = apply_group_map(group_labels(groups, n_rows, "sensitive_features_unlabeled"),
                                 self.group_map)
        if labeled_groups is not None:
            missing = sorted(set(labeled_groups.astype(str)) - set(groups.astype(str)))
            if missing:
                raise ValueError(
                    f"group(s) {missing[:5]} have labeled rows but no unlabeled rows, so "
                    "their bound cannot be fitted; add their unlabeled rows to X_unlabeled."
                )
        return groups

    def _base_estimator(self):
        est = LogisticRegression(max_iter=1000) if self.estimator is None else clone(self.estimator)
        wrap = self.calibration in ("sigmoid", "isotonic") or (
            self.calibration == "auto" and not hasattr(est, "predict_proba"))
        if wrap:
            method = "sigmoid" if self.calibration == "auto" else self.calibration
            return CalibratedClassifierCV(est, method=method, cv=3)
        if not hasattr(est, "predict_proba"):
            raise TypeError(
                f"estimator {type(est).__name__} has no predict_proba; use "
                "calibration='auto' or 'sigmoid' to calibrate it.")
        return est

    def _fit_thresholds(self, p, codes, constraint, rho):
        k = self.groups_.size
        if constraint != "demographic_parity":
            p = np.clip(p, 1e-6, 1 - 1e-6)  # plug-in rates need P_a > 0 and N_a - P_a > 0
        groups = sorted_groups(p, codes, k)
        self.certified_bound_ = self.certificate_ = None
        if constraint == "demographic_parity":
            counts, value, feasible = self._dp_counts(groups, rho)
            nonconstant = np.any((feasible > 0) & (feasible < p.size))
        else:
            counts, value, feasible = odds_search(groups, rho, self.objective, constraint)
            sizes = np.array([s.size for s, _ in groups])
            nonconstant = np.any((feasible.sum(1) > 0) & (feasible.sum(1) < sizes.sum()))
        allp = np.sort(p)[::-1]
        tp = np.concatenate([[0.0], np.cumsum(allp)])
        self.unconstrained_objective_ = float(np.max(plug_in_objective(
            tp, np.arange(p.size + 1), tp[-1], p.size, self.objective)))
        self.pool_objective_ = value
        if k > 1 and not nonconstant:
            warnings.warn(
                f"rho={rho} on the {constraint} bound is met only by a constant classifier "
                f"on these rows; it costs {self.unconstrained_objective_ - value:.3f} plug-in "
                f"{self.objective} ({self.unconstrained_objective_:.3f} -> {value:.3f}). "
                "Use a larger rho or more rows per group.", UserWarning)
        self._set_thresholds(groups, counts)
        h = self._expected_predictions(p, codes)
        self.pool_disparity_ = _plug_in_disparity(h, p, codes, constraint)
        self._warn_uncertified(constraint, rho, counts, groups)

    def _dp_counts(self, groups, rho):
        confidence = check_confidence(self.confidence)
        if confidence is None or len(groups) < 2:
            if confidence is not None:
                self.certified_bound_ = 0.0  # one group: no disparity exists
            return dp_search(groups, rho, self.objective)
        found = certified_dp_search(groups, rho, confidence, self.objective, dp_search)
        if found is None:
            sizes = np.array([s.size for s, _ in groups], dtype=float)
            raise ValueError(refusal_message(rho, self.groups_, sizes, confidence))
        counts, value, feasible, self.certified_bound_, (rates, low, high) = found
        if self.certified_bound_ > rho:
            warnings.warn(
                f"certified_bound_={self.certified_bound_:.4f} exceeds rho={rho}: the search did "
                "not converge; the certified bound (not rho) is what holds.", UserWarning)
        sizes = np.array([s.size for s, _ in groups], dtype=float)
        self.certificate_ = certificate_frame(self.groups_, sizes, rates, low, high)
        return counts, value, feasible

    def _warn_uncertified(self, constraint, rho, counts, groups):
        sizes = np.array([s.size for s, _ in groups], dtype=float)
        if self.confidence is not None and constraint != "demographic_parity":
            self.certified_bound_ = float("nan")
            warnings.warn(
                f"confidence={self.confidence} certifies demographic parity only: the "
                f"{constraint} bound rho={rho} holds on the fitted rows' plug-in rates and is "
                "NOT certified on new data (it conditions on labels the pool lacks).",
                UserWarning)
        elif self.confidence is None and sizes.size > 1:
            a = int(np.argmin(sizes))
            r = counts[a] / sizes[a]
            error = 1.96 * np.sqrt(r * (1 - r) / sizes[a])
            if error > rho / 2:
                warnings.warn(
                    f"group {str(self.groups_[a])!r} has {int(sizes[a])} rows where the bound "
                    f"was fitted: its selection rate's sampling error (±{error:.3f}) alone "
                    f"exceeds rho/2 = {rho / 2:.3f}, so rho={rho} is unlikely to hold on new "
                    "data. Merge small "
                    "groups (group_map=), use a larger pool, or set confidence=0.95 to certify.",
                    UserWarning)

    def _set_thresholds(self, groups, counts):
        thr, frac = np.full(len(groups), np.inf), np.zeros(len(groups))
        for a, ((s, _), n_a) in enumerate(zip(groups, counts)):
            if n_a > 0:
                thr[a] = s[n_a - 1]
                above, tied = np.sum(s > thr[a]), np.sum(s == thr[a])
                frac[a] = (n_a - above) / tied
        self.thresholds_, self.tie_fractions_ = thr, frac

    def _expected_predictions(self, p, codes):
        thr, frac = self.thresholds_[codes], self.tie_fractions_[codes]
        return np.where(p > thr, 1.0, np.where(p == thr, frac, 0.0))

    def _proba_and_codes(self, X, sensitive_features):
        check_is_fitted(self, "thresholds_")
        X = validate_data(self, X, reset=False)
        if sensitive_features is None:
            if self.groups_.size > 1:
                raise ValueError(
                    f"{type(self).__name__}.predict needs sensitive_features: the thresholds "
                    "are per group (pass predict(X, sensitive_features=g); under Pipeline or "
                    "GridSearchCV enable metadata routing).")
            codes = np.zeros(X.shape[0], np.intp)
        else:
            labels = apply_group_map(group_labels(
                sensitive_features, X.shape[0], "sensitive_features"), self.group_map)
            codes, _ = encode_groups(labels, self.groups_, name="sensitive_features")
        p = self.estimator_.predict_proba(X)[:, 1]
        if check_constraint(self.constraint) != "demographic_parity":
            p = np.clip(p, 1e-6, 1 - 1e-6)
        return p, codes

    def predict_proba(self, X, *, sensitive_features=None):
        """Probability of each class under the thresholded (randomized at ties) rule.

        Column 1 is 1 above the group's threshold, 0 below, and
        ``tie_fractions_`` exactly at it.
        """
        p, codes = self._proba_and_codes(X, sensitive_features)
        h = self._expected_predictions(p, codes)
        return np.column_stack([1.0 - h, h])

    def predict(self, X, *, sensitive_features=None):
        """Predicted labels; ``sensitive_features`` is required with more than one group."""
        h = self.predict_proba(X, sensitive_features=sensitive_features)[:, 1]
        rng = check_random_state(self.random_state)
        flip = rng.random_sample(h.shape[0])
        return self.classes_[(flip < h).astype(np.intp)]

    def score(self, X, y, sample_weight=None, *, sensitive_features=None):
        """Accuracy of :meth:`predict` (``sample_weight`` for routed ``Pipeline.score``)."""
        return accuracy_score(y, self.predict(X, sensitive_features=sensitive_features),
                              sample_weight=sample_weight)


def _plug_in_disparity(h, p, codes, constraint):
    """Disparity of predictions ``h`` with soft labels ``p`` (rows duplicated per label)."""
    if np.unique(codes).size < 2:
        return 0.0
    metric = get_constraint(constraint)
    if constraint == "demographic_parity":
        return float(metric(None, h, sensitive_features=codes))
    y = np.r_[np.ones_like(p), np.zeros_like(p)]
    return float(metric(y, np.r_[h, h], sensitive_features=np.r_[codes, codes],
                        sample_weight=np.r_[p, 1.0 - p]))
