"""Should I label more? The value of B more labels, predicted from D0 and the unlabeled pool."""

import inspect
import numbers
import warnings

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from .._splits import stratify_key
from ..metrics import demographic_parity
from ..selectors._utils import fit_classifier, predict_labels, predict_positive_proba
from ._stopping import plug_in_f1

#: Columns of the table :func:`estimate_label_value` returns.
ADVICE_COLUMNS = ("budget", "f1", "f1_low", "f1_high", "gain", "gain_low", "gain_high",
                  "disparity", "disparity_high", "certified_bound")

_SIZES = (0.125, 0.25, 0.5, 1.0)   # learning-curve points, as shares of a fold's training part
_SHIFT_AUC = 0.6                    # domain AUC above which D0 is flagged as unlike the pool
_SHIFTS = ("label", "covariate", None)
_DOMAIN_ROWS = 10000                # rows the domain classifier is fitted on, per half


def estimate_label_value(X, y, *, sensitive_features, X_pool, sensitive_features_pool, budgets,
                         estimator, selector=None, shift="label", n_splits=5, confidence=0.9,
                         test_size=None, random_state=None):
    """Predict the test F1 of ``estimator`` after buying B more labels, for each budget B.

    Works from the labeled rows D0 and the *unlabeled* pool only: no pool label
    is asked for or read. The answer to "should I pay for labels, and how many?"
    is the ``gain`` column: when its interval holds 0, B labels are not
    predicted to help.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        D0's numeric features (already encoded, as the estimator takes them).
    y : array-like of shape (n_samples,)
        D0's binary labels.
    sensitive_features : array-like of shape (n_samples,)
        D0's groups.
    X_pool : array-like of shape (n_pool, n_features)
        The unlabeled pool the labels would be bought from.
    sensitive_features_pool : array-like of shape (n_pool,)
        The pool's groups.
    budgets : sequence of int
        Numbers of labels to price, each in [1, n_pool].
    estimator : classifier
        The model that will be trained on D0 and the bought rows. A learner of
        :mod:`skpanda.learners` also gets the pool as ``X_unlabeled``, as it
        would in use.
    selector : query selector, default=None
        How the B rows are chosen; ``None`` is uniformly at random. A selector's
        advantage over random rows is simulated inside D0 (see Notes).
    shift : {"label", "covariate"} or None, default="label"
        How D0's held-out rows are reweighted to stand for the pool:
        ``"label"``, by (label, group) with the pool's positive share per
        group estimated from predictions (D0 whose positives or groups were
        under-sampled); ``"covariate"``, by a domain classifier on the
        features (D0 drawn from other parts of the feature space); ``None``,
        unweighted (D0 drawn like the pool).
    n_splits : int, default=5
        Folds of D0 for the learning curve.
    confidence : float, default=0.9
        Nominal coverage of the intervals.
    test_size : int, default=None
        Rows of the test set the realised F1 is measured on (its sampling noise
        is part of the interval); ``None`` is the pool's size.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    advice : pandas.DataFrame
        One row per budget with :data:`ADVICE_COLUMNS`: ``f1`` and its
        interval ``[f1_low, f1_high]`` (a prediction interval for the F1
        realised on a test set of ``test_size`` rows); ``gain`` = predicted F1
        minus D0 alone, with an interval for the *expected* gain (the gain of
        one purchase also varies with the rows drawn); ``disparity`` = predicted demographic-parity
        disparity on the pool (label-free) and ``disparity_high`` its upper
        bound at ``confidence`` for a test set of ``test_size`` rows;
        ``certified_bound`` = the learner's own certified bound where it
        exposes one (``certified_bound_``), else NaN. ``advice.attrs`` holds
        ``f1_d0`` (D0 alone), ``shift_auc`` (the domain classifier's AUC, D0
        vs pool; 0.5 = indistinguishable) and ``n_d0``, ``n_pool``.

    Notes
    -----
    **Learning curve.** D0 is cut into ``n_splits`` folds stratified by label
    x group. On each fold k the estimator is trained on shares
    :math:`s \\in \\{1/8, 1/4, 1/2, 1\\}` of the other folds (``n = s n_T``
    rows), with the pool as unlabeled rows, and scored on the held-out fold.
    Per fold the curve :math:`F_k(n) = a_k + b_k n^{-1/2}` is fitted by least
    squares; the prediction for D0 plus B rows is
    :math:`\\hat F(n_0 + B) = \\frac1K \\sum_k F_k(n_0 + B)` and the gain
    :math:`\\hat F(n_0 + B) - \\hat F(n_0)`.

    **Shift.** Held-out F1 is weighted so that it is the pool's F1. Under
    ``shift="label"`` (P(x | y, a) the same in D0 and the pool; P(a) and
    P(y | a) may differ) the weights are :func:`label_shift_weights`; under
    ``"covariate"`` (P(y | x, a) the same) they are :func:`domain_weights`,
    :math:`w(x) = \\frac{p(\\text{pool}|x)}{p(\\text{D0}|x)} \\frac{n_0}{N}`
    from a LogisticRegression telling D0 from the pool. That classifier's
    AUC is always reported (``shift_auc``); above 0.6 a ``UserWarning`` says
    D0 is unlike the pool.

    **Interval.** With :math:`v_T` the variance of the weighted F1 on a test
    set of ``test_size`` rows (bootstrap of the out-of-fold predictions,
    rescaled by size) and :math:`v_K` the variance of the fold mean,
    :math:`\\hat F \\pm z_{(1+c)/2} \\sqrt{v_T + v_K + v_M}` (``v_T`` resamples
    the out-of-fold rows with probabilities proportional to the weights: draws
    like the pool's; :math:`v_M`, the variance over folds of the models'
    label-free plug-in F1 on the pool, stands for the difference between one
    fitted model and another: the realised model is none of the folds'). The gain's interval
    carries :math:`v_K` of the fold slopes only (the test set is shared).

    **Selector.** With a ``selector``, each fold also splits its training part
    into a pseudo-D0 and a pseudo-pool, selects B pseudo-pool rows (the
    oracle answers with D0's labels) and adds the mean held-out F1 difference
    "selected - random" and its variance to every row.

    **When it is wrong.** (1) The shift is not of the kind ``shift`` names:
    e.g. a D0 that dropped positives *and* kept only some kinds of rows of a
    group (both P(x | y, a) and P(y | a) differ); then the interval is
    biased, and ``shift_auc`` well above 0.5 is the warning sign. (2) B
    rows chosen by a selector from the *real* pool behave unlike those it
    chooses inside D0 (a pool much larger or richer than D0). (3) The curve
    is extrapolated from :math:`(1 - 1/K) n_0` rows; far beyond (B >> n_0)
    it is a guess. (4) Intervals assume the test set is drawn like the pool.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.RandomState(0)
    >>> X, g = rng.normal(size=(600, 3)), rng.randint(2, size=600)
    >>> y = (X[:, 0] + rng.normal(size=600) > 0).astype(int)
    >>> Xp, gp = rng.normal(size=(400, 3)), rng.randint(2, size=400)
    >>> advice = estimate_label_value(
    ...     X, y, sensitive_features=g, X_pool=Xp, sensitive_features_pool=gp,
    ...     budgets=[50, 200], estimator=LogisticRegression(), random_state=0)
    >>> list(advice["budget"])
    [50, 200]
    >>> bool((advice["f1_low"] <= advice["f1"]).all()
    ...      and (advice["f1"] <= advice["f1_high"]).all())
    True
    """
    X, y, g, Xp, gp, budgets = _check_inputs(X, y, sensitive_features, X_pool,
                                             sensitive_features_pool, budgets)
    _check_options(estimator, shift, n_splits, confidence, test_size)
    rng = check_random_state(random_state)
    n_test = Xp.shape[0] if test_size is None else int(test_size)
    covariate_w, shift_auc = domain_weights(X, g, Xp, gp, random_state=rng)
    if shift_auc > _SHIFT_AUC:
        warnings.warn(f"D0 is unlike the pool (domain classifier AUC {shift_auc:.2f} > "
                      f"{_SHIFT_AUC}): the prediction corrects shift={shift!r} only; "
                      "see Notes of estimate_label_value.", UserWarning)
    folds = _fold_curves(X, y, g, Xp, gp, estimator, n_splits, rng)
    weights = {"label": lambda: label_shift_weights(folds, y, g, gp),
               "covariate": lambda: covariate_w, None: lambda: np.ones(y.size)}[shift]()
    _score_curves(folds, y, weights)
    n0, z = X.shape[0], norm.ppf(0.5 + confidence / 2)
    v_test = _test_variance(folds, y, weights, n_test, rng)
    v_model = np.var([f["pool_f1"] for f in folds], ddof=1)        # one fit vs another
    curve = np.array([f["coef"] for f in folds])                     # (K, 2): a_k, b_k
    at = lambda n: curve[:, 0] + curve[:, 1] / np.sqrt(n)            # noqa: E731
    effect = np.zeros((len(folds), len(budgets)))
    if selector is not None:
        effect = _selector_effect(X, y, g, Xp, gp, weights, estimator, selector, budgets,
                                  n_splits, rng)
    dp = np.array([f["pool_dp"] for f in folds])
    dp_var = dp.var(ddof=1) / dp.size + _dp_test_variance(folds[-1]["pool_pred"], gp, n_test, rng)
    rows = []
    for j, budget in enumerate(budgets):
        f_k = at(n0 + budget) + effect[:, j]
        gain_k = f_k - at(n0)
        v_k = f_k.var(ddof=1) / f_k.size
        half = z * np.sqrt(v_test + v_k + v_model)
        gain_half = z * gain_k.std(ddof=1) / np.sqrt(gain_k.size)
        rows.append({
            "budget": budget, "f1": f_k.mean(), "f1_low": f_k.mean() - half,
            "f1_high": f_k.mean() + half, "gain": gain_k.mean(),
            "gain_low": gain_k.mean() - gain_half, "gain_high": gain_k.mean() + gain_half,
            "disparity": dp.mean(), "disparity_high": dp.mean() + z * np.sqrt(dp_var),
            "certified_bound": _certified_bound(folds[-1]["model"]),
        })
    advice = pd.DataFrame(rows, columns=list(ADVICE_COLUMNS))
    advice.attrs.update(f1_d0=float(at(n0).mean()), shift_auc=float(shift_auc),
                        n_d0=int(n0), n_pool=int(Xp.shape[0]), confidence=float(confidence))
    return advice


def _check_inputs(X, y, g, Xp, gp, budgets):
    X = check_array(X, dtype=float, input_name="X")
    Xp = check_array(Xp, dtype=float, input_name="X_pool")
    if Xp.shape[1] != X.shape[1]:
        raise ValueError(f"X_pool has {Xp.shape[1]} columns but X has {X.shape[1]}; encode both "
                         "the same way.")
    y = np.asarray(y).ravel()
    labels = np.unique(y)
    if labels.size != 2:
        raise ValueError(f"y must hold two classes; it holds {labels.size}: "
                         f"{labels[:5].tolist()}.")
    y = (y == labels[1]).astype(int)
    g, gp = np.asarray(g).ravel(), np.asarray(gp).ravel()
    for name, arr, n in (("y", y, X.shape[0]), ("sensitive_features", g, X.shape[0]),
                         ("sensitive_features_pool", gp, Xp.shape[0])):
        if arr.shape[0] != n:
            raise ValueError(f"{name} has {arr.shape[0]} rows; expected {n}.")
    if isinstance(budgets, numbers.Integral):
        budgets = [budgets]
    budgets = [int(b) for b in budgets]
    bad = [b for b in budgets if not 1 <= b <= Xp.shape[0]]
    if not budgets or bad:
        raise ValueError(f"budgets={budgets} must be integers in [1, n_pool={Xp.shape[0]}]; "
                         f"out of range: {bad}.")
    return X, y, g, Xp, gp, sorted(set(budgets))


def _check_options(estimator, shift, n_splits, confidence, test_size):
    if not hasattr(estimator, "fit"):
        raise TypeError(f"estimator must be a classifier with fit, got {estimator!r}.")
    if shift not in _SHIFTS:
        raise ValueError(f"shift={shift!r} must be one of {_SHIFTS}.")
    if not (isinstance(n_splits, numbers.Integral) and n_splits >= 3):
        raise ValueError(f"n_splits={n_splits!r} must be an integer >= 3.")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be in (0, 1), e.g. 0.9.")
    if test_size is not None and not (isinstance(test_size, numbers.Integral) and test_size > 0):
        raise ValueError(f"test_size={test_size!r} must be a positive integer or None.")


def domain_weights(X, g, Xp, gp, *, random_state=None):
    """Importance weights of D0's rows towards the pool, and the domain classifier's AUC.

    A LogisticRegression on the features and the group one-hot separates D0
    (0) from the pool (1), cross-fitted on 2 halves (stratified by domain) (each fit on at
    most 10,000 rows of the other half); D0's rows get
    :math:`w = \\frac{p}{1 - p} \\frac{n_0}{N}` clipped to [0.05, 20] and
    scaled to mean 1.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> w, auc = domain_weights(rng.normal(size=(300, 2)), np.zeros(300),
    ...                         rng.normal(size=(300, 2)), np.zeros(300), random_state=0)
    >>> bool(abs(w.mean() - 1) < 1e-9 and auc < 0.6)
    True
    """
    levels = np.unique(np.r_[g, gp].astype(str))
    onehot = lambda a: (a.astype(str)[:, None] == levels[None, :]).astype(float)  # noqa: E731
    Z = np.vstack([np.hstack([X, onehot(g)]), np.hstack([Xp, onehot(gp)])])
    d = np.r_[np.zeros(X.shape[0]), np.ones(Xp.shape[0])]
    rng = check_random_state(random_state)
    half = np.empty(d.size, dtype=int)                # cross-fitting: 2 halves, by domain
    for i, (_, rows) in enumerate(StratifiedKFold(2, shuffle=True, random_state=rng.randint(
            2**31)).split(Z, d)):
        half[rows] = i
    p = np.empty(d.size)
    for part in (0, 1):
        fit_rows = np.flatnonzero(half != part)
        fit_rows = rng.permutation(fit_rows)[:_DOMAIN_ROWS]
        model = LogisticRegression(max_iter=500).fit(Z[fit_rows], d[fit_rows])
        p[half == part] = model.predict_proba(Z[half == part])[:, 1]
    auc = roc_auc_score(d, p)
    q = np.clip(p[: X.shape[0]], 1e-6, 1 - 1e-6)
    w = np.clip(q / (1 - q) * X.shape[0] / Xp.shape[0], 0.05, 20.0)
    return w / w.mean(), float(auc)


def _fit(estimator, X, y, g, Xp, gp):
    return fit_classifier(estimator, X, y, g, Z_unlabeled=Xp, groups_unlabeled=gp)


def _predict(model, X, g, seed):
    return predict_labels(model, X, random_state=seed, sensitive_features=g)


def _fold_curves(X, y, g, Xp, gp, estimator, n_splits, rng):
    """Per fold: held-out predictions at each training share, and the pool's predictions."""
    folds = []
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=rng.randint(2**31))
    for train, held in cv.split(X, _strata(y, g, n_splits)):
        train = rng.permutation(train)
        sizes, preds = [], []
        for share in _SIZES:
            rows = train[: max(20, int(share * train.size))]
            model = _fit(estimator, X[rows], y[rows], g[rows], Xp, gp)
            sizes.append(rows.size)
            preds.append(_predict(model, X[held], g[held], 0))
        pool_pred = _predict(model, Xp, gp, 0)
        proba = predict_positive_proba(getattr(model, "estimator_", model), Xp)
        folds.append({"sizes": np.asarray(sizes), "preds": preds, "held": held,
                      "pred": preds[-1], "model": model, "pool_pred": pool_pred,
                      "pool_dp": demographic_parity(None, pool_pred, sensitive_features=gp),
                      "pool_f1": plug_in_f1(pool_pred, proba)})
    return folds


def _score_curves(folds, y, w):
    """Weighted held-out F1 per share, and the curve :math:`a_k + b_k n^{-1/2}` per fold."""
    for fold in folds:
        held = fold["held"]
        scores = [f1_score(y[held], pred, sample_weight=w[held], zero_division=0.0)
                  for pred in fold["preds"]]
        design = np.column_stack([np.ones(fold["sizes"].size), 1 / np.sqrt(fold["sizes"])])
        fold["coef"] = np.linalg.lstsq(design, np.asarray(scores), rcond=None)[0]


def label_shift_weights(folds, y, g, gp):
    r"""Weights of D0's rows by (label, group) towards the pool, from predictions only.

    Per group a, the out-of-fold predictions give the rates
    :math:`t_a = P(\hat y = 1 | y = 1, a)`, :math:`f_a = P(\hat y = 1 | y = 0, a)`
    and :math:`\hat r_a = P(\hat y = 1 | a)` on D0; :math:`r_a` is the
    predicted-positive share of a on the pool. When :math:`|r_a - \hat r_a|`
    exceeds 2 standard errors, the pool's positive share of a solves
    :math:`r_a = t_a \pi_a + f_a (1 - \pi_a)` (black-box shift estimation,
    Lipton et al. 2018, per group; clipped to [0.001, 0.999]); otherwise it
    stays D0's (no evidence of a shift: noise is not amplified by
    :math:`1 / (t_a - f_a)`). A row (y, a) weighs
    :math:`\frac{P_{pool}(a) P_{pool}(y|a)}{P_{D0}(a) P_{D0}(y|a)}`.
    """
    held = np.concatenate([f["held"] for f in folds])
    pred = np.concatenate([f["pred"] for f in folds]).astype(float)
    pool_rate = np.mean([f["pool_pred"] for f in folds], axis=0)
    w = np.ones(y.size)
    for a in np.unique(g):
        in_a, in_pool = g[held] == a, gp == a
        truth, p_a, pi_d0 = y[held][in_a], pred[in_a], y[g == a].mean()
        pi = pi_d0
        if in_pool.any() and np.unique(truth).size == 2:
            t, f = p_a[truth == 1].mean(), p_a[truth == 0].mean()
            r_d0, r = p_a.mean(), pool_rate[in_pool].mean()
            se = np.sqrt(max(r * (1 - r), 1e-6) * (1 / in_a.sum() + 1 / in_pool.sum()))
            if abs(r - r_d0) > 2 * se and t - f > 0.05:
                pi = float(np.clip((r - f) / (t - f), 0.001, 0.999))
        share = np.mean(gp == a) / np.mean(g == a)
        w[g == a] = share * np.where(y[g == a] == 1, pi / max(pi_d0, 1e-3),
                                     (1 - pi) / max(1 - pi_d0, 1e-3))
    return w / w.mean()


def _test_variance(folds, y, w, n_test, rng, n_boot=200):
    """Variance of the F1 on ``n_test`` rows drawn like the pool.

    Out-of-fold rows are resampled with probabilities proportional to ``w``
    (draws from the pool's distribution), and the variance rescaled by size.
    """
    held = np.concatenate([f["held"] for f in folds])
    pred = np.concatenate([f["pred"] for f in folds]).astype(bool)
    truth, wh = y[held].astype(bool), w[held]
    boot = rng.multinomial(held.size, wh / wh.sum(), size=n_boot).astype(float)  # (n_boot, n)
    tp, fp, fn = boot @ (pred & truth), boot @ (pred & ~truth), boot @ (~pred & truth)
    f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1e-12)
    return float(np.var(f1, ddof=1) * held.size / n_test)


def _dp_test_variance(pool_pred, gp, n_test, rng, n_boot=100):
    """Variance of the demographic-parity disparity on ``n_test`` rows drawn like the pool."""
    values = [demographic_parity(None, pool_pred[i], sensitive_features=gp[i])
              for i in (rng.randint(gp.size, size=n_test) for _ in range(n_boot))]
    return float(np.var(values, ddof=1))


def _selector_effect(X, y, g, Xp, gp, w, estimator, selector, budgets, n_splits, rng):
    """Per fold and budget: held-out F1 of pseudo-D0 + selected rows minus + random rows."""
    effect = []
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=rng.randint(2**31))
    for train, held in cv.split(X, _strata(y, g, n_splits)):
        train = rng.permutation(train)
        n_pseudo_pool = min(train.size // 2, max(4 * max(budgets), 1000))
        pool, base = train[:n_pseudo_pool], train[n_pseudo_pool:]
        sel = clone(selector).fit(X[base], y[base], sensitive_features=g[base])
        kwargs = {"sensitive_features": g[pool]}
        if "oracle" in inspect.signature(sel.select).parameters:
            kwargs["oracle"] = lambda positions, pool=pool: y[pool[np.asarray(positions)]]
        chosen = np.asarray(sel.select(X[pool], min(max(budgets), pool.size), **kwargs))
        random = rng.permutation(pool.size)
        row = []
        for budget in budgets:
            scores = []
            for picked in (chosen[:budget], random[:budget]):
                rows = np.r_[base, pool[picked]]
                model = _fit(estimator, X[rows], y[rows], g[rows], Xp, gp)
                pred = _predict(model, X[held], g[held], 0)
                scores.append(f1_score(y[held], pred, sample_weight=w[held], zero_division=0.0))
            row.append(scores[0] - scores[1])
        effect.append(row)
    return np.asarray(effect)


def _strata(y, g, n_splits):
    key = stratify_key(y, g, min_count=n_splits)
    return y if key is None else key


def _certified_bound(model):
    """The learner's certified disparity bound where it exposes one (issue #17), else NaN."""
    value = getattr(model, "certified_bound_", None)
    return float(value) if isinstance(value, numbers.Real) else float("nan")
