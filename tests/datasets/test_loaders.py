"""Tests for the loaders that read external files (COMPAS, German, Census KDD)."""

import gzip
import re

import numpy as np
import pandas as pd
import pytest

from skpanda.datasets import get_data_home, load_census_kdd, load_compas, load_german

HAVE_SHARED = get_data_home().is_dir()
needs_shared = pytest.mark.skipif(not HAVE_SHARED, reason="shared/datasets not found")


@needs_shared
def test_compas_rows_features_and_no_leakage():
    compas = load_compas()
    assert compas.data.shape == (7_214, 10)
    assert compas.target.name == "two_year_recid"
    assert set(compas.target.unique()) == {0, 1}
    leaking = {"is_recid", "two_year_recid", "decile_score", "score_text", "event", "end"}
    assert not leaking & set(compas.feature_names)
    assert compas.sensitive.name == "race"
    assert {"African-American", "Caucasian"} <= set(compas.sensitive)
    assert set(load_compas(sensitive="sex").sensitive) == {"Male", "Female"}


@needs_shared
def test_german_rows_target_and_groups():
    german = load_german()
    assert german.data.shape == (1_000, 20)
    assert german.target.sum() == 700  # 700 good, 300 bad credit
    assert german.sensitive.value_counts().to_dict() == {"male": 690, "female": 310}
    age = load_german(sensitive="age").sensitive
    assert age.name == "age_group"
    assert ((age == "25+") == (german.data["age"] >= 25)).all()


@needs_shared
def test_census_kdd_rows_target_and_weight_dropped():
    X, y, sex = load_census_kdd(return_X_y=True)
    assert X.shape == (299_285, 40)
    assert "instance weight" not in X.columns and "income" not in X.columns
    assert set(y.unique()) == {0, 1}
    assert y.mean() == pytest.approx(0.062, abs=1e-3)
    assert set(sex) == {"Male", "Female"}
    assert not pd.api.types.is_numeric_dtype(X["detailed industry recode"])


def test_german_hand_made_file_is_decoded(tmp_path):
    rows = [
        "A11 6 A34 A43 1169 A65 A75 4 A93 A101 4 A121 67 A143 A152 2 A173 1 A192 A201 1",
        "A12 48 A32 A43 5951 A61 A73 2 A92 A101 2 A121 22 A143 A152 1 A173 1 A191 A201 2",
        "A14 12 A34 A46 2096 A61 A74 2 A95 A101 3 A121 25 A143 A152 1 A172 2 A191 A201 2",
    ]
    (tmp_path / "german").mkdir()
    with gzip.open(tmp_path / "german" / "german.data.gz", "wt") as handle:
        handle.write("\n".join(rows) + "\n")
    X, y, sex = load_german(data_home=tmp_path, return_X_y=True, as_frame=False)
    assert X.shape == (3, 20) and X.dtype == object
    np.testing.assert_array_equal(y, [1, 0, 0])
    np.testing.assert_array_equal(sex, ["male", "female", "female"])
    ages = load_german(data_home=tmp_path, sensitive="age").sensitive
    assert ages.tolist() == ["25+", "<25", "25+"]


def test_compas_hand_made_file_keeps_only_screening_columns(tmp_path):
    frame = pd.DataFrame(
        {
            "id": [1, 2],
            "sex": ["Male", "Female"],
            "age": [69, 34],
            "age_cat": ["Greater than 45", "25 - 45"],
            "race": ["Other", "African-American"],
            "juv_fel_count": [0, 0],
            "juv_misd_count": [0, 1],
            "juv_other_count": [0, 0],
            "priors_count": [0, 4],
            "c_charge_degree": ["F", "M"],
            "days_b_screening_arrest": [-1.0, None],
            "decile_score": [1, 9],
            "is_recid": [0, 1],
            "two_year_recid": [0, 1],
        }
    )
    (tmp_path / "compas").mkdir()
    frame.to_csv(tmp_path / "compas" / "compas-scores-two-years.csv.gz", index=False)
    compas = load_compas(data_home=tmp_path, sensitive="sex")
    assert compas.data.shape == (2, 10)
    assert compas.target.tolist() == [0, 1]
    assert compas.sensitive.tolist() == ["Male", "Female"]
    assert "decile_score" not in compas.data and "is_recid" not in compas.data


@pytest.mark.parametrize(
    "loader, relative",
    [
        (load_compas, "compas/compas-scores-two-years.csv.gz"),
        (load_german, "german/german.data.gz"),
        (load_census_kdd, "census_kdd/census_income_1994_1995_train.csv.gz"),
    ],
)
def test_missing_file_names_the_path(loader, relative, tmp_path):
    expected = str(tmp_path / relative)
    with pytest.raises(FileNotFoundError, match=re.escape(expected)) as info:
        loader(data_home=tmp_path)
    assert "data_home=" in str(info.value) and "SKPANDA_DATA" in str(info.value)


def test_environment_variable_sets_the_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SKPANDA_DATA", str(tmp_path))
    assert get_data_home() == tmp_path
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "german"))):
        load_german()


@needs_shared
def test_data_home_is_found_from_any_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("SKPANDA_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    home = get_data_home()
    assert home.parts[-2:] == ("shared", "datasets") and home.is_dir()


@pytest.mark.parametrize("loader", [load_compas, load_german, load_census_kdd])
def test_bad_sensitive_raises_before_reading(loader, tmp_path):
    with pytest.raises(ValueError, match="sensitive='nope' is not supported"):
        loader(data_home=tmp_path, sensitive="nope")
