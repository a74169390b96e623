"""Saving and loading a fitted :class:`~skpanda.panda.PandaQuerySelector`.

The file holds tensors (the encoder's and the policy's weights, the encoded
D0) and the parameters and fitted attributes as JSON, so loading it executes
no code, unlike a pickle. Parameters that are objects (``estimator``,
``encoder``) are not stored: the estimator is passed again to ``load`` and a
custom encoder is refused by ``save``. The file also stores the skpanda
version that wrote it and a SHA-256 digest of its content (see
:mod:`skpanda.panda._nn.checkpoint`): a damaged file or one from an
incompatible version is refused with one clear ``ValueError``.
"""

import json
from pathlib import Path

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import check_is_fitted

from .. import __version__
from ..selectors._utils import fit_classifier

FILE_NAME = "panda.pt"
# Parameters that do not change what meta-training computes up to a given iteration:
# a checkpoint may be resumed with other values (e.g. a larger n_iter).
_RESUMABLE_PARAMS = ("n_iter", "verbose", "device", "checkpoint_path", "sample",
                     "query_batch_size")


def _file(path):
    path = Path(path)
    return path / FILE_NAME if path.is_dir() else path


def fit_fingerprint(selector, X, y, groups):
    """SHA-256 of D0 ``(X, y, groups)`` and of the parameters meta-training depends on.

    Stored in meta-training checkpoints: a checkpoint is resumed only by a fit
    on the same data with the same parameters (any but ``n_iter``, ``verbose``,
    ``device``, ``checkpoint_path``, ``sample``, ``query_batch_size``).
    """
    import hashlib

    import joblib

    params = {k: v for k, v in selector.get_params(deep=False).items()
              if k not in _RESUMABLE_PARAMS}
    h = hashlib.sha256()
    for name, value in [("X", X), ("y", y), ("groups", groups), *sorted(params.items())]:
        try:
            text = joblib.hash(value)
        except Exception:  # noqa: BLE001 - an object joblib cannot hash: its type
            text = f"{type(value).__module__}.{type(value).__qualname__}"
        h.update(f"{name}={text};".encode())
    return h.hexdigest()


def check_resumable(path, checkpoint, fingerprint):
    """Raise a clear ValueError unless ``checkpoint`` was written for ``fingerprint``."""
    if checkpoint.get("fingerprint") == fingerprint:
        return checkpoint
    version = checkpoint.get("skpanda_version", "an unknown version")
    what = ("has no data fingerprint" if "fingerprint" not in checkpoint else
            "was written for other data or other parameters")
    raise ValueError(
        f"checkpoint_path={str(path)!r} holds a meta-training checkpoint (skpanda {version}) "
        f"that {what}, so it cannot be resumed by this fit. Delete it to start afresh, or "
        "pass another checkpoint_path."
    )


def save_selector(selector, path):
    """Write a fitted selector to ``path`` (a file, or a directory to hold one).

    Returns the :class:`pathlib.Path` written; see ``PandaQuerySelector.save``.
    """
    from ._nn.bridge import module_state, save_state  # lazy: torch

    check_is_fitted(selector, "policy_")
    if selector.encoder is not None:
        raise ValueError(
            "save() stores tensors and JSON only and cannot store encoder="
            f"{type(selector.encoder).__name__}; put the preprocessing in a Pipeline "
            "before PANDA (encoder=None), or pickle the selector if you trust the file."
        )
    params = {k: v for k, v in selector.get_params(deep=False).items()
              if k not in ("estimator", "query_estimator", "encoder")}
    params["checkpoint_path"] = None if params["checkpoint_path"] is None else str(
        params["checkpoint_path"])
    meta = dict(params=params, classes=selector.classes_.tolist(),
                groups=selector.groups_.tolist(), n_features_in=int(selector.n_features_in_),
                feature_names_in=(selector.feature_names_in_.tolist()
                                  if hasattr(selector, "feature_names_in_") else None),
                n_inputs=int(selector.encoder_net_.embed.in_features),
                n_iter_=selector.n_iter_, history=selector.history_,
                fairness_penalty_=float(selector.fairness_penalty_))
    path = _file(path)
    save_state(path, {
        "meta": json.dumps(meta), "encoder": module_state(selector.encoder_net_),
        "policy": module_state(selector.policy_), "Z_fit": np.asarray(selector.Z_fit_),
        "y_fit": np.asarray(selector.y_fit_),
        "group_codes": np.unique(selector.groups_fit_, return_inverse=True)[1],
    })
    return path


_META_KEYS = ("params", "classes", "groups", "n_features_in", "feature_names_in", "n_inputs",
              "n_iter_", "history", "fairness_penalty_")
_STATE_KEYS = ("meta", "encoder", "policy", "Z_fit", "y_fit", "group_codes")


def _damaged(path, state, problem):
    """The one-line ValueError for a file that is damaged or from another version."""
    version = state.get("skpanda_version", "an unknown version") if isinstance(
        state, dict) else "an unknown version"
    return ValueError(
        f"{path} (written by skpanda {version}) cannot be loaded: {problem}. It is damaged "
        f"or from an incompatible skpanda version; refit and save it with skpanda "
        f"{__version__}."
    )


def _read_meta(path, state, cls):
    """The JSON metadata of a saved selector, checked entry by entry."""
    missing = [k for k in _STATE_KEYS if k not in state]
    if missing:
        raise _damaged(path, state, f"entries {missing} are missing")
    try:
        meta = json.loads(state["meta"])
    except (TypeError, ValueError):
        raise _damaged(path, state, "its 'meta' entry is not valid JSON") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("params"), dict):
        raise _damaged(path, state, "its 'meta' entry is not a JSON object with 'params'")
    missing = [k for k in _META_KEYS if k not in meta]
    if missing:
        raise _damaged(path, state, f"metadata entries {missing} are missing")
    unknown = sorted(set(meta["params"]) - set(cls().get_params(deep=False)))
    if unknown:
        raise _damaged(path, state, f"parameters {unknown} are unknown to {cls.__name__}")
    return meta


def _rebuild_modules(path, state, selector, meta):
    """Encoder and policy from their state dicts; a shape mismatch is one ValueError."""
    from ._nn.bridge import build_modules  # lazy: torch

    try:
        return build_modules(
            state, encoder_arch=selector._encoder_arch(), policy_arch=selector._policy_arch(),
            n_inputs=int(meta["n_inputs"]), device=selector.device_)
    except (RuntimeError, KeyError, TypeError, ValueError) as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        detail = lines[1] if len(lines) > 1 else (lines[0] if lines else type(exc).__name__)
        raise _damaged(path, state, (
            f"the stored weights do not fit the architecture its metadata describes "
            f"(d_model={selector.d_model}, n_inputs={meta['n_inputs']}, "
            f"fairness_penalty_={meta['fairness_penalty_']}): {detail}")) from None


def load_selector(cls, path, *, estimator=None, query_estimator=None, device="auto"):
    """Build a fitted ``cls`` from a file written by :func:`save_selector`.

    See ``PandaQuerySelector.load`` for the parameters. A damaged file, or one
    written by an incompatible version (a missing entry, an unknown parameter,
    weights of another shape), raises one ``ValueError`` naming the file, the
    problem and the skpanda version that wrote it.
    """
    from ._nn.bridge import load_state, resolve_device  # lazy: torch

    path = _file(path)
    state = load_state(path)
    meta = _read_meta(path, state, cls)
    try:
        selector = cls(**{**meta["params"], "estimator": estimator,
                          "query_estimator": query_estimator, "device": device})
        selector._check_params()
        selector.fairness_penalty_ = float(meta["fairness_penalty_"])  # the policy's inputs
    except (TypeError, ValueError) as exc:
        raise _damaged(path, state, f"bad metadata ({exc})") from None
    selector.device_ = resolve_device(device)
    selector.encoder_, selector.policy_ = _rebuild_modules(path, state, selector, meta)
    selector.encoder_net_ = selector.encoder_.module
    selector.classes_ = np.asarray(meta["classes"])
    selector.label_encoder_ = LabelEncoder().fit(selector.classes_)
    selector.groups_ = np.asarray(meta["groups"])
    selector.n_features_in_ = meta["n_features_in"]
    if meta["feature_names_in"] is not None:
        selector.feature_names_in_ = np.asarray(meta["feature_names_in"], dtype=object)
    selector.history_, selector.n_iter_ = meta["history"], meta["n_iter_"]
    selector.Z_fit_, selector.y_fit_ = state["Z_fit"], state["y_fit"]
    try:
        selector.groups_fit_ = selector.groups_[state["group_codes"]]
    except IndexError:
        raise _damaged(path, state, "its group codes do not match its groups") from None
    selector._fit_h0(selector.Z_fit_, selector.y_fit_, selector.groups_fit_)
    return selector
