"""ACTIVELEARNSIM (Algorithm 1, lines 8-15): train the classifier on soft-selected rows.

The inner learner is the downstream classifier itself: an L2-regularised
logistic regression on the shared representation, exactly scikit-learn's
``LogisticRegression(C=1/l2)`` objective (intercept not penalised), with every
row of the simulated pool weighted by its soft selection weight ``w_i``:

.. math:: J(\\beta, b) = \\sum_i w_i\\,\\ell\\big(y_i, x_i^\\top\\beta + b\\big)
          + \\tfrac{l_2}{2}\\lVert\\beta\\rVert^2 .

Instead of Algorithm 1's few SGD steps, ACTIVELEARNSIM runs damped Newton steps
from the pretrained head (§3.3 "fine-tune the final layer"): with a ``d``-dimensional
representation each step is one ``(d+1) x (d+1)`` solve, and a handful of steps
reaches the same optimum the downstream scikit-learn classifier reaches. A
non-converged inner learner that differs from the evaluated classifier was one
reason a naive PANDA failed on Adult (docs: quality notes).

Gradients with respect to ``w`` flow through the last ``unroll`` steps only.
When the earlier steps have converged, one differentiable Newton step from the
(detached) optimum gives exactly the implicit-function-theorem gradient
``d theta*/d w = -H^{-1} d(grad J)/d w``.
"""

import torch
import torch.nn.functional as F


def _newton_step(X1, y, w, theta, l2, lr):
    # X1 (N, d+1), y (N,), w (S, N), theta (S, d+1) -> (S, d+1)
    z = theta @ X1.T  # (S, N)
    p = torch.sigmoid(z)
    reg = torch.full_like(theta[0], l2)
    reg[-1] = 1e-6 * max(l2, 1.0)  # intercept unpenalised (tiny ridge for stability)
    grad = (w * (p - y)) @ X1 + reg * theta  # (S, d+1)
    curv = w * p * (1.0 - p)  # (S, N)
    hess = (X1.T * curv.unsqueeze(1)) @ X1 + torch.diag_embed(reg.expand_as(theta))
    step = torch.linalg.solve(hess, grad.unsqueeze(-1)).squeeze(-1)
    return theta - lr * step


def activelearn_sim(Z_L, y_L, w, *, init, n_steps=8, l2=1.0, lr=1.0, unroll=1):
    """Fit a weighted L2 logistic regression on the pool, differentiably in ``w``.

    Parameters
    ----------
    Z_L : Tensor of shape (N, d)
        Representation of the simulated pool L.
    y_L : Tensor of shape (N,)
        0/1 labels of L (revealed for the selected rows only, through ``w``).
    w : Tensor of shape (N,) or (S, N)
        Soft selection weights from :func:`gumbel_topk` (``S`` samples).
    init : Tensor of shape (d + 1,) or (S, d + 1)
        Starting coefficients ``[beta, b]`` (the pretrained head).
    n_steps : int, default=8
        Newton steps in total.
    l2 : float, default=1.0
        L2 penalty on ``beta``: ``1 / C`` of scikit-learn's LogisticRegression.
    lr : float, default=1.0
        Newton step size (1 = full steps).
    unroll : int, default=1
        Number of final steps kept in the autograd graph.

    Returns
    -------
    theta : Tensor of shape (d + 1,) or (S, d + 1)
        Coefficients ``[beta, b]``; same leading shape as ``w``.

    Examples
    --------
    >>> import torch
    >>> Z = torch.tensor([[-2.0], [-1.0], [1.0], [2.0]])
    >>> y = torch.tensor([0.0, 0.0, 1.0, 1.0])
    >>> theta = activelearn_sim(Z, y, torch.ones(4), init=torch.zeros(2), l2=1.0)
    >>> round(float(theta[0]), 3)  # slope; the intercept is 0 by symmetry
    1.007
    """
    squeeze = w.dim() == 1
    w = w.reshape(-1, w.shape[-1])
    X1 = F.pad(Z_L, (0, 1), value=1.0)
    theta = init.reshape(-1, X1.shape[1]).expand(w.shape[0], -1)
    unroll = min(max(int(unroll), 0), n_steps)
    with torch.no_grad():
        theta, w0, X0, y0 = theta.detach(), w.detach(), X1, y_L
        active = (w0 > 0).any(0)  # rows with zero weight do not move the optimum
        if int(active.sum()) < active.shape[0] // 2:
            w0, X0, y0 = w0[:, active], X1[active], y_L[active]
        for _ in range(n_steps - unroll):
            theta = _newton_step(X0, y0, w0, theta, l2, lr)
    for _ in range(unroll):
        theta = _newton_step(X1, y_L, w, theta, l2, lr)
    return theta[0] if squeeze else theta


def predict_logits(Z, theta):
    """Decision values of linear classifiers ``theta = [beta, b]``.

    Parameters
    ----------
    Z : Tensor of shape (N, d)
    theta : Tensor of shape (d + 1,) or (S, d + 1)

    Returns
    -------
    logits : Tensor of shape (N,) or (S, N)
    """
    # (N, d), (S, d+1) -> (S, N)
    return theta[..., :-1] @ Z.T + theta[..., -1:]
