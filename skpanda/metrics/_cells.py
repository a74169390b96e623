"""The one cell-means core behind every Table-1 disparity (numpy *or* torch).

Every disparity of the paper's Table 1 compares weighted conditional means of
the prediction ``h`` over (cell, group) pairs, where a *cell* is the event a
constraint conditions on (demographic parity: everyone; equalized odds and
error-rate balance: ``Y = y``). :func:`cell_gaps` computes those means and the
gaps between them with operations that numpy arrays and torch tensors share
(``*``, ``/``, ``@``-free broadcasting, ``.sum``, ``.reshape``, ``abs``,
comparisons, ``&``, ``~``), so the numpy metrics, the column-wise evaluation
used by fair active learning and the differentiable torch twins in
:mod:`skpanda.panda._nn.disparity` all run this same code. The only
backend-specific step, the scatter-add of rows into cells, is passed in as
``segment_sum``; :func:`numpy_segment_sum` is the numpy one. This module never
imports torch.

Legend for shapes: n = rows, m = prediction columns, c = cells, k = groups.
"""

import numpy as np


def numpy_segment_sum(values, index, n_segments):
    """Sum the rows of ``values`` that share an ``index``: (n, m), (n,) -> (n_segments, m).

    One column uses ``np.bincount``; several columns a 0/1 membership matrix
    product (fast for the many columns of fair active learning).
    """
    if values.shape[1] == 1:
        return np.bincount(index, weights=values[:, 0], minlength=n_segments)[:, None]
    member = np.zeros((n_segments, len(index)))
    member[index, np.arange(len(index))] = 1.0
    return member @ values


def _safe_means(total, mass):
    """total / mass where mass > 0, else 0; also returns that presence mask.

    No ``where``: adding 1 to an empty cell's zero mass keeps the division
    (and, for tensors, its gradient) finite, and its total is 0 anyway.
    """
    present = mass > 0
    return total / (mass + ~present), present


def _compare(u, v, method):
    """Elementwise |u - v| (difference) or min(u, v) / max(u, v), 0 / 0 := 1 (ratio)."""
    if method == "difference":
        return abs(u - v)
    u_low = u <= v
    low = u * u_low + v * ~u_low
    high = u * ~u_low + v * u_low
    zero = high <= 0
    return low / (high + zero) + zero


def cell_gaps(H, groups, w, *, n_groups, segment_sum, cell=None, n_cells=1,
              pairwise=False, method="difference"):
    """Gaps between weighted conditional means per (cell, group), empty cells neutral.

    Parameters
    ----------
    H : array or tensor of shape (n, m)
        Predictions, one column per classifier.
    groups : int array or tensor of shape (n,)
        Group codes in ``0 .. n_groups - 1``.
    w : array or tensor of shape (n,) or (n, m)
        Non-negative row weights, shared by the columns or one column of
        weights per prediction column; a zero weight leaves the row out.
    n_groups : int
    segment_sum : callable
        ``segment_sum(values (n, m), index (n,), n_segments) -> (n_segments, m)``.
    cell : int array or tensor of shape (n,), default=None
        Cell code of each row in ``0 .. n_cells - 1``; ``None``: one cell.
    n_cells : int, default=1
    pairwise : bool, default=False
        Compare groups with each other within a cell (``True``) or each group
        with the cell's overall mean (``False``).
    method : {"difference", "ratio"}, default="difference"

    Returns
    -------
    gaps : array or tensor of shape (n_pairs, m)
        Every compared pair of expectations; pairs involving an empty
        (cell, group) are set to the neutral value (0 for a difference, 1 for
        a ratio), so ``gaps.max(0)`` (or ``min`` for ratios) is the disparity.

    Notes
    -----
    With :math:`E_w[h | a, c] = \\sum_{i \\in (a, c)} w_i h_i / \\sum_{i \\in (a, c)} w_i`,
    the non-pairwise gaps are :math:`|E_w[h|a,c] - E_w[h|c]|` (Table 1, Δ_DP and
    Δ_EO) and the pairwise ones :math:`|E_w[h|a,c] - E_w[h|a',c]|` (Δ_EB).

    Examples
    --------
    >>> import numpy as np
    >>> H = np.array([[1.0], [1.0], [0.0], [0.0]])
    >>> gaps = cell_gaps(H, np.array([0, 0, 1, 1]), np.ones(4), n_groups=2,
    ...                  segment_sum=numpy_segment_sum)
    >>> gaps.ravel().tolist()
    [0.5, 0.5]
    """
    m = H.shape[1]
    codes = groups if cell is None else cell * n_groups + groups
    w = w.reshape(w.shape[0], -1)  # (n, 1) shared, or (n, m) per column
    mass = segment_sum(w, codes, n_cells * n_groups)  # (c*k, 1 or m)
    total = segment_sum(w * H, codes, n_cells * n_groups)  # (c*k, m)
    means, present = _safe_means(total, mass)
    means = means.reshape(n_cells, n_groups, m)  # (c, k, m)
    present = present.reshape(n_cells, n_groups, -1)  # (c, k, 1 or m)
    if pairwise:
        u, v = means[:, :, None], means[:, None, :]  # (c, k, 1, m), (c, 1, k, m)
        mask = present[:, :, None] & present[:, None, :]  # (c, k, k, 1)
    else:
        reference, _ = _safe_means(total.reshape(n_cells, n_groups, m).sum(1),
                                   mass.reshape(n_cells, n_groups, -1).sum(1))  # (c, m)
        u, v, mask = means, reference[:, None, :], present
    gaps = _compare(u, v, method) * mask
    if method == "ratio":
        gaps = gaps + ~mask
    return gaps.reshape(-1, m)


def worst_gap(gaps, method="difference", *, per_column=False):
    """The disparity: largest difference or smallest ratio over the compared pairs.

    ``gaps`` (n_pairs, m) -> a scalar (0-d for tensors), or (m,) with
    ``per_column=True``. On tensors both reductions spread the gradient
    evenly over ties (``amax``), so column ``j`` of a per-column reduction
    has the gradient of the scalar reduction of column ``j`` alone.
    """
    if not per_column:
        return gaps.max() if method == "difference" else gaps.min()
    if hasattr(gaps, "amax"):  # a tensor: amax/amin spread the gradient over ties
        return gaps.amax(0) if method == "difference" else gaps.amin(0)
    return gaps.max(0) if method == "difference" else gaps.min(0)
