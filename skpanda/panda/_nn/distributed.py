"""Meta-training over several processes: the collective operations of Algorithm 1.

Each meta-training iteration averages ``config.n_tasks`` simulated tasks
(:class:`~skpanda.panda._nn.config.MetaTrainConfig`). With ``W`` processes
(ranks), rank ``r`` simulates tasks ``r, r + W, ...``; the gradients of the
forward step's loss and of the proximal objective, and the scalars that decide
something (the proximal step's stop test, the adaptive rate, the history, the
held-out evaluation), are summed over ranks by :class:`Collective`, so every
rank takes the same steps and keeps the same parameters.

Why an explicit all-reduce and not ``DistributedDataParallel``
--------------------------------------------------------------
DDP all-reduces inside ``backward`` of *one* forward pass of a wrapped module.
An iteration of Algorithm 1 calls the policy many times: once per task and
proximal sub-step, several backward passes, some of them abandoned when the
constraint already holds (:func:`~skpanda.panda._nn.steps.proximal_step`), and
parameters reached by a task only through the proximal pull. DDP's bucket
hooks would fire on every backward (or need ``no_sync`` around all but one),
and its unused-parameter detection would have to be on. One flat all-reduce of
the accumulated gradients just before each optimizer step
(:meth:`Collective.sum_grads`) is the same arithmetic, one message per step,
and leaves the single-process code path untouched: with one process nothing is
communicated and the result is bit-identical to a run without this module.

Backends: gloo on CPU, NCCL on CUDA (:func:`process_group`).
"""

import contextlib
import hashlib
import os
from contextvars import ContextVar

import torch
import torch.distributed as dist

from .config import recipe_changes


class Collective:
    """Rank, world size and the sums meta-training needs over a process group.

    Parameters
    ----------
    group : ProcessGroup or None, default=None
        ``None``: the default group when one is initialised, else a world of
        one process (no communication at all).
    single : bool, default=False
        A world of this process alone, whatever is initialised.

    Attributes
    ----------
    rank, world : int
        This process's rank and the number of processes.
    """

    def __init__(self, group=None, *, single=False):
        self.group = group
        active = not single and dist.is_available() and dist.is_initialized()
        self.rank = dist.get_rank(group) if active else 0
        self.world = dist.get_world_size(group) if active else 1

    @property
    def distributed(self):
        """Whether there is more than one process."""
        return self.world > 1

    @property
    def is_main(self):
        """Rank 0: the only rank that writes checkpoints, progress and the model."""
        return self.rank == 0

    def shard(self, n_items):
        """Indices of the items of ``0 .. n_items - 1`` this rank handles: ``r, r + W, ...``."""
        return range(self.rank, n_items, self.world)

    def sum_floats(self, values, device="cpu"):
        """Sum each of ``values`` (floats) over ranks; the values unchanged with one rank."""
        values = [float(v) for v in values]
        if not self.distributed:
            return values
        buffer = torch.tensor(values, dtype=torch.float64, device=device)
        dist.all_reduce(buffer, group=self.group)
        return buffer.tolist()

    def sum_grads(self, params):
        """Replace each parameter's ``.grad`` by its sum over ranks (one all-reduce).

        A parameter without a gradient on any rank keeps ``grad = None`` (the
        optimizer then skips it, as it would in one process).
        """
        params = list(params)
        if not self.distributed or not params:
            return
        ref = params[0]
        flat = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1)
                          for p in params] +
                         [torch.tensor([float(p.grad is not None) for p in params],
                                       dtype=ref.dtype, device=ref.device)])
        dist.all_reduce(flat, group=self.group)
        present = flat[-len(params):].tolist()  # one device-to-host copy
        offset = 0
        for p, has_grad in zip(params, present):
            chunk = flat[offset:offset + p.numel()].view_as(p)
            offset += p.numel()
            p.grad = chunk.clone() if has_grad > 0 else None

    def check_same(self, fingerprints):
        """Raise ``ValueError`` on every rank unless all ranks hold the same inputs.

        Parameters
        ----------
        fingerprints : dict of str to str
            A description of each input (``"labels y of D0"``) to its hash
            (:func:`fingerprint`).
        """
        if not self.distributed:
            return
        gathered = [None] * self.world
        dist.all_gather_object(gathered, fingerprints, group=self.group)
        raise_if_differ(gathered)


def raise_if_differ(gathered):
    """Raise ``ValueError`` naming each input whose hash differs from rank 0's.

    Parameters
    ----------
    gathered : list of dict
        Each rank's ``{input: hash}``, in rank order.

    Examples
    --------
    >>> raise_if_differ([{"labels": "ab"}, {"labels": "ab"}])
    >>> raise_if_differ([{"labels": "ab"}, {"labels": "cd"}])
    Traceback (most recent call last):
    ...
    ValueError: distributed meta-training ... differ: labels (ranks [1] differ from rank 0). ...
    """
    differ = {}
    for rank, other in enumerate(gathered[1:], start=1):
        for name in gathered[0]:
            if other.get(name) != gathered[0][name]:
                differ.setdefault(name, []).append(rank)
    if differ:
        what = "; ".join(f"{name} (ranks {ranks} differ from rank 0)"
                         for name, ranks in differ.items())
        raise ValueError(
            f"distributed meta-training needs the same inputs on every rank, but these "
            f"differ: {what}. Give every process the same D0, parameters and seed (and "
            "the same torch thread count, so the pretrained encoder agrees).")


def fingerprint(value):
    """A short SHA-256 of tensors (values, dtype, shape), dicts/lists of them or a repr."""
    digest = hashlib.sha256()
    _feed(digest, value)
    return digest.hexdigest()[:16]


def _feed(digest, value):
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu().contiguous()
        digest.update(f"{t.dtype}{tuple(t.shape)}".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(value, dict):
        for key in sorted(value, key=str):
            digest.update(str(key).encode())
            _feed(digest, value[key])
    elif isinstance(value, (list, tuple)):
        for item in value:
            _feed(digest, item)
    else:
        digest.update(repr(value).encode())


_ACTIVE = ContextVar("skpanda_meta_training_collective", default=None)


def current_collective():
    """The :class:`Collective` of the enclosing :func:`meta_training_group`, else one process."""
    active = _ACTIVE.get()
    return active if active is not None else Collective(single=True)


@contextlib.contextmanager
def meta_training_group(collective, n_tasks):
    """Within this block, every meta-training runs over ``collective`` with ``n_tasks``.

    :func:`~skpanda.panda._nn.training.meta_train` called without a
    ``collective`` (as :class:`~skpanda.panda.PandaQuerySelector` calls it)
    uses this one, and the recipe presets get ``n_tasks``
    (:func:`~skpanda.panda._nn.config.recipe_changes`).
    """
    token = _ACTIVE.set(collective)
    try:
        with recipe_changes(n_tasks=n_tasks):
            yield collective
    finally:
        _ACTIVE.reset(token)


@contextlib.contextmanager
def process_group(device="cpu"):
    """Join the process group torchrun describes (gloo on CPU, NCCL on CUDA); leave it after.

    Without torchrun's environment (no ``WORLD_SIZE``) nothing is initialised
    and the :class:`Collective` is one process. Yields ``(collective, device)``
    where a CUDA device becomes ``cuda:LOCAL_RANK``.
    """
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or dist.is_initialized():
        yield Collective(), device
        return
    cuda = str(device).startswith("cuda")
    if cuda:
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
        torch.cuda.set_device(device)
    dist.init_process_group(backend="nccl" if cuda else "gloo")
    try:
        yield Collective(), device
    finally:
        dist.destroy_process_group()
