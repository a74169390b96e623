"""The lock of a model folder being written, and the leftovers of killed writers."""

import json
import os
import socket
import subprocess
import sys

import pytest

from skpanda._model_lock import clean_leftovers, folder_lock, lock_path


def test_the_lock_names_its_owner_and_a_stale_lock_is_taken_over(tmp_path):
    folder = tmp_path / "m"
    with folder_lock(folder) as lock:
        assert json.loads(lock.read_text())["pid"] == os.getpid()
        with pytest.raises(ValueError, match=rf"being written by another process \(pid "
                                             rf"{os.getpid()} "):
            with folder_lock(folder):
                pass
    assert not lock.exists()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    lock_path(folder).write_text(json.dumps({"pid": int(dead.stdout), "since": "then",
                                             "host": socket.gethostname()}))
    with folder_lock(folder):  # its pid is gone: stale
        assert json.loads(lock_path(folder).read_text())["pid"] == os.getpid()


def test_leftovers_are_cleaned_and_a_stranded_previous_model_restored(tmp_path):
    (tmp_path / ".m.abc12345.tmp").mkdir()
    (tmp_path / ".m.abc12345.tmp" / "half").write_text("x")
    (tmp_path / ".m.ckpt.1-2.tmp").write_text("x")
    (tmp_path / ".m.def45678.old" / "m").mkdir(parents=True)
    (tmp_path / ".m.def45678.old" / "m" / "manifest.json").write_text("{}")
    (tmp_path / ".other.x.tmp").mkdir()  # another folder's: not ours to touch
    (tmp_path / ".m.x.abcdefgh.tmp").mkdir()  # folder m.x's, being written
    notes = clean_leftovers(tmp_path / "m")
    assert sorted(os.listdir(tmp_path)) == [".m.x.abcdefgh.tmp", ".other.x.tmp", "m"]
    assert (tmp_path / "m" / "manifest.json").exists()
    assert any("restored the previous model" in n for n in notes) and len(notes) == 4
