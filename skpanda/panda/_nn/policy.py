"""The selection policy pi (paper §3.3): a set Transformer over the pool.

Input per row: the pretrained encoder's features and the pretrained head's
logit (the initial classifier ``h^0``). Rows are mixed across the pool by
induced set attention blocks (no positional encoding: the pool is a set), so
each row's score is "contextual, where the context is the rest of U". A linear
layer maps each row to a logit of the selection distribution ``Q``.

The Gumbel-top-B temperature is a parameter of the policy, learned during
meta-training (§4.2), and floored at ``min_tau``.
"""

import math

import torch
from torch import nn

from .attention import ISAB
from .learners import predict_logits


def policy_inputs(Z, init):
    """Policy input per row: features and the pretrained head's logit.

    (N, d), (d+1,) -> (N, d+1)

    Examples
    --------
    >>> import torch
    >>> policy_inputs(torch.ones(2, 3), torch.tensor([1.0, 1.0, 1.0, 0.5])).tolist()
    [[1.0, 1.0, 1.0, 3.5], [1.0, 1.0, 1.0, 3.5]]
    """
    return torch.cat([Z, predict_logits(Z, init).unsqueeze(-1)], dim=-1)


class SelectionPolicy(nn.Module):
    """Set-Transformer selection policy ``pi(h^0, U) -> logits over U``.

    Parameters
    ----------
    n_inputs : int
        Width of each row's input (encoder features + 1 head logit).
    d_model : int, default=32
        Model width.
    n_heads : int, default=4
        Attention heads.
    n_layers : int, default=1
        Number of ISAB layers across the pool.
    n_inducing : int, default=32
        Inducing points per ISAB.
    tau : float, default=1.0
        Initial Gumbel-top-k temperature.
    min_tau : float, default=0.05
        Floor of the learned temperature.
    scale : float, default=1.0
        Initial value of a learned positive factor on the head's output. A
        large scale lets the logits dominate the Gumbel noise early, so that a
        sampled selection is concentrated where the policy puts its mass.
    inputs : {"representation", "score"}, default="representation"
        What each row brings: its encoder features and the head's logit, or
        the head's logit (the score of ``h^0``) only. With ``"score"`` the
        policy can weigh rows by how ``h^0`` rates them, in the context of the
        pool's scores, but cannot pick rows by other features (such as those
        that reveal the group).
    """

    def __init__(
        self, n_inputs, d_model=32, n_heads=4, n_layers=1, n_inducing=32, tau=1.0, min_tau=0.05,
        scale=1.0, inputs="representation",
    ):
        super().__init__()
        if inputs not in ("representation", "score"):
            raise ValueError(f"inputs must be 'representation' or 'score', got {inputs!r}.")
        self.min_tau = float(min_tau)
        self.inputs = inputs
        self.embed = nn.Linear(n_inputs if inputs == "representation" else 1, d_model)
        self.layers = nn.ModuleList(ISAB(d_model, n_heads, n_inducing) for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        self.log_tau = nn.Parameter(torch.tensor(math.log(max(tau - self.min_tau, 1e-6))))
        self.log_scale = nn.Parameter(torch.tensor(math.log(float(scale))))

    @property
    def tau(self):
        """The learned Gumbel-top-B temperature ``min_tau + exp(log_tau)`` (§4.2).

        A differentiable scalar: meta-training learns it with the policy.
        """
        return self.min_tau + self.log_tau.exp()

    def forward(self, x):
        # (N, F) -> (N,) selection logits; the pool is one set (batch of 1)
        h = self.embed(self._own_inputs(x)).unsqueeze(0)  # (1, N, D)
        for layer in self.layers:
            h = layer(h)
        return self._logits(h).reshape(-1)

    def _own_inputs(self, x):
        return x[:, -1:] if self.inputs == "score" else x  # the head's logit is last

    def _logits(self, h):
        return self.head(self.norm(h)) * self.log_scale.exp()

    @torch.no_grad()
    def score_rows(self, Z, init, chunk_size=16384):
        """Selection logits of a pool given as encoder features, ``chunk_size`` rows at a time.

        ``forward(policy_inputs(Z, init))`` with memory and time linear in
        N: the per-row steps (inputs, embedding, the ISABs' per-row parts,
        the head) run chunk by chunk, and only an (N, D) and an (N, 2D)
        float32 buffer span the pool (:meth:`ISAB.forward_rows`). Equal to
        the one forward pass bit for bit when ``chunk_size`` is a multiple
        of 8 (as the default), else to float32 rounding.

        Parameters
        ----------
        Z : ndarray or Tensor of shape (N, d)
            Encoder features (cast to float32 chunk by chunk).
        init : Tensor of shape (d + 1,)
            The pretrained head ``[beta, b]``.
        chunk_size : int, default=16384
            Rows per step.

        Returns
        -------
        logits : Tensor of shape (N,), float32, on the policy's device.
        """
        device = self.embed.weight.device
        init = init.to(device)
        n = Z.shape[0]
        h = torch.empty(n, self.embed.out_features, device=device)
        for start in range(0, n, chunk_size):
            z = torch.as_tensor(Z[start:start + chunk_size], dtype=torch.float32, device=device)
            h[start:start + chunk_size] = self.embed(self._own_inputs(policy_inputs(z, init)))
        for layer in self.layers:
            layer.forward_rows(h, chunk_size)
        logits = h.new_empty(n)
        for start in range(0, n, chunk_size):
            logits[start:start + chunk_size] = self._logits(h[start:start + chunk_size])[:, 0]
        return logits
