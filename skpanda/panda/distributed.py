"""Spread PANDA's meta-training over processes (torch.distributed).

Run ``skpanda fit`` under torchrun, one process per CPU core group or GPU::

    torchrun --standalone --nproc_per_node=2 -m skpanda fit \\
        --data d0.csv --target income --sensitive sex --n-tasks 8 --out model

Every process reads the same labeled CSV (D0), pretrains the same encoder (same
seed) and meta-trains the policy; each iteration of Algorithm 1 averages
``--n-tasks`` simulated tasks, process ``r`` of ``W`` simulating tasks
``r, r + W, ...`` (:mod:`skpanda.panda._nn.distributed`: gloo on CPU, NCCL on
CUDA, gradients and decisions all-reduced, identical parameters on every
rank). Task ``j`` of iteration ``k`` has a seed that does not depend on ``W``,
so ``W`` processes give the model one process gives with the same
``--n-tasks``, up to floating-point noise. Before any training the ranks
compare hashes of D0, the encoder's output, the initial policy and the
settings, and all stop with a ``ValueError`` naming what differs.

Rank 0 alone shows progress, writes the checkpoint (run the same command again
to resume) and the model folder -- the same safe folder ``skpanda fit`` writes
without torchrun. Without torchrun, ``--n-tasks`` still gives that many tasks
per iteration in one process.
"""

import contextlib


@contextlib.contextmanager
def distributed_meta_training(n_tasks=None, device="cpu"):
    """Join torchrun's process group; every PANDA fit inside averages ``n_tasks`` tasks.

    Parameters
    ----------
    n_tasks : int or None, default=None
        Simulated tasks per meta-training iteration, shared by the processes;
        ``None`` = one per process.
    device : str, default="cpu"
        ``"cpu"`` (gloo) or ``"cuda"`` (NCCL; process ``r`` uses ``cuda:LOCAL_RANK``).

    Yields
    ------
    is_main : bool
        Whether this process is rank 0 (the one that writes files).
    device : str
        The device this process meta-trains on.

    Raises
    ------
    ValueError
        ``n_tasks`` smaller than the number of processes (before any work).
    """
    from ._nn.distributed import meta_training_group, process_group  # lazy: torch

    with process_group(device) as (collective, device):
        n = collective.world if n_tasks is None else n_tasks
        if n < collective.world:
            raise ValueError(f"--n-tasks {n} is smaller than the {collective.world} "
                             f"processes; pass --n-tasks {collective.world} or more.")
        with meta_training_group(collective, n_tasks=n):
            yield collective.is_main, device
