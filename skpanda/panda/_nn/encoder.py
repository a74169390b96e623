"""The row encoder pretrained on D0 (paper §3.3) and its skorch training.

``RowEncoder`` maps each row to ``d_model`` features. In every block a row
attends to ``n_memory`` learned memory rows: a fixed, learned summary of the
pre-existing data D0. Because the context is learned rather than taken from the
batch, a row's representation never depends on which other rows it is encoded
with, so :meth:`PandaQuerySelector.transform` keeps the scikit-learn transformer
contract (row-wise, batch independent).

A linear head on the features predicts the label; it is the initial classifier
``h^0`` that ACTIVELEARNSIM fine-tunes with the selected rows (§3.3: "use the
B-many actively selected samples to fine-tune the final layer").
"""

import copy

import numpy as np
import torch
from torch import nn

from .attention import MAB


class RowEncoder(nn.Module):
    """Per-row encoder with learned memory attention and a logistic head.

    Parameters
    ----------
    n_features : int
        Width of the (preprocessed, numeric) input.
    d_model : int, default=32
        Width of the representation.
    n_heads : int, default=4
        Attention heads.
    n_layers : int, default=1
        Number of memory-attention blocks.
    n_memory : int, default=16
        Number of learned memory rows each row attends to.
    """

    def __init__(self, n_features, d_model=32, n_heads=4, n_layers=1, n_memory=16):
        super().__init__()
        self.embed = nn.Linear(n_features, d_model)
        self.memory = nn.Parameter(torch.randn(1, n_memory, d_model) / d_model**0.5)
        self.blocks = nn.ModuleList(MAB(d_model, n_heads) for _ in range(n_layers))
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, 1)

    def features(self, x):
        # (N, F) -> (N, D). The N rows are N independent queries against the same
        # memory: attention never mixes queries, so row i's output depends on row i only.
        h = self.embed(x).unsqueeze(0)  # (1, N, D)
        for block in self.blocks:
            h = block(h, self.memory)  # (1, N, D), memory (1, n_memory, D)
        return self.norm(h.squeeze(0))

    def forward(self, x):
        # (N, F) -> (N,) logits of y = 1
        return self.head(self.features(x)).squeeze(-1)


def pretrain_encoder(
    X,
    y,
    *,
    d_model,
    n_heads,
    n_layers,
    n_memory,
    lr=3e-3,
    max_epochs=15,
    batch_size=256,
    device="cpu",
    seed=0,
    verbose=False,
):
    """Pretrain a :class:`RowEncoder` on D0 with skorch and return the module.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), float32
        Preprocessed D0 features.
    y : ndarray of shape (n_samples,)
        0/1 labels.
    d_model, n_heads, n_layers, n_memory : int
        Architecture, see :class:`RowEncoder`.
    lr : float, default=3e-3
        Adam learning rate.
    max_epochs : int, default=15
        Upper bound on epochs; ``EarlyStopping`` on a stratified 10% split
        usually stops earlier.
    batch_size : int, default=256
        Minibatch size.
    device : str, default="cpu"
        Torch device.
    seed : int, default=0
        Seeds initialisation, shuffling and the validation split. The global
        torch generator is forked and restored, so the caller's state is untouched.
    verbose : bool, default=False
        Print skorch's epoch table.

    Returns
    -------
    module : RowEncoder
        The trained module, in eval mode, on ``device``.

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C during training (skorch would end ``fit`` quietly and keep
        a cut-short encoder; see :class:`_InterruptGuard`).
    """
    from skorch import NeuralNetBinaryClassifier

    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32)
    n_valid = max(int(0.1 * len(y)), 2)
    use_split = len(y) >= 50 and np.bincount(y.astype(int), minlength=2).min() >= n_valid // 10 + 2
    devices = [device] if str(device).startswith("cuda") else []
    guard = _InterruptGuard(use_split, seed)
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        net = NeuralNetBinaryClassifier(
            RowEncoder,
            module__n_features=X.shape[1],
            module__d_model=d_model,
            module__n_heads=n_heads,
            module__n_layers=n_layers,
            module__n_memory=n_memory,
            optimizer=torch.optim.Adam,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            dataset=_batch_dataset(),
            iterator_train__shuffle=True,
            iterator_train__collate_fn=_as_batch,
            iterator_valid__collate_fn=_as_batch,
            train_split=guard.split,
            callbacks=guard.callbacks,
            device=device,
            verbose=int(bool(verbose)),
        )
        net.fit(X, y)
    guard.raise_if_interrupted(net)
    module = net.module_
    module.eval()
    for param in module.parameters():
        param.requires_grad_(False)
    return module


def _as_batch(batch):
    """Collate of :func:`_batch_dataset`'s minibatches: they come out whole already."""
    return batch


def _batch_dataset():
    """skorch's ``Dataset`` fetching a minibatch with one fancy index instead of row by row.

    ``DataLoader`` calls ``__getitems__`` (also through ``Subset``, the
    validation split) with the batch's positions; the tensors equal those the
    default row-by-row collation builds, in the same order, so training is
    unchanged, only the per-row Python work is gone.
    """
    from skorch.dataset import Dataset

    class _RowBatches(Dataset):
        def __getitems__(self, indices):
            idx = np.asarray(indices, dtype=np.int64)
            return torch.from_numpy(self.X[idx]), torch.from_numpy(self.y[idx])

    return _RowBatches


class _InterruptGuard:
    """Tell a Ctrl-C apart from early stopping inside skorch's fit, and re-raise it.

    skorch ends ``fit`` on any ``KeyboardInterrupt`` -- the one its
    ``EarlyStopping`` raises to stop, and a user's Ctrl-C alike -- and returns
    normally. The guard counts the epochs whose every callback finished and
    records when early stopping fired; training that ended before
    ``max_epochs`` for any other reason was interrupted, and
    :meth:`raise_if_interrupted` raises ``KeyboardInterrupt`` after ``fit``,
    so no cut-short encoder is ever used or checkpointed.
    """

    def __init__(self, use_split, seed):
        from skorch.callbacks import Callback, EarlyStopping
        from skorch.dataset import ValidSplit

        guard = self
        self.stopped_early, self.epochs_done = False, 0

        class _Stop(EarlyStopping):
            def on_epoch_end(self, net, **kwargs):
                try:
                    super().on_epoch_end(net, **kwargs)
                except KeyboardInterrupt:  # early stopping's own way to stop fit
                    guard.stopped_early = self.misses_ == self.patience
                    raise

        class _EpochDone(Callback):
            def on_epoch_end(self, net, **kwargs):
                guard.epochs_done += 1

        self.split = ValidSplit(0.1, stratified=True, random_state=seed) if use_split else None
        stop = [_Stop(patience=3, load_best=True)] if use_split else []
        # EarlyStopping raises inside its on_epoch_end: count the epoch before it runs
        self.callbacks = [_EpochDone()] + stop

    def raise_if_interrupted(self, net):
        """Re-raise the Ctrl-C skorch swallowed (training ended early, not by early stopping)."""
        if not self.stopped_early and self.epochs_done < net.max_epochs:
            raise KeyboardInterrupt("encoder pretraining interrupted")


class FittedRowEncoder:
    """The fitted representation: an optional fitted preprocessor, then RowEncoder features.

    A scikit-learn style transformer (``transform`` only) used as the
    selector's ``encoder_``. Rows are encoded in chunks, without gradient,
    so memory stays bounded on pools of any size.

    Parameters
    ----------
    module : RowEncoder
        Pretrained encoder (eval mode).
    preprocessor : fitted transformer, default=None
        Applied before the encoder (the user's ``encoder``).
    chunk_size : int, default=16384
        Rows per forward pass.
    """

    def __init__(self, module, preprocessor=None, chunk_size=16384):
        self.module = module
        self.preprocessor = preprocessor
        self.chunk_size = chunk_size

    def prepare(self, X):
        """Preprocess ``X`` into a dense float32 array (the encoder's input)."""
        if self.preprocessor is not None:
            X = self.preprocessor.transform(X)
        if hasattr(X, "toarray"):
            X = X.toarray()
        return np.asarray(X, dtype=np.float32)

    @torch.no_grad()
    def transform(self, X):
        """Features of shape (n_samples, d_model), float64.

        A float64 array is cast to float32 one chunk at a time, so the only
        pool-sized allocation is the output.
        """
        if self.preprocessor is not None or hasattr(X, "toarray") or not isinstance(X, np.ndarray):
            X = self.prepare(X)
        device = next(self.module.parameters()).device
        out = np.empty((X.shape[0], self.module.head.in_features))
        for i in range(0, X.shape[0], self.chunk_size):
            rows = np.asarray(X[i:i + self.chunk_size], dtype=np.float32)  # preprocessed above
            out[i:i + self.chunk_size] = self.module.features(
                torch.from_numpy(rows).to(device)).cpu().double().numpy()
        return out

    def head(self):
        """The pretrained linear head as one tensor ``[beta, b]`` of shape (d_model + 1,)."""
        lin = self.module.head
        return torch.cat([lin.weight.detach().reshape(-1), lin.bias.detach()]).cpu()

    def __getstate__(self):
        state = dict(self.__dict__)
        state["module"] = copy.deepcopy(self.module).cpu()
        return state
