"""Torch internals of PANDA; the only place in skpanda where torch and skorch are imported.

Algorithm 1 of the paper, by name:

- line 1, the policy pi:            :class:`~.policy.SelectionPolicy` (ISAB set Transformer)
- line 3, split D into L and V:     :func:`~.training.split_task`
- line 4, forward step:             :func:`~.training.forward_step`
- line 5, proximal step:            :func:`~.training.proximal_step`
- lines 8-15, ACTIVELEARNSIM:       :func:`~.inner.activelearn_sim`
- line 11, Gumbel perturbation:     :func:`~.gumbel.gumbel_topk`
- the loop:                         :func:`~.training.meta_train`
- the policy kept (held-out eval):  :class:`~.evaluation.BestPolicy`
- §3.3 pretrained representation:   :class:`~.encoder.RowEncoder`
"""

from .attention import ISAB, MAB
from .disparity import (
    demographic_parity,
    equalized_odds,
    error_rate_balance,
    get_torch_constraint,
)
from .encoder import FittedRowEncoder, RowEncoder, pretrain_encoder
from .gumbel import gumbel_topk
from .inner import activelearn_sim
from .policy import SelectionPolicy
from .training import forward_step, meta_train, proximal_step, split_task

__all__ = [
    "ISAB",
    "MAB",
    "FittedRowEncoder",
    "RowEncoder",
    "SelectionPolicy",
    "activelearn_sim",
    "demographic_parity",
    "equalized_odds",
    "error_rate_balance",
    "forward_step",
    "get_torch_constraint",
    "gumbel_topk",
    "meta_train",
    "pretrain_encoder",
    "proximal_step",
    "split_task",
]
