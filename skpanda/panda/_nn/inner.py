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


def _penalty_terms(X1, y, w, theta, fairness):
    """Gradient and Gauss-Newton curvature of the parity penalty, per sample.

    ``fairness = (groups, mu, constraint_fn, n_groups)``; the penalty is
    ``mu/2 * sum(w) * Delta_w(sigmoid(z))**2``. Differentiable in ``w`` when
    gradients are enabled and ``w`` requires them.
    """
    # X1 (N, d+1), y (N,), w (S, N), theta (S, d+1) -> (S, d+1), (S, d+1, d+1)
    groups, mu, constraint_fn, n_groups = fairness
    create_graph = torch.is_grad_enabled() and w.requires_grad
    grads, curvs = [], []
    for w_s, theta_s in zip(w, theta):
        th = theta_s.detach().requires_grad_()
        with torch.enable_grad():
            gap = constraint_fn(torch.sigmoid(X1 @ th), groups, y, weight=w_s, n_groups=n_groups)
            (d_gap,) = torch.autograd.grad(gap, th, create_graph=create_graph)
        if not create_graph:
            gap, d_gap = gap.detach(), d_gap.detach()
        scale = mu * w_s.sum()
        grads.append(scale * gap * d_gap)
        curvs.append(scale * torch.outer(d_gap, d_gap))
    return torch.stack(grads), torch.stack(curvs)


def _newton_step(X1, y, w, theta, l2, lr, fairness=None):
    # X1 (N, d+1), y (N,), w (S, N), theta (S, d+1) -> (S, d+1)
    z = theta @ X1.T  # (S, N)
    p = torch.sigmoid(z)
    reg = torch.full_like(theta[0], l2)
    reg[-1] = 1e-6 * max(l2, 1.0)  # intercept unpenalised (tiny ridge for stability)
    grad = (w * (p - y)) @ X1 + reg * theta  # (S, d+1)
    curv = w * p * (1.0 - p)  # (S, N)
    hess = (X1.T * curv.unsqueeze(1)) @ X1 + torch.diag_embed(reg.expand_as(theta))
    if fairness is not None:
        pen_grad, pen_curv = _penalty_terms(X1, y, w, theta, fairness)
        grad, hess = grad + pen_grad, hess + pen_curv
    step = torch.linalg.solve(hess, grad.unsqueeze(-1)).squeeze(-1)
    return theta - lr * step


def activelearn_sim(Z_L, y_L, w, *, init, n_steps=8, l2=1.0, lr=1.0, unroll=1, groups=None,
                    penalty=0.0, constraint_fn=None, n_groups=None):
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
    groups : Tensor of shape (N,), default=None
        Group codes of L; needed when ``penalty > 0``.
    penalty : float, default=0.0
        Weight ``mu`` of the parity penalty (see Notes); 0 is the plain
        logistic regression.
    constraint_fn : callable, default=None
        Differentiable disparity (:mod:`~skpanda.panda._nn.disparity`) of the penalty.
    n_groups : int, default=None
        Number of groups (``groups.max() + 1`` when None).

    Returns
    -------
    theta : Tensor of shape (d + 1,) or (S, d + 1)
        Coefficients ``[beta, b]``; same leading shape as ``w``.

    Notes
    -----
    With ``penalty = mu > 0`` the learner is a parity-penalised logistic
    regression, a differentiable stand-in for a fairness-constrained
    downstream classifier such as fairlearn's ``ExponentiatedGradient``:

    .. math:: J_\\mu(\\beta, b) = J(\\beta, b)
              + \\tfrac{\\mu}{2} \\Big(\\sum_i w_i\\Big)\\,
              \\Delta_w\\big(\\sigma(x^\\top\\beta + b)\\big)^2 ,

    with ``Delta_w`` the disparity of the predicted probabilities on the
    selected rows (weights ``w``); the penalty's curvature is the Gauss-Newton
    term ``mu sum(w) grad(Delta) grad(Delta)^T``. Like such a classifier, and
    unlike the plain one, its solution depends on *which* rows are selected
    even when the labels are not looked at: the constraint is measured on the
    selected sample.

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
    fairness = None
    if penalty:
        if groups is None or constraint_fn is None:
            raise ValueError("penalty > 0 needs groups and constraint_fn.")
        n_groups = int(groups.max()) + 1 if n_groups is None else int(n_groups)
        fairness = (groups, float(penalty), constraint_fn, n_groups)
    with torch.no_grad():
        theta, w0, X0, y0, fair0 = theta.detach(), w.detach(), X1, y_L, fairness
        active = (w0 > 0).any(0)  # rows with zero weight do not move the optimum
        if int(active.sum()) < active.shape[0] // 2:
            w0, X0, y0 = w0[:, active], X1[active], y_L[active]
            if fairness is not None:
                fair0 = (groups[active],) + fairness[1:]
        for _ in range(n_steps - unroll):
            theta = _newton_step(X0, y0, w0, theta, l2, lr, fair0)
    for _ in range(unroll):
        theta = _newton_step(X1, y_L, w, theta, l2, lr, fairness)
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
