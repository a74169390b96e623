"""``skpanda predict``: one line per row; groups required by a group-aware learner."""

import numpy as np
import pandas as pd

from skpanda.cli import main
from skpanda.cli._final import load_final


def test_predictions_file(csvs, final, tmp_path):
    out = tmp_path / "p.csv"
    assert main(["predict", "--model", str(final), "--data", str(csvs / "test.csv"),
                 "--out", str(out)]) == 0
    pred = pd.read_csv(out)
    test = pd.read_csv(csvs / "test.csv")
    assert list(pred.columns) == ["row", "prediction", "probability"]
    assert pred["row"].tolist() == list(range(len(test)))
    assert set(pred["prediction"]) <= {"<=50K", ">50K"} and pred["probability"].between(0, 1).all()
    model = load_final(final)
    expected = model.predict(test, test["sex"].to_numpy())
    np.testing.assert_array_equal(pred["prediction"].to_numpy(), expected)
    # the pool learner's probability is its thresholded rule: 1 exactly where it predicts >50K
    assert ((pred["probability"] > 0.5) == (pred["prediction"] == ">50K")).all()


def test_id_column_is_the_key(csvs, final, tmp_path):
    assert main(["predict", "--model", str(final), "--data", str(csvs / "test.csv"),
                 "--id-column", "id", "--out", str(tmp_path / "p.csv")]) == 0
    assert pd.read_csv(tmp_path / "p.csv")["id"].str.match(r"r\d{3}").all()


def test_group_aware_learner_needs_the_group_column(csvs, final, helpers, tmp_path, capsys):
    pd.read_csv(csvs / "test.csv").drop(columns="sex").to_csv(tmp_path / "t.csv", index=False)
    code = main(["predict", "--model", str(final), "--data", str(tmp_path / "t.csv"),
                 "--out", str(tmp_path / "p.csv")])
    helpers.one_line_error(capsys, code, "lacks the sensitive column 'sex': the model's learner "
                                         "(pool) has one threshold per group")
    assert not (tmp_path / "p.csv").exists()


def test_group_blind_learner_predicts_without_it(csvs, selected, tmp_path):
    model, labeled = selected
    assert main(["train", "--model", str(model), "--labeled", str(labeled), "--pool",
                 str(csvs / "pool.csv"), "--learner", "lr", "--out", str(tmp_path / "f")]) == 0
    pd.read_csv(csvs / "test.csv").drop(columns="sex").to_csv(tmp_path / "t.csv", index=False)
    assert main(["predict", "--model", str(tmp_path / "f"), "--data", str(tmp_path / "t.csv"),
                 "--out", str(tmp_path / "p.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "p.csv")) == 300


def test_missing_feature_column(csvs, final, helpers, tmp_path, capsys):
    pd.read_csv(csvs / "test.csv").drop(columns="age").to_csv(tmp_path / "t.csv", index=False)
    code = main(["predict", "--model", str(final), "--data", str(tmp_path / "t.csv"),
                 "--out", str(tmp_path / "p.csv")])
    helpers.one_line_error(capsys, code, "has no column(s) ['age']")
