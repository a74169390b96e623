"""``skpanda fit/select`` through ``python -m skpanda``: signed folders, one writer per
``--out``, leftovers of a killed run, a full disk, and bad input accepted silently before.

Every case runs the console path in a fresh process (slow on a busy machine,
so variants of one case run in-process through :func:`skpanda.cli.main`).
"""

import json
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skpanda._model_folder import write_manifest
from skpanda._model_lock import lock_path
from skpanda.cli import main

ROOT = Path(__file__).resolve().parents[2]
KEY = "correct horse battery staple"


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != "SKPANDA_MODEL_KEY"}
    return {**env, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **extra}


def _skpanda(*args, env=None, code=None):
    """``python -m skpanda ARGS`` (or ``code`` run before ``main(ARGS)``), in a new process."""
    if code is None:
        cmd = [sys.executable, "-m", "skpanda", *map(str, args)]
    else:
        prog = textwrap.dedent(code) + (
            "\nimport sys\nfrom skpanda.cli import main\n"
            f"sys.exit(main({[str(a) for a in args]!r}))\n")
        cmd = [sys.executable, "-c", prog]
    return subprocess.run(cmd, capture_output=True, text=True, env=env or _env())


def _one_line(result, match):
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("skpanda: error: "), \
        result.stderr
    assert match in result.stderr, result.stderr


@pytest.fixture(scope="module")
def data(tmp_path_factory, income_csvs):
    tmp = tmp_path_factory.mktemp("safety")
    for name in ("d0.csv", "pool.csv"):
        shutil.copy(income_csvs / name, tmp / name)
    (tmp / "key").write_text(KEY + "\n")
    return tmp


def _fit_args(data, out, *extra):
    return [str(a) for a in ["fit", "--data", data / "d0.csv", "--target", "income",
                             "--sensitive", "sex", "--method", "random", "--out", out, *extra]]


def _select_args(data, model, out, *extra):
    return [str(a) for a in ["select", "--model", model, "--pool", data / "pool.csv",
                             "--budget", "5", "--out", out, *extra]]


@pytest.fixture(scope="module")
def signed(data, tmp_path_factory):
    model = tmp_path_factory.mktemp("signed") / "model"
    result = _skpanda(*_fit_args(data, model, "--key-file", data / "key"))
    assert result.returncode == 0, result.stderr
    return model


# ------------------------------------------------------------------ authenticity
def test_a_signed_folder_round_trips_with_the_key_from_the_environment(data, signed, tmp_path):
    assert (signed / "manifest.hmac").is_file()
    out = tmp_path / "o.csv"
    result = _skpanda(*_select_args(data, signed, out),
                      env=_env(SKPANDA_MODEL_KEY=KEY))
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(out)) == 5


def test_a_rewritten_signed_folder_is_refused(data, signed, tmp_path, capsys):
    evil = tmp_path / "evil"
    shutil.copytree(signed, evil)
    meta = json.loads((evil / "skpanda-model.json").read_text())
    (evil / "skpanda-model.json").write_text(json.dumps({**meta, "sensitive": "job"}))
    write_manifest(evil)  # every digest recomputed: only the signature can tell
    out = tmp_path / "o.csv"
    _one_line(_skpanda(*_select_args(data, evil, out, "--key-file", data / "key")),
              "signed with another key or altered")
    assert not out.exists()
    (tmp_path / "other").write_text("another key")
    for folder, key, match in [(signed, tmp_path / "other", "signed with another key"),
                               (evil, data / "key", "signed with another key")]:
        assert main(_select_args(data, folder, out, "--key-file", key)) == 1
        assert match in capsys.readouterr().err and not out.exists()
    (evil / "manifest.hmac").unlink()
    assert main(_select_args(data, evil, out, "--key-file", data / "key")) == 1
    assert "is not signed, but a key was given" in capsys.readouterr().err


def test_a_signed_folder_without_a_key_loads_with_a_note(data, signed, tmp_path, capsys,
                                                         monkeypatch):
    monkeypatch.delenv("SKPANDA_MODEL_KEY", raising=False)
    assert main(_select_args(data, signed, tmp_path / "o.csv")) == 0
    assert "is signed but no key was given" in capsys.readouterr().err


def test_a_missing_key_file_fails_before_fitting(data, tmp_path):
    _one_line(_skpanda(*_fit_args(data, tmp_path / "m", "--key-file", tmp_path / "nope")),
              "--key-file")
    assert not (tmp_path / "m").exists()


# ------------------------------------------------------------------ one writer per --out
def test_a_second_fit_on_the_same_out_fails_at_once_naming_the_first(data, tmp_path):
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        import socket

        lock_path(tmp_path / "m").write_text(json.dumps(
            {"pid": owner.pid, "host": socket.gethostname(), "since": "2026-01-01 00:00:00"}))
        result = _skpanda(*_fit_args(data, tmp_path / "m"))
        _one_line(result, f"is being written by another process (pid {owner.pid} ")
        assert not (tmp_path / "m").exists() and lock_path(tmp_path / "m").exists()
    finally:
        owner.kill()
        owner.wait()
    # the owner is gone: its lock is stale, the next fit takes it over and releases it
    assert main(_fit_args(data, tmp_path / "m")) == 0
    assert not lock_path(tmp_path / "m").exists()


def test_leftovers_of_a_killed_run_are_cleaned_and_named(data, tmp_path):
    model = tmp_path / "m"
    (tmp_path / ".m.k1ll3d00.tmp").mkdir()
    (tmp_path / ".m.k1ll3d00.tmp" / "pipeline.skops").write_text("half")
    (tmp_path / ".m.ckpt.123-456.tmp").write_text("half a checkpoint")
    result = _skpanda(*_fit_args(data, model))
    assert result.returncode == 0, result.stderr
    assert "removed .m.k1ll3d00.tmp, left by an interrupted run" in result.stderr
    assert sorted(os.listdir(tmp_path)) == ["m"]


def test_a_previous_model_stranded_by_a_kill_is_restored(data, tmp_path, capsys):
    assert main(_fit_args(data, tmp_path / "m")) == 0
    (tmp_path / ".m.x0000000.old").mkdir()
    os.replace(tmp_path / "m", tmp_path / ".m.x0000000.old" / "m")  # killed between the renames
    assert main(_fit_args(data, tmp_path / "m", "--random-state", "1")) == 0
    assert "restored the previous model" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["m"]


# ------------------------------------------------------------------ a full disk
_FULL_SKOPS = """
import errno, skops.io
def dump(obj, path):
    open(path, "wb").write(b"PK half")
    raise OSError(errno.ENOSPC, "No space left on device", str(path))
skops.io.dump = dump
"""
_FULL_CSV = """
import errno, pandas as pd
def to_csv(self, path, **kw):
    open(path, "w").write("rank,")
    raise OSError(errno.ENOSPC, "No space left on device")
pd.DataFrame.to_csv = to_csv
"""


def test_a_full_disk_during_fit_says_so_and_keeps_the_previous_model(data, tmp_path):
    assert main(_fit_args(data, tmp_path / "m")) == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "m").iterdir()}
    result = _skpanda(*_fit_args(data, tmp_path / "m"), code=_FULL_SKOPS)
    _one_line(result, "no space left on device while writing the model folder")
    assert {p.name: p.read_bytes() for p in (tmp_path / "m").iterdir()} == before
    assert sorted(os.listdir(tmp_path)) == ["m"]


def test_a_full_disk_during_select_leaves_no_empty_or_partial_out(data, signed, tmp_path):
    out = tmp_path / "o.csv"
    result = _skpanda(*_select_args(data, signed, out), code=_FULL_CSV,
                      env=_env(SKPANDA_MODEL_KEY=KEY))
    _one_line(result, "no space left on device while writing --out")
    assert os.listdir(tmp_path) == []
    out.write_text("rank,row\n1,7\n")  # an earlier result is not truncated either
    _skpanda(*_select_args(data, signed, out), code=_FULL_CSV, env=_env(SKPANDA_MODEL_KEY=KEY))
    assert out.read_text() == "rank,row\n1,7\n"


def test_torch_write_failure_is_no_space_left(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    from skpanda.panda._nn import checkpoint

    def fail(*args, **kwargs):
        raise RuntimeError("[enforce fail at inline_container.cc:672] . PytorchStreamWriter "
                           "failed writing file data/0: file write failed")

    monkeypatch.setattr(torch, "save", fail)
    with pytest.raises(OSError, match=r"^no space left on device while writing .*x\.pt"):
        checkpoint.save_checkpoint(tmp_path / "x.pt", {"w": torch.zeros(2)})
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------ panda.pt as a pickle
class _Payload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_a_pickle_as_panda_pt_is_one_line_without_torch_warnings(data, signed, tmp_path):
    evil = tmp_path / "evil"
    shutil.copytree(signed, evil)
    (evil / "manifest.hmac").unlink()
    meta = json.loads((evil / "skpanda-model.json").read_text())
    (evil / "skpanda-model.json").write_text(json.dumps({**meta, "method": "panda"}))
    os.replace(evil / "pipeline.skops", evil / "preprocessor.skops")
    (evil / "panda.pt").write_bytes(pickle.dumps(_Payload(tmp_path / "pwned"), protocol=4))
    write_manifest(evil)
    result = _skpanda(*_select_args(data, evil, tmp_path / "o.csv"))
    _one_line(result, "could not be read as plain tensors")
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "o.csv").exists()


# ------------------------------------------------------------------ bad input
def test_duplicate_column_names_are_named(data, tmp_path):
    (tmp_path / "d0.csv").write_text(
        "age,job,age,sex,income\n" + "".join(f"{20 + i},a,{30 + i},{'FM'[i % 2]},{i % 2}\n"
                                             for i in range(40)))
    result = _skpanda("fit", "--data", tmp_path / "d0.csv", "--target", "income",
                      "--sensitive", "sex", "--method", "random", "--out", tmp_path / "m")
    _one_line(result, "has duplicate column names ['age']")
    assert not (tmp_path / "m").exists()


def test_infinity_names_the_column_and_first_row(data, signed, tmp_path, capsys):
    pool = pd.read_csv(data / "pool.csv").astype({"age": float})
    pool.loc[7, "age"] = np.inf
    pool.to_csv(tmp_path / "pool.csv", index=False)
    out = tmp_path / "o.csv"
    result = _skpanda("select", "--model", signed, "--pool", tmp_path / "pool.csv",
                      "--budget", "5", "--out", out, env=_env(SKPANDA_MODEL_KEY=KEY))
    _one_line(result, "column 'age' holds infinity in 1 row(s), first row 7 (file line 9)")
    assert not out.exists()
    d0 = pd.read_csv(data / "d0.csv").astype({"age": float})
    d0.loc[3, "age"] = -np.inf
    d0.to_csv(tmp_path / "d0.csv", index=False)
    assert main(["fit", "--data", str(tmp_path / "d0.csv"), "--target", "income",
                 "--sensitive", "sex", "--method", "random", "--out", str(tmp_path / "m")]) == 1
    assert "column 'age' holds infinity in 1 row(s), first row 3" in capsys.readouterr().err


def test_a_single_group_is_one_note_that_parity_is_vacuous(data, tmp_path, capsys):
    d0 = pd.read_csv(data / "d0.csv").assign(sex="F")
    d0.to_csv(tmp_path / "d0.csv", index=False)
    result = _skpanda("fit", "--data", tmp_path / "d0.csv", "--target", "income",
                      "--sensitive", "sex", "--method", "random", "--out", tmp_path / "m")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("holds a single group ('F')") == 1, result.stderr
    assert "the parity constraint means nothing" in result.stderr
    assert main(["fit", "--data", str(tmp_path / "d0.csv"), "--target", "income",
                 "--sensitive", "sex", "--method", "fairlearn", "--out",
                 str(tmp_path / "eg")]) == 0
    err = capsys.readouterr().err  # the selector's own warning is not repeated
    assert err.count("single group") == 1 and "parity constraint means nothing" in err, err
