"""``skpanda train``: the final model from labeled rows; its folder; every error path."""

import json

import numpy as np
import pandas as pd
import pytest

from skpanda.cli import load_model, main
from skpanda.cli._final import load_final
from skpanda.learners import PoolThresholdClassifier


def _train(model, labeled, pool, out, *extra):
    return main(["train", "--model", str(model), "--labeled", str(labeled), "--pool", str(pool),
                 "--out", str(out), *extra])


def test_default_learner_is_the_pool_learner_with_the_bound_of_fit(csvs, final):
    meta = json.loads((final / "skpanda-model.json").read_text())
    assert meta["format"] == "skpanda-final-model" and meta["learner"] == "pool"
    assert meta["rho"] == 0.05 and meta["constraint"] == "demographic_parity"  # from fit
    assert meta["n_labeled"] == 60 and meta["needs_groups_at_predict"]
    assert sorted(p.name for p in final.iterdir()) == [
        "learner.skops", "manifest.json", "preprocessor.skops", "skpanda-model.json"]
    model = load_final(final)
    assert isinstance(model.learner, PoolThresholdClassifier) and model.learner.rho == 0.05


def test_train_equals_fit_selected_of_the_library(csvs, selected, final):
    """The CLI's model is the selector's ``fit_selected`` with the pool learner, same rows."""
    model, labeled = selected
    pipe, meta = load_model(model)
    pool = pd.read_csv(csvs / "pool.csv")
    rows = pd.read_csv(labeled)
    y_pool = np.full(len(pool), "<=50K", dtype=object)
    y_pool[rows["row"]] = rows["income"]
    selector = pipe.steps[-1][1].set_params(estimator=PoolThresholdClassifier(rho=0.05,
                                                                              random_state=0))
    X_pool = pipe[:-1].transform(pool[meta["features"]])
    clf = selector.fit_selected(X_pool, y_pool, positions=rows["row"].to_numpy(),
                                sensitive_features=pool["sex"].to_numpy())
    test = pd.read_csv(csvs / "test.csv")
    expected = clf.predict(pipe[:-1].transform(test[meta["features"]]),
                           sensitive_features=test["sex"].to_numpy())
    got = load_final(final).predict_positive(test, test["sex"].to_numpy())
    # fit_selected's model predicts the labels; the final folder's predict_positive 0/1
    np.testing.assert_array_equal(got, (expected == meta["classes"][1]).astype(int))


def test_blank_labels_are_skipped_with_a_note(csvs, selected, helpers, tmp_path, capsys):
    model, _ = selected
    labeled = helpers.label(csvs, csvs / "to_label.csv", tmp_path / "l.csv", blank=[0, 5, 9])
    assert _train(model, labeled, csvs / "pool.csv", tmp_path / "f") == 0
    assert "3 of 60 rows of --labeled have no 'income' label and are skipped" in \
        capsys.readouterr().err
    assert json.loads((tmp_path / "f" / "skpanda-model.json").read_text())["n_labeled"] == 57


@pytest.mark.parametrize("learner", ["eg", "lr"])
def test_other_learners_round_trip(csvs, selected, tmp_path, learner):
    """``eg`` cannot be stored by skops: its training arrays are, and it is refit on load."""
    model, labeled = selected
    assert _train(model, labeled, csvs / "pool.csv", tmp_path / "f", "--learner", learner) == 0
    files = sorted(p.name for p in (tmp_path / "f").iterdir())
    stored = "learner-data.npz" if learner == "eg" else "learner.skops"
    assert stored in files
    test = pd.read_csv(csvs / "test.csv")
    first, second = load_final(tmp_path / "f"), load_final(tmp_path / "f")
    np.testing.assert_array_equal(first.predict_proba(test), second.predict_proba(test))
    assert set(first.predict(test)) <= {"<=50K", ">50K"}


def test_id_column_keys_the_rows(csvs, tmp_path):
    assert main(["select", "--model", str(csvs / "model"), "--pool", str(csvs / "pool.csv"),
                 "--budget", "30", "--id-column", "id", "--out", str(tmp_path / "t.csv")]) == 0
    rows = pd.read_csv(tmp_path / "t.csv")
    truth = pd.read_csv(csvs / "truth.csv")["income"].to_numpy()
    pool_ids = pd.read_csv(csvs / "pool.csv")["id"].tolist()
    rows["income"] = truth[[pool_ids.index(i) for i in rows["id"]]]
    rows.to_csv(tmp_path / "l.csv", index=False)
    assert _train(csvs / "model", tmp_path / "l.csv", csvs / "pool.csv", tmp_path / "f",
                  "--id-column", "id") == 0


def test_panda_final_folder_holds_the_encoder(csvs, helpers, tmp_path):
    pytest.importorskip("skpanda.panda")
    tiny = ["--param", "n_iter=2", "--param", "d_model=8", "--param", "n_heads=2",
            "--param", "n_inducing=4", "--param", "n_memory=4", "--param", "n_samples=1"]
    assert helpers.fit(csvs, tmp_path / "p", "--method", "panda", "--budget", "20", *tiny) == 0
    assert main(["select", "--model", str(tmp_path / "p"), "--pool", str(csvs / "pool.csv"),
                 "--budget", "40", "--out", str(tmp_path / "t.csv")]) == 0
    labeled = helpers.label(csvs, tmp_path / "t.csv", tmp_path / "l.csv")
    assert _train(tmp_path / "p", labeled, csvs / "pool.csv", tmp_path / "f") == 0
    assert (tmp_path / "f" / "panda.pt").is_file()
    model = load_final(tmp_path / "f")
    test = pd.read_csv(csvs / "test.csv")
    assert model.transform(test).shape == (len(test), 8)  # PANDA's representation
    assert model.predict(test, test["sex"].to_numpy()).shape == (len(test),)


def _edit(csvs, tmp_path, how):
    rows = pd.read_csv(csvs / "labeled.csv")
    pool = pd.read_csv(csvs / "pool.csv")
    if how == "all_blank":
        rows["income"] = np.nan
    elif how == "unknown_label":
        rows.loc[2, "income"] = "maybe"
    elif how == "row_out_of_range":
        rows.loc[0, "row"] = 5000
    elif how == "twice":
        rows.loc[1, "row"] = rows.loc[0, "row"]
    elif how == "other_pool":
        pool = pool.iloc[::-1]
    elif how == "no_sex_in_pool":
        pool = pool.drop(columns="sex")
    elif how == "no_target":
        rows = rows.drop(columns="income")
    rows.to_csv(tmp_path / "l.csv", index=False)
    pool.to_csv(tmp_path / "p.csv", index=False)
    return tmp_path / "l.csv", tmp_path / "p.csv"


@pytest.mark.parametrize("how, match", [
    ("all_blank", "is blank on every row; fill in the labels first"),
    ("unknown_label", "holds ['maybe'], not the model's classes ['<=50K', '>50K']"),
    ("row_out_of_range", "not row numbers of --pool (0 to 299)"),
    ("twice", "names a pool row twice"),
    ("other_pool", "pass the pool that `skpanda select` read"),
    ("no_sex_in_pool", "--learner pool (PoolThresholdClassifier) needs the groups"),
    ("no_target", "has no column(s) ['income']"),
])
def test_train_errors(csvs, selected, helpers, tmp_path, capsys, how, match):
    labeled, pool = _edit(csvs, tmp_path, how)
    code = _train(selected[0], labeled, pool, tmp_path / "f")
    helpers.one_line_error(capsys, code, match)
    assert not (tmp_path / "f").exists()


def test_a_final_folder_is_not_a_selection_model_and_vice_versa(csvs, selected, final, helpers,
                                                                capsys):
    code = main(["select", "--model", str(final), "--pool", str(csvs / "pool.csv"),
                 "--budget", "3", "--out", str(csvs / "x.csv")])
    helpers.one_line_error(capsys, code, "--model")
    code = main(["predict", "--model", str(selected[0]), "--data", str(csvs / "test.csv"),
                 "--out", str(csvs / "x.csv")])
    helpers.one_line_error(capsys, code, "is a selection model of `skpanda fit`; train the")


def test_a_tampered_final_folder_is_refused(csvs, final, helpers, tmp_path, capsys):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(final, bad)
    data = bytearray((bad / "learner.skops").read_bytes())
    data[len(data) // 2] ^= 1
    (bad / "learner.skops").write_bytes(bytes(data))
    code = main(["predict", "--model", str(bad), "--data", str(csvs / "test.csv"),
                 "--out", str(tmp_path / "o.csv")])
    helpers.one_line_error(capsys, code, "does not match its size and SHA-256")


def test_confidence_certifies_the_pool_learner_or_refuses_with_the_bound(csvs, selected,
                                                                           tmp_path, capsys):
    model, labeled = selected
    pool = csvs / "pool.csv"
    # 300 pool rows cannot certify rho = .05: one line naming the certifiable bound
    assert _train(model, labeled, pool, tmp_path / "no", "--confidence", "0.95") == 1
    err = capsys.readouterr().err
    assert err.startswith("skpanda: error:") and "certif" in err and err.count("\n") == 1
    assert not (tmp_path / "no").exists()
    assert _train(model, labeled, pool, tmp_path / "ok", "--confidence", "0.95",
                  "--rho", "0.6") == 0
    assert "certified_bound_" in capsys.readouterr().err
    meta = json.loads((tmp_path / "ok" / "skpanda-model.json").read_text())
    assert meta["confidence"] == 0.95
    learner = load_final(tmp_path / "ok").learner
    assert learner.confidence == 0.95 and learner.certified_bound_ <= 0.6


def test_without_confidence_the_pool_learner_says_what_this_pool_can_certify(
        csvs, selected, tmp_path, capsys):
    import re

    from skpanda.learners import certifiable_bound

    model, labeled = selected
    pool = csvs / "pool.csv"
    assert _train(model, labeled, pool, tmp_path / "f") == 0
    err = capsys.readouterr().err
    tightest = certifiable_bound(pd.read_csv(pool)["sex"].to_numpy(), confidence=0.95)
    found = re.search(r"rho=0.05 holds on the 300 pool rows, not certified on new data; "
                      r"--confidence 0.95 certifies --rho (\d\.\d{3}) or above", err)
    assert found and float(found.group(1)) == pytest.approx(tightest, abs=5e-4)
    # the number is one the pool really certifies (with room for a non-constant classifier)
    rho = f"{float(found.group(1)) + 0.05:.3f}"
    assert _train(model, labeled, pool, tmp_path / "ok", "--confidence", "0.95",
                  "--rho", rho) == 0
    assert "certified_bound_" in capsys.readouterr().err
    assert _train(model, labeled, pool, tmp_path / "lr", "--learner", "lr") == 0
    assert "not certified" not in capsys.readouterr().err  # no bound, nothing to certify


def test_confidence_is_refused_for_a_learner_without_a_certificate(csvs, selected, tmp_path,
                                                                  capsys):
    model, labeled = selected
    assert _train(model, labeled, csvs / "pool.csv", tmp_path / "f", "--learner", "lr",
                  "--confidence", "0.95") == 1
    assert "--confidence is for the pool learners" in capsys.readouterr().err
