"""Differentiable twins of the Table-1 disparities (torch only).

Same quantities as :mod:`skpanda.metrics` (``method="difference"``), computed on
tensors so that a disparity of predicted probabilities can be back-propagated
(PANDA's proximal step, paper §3.3). Pure tensor-in/tensor-out functions.

Legend: N = rows, k = number of groups (``groups.max() + 1`` unless given),
2 = the labels {0, 1}.

The maxima are exact (``torch.amax``), not smoothed: the disparity is
piecewise smooth and its gradient is a subgradient, spread evenly over ties.
Cells (group, label) with no rows or zero total weight are masked out, never
divided by zero, so neither values nor gradients become NaN.
"""

import torch

from skpanda.metrics import constraint_name


def _weights(p, weight):
    # (N,) -> (N,) float weights on p's device and dtype
    if weight is None:
        return torch.ones_like(p)
    return weight.to(dtype=p.dtype)


def _cell_means(p, cells, w, n_cells):
    """Weighted mean of ``p`` per cell.

    (N,), (N,) int64, (N,), int -> means (n_cells,), present (n_cells,) bool
    """
    mass = torch.zeros(n_cells, dtype=p.dtype, device=p.device).index_add(0, cells, w)
    total = torch.zeros(n_cells, dtype=p.dtype, device=p.device).index_add(0, cells, w * p)
    present = mass > 0
    # a safe denominator keeps the masked-out branch (and its gradient) finite
    means = torch.where(present, total / torch.where(present, mass, torch.ones_like(mass)),
                        torch.zeros_like(total))
    return means, present


def _masked_max(gaps, mask):
    # (...), (...) bool -> () ; gaps are >= 0 so 0 is neutral and the empty case
    return torch.where(mask, gaps, torch.zeros_like(gaps)).amax()


def _n_groups(groups, n_groups):
    return int(groups.max()) + 1 if n_groups is None else int(n_groups)


def _labels(y):
    # (N,) float or int 0/1 -> (N,) int64
    return y.long() if not torch.is_floating_point(y) else (y > 0.5).long()


def _label_group_means(p, groups, y, weight, n_groups):
    """Means per (label, group) and per label.

    -> means (2, k), present (2, k), label_means (2,)
    """
    k = _n_groups(groups, n_groups)
    w = _weights(p, weight)
    yl = _labels(y)
    means, present = _cell_means(p, yl * k + groups, w, 2 * k)
    label_means, _ = _cell_means(p, yl, w, 2)
    return means.view(2, k), present.view(2, k), label_means


def demographic_parity(p, groups, y=None, *, weight=None, n_groups=None):
    """Differentiable Δ_DP = max_a |E_w[p | g=a] - E_w[p]|.

    Parameters
    ----------
    p : Tensor of shape (N,)
        Predicted probabilities (or 0/1 predictions), float.
    groups : Tensor of shape (N,), int64
        Group codes in 0 .. k-1.
    y : Tensor of shape (N,), optional
        Ignored; accepted so the three functions share one signature.
    weight : Tensor of shape (N,), optional
        Non-negative row weights: E_w[p | cell] = Σ w p / Σ w over the cell.
    n_groups : int, optional
        k; defaults to ``groups.max() + 1`` (one device sync).

    Returns
    -------
    Tensor of shape ()
        The disparity, differentiable with respect to ``p``.

    Examples
    --------
    >>> import torch
    >>> p = torch.tensor([1.0, 1.0, 0.0, 0.0])
    >>> demographic_parity(p, torch.tensor([0, 0, 1, 1])).item()
    0.5
    """
    w = _weights(p, weight)
    means, present = _cell_means(p, groups, w, _n_groups(groups, n_groups))  # (k,), (k,)
    overall = (w * p).sum() / w.sum()  # ()
    return _masked_max((means - overall).abs(), present)


def equalized_odds(p, groups, y, *, weight=None, n_groups=None):
    """Differentiable Δ_EO = max_{a,y} |E_w[p | g=a, Y=y] - E_w[p | Y=y]|.

    Parameters are those of :func:`demographic_parity`; ``y`` (N,) holds the
    true 0/1 labels and is required.

    Returns
    -------
    Tensor of shape ()

    Examples
    --------
    >>> import torch
    >>> p, y = torch.tensor([1.0, 1.0, 1.0, 0.0]), torch.ones(4)
    >>> equalized_odds(p, torch.tensor([0, 0, 1, 1]), y).item()
    0.25
    """
    means, present, label_means = _label_group_means(p, groups, y, weight, n_groups)
    return _masked_max((means - label_means[:, None]).abs(), present)  # (2, k) -> ()


def error_rate_balance(p, groups, y, *, weight=None, n_groups=None):
    """Differentiable Δ_EB = max_{a,a',y} |E_w[p | g=a, Y=y] - E_w[p | g=a', Y=y]|.

    Parameters are those of :func:`equalized_odds`.

    Returns
    -------
    Tensor of shape ()

    Examples
    --------
    >>> import torch
    >>> p, y = torch.tensor([1.0, 1.0, 1.0, 0.0]), torch.ones(4)
    >>> error_rate_balance(p, torch.tensor([0, 0, 1, 1]), y).item()
    0.5
    """
    means, present, _ = _label_group_means(p, groups, y, weight, n_groups)
    gaps = means[:, :, None] - means[:, None, :]  # (2, k, k): a minus a'
    pair = present[:, :, None] & present[:, None, :]  # (2, k, k)
    return _masked_max(gaps, pair)  # antisymmetric, so the max is the largest |gap|


_TORCH_METRICS = {
    "demographic_parity": demographic_parity,
    "equalized_odds": equalized_odds,
    "error_rate_balance": error_rate_balance,
}


def get_torch_constraint(name):
    """Torch disparity for a constraint name, alias or fairlearn moment.

    Parameters
    ----------
    name : str or fairlearn Moment
        As accepted by :func:`skpanda.metrics.get_constraint`.

    Returns
    -------
    callable
        ``f(p, groups, y, *, weight=None, n_groups=None) -> Tensor of shape ()``.

    Examples
    --------
    >>> get_torch_constraint("dp").__name__
    'demographic_parity'
    """
    return _TORCH_METRICS[constraint_name(name)]
