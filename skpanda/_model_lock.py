"""One writer per model folder: the ``MODEL.lock`` file and the leftovers of killed writers.

:func:`folder_lock` holds ``MODEL.lock`` (pid, host, start time) beside a
model folder while it is written (:func:`skpanda._model_folder.write_folder_atomically`
renames a complete temporary sibling into place); :func:`clean_leftovers`
removes, under the lock, the temporary siblings a killed writer left, and
restores a previous model stranded between the two renames.
"""

import json
import os
import re
import shutil
import socket
import time
from contextlib import contextmanager
from pathlib import Path


def lock_path(folder):
    """The lock file of a model folder being written: ``MODEL.lock`` beside it."""
    folder = Path(folder).absolute()
    return folder.with_name(folder.name + ".lock")


def _owner(lock):
    try:
        owner = json.loads(lock.read_text())
        return int(owner["pid"]), str(owner.get("host", "")), str(owner.get("since", "?"))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # half-written by an owner killed at once: stale


def _age(path):
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return float("inf")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def folder_lock(folder):
    """Hold ``MODEL.lock`` (pid, host, start time) while a folder is written.

    A second writer fails at once naming the first; a lock whose process is
    gone (same host, pid not alive, or unreadable) is stale and taken over.
    """
    lock, host = lock_path(folder), socket.gethostname()
    lock.parent.mkdir(parents=True, exist_ok=True)
    record = json.dumps({"pid": os.getpid(), "host": host,
                         "since": time.strftime("%Y-%m-%d %H:%M:%S")})
    for _ in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _owner(lock)
            if owner is None and _age(lock) < 10:  # its owner is still writing it
                owner = ("?", "this host", "just now")
            if owner is not None and (owner[1] != host or _alive(owner[0])):
                raise ValueError(
                    f"--out {str(folder)!r} is being written by another process (pid "
                    f"{owner[0]} on {owner[1]}, since {owner[2]}; lock file {str(lock)!r}); "
                    "wait for it to finish or choose another --out.") from None
            lock.unlink(missing_ok=True)  # stale: its owner is gone
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(record)
        break
    else:
        raise ValueError(f"cannot take the lock file {str(lock)!r}; delete it and run again.")
    try:
        yield lock
    finally:
        if lock.is_file() and _owner(lock) is not None and _owner(lock)[0] == os.getpid():
            lock.unlink(missing_ok=True)


def clean_leftovers(folder):
    """Remove the ``.MODEL.*.tmp`` / ``.MODEL.*.old`` siblings a killed writer left.

    Call it holding :func:`folder_lock`. A previous model left only under
    ``.MODEL.*.old/MODEL`` (a kill between the two renames) is moved back to
    ``MODEL`` rather than deleted. Returns a one-line note per action.
    """
    folder = Path(folder).absolute()
    # the names of write_folder_atomically's mkdtemp and of save_checkpoint's temp file
    ours = re.compile(rf"\.{re.escape(folder.name)}\.([a-z0-9_]{{8}}|ckpt\.\d+-\d+)\.(tmp|old)")
    notes = []
    for path in sorted(folder.parent.glob(f".{folder.name}.*")):
        if not ours.fullmatch(path.name) or path.is_symlink():
            continue
        kept = path / folder.name
        if path.suffix == ".old" and kept.is_dir() and not folder.exists():
            os.replace(kept, folder)
            notes.append(f"restored the previous model {str(folder)!r} from {path.name}, "
                         "left by an interrupted run")
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        notes.append(f"removed {path.name}, left by an interrupted run")
    return notes
