"""Gumbel-top-k: differentiable sampling of ``k`` rows without replacement.

Perturbing logits with i.i.d. Gumbel(0, 1) noise and keeping the ``k`` largest
is an exact sample of ``k`` items without replacement from the softmax of the
logits (Kool, van Hoof & Welling, 2019); the paper's ACTIVELEARNSIM (Algorithm 1,
line 11) draws its ``B`` rows this way in a single step (§3.3).

The relaxation used here is a *soft k-hot* vector

.. math:: w_i = \\sigma\\big((s_i - t) / \\tau\\big), \\qquad \\sum_i w_i = k,

where ``s = logits + g`` are the perturbed logits and the threshold ``t`` solves
the sum constraint. Every ``w_i`` lies in ``[0, 1]``, the sum is exactly ``k``
(to float precision) and ``w`` tends to the hard top-k mask as ``tau -> 0``.
``t`` is found by safeguarded Newton steps without gradient; one Newton step on
``F(t) = sum_i w_i(t) - k`` then makes ``t`` differentiable with the gradient of
the implicit function theorem, ``dt/ds = -(dF/ds) / (dF/dt)``.
"""

import torch

_UNIFORM_EPS = 1e-6
_MAX_STEPS = 60


def sample_gumbel(shape, *, generator=None, dtype=torch.float32, device=None):
    """Draw standard Gumbel noise ``-log(-log(u))`` with ``u`` clamped away from 0 and 1."""
    source = generator.device if generator is not None else device
    u = torch.rand(shape, generator=generator, dtype=dtype, device=source).to(device)
    u = u.clamp(_UNIFORM_EPS, 1.0 - _UNIFORM_EPS)
    return -torch.log(-torch.log(u))


def gumbel_perturb(logits, *, generator=None, scale=1.0):
    """The one Gumbel perturbation of every draw: ``logits + scale * g``, ``g ~ Gumbel(0, 1)``.

    Used by meta-training's simulated selection (through :func:`gumbel_topk`),
    by the held-out evaluation and by ``PandaQuerySelector.select`` with
    ``sample=True``: the hard top-k of the result is a sample without
    replacement from ``softmax(logits)`` (Kool et al., 2019).

    Parameters
    ----------
    logits : Tensor of shape (..., N)
    generator : torch.Generator, default=None
        Source of the noise (a local generator makes the draw reproducible).
    scale : float, default=1.0
        Noise scale (1 = an exact sample).

    Returns
    -------
    scores : Tensor of shape (..., N)

    Examples
    --------
    >>> import torch
    >>> a = gumbel_perturb(torch.zeros(3), generator=torch.Generator().manual_seed(0))
    >>> b = gumbel_perturb(torch.zeros(3), generator=torch.Generator().manual_seed(0))
    >>> bool(torch.equal(a, b))
    True
    """
    g = sample_gumbel(logits.shape, generator=generator, dtype=logits.dtype,
                      device=logits.device)
    return logits + scale * g


def _threshold(scores, k, tau):
    """Solve ``sum sigmoid((scores - t) / tau) = k`` for ``t`` (no gradient).

    Safeguarded Newton: ``F(t) = sum sigmoid((scores - t) / tau) - k`` is
    decreasing in ``t``; each step keeps a bracket ``[lo, hi]`` around the
    root and falls back to its midpoint when a Newton step would leave it.
    Started between the k-th and (k+1)-th largest scores, it reaches the
    root to float precision in a few steps where plain bisection takes 60.
    """
    # scores (..., N) -> t (..., 1)
    n = scores.shape[-1]
    span = tau * (torch.log(torch.tensor(float(n), dtype=scores.dtype)) + 20.0)
    lo = scores.amin(dim=-1, keepdim=True) - span  # F(lo) > 0
    hi = scores.amax(dim=-1, keepdim=True) + span  # F(hi) < 0
    top = scores.topk(k + 1, dim=-1).values
    t = 0.5 * (top[..., k - 1:k] + top[..., k:k + 1])
    tiny, eps = torch.finfo(scores.dtype).tiny, torch.finfo(scores.dtype).eps
    for _ in range(_MAX_STEPS):
        w = torch.sigmoid((scores - t) / tau)
        excess = w.sum(dim=-1, keepdim=True) - k
        too_many = excess > 0  # t is below the root
        lo, hi = torch.where(too_many, t, lo), torch.where(too_many, hi, t)
        slope = (w * (1.0 - w)).sum(dim=-1, keepdim=True) / tau  # -F'(t)
        new = t + excess / slope.clamp_min(tiny)
        new = torch.where((new >= lo) & (new <= hi), new, 0.5 * (lo + hi))
        if bool(((new - t).abs() <= 4 * eps * t.abs().clamp_min(tau)).all()):
            return new
        t = new
    return t


def soft_topk(scores, k, tau):
    """Soft k-hot weights ``sigmoid((scores - t) / tau)`` summing to ``k``.

    Parameters
    ----------
    scores : Tensor of shape (..., N)
        Scores (perturbed or plain logits).
    k : int
        Number of items, ``0 < k < N``.
    tau : float or Tensor
        Temperature (scalar, positive).

    Returns
    -------
    weights : Tensor of shape (..., N)
        Entries in ``[0, 1]`` summing to ``k`` along the last axis.
    """
    # (..., N) -> (..., N)
    tau = torch.as_tensor(tau, dtype=scores.dtype, device=scores.device)
    with torch.no_grad():
        t0 = _threshold(scores.detach(), k, tau.detach())
    w0 = torch.sigmoid((scores - t0) / tau)
    excess = w0.sum(dim=-1, keepdim=True) - k  # F(t0), ~0 but carries the gradient
    slope = (w0 * (1.0 - w0)).sum(dim=-1, keepdim=True) / tau  # -dF/dt > 0
    t = t0 + excess / slope.clamp_min(torch.finfo(scores.dtype).tiny)
    return torch.sigmoid((scores - t) / tau)


def gumbel_topk(logits, k, *, tau=1.0, hard=False, generator=None, noise=True):
    """Sample ``k`` of ``N`` items without replacement, relaxed to soft k-hot weights.

    In the style of :func:`torch.nn.functional.gumbel_softmax`.

    Parameters
    ----------
    logits : Tensor of shape (..., N)
        Unnormalised log-probabilities of the items.
    k : int
        Number of items to draw, ``1 <= k <= N``.
    tau : float or Tensor, default=1.0
        Relaxation temperature (positive). Smaller is closer to the hard mask.
    hard : bool, default=False
        If True, return the exact top-k mask of the perturbed logits in the
        forward pass, with the gradient of the soft weights (straight-through).
    generator : torch.Generator, default=None
        Source of the Gumbel noise (use a local generator for reproducibility).
    noise : bool or float, default=True
        Scale of the Gumbel noise (:func:`gumbel_perturb`; True = 1). If
        False or 0, no noise is added: a deterministic soft top-k of ``logits``.

    Returns
    -------
    weights : Tensor of shape (..., N)
        Entries in ``[0, 1]`` summing to ``k`` along the last axis.

    Notes
    -----
    With ``s = logits + g``, ``g ~ Gumbel(0, 1)``, the hard top-k of ``s`` is a
    sample without replacement (Kool et al., 2019). The soft weights are
    ``w_i = sigmoid((s_i - t) / tau)`` with ``sum_i w_i = k``; see the module
    docstring for the differentiable threshold.

    Examples
    --------
    >>> import torch
    >>> w = gumbel_topk(torch.tensor([3.0, 0.0, 2.0, -1.0]), 2, tau=0.1, noise=False)
    >>> [round(v, 3) for v in w.tolist()]
    [1.0, 0.0, 1.0, 0.0]
    >>> round(float(gumbel_topk(torch.zeros(10), 3).sum()), 4)
    3.0
    """
    n = logits.shape[-1]
    if not 1 <= k <= n:
        raise ValueError(f"k={k} must be between 1 and the number of items ({n}).")
    scores = logits
    if noise:
        scores = gumbel_perturb(logits, generator=generator, scale=float(noise))
    if k == n:
        weights = torch.ones_like(scores) + 0.0 * scores
    else:
        weights = soft_topk(scores, k, tau)
    if not hard:
        return weights
    index = scores.detach().topk(k, dim=-1).indices
    mask = torch.zeros_like(weights).scatter_(-1, index, 1.0)
    return mask - weights.detach() + weights
