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
        q = self._split(self.q_proj(query))
        k, v = self.kv_proj(key_value).chunk(2, dim=-1)
        out = F.scaled_dot_product_attention(q, self._split(k), self._split(v), dropout_p=0.0)
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
        h = query + self.attn(self.norm_q(query), self.norm_kv(key_value))
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
