"""Model folders that load without executing code, checked, written atomically.

A model folder (``skpanda fit --out MODEL``) holds plain files and a
``manifest.json`` listing each of them with its size and SHA-256 and the
skpanda version that wrote it. Loading checks the manifest before reading any
file. scikit-learn objects are stored with :mod:`skops.io` and loaded with an
explicit list of trusted types: the types the file names, each checked to be
a class from scikit-learn, numpy, fairlearn's reductions or skpanda's
selectors and learners (never a function, never anything else), so no pickle is ever
unpickled and no code named by the file is run. The folder is written into a
temporary sibling and renamed into place once complete.
"""

import hashlib
import importlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from . import __version__

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "skpanda-model-manifest"
#: Modules whose *classes* a skops file written by skpanda may name.
SAFE_MODULES = ("sklearn", "numpy", "fairlearn.reductions", "skpanda.selectors",
                "skpanda.pipeline", "skpanda.datasets", "skpanda.learners")
_MARKERS = (MANIFEST, "skpanda-model.json")


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(folder):
    """List every file of ``folder`` (size, SHA-256) in its ``manifest.json``."""
    folder = Path(folder)
    files = {p.name: {"size": p.stat().st_size, "sha256": _sha256(p)}
             for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST}
    manifest = {"format": MANIFEST_FORMAT, "skpanda_version": __version__, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def verify_manifest(folder):
    """Check every file listed in ``manifest.json``; return ``{name: path}``.

    Raises
    ------
    ValueError
        No readable manifest, a listed file missing, of another size or with
        another SHA-256 (damaged or altered), or a name that is not a plain
        file name of the folder.
    """
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        files = manifest["files"] if manifest.get("format") == MANIFEST_FORMAT else None
        if not isinstance(files, dict):
            raise ValueError
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        raise ValueError(f"{folder} has no readable {MANIFEST} (written by `skpanda fit` "
                         "since skpanda 0.1.0); refit the model.") from None
    version = manifest.get("skpanda_version", "an unknown version")
    checked = {}
    for name, entry in files.items():
        path = folder / str(name)
        if Path(str(name)).name != name or name in ("", ".", "..") or not path.is_file():
            raise ValueError(f"{folder}: file {name!r} listed in {MANIFEST} (written by "
                             f"skpanda {version}) is missing; refit the model.")
        try:
            size, digest = int(entry["size"]), str(entry["sha256"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{folder}: {MANIFEST} entry of {name!r} is malformed; refit "
                             "the model.") from None
        if path.stat().st_size != size or _sha256(path) != digest:
            raise ValueError(f"{folder}: file {name!r} does not match its size and SHA-256 "
                             f"in {MANIFEST} (written by skpanda {version}): it is damaged "
                             "or was altered; refit the model.")
        checked[name] = path
    return checked


def _replaceable(folder):
    return folder.is_dir() and (not any(folder.iterdir())
                                or any((folder / m).is_file() for m in _MARKERS))


def write_folder_atomically(folder, write_files):
    """Write a model folder with ``write_files(tmp)`` and its manifest, atomically.

    The files go to a temporary sibling; only when it is complete is the
    previous folder (if any) moved aside, the new one renamed into place and
    the previous one deleted. An error or a kill while writing leaves the
    previous folder as it was. An existing path that is not a model folder (or
    an empty folder) is refused rather than replaced.
    """
    folder = Path(folder)
    if folder.exists() and not _replaceable(folder):
        raise ValueError(f"--out {str(folder)!r} exists and is not a model folder; choose "
                         "another path or delete it.")
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    try:
        write_files(tmp)
        write_manifest(tmp)
        if folder.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old",
                                        dir=folder.parent))
            os.replace(folder, old / folder.name)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def dump_skops(obj, path):
    """Write a scikit-learn object with :func:`skops.io.dump` (no pickle)."""
    import skops.io

    skops.io.dump(obj, path)


def _is_safe_class(name):
    """Whether ``name`` ("module.Class") is a class of one of :data:`SAFE_MODULES`."""
    if not any(name == m or name.startswith(m + ".") for m in SAFE_MODULES):
        return False
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
        return isinstance(obj, type)
    return False


def load_skops(path):
    """Read a file written by :func:`dump_skops`, trusting only safe classes.

    The types the file names (:func:`skops.io.get_untrusted_types`) are all
    checked with :func:`_is_safe_class` first; any other is refused with a
    ``ValueError`` before anything is built. Never ``trusted=True``.
    """
    import skops.io

    try:
        names = skops.io.get_untrusted_types(file=path)
    except Exception as exc:  # not a zip, no schema, truncated...
        raise ValueError(f"{path} is not a skops file written by skpanda "
                         f"({type(exc).__name__}); refit the model.") from None
    refused = [n for n in names if not _is_safe_class(n)]
    if refused:
        raise ValueError(f"{path} names types that skpanda never writes {refused[:5]}; "
                         "refusing to load it (it may have been altered).")
    return skops.io.load(path, trusted=names)
