"""One meta-training run on a tiny synthetic problem, as one torchrun rank or alone.

``python _distributed_worker.py OUT N_TASKS RECIPE [mismatch]`` (alone) or under
``torchrun --nproc_per_node=W``. Each rank writes ``OUT/rank{r}.pt`` (history,
policy) or, on a ``ValueError``, ``OUT/error{r}.txt``; meta-training is asked to
checkpoint to ``OUT/ckpt{r}.pt`` with a progress bar, which only rank 0 may do.
Used by ``test_distributed.py``; not collected by pytest (leading underscore).
"""

import sys
from pathlib import Path

import torch

from skpanda.datasets import make_biased_classification
from skpanda.panda._nn.config import MetaTrainConfig
from skpanda.panda._nn.disparity import get_torch_constraint
from skpanda.panda._nn.distributed import process_group
from skpanda.panda._nn.learners import LogisticLearner
from skpanda.panda._nn.policy import SelectionPolicy, policy_inputs
from skpanda.panda._nn.training import meta_train

RECIPES = {
    "paper": MetaTrainConfig.paper(n_iter=6, eval_every=2, n_eval_tasks=3, n_samples=2,
                                   checkpoint_every=2),
    "constrained": MetaTrainConfig.constrained(n_iter=6, eval_every=3, n_eval_tasks=2,
                                               n_samples=2),  # last iterate kept
    # the normalized proximal step: its gradient norm is taken after the sum over ranks
    "faithful": MetaTrainConfig.faithful(n_iter=6, eval_every=3, n_eval_tasks=2, n_samples=2,
                                         n_prox_steps=5),
}


def problem(mismatch, rank):
    """D0 of 300 rows (labels of rank 1 flipped on one row when ``mismatch``)."""
    X, y, g = make_biased_classification(300, 4, random_state=0, return_X_y=True)
    if mismatch and rank == 1:
        y = y.copy()
        y[0] = 1 - y[0]
    return torch.tensor(X, dtype=torch.float32), torch.tensor(y), torch.tensor(g)


def main(out, n_tasks, recipe, mismatch=False):
    out = Path(out)
    with process_group("cpu") as (collective, _):
        Z, y, g = problem(mismatch, collective.rank)
        with torch.random.fork_rng():
            torch.manual_seed(0)
            policy = SelectionPolicy(Z.shape[1] + 1, d_model=8, n_heads=2, n_inducing=4)
        try:
            history, n_done, _ = meta_train(
                policy, Z, y, g, init=torch.zeros(Z.shape[1] + 1), budget=15, rho=0.12,
                constraint_fn=get_torch_constraint("demographic_parity"), pool_size=150,
                learner=LogisticLearner(n_steps=4, l2=1.0), seed=7, verbose=True,
                config=RECIPES[recipe].replace(n_tasks=n_tasks),
                checkpoint_path=out / f"ckpt{collective.rank}.pt", collective=collective)
        except ValueError as exc:
            (out / f"error{collective.rank}.txt").write_text(str(exc))
            sys.exit(3)
        with torch.no_grad():
            logits = policy(policy_inputs(Z, torch.zeros(Z.shape[1] + 1)))
        torch.save({"history": history, "n_done": n_done, "policy": policy.state_dict(),
                    "logits": logits, "world": collective.world},
                   out / f"rank{collective.rank}.pt")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], mismatch="mismatch" in sys.argv[4:])
