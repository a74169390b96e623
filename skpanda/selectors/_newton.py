"""Refit an L2 logistic regression with one extra row, for many rows at once.

Fair active learning asks, for every pool row ``x`` and label ``y``, what the
query classifier becomes when it is refitted on its training set plus
``(x, y)``. For :class:`~sklearn.linear_model.LogisticRegression` each such
refit is a one-row perturbation of an already solved, strongly convex problem,
so Newton steps started at the current optimum ``w0`` converge in a few
iterations, and they can be taken for all candidate rows at once with numpy.

The objective is scikit-learn's (binary, ``l2``, no sample weights), divided by
``C``:

.. math::
    F_j(w) = \\sum_{i=1}^{n} \\ell(x_i^\\top w, y_i) + \\ell(x_j^\\top w, y_j)
             + \\frac{1}{2C} \\sum_{k \\le d} w_k^2,
    \\qquad \\ell(z, y) = \\log(1 + e^z) - y z,

where ``x`` carries a trailing 1 for the (unpenalised) intercept.
"""

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from ._logistic_ops import armijo_steps, loss_sums, rowdot, sigmoid, softplus
from ._newton_span import span_refits


def lr_problem(estimator):
    """``(C, fit_intercept)`` when ``estimator`` is a fitted plain binary L2 LR, else None.

    Only ``LogisticRegression`` itself qualifies (not a subclass): its objective
    is known. ``liblinear`` penalises the intercept, ``class_weight`` reweights
    rows, ``C=inf`` has no unique optimum: those go to the naive refit loop.
    """
    if type(estimator) is not LogisticRegression or not hasattr(estimator, "coef_"):
        return None
    penalty = estimator.penalty
    l2 = penalty == "l2" or (penalty == "deprecated" and not estimator.l1_ratio)
    C = float(estimator.C)
    if (not l2 or estimator.solver == "liblinear" or estimator.class_weight is not None
            or not np.isfinite(C) or C <= 0 or estimator.coef_.shape[0] != 1):
        return None
    return C, bool(estimator.fit_intercept)


def with_intercept(X, fit_intercept):
    """Dense float copy of ``X``, with a column of ones when there is an intercept."""
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X, dtype=float)
    if fit_intercept:
        X = np.hstack([X, np.ones((X.shape[0], 1))])
    return X


def _penalty(p, C, fit_intercept):
    lam = np.full(p, 1.0 / C)
    if fit_intercept:
        lam[-1] = 0.0
    return lam


def _chord_direction(Hinv, G, xn, U, xu, sn):
    """-(H0 + s x x^T)^{-1} g per row, by Sherman-Morrison (H0 shared).

    ``U = xn @ Hinv`` and ``xu = x . U`` are fixed per problem (computed once).
    """
    V = G @ Hinv                                       # H0^{-1} g   (m, p)
    coef = sn * rowdot(xn, V) / (1.0 + sn * xu)
    return coef[:, None] * U - V


def _newton_direction(X, Z, xn, sn, G, lam, block_floats=2**21):
    """-H_j^{-1} g_j with each problem's exact Hessian (batched, dense p x p).

    Parameters
    ----------
    X : ndarray of shape (n, p)
        Training rows, with the intercept column.
    Z : ndarray of shape (m, n)
        ``W @ X.T``, the margins of each problem's weights.
    xn : ndarray of shape (m, p)
        Each problem's extra row.
    sn : ndarray of shape (m,)
        Curvature of the extra row's loss.
    G : ndarray of shape (m, p)
        Gradients.
    lam : ndarray of shape (p,)
        L2 strength per weight.
    block_floats : int, default=2**21
        Size bound of the temporary weighted block of rows: each Hessian is
        summed over blocks of :func:`_hessian_row_block` rows of ``X``, one
        problem at a time, so memory stays ``O(m p^2 + block_floats)`` instead
        of the ``O(m n p)`` of one batched product (15 GB for 32 problems on
        120k rows of 503 one-hot features).

    Returns
    -------
    ndarray of shape (m, p)
    """
    S = expit(Z)
    S = S * (1.0 - S)                                  # (m, n)
    m, n = Z.shape
    H = np.zeros((m, lam.size, lam.size))
    rows = _hessian_row_block(n, lam.size, block_floats)
    for i in range(0, n, rows):
        Xb = X[i:i + rows]
        for j in range(m):
            H[j] += (Xb * S[j, i:i + rows, None]).T @ Xb
    H += sn[:, None, None] * xn[:, :, None] * xn[:, None, :]
    H[:, np.arange(lam.size), np.arange(lam.size)] += lam
    return -np.linalg.solve(H, G[:, :, None])[:, :, 0]


def _hessian_row_block(n, p, block_floats):
    """Rows of ``X`` per block in :func:`_newton_direction`: ``rows * p <= block_floats``.

    At least one row; at most ``n``.
    """
    return int(min(n, max(1, block_floats // max(1, p))))


def refit_with_one_row(X, y, w0, xn, yn, *, C, fit_intercept, mode="exact",
                       tol=1e-10, max_iter=100, n_chord=8, chunk_size=None):
    """Weights of ``LogisticRegression`` refitted on ``(X, y) + (xn[j], yn[j])``, per ``j``.

    Parameters
    ----------
    X : ndarray of shape (n, p)
        Current training rows, with the intercept column (:func:`with_intercept`).
    y : ndarray of shape (n,)
        Their 0/1 labels.
    w0 : ndarray of shape (p,)
        The current fit, ``[coef_, intercept_]``: the starting point.
    xn : ndarray of shape (m, p)
        One extra row per problem, with the intercept column.
    yn : ndarray of shape (m,)
        Its 0/1 label.
    C : float
        Inverse regularisation strength of the estimator.
    fit_intercept : bool
        Whether the last column is an unpenalised intercept.
    mode : {"exact", "approx"}, default="exact"
        ``"approx"``: one Newton step from ``w0`` (an influence-function update).
        ``"exact"``: iterate to ``max |grad F_j| / (n + 1) <= tol`` (scikit-learn's
        gradient scale). With more rows than features: Sherman-Morrison steps
        with the Hessian at ``w0``, then, for problems still unconverged after
        ``n_chord`` of them, full Newton steps. With fewer rows than features:
        full Newton steps in the span of the n + 1 rows, an (n+2) x (n+2)
        solve on their Gram matrix (:func:`._newton_span.span_refits`). A full
        step is taken where it halves the smallest gradient max-norm reached so
        far, otherwise the step is damped by Armijo backtracking.
    tol, max_iter, n_chord : float, int, int
        Convergence controls of ``"exact"``.
    chunk_size : int, default=None
        Problems solved together (bounds memory to about ``n * chunk_size``
        floats); ``None`` picks it from ``n``.

    Returns
    -------
    W : ndarray of shape (m, p)
        Refitted weights, one row per problem.
    """
    X, y, xn, yn = (np.asarray(a, dtype=float) for a in (X, y, xn, yn))
    w0 = np.asarray(w0, dtype=float)
    n, p = X.shape
    lam = _penalty(p, C, fit_intercept)
    lowrank = n + 1 < p - fit_intercept
    if chunk_size is None:   # keep the per-chunk arrays cache-sized
        chunk_size = max(32, int(4e5 // (n + 1) ** 2) if lowrank else int(2e6 // max(n, p * p)))
    base = None if lowrank and mode == "exact" else _base_fit(X, y, w0, lam)
    W = np.empty((xn.shape[0], p))
    for start in range(0, xn.shape[0], chunk_size):
        sl = slice(start, start + chunk_size)
        if base is None:  # few rows: Newton in the span of the rows
            W[sl] = span_refits(X, y, w0, xn[sl], yn[sl], lam, tol * (n + 1), max_iter)
        else:
            W[sl] = _dense_refits(X, y, xn[sl], yn[sl], lam, base, mode, tol * (n + 1),
                                  max_iter, n_chord)
    return W


def _base_fit(X, y, w0, lam):
    """The current fit's margins, gradient and inverse Hessian (shared by all refits).

    Returns ``(w0, X w0, grad F(w0), H(w0)^{-1})`` of the objective without
    an extra row.
    """
    z0 = X @ w0
    p0 = sigmoid(z0)
    g0 = (p0 - y) @ X + lam * w0
    Hinv = np.linalg.inv((X * (p0 * (1.0 - p0))[:, None]).T @ X + np.diag(lam))
    return w0, z0, g0, Hinv


def _dense_refits(X, y, xn, yn, lam, base, mode, gtol, max_iter, n_chord):
    """Refits with more rows than features (or ``"approx"``), started at the current fit.

    Chord steps (the Hessian at ``w0`` plus each problem's new-row term,
    inverted by Sherman-Morrison), then, for problems still unconverged after
    ``n_chord`` of them, full Newton steps; each globalised by :func:`_take_steps`.
    The gradients at ``w0`` are the base fit's plus the new row's term.
    """
    w0, z0, g0, Hinv = base
    m = xn.shape[0]
    zn = xn @ w0
    pn = sigmoid(zn)
    G = g0 + (pn - yn)[:, None] * xn
    sn = pn * (1.0 - pn)
    U = xn @ Hinv                                      # H0^{-1} x, fixed per problem
    xu = rowdot(xn, U)
    W = np.tile(w0, (m, 1))
    if mode == "approx":
        return W + _chord_direction(Hinv, G, xn, U, xu, sn)
    Z = np.tile(z0, (m, 1))                            # W X^T (m, n), carried along
    spare, work = np.empty_like(Z), np.empty_like(Z)   # reused (m, n) buffers
    best = np.abs(G).max(1)                            # smallest gradient max-norm so far
    active = np.flatnonzero(best > gtol)
    for it in range(max_iter):
        if active.size == 0:
            break
        a = slice(None) if active.size == m else active   # a slice avoids copies
        xa, ya = xn[a], yn[a]
        if it < n_chord:
            D = _chord_direction(Hinv, G[a], xa, U[a], xu[a], sn[a])
        else:
            D = _newton_direction(X, Z[a], xa, sn[a], G[a], lam)
        k = active.size
        Wa, Za, zna, Ga, pa = _take_steps(X, y, W[a], Z[a], zn[a], G[a], best[a], D,
                                          xa, ya, lam, bufs=(spare[:k], work[:k]))
        if k == m:                                     # the old margins become the spare
            W, zn, G, sn = Wa, zna, Ga, pa * (1.0 - pa)
            Z, spare = Za, Z
        else:
            W[a], Z[a], zn[a], G[a], sn[a] = Wa, Za, zna, Ga, pa * (1.0 - pa)
        ga = np.abs(Ga).max(1)
        best[a] = np.minimum(best[a], ga)
        active = active[ga > gtol]
    return W


def _gradients(X, y, W, Z, zn, xn, yn, lam, out=None):
    """Gradients (m, p) at weights ``W`` (margins ``Z = W X^T``, ``zn = xn . W``), and
    the new rows' probabilities (m,); ``out`` (m, n) takes the residuals if given."""
    R = sigmoid(Z, out=out)
    R -= y
    pn = sigmoid(zn)
    # R X as (X^T R^T)^T: the same products, in the orientation OpenBLAS runs ~1.4x faster
    return (X.T @ R.T).T + (pn - yn)[:, None] * xn + W * lam, pn


def _take_steps(X, y, W, Z, zn, G, best, D, xn, yn, lam, bufs=(None, None)):
    """Move each problem along its direction ``D``; returns ``W, Z, zn``, gradients, ``pn``.

    The full step is taken where it halves the smallest gradient max-norm
    reached so far (``best``): cheap (no objective values) and safe, since the stopping
    rule is on the gradient, which such steps drive to 0. Elsewhere Armijo
    backtracking on the objective (:func:`_line_search`) decides. ``bufs``:
    two spare (m, n) arrays for the new margins and the residuals, reused
    from step to step instead of allocating fresh (m, n) arrays (whose pages
    the system may have to fault in again).
    """
    Z1 = np.matmul(D, X.T, out=bufs[0])                 # D X^T, then Z + D X^T in place
    Z1 += Z
    dn = rowdot(xn, D)
    W1, zn1 = W + D, zn + dn
    G1, p1 = _gradients(X, y, W1, Z1, zn1, xn, yn, lam, out=bufs[1])
    bad = np.flatnonzero(~(np.abs(G1).max(1) <= 0.5 * best))   # NaN counts as bad
    if bad.size:
        XD = D[bad] @ X.T
        t = _line_search(X, y, W[bad], Z[bad], zn[bad], G[bad], D[bad], XD, dn[bad],
                         xn[bad], yn[bad], lam)
        short = t < 1                                   # shorter steps than the full one
        i, t, XD = bad[short], t[short], XD[short]
        W1[i], Z1[i] = W[i] + t[:, None] * D[i], Z[i] + t[:, None] * XD
        zn1[i] = zn[i] + t * dn[i]
        G1[i], p1[i] = _gradients(X, y, W1[i], Z1[i], zn1[i], xn[i], yn[i], lam)
    return W1, Z1, zn1, G1, p1


def _line_search(X, y, W, Z, zn, G, D, XD, dn, xn, yn, lam):
    """Armijo step lengths per problem, from the full step (0 where none is found).

    ``XD = D X^T`` and ``dn = xn . D`` give the margins along each direction.
    """
    def value(i, t):
        return _values(Z[i] + t[:, None] * XD[i], y, W[i] + t[:, None] * D[i],
                       zn[i] + t * dn[i], yn[i], lam)

    return armijo_steps(value, _values(Z, y, W, zn, yn, lam), rowdot(G, D))


def _values(Z, y, W, zn, yn, lam):
    """Objective values (m,) at weights ``W`` with margins ``Z = W X^T`` and ``zn = xn . W``."""
    return loss_sums(Z, y) + softplus(zn) - yn * zn + 0.5 * (W * W) @ lam
