"""Elementwise logistic-loss pieces shared by the one-row refit solvers.

:mod:`._newton` (more rows than features) and :mod:`._newton_span` (fewer)
evaluate the same functions on large margin arrays; these versions avoid
overflow and temporaries (one transcendental per element where possible).
"""

import numpy as np


def softplus(Z):
    """``log(1 + e^Z)``, stable for any ``Z``.

    Examples
    --------
    >>> import numpy as np
    >>> softplus(np.array([-800.0, 0.0, 800.0])).tolist() == [0.0, np.log(2), 800.0]
    True
    """
    return np.log1p(np.exp(-np.abs(Z))) + np.maximum(Z, 0.0)


def sigmoid(Z, out=None):
    """``1 / (1 + e^-Z)`` computed as ``(1 + tanh(Z / 2)) / 2``: one transcendental, no overflow.

    Its absolute error is that of ``scipy.special.expit`` (a few ulp of 1);
    only the relative error of values below about 1e-16 is larger, and the
    solvers use it in gradients and curvatures, where absolute error counts.

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid(np.array([-800.0, 0.0, 800.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    S = np.multiply(Z, 0.5, out=out)
    np.tanh(S, out=S)
    S *= 0.5
    S += 0.5
    return S


def loss_sums(Z, y):
    """Row sums of ``log(1 + e^Z) - y Z`` for margins ``Z`` (m, n), in place on one buffer."""
    T = np.abs(Z)
    np.negative(T, out=T)
    np.exp(T, out=T)
    np.log1p(T, out=T)
    f = T.sum(1)
    np.maximum(Z, 0.0, out=T)
    f += T.sum(1)
    f -= Z @ y
    return f


def rowdot(A, B):
    """Row-wise dot products of two (m, p) arrays."""
    return np.einsum("mp,mp->m", A, B)


def armijo_steps(value, f, slope, max_halvings=40):
    """Armijo step lengths per problem, halving from the full step (0 where none is found).

    Parameters
    ----------
    value : callable
        ``value(todo, t)``: objective values of problems ``todo`` at step lengths ``t``.
    f : ndarray of shape (m,)
        Values at step length 0.
    slope : ndarray of shape (m,)
        Directional derivatives at step length 0.
    max_halvings : int, default=40

    Returns
    -------
    t : ndarray of shape (m,)

    Examples
    --------
    >>> import numpy as np
    >>> value = lambda todo, t: (1.0 - t) ** 2 + 10 * t ** 4  # along d = +1 from 0
    >>> armijo_steps(value, np.array([1.0]), np.array([-2.0])).tolist()
    [0.5]
    """
    f_ok = f + 1e-12 * np.abs(f)
    t = np.ones(f.shape[0])
    todo = np.arange(f.shape[0])
    for _ in range(max_halvings):
        ok = value(todo, t[todo]) <= f_ok[todo] + 1e-4 * t[todo] * slope[todo]
        todo = todo[~ok]
        if todo.size == 0:
            break
        t[todo] *= 0.5
    t[todo] = 0.0
    return t
