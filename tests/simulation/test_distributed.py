"""The experiment grid on a Dask cluster: same table, resume, bad scheduler addresses.

The cluster tests share a 2-worker ``LocalCluster`` (``tests/conftest.py``); the
failure scenarios are ``slow`` (``pytest -m slow``).
"""

import os

import pandas as pd
import pytest

from skpanda import cli
from skpanda.simulation import _distributed, _harness
from skpanda.simulation._distributed import connect, dask_backend, parse_scheduler

pytest.importorskip("distributed")

METHODS = ["random", "entropy", "group_random"]
KW = dict(seeds=2, budgets=(10, 20, 40), dataset_params={"n_samples": 600}, progress=False,
          plot=False)
TIMES = ["select_seconds", "fit_seconds", "train_seconds"]
UNREACHABLE = "tcp://127.0.0.1:9"  # the discard port: nothing listens there


@pytest.fixture(scope="module")
def local_table(tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    return _harness.run_experiment("synthetic", METHODS, out=out, **KW)


def _same_values(a, b):
    pd.testing.assert_frame_equal(a.drop(columns=TIMES), b.drop(columns=TIMES))


@pytest.mark.parametrize("text, expected", [
    ("local", ("local", 2)), ("local:3", ("local", 3)),
    ("tcp://10.0.0.5:8786", ("address", "tcp://10.0.0.5:8786")),
])
def test_parse_scheduler(text, expected):
    assert parse_scheduler(text) == expected


@pytest.mark.parametrize("bad, match", [
    ("", "must be a Dask scheduler address"), (None, "must be a Dask scheduler address"),
    ("local:0", "asks for no worker"),
])
def test_parse_scheduler_rejects(bad, match):
    with pytest.raises(ValueError, match=match):
        parse_scheduler(bad)


def test_unreachable_scheduler_raises_a_clear_error():
    with pytest.raises(ConnectionError, match="no Dask scheduler reachable at 'tcp://127.0.0.1:9'"):
        connect(UNREACHABLE, timeout=1)


def test_cli_unreachable_scheduler_one_line_and_nothing_written(tmp_path, capsys,
                                                                 monkeypatch):
    monkeypatch.setattr(_distributed, "CONNECT_TIMEOUT", 1)
    out = tmp_path / "results"
    argv = ["reproduce", "--dataset", "synthetic", "--methods", "random", "--seeds", "1",
            "--budgets", "10", "--out", str(out), "--scheduler", UNREACHABLE, "--no-progress"]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("skpanda: error: no Dask scheduler reachable") and err.count("\n") == 1
    assert not out.exists()


def test_dask_backend_gives_the_local_table(dask_client, local_table, tmp_path):
    with dask_backend(dask_client):
        df = _harness.run_experiment("synthetic", METHODS, out=tmp_path, n_jobs=-1, **KW)
    _same_values(local_table, df)
    assert (tmp_path / "results.csv").is_file() and (tmp_path / "summary.md").is_file()


@pytest.mark.slow
def test_worker_dying_mid_grid_is_survived(dask_client, local_table, tmp_path, monkeypatch):
    """The first cell to run kills its worker process; Dask reruns it on a fresh worker."""
    marker, real = tmp_path / "killed-once", _harness.run_cell

    def dies_once(*args, **kwargs):  # a local function: pickled by value to the workers
        if not marker.exists():
            marker.touch()
            os._exit(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(_harness, "run_cell", dies_once)
    with dask_backend(dask_client):
        df = _harness.run_experiment("synthetic", METHODS, out=tmp_path / "out", n_jobs=-1,
                                     **KW)
    assert marker.exists()
    _same_values(local_table, df)


@pytest.mark.slow
def test_failed_grid_resumes_from_finished_cells(dask_client, local_table, tmp_path,
                                                 monkeypatch):
    out, real = tmp_path / "out", _harness.run_cell

    def fails_on_one_cell(method, seed, *args, **kwargs):
        if (method, seed) == ("entropy", 1):
            raise RuntimeError("cell lost")
        return real(method, seed, *args, **kwargs)

    monkeypatch.setattr(_harness, "run_cell", fails_on_one_cell)
    with dask_backend(dask_client), pytest.raises(RuntimeError, match="cell lost"):
        _harness.run_experiment("synthetic", METHODS, out=out, n_jobs=-1, **KW)
    assert not (out / "results.csv").exists()
    kept = {p.name: p.stat().st_mtime_ns for p in (out / "cells").glob("*.json")}
    assert not any(name.startswith("entropy-seed1-") for name in kept)

    monkeypatch.setattr(_harness, "run_cell", real)
    with dask_backend(dask_client):
        df = _harness.run_experiment("synthetic", METHODS, out=out, n_jobs=-1, **KW)
    _same_values(local_table, df)
    for name, mtime in kept.items():  # finished cells are reused, not recomputed
        assert (out / "cells" / name).stat().st_mtime_ns == mtime
