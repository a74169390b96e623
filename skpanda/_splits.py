"""Strata for stratified splits: group × label cells, with a fallback.

The bottom layer of skpanda (next to ``_docstrings`` and ``_compat``): the
selectors, the PANDA task sampler and the experiment protocol all stratify
their splits by (group, label) when every cell is large enough, and by a
coarser key otherwise. This is that rule, written once.
"""

import numpy as np


def stratify_key(y, groups=None, *, min_count=2, label_major=False, fallback="labels"):
    """The ``stratify=`` argument of a split by group × label, or its fallback.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels.
    groups : array-like of shape (n_samples,), default=None
        Group of each row. ``None`` stratifies by label alone: ``y`` when
        every label has ``min_count`` rows, else ``None`` (no stratification).
    min_count : int, default=2
        Fewest rows a stratum may hold.
    label_major : bool, default=False
        Order of the cells: by (label, group) instead of (group, label). The
        order of the strata decides how a seeded split draws its rows, so a
        caller keeps the order it was written with to keep its splits.
    fallback : {"labels", "groups"}, default="labels"
        Key returned when some group × label cell has fewer than
        ``min_count`` rows: ``y`` or ``groups`` (not checked again).

    Returns
    -------
    key : ndarray of shape (n_samples,) or None

    Notes
    -----
    With groups coded :math:`a \\in \\{0..k-1\\}` and labels
    :math:`c \\in \\{0..m-1\\}`, the cell of a row is :math:`a m + c`
    (``label_major``: :math:`c k + a`).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 1, 0, 1, 0, 1, 0, 1]); g = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    >>> stratify_key(y, g).tolist()
    [0, 1, 0, 1, 2, 3, 2, 3]
    >>> stratify_key(y, g, min_count=3).tolist()  # cells of 2 rows: labels only
    [0, 1, 0, 1, 0, 1, 0, 1]
    >>> stratify_key(np.array([0, 0, 1])) is None  # a label with one row
    True
    """
    if fallback not in ("labels", "groups"):
        raise ValueError(f"fallback must be 'labels' or 'groups', got {fallback!r}.")
    y = np.asarray(y)
    labels, y_code = np.unique(y, return_inverse=True)
    if groups is None:
        return y if _smallest(y_code) >= min_count else None
    groups = np.asarray(groups)
    kinds, g_code = np.unique(groups, return_inverse=True)
    y_code, g_code = y_code.ravel().astype(np.int64), g_code.ravel().astype(np.int64)
    if label_major:
        cells = y_code * max(len(kinds), 1) + g_code
    else:
        cells = g_code * max(len(labels), 1) + y_code
    if _smallest(cells) >= min_count:
        return cells
    return y if fallback == "labels" else groups


def _smallest(codes):
    """Rows in the smallest non-empty stratum (0 for no rows)."""
    counts = np.unique(codes, return_counts=True)[1]
    return int(counts.min()) if counts.size else 0
