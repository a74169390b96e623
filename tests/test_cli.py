"""The ``skpanda`` command: fit → select round trip, reproduce, every error path."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skpanda._model_folder import write_manifest
from skpanda.cli import build_parser, main


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
    assert (model / "skpanda-model.json").exists() and (model / "pipeline.skops").exists()
    assert (model / "manifest.json").exists() and not list(model.glob("*.joblib"))
    sel = subprocess.run(run + ["select", "--model", str(model), "--pool",
                                str(files / "pool.csv"), "--budget", "7", "--id-column", "id",
                                "--out", str(out)], capture_output=True, text=True)
    assert sel.returncode == 0, sel.stderr
    chosen = pd.read_csv(out)
    # rank, the key, the rows' own columns, an empty target for the annotator
    assert list(chosen.columns) == ["rank", "id", "age", "job", "sex", "income"]
    assert chosen["rank"].tolist() == list(range(1, 8)) and chosen["income"].isna().all()
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
    assert list(rows.columns[:2]) == ["rank", "row"] and rows["row"].between(0, 99).all()
    pool = pd.read_csv(files / "pool.csv")
    pd.testing.assert_frame_equal(rows[["id", "age", "job", "sex"]],
                                  pool.iloc[rows["row"]].reset_index(drop=True))
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


def test_reproduce_learners_flag_names_the_valid_ones(tmp_path, capsys):
    args = build_parser().parse_args(["reproduce", "--learners", "lr,eg,pool"])
    assert args.learners == ["lr", "eg", "pool"]
    assert build_parser().parse_args(["reproduce"]).learners is None  # run_experiment: lr
    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "--learners", "lr,svm", "--out", str(tmp_path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "argument --learners: unknown learner(s) 'svm'; choose among " \
           "lr,eg,pool,pool_eg,sgd" in err
    assert not (tmp_path / "cells").exists()


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
    (lambda f, m: {"--model": str(f / "broken")}, "is not a skops file"),
    (lambda f, m: {"--model": str(f / "damaged")}, "does not match its size and SHA-256"),
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
    (broken / "pipeline.skops").write_bytes(b"not a zip")
    write_manifest(broken)  # listed correctly, yet not a skops file
    damaged = files / "damaged"
    shutil.copytree(model, damaged, dirs_exist_ok=True)
    data = bytearray((damaged / "pipeline.skops").read_bytes())
    data[len(data) // 2] ^= 1  # one flipped bit, manifest untouched
    (damaged / "pipeline.skops").write_bytes(bytes(data))
    args = {"--model": str(model), "--pool": str(files / "pool.csv"), "--budget": "5",
            "--out": str(tmp_path / "o.csv")}
    args.update(edit(files, model))
    argv = ["select"] + [x for kv in args.items() for x in kv]
    _one_line_error(capsys, main(argv), match)


def test_select_needs_pool_groups_for_group_random(files, tmp_path, capsys):
    assert _fit(files, tmp_path / "g", "--method", "group_random") == 0
    pd.read_csv(files / "pool.csv").drop(columns="sex").to_csv(tmp_path / "p.csv", index=False)
    capsys.readouterr()
    # with --sensitive-as-feature, sex is a feature: its absence is a missing column
    assert _fit(files, tmp_path / "f", "--method", "group_random", "--sensitive-as-feature") == 0
    capsys.readouterr()
    _one_line_error(capsys, main(["select", "--model", str(tmp_path / "f"), "--pool",
                                  str(tmp_path / "p.csv"), "--budget", "3", "--out",
                                  str(tmp_path / "o.csv")]), "['sex']")
    _one_line_error(capsys, main(["select", "--model", str(tmp_path / "g"), "--pool",
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


# ----------------------------------------------------------------- model folder safety
ROOT = Path(__file__).resolve().parents[1]
TINY_PANDA = ["--param", "d_model=8", "--param", "n_heads=2", "--param", "n_inducing=4",
              "--param", "n_memory=4", "--param", "n_samples=1", "--param", "inner_steps=2"]


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


class _Payload:
    """A pickle that creates a file when unpickled: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


@pytest.mark.parametrize("layout", ["old_joblib", "pickle_as_skops"])
def test_a_folder_with_a_pickle_payload_never_runs_it(files, model, tmp_path, capsys, layout):
    import pickle
    import shutil

    marker, evil = tmp_path / "pwned", tmp_path / "evil"
    shutil.copytree(model, evil)
    payload = pickle.dumps(_Payload(marker))
    if layout == "old_joblib":  # the pre-manifest layout: refused before any file is read
        (evil / "manifest.json").unlink()
        (evil / "pipeline.skops").unlink()
        (evil / "pipeline.joblib").write_bytes(payload)
        match = "an old pickle-based folder, never loaded"
    else:  # a pickle under the skops name, with a manifest that matches it
        (evil / "pipeline.skops").write_bytes(payload)
        write_manifest(evil)
        match = "is not a skops file"
    _one_line_error(capsys, main(["select", "--model", str(evil), "--pool",
                                  str(files / "pool.csv"), "--budget", "3", "--out",
                                  str(tmp_path / "o.csv")]), match)
    assert not marker.exists()


def test_a_skops_file_naming_other_types_is_refused(files, model, tmp_path, capsys):
    import shutil

    import skops.io

    evil = tmp_path / "evil"
    shutil.copytree(model, evil)
    skops.io.dump({"hook": os.system}, evil / "pipeline.skops")
    write_manifest(evil)
    _one_line_error(capsys, main(["select", "--model", str(evil), "--pool",
                                  str(files / "pool.csv"), "--budget", "3", "--out",
                                  str(tmp_path / "o.csv")]), "names types that skpanda never")


@pytest.mark.parametrize("method", ["random", "margin", "group_random", "fal", "fairlearn",
                                    "fairlearn_al"])
def test_every_method_round_trips_through_skops(files, tmp_path, method):
    from skpanda.cli import build_parser, fit_model, load_model, save_model

    args = build_parser().parse_args(["fit", "--data", "d0.csv", "--target", "income",
                                      "--sensitive", "sex", "--drop", "id", "--method",
                                      method, "--out", str(tmp_path / "m")])
    pipe, meta, _ = fit_model(pd.read_csv(files / "d0.csv"), args)
    save_model(pipe, meta, tmp_path / "m")
    assert not list((tmp_path / "m").glob("*.joblib"))
    loaded, meta = load_model(tmp_path / "m")
    pool = pd.read_csv(files / "pool.csv")
    X, groups = pool[meta["features"]], pool["sex"].to_numpy()
    np.testing.assert_array_equal(loaded.select(X, 6, sensitive_features=groups),
                                  pipe.select(X, 6, sensitive_features=groups))
    assert meta["refit_estimator"] == method.startswith("fairlearn")


def test_panda_folder_lists_its_files_and_detects_a_flipped_byte(files, tmp_path, capsys):
    import json

    pytest.importorskip("skpanda.panda")
    folder = tmp_path / "p"
    assert _fit(files, folder, "--method", "panda", "--budget", "20", "--param", "n_iter=2",
                *TINY_PANDA) == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert sorted(manifest["files"]) == ["panda.pt", "preprocessor.skops", "skpanda-model.json"]
    assert sorted(p.name for p in folder.iterdir()) == sorted([*manifest["files"],
                                                                "manifest.json"])
    assert not (tmp_path / "p.ckpt").exists()  # finished: nothing left to resume
    data = bytearray((folder / "panda.pt").read_bytes())
    data[len(data) // 2] ^= 0x10
    (folder / "panda.pt").write_bytes(bytes(data))
    capsys.readouterr()
    _one_line_error(capsys, main(["select", "--model", str(folder), "--pool",
                                  str(files / "pool.csv"), "--budget", "3", "--out",
                                  str(tmp_path / "o.csv")]),
                    "'panda.pt' does not match its size and SHA-256")


def test_fit_never_replaces_a_folder_that_is_not_a_model(files, tmp_path, capsys):
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "notes.txt").write_text("mine")
    _one_line_error(capsys, _fit(files, tmp_path / "keep", "--method", "random"),
                    "exists and is not a model folder")
    assert (tmp_path / "keep" / "notes.txt").read_text() == "mine"


def _read_until_iteration(proc, at_least):
    """Read the child's stderr until its progress bar shows ``at_least`` iterations."""
    import re

    seen = b""
    while True:
        chunk = os.read(proc.stderr.fileno(), 4096)
        if not chunk:
            return seen
        seen += chunk
        done = [int(n) for n in re.findall(rb"\| *(\d+)/100000 ", seen)]
        if done and max(done) >= at_least:
            return seen


def test_ctrl_c_in_fit_exits_130_keeps_a_checkpoint_and_rerun_resumes(files, tmp_path):
    import signal

    pytest.importorskip("skpanda.panda")
    model, ckpt = tmp_path / "m", tmp_path / "m.ckpt"
    argv = [sys.executable, "-m", "skpanda.cli", "fit", "--data", str(files / "d0.csv"),
            "--target", "income", "--sensitive", "sex", "--drop", "id", "--budget", "20",
            "--method", "panda", *TINY_PANDA, "--param", "verbose=true", "--out", str(model)]
    proc = subprocess.Popen([*argv, "--param", "n_iter=100000"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env())
    seen = _read_until_iteration(proc, 3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate()
    err = (seen + err).decode(errors="replace")
    assert proc.returncode == 130, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("skpanda: interrupted. Meta-training stopped at iteration "), last
    assert f"no model written. Checkpoint {ckpt}: run the same command again" in last
    assert "Warning" not in err and b"Fitted" not in out
    assert not model.exists() and ckpt.is_file()
    stopped = int(last.split("iteration ")[1].split(" ")[0])
    # the bar is drawn last in an iteration; a SIGINT landing inside that draw
    # still rolls back the whole iteration, hence 2 and not 3
    assert stopped >= 2
    # the same command resumes (here with a reachable n_iter: n_iter may change on resume)
    rerun = subprocess.run([*argv, "--param", f"n_iter={stopped + 2}"], capture_output=True,
                           text=True, env=_env())
    assert rerun.returncode == 0, rerun.stderr
    assert "Fitted panda" in rerun.stdout and not ckpt.exists()
    from skpanda.cli import load_model

    panda = load_model(model)[0].steps[-1][1]
    assert panda.n_iter_ == stopped + 2 and len(panda.history_["val_loss"]) == stopped + 2
    assert panda.checkpoint_path is None


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
                   "sex", "--drop", "id", "--method", "panda", "--param", "n_iters=5",
                   "--out", tmp_path / "m")
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


@pytest.fixture(scope="module")
def user_csv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("user")
    rng = np.random.RandomState(1)
    n = 600
    df = pd.DataFrame({"customer_id": np.arange(n) + 1000, "name": [f"p{i}" for i in range(n)],
                       "age": rng.randint(18, 70, n), "job": rng.choice(["a", "b"], n),
                       "sex": rng.choice(["F", "M"], n, p=[0.35, 0.65])})
    df["income"] = ((df["age"] > 40) ^ (rng.rand(n) < 0.2)).astype(int)
    df.to_csv(tmp / "d0.csv", index=False)
    df.drop(columns=["income", "sex"]).iloc[:50].to_csv(tmp / "pool.csv", index=False)
    return tmp


def test_fit_uses_sensitive_as_group_and_drops_ids_so_a_pool_without_it_works(user_csv,
                                                                               tmp_path):
    fit = _skpanda("fit", "--data", str(user_csv / "d0.csv"), "--target", "income",
                   "--sensitive", "sex", "--method", "margin", "--exclude-sensitive",
                   "--no-progress", "--out", str(tmp_path / "m"))
    assert fit.returncode == 0, fit.stderr
    assert "dropping id-like column(s) ['customer_id', 'name']" in fit.stderr
    assert "--exclude-sensitive is deprecated" in fit.stderr
    meta = json.loads((tmp_path / "m" / "skpanda-model.json").read_text())
    assert meta["features"] == ["age", "job"]
    sel = _skpanda("select", "--model", str(tmp_path / "m"), "--pool", str(user_csv / "pool.csv"),
                   "--budget", "5", "--id-column", "customer_id", "--out", str(tmp_path / "o.csv"))
    assert sel.returncode == 0, sel.stderr
    assert pd.read_csv(tmp_path / "o.csv")["customer_id"].between(1000, 1049).all()


def test_sensitive_as_feature_keeps_it(user_csv, tmp_path):
    code = main(["fit", "--data", str(user_csv / "d0.csv"), "--target", "income",
                 "--sensitive", "sex", "--method", "random", "--sensitive-as-feature",
                 "--drop", "name", "--out", str(tmp_path / "m")])
    assert code == 0
    meta = json.loads((tmp_path / "m" / "skpanda-model.json").read_text())
    assert meta["features"] == ["age", "job", "sex"]


def test_id_like_columns_rules():
    from skpanda.cli import id_like_columns

    df = pd.DataFrame({"id": [3, 1, 2], "userId": ["a", "b", "c"], "x": [0.5, 0.1, 0.2],
                       "count": [1, 2, 3], "row_id": [1.5, 2.5, 3.5], "g": ["a", "a", "b"]})
    assert id_like_columns(df) == ["id", "userId"]
    assert id_like_columns(df, skip={"id"}) == ["userId"]


def test_panda_budget_too_large_for_d0_names_the_largest_before_training(user_csv, tmp_path):
    fit = _skpanda("fit", "--data", str(user_csv / "d0.csv"), "--target", "income",
                   "--sensitive", "sex", "--method", "panda", "--out", str(tmp_path / "m"))
    assert fit.returncode == 1
    err = fit.stderr.strip().splitlines()[-1]
    assert "--budget 400 is too large" in err and "Pass --budget 299" in err, err
    assert "Meta-training" not in fit.stderr and not (tmp_path / "m").exists()


def test_reproduce_on_a_user_csv_with_one_note_for_dropped_budgets(user_csv, tmp_path):
    run = _skpanda("reproduce", "--data", str(user_csv / "d0.csv"), "--target", "income",
                   "--sensitive", "sex", "--methods", "random", "--seeds", "1",
                   "--budgets", "20", "500", "--out", str(tmp_path / "r"), "--no-progress")
    assert run.returncode == 0, run.stderr
    assert "skpanda: note: budgets [500] exceed the pool size (150) and are dropped." in run.stderr
    assert "UserWarning" not in run.stderr and "Traceback" not in run.stderr
    df = pd.read_csv(tmp_path / "r" / "results.csv")
    assert df["budget"].tolist() == [20] and df["dataset"].tolist() == ["csv"]


def test_reproduce_data_needs_target_and_sensitive(user_csv, capsys):
    code = main(["reproduce", "--data", str(user_csv / "d0.csv"), "--target", "income"])
    _one_line_error(capsys, code, "--data needs --target COL")


@pytest.mark.parametrize("flag, shown", [("--progress", True), ("--no-progress", False)])
def test_progress_flag_sets_verbose(files, tmp_path, flag, shown):
    fit = _skpanda("fit", "--data", str(files / "d0.csv"), "--target", "income", "--sensitive",
                   "sex", "--method", "fal", "--param", "n_candidates=null", flag,
                   "--out", str(tmp_path / "m"))
    assert fit.returncode == 0, fit.stderr
    from skpanda.cli import build_parser

    args = build_parser().parse_args(["select", "--model", "m", "--pool", "p", "--budget",
                                      "1", "--out", "o", flag])
    assert args.progress is shown


def test_n_tasks_is_for_panda_only_and_positive(files, tmp_path):
    base = ["fit", "--data", files / "d0.csv", "--target", "income", "--sensitive", "sex",
            "--drop", "id", "--out", tmp_path / "m"]
    _assert_one_line(_skpanda(*base, "--method", "random", "--n-tasks", "2"),
                     "--n-tasks and torchrun are for --method panda")
    bad = _skpanda(*base, "--n-tasks", "0")
    assert bad.returncode == 2 and "expected a positive integer, got '0'" in bad.stderr
    assert not (tmp_path / "m").exists()
