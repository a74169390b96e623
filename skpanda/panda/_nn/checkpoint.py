"""Safe persistence of PANDA's torch state: tensors and plain containers only.

Files are written with :func:`torch.save` and read back with
``torch.load(..., weights_only=True)``, which unpickles only tensors, numbers,
strings and containers, so loading a file never executes code. Every file
carries a ``format`` tag; anything else is refused with a clear error.
"""

import os
import threading
from pathlib import Path

import torch

FORMAT = "skpanda.panda/1"


def save_checkpoint(path, payload):
    """Write ``payload`` (a dict of tensors/containers) to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # one temporary file per writer: concurrent fits (Dask, joblib) never share it
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}-{threading.get_ident()}")
    torch.save({"format": FORMAT, **payload}, tmp)
    os.replace(tmp, path)


def load_checkpoint(path, *, map_location="cpu"):
    """Read a file written by :func:`save_checkpoint`.

    Raises
    ------
    ValueError
        When the file is not a skpanda PANDA file (or not a torch file at all).
    """
    try:
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
    return payload
