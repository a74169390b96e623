"""ACTIVELEARNSIM (Algorithm 1, lines 8-15), whole: policy scores, Gumbel-top-B, inner learner."""

import torch

from .gumbel import gumbel_topk


def activelearn_sim(policy, task, *, budget, init, learner, n_samples=1, seed=0, hard=True,
                    noise=1.0):
    """Simulate one round of active learning on a task, differentiably in the policy.

    Parameters
    ----------
    policy : SelectionPolicy
        The selection policy pi; its learned temperature ``policy.tau`` relaxes
        the top-B.
    task : Task
        Simulated pool ``L`` (and validation set, unused here).
    budget : int
        Rows selected, B.
    init : Tensor of shape (d + 1,)
        Start of the inner learner (the pretrained head, ``h^0``).
    learner : InnerLearner
        The downstream classifier (:mod:`~skpanda.panda._nn.learners`); it
        receives the whole pool and the selection weights.
    n_samples : int, default=1
        Independent Gumbel draws ``S``.
    seed : int, default=0
        Seeds the noise: the same seed gives the same draw (the proximal steps
        of an iteration see the forward step's draw).
    hard : bool, default=True
        Straight-through hard top-B in the forward pass.
    noise : float, default=1.0
        Scale of the Gumbel noise (0 = deterministic top-B).

    Returns
    -------
    theta : Tensor of shape (S, d + 1)
        One simulated classifier per draw.

    Notes
    -----
    Lines 9-12 of Algorithm 1 select B rows from ``Q = softmax(pi(L))``;
    with the Gumbel-top-k trick the whole batch is one draw:
    ``w = gumbel_topk(pi(L), B, tau)`` (soft k-hot, straight-through), then
    line 14 trains the classifier on the weighted rows:
    ``theta = learner.fit(Z_L, y_L, w)``.
    """
    logits = policy(task.x_L).expand(n_samples, -1)  # (S, N)
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    w = gumbel_topk(logits, budget, tau=policy.tau, hard=hard, generator=gen, noise=noise)
    return learner.fit(task.Z_L, task.y_L, w, init=init, groups=task.g_L)
