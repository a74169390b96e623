"""Torch internals of PANDA; the only place in skpanda where torch and skorch are imported.

Algorithm 1 of the paper, by name (also in ``docs/architecture.md``):

- line 1, the policy pi:            :class:`~.policy.SelectionPolicy` (ISAB set Transformer)
- line 3, reshuffle D into L, V:    :func:`~.tasks.reshuffle`
- line 4, forward step:             :func:`~.steps.forward_step`
- line 5, proximal step:            :func:`~.steps.proximal_step` (:class:`~.steps.ProximalStep`)
- lines 8-15, ACTIVELEARNSIM:       :func:`~.activelearn.activelearn_sim`
- line 11, Gumbel-top-B:            :func:`~.gumbel.gumbel_topk` (noise: :func:`~.gumbel.gumbel_perturb`)
- line 14, the inner learner:       :class:`~.learners.InnerLearner` and its subclasses
- line 12 as written (SGD from h^0): :class:`~.sgd.SGDStepsLearner` (the faithful preset)
- learned temperature (§4.2):       :attr:`SelectionPolicy.tau <.policy.SelectionPolicy.tau>`
- the loop:                         :func:`~.training.meta_train` (recipe: :class:`~.config.MetaTrainConfig`)
- the policy kept (held-out eval):  :class:`~.evaluation.BestPolicy`
- §3.3 pretrained representation:   :class:`~.encoder.RowEncoder`
"""

from .activelearn import activelearn_sim
from .attention import ISAB, MAB
from .config import MetaTrainConfig
from .disparity import (
    demographic_parity,
    equalized_odds,
    error_rate_balance,
    get_torch_constraint,
)
from .encoder import FittedRowEncoder, RowEncoder, pretrain_encoder
from .gumbel import gumbel_perturb, gumbel_topk
from .learners import (
    InnerLearner,
    LogisticLearner,
    ParityPenalisedLearner,
    PoolPenalisedLearner,
    SGDLearner,
    inner_learner_for,
)
from .policy import SelectionPolicy, policy_inputs
from .sgd import SGDStepsLearner
from .steps import ProximalStep, forward_step, proximal_step
from .tasks import reshuffle
from .training import meta_train

__all__ = [
    "ISAB",
    "MAB",
    "FittedRowEncoder",
    "InnerLearner",
    "LogisticLearner",
    "MetaTrainConfig",
    "ParityPenalisedLearner",
    "PoolPenalisedLearner",
    "ProximalStep",
    "RowEncoder",
    "SGDLearner",
    "SGDStepsLearner",
    "SelectionPolicy",
    "activelearn_sim",
    "demographic_parity",
    "equalized_odds",
    "error_rate_balance",
    "forward_step",
    "get_torch_constraint",
    "gumbel_perturb",
    "gumbel_topk",
    "inner_learner_for",
    "meta_train",
    "policy_inputs",
    "pretrain_encoder",
    "proximal_step",
    "reshuffle",
]
