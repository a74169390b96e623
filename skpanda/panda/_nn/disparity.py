"""Differentiable twins of the Table-1 disparities (torch only).

Same quantities as :mod:`skpanda.metrics` (``method="difference"``), computed on
tensors so that a disparity of predicted probabilities can be back-propagated
(PANDA's proximal step, paper §3.3). Pure tensor-in/tensor-out functions.

They are not a second implementation: each one runs the constraint object's
:meth:`~skpanda.metrics.ParityConstraint.evaluate`, i.e. the same cell-means
core as the numpy metrics (:mod:`skpanda.metrics._cells`), on tensors; this
module only supplies torch's scatter-add (``index_add``).

Legend: N = rows, S = prediction vectors evaluated at once, k = number of
groups (``groups.max() + 1`` unless given), 2 = the labels {0, 1}.

Every function also takes a batch: predictions ``p`` of shape (S, N) (and
weights of shape (N,) or (S, N)) give the S disparities, shape (S,), in one
pass, each equal to the call on its row (:func:`disparities` is the batched
entry point, for any disparity function).

The maxima are exact (a full ``Tensor.max()``), not smoothed: the disparity
is piecewise smooth and its gradient is a subgradient, spread evenly over ties.
Cells (group, label) with no rows or zero total weight are masked out, never
divided by zero, so neither values nor gradients become NaN.
"""

import torch

from skpanda.metrics import (
    DemographicParityConstraint,
    EqualizedOddsConstraint,
    ErrorRateBalanceConstraint,
    as_constraint,
)


def _segment_sum(values, index, n_segments):
    # (N, m), (N,) int64, int -> (n_segments, m): sum of the rows sharing an index
    return values.new_zeros((n_segments, values.shape[1])).index_add(0, index, values)


def _n_groups(groups, n_groups):
    return int(groups.max()) + 1 if n_groups is None else int(n_groups)


def _labels(y):
    # (N,) float or int 0/1 -> (N,) int64
    return y.long() if not torch.is_floating_point(y) else (y > 0.5).long()


def _evaluate(constraint, p, groups, y, weight, n_groups):
    """(N,) or (S, N) predictions -> () or (S,) disparities, differentiable in ``p``."""
    batched = p.dim() == 2
    H = p.T if batched else p[:, None]  # (N, S) or (N, 1)
    if weight is None:
        w = torch.ones_like(H[:, 0])  # (N,)
    else:
        w = weight.to(dtype=p.dtype)
        w = w.T if w.dim() == 2 else w  # (N, S) per column, or (N,) shared
    labels = _labels(y) if constraint.needs_labels else None
    return constraint.evaluate(H, groups, labels, w, n_groups=_n_groups(groups, n_groups),
                               segment_sum=_segment_sum, per_column=batched)


def _batched(fn):
    """Mark ``fn`` as accepting (S, N) predictions (see :func:`disparities`)."""
    fn.batched = True
    return fn


def disparities(constraint_fn, P, groups, y=None, *, weight=None, n_groups=None):
    """Disparity of each row of ``P`` in one pass: (S, N) -> (S,).

    Parameters
    ----------
    constraint_fn : callable
        A disparity ``fn(p, groups, y, *, weight=None, n_groups=None)``, such
        as :func:`get_torch_constraint`'s; functions not marked as batched are
        called once per row.
    P : Tensor of shape (S, N)
        Predictions, one row per classifier.
    groups, y, n_groups
        As in :func:`demographic_parity`.
    weight : Tensor of shape (N,) or (S, N), optional
        Row weights, shared or one row of weights per prediction row.

    Returns
    -------
    Tensor of shape (S,)
        ``disparities(fn, P, ...)[s]`` equals ``fn(P[s], ..., weight=weight[s])``.

    Examples
    --------
    >>> import torch
    >>> P = torch.tensor([[1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0]])
    >>> disparities(demographic_parity, P, torch.tensor([0, 0, 1, 1])).tolist()
    [0.5, 0.0]
    """
    if getattr(constraint_fn, "batched", False):
        return constraint_fn(P, groups, y, weight=weight, n_groups=n_groups)
    rows = [None if weight is None else weight if weight.dim() == 1 else weight[s]
            for s in range(P.shape[0])]
    return torch.stack([constraint_fn(p, groups, y, weight=w, n_groups=n_groups)
                        for p, w in zip(P, rows)])


@_batched
def demographic_parity(p, groups, y=None, *, weight=None, n_groups=None):
    """Differentiable Δ_DP = max_a |E_w[p | g=a] - E_w[p]|.

    Parameters
    ----------
    p : Tensor of shape (N,) or (S, N)
        Predicted probabilities (or 0/1 predictions), float; (S, N) is a
        batch of S prediction vectors.
    groups : Tensor of shape (N,), int64
        Group codes in 0 .. k-1.
    y : Tensor of shape (N,), optional
        Ignored; accepted so the three functions share one signature.
    weight : Tensor of shape (N,) or (S, N), optional
        Non-negative row weights: E_w[p | cell] = Σ w p / Σ w over the cell
        ((S, N): one row of weights per prediction vector).
    n_groups : int, optional
        k; defaults to ``groups.max() + 1`` (one device sync).

    Returns
    -------
    Tensor of shape () or (S,)
        The disparity (one per prediction vector), differentiable with
        respect to ``p``.

    Examples
    --------
    >>> import torch
    >>> p = torch.tensor([1.0, 1.0, 0.0, 0.0])
    >>> demographic_parity(p, torch.tensor([0, 0, 1, 1])).item()
    0.5
    """
    return _evaluate(_DP, p, groups, y, weight, n_groups)


@_batched
def equalized_odds(p, groups, y, *, weight=None, n_groups=None):
    """Differentiable Δ_EO = max_{a,y} |E_w[p | g=a, Y=y] - E_w[p | Y=y]|.

    Parameters are those of :func:`demographic_parity`; ``y`` (N,) holds the
    true 0/1 labels and is required.

    Returns
    -------
    Tensor of shape () or (S,)

    Examples
    --------
    >>> import torch
    >>> p, y = torch.tensor([1.0, 1.0, 1.0, 0.0]), torch.ones(4)
    >>> equalized_odds(p, torch.tensor([0, 0, 1, 1]), y).item()
    0.25
    """
    return _evaluate(_EO, p, groups, y, weight, n_groups)


@_batched
def error_rate_balance(p, groups, y, *, weight=None, n_groups=None):
    """Differentiable Δ_EB = max_{a,a',y} |E_w[p | g=a, Y=y] - E_w[p | g=a', Y=y]|.

    Parameters are those of :func:`equalized_odds`.

    Returns
    -------
    Tensor of shape () or (S,)

    Examples
    --------
    >>> import torch
    >>> p, y = torch.tensor([1.0, 1.0, 1.0, 0.0]), torch.ones(4)
    >>> error_rate_balance(p, torch.tensor([0, 0, 1, 1]), y).item()
    0.5
    """
    return _evaluate(_EB, p, groups, y, weight, n_groups)


_DP, _EO, _EB = (DemographicParityConstraint(), EqualizedOddsConstraint(),
                 ErrorRateBalanceConstraint())
_TORCH_FUNCTIONS = {
    DemographicParityConstraint: demographic_parity,
    EqualizedOddsConstraint: equalized_odds,
    ErrorRateBalanceConstraint: error_rate_balance,
}


def get_torch_constraint(name):
    """Torch disparity for a constraint name, alias, object or fairlearn moment.

    Parameters
    ----------
    name : str, ParityConstraint or fairlearn Moment
        As accepted by :func:`skpanda.metrics.get_constraint`.

    Returns
    -------
    callable
        ``f(p, groups, y, *, weight=None, n_groups=None) -> Tensor of shape ()``
        (``(S,)`` for (S, N) predictions); :func:`demographic_parity`,
        :func:`equalized_odds` or :func:`error_rate_balance` for the built-in
        constraints.

    Examples
    --------
    >>> get_torch_constraint("dp").__name__
    'demographic_parity'
    """
    constraint = as_constraint(name)
    if type(constraint) in _TORCH_FUNCTIONS:
        return _TORCH_FUNCTIONS[type(constraint)]

    def torch_disparity(p, groups, y=None, *, weight=None, n_groups=None):
        return _evaluate(constraint, p, groups, y, weight, n_groups)

    torch_disparity.batched = True
    torch_disparity.__name__ = constraint.name
    torch_disparity.__doc__ = f"Differentiable {constraint!r} (see :func:`demographic_parity`)."
    return torch_disparity
