"""Fair active learning (Anahideh, Asudeh & Thirumuruganathan 2022)."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_random_state

from .._compat import HasMethods, Interval, RealNotInt, StrOptions
from .._docstrings import fill_doc
from .._splits import stratify_key
from ..metrics import as_constraint, constraint_name
from ._base import BaseQuerySelector
from ._loop import QueryState
from ._newton import lr_problem, refit_with_one_row, with_intercept
from ._utils import (
    fit_classifier,
    predict_labels,
    progress_bar,
    predict_positive_proba,
    stack_rows,
)


@fill_doc
class FairActiveLearningQuerySelector(BaseQuerySelector):
    """Select rows that are uncertain and whose label is expected to reduce disparity.

    Fair active learning (FAL; Anahideh et al. 2022; PANDA paper §4.1). Every
    candidate pool row ``x`` gets

    .. math::
        s(x) = \\alpha \\, \\widetilde{H}(x) + (1 - \\alpha) \\, \\widetilde{R}(x),

    where :math:`H(x) = -\\sum_y P_h(y|x) \\log P_h(y|x)` is the entropy of the
    current query model h, and :math:`R(x)` the expected reduction in disparity
    when ``x`` is labeled,

    .. math::
        R(x) = \\Delta(h) - \\sum_{y \\in \\{0, 1\\}} P_h(y|x) \\, \\Delta(h_{+(x, y)}),

    with :math:`h_{+(x, y)}` the query model refitted on its training set plus
    ``(x, y)`` and :math:`\\Delta` the ``constraint`` disparity measured on a
    *check set* held out of D0. A tilde is min-max normalisation to [0, 1] over
    the scored candidates (a constant term becomes 0). The row with the highest
    score is labeled next; with an ``oracle`` the query model is refitted after
    every ``query_batch_size`` labels.

    Parameters
    ----------
    {budget}
    alpha : float in [0, 1], default=0.6
        Weight of the entropy term (the paper's value); ``1`` is entropy
        sampling, ``0`` ranks by the expected disparity reduction only.
    {constraint}
    {estimator}
    {query_estimator}
    {encoder}
    {sensitive_feature}
    {warm_start}
    {query_batch_size}
    n_candidates : int or None, default=100
        Number of pool rows scored per query: the ``m`` highest-entropy rows
        (the nested variant of the FAL paper); the other rows rank below them,
        by entropy. ``None`` scores every pool row. The cost grows linearly
        with it. Measured on Adult (the harness's D0 of 24,421 rows, 104
        one-hot features, one thread, ``mode="exact"``): one query scoring
        100 candidates takes about 3 s of CPU, 1,000 candidates 28 s; scoring
        all 24k rows of a pool took 264 s. ``select`` without an ``oracle``
        pays this once; a sequential run (with an ``oracle``) once per query.
    mode : {"exact", "approx"}, default="exact"
        How the refitted models :math:`h_{+(x, y)}` are obtained when the query
        model is a plain binary ``LogisticRegression`` (l2, no class weights,
        not ``liblinear``): ``"exact"`` solves every refit to optimality with
        vectorised Newton steps started at the current fit (same model as a
        scikit-learn refit, up to its tolerance); ``"approx"`` takes one Newton
        (influence-function) step. Any other classifier is refitted naively
        (``clone`` + ``fit`` for every candidate and label): correct but
        ``2 * n_candidates`` fits per query.
    check_size : float in (0, 1) or int, default=0.2
        Fraction (or number) of D0 rows held out, stratified by (group, label)
        and seeded by ``random_state``, to measure :math:`\\Delta`. The query
        model is trained on the rest of D0; the downstream ``estimator_`` still
        sees all of D0.
    disparity_on : {"labels", "proba"}, default="labels"
        ``"labels"`` (the definition): :math:`\\Delta` of the hard predictions
        of the refitted model (a score of exactly 0 predicts class 0).
        ``"proba"``: of its predicted probabilities, which moves smoothly with
        one added row.
    {random_state}
    {verbose}

    Attributes
    ----------
    estimator_ : classifier
        The downstream classifier fitted on D0 (h^0).
    query_model_ : classifier
        The query model h^0, fitted on D0 minus the check set.
    check_indices_, train_indices_ : ndarray of int
        Rows of D0 held out as the check set, and the others.
    classes_, groups_, n_features_in_
        As in :class:`~skpanda.selectors.RandomQuerySelector`.

    See Also
    --------
    EntropyQuerySelector : the ``alpha=1`` special case.

    Notes
    -----
    Scoring a query takes ``2 * n_candidates`` refits. For a plain
    ``LogisticRegression`` they are solved together: each is the current,
    already optimal objective plus one loss term, so Newton steps started at
    the current weights converge in a few iterations (Sherman-Morrison updates
    of the current Hessian when the training set has more rows than features,
    a Woodbury solve through the Gram matrix otherwise); see
    ``benchmarks/fal_speed.py`` for the speed-up over refitting.

    Hard-label disparity is piecewise constant in the weights: when the
    training set is large one added row flips few check predictions, so many
    candidates share the same expected disparity and the entropy term decides.
    Remaining ties among equal scores are broken by a permutation drawn from
    ``random_state``. The exact solver stops at a gradient of at most
    ``1e-10`` on scikit-learn's scale, tighter than ``LogisticRegression``'s
    default ``tol``; a naive refit with the default tolerance can differ on a
    check row whose score is within that tolerance of 0.

    References
    ----------
    H. Anahideh, A. Asudeh and S. Thirumuruganathan. Fair active learning.
    Expert Systems with Applications 199, 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skpanda.selectors import FairActiveLearningQuerySelector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(120, 3)); g = rng.randint(0, 2, 120)
    >>> y = (X[:, 0] + g > 0.5).astype(int)
    >>> sel = FairActiveLearningQuerySelector(budget=4, random_state=0)
    >>> sel = sel.fit(X, y, sensitive_features=g)
    >>> X_pool = rng.normal(size=(30, 3)); g_pool = rng.randint(0, 2, 30)
    >>> picks = sel.select(X_pool, sensitive_features=g_pool)
    >>> picks.shape, len(set(picks.tolist()))
    ((4,), 4)
    """

    _sequential = True

    _parameter_constraints = {
        **BaseQuerySelector._parameter_constraints,
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "constraint": [str, HasMethods(["load_data", "gamma"])],
        "n_candidates": [Interval(Integral, 1, None, closed="left"), None],
        "mode": [StrOptions({"exact", "approx"})],
        "check_size": [Interval(RealNotInt, 0, 1, closed="neither"),
                       Interval(Integral, 1, None, closed="left")],
        "disparity_on": [StrOptions({"labels", "proba"})],
    }  # "verbose" comes from BaseQuerySelector

    def __init__(self, *, budget=400, alpha=0.6, constraint="demographic_parity",
                 estimator=None, query_estimator=None, encoder=None, sensitive_feature=None,
                 warm_start="representation", query_batch_size=1, n_candidates=100,
                 mode="exact", check_size=0.2, disparity_on="labels", random_state=None,
                 verbose=False):
        self.budget = budget
        self.alpha = alpha
        self.constraint = constraint
        self.estimator = estimator
        self.query_estimator = query_estimator
        self.encoder = encoder
        self.sensitive_feature = sensitive_feature
        self.warm_start = warm_start
        self.query_batch_size = query_batch_size
        self.n_candidates = n_candidates
        self.mode = mode
        self.check_size = check_size
        self.disparity_on = disparity_on
        self.random_state = random_state
        self.verbose = verbose

    # --------------------------------------------------------------- fit
    def _fit(self, Z, y, groups):
        rows = np.arange(y.shape[0])
        strata = stratify_key(y, groups, min_count=2)
        try:
            train, check = train_test_split(rows, test_size=self.check_size, stratify=strata,
                                            random_state=check_random_state(self.random_state))
        except ValueError as exc:
            raise ValueError(f"check_size={self.check_size!r} cannot split D0 ({y.shape[0]} "
                             f"rows) into a check set and a training set that both hold "
                             f"every label: {exc}") from None
        if np.unique(groups[check]).size < 2:
            warnings.warn(
                "FairActiveLearningQuerySelector's check set holds a single group, so its "
                "disparity term is always 0 and it ranks rows by entropy alone. Pass "
                "sensitive_features=... (or sensitive_feature='column') to fit.",
                UserWarning,
            )
        self.check_indices_ = np.sort(check)
        self.train_indices_ = np.sort(train)
        self.query_model_ = fit_classifier(self._query_template(), Z[self.train_indices_],
                                           y[self.train_indices_], groups[self.train_indices_])

    def _initial_state(self):
        tr = self.train_indices_
        return QueryState(self.query_model_, self.Z_fit_[tr], self.y_fit_[tr],
                          self.groups_fit_[tr], np.empty(0, dtype=np.intp))

    def _refit_state(self, Z_sel, y_sel, g_sel, labeled):
        if not self._trains_on_d0():
            return super()._refit_state(Z_sel, y_sel, g_sel, labeled)
        tr = self.train_indices_
        Z = stack_rows(self.Z_fit_[tr], Z_sel)
        y = np.concatenate([self.y_fit_[tr], y_sel])
        g = np.concatenate([self.groups_fit_[tr], g_sel])
        model = fit_classifier(self._query_template(), Z, y, g)
        return QueryState(model, Z, y, g, labeled)

    # ------------------------------------------------------------- score
    def _score_pool(self, candidates, state, *, Z_pool, groups, random_state):
        Zc = Z_pool[candidates]
        p = np.clip(predict_positive_proba(state.estimator, Zc), 1e-12, 1 - 1e-12)
        entropy = -(p * np.log(p) + (1 - p) * np.log(1 - p))
        scored = np.arange(candidates.shape[0])
        scores = np.full(candidates.shape[0], -np.inf)
        if self.n_candidates is not None and self.n_candidates < scored.size:
            order = np.argsort(-entropy, kind="stable")
            scored, others = order[: self.n_candidates], order[self.n_candidates:]
            scores[others] = -2.0 + _minmax(entropy[others])  # below every scored row
        total = self.alpha * _minmax(entropy[scored])
        if self.alpha < 1:
            g_cand = None if groups is None else groups[candidates][scored]
            expected = self._expected_disparity_blocks(state, Zc[scored], p[scored], g_cand)
            total += (1 - self.alpha) * _minmax(-expected)
        scores[scored] = total
        return scores

    def _expected_disparity_blocks(self, state, Z_cand, proba, g_cand, block=1024):
        """:meth:`_expected_disparity` in blocks of rows, with a progress bar.

        The bar is shown (``verbose=True``) only when there is more than one
        block: scoring many candidates at once (``n_candidates=None``).
        """
        m = Z_cand.shape[0]
        if m <= block:
            return self._expected_disparity(state, Z_cand, proba, g_cand)
        parts = []
        with progress_bar(self, m, "rows", desc="FAL: scoring candidates") as bar:
            for i in range(0, m, block):
                g = None if g_cand is None else g_cand[i:i + block]
                parts.append(self._expected_disparity(state, Z_cand[i:i + block],
                                                      proba[i:i + block], g))
                bar.update(min(block, m - i))
        return np.concatenate(parts)

    def _expected_disparity(self, state, Z_cand, proba, g_cand):
        """:math:`\\sum_y P_h(y|x) \\Delta(h_{+(x, y)})` for each candidate row.

        Parameters
        ----------
        state : QueryState
            The current query model and its training data.
        Z_cand : array of shape (m, n_features)
            Candidate rows, in the shared representation.
        proba : ndarray of shape (m,)
            :math:`P_h(y=1|x)` of each candidate.
        g_cand : ndarray of shape (m,) or None
            Their groups (passed to a query model whose ``fit`` takes them).

        Returns
        -------
        ndarray of shape (m,)
        """
        m = Z_cand.shape[0]
        chk = self.check_indices_
        Z_chk, y_chk, g_chk = self.Z_fit_[chk], self.y_fit_[chk], self.groups_fit_[chk]
        problem = lr_problem(state.estimator)
        if problem is None:
            preds = [self._naive_predictions(state, Z_cand, Z_chk, g_cand)]
        else:
            C, fit_intercept = problem
            est = state.estimator
            w0 = np.r_[est.coef_.ravel(), est.intercept_] if fit_intercept else est.coef_.ravel()
            xn = with_intercept(Z_cand, fit_intercept)
            W = refit_with_one_row(
                with_intercept(state.X_train, fit_intercept), state.y_train, w0,
                np.vstack([xn, xn]), np.r_[np.zeros(m), np.ones(m)],
                C=C, fit_intercept=fit_intercept, mode=self.mode,
            )
            X_chk = with_intercept(Z_chk, fit_intercept)
            preds = (self._predictions(X_chk @ W[i:i + 4096].T)       # (n_check, <=4096)
                     for i in range(0, 2 * m, 4096))
        constraint = constraint_name(self.constraint)
        delta = np.concatenate([column_disparity(P, g_chk, y_chk, constraint) for P in preds])
        # exact when both labels give the same disparity (no rounding noise to rescale)
        return delta[:m] + proba * (delta[m:] - delta[:m])

    def _predictions(self, margins):
        """Hard labels (a margin of exactly 0 predicts 0) or probabilities."""
        return expit(margins) if self.disparity_on == "proba" else (margins > 0) * 1.0

    def _naive_predictions(self, state, Z_cand, Z_chk, g_cand):
        """Check-set predictions of 2m refitted clones (labels 0 then 1)."""
        cols = []
        for label in (0, 1):
            for j in range(Z_cand.shape[0]):
                Z = stack_rows(state.X_train, Z_cand[j:j + 1])
                y = np.r_[state.y_train, label]
                g_new = state.groups_train[:1] if g_cand is None else g_cand[j:j + 1]
                g = np.concatenate([state.groups_train, g_new])
                model = fit_classifier(state.estimator, Z, y, g)
                if self.disparity_on == "proba":
                    cols.append(predict_positive_proba(model, Z_chk))
                else:
                    cols.append(predict_labels(model, Z_chk, random_state=0))
        return np.column_stack(cols).astype(float)


def _minmax(v):
    """Scale to [0, 1]; a constant vector (up to rounding) becomes all zeros."""
    v = np.asarray(v, dtype=float)
    if v.size == 0:
        return v
    span = v.max() - v.min()
    if span <= 1e-12 * max(1.0, np.abs(v).max()):
        return np.zeros_like(v)
    return (v - v.min()) / span


def column_disparity(H, groups, y, constraint):
    """Disparity of each column of ``H`` (n, m) under ``constraint`` (difference method).

    The vectorised twin of :func:`skpanda.metrics.disparity`: the constraint
    object's :meth:`~skpanda.metrics.ParityConstraint.columns`, which runs the
    same cell-means core (same definitions, empty (group, label) cells skipped,
    0 when nothing is comparable).
    """
    return as_constraint(constraint).columns(H, groups, y)
