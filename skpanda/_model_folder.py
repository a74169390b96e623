"""Model folders that load without executing code: checked, optionally signed, written once.

A model folder (``skpanda fit --out MODEL``) holds plain files and a
``manifest.json`` listing each of them with its size and SHA-256 and the
skpanda version that wrote it. Loading checks the manifest before reading any
file. The manifest detects damage, not an attacker: whoever can rewrite the
files can rewrite their digests too. For authenticity, a key
(``SKPANDA_MODEL_KEY`` or ``--key-file``) signs the manifest with
HMAC-SHA256 (``manifest.hmac``), checked before anything else is read.

scikit-learn objects are stored with :mod:`skops.io`. Before skops reads a
file, its ``schema.json`` is walked as plain JSON and every node must be one
of :data:`SKOPS_ALLOWED`: an exact table of skops loaders and the types
skpanda's own writers store through each (no functions, no prefix rule). No
module the file names is imported before the name is known to be in the
table; skops then loads with the exact ``trusted=`` list of those names.

Writing goes to a temporary sibling renamed into place once complete; a lock
file (``MODEL.lock``, :mod:`skpanda._model_lock`) keeps two writers of one folder apart.
"""

import errno
import hashlib
import hmac
import json
import os
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

from . import __version__

MANIFEST = "manifest.json"
SIGNATURE = "manifest.hmac"
MANIFEST_FORMAT = "skpanda-model-manifest"
KEY_ENV = "SKPANDA_MODEL_KEY"
_MARKERS = (MANIFEST, "skpanda-model.json")
_MAX_JSON = 64 << 20  # bytes of a manifest or a skops schema read at most

_PRIMITIVES = ("builtins.str", "builtins.int", "builtins.float", "builtins.bool",
               "builtins.NoneType")
_NUMPY_SCALARS = tuple(f"numpy.{t}" for t in (
    "bool", "bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
    "uint64", "float16", "float32", "float64", "str_"))
#: Classes skpanda stores as skops ``ObjectNode``: ``skpanda fit`` for every method
#: and constraint (``make_preprocessor``, the selectors, fairlearn's moments) and the
#: storable learners of ``skpanda.learners`` (``lr``, ``sgd``, ``pool``; a
#: ``DummyClassifier`` when ``skpanda train`` gets labels of one class only).
_ESTIMATORS = (
    "sklearn.pipeline.Pipeline",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.impute._base.SimpleImputer",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.preprocessing._encoders.OneHotEncoder",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._stochastic_gradient.SGDClassifier",
    "sklearn.dummy.DummyClassifier",
    "fairlearn.reductions._exponentiated_gradient.exponentiated_gradient.ExponentiatedGradient",
    "fairlearn.reductions._moments.utility_parity.DemographicParity",
    "fairlearn.reductions._moments.utility_parity.EqualizedOdds",
    "skpanda.pipeline.SelectionPipeline",
    "skpanda.selectors._random.RandomQuerySelector",
    "skpanda.selectors._random.GroupRandomQuerySelector",
    "skpanda.selectors._uncertainty.MarginQuerySelector",
    "skpanda.selectors._uncertainty.EntropyQuerySelector",
    "skpanda.selectors._fal.FairActiveLearningQuerySelector",
    "skpanda.learners._threshold.PoolThresholdClassifier",
)
#: Every skops loader a file written by skpanda uses, with the exact types
#: (``module.name``) it may carry. Anything else in a file is refused unread.
SKOPS_ALLOWED = {
    "ObjectNode": frozenset(_ESTIMATORS),
    "LossNode": frozenset({"sklearn._loss._loss.CyHalfBinomialLoss"}),  # SGDClassifier
    "DictNode": frozenset({"builtins.dict"}),
    "ListNode": frozenset({"builtins.list"}),
    "TupleNode": frozenset({"builtins.tuple"}),
    "SliceNode": frozenset({"builtins.slice"}),
    "JsonNode": frozenset(_PRIMITIVES),
    "NdArrayNode": frozenset({"numpy.ndarray", *_NUMPY_SCALARS}),
    "DTypeNode": frozenset({"numpy.dtype"}),
    "TypeNode": frozenset({*_PRIMITIVES, *_NUMPY_SCALARS}),
}
SKOPS_ALLOWED["CachedNode"] = frozenset().union(*SKOPS_ALLOWED.values())  # a shared object
#: All types a skops file of skpanda may name.
ALLOWED_TYPES = SKOPS_ALLOWED["CachedNode"]


class NoSpaceError(OSError):
    """A write failed for lack of disk space; ``str`` is the one-line message."""

    def __str__(self):
        return self.strerror


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ------------------------------------------------------------------ keys and signing
def model_key(key_file=None):
    """The signing key: the bytes of ``key_file``, else ``$SKPANDA_MODEL_KEY``, else None.

    Trailing whitespace (a final newline) of a key file is not part of the key.
    """
    if key_file is not None:
        try:
            key = Path(key_file).read_bytes().rstrip()
        except OSError as exc:
            raise ValueError(f"--key-file {str(key_file)!r} cannot be read "
                             f"({exc.strerror or type(exc).__name__}).") from None
        if not key:
            raise ValueError(f"--key-file {str(key_file)!r} is empty; put the key in it.")
        return key
    key = os.environ.get(KEY_ENV)
    if key is None:
        return None
    if not key.strip():
        raise ValueError(f"{KEY_ENV} is set but empty; unset it or set it to the key.")
    return key.encode()


def _hmac(key, data):
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def _read_small(path, what):
    if path.is_symlink() or path.stat().st_size > _MAX_JSON:
        raise ValueError(f"{path}: {what} is a link or larger than {_MAX_JSON >> 20} MiB")
    return path.read_bytes()


def check_signature(folder, key):
    """Check ``manifest.hmac`` against the manifest's bytes; return those bytes.

    With a key: the folder must be signed with that key. Without one, a
    signed folder is read (its manifest still catches damage) with a warning
    that its signature is not checked.
    """
    folder = Path(folder)
    data = _read_small(folder / MANIFEST, MANIFEST)
    sig_path = folder / SIGNATURE
    signed = sig_path.exists() or sig_path.is_symlink()
    if key is None:
        if signed:
            warnings.warn(f"{folder} is signed but no key was given ({KEY_ENV} or "
                          "--key-file): its signature is not checked.", UserWarning)
        return data
    if not signed:
        raise ValueError(f"{folder} is not signed, but a key was given ({KEY_ENV} or "
                         "--key-file); refusing it. Refit it with the key, or give no key.")
    try:
        stored = json.loads(_read_small(sig_path, SIGNATURE))["hmac-sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        stored = None
    if not isinstance(stored, str) or not hmac.compare_digest(stored, _hmac(key, data)):
        raise ValueError(f"{folder}: {SIGNATURE} does not match the key given: the folder "
                         "was signed with another key or altered; refusing it.")
    return data


def sign_manifest(folder, key):
    """Write ``manifest.hmac``: HMAC-SHA256 of ``manifest.json``'s bytes under ``key``."""
    folder = Path(folder)
    digest = _hmac(key, (folder / MANIFEST).read_bytes())
    (folder / SIGNATURE).write_text(json.dumps({"hmac-sha256": digest}))


# ------------------------------------------------------------------ the manifest
def write_manifest(folder):
    """List every file of ``folder`` (size, SHA-256) in its ``manifest.json``."""
    folder = Path(folder)
    files = {p.name: {"size": p.stat().st_size, "sha256": _sha256(p)}
             for p in sorted(folder.iterdir())
             if p.is_file() and p.name not in (MANIFEST, SIGNATURE)}
    manifest = {"format": MANIFEST_FORMAT, "skpanda_version": __version__, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def _parse_manifest(folder, data):
    try:
        manifest = json.loads(data)
        files = manifest["files"] if manifest.get("format") == MANIFEST_FORMAT else None
        if not isinstance(files, dict):
            raise ValueError
    except (ValueError, KeyError, AttributeError, TypeError, RecursionError):
        raise ValueError(f"{folder} has no readable {MANIFEST} (written by `skpanda fit` "
                         "since skpanda 0.1.0); refit the model.") from None
    return manifest, files


def _check_entry(folder, name, entry, version):
    """The path of one manifest entry, checked: inside the folder, size and digest."""
    if not isinstance(name, str) or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"{folder}: {MANIFEST} lists {name!r}, a path outside the model "
                         "folder; refusing it (the folder was altered).")
    path = folder / name
    if path.is_symlink() and path.resolve().parent != folder.resolve():
        raise ValueError(f"{folder}: file {name!r} listed in {MANIFEST} is a link to "
                         f"{str(path.resolve())!r}, outside the model folder; refusing it.")
    if not path.is_file():
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
    return path


def verify_manifest(folder, *, key=None):
    """Check the signature (with ``key``), then every file of ``manifest.json``.

    Returns ``{name: path}`` of the listed files, the only ones to read.

    Raises
    ------
    ValueError
        A bad or missing signature when ``key`` is given (see
        :func:`check_signature`); no readable manifest; a listed file missing,
        of another size or with another SHA-256 (damaged or altered); a name
        or a link that leads outside the folder.
    """
    folder = Path(folder)
    try:
        data = check_signature(folder, key)
    except OSError:
        data = b""
    manifest, files = _parse_manifest(folder, data)
    version = manifest.get("skpanda_version", "an unknown version")
    return {name: _check_entry(folder, name, entry, version) for name, entry in files.items()}


# ------------------------------------------------------------------ writing
def _replaceable(folder):
    return folder.is_dir() and (not any(folder.iterdir())
                                or any((folder / m).is_file() for m in _MARKERS))


def no_space(exc, what):
    """``exc`` as a :class:`NoSpaceError` when it means a full disk, else ``None``.

    An ``OSError`` with ``errno.ENOSPC``, or torch's ``RuntimeError`` from its
    zip writer (``inline_container.cc ... file write failed``).
    """
    full = (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or (
        isinstance(exc, RuntimeError) and "inline_container" in str(exc)
        and "write" in str(exc))
    if not full:
        return None
    return NoSpaceError(errno.ENOSPC, f"no space left on device while writing {what}; "
                        "nothing was replaced: free some space and run again.")


def write_folder_atomically(folder, write_files, *, key=None):
    """Write a model folder with ``write_files(tmp)`` and its manifest, atomically.

    The files go to a temporary sibling; only when it is complete (and signed
    with ``key``, if given) is the previous folder (if any) moved aside, the
    new one renamed into place and the previous one deleted. An error or a
    kill while writing leaves the previous folder as it was. An existing path
    that is not a model folder (or an empty folder) is refused rather than
    replaced. A full disk raises :class:`NoSpaceError`.
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
        if key is not None:
            sign_manifest(tmp, key)
        if folder.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old",
                                        dir=folder.parent))
            os.replace(folder, old / folder.name)
            os.replace(tmp, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, folder)
    except (OSError, RuntimeError) as exc:
        full = no_space(exc, f"the model folder {str(folder)!r}")
        if full is None:
            raise
        raise full from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


# ------------------------------------------------------------------ skops
def skops_types(path):
    """The types a skops file names, each checked against :data:`SKOPS_ALLOWED`.

    Reads ``schema.json`` from the zip as plain JSON (nothing imported, nothing
    built) and returns the sorted ``module.name`` of every node.

    Raises
    ------
    ValueError
        The file is not a skops zip, or a node has a loader or a type outside
        :data:`SKOPS_ALLOWED` (the message names up to five).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("schema.json")
            if info.file_size > _MAX_JSON:
                raise ValueError("schema.json too large")
            schema = json.loads(zf.read(info))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, RecursionError) as exc:
        raise ValueError(f"{path} is not a skops file written by skpanda "
                         f"({type(exc).__name__}); refit the model.") from None
    names, refused, stack = set(), set(), [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        stack.extend(node.values())
        if "__loader__" not in node and "__module__" not in node and "__class__" not in node:
            continue
        loader, name = node.get("__loader__"), f"{node.get('__module__')}.{node.get('__class__')}"
        allowed = SKOPS_ALLOWED.get(loader) if isinstance(loader, str) else None
        if allowed is None or name not in allowed:
            refused.add(name if allowed is not None else f"{name} ({loader})")
        names.add(name)
    if refused:
        raise ValueError(f"{path} names types that skpanda never writes "
                         f"{sorted(refused)[:5]}; refusing to load it (it was altered).")
    return sorted(names)


def dump_skops(obj, path):
    """Write a scikit-learn object with :func:`skops.io.dump` (no pickle).

    The written file is checked as :func:`load_skops` will check it, so an
    object holding a type outside :data:`SKOPS_ALLOWED` fails here, at
    writing, not when the model is loaded.
    """
    import skops.io

    skops.io.dump(obj, path)
    try:
        skops_types(path)
    except ValueError as exc:
        Path(path).unlink(missing_ok=True)
        raise ValueError(f"skpanda cannot store this object safely: {exc}") from None


def load_skops(path):
    """Read a file written by :func:`dump_skops`, building only allowed types.

    Every node is checked by :func:`skops_types` before skops reads the file;
    skops then loads it with ``trusted=`` the exact types it names (those
    :func:`skops.io.get_untrusted_types` reports, all in the table). Never
    ``trusted=True``.
    """
    skops_types(path)  # raises before skops parses anything
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(file=path)
    except Exception as exc:  # noqa: BLE001 - a malformed schema of allowed types
        raise ValueError(f"{path} is not a skops file written by skpanda "
                         f"({type(exc).__name__}); refit the model.") from None
    outside = sorted(set(untrusted) - ALLOWED_TYPES)
    if outside:  # cannot happen after skops_types; kept as a second, independent check
        raise ValueError(f"{path} names types that skpanda never writes {outside[:5]}.")
    return skops.io.load(path, trusted=untrusted)
