"""Safe persistence of PANDA's torch state: tensors and plain containers only.

Files are written with :func:`torch.save` and read back with
``torch.load(..., weights_only=True)``, which unpickles only tensors, numbers,
strings and containers, so loading a file never executes code. Every file
carries a ``format`` tag, the skpanda version that wrote it and a SHA-256
digest of its whole content (every tensor byte, every number and string), so
a damaged file -- one flipped byte in a weight -- is refused with a clear
error instead of loading altered values. Files are written atomically: a
temporary sibling, flushed to disk, then :func:`os.replace`, so an
interrupted write leaves the previous file intact.
"""

import copy
import hashlib
import os
import threading
import warnings
from pathlib import Path

import torch

from ... import __version__
from ..._model_folder import no_space

FORMAT = "skpanda.panda/1"
_HEADER = ("format", "skpanda_version", "digest")


def clone_state(obj):
    """A deep copy of a state of tensors in plain containers (fast ``copy.deepcopy``).

    Tensors are detached and cloned, dicts, lists and tuples rebuilt, other
    leaves deep-copied. Meant for optimizer and module state dicts, where
    ``copy.deepcopy`` spends most of its time in per-tensor bookkeeping.

    Examples
    --------
    >>> import torch
    >>> state = {"state": {0: {"step": torch.tensor(3.0)}}, "groups": [{"betas": (0.9, 0.99)}]}
    >>> copied = clone_state(state)
    >>> copied["state"][0]["step"].item(), copied["groups"][0]["betas"]
    (3.0, (0.9, 0.99))
    >>> copied["state"][0]["step"] is state["state"][0]["step"]
    False
    """
    if isinstance(obj, torch.Tensor):
        return obj.detach().clone()
    if isinstance(obj, dict):
        return type(obj)((key, clone_state(value)) for key, value in obj.items())
    if type(obj) in (list, tuple):
        return type(obj)(clone_state(value) for value in obj)
    return copy.deepcopy(obj)


def content_digest(payload):
    """SHA-256 (hex) of a payload of tensors, numbers, strings and containers.

    The digest covers every entry except ``"digest"`` itself. Dict entries
    are hashed in a fixed (sorted) order, so the digest does not depend on
    insertion order.
    """
    h = hashlib.sha256()
    _feed(h, {k: v for k, v in payload.items() if k != "digest"})
    return h.hexdigest()


def _feed(h, obj):
    if isinstance(obj, torch.Tensor):
        t = obj.detach().cpu().contiguous()
        h.update(f"T{t.dtype}{tuple(t.shape)}|".encode())
        if t.numel():
            h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(obj, dict):
        h.update(f"D{len(obj)}|".encode())
        for key in sorted(obj, key=repr):
            _feed(h, key)
            _feed(h, obj[key])
    elif isinstance(obj, (list, tuple)):
        h.update(f"L{len(obj)}|".encode())
        for item in obj:
            _feed(h, item)
    elif isinstance(obj, str):
        data = obj.encode()
        h.update(f"S{len(data)}|".encode() + data)
    else:  # numbers, None, torch.dtype/Size: an exact, type-tagged text form
        h.update(f"{type(obj).__name__}:{obj!r}|".encode())


def save_checkpoint(path, payload):
    """Write ``payload`` (a dict of tensors/containers) to ``path`` atomically.

    The file gets the ``format`` tag, the skpanda version and a digest of its
    content. It is first written to a temporary sibling and moved into place
    with :func:`os.replace` only once complete: a failure or a kill while
    writing leaves any previous file at ``path`` untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {k: v for k, v in payload.items() if k not in _HEADER}
    body.update(format=FORMAT, skpanda_version=__version__)
    body["digest"] = content_digest(body)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            torch.save(body, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except (OSError, RuntimeError) as exc:  # torch: "inline_container.cc ... write failed"
        full = no_space(exc, str(path))
        if full is None:
            raise
        raise full from None
    finally:
        if tmp.exists():
            tmp.unlink()


def load_checkpoint(path, *, map_location="cpu"):
    """Read a file written by :func:`save_checkpoint`, checking its digest.

    Raises
    ------
    ValueError
        When the file is not a skpanda PANDA file (or not a torch file at
        all), or when its content does not match its digest (damaged).
    """
    try:
        with warnings.catch_warnings():  # torch's note on a foreign pickle protocol
            warnings.simplefilter("ignore", UserWarning)
            payload = torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as exc:  # unpickling refused, not a zip/pickle, truncated...
        raise ValueError(
            f"{path} is not a skpanda PANDA file (it could not be read as plain tensors: "
            f"{type(exc).__name__}). Pass a file written by PandaQuerySelector.save or a "
            "meta-training checkpoint."
        ) from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(
            f"{path} is not a skpanda PANDA file (missing format tag {FORMAT!r}). Pass a "
            "file written by PandaQuerySelector.save or a meta-training checkpoint."
        )
    version = payload.get("skpanda_version", "an older version")
    if "digest" not in payload:
        raise ValueError(
            f"{path} (written by skpanda {version}) has no content digest, so damage "
            f"cannot be ruled out; refit and save it again with skpanda {__version__}."
        )
    if payload["digest"] != content_digest(payload):
        raise ValueError(
            f"{path} (written by skpanda {version}) is damaged: its content does not match "
            "the SHA-256 digest stored in it. Restore the file from a copy or refit it."
        )
    return payload
