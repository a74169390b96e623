"""ACTIVELEARNSIM's classifier as Algorithm 1 writes it: SGD steps from the current classifier.

:class:`SGDStepsLearner` takes the per-row (or mini-batch) steps of
scikit-learn's ``SGDClassifier(loss="log_loss", learning_rate="constant")``
from a given start ``h^0`` on the selected rows, every step in the autograd
graph, so that the validation loss of ``h^B`` can be back-propagated to the
selection weights. With ``batch_size=1`` and the same start, rows, order and
schedule it reproduces ``SGDClassifier``'s coefficients (to float rounding,
``tests/panda/test_sgd.py``). :func:`check_sgd_estimator` says which
``SGDClassifier`` settings it can stand in for.
"""

import math
import numbers
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .config import check_sgd_estimator  # noqa: F401  (re-exported)
from .learners import InnerLearner


def _chunk_rows(selected, order, batch_size):
    """Rows of each step, per sample: an index array of shape (C, S, m), padded with N.

    Step ``c`` of sample ``s`` holds the ``c``-th group of ``batch_size``
    selected rows (in ``order``) and a share of the unselected rows, spread
    evenly over the steps in ``order``: their weight is 0, so they change no
    forward value, but the gradient of a row's weight says what taking that
    row at step ``c`` would have done. Also returns the selected rows per step
    (C, S).
    """
    n_samples, n = selected.shape
    n_steps = max(1, math.ceil(int(selected.sum(1).max()) / batch_size))
    chunks, counts = [], np.zeros((n_steps, n_samples), dtype=np.int64)
    for s in range(n_samples):
        is_sel = selected[s, order]
        chunk = np.empty(n, dtype=np.int64)
        chunk[is_sel] = np.arange(int(is_sel.sum())) // batch_size
        n_rest = n - int(is_sel.sum())
        chunk[~is_sel] = np.arange(n_rest) * n_steps // max(n_rest, 1)
        key = np.argsort(chunk * 2 + ~is_sel, kind="stable")  # selected rows lead their step
        chunks.append((chunk[key], order[key]))
        counts[:, s] = np.bincount(chunk[is_sel], minlength=n_steps)
    width = max(int(np.bincount(c, minlength=n_steps).max()) for c, _ in chunks)
    rows = np.full((n_steps, n_samples, width), n, dtype=np.int64)
    for s, (chunk, row) in enumerate(chunks):
        start = np.searchsorted(chunk, np.arange(n_steps))
        rows[chunk, s, np.arange(n) - start[chunk]] = row
    return rows, counts


@dataclass(frozen=True)
class SGDStepsLearner(InnerLearner):
    """``epochs`` passes of SGD on log loss over the selected rows, from ``init``, unrolled.

    Algorithm 1, line 12 (``h^b = h^{b-1} - eta' grad l(y_j, h(x_j))``) with
    scikit-learn's ``SGDClassifier(loss="log_loss", learning_rate="constant",
    eta0=eta0, alpha=alpha, max_iter=epochs)`` as the schedule.

    Parameters
    ----------
    epochs : int, default=5
        Passes over the selected rows (``max_iter``).
    eta0 : float, default=0.01
        Constant learning rate ``eta'``.
    alpha : float, default=1e-4
        L2 strength (``beta`` only; 0 = no penalty).
    batch_size : int, default=1
        Selected rows per step (1 = scikit-learn's per-row steps; more is
        cheaper to unroll: ``epochs * B / batch_size`` steps).
    shuffle : bool, default=True
        Visit the rows in a new random order each epoch (seeded by
        ``random_state`` and the epoch), else in pool order.
    random_state : int, default=0
        Seed of the orders.

    Notes
    -----
    One step on the rows ``c`` (``m = |c|`` of them selected, ``w`` their
    selection weights, 1 for a selected row in the forward pass), with
    ``z_i = x_i^T beta + b`` at the step's start:

    .. math:: \\beta \\leftarrow (1 - \\eta_0\\alpha)^{m}\\,\\beta
              - \\eta_0 \\sum_{i \\in c} w_i (\\sigma(z_i) - y_i)\\, x_i, \\qquad
              b \\leftarrow b - \\eta_0 \\sum_{i \\in c} w_i (\\sigma(z_i) - y_i).

    For ``m = 1`` this is ``SGDClassifier``'s update (``_plain_sgd``): the
    gradient of the log loss ``sigma(z) - y`` at the current coefficients, the
    L2 shrink ``w.scale(1 - eta alpha)`` (its ``wscale`` is a lazy form of the
    same product), then ``w += update * x`` and ``intercept += update *
    intercept_decay`` with ``intercept_decay = 1`` for dense input. Not
    simulated: ``SGDClassifier``'s stopping rule (with ``tol`` set and
    ``max_iter <= n_iter_no_change`` it never stops early, so runs the same
    ``epochs``), its own shuffling RNG (a different order of the same rows).

    Examples
    --------
    >>> import torch
    >>> Z = torch.tensor([[-1.0], [1.0]]); y = torch.tensor([0.0, 1.0])
    >>> theta = SGDStepsLearner(epochs=1, eta0=0.5, alpha=0.0, shuffle=False).fit(
    ...     Z, y, torch.ones(2), init=torch.zeros(2))
    >>> [round(v, 3) for v in theta.tolist()]  # row 1 then row 2, per-row steps
    [0.5, 0.0]
    """

    epochs: int = 5
    eta0: float = 0.01
    alpha: float = 1e-4
    batch_size: int = 1
    shuffle: bool = True
    random_state: int = 0

    def __post_init__(self):
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}.")

    def _order(self, n, epoch):
        if not self.shuffle:
            return np.arange(n)
        return np.random.RandomState([self.random_state, epoch]).permutation(n)

    def _fit(self, Z, y, w, theta, groups):
        n = Z.shape[0]
        X1 = F.pad(Z, (0, 1), value=1.0)
        X1 = torch.cat([X1, X1.new_zeros(1, X1.shape[1])])  # row n: padding
        y1, w1 = F.pad(y, (0, 1)), F.pad(w, (0, 1))
        selected = (w.detach() > 0.5).cpu().numpy()
        shrink = max(0.0, 1.0 - self.eta0 * self.alpha)
        is_beta = torch.ones_like(theta[0])
        is_beta[-1] = 0.0
        for epoch in range(self.epochs):
            rows, counts = _chunk_rows(selected, self._order(n, epoch), self.batch_size)
            rows = torch.as_tensor(rows, device=Z.device)  # (C, S, m)
            decay = torch.as_tensor(shrink ** counts.astype(np.float64), dtype=theta.dtype,
                                    device=Z.device)  # (C, S)
            scales = 1.0 - is_beta * (1.0 - decay.unsqueeze(-1))  # (C, S, d+1)
            X_steps, y_steps = X1[rows], y1[rows]  # (C, S, m, d+1), (C, S, m)
            w_steps = w1.gather(1, rows.permute(1, 0, 2).reshape(w1.shape[0], -1)).reshape(
                rows.shape[1], rows.shape[0], -1).transpose(0, 1)  # (C, S, m)
            for Xc, yc, wc, scale in zip(X_steps, y_steps, w_steps, scales):
                r = wc * (torch.sigmoid((Xc * theta.unsqueeze(1)).sum(-1)) - yc)  # (S, m)
                theta = theta * scale - self.eta0 * (r.unsqueeze(-1) * Xc).sum(1)
        return theta
