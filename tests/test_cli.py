"""The ``skpanda`` command: fit → select round trip, reproduce, every error path."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skpanda.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    rng = np.random.RandomState(0)
    n = 300
    df = pd.DataFrame({
        "id": [f"r{i:03d}" for i in range(n)],
        "age": rng.randint(18, 70, n),
        "job": rng.choice(["a", "b", "c"], n),
        "sex": rng.choice(["F", "M"], n, p=[0.35, 0.65]),
    })
    df["income"] = ((df["age"] > 40) ^ (rng.rand(n) < 0.2)).astype(int)
    df.iloc[:200].to_csv(tmp / "d0.csv", index=False)
    df.iloc[200:].drop(columns="income").to_csv(tmp / "pool.csv", index=False)
    return tmp


def _fit(files, out, *extra):
    return main(["fit", "--data", str(files / "d0.csv"), "--target", "income",
                 "--sensitive", "sex", "--drop", "id", "--out", str(out), *extra])


def _one_line_error(capsys, code, match):
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("skpanda: error: "), err
    assert "Traceback" not in err
    assert match in err, err


def test_fit_select_round_trip_in_a_subprocess(files, tmp_path):
    run = [sys.executable, "-m", "skpanda.cli"]
    model, out = tmp_path / "model", tmp_path / "to_label.csv"
    fit = subprocess.run(run + ["fit", "--data", str(files / "d0.csv"), "--target", "income",
                                "--sensitive", "sex", "--drop", "id", "--method", "entropy",
                                "--out", str(model)], capture_output=True, text=True)
    assert fit.returncode == 0, fit.stderr
    assert (model / "skpanda-model.json").exists() and (model / "pipeline.joblib").exists()
    sel = subprocess.run(run + ["select", "--model", str(model), "--pool",
                                str(files / "pool.csv"), "--budget", "7", "--id-column", "id",
                                "--out", str(out)], capture_output=True, text=True)
    assert sel.returncode == 0, sel.stderr
    chosen = pd.read_csv(out)
    assert list(chosen.columns) == ["rank", "id"] and chosen["rank"].tolist() == list(range(1, 8))
    assert chosen["id"].is_unique and chosen["id"].str.match(r"r2\d\d").all()
    # same as the library would choose: the most uncertain pool rows of h^0
    from skpanda.cli import load_model

    pipe, meta = load_model(model)
    pool = pd.read_csv(files / "pool.csv")
    expected = pipe.select(pool[meta["features"]], 7)
    assert chosen["id"].tolist() == pool["id"].to_numpy()[expected].tolist()


def test_select_writes_row_numbers_without_id_column(files, tmp_path, capsys):
    assert _fit(files, tmp_path / "m", "--method", "group_random") == 0
    assert main(["select", "--model", str(tmp_path / "m"), "--pool", str(files / "pool.csv"),
                 "--budget", "5", "--out", str(tmp_path / "o.csv")]) == 0
    rows = pd.read_csv(tmp_path / "o.csv")
    assert list(rows.columns) == ["rank", "row"] and rows["row"].between(0, 99).all()
    pool = pd.read_csv(files / "pool.csv")
    # group-aware random labels one group only
    assert pool["sex"].iloc[rows["row"]].nunique() == 1


def test_panda_round_trip(files, tmp_path):
    pytest.importorskip("skpanda.panda")
    params = ["--param", "n_iter=2", "--param", "d_model=8", "--param", "n_inducing=4",
              "--param", "n_memory=4", "--param", "n_samples=1"]
    assert _fit(files, tmp_path / "p", "--method", "panda", "--budget", "20", *params) == 0
    assert main(["select", "--model", str(tmp_path / "p"), "--pool", str(files / "pool.csv"),
                 "--budget", "6", "--out", str(tmp_path / "o.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "o.csv")) == 6


def test_reproduce_prints_the_table_and_files(tmp_path, capsys):
    code = main(["reproduce", "--dataset", "synthetic", "--methods", "random", "--seeds", "1",
                 "--budgets", "10", "20", "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out
    assert "| method (B=20, 1 seed) |" in out and "| Random |" in out
    assert str(tmp_path / "results.csv") in out and "figure1_tradeoff.png" in out


@pytest.fixture(scope="module")
def model(files):
    assert _fit(files, files / "model_random", "--method", "random") == 0
    return files / "model_random"


@pytest.mark.parametrize("edit, match", [
    (lambda f: {"--data": str(f / "missing.csv")}, "does not exist"),
    (lambda f: {"--target": "salary"}, "has no column(s) ['salary']"),
    (lambda f: {"--sensitive": "gender"}, "has no column(s) ['gender']"),
    (lambda f: {"--target": "job"}, "must be binary (two distinct values); it has 3"),
    (lambda f: {"--target": "age"}, "must be binary"),
    (lambda f: {"--data": str(f / "empty.csv")}, "is empty"),
    (lambda f: {"--data": str(f / "header.csv")}, "has a header but no rows"),
    (lambda f: {"--data": str(f / "nan_target.csv")}, "has 1 missing values"),
])
def test_fit_errors(files, tmp_path, capsys, edit, match):
    (files / "empty.csv").write_text("")
    (files / "header.csv").write_text("age,sex,income\n")
    d0 = pd.read_csv(files / "d0.csv")
    d0.loc[3, "income"] = np.nan
    d0.to_csv(files / "nan_target.csv", index=False)
    args = {"--data": str(files / "d0.csv"), "--target": "income", "--sensitive": "sex",
            "--out": str(tmp_path / "m")}
    args.update(edit(files))
    argv = ["fit"] + [x for kv in args.items() for x in kv]
    _one_line_error(capsys, main(argv), match)


def test_fit_error_for_bad_selector_parameter(files, tmp_path, capsys):
    _one_line_error(capsys, _fit(files, tmp_path / "m", "--method", "random",
                                 "--param", "alpha=2"), "alpha")


@pytest.mark.parametrize("edit, match", [
    (lambda f, m: {"--model": str(f / "nowhere")}, "is not a model folder"),
    (lambda f, m: {"--model": str(f / "broken")}, "cannot be read"),
    (lambda f, m: {"--pool": str(f / "nope.csv")}, "does not exist"),
    (lambda f, m: {"--pool": str(f / "empty.csv")}, "is empty"),
    (lambda f, m: {"--pool": str(f / "no_age.csv")}, "has no column(s) ['age']"),
    (lambda f, m: {"--budget": "101"}, "--budget 101 must be between 1 and the pool size (100"),
    (lambda f, m: {"--budget": "0"}, "--budget 0 must be between 1"),
    (lambda f, m: {"--id-column": "key"}, "has no column(s) ['key']"),
])
def test_select_errors(files, model, tmp_path, capsys, edit, match):
    import shutil

    (files / "empty.csv").write_text("")
    pd.read_csv(files / "pool.csv").drop(columns="age").to_csv(files / "no_age.csv", index=False)
    broken = files / "broken"
    shutil.copytree(model, broken, dirs_exist_ok=True)
    (broken / "pipeline.joblib").write_bytes(b"not a pickle")
    args = {"--model": str(model), "--pool": str(files / "pool.csv"), "--budget": "5",
            "--out": str(tmp_path / "o.csv")}
    args.update(edit(files, model))
    argv = ["select"] + [x for kv in args.items() for x in kv]
    _one_line_error(capsys, main(argv), match)


def test_select_needs_pool_groups_for_group_random(files, tmp_path, capsys):
    assert _fit(files, tmp_path / "g", "--method", "group_random") == 0
    pd.read_csv(files / "pool.csv").drop(columns="sex").to_csv(tmp_path / "p.csv", index=False)
    capsys.readouterr()
    # sex is a feature of this model, so its absence is reported as a missing column
    _one_line_error(capsys, main(["select", "--model", str(tmp_path / "g"), "--pool",
                                  str(tmp_path / "p.csv"), "--budget", "3", "--out",
                                  str(tmp_path / "o.csv")]), "['sex']")
    assert _fit(files, tmp_path / "h", "--method", "group_random", "--exclude-sensitive") == 0
    capsys.readouterr()
    _one_line_error(capsys, main(["select", "--model", str(tmp_path / "h"), "--pool",
                                  str(tmp_path / "p.csv"), "--budget", "3", "--out",
                                  str(tmp_path / "o.csv")]), "needs the pool's sensitive column")


def test_error_in_a_subprocess_has_no_traceback(tmp_path):
    res = subprocess.run([sys.executable, "-m", "skpanda.cli", "select", "--model",
                          str(tmp_path), "--pool", "x.csv", "--budget", "3", "--out", "o.csv"],
                         capture_output=True, text=True)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.startswith("skpanda: error: --model")


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["select", "--model", "m"])
    assert exc.value.code == 2


def _skpanda(*args):
    """``python -m skpanda ARGS`` in a subprocess importing this checkout of skpanda."""
    import os
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        filter(None, [root, os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "skpanda", *map(str, args)],
                          capture_output=True, text=True, env=env)


def _assert_one_line(res, *fragments):
    assert res.returncode == 1, res.stderr
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("skpanda: error: "), res.stderr
    for fragment in fragments:
        assert fragment in res.stderr, res.stderr


@pytest.fixture(scope="module")
def junk_files(files, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("junk")
    for name in ("d0", "pool"):
        df = pd.read_csv(files / f"{name}.csv").astype({"age": object})
        df.loc[[5, 9], "age"] = ["abc", "n/a?"]
        df.to_csv(tmp / f"{name}.csv", index=False)
    one = pd.read_csv(files / "d0.csv").assign(income=1)
    one.to_csv(tmp / "one_class.csv", index=False)
    return tmp


def test_stray_text_in_a_numeric_column_fails_fit(junk_files, tmp_path):
    res = _skpanda("fit", "--data", junk_files / "d0.csv", "--target", "income", "--sensitive",
                   "sex", "--drop", "id", "--method", "random", "--out", tmp_path / "m")
    _assert_one_line(res, "column 'age' holds numbers in 198 of 200", "rows 5, 9",
                     "file lines 7, 11", "'abc'", "--drop")
    assert not (tmp_path / "m").exists()


def test_stray_text_in_a_numeric_pool_column_fails_select(files, junk_files, tmp_path):
    fit = _skpanda("fit", "--data", files / "d0.csv", "--target", "income", "--sensitive",
                   "sex", "--drop", "id", "--method", "random", "--out", tmp_path / "m")
    assert fit.returncode == 0, fit.stderr
    res = _skpanda("select", "--model", tmp_path / "m", "--pool", junk_files / "pool.csv",
                   "--budget", 5, "--out", tmp_path / "o.csv")
    _assert_one_line(res, "--pool", "column 'age' is numeric in the fitted model",
                     "rows 5, 9", "'abc', 'n/a?'")


def test_single_class_target_prints_plain_values(junk_files, tmp_path):
    res = _skpanda("fit", "--data", junk_files / "one_class.csv", "--target", "income",
                   "--sensitive", "sex", "--out", tmp_path / "m")
    _assert_one_line(res, "it has 1: [1].")
    assert "np.int64" not in res.stderr


def test_unknown_param_names_the_valid_ones(files, tmp_path):
    res = _skpanda("fit", "--data", files / "d0.csv", "--target", "income", "--sensitive",
                   "sex", "--drop", "id", "--param", "n_iters=5", "--out", tmp_path / "m")
    _assert_one_line(res, "PandaQuerySelector has no parameter 'n_iters'",
                     "n_inducing, n_iter, n_layers", "warm_start.")


@pytest.mark.parametrize("budget", [0, -4])
def test_bad_budget_fails_fit_at_once(files, tmp_path, budget):
    res = _skpanda("fit", "--data", files / "d0.csv", "--target", "income", "--sensitive",
                   "sex", "--drop", "id", "--budget", budget, "--out", tmp_path / "m")
    _assert_one_line(res, f"budget={budget} must be at least 1")


def test_multi_line_errors_keep_their_whole_first_sentence():
    from skpanda.cli import _one_line

    exc = ValueError("Invalid parameter 'x' for estimator Panda(a=1,\n    b=2). Valid: [a,\n b].")
    assert _one_line(exc) == "Invalid parameter 'x' for estimator Panda(a=1, b=2). Valid: [a, b]."
    assert _one_line(ValueError("first line\nsecond line")) == "first line"
    assert _one_line(ValueError("")) == "ValueError"
