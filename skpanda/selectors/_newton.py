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


def _value_grad(X, y, W, xn, yn, lam):
    """Objective values (m,), gradients (m, p) and new-row curvature (m,)."""
    Z = X @ W.T                                        # (n, m)
    zn = np.einsum("mp,mp->m", xn, W)                  # (m,)
    f = (np.logaddexp(0.0, Z).sum(0) - y @ Z + np.logaddexp(0.0, zn) - yn * zn
         + 0.5 * (W * W) @ lam)
    pn = expit(zn)
    G = (expit(Z) - y[:, None]).T @ X + (pn - yn)[:, None] * xn + W * lam
    return f, G, pn * (1.0 - pn)


def _values(X, y, W, xn, yn, lam):
    Z = X @ W.T
    zn = np.einsum("mp,mp->m", xn, W)
    return (np.logaddexp(0.0, Z).sum(0) - y @ Z + np.logaddexp(0.0, zn) - yn * zn
            + 0.5 * (W * W) @ lam)


def _chord_direction(Hinv, G, xn, sn):
    """-(H0 + s x x^T)^{-1} g per row, by Sherman-Morrison (H0 shared)."""
    U = xn @ Hinv                                      # H0^{-1} x   (m, p)
    V = G @ Hinv                                       # H0^{-1} g   (m, p)
    coef = sn * np.einsum("mp,mp->m", xn, V) / (1.0 + sn * np.einsum("mp,mp->m", xn, U))
    return -(V - coef[:, None] * U)


def _rowdot(A, B):
    return np.einsum("mp,mp->m", A, B)


def _newton_direction(X, W, xn, sn, G, lam):
    """-H_j^{-1} g_j with each problem's exact Hessian (batched, dense p x p)."""
    S = expit(X @ W.T)
    S = (S * (1.0 - S)).T                              # (m, n)
    H = np.matmul((X[None, :, :] * S[:, :, None]).transpose(0, 2, 1), X)
    H += sn[:, None, None] * xn[:, :, None] * xn[:, None, :]
    H[:, np.arange(lam.size), np.arange(lam.size)] += lam
    return -np.linalg.solve(H, G[:, :, None])[:, :, 0]


def _lowrank_direction(X, W, xn, sn, G, lam):
    """Same as :func:`_newton_direction` through the (n+1)-row Gram matrix.

    With ``n + 1`` training rows and ``d > n + 1`` features the weight block of
    the Hessian, ``P = I / C + A^T S A`` (``A`` the n + 1 rows without the
    intercept column), is inverted by Woodbury,
    ``P^{-1} = C (I - A^T S^{1/2} (I / C + S^{1/2} A A^T S^{1/2})^{-1} S^{1/2} A)``,
    and the unpenalised intercept by a Schur complement.
    """
    icpt = lam[-1] == 0.0
    lam_w = lam[0]
    Xf, xf = (X[:, :-1], xn[:, :-1]) if icpt else (X, xn)
    n = Xf.shape[0]
    S = expit(X @ W.T)
    S = np.c_[(S * (1.0 - S)).T, sn]                    # (m, n + 1)
    r = np.sqrt(S)
    rb, rn = r[:, :n], r[:, n]
    M = np.empty((xf.shape[0], n + 1, n + 1))          # I / C + S^1/2 A A^T S^1/2
    np.multiply(rb[:, :, None] * (Xf @ Xf.T), rb[:, None, :], out=M[:, :n, :n])
    M[:, :n, n] = M[:, n, :n] = rb * (xf @ Xf.T) * rn[:, None]
    M[:, n, n] = rn * rn * _rowdot(xf, xf)
    M[:, np.arange(n + 1), np.arange(n + 1)] += lam_w
    rhs = [G[:, :-1], S[:, :n] @ Xf + S[:, n:] * xf] if icpt else [G]   # g_u, A^T S 1
    R = np.stack(rhs, axis=2)                          # (m, d, k)
    m, d, k = R.shape
    XR = (Xf @ R.transpose(1, 0, 2).reshape(d, m * k)).reshape(n, m, k).transpose(1, 0, 2)
    AR = np.concatenate([XR, np.einsum("md,mdk->mk", xf, R)[:, None, :]], axis=1)
    T = r[:, :, None] * np.linalg.solve(M, r[:, :, None] * AR)       # (m, n + 1, k)
    TX = (T[:, :n].transpose(0, 2, 1).reshape(m * k, n) @ Xf).reshape(m, k, d)
    PR = (R - TX.transpose(0, 2, 1) - T[:, n:] * xf[:, :, None]) / lam_w
    if not icpt:
        return -PR[:, :, 0]
    Pg, Pv, v = PR[:, :, 0], PR[:, :, 1], R[:, :, 1]
    b = (G[:, -1] - _rowdot(v, Pg)) / (S.sum(1) - _rowdot(v, Pv))
    return -np.c_[Pg - Pv * b[:, None], b]


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
        full Newton steps solved through the (n+1) x (n+1) Gram matrix
        (Woodbury). Every step is damped by an Armijo backtracking line search.
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
    s0 = expit(X @ w0)
    H0 = (X * (s0 * (1.0 - s0))[:, None]).T @ X + np.diag(lam)
    Hinv = np.linalg.inv(H0)
    lowrank = n + 1 < p - fit_intercept
    if chunk_size is None:   # keep the per-chunk arrays cache-sized
        chunk_size = max(32, int(4e5 // (n + 1) ** 2) if lowrank else int(2e6 // max(n, p * p)))
    W = np.empty((xn.shape[0], p))
    for start in range(0, xn.shape[0], chunk_size):
        sl = slice(start, start + chunk_size)
        W[sl] = _solve_chunk(X, y, w0, xn[sl], yn[sl], lam, Hinv, mode, tol * (n + 1),
                             max_iter, n_chord, lowrank)
    return W


def _solve_chunk(X, y, w0, xn, yn, lam, Hinv, mode, gtol, max_iter, n_chord, lowrank):
    W = np.tile(w0, (xn.shape[0], 1))
    f, G, sn = _value_grad(X, y, W, xn, yn, lam)
    if mode == "approx":
        return W + _chord_direction(Hinv, G, xn, sn)
    active = np.flatnonzero(np.abs(G).max(1) > gtol)
    for it in range(max_iter):
        if active.size == 0:
            break
        Wa, xa, ya, Ga = W[active], xn[active], yn[active], G[active]
        if lowrank:   # few rows: exact Newton through the Gram matrix is cheap
            D = _lowrank_direction(X, Wa, xa, sn[active], Ga, lam)
        elif it < n_chord:
            D = _chord_direction(Hinv, Ga, xa, sn[active])
        else:
            D = _newton_direction(X, Wa, xa, sn[active], Ga, lam)
        W[active], f[active] = _line_search(X, y, Wa, D, f[active], Ga, xa, ya, lam)
        fa, Ga, sa = _value_grad(X, y, W[active], xa, ya, lam)
        f[active], G[active], sn[active] = fa, Ga, sa
        active = active[np.abs(Ga).max(1) > gtol]
    return W


def _line_search(X, y, W, D, f, G, xn, yn, lam, max_halvings=40):
    """Armijo backtracking per problem; returns the new weights and values."""
    slope = np.einsum("mp,mp->m", G, D)
    t = np.ones(W.shape[0])
    W_new, f_new = W.copy(), f.copy()
    todo = np.arange(W.shape[0])
    for _ in range(max_halvings):
        trial = W[todo] + t[todo, None] * D[todo]
        ft = _values(X, y, trial, xn[todo], yn[todo], lam)
        ok = ft <= f[todo] + 1e-4 * t[todo] * slope[todo] + 1e-12 * np.abs(f[todo])
        W_new[todo[ok]], f_new[todo[ok]] = trial[ok], ft[ok]
        todo = todo[~ok]
        if todo.size == 0:
            break
        t[todo] *= 0.5
    return W_new, f_new
