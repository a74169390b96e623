"""Inner learners of ACTIVELEARNSIM: the downstream classifier, differentiable in ``w``.

An inner learner fits a linear classifier ``theta = [beta, b]`` on the rows of a
simulated pool ``L`` weighted by their soft selection weights ``w`` (the output
of :func:`~skpanda.panda._nn.gumbel.gumbel_topk`), so that the validation loss
of the fitted classifier can be back-propagated to the selection policy
(Algorithm 1, lines 8-15). Every learner gets the *whole* pool (features,
labels, groups) and the weights; a row's label is only "revealed" through its
weight, except where a learner documents otherwise.

=============================  =========================================  =======================
learner                        objective                                  stands in for
=============================  =========================================  =======================
:class:`LogisticLearner`       ``J(theta)`` (weighted L2 logistic loss)   ``LogisticRegression``
:class:`ParityPenalisedLearner` ``J + mu/2 sum(w) Delta_w(p)^2``           fairlearn reductions
:class:`PoolPenalisedLearner`  ``J + mu/2 sum(w) Delta_L(p)^2``           pool-aware fair learners
:class:`SGDLearner`            ``epochs`` of gradient steps on log loss   ``SGDClassifier`` (loosely)
``sgd.SGDStepsLearner``        per-row SGD steps from h^0                 ``SGDClassifier`` (exactly)
=============================  =========================================  =======================

:func:`inner_learner_for` picks the learner for a downstream scikit-learn
estimator. A new downstream learner is one subclass of :class:`InnerLearner`.
"""

import dataclasses
import numbers
from dataclasses import dataclass
from typing import Callable, Optional

import torch
import torch.nn.functional as F

from .config import inner_learner_kind
from .disparity import disparities


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


class InnerLearner:
    """Base class: fit weighted rows differentiably in ``w``, predict decision values.

    Subclasses implement :meth:`_fit` on a batch of weight vectors; the base
    handles the (N,) / (S, N) shapes. Learners are frozen dataclasses:
    :meth:`replace` makes a modified copy.
    """

    def fit(self, Z, y, w, *, init, groups=None):
        """Fit one classifier per weight vector.

        Parameters
        ----------
        Z : Tensor of shape (N, d)
            Representation of the whole simulated pool L.
        y : Tensor of shape (N,)
            0/1 labels of L (revealed for the selected rows only, through ``w``).
        w : Tensor of shape (N,) or (S, N)
            Soft selection weights (``S`` samples).
        init : Tensor of shape (d + 1,) or (S, d + 1)
            Starting coefficients ``[beta, b]`` (the pretrained head).
        groups : Tensor of shape (N,), default=None
            Group codes of L (needed by the parity-penalised learners).

        Returns
        -------
        theta : Tensor of shape (d + 1,) or (S, d + 1)
            Same leading shape as ``w``.
        """
        squeeze = w.dim() == 1
        w = w.reshape(-1, w.shape[-1])
        theta = init.reshape(-1, Z.shape[1] + 1).expand(w.shape[0], -1)
        theta = self._fit(Z, y, w, theta, groups)
        return theta[0] if squeeze else theta

    def _fit(self, Z, y, w, theta, groups):  # pragma: no cover - abstract
        raise NotImplementedError

    def predict(self, Z, theta):
        """Decision values ``Z beta + b``: (N, d), (S, d+1) -> (S, N)."""
        return predict_logits(Z, theta)

    def for_evaluation(self):
        """The learner used to score a policy (no gradient needed); default: itself."""
        return self

    def replace(self, **changes):
        """A copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)


def _ridge(theta, l2):
    # (S, d+1) -> (d+1,): l2 on beta, a tiny ridge on the (unpenalised) intercept
    reg = torch.full_like(theta[0], l2)
    reg[-1] = 1e-6 * max(l2, 1.0)
    return reg


def _newton_step(X1, y, w, theta, l2, lr, penalty=None):
    # X1 (N, d+1), y (N,), w (S, N), theta (S, d+1) -> (S, d+1)
    z = theta @ X1.T  # (S, N)
    p = torch.sigmoid(z)
    reg = _ridge(theta, l2)
    grad = (w * (p - y)) @ X1 + reg * theta  # (S, d+1)
    curv = w * p * (1.0 - p)  # (S, N)
    hess = (X1.T * curv.unsqueeze(1)) @ X1 + torch.diag_embed(reg.expand_as(theta))
    if penalty is not None:
        pen_grad, pen_curv = penalty(w, theta)
        grad, hess = grad + pen_grad, hess + pen_curv
    step = torch.linalg.solve(hess, grad.unsqueeze(-1)).squeeze(-1)
    return theta - lr * step


def _unrolled_steps(X1, y, w, theta, learner, penalty):
    """The learner's last ``unroll`` Newton steps from a detached ``theta``, in the graph."""
    unroll = min(max(int(learner.unroll), 0), learner.n_steps)
    for _ in range(unroll):
        theta = _newton_step(X1, y, w, theta, learner.l2, learner.lr, penalty)
    return theta


@dataclass(frozen=True)
class LogisticLearner(InnerLearner):
    """Weighted L2 logistic regression by damped Newton steps (sklearn's objective).

    Parameters
    ----------
    n_steps : int, default=8
        Newton steps in total.
    l2 : float, default=1.0
        L2 penalty on ``beta``: ``1 / C`` of scikit-learn's LogisticRegression.
    lr : float, default=1.0
        Newton step size (1 = full steps).
    unroll : int, default=1
        Number of final steps kept in the autograd graph.

    Notes
    -----
    Minimises exactly ``LogisticRegression(C=1/l2)``'s objective with sample
    weights ``w`` (intercept not penalised):

    .. math:: J(\\beta, b) = \\sum_i w_i\\,\\ell\\big(y_i, x_i^\\top\\beta + b\\big)
              + \\tfrac{l_2}{2}\\lVert\\beta\\rVert^2 .

    Instead of Algorithm 1's few SGD steps it runs damped Newton steps from
    the pretrained head (§3.3 "fine-tune the final layer"): one ``(d+1)^2``
    solve per step reaches the optimum the downstream classifier reaches.
    Gradients flow through the last ``unroll`` steps only; when the earlier
    steps have converged, one differentiable Newton step from the (detached)
    optimum gives the implicit-function gradient
    ``d theta*/d w = -H^{-1} d(grad J)/d w``.

    Examples
    --------
    >>> import torch
    >>> Z = torch.tensor([[-2.0], [-1.0], [1.0], [2.0]])
    >>> y = torch.tensor([0.0, 0.0, 1.0, 1.0])
    >>> theta = LogisticLearner(l2=1.0).fit(Z, y, torch.ones(4), init=torch.zeros(2))
    >>> round(float(theta[0]), 3)  # slope; the intercept is 0 by symmetry
    1.007
    """

    n_steps: int = 8
    l2: float = 1.0
    lr: float = 1.0
    unroll: int = 1

    def for_evaluation(self):
        """Four more steps, none unrolled (scoring a policy needs no gradient)."""
        return self.replace(n_steps=self.n_steps + 4, unroll=0)

    def _penalty(self, X1, y, w, groups):
        """``penalty(w, theta) -> (grad, curvature)`` added to each Newton step, or None."""
        return None

    def _fit(self, Z, y, w, theta, groups):
        X1 = F.pad(Z, (0, 1), value=1.0)
        unroll = min(max(int(self.unroll), 0), self.n_steps)
        with torch.no_grad():
            theta, w0, X0, y0, g0 = theta.detach(), w.detach(), X1, y, groups
            active = (w0 > 0).any(0)  # rows with zero weight do not move the optimum
            if int(active.sum()) < active.shape[0] // 2:
                w0, X0, y0 = w0[:, active], X1[active], y[active]
                g0 = None if groups is None else groups[active]
            penalty0 = self._penalty(X0, y0, w0, g0)
            for _ in range(self.n_steps - unroll):
                theta = _newton_step(X0, y0, w0, theta, self.l2, self.lr, penalty0)
        if not unroll:
            return theta
        penalty = self._penalty(X1, y, w, groups)
        return _unrolled_steps(X1, y, w, theta, self, penalty)


def _squared_gap_terms(X1, groups, y, weight, theta, w, mu, constraint_fn, n_groups):
    """Gradient and Gauss-Newton curvature of ``mu/2 sum(w) Delta(sigmoid(X1 theta))^2``.

    ``weight`` (S, N) or None weighs the rows of the disparity. Differentiable
    in ``w`` (and ``weight``) when gradients are enabled and ``w`` requires them.
    """
    # X1 (N, d+1), theta (S, d+1), w (S, N') -> (S, d+1), (S, d+1, d+1)
    create_graph = torch.is_grad_enabled() and w.requires_grad
    th = theta.detach().requires_grad_()
    with torch.enable_grad():
        P = torch.sigmoid(th @ X1.T)  # (S, N): every sample in one pass
        gap = disparities(constraint_fn, P, groups, y, weight=weight, n_groups=n_groups)  # (S,)
        # one backward pass for every sample: gap s depends on row s of th only
        (d_gap,) = torch.autograd.grad(gap.sum(), th, create_graph=create_graph)
    if not create_graph:
        gap, d_gap = gap.detach(), d_gap.detach()
    scale = mu * w.sum(-1)  # (S,)
    grads = (scale * gap)[:, None] * d_gap
    curvs = scale[:, None, None] * (d_gap[:, :, None] * d_gap[:, None, :])
    return grads, curvs


@dataclass(frozen=True)
class ParityPenalisedLearner(LogisticLearner):
    """Logistic regression penalised by the disparity of the *selected* rows.

    A differentiable stand-in for a fairness-constrained downstream classifier
    trained on the labeled rows only, such as fairlearn's
    ``ExponentiatedGradient``.

    Parameters
    ----------
    n_steps, l2, lr, unroll
        As in :class:`LogisticLearner`.
    penalty : float, default=30.0
        Weight ``mu`` of the parity penalty; 0 is :class:`LogisticLearner`.
    constraint_fn : callable, default=None
        Differentiable disparity ``fn(p, groups, y, *, weight=None, n_groups=...)``
        (:func:`~skpanda.panda._nn.disparity.get_torch_constraint`).
    n_groups : int, default=None
        Number of groups (``groups.max() + 1`` when None).

    Notes
    -----
    .. math:: J_\\mu(\\beta, b) = J(\\beta, b)
              + \\tfrac{\\mu}{2} \\Big(\\sum_i w_i\\Big)\\,
              \\Delta_w\\big(\\sigma(x^\\top\\beta + b)\\big)^2 ,

    with ``Delta_w`` the disparity of the predicted probabilities on the
    selected rows (weights ``w``); the penalty's curvature is the Gauss-Newton
    term ``mu sum(w) grad(Delta) grad(Delta)^T``. Unlike the plain learner, its
    solution depends on *which* rows are selected even when labels are not
    looked at: the constraint is measured on the selected sample.

    Examples
    --------
    >>> import torch
    >>> from skpanda.panda._nn.disparity import get_torch_constraint
    >>> Z = torch.tensor([[0.0], [1.0], [2.0], [3.0]]); y = torch.tensor([0., 0., 1., 1.])
    >>> g = torch.tensor([0, 0, 1, 1])
    >>> dp = get_torch_constraint("demographic_parity")
    >>> plain = LogisticLearner().fit(Z, y, torch.ones(4), init=torch.zeros(2))
    >>> fair = ParityPenalisedLearner(penalty=100.0, constraint_fn=dp).fit(
    ...     Z, y, torch.ones(4), init=torch.zeros(2), groups=g)
    >>> bool(abs(fair[0]) < abs(plain[0]))  # a flatter slope: smaller group gap
    True
    """

    penalty: float = 30.0
    constraint_fn: Optional[Callable] = None
    n_groups: Optional[int] = None

    def fit(self, Z, y, w, *, init, groups=None):
        if self.penalty and (groups is None or self.constraint_fn is None):
            raise ValueError(f"{type(self).__name__}(penalty={self.penalty}) needs groups and "
                             "constraint_fn; pass groups= and constraint_fn=.")
        return super().fit(Z, y, w, init=init, groups=groups)

    def _n_groups(self, groups):
        return int(groups.max()) + 1 if self.n_groups is None else int(self.n_groups)

    def _penalty(self, X1, y, w, groups):
        if not self.penalty:
            return None
        n_groups = self._n_groups(groups)
        return lambda w_, theta: _squared_gap_terms(
            X1, groups, y, w_, theta, w_, float(self.penalty), self.constraint_fn, n_groups)


@dataclass(frozen=True)
class PoolPenalisedLearner(ParityPenalisedLearner):
    """Logistic regression on the selected rows, parity penalised on the WHOLE pool.

    The stand-in for downstream learners that enforce parity on the unlabeled
    pool (``fit(X, y, X_unlabeled=...)``): the loss uses the selected rows
    (weights ``w``), the disparity every row of the simulated pool L,
    unweighted.

    Parameters
    ----------
    n_steps, l2, lr, unroll, penalty, constraint_fn, n_groups
        As in :class:`ParityPenalisedLearner`.

    Notes
    -----
    .. math:: J_\\mu(\\beta, b) = J(\\beta, b)
              + \\tfrac{\\mu}{2} \\Big(\\sum_i w_i\\Big)\\,
              \\Delta_L\\big(\\sigma(x^\\top\\beta + b)\\big)^2 ,

    ``Delta_L`` is the disparity over all rows of L. Demographic parity uses
    no labels. For equalized odds / error-rate balance the pool's *known*
    labels are used (the simulated pool is carved from labeled D0): an
    optimistic stand-in for a learner that plugs in calibrated probabilities
    where the real pool's labels are unknown. ``w`` enters through ``J`` only.

    Examples
    --------
    >>> import torch
    >>> from skpanda.panda._nn.disparity import get_torch_constraint
    >>> Z = torch.tensor([[0.0], [1.0], [2.0], [3.0]]); y = torch.tensor([0., 0., 1., 1.])
    >>> learner = PoolPenalisedLearner(
    ...     penalty=10.0, constraint_fn=get_torch_constraint("demographic_parity"))
    >>> w = torch.tensor([1.0, 0.0, 1.0, 0.0])  # two rows selected, four in the pool
    >>> learner.fit(Z, y, w, init=torch.zeros(2), groups=torch.tensor([0, 0, 1, 1])).shape
    torch.Size([2])
    """

    def _fit(self, Z, y, w, theta, groups):
        if not self.penalty:
            return super()._fit(Z, y, w, theta, groups)
        X1 = F.pad(Z, (0, 1), value=1.0)
        n_groups, mu = self._n_groups(groups), float(self.penalty)

        def penalty(w_, theta_):
            return _squared_gap_terms(X1, groups, y, None, theta_, w_, mu,
                                      self.constraint_fn, n_groups)

        unroll = min(max(int(self.unroll), 0), self.n_steps)
        with torch.no_grad():
            theta, w0 = theta.detach(), w.detach()
            for _ in range(self.n_steps - unroll):
                theta = _newton_step(X1, y, w0, theta, self.l2, self.lr, penalty)
        return _unrolled_steps(X1, y, w, theta, self, penalty)


@dataclass(frozen=True)
class SGDLearner(InnerLearner):
    """Linear classifier trained by a fixed number of epochs of gradient steps on log loss.

    The paper's regime (§4.2, Algorithm 1 "a few steps of SGD"): a stand-in
    for ``SGDClassifier(loss="log_loss", learning_rate="constant",
    eta0=eta0, max_iter=epochs, alpha=alpha)``, unrolled whole (every step is
    differentiable in ``w``).

    Parameters
    ----------
    epochs : int, default=5
        Passes over the selected rows (``max_iter``).
    eta0 : float, default=0.01
        Constant learning rate.
    alpha : float, default=1e-4
        L2 strength (on ``beta`` only, as in scikit-learn).
    steps_per_epoch : int, default=1
        Full-batch steps per epoch, each ``1 / steps_per_epoch`` of an epoch.

    Notes
    -----
    Full-batch, not stochastic: an epoch of ``SGDClassifier`` takes one step
    per selected row, ``beta <- beta - eta0 (l'(z_i) x_i + alpha beta)``; with
    the gradient held at the epoch's start their sum is one weighted step

    .. math:: \\theta \\leftarrow \\theta - \\frac{\\eta_0}{m}
              \\Big(\\sum_i w_i (\\sigma(z_i) - y_i)\\, [x_i, 1]
              + \\alpha \\Big(\\sum_i w_i\\Big) [\\beta, 0]\\Big),

    taken ``m = steps_per_epoch`` times per epoch. The result is deterministic
    (no row order), so it differs from a shuffled ``SGDClassifier`` run by the
    order effects of per-row steps. It is **not** the classifier it stands in
    for (issue #23): it starts from the pretrained head where ``SGDClassifier``
    starts from zero, and with the default ``steps_per_epoch=1`` its step is
    ``eta0`` times the *sum* of the gradients. Kept for the figures measured
    with it; :class:`~skpanda.panda._nn.sgd.SGDStepsLearner` (``recipe="faithful"``)
    takes ``SGDClassifier``'s own steps.

    Examples
    --------
    >>> import torch
    >>> Z = torch.tensor([[-1.0], [1.0]]); y = torch.tensor([0.0, 1.0])
    >>> theta = SGDLearner(epochs=1, eta0=0.5, alpha=0.0).fit(
    ...     Z, y, torch.ones(2), init=torch.zeros(2))
    >>> [round(v, 3) for v in theta.tolist()]  # one step: -0.5 * [-1, 0]
    [0.5, 0.0]
    """

    epochs: int = 5
    eta0: float = 0.01
    alpha: float = 1e-4
    steps_per_epoch: int = 1

    def _fit(self, Z, y, w, theta, groups):
        X1 = F.pad(Z, (0, 1), value=1.0)
        mask = torch.ones_like(theta[0])
        mask[-1] = 0.0  # the intercept is not decayed
        total = w.sum(-1, keepdim=True)  # (S, 1)
        step = self.eta0 / self.steps_per_epoch
        for _ in range(self.epochs * self.steps_per_epoch):
            p = torch.sigmoid(theta @ X1.T)  # (S, N)
            grad = (w * (p - y)) @ X1 + self.alpha * total * mask * theta
            theta = theta - step * grad
        return theta


def _l2_of(estimator):
    """L2 strength ``1 / C`` of a (possibly wrapped) LogisticRegression, else 1."""
    est = getattr(estimator, "estimator", estimator)
    C = getattr(est, "C", 1.0)
    return 1.0 / float(C) if isinstance(C, numbers.Real) and C > 0 else 1.0


def inner_learner_for(estimator, *, constraint_fn, n_groups=None, penalty=30.0, n_steps=8,
                      sgd_batch_size=None, seed=0):
    """The inner learner that stands in for the downstream ``estimator``.

    Parameters
    ----------
    estimator : classifier or None
        The downstream scikit-learn estimator (``None``: LogisticRegression).
    constraint_fn : callable
        Differentiable disparity of the penalised learners.
    n_groups : int, default=None
        Number of groups.
    penalty : float, default=30.0
        ``mu`` of the penalised learners. A positive penalty with a plain
        estimator gives :class:`ParityPenalisedLearner`; 0 with a fairlearn
        reduction gives :class:`LogisticLearner`.
    n_steps : int, default=8
        Newton steps of the logistic learners.
    sgd_batch_size : int, default=None
        Set (the faithful preset): ``estimator`` must be an ``SGDClassifier``
        with log loss and a constant rate, simulated by
        :class:`~skpanda.panda._nn.sgd.SGDStepsLearner` with this many
        selected rows per step (``ValueError`` otherwise).
    seed : int, default=0
        Seed of that learner's row orders.

    Returns
    -------
    learner : InnerLearner
        See :func:`inner_learner_kind`; the L2 strength is ``1 / C`` of the
        (wrapped) estimator, the SGD settings are the estimator's ``eta0``,
        ``max_iter`` and ``alpha``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> inner_learner_for(LogisticRegression(C=0.5), constraint_fn=None, penalty=0.0)
    LogisticLearner(n_steps=8, l2=2.0, lr=1.0, unroll=1)
    """
    kind = inner_learner_kind(estimator)
    if sgd_batch_size is not None:
        from .sgd import SGDStepsLearner, check_sgd_estimator  # lazy: sgd imports this module

        if kind != "sgd":
            raise ValueError(
                f"recipe='faithful' simulates SGDClassifier's steps; got estimator="
                f"{type(estimator).__name__}. Pass estimator=SGDClassifier(loss='log_loss', "
                "learning_rate='constant', eta0=0.01, max_iter=5).")
        epochs, eta0, alpha = check_sgd_estimator(estimator)
        return SGDStepsLearner(epochs=epochs, eta0=eta0, alpha=alpha,
                               batch_size=int(sgd_batch_size), random_state=int(seed))
    if kind == "sgd":
        return SGDLearner(epochs=int(estimator.max_iter), eta0=float(estimator.eta0),
                          alpha=float(estimator.alpha))
    base = dict(n_steps=int(n_steps), l2=_l2_of(estimator))
    if not penalty:
        return LogisticLearner(**base)
    cls = PoolPenalisedLearner if kind == "pool" else ParityPenalisedLearner
    return cls(**base, penalty=float(penalty), constraint_fn=constraint_fn, n_groups=n_groups)
