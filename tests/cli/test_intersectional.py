"""``--sensitive sex,race``: intersectional groups on every verb of ``skpanda``."""

import contextlib
import io
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skpanda.cli import main
from skpanda.cli._model import load_model
from skpanda.metrics import combine_groups
from skpanda.simulation import load_dataset

SENSITIVE = ["sex", "race"]


@pytest.fixture(scope="module")
def data(tmp_path_factory, helpers):
    """d0.csv, pool.csv (no label), truth.csv (the pool's labels), test.csv; race 'A' is rare."""
    tmp = tmp_path_factory.mktemp("intersectional")
    rng = np.random.RandomState(0)
    n = 600
    df = pd.DataFrame({"id": [f"r{i:03d}" for i in range(n)],
                       "age": rng.randint(18, 70, n).astype(float),
                       "job": rng.choice(["a", "b"], n),
                       "sex": rng.choice(["F", "M"], n),
                       "race": rng.choice(["W", "B", "A"], n, p=[0.6, 0.32, 0.08])})
    df["income"] = ((df["age"] > 40) ^ (rng.rand(n) < 0.2)).astype(int)
    return helpers.write_csvs(tmp, df, 200, 200)


def _console(*argv):
    """``python -m skpanda ARGV``, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "skpanda", *map(str, argv)],
                          capture_output=True, text=True)


def _fit(data, out, *extra, sensitive="sex,race", method="random"):
    return main(["fit", "--data", str(data / "d0.csv"), "--target", "income", "--sensitive",
                 sensitive, "--budget", "30", "--method", method, "--out", str(out),
                 "--no-progress", *extra])


def _in_process(*argv):
    """``main(ARGV)`` with its stderr captured: ``(exit status, stderr)``."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main([str(a) for a in argv])
    return subprocess.CompletedProcess(argv, status, "", err.getvalue())


@pytest.fixture(scope="module")
def chain(data):
    """fit -> select -> label -> train -> predict -> report, grouped by sex x race.

    fit and report run on the console (``python -m skpanda``); the verbs between
    run in this process (the same ``main``), which keeps the file fast.
    """
    model, final, report = data / "model", data / "final", data / "report"
    runs = {"fit": _console("fit", "--data", data / "d0.csv", "--target", "income",
                            "--sensitive", "sex,race", "--drop", "id", "--budget", "40",
                            "--out", model, "--no-progress")}
    runs["select"] = _in_process("select", "--model", model, "--pool", data / "pool.csv",
                              "--budget", "40", "--out", data / "to_label.csv")
    if runs["select"].returncode == 0:
        rows = pd.read_csv(data / "to_label.csv")
        rows["income"] = pd.read_csv(data / "truth.csv")["income"].to_numpy()[rows["row"]]
        rows.to_csv(data / "labeled.csv", index=False)
    runs["train"] = _in_process("train", "--model", model, "--labeled", data / "labeled.csv",
                             "--pool", data / "pool.csv", "--out", final)
    runs["predict"] = _in_process("predict", "--model", final, "--data", data / "test.csv",
                               "--out", data / "pred.csv")
    runs["report"] = _console("report", "--model", final, "--data", data / "test.csv",
                              "--out", report)
    return runs


def test_every_verb_runs_with_two_sensitive_columns(chain, data):
    for verb, run in chain.items():
        assert run.returncode == 0, (verb, run.stderr)
    meta = json.loads((data / "model" / "skpanda-model.json").read_text())
    assert meta["sensitive"] == SENSITIVE
    assert "sex" not in meta["features"] and "race" not in meta["features"]
    final_meta = json.loads((data / "final" / "skpanda-model.json").read_text())
    assert final_meta["sensitive"] == SENSITIVE
    assert len(pd.read_csv(data / "pred.csv")) == len(pd.read_csv(data / "test.csv"))


def test_report_groups_are_the_combined_groups(chain, data):
    assert chain["report"].returncode == 0, chain["report"].stderr
    test = pd.read_csv(data / "test.csv")
    expected = pd.Series(combine_groups(test[SENSITIVE])).value_counts().sort_index()
    table = pd.read_csv(data / "report" / "groups.csv").set_index("group")
    assert table.loc["all", "n"] == len(test)
    got = table.drop(index="all")["n"].sort_index()
    assert got.index.tolist() == expected.index.tolist()
    assert len(got) == 6  # 2 sexes x 3 races
    assert got.tolist() == expected.tolist()
    assert "groups by `sex × race`" in (data / "report" / "report.md").read_text()


def test_small_combined_group_is_named_in_the_train_warning(chain, data):
    # The pool learner warns when a group's sampling error exceeds rho/2; with
    # 40 labeled rows a sex x race cell is that small, and the note names it
    # by its combined label.
    assert chain["train"].returncode == 0, chain["train"].stderr
    notes = [line for line in chain["train"].stderr.splitlines() if "sampling error" in line]
    assert len(notes) == 1, chain["train"].stderr
    labels = set(combine_groups(pd.read_csv(data / "pool.csv")[SENSITIVE]))
    assert any(f'group "{label}"' in notes[0] for label in labels), notes[0]


def test_certification_refusal_names_the_small_combinations(chain, data, tmp_path):
    # rho=0.04 cannot be certified with a few pool rows per sex x race cell: the
    # one-line refusal names the combinations with the largest sampling error.
    run = _in_process("train", "--model", data / "model", "--labeled", data / "labeled.csv",
                      "--pool", data / "pool.csv", "--confidence", "0.95",
                      "--out", tmp_path / "final")
    assert run.returncode == 1
    err = run.stderr.strip()
    assert "\n" not in err and "cannot be certified" in err, err
    counts = pd.Series(combine_groups(pd.read_csv(data / "pool.csv")[SENSITIVE])).value_counts()
    smallest = counts.index[counts == counts.min()]
    assert any(f'"{group}" (n={counts.min()}' in err for group in smallest), err


def test_sensitive_as_feature_makes_every_sensitive_column_a_feature(data, tmp_path):
    assert _fit(data, tmp_path / "m", "--sensitive-as-feature") == 0
    _, meta = load_model(tmp_path / "m")
    assert {"sex", "race"} <= set(meta["features"])
    assert meta["sensitive"] == SENSITIVE


@pytest.mark.parametrize("sensitive, message", [
    ("sex,rce", "has no column(s) ['rce']"),
    ("sex,", "has an empty column name"),
    ("sex,,race", "has an empty column name"),
    ("sex,sex", "names ['sex'] more than once"),
])
def test_bad_sensitive_list_is_one_line_error(data, tmp_path, capsys, sensitive, message):
    assert _fit(data, tmp_path / "m", sensitive=sensitive) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("skpanda: error:") and "\n" not in err and message in err, err
    assert not (tmp_path / "m").exists()


def test_bad_sensitive_list_on_the_console(data, tmp_path):
    run = _console("fit", "--data", data / "d0.csv", "--target", "income", "--sensitive",
                   "sex,race,sex", "--out", tmp_path / "m")
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "more than once" in run.stderr, run.stderr


def test_spaces_around_names_are_ignored(data, tmp_path):
    assert _fit(data, tmp_path / "m", sensitive="sex, race") == 0
    assert load_model(tmp_path / "m")[1]["sensitive"] == SENSITIVE


def test_a_column_named_with_a_comma_wins_over_the_split(tmp_path):
    rng = np.random.RandomState(1)
    df = pd.DataFrame({"age": rng.randint(18, 70, 80), "sex,race": rng.choice(["a", "b"], 80),
                       "sex": rng.choice(["F", "M"], 80), "race": rng.choice(["W", "B"], 80)})
    df["income"] = (df["age"] > 40).astype(int)
    df.to_csv(tmp_path / "d0.csv", index=False)
    assert _fit(tmp_path, tmp_path / "m") == 0
    _, meta = load_model(tmp_path / "m")
    assert meta["sensitive"] == "sex,race"  # one column: stored as its name, as before
    assert {"sex", "race"} <= set(meta["features"])


def test_single_sensitive_column_is_stored_as_before(data, tmp_path):
    assert _fit(data, tmp_path / "m", sensitive="sex") == 0
    assert load_model(tmp_path / "m")[1]["sensitive"] == "sex"


def test_chunked_select_equals_whole_file_select_with_two_columns(data, tmp_path):
    # group_random draws per group: its rows depend on the combined groups.
    model = tmp_path / "m"
    assert _fit(data, model, method="group_random") == 0
    pipe, meta = load_model(model)
    pool = pd.read_csv(data / "pool.csv")
    reference = pool["id"].to_numpy()[pipe.select(
        pool[meta["features"]], 25, sensitive_features=combine_groups(pool[SENSITIVE]))]
    for chunk_size in ("7", "64", "100000"):
        assert main(["select", "--model", str(model), "--pool", str(data / "pool.csv"),
                     "--budget", "25", "--id-column", "id", "--chunk-size", chunk_size,
                     "--out", str(tmp_path / "o.csv"), "--no-progress"]) == 0
        assert pd.read_csv(tmp_path / "o.csv")["id"].tolist() == reference.tolist()


def test_pool_lacking_one_sensitive_column(data, tmp_path, capsys):
    model = tmp_path / "m"
    assert _fit(data, model, method="group_random") == 0
    pd.read_csv(data / "pool.csv").drop(columns="race").to_csv(tmp_path / "p.csv", index=False)
    assert main(["select", "--model", str(model), "--pool", str(tmp_path / "p.csv"),
                 "--budget", "5", "--out", str(tmp_path / "o.csv")]) == 1
    err = capsys.readouterr().err
    assert "['sex', 'race']" in err and "lacks ['race']" in err, err


def test_reproduce_csv_dataset_forms_combined_groups(data):
    X, y, groups = load_dataset("csv", path=str(data / "d0.csv"), target="income",
                                sensitive=SENSITIVE, drop=["id"])
    d0 = pd.read_csv(data / "d0.csv")
    assert groups.tolist() == combine_groups(d0[SENSITIVE]).tolist()
    assert not {"sex", "race", "id", "income"} & set(X.columns)
