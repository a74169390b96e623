"""``skpanda advise``: the table, the files, one-line errors; the pool's labels are never read."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skpanda.cli import build_parser, main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("advise")
    rng = np.random.RandomState(0)
    n = 900
    df = pd.DataFrame({"id": [f"r{i:04d}" for i in range(n)],
                       "age": rng.randint(18, 70, n), "job": rng.choice(["a", "b", "c"], n),
                       "sex": rng.choice(["F", "M"], n, p=[0.35, 0.65])})
    df["income"] = ((df["age"] > 40) ^ (rng.rand(n) < 0.2)).astype(int)
    df.iloc[:500].to_csv(tmp / "d0.csv", index=False)
    pool = df.iloc[500:].copy()
    pool.drop(columns="income").to_csv(tmp / "pool.csv", index=False)
    pool.assign(income="not a label").to_csv(tmp / "pool_text_labels.csv", index=False)
    return tmp


def _advise(files, out, *extra, pool="pool.csv"):
    return main(["advise", "--data", str(files / "d0.csv"), "--pool", str(files / pool),
                 "--target", "income", "--sensitive", "sex", "--budgets", "20,100", "--drop", "id",
                 "--out", str(out), *extra])


def test_prints_the_table_and_writes_csv_and_figure(files, tmp_path, capsys):
    assert _advise(files, tmp_path / "adv") == 0
    out = capsys.readouterr().out
    assert "f1_low" in out and "gain" in out and "Verdict:" in out
    table = pd.read_csv(tmp_path / "adv" / "advice.csv")
    assert table["budget"].tolist() == [20, 100]
    assert (tmp_path / "adv" / "advice.png").stat().st_size > 1000


def test_a_label_column_in_the_pool_is_never_read(files, tmp_path, capsys):
    """Same table whether the pool has no labels or a column of junk in their place."""
    assert _advise(files, tmp_path / "a") == 0
    assert _advise(files, tmp_path / "b", pool="pool_text_labels.csv") == 0
    assert "advise never reads it" in capsys.readouterr().err
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a" / "advice.csv"),
                                  pd.read_csv(tmp_path / "b" / "advice.csv"))


@pytest.mark.parametrize("extra, match", [
    (["--budgets", "20,5000"], "exceed the pool size"),
    (["--confidence", "2"], "--confidence"),
    (["--rho", "0"], "--rho"),
])
def test_errors_are_one_line(files, tmp_path, capsys, extra, match):
    assert _advise(files, tmp_path, *extra) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("skpanda: error: ") and match in err, err


def test_pool_without_the_group_column(files, tmp_path, capsys):
    pool = pd.read_csv(files / "pool.csv").drop(columns="sex")
    pool.to_csv(tmp_path / "nogroup.csv", index=False)
    code = main(["advise", "--data", str(files / "d0.csv"),
                 "--pool", str(tmp_path / "nogroup.csv"),
                 "--target", "income", "--sensitive", "sex", "--out", str(tmp_path)])
    assert code == 1 and "'sex'" in capsys.readouterr().err


def test_bad_budgets_are_a_usage_error(files, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["advise", "--data", "d", "--pool", "p", "--target", "t",
                                   "--sensitive", "s", "--budgets", "ten"])
    assert exc.value.code == 2 and "50,100,400" in capsys.readouterr().err


def test_every_option_names_its_default():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices["advise"]
    for action in sub._actions:
        if action.dest in ("help",) or action.required:
            continue
        assert "default" in (action.help or ""), action.dest


def test_runs_as_a_module(files, tmp_path):
    root = str(Path(__file__).resolve().parents[2])
    res = subprocess.run([sys.executable, "-m", "skpanda", "advise", "--data",
                          str(files / "d0.csv"), "--pool", str(files / "pool.csv"),
                          "--target", "income", "--sensitive", "sex", "--budgets", "50",
                          "--out", str(tmp_path)], capture_output=True, text=True,
                         env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr
    assert "Verdict:" in res.stdout
