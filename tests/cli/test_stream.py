"""``skpanda select`` reads its pool chunk by chunk (skpanda.cli._stream)."""

import sys

import numpy as np
import pandas as pd
import pytest

from skpanda.cli import main
from skpanda.cli._model import load_model

TINY_PANDA = ["--param", "d_model=8", "--param", "n_heads=2", "--param", "n_inducing=4",
              "--param", "n_memory=4", "--param", "n_samples=1", "--param", "inner_steps=2",
              "--param", "n_iter=3"]
METHODS = {"panda": TINY_PANDA, "random": [], "group_random": [], "margin": [],
           "entropy": [], "fal": []}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stream")
    rng = np.random.RandomState(0)
    n = 400
    df = pd.DataFrame({
        "id": [f"r{i:03d}" for i in range(n)],
        "age": rng.randint(18, 70, n).astype(float),
        # a categorical column of digits and one letter: a chunk of digits only
        # must still be read as text
        "job": rng.choice(["1", "2", "x"], n, p=[0.45, 0.45, 0.1]),
        "sex": rng.choice(["F", "M"], n, p=[0.35, 0.65]),
    })
    df["income"] = ((df["age"] > 40) ^ (rng.rand(n) < 0.2)).astype(int)
    df.iloc[:250].to_csv(tmp / "d0.csv", index=False)
    pool = df.iloc[250:].drop(columns="income").reset_index(drop=True)
    pool.loc[0:9, "job"] = "1"  # the first chunks hold digits only
    pool.to_csv(tmp / "pool.csv", index=False)
    return tmp


@pytest.fixture(scope="module")
def models(files):
    out = {}
    for method, params in METHODS.items():
        out[method] = files / f"model_{method}"
        assert main(["fit", "--data", str(files / "d0.csv"), "--target", "income",
                     "--sensitive", "sex", "--drop", "id", "--budget", "20", "--method",
                     method, "--random-state", "0", "--out", str(out[method]),
                     "--no-progress", *params]) == 0
    return out


def _select(model, pool, out, *extra):
    assert main(["select", "--model", str(model), "--pool", str(pool), "--budget", "12",
                 "--id-column", "id", "--out", str(out), "--no-progress", *extra]) == 0
    return pd.read_csv(out)["id"].tolist()


def _whole_file_selection(model, pool_csv):
    """The selection before streaming: the whole CSV read at once, then ``pipe.select``."""
    pipe, meta = load_model(model)
    pool = pd.read_csv(pool_csv)
    positions = pipe.select(pool[meta["features"]], 12,
                            sensitive_features=pool[meta["sensitive"]].to_numpy())
    return pool["id"].to_numpy()[positions].tolist()


@pytest.mark.parametrize("method", list(METHODS))
def test_chunked_select_equals_whole_file_select(files, models, tmp_path, method):
    reference = _whole_file_selection(models[method], files / "pool.csv")
    for chunk_size in ("7", "150", "100000"):
        got = _select(models[method], files / "pool.csv", tmp_path / "o.csv",
                      "--chunk-size", chunk_size)
        assert got == reference, (method, chunk_size)
    assert len(set(reference)) == 12


def test_parquet_pool_selects_the_same_rows_as_its_csv(files, models, tmp_path):
    pytest.importorskip("pyarrow", reason="the optional extra skpanda[parquet] is not "
                                          "installed: the Parquet reader cannot be run")
    pd.read_csv(files / "pool.csv").to_parquet(tmp_path / "pool.parquet")
    for method in ("panda", "margin"):
        from_csv = _select(models[method], files / "pool.csv", tmp_path / "a.csv")
        from_parquet = _select(models[method], tmp_path / "pool.parquet", tmp_path / "b.csv",
                               "--chunk-size", "9")
        assert from_parquet == from_csv, method


def _error(capsys, argv):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("skpanda: error: "), err
    return err


def test_parquet_without_pyarrow_says_how_to_install_it(files, models, tmp_path, capsys,
                                                       monkeypatch):
    (tmp_path / "pool.parquet").write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # import fails as if absent
    err = _error(capsys, ["select", "--model", str(models["random"]), "--pool",
                          str(tmp_path / "pool.parquet"), "--budget", "3", "--out",
                          str(tmp_path / "o.csv")])
    assert "needs pyarrow" in err and "skpanda[parquet]" in err


def test_stray_text_in_a_later_chunk_names_its_file_line(files, models, tmp_path, capsys):
    pool = pd.read_csv(files / "pool.csv")
    pool["age"] = pool["age"].astype(object)
    pool.loc[123, "age"] = "abc"
    pool.to_csv(tmp_path / "junk.csv", index=False)
    err = _error(capsys, ["select", "--model", str(models["random"]), "--pool",
                          str(tmp_path / "junk.csv"), "--budget", "3", "--out",
                          str(tmp_path / "o.csv"), "--chunk-size", "50"])
    assert "'age'" in err and "125" in err, err  # row 123 is line 125 (header, 1-based)
    assert not (tmp_path / "o.csv").exists()


def test_budget_larger_than_the_streamed_pool(files, models, tmp_path, capsys):
    err = _error(capsys, ["select", "--model", str(models["panda"]), "--pool",
                          str(files / "pool.csv"), "--budget", "151", "--out",
                          str(tmp_path / "o.csv"), "--chunk-size", "40"])
    assert "--budget 151 must be between 1 and the pool size (150 rows)" in err


def test_damaged_parquet_is_one_line(files, models, tmp_path, capsys):
    pytest.importorskip("pyarrow", reason="the optional extra skpanda[parquet] is not "
                                          "installed: the Parquet reader cannot be run")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    err = _error(capsys, ["select", "--model", str(models["random"]), "--pool",
                          str(tmp_path / "bad.parquet"), "--budget", "3", "--out",
                          str(tmp_path / "o.csv")])
    assert "not a readable Parquet file" in err


@pytest.mark.parametrize("chunk_size", [1, 4, 50])
def test_take_rows_returns_the_rows_in_the_given_order(tmp_path, chunk_size):
    from skpanda.cli._stream import take_rows

    frame = pd.DataFrame({"a": np.arange(23), "b": [f"x{i}" for i in range(23)]})
    frame.to_csv(tmp_path / "p.csv", index=False)
    positions = [17, 0, 22, 5]
    got = take_rows(tmp_path / "p.csv", "--pool", positions, chunk_size=chunk_size)
    pd.testing.assert_frame_equal(got, frame.iloc[positions].reset_index(drop=True))


def test_pool_with_a_header_and_no_rows(files, models, tmp_path, capsys):
    pd.read_csv(files / "pool.csv").iloc[:0].to_csv(tmp_path / "head.csv", index=False)
    err = _error(capsys, ["select", "--model", str(models["panda"]), "--pool",
                          str(tmp_path / "head.csv"), "--budget", "3", "--out",
                          str(tmp_path / "o.csv")])
    assert "has a header but no rows" in err
