"""One-row refits when the training set has fewer rows than features.

With ``n`` training rows and ``p > n + 1`` features, the optimum of every
refit of :mod:`._newton` lies in the span of its ``n + 1`` rows (plus the
intercept): ``w = A^T a``, with ``A`` the rows without the intercept column.
Newton steps from such a point stay there, so each is an ``(n + 2)``-square
solve on the Gram matrix ``K = A A^T`` instead of a ``p``-square one, with
the same iterates, step rule and stopping rule as in the feature space.
"""

import numpy as np

from ._logistic_ops import armijo_steps, rowdot, sigmoid, softplus


def span_refits(X, y, w0, xn, yn, lam, gtol, max_iter):
    """Exact refits with fewer rows than features: Newton in the span of the rows.

    Parameters
    ----------
    X, y, w0, xn, yn
        As in :func:`~skpanda.selectors._newton.refit_with_one_row`.
    lam : ndarray of shape (p,)
        L2 strength per weight (0 for an intercept, the last column).
    gtol : float
        Stop a problem when its largest absolute gradient entry is at most this.
    max_iter : int
        Newton steps at most.

    Returns
    -------
    W : ndarray of shape (m, p)

    Notes
    -----
    With ``r = sigmoid(K a + b) - y``, ``s = r'`` and ``lam`` the L2 strength,
    the step solves ``[(S K + lam I), s; 1^T, 0] [da; db] = -[r + lam a; sum(a)]``
    (:func:`_span_step`). The full step is taken where it halves the smallest
    gradient max-norm reached so far, else Armijo backtracking decides
    (:func:`_span_line_search`), as in the feature-space solver.
    """
    K, Xf, xf, icpt = _span_system(X, xn, lam)
    m, n1, lam_w = xn.shape[0], X.shape[0] + 1, lam[0]
    Y = np.empty((m, n1))  # labels of each problem's rows (m, n + 1)
    Y[:, :-1], Y[:, -1] = y, yn
    a = np.zeros((m, n1))  # start at the current fit, w0 = Xf^T a0
    a[:, :-1] = np.linalg.lstsq(Xf.T, w0[:-1] if icpt else w0, rcond=None)[0]
    b = np.full(m, w0[-1] if icpt else 0.0)
    z = np.einsum("mij,mj->mi", K, a) + b[:, None]  # margins K a + b (m, n + 1)
    rows = (Xf, xf, Y, lam_w, icpt)
    p, R, best = _span_gradient(rows, slice(None), z, a)  # best: smallest max-norm so far
    active = np.flatnonzero(best > gtol)
    for _ in range(max_iter):
        if active.size == 0:
            break
        full = active.size == m
        i = slice(None) if full else active  # a slice avoids copies
        Ki = K[i]
        da, db = _span_step(Ki, p[i] * (1.0 - p[i]), R[i], a[i], lam_w, icpt)
        Kd = np.einsum("mij,mj->mi", Ki, da)
        a1, b1, z1 = a[i] + da, b[i] + db, z[i] + Kd + db[:, None]
        p1, R1, g1 = _span_gradient(rows, i, z1, a1)
        bad = np.flatnonzero(~(g1 <= 0.5 * best[i]))  # NaN counts as bad
        if bad.size:  # Armijo backtracking where the full step does not halve the gradient
            j = active[bad]
            slope = rowdot(R[j], Kd[bad]) + (R[j] - lam_w * a[j]).sum(1) * db[bad]
            t = _span_line_search(z[j], a[j], b[j], Y[j], z1[bad] - z[j], da[bad], db[bad],
                                  slope, lam_w)
            bad, j, t = bad[t < 1], j[t < 1], t[t < 1, None]  # shorter steps than the full one
            a1[bad], b1[bad], z1[bad] = a[j] + t * da[bad], b[j] + t[:, 0] * db[bad], \
                z[j] + t * (z1[bad] - z[j])
            p1[bad], R1[bad], g1[bad] = _span_gradient(rows, j, z1[bad], a1[bad])
        if full:
            a, b, z, p, R = a1, b1, z1, p1, R1
        else:
            a[i], b[i], z[i], p[i], R[i] = a1, b1, z1, p1, R1
        best[i] = np.minimum(best[i], g1)
        active = active[g1 > gtol]
    W = a[:, :-1] @ Xf + a[:, -1:] * xf
    return np.concatenate([W, b[:, None]], axis=1) if icpt else W


def _span_system(X, xn, lam):
    """Gram matrices of each problem's n + 1 rows, without the intercept column.

    Returns ``K`` (m, n + 1, n + 1), the feature block ``Xf`` (n, d), ``xf``
    (m, d) and whether the last column is an unpenalised intercept.
    """
    icpt = lam[-1] == 0.0
    Xf, xf = (X[:, :-1], xn[:, :-1]) if icpt else (X, xn)
    n = Xf.shape[0]
    K = np.empty((xf.shape[0], n + 1, n + 1))
    K[:, :n, :n] = Xf @ Xf.T
    K[:, :n, n] = K[:, n, :n] = xf @ Xf.T
    K[:, n, n] = rowdot(xf, xf)
    return K, Xf, xf, icpt


def _span_gradient(rows, i, z, a):
    """Probabilities, ``R = r + lam a`` and the max-norm of the feature-space gradient.

    ``rows = (Xf, xf, Y, lam, icpt)``; ``i`` selects the problems of ``z`` and ``a``.
    The gradient is ``[A^T R, sum r]`` (its last entry only with an intercept).
    """
    Xf, xf, Y, lam, icpt = rows
    p = sigmoid(z)
    r = p - Y[i]
    R = lam * a
    R += r
    G = R[:, :-1] @ Xf
    G += R[:, -1:] * xf[i]
    gmax = np.abs(G).max(1)
    if icpt:
        gmax = np.maximum(gmax, np.abs(r.sum(1)))
    return p, R, gmax


def _span_step(K, s, R, a, lam, icpt):
    """Newton step ``(da, db)`` of :func:`span_refits` (``db = 0`` without intercept)."""
    k, n1 = s.shape
    M = np.empty((k, n1 + icpt, n1 + icpt))
    np.multiply(s[:, :, None], K, out=M[:, :n1, :n1])
    M[:, :n1, :n1] += lam * np.eye(n1)
    rhs = np.empty((k, n1 + icpt, 1))
    np.negative(R, out=rhs[:, :n1, 0])
    if icpt:
        M[:, :n1, n1], M[:, n1, :n1], M[:, n1, n1] = s, 1.0, 0.0
        rhs[:, n1, 0] = -a.sum(1)
    d = np.linalg.solve(M, rhs)[:, :, 0]
    return d[:, :n1], (d[:, n1] if icpt else np.zeros(k))


def _span_line_search(z, a, b, Y, dz, da, db, slope, lam):
    """Armijo step lengths (0 where none is found) along ``(da, db)``, from the full step.

    The value of a problem at ``(a, b)`` with margins ``z = K a + b`` is
    ``sum(softplus(z) - Y z) + lam / 2 * a . (z - b)``; ``dz = K da + db``.
    """
    def value(i, t):
        zt, at = z[i] + t[:, None] * dz[i], a[i] + t[:, None] * da[i]
        return ((softplus(zt) - Y[i] * zt).sum(1)
                + 0.5 * lam * rowdot(at, zt - (b[i] + t * db[i])[:, None]))

    everyone = np.arange(z.shape[0])
    return armijo_steps(value, value(everyone, np.zeros(z.shape[0])), slope)
