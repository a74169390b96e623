"""Attention blocks written directly on ``F.scaled_dot_product_attention``.

Only two blocks are needed by PANDA:

* :class:`MAB` (multihead attention block): a set of queries attends to a set of
  keys/values, followed by a position-wise feed-forward network; pre-LayerNorm and
  residual connections around both.
* :class:`ISAB` (induced set attention block, Lee et al. 2019): ``m`` learned
  inducing points first attend to the whole set, then every element attends to
  those ``m`` summaries. Cost is ``O(n * m)`` instead of ``O(n**2)``, which keeps a
  forward pass over a 10**6-row pool in seconds.

No positional encodings are used: the pool is an unordered set (paper, §3.3,
footnote 1). Dropout is fixed at 0 so that torch picks its fused attention kernel
(``nn.TransformerEncoderLayer`` with dropout falls back to the quadratic-memory
"math" path).

Shape legend: ``B`` batch of sets, ``N`` rows in a set, ``M`` keys (memory,
inducing points or another set), ``D`` model width, ``H`` heads.
"""

import torch
import torch.nn.functional as F
from torch import nn


class MultiheadAttention(nn.Module):
    """Multi-head scaled dot-product attention (no dropout, no masks).

    Parameters
    ----------
    d_model : int
        Width of queries, keys, values and output.
    n_heads : int
        Number of heads; must divide ``d_model``.
    """

    def __init__(self, d_model, n_heads):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(
                f"d_model={d_model} must be divisible by n_heads={n_heads}; "
                "pick n_heads among the divisors of d_model."
            )
        self.n_heads = n_heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.kv_proj = nn.Linear(d_model, 2 * d_model)
        self.out_proj = nn.Linear(d_model, d_model)

    def _split(self, x):
        # (B, N, D) -> (B, H, N, D/H)
        b, n, d = x.shape
        return x.reshape(b, n, self.n_heads, d // self.n_heads).transpose(1, 2)

    def forward(self, query, key_value):
        # (B, N, D), (B, M, D) -> (B, N, D)
        return self.attend(query, *self.kv_proj(key_value).chunk(2, dim=-1))

    def attend(self, query, key, value):
        """Attention of ``query`` over projected keys and values (``kv_proj`` halves).

        (B, N, D), (B, M, D), (B, M, D) -> (B, N, D)
        """
        q = self._split(self.q_proj(query))
        out = F.scaled_dot_product_attention(q, self._split(key), self._split(value),
                                             dropout_p=0.0)
        b, _, n, _ = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(b, n, -1))


class MAB(nn.Module):
    """Multihead attention block: ``Q`` attends to ``K``, then a feed-forward net.

    ``H = Q + Att(LN(Q), LN(K))``; ``out = H + FFN(LN(H))``.

    Parameters
    ----------
    d_model : int
        Model width.
    n_heads : int
        Attention heads.
    ffn_mult : int, default=2
        Hidden width of the feed-forward net as a multiple of ``d_model``.
    """

    def __init__(self, d_model, n_heads, ffn_mult=2):
        super().__init__()
        self.norm_q = nn.LayerNorm(d_model)
        self.norm_kv = nn.LayerNorm(d_model)
        self.attn = MultiheadAttention(d_model, n_heads)
        self.norm_ffn = nn.LayerNorm(d_model)
        self.ffn = nn.Sequential(
            nn.Linear(d_model, ffn_mult * d_model),
            nn.GELU(),
            nn.Linear(ffn_mult * d_model, d_model),
        )

    def forward(self, query, key_value):
        # (B, N, D), (B, M, D) -> (B, N, D)
        return self.attend(query, *self.keys_values(key_value))

    def keys_values(self, key_value):
        """Projected keys and values of ``key_value``, row by row: 2 x (..., M, D)."""
        return self.attn.kv_proj(self.norm_kv(key_value)).chunk(2, dim=-1)

    def attend(self, query, key, value):
        """The block for precomputed :meth:`keys_values` (equal to ``forward``)."""
        h = query + self.attn.attend(self.norm_q(query), key, value)
        return h + self.ffn(self.norm_ffn(h))


class ISAB(nn.Module):
    """Induced set attention block: ``X -> MAB(X, MAB(I, X))`` with ``m`` inducing points.

    Permutation-equivariant over the rows of the set; time and memory ``O(n * m)``.

    Parameters
    ----------
    d_model : int
        Model width.
    n_heads : int
        Attention heads.
    n_inducing : int
        Number ``m`` of learned inducing points.
    """

    def __init__(self, d_model, n_heads, n_inducing):
        super().__init__()
        self.inducing = nn.Parameter(torch.randn(1, n_inducing, d_model) / d_model**0.5)
        self.summarise = MAB(d_model, n_heads)
        self.broadcast = MAB(d_model, n_heads)

    def forward(self, x):
        # (B, N, D) -> (B, N, D)
        h = self.summarise(self.inducing.expand(x.shape[0], -1, -1), x)  # (B, m, D)
        return self.broadcast(x, h)

    @torch.no_grad()
    def forward_rows(self, x, chunk_size):
        """``forward`` of one set ``x`` of shape (N, D), in place, ``chunk_size`` rows at a time.

        Only the summary couples the rows: the ``m`` inducing points attend
        once to the keys and values of all N rows (one (N, 2D) buffer, filled
        chunk by chunk), then each chunk attends to that summary. The same
        operations on the same rows as ``forward(x[None])[0]``, while the
        per-row intermediates (layer norms, the feed-forward's hidden layer,
        attention outputs) never exceed a chunk. A matrix product may round a
        row by where it falls in the BLAS kernel's row blocks, so the result
        equals ``forward`` to float32 rounding, and bit for bit for chunks of
        a multiple of 8 rows (tested).
        """
        n, d = x.shape
        kv = x.new_empty(n, 2 * d)
        for start in range(0, n, chunk_size):
            rows = slice(start, start + chunk_size)
            kv[rows] = self.summarise.attn.kv_proj(self.summarise.norm_kv(x[rows]))
        key, value = kv.unsqueeze(0).chunk(2, dim=-1)
        summary = self.summarise.attend(self.inducing, key, value)  # (1, m, D)
        del kv, key, value
        for start in range(0, n, chunk_size):
            rows = slice(start, start + chunk_size)
            x[rows] = self.broadcast(x[rows].unsqueeze(0), summary)[0]
        return x
