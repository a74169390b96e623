"""The numpy <-> torch boundary used by :class:`~skpanda.panda.PandaQuerySelector`.

The estimator works with numpy arrays; everything that touches torch (devices,
generators, modules, files of tensors) goes through the functions here.
"""

import numpy as np
import torch

from .checkpoint import load_checkpoint, save_checkpoint
from .disparity import get_torch_constraint
from .encoder import FittedRowEncoder, RowEncoder, pretrain_encoder
from .gumbel import gumbel_perturb
from .policy import SelectionPolicy


def resolve_device(device):
    """``"auto"`` -> ``"cuda"`` when available, else ``"cpu"``; other values checked."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device={device!r} is not a torch device; use 'auto', 'cpu' or 'cuda[:i]'."
        ) from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available; "
                         "use device='auto' or 'cpu'.")
    return str(resolved)


def fit_encoder(X, y, *, preprocessor, arch, seed, device, verbose, state=None):
    """Pretrain (or restore from ``state``) the row encoder; return a FittedRowEncoder."""
    wrapper = FittedRowEncoder(None, preprocessor)
    X = wrapper.prepare(X)
    if state is not None:
        module = RowEncoder(X.shape[1], **arch)
        module.load_state_dict(state)
        module.eval().requires_grad_(False)
        wrapper.module = module.to(device)
    else:
        wrapper.module = pretrain_encoder(X, y, **arch, device=device, seed=seed,
                                          verbose=verbose)
    return wrapper


def train_policy(Z, y, codes, *, encoder, arch, constraint, budget, rho, seed, device,
                 checkpoint_path, resume, extra, estimator, penalty, n_steps, h0=None,
                 **train_kw):
    """Build a SelectionPolicy and meta-train it on D0 (Algorithm 1).

    The inner learner stands in for ``estimator``
    (:func:`~skpanda.panda._nn.learners.inner_learner_for`). With ``h0`` (an
    ndarray ``[coef, intercept]``: the faithful preset) it is ``SGDClassifier``'s
    steps from ``h0``, ``config.sgd_batch_size`` rows per step.
    Returns ``(policy, history, n_done, interrupted)``.
    """
    from .learners import inner_learner_for  # lazy: inference (score_pool) never imports training
    from .training import meta_train  # lazy: inference (score_pool) never imports training

    constraint_fn = get_torch_constraint(constraint)
    config = train_kw["config"]
    learner = inner_learner_for(estimator, constraint_fn=constraint_fn,
                                n_groups=int(np.max(codes)) + 1, penalty=penalty,
                                n_steps=n_steps, seed=seed,
                                sgd_batch_size=config.sgd_batch_size if h0 is not None else None)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # initial weights; the caller's generator is restored
        policy = SelectionPolicy(Z.shape[1] + 1, **arch).to(device)
    Zt = torch.as_tensor(Z, dtype=torch.float32, device=device)
    history, n_done, interrupted = meta_train(
        policy, Zt, torch.as_tensor(y, device=device), torch.as_tensor(codes, device=device),
        init=encoder.head().to(device), budget=budget, rho=rho,
        constraint_fn=constraint_fn, learner=learner, seed=seed,
        learner_init=None if h0 is None else torch.as_tensor(h0, dtype=torch.float32),
        checkpoint_path=checkpoint_path, resume=resume, extra=extra, **train_kw)
    policy.eval().requires_grad_(False)
    return policy, history, n_done, interrupted


@torch.no_grad()
def score_pool(policy, encoder, Z_pool, *, sample=False, seed=0, chunk_size=16384):
    """Selection logits of the pool rows (one forward pass), optionally Gumbel-perturbed.

    The policy runs ``chunk_size`` rows at a time
    (:meth:`~skpanda.panda._nn.policy.SelectionPolicy.score_rows`: the same
    logits as one forward pass, in time and memory linear in the pool).
    Returns an ndarray of shape (n_pool,); its top-B rows are the selection.
    """
    logits = policy.score_rows(Z_pool, encoder.head(), chunk_size=chunk_size)
    if sample:
        gen = torch.Generator(device="cpu").manual_seed(int(seed))
        logits = gumbel_perturb(logits, generator=gen)
    return logits.double().cpu().numpy()


def read_checkpoint(path):
    """Load a meta-training checkpoint (tensors only), or raise ValueError."""
    return load_checkpoint(path)


def save_state(path, payload):
    """Write the selector's state (numpy arrays become tensors) to one file."""
    converted = {k: torch.as_tensor(v) if isinstance(v, np.ndarray) else v
                 for k, v in payload.items()}
    save_checkpoint(path, converted)


def load_state(path):
    """Read a file written by :func:`save_state` (no code executed)."""
    payload = load_checkpoint(path)
    return {k: v.numpy() if isinstance(v, torch.Tensor) else v for k, v in payload.items()}


def build_modules(state, *, encoder_arch, policy_arch, n_inputs, device):
    """Rebuild the fitted encoder and policy from saved state dicts."""
    encoder = RowEncoder(n_inputs, **encoder_arch)
    encoder.load_state_dict(state["encoder"])
    encoder.eval().requires_grad_(False)
    policy = SelectionPolicy(encoder_arch["d_model"] + 1, **policy_arch)
    policy.load_state_dict(state["policy"])
    policy.eval().requires_grad_(False)
    return FittedRowEncoder(encoder.to(device)), policy.to(device)


def module_state(module):
    """CPU copy of a module's state dict."""
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}
