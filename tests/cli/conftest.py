"""Small CSVs and fitted models shared by the tests of the ``skpanda`` verbs."""

import numpy as np
import pandas as pd
import pytest

from skpanda.cli import main


@pytest.fixture(scope="package")
def csvs(tmp_path_factory):
    """d0.csv (labeled), pool.csv (no label), truth.csv (the pool's labels), test.csv."""
    tmp = tmp_path_factory.mktemp("cli_csvs")
    rng = np.random.RandomState(0)
    n = 900
    df = pd.DataFrame({"id": [f"r{i:03d}" for i in range(n)],
                       "age": rng.randint(18, 70, n).astype(float),
                       "job": rng.choice(["a", "b", "c"], n),
                       "sex": rng.choice(["F", "M"], n, p=[0.35, 0.65])})
    df["income"] = np.where((df["age"] > 40) ^ (rng.rand(n) < 0.2), ">50K", "<=50K")
    df.loc[[3, 17], "job"] = np.nan  # missing cells must survive select -> train
    return write_csvs(tmp, df, 300, 300)


def write_csvs(tmp, df, n_d0, n_pool):
    """Split ``df`` into d0.csv, pool.csv (no ``income``), truth.csv (its labels), test.csv."""
    pool = df.iloc[n_d0:n_d0 + n_pool]
    df.iloc[:n_d0].to_csv(tmp / "d0.csv", index=False)
    pool.drop(columns="income").to_csv(tmp / "pool.csv", index=False)
    pool[["income"]].to_csv(tmp / "truth.csv", index=False)
    df.iloc[n_d0 + n_pool:].to_csv(tmp / "test.csv", index=False)
    return tmp


def fit(csvs, out, *extra):
    return main(["fit", "--data", str(csvs / "d0.csv"), "--target", "income", "--sensitive",
                 "sex", "--drop", "id", "--out", str(out), "--no-progress", *extra])


def label(csvs, to_label, out, blank=()):
    """labeled.csv: ``to_label`` with the target filled in from truth.csv (``blank`` rows not)."""
    rows = pd.read_csv(to_label)
    truth = pd.read_csv(csvs / "truth.csv")["income"].to_numpy()
    rows["income"] = truth[rows["row"]]
    rows.loc[list(blank), "income"] = np.nan
    rows.to_csv(out, index=False)
    return out


@pytest.fixture(scope="package")
def selected(csvs):
    """A random-rows model and the labeled file of its 60 selected rows."""
    model = csvs / "model"
    assert fit(csvs, model, "--rho", "0.05") == 0
    assert main(["select", "--model", str(model), "--pool", str(csvs / "pool.csv"),
                 "--budget", "60", "--out", str(csvs / "to_label.csv")]) == 0
    return model, label(csvs, csvs / "to_label.csv", csvs / "labeled.csv")


@pytest.fixture(scope="package")
def final(csvs, selected):
    """A final model of ``skpanda train`` (default learner)."""
    model, labeled = selected
    out = csvs / "final"
    assert main(["train", "--model", str(model), "--labeled", str(labeled), "--pool",
                 str(csvs / "pool.csv"), "--out", str(out)]) == 0
    return out


def one_line_error(capsys, code, match):
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("skpanda: error: "), err
    assert match in err, err


@pytest.fixture(scope="package")
def helpers():
    """The helpers above, for the test modules (importlib mode: no conftest imports)."""
    from types import SimpleNamespace

    return SimpleNamespace(fit=fit, label=label, one_line_error=one_line_error,
                           write_csvs=write_csvs)
