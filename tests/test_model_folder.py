"""Model folders: manifest checks, skops allow-list, atomic writes (skpanda/_model_folder.py)."""

import json
import os

import numpy as np
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skpanda import __version__
from skpanda._model_folder import (
    _is_safe_class, dump_skops, load_skops, verify_manifest, write_folder_atomically,
    write_manifest)


def _write(files):
    def write(tmp):
        for name, text in files.items():
            (tmp / name).write_text(text)
    return write


def test_manifest_lists_every_file_and_catches_changes(tmp_path):
    write_folder_atomically(tmp_path / "m", _write({"a.json": "{}", "b.bin": "xyz"}))
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["skpanda_version"] == __version__
    assert sorted(manifest["files"]) == ["a.json", "b.bin"]
    assert manifest["files"]["b.bin"]["size"] == 3
    assert sorted(verify_manifest(tmp_path / "m")) == ["a.json", "b.bin"]
    (tmp_path / "m" / "b.bin").write_text("xyw")  # same size, one byte changed
    with pytest.raises(ValueError, match=r"'b.bin' does not match its size and SHA-256"):
        verify_manifest(tmp_path / "m")
    (tmp_path / "m" / "b.bin").unlink()
    with pytest.raises(ValueError, match=r"'b.bin' listed in manifest.json .* is missing"):
        verify_manifest(tmp_path / "m")


def test_manifest_names_outside_the_folder_are_refused(tmp_path):
    (tmp_path / "secret").write_text("x")
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({
        "format": "skpanda-model-manifest",
        "files": {"../secret": {"size": 1, "sha256": "0"}}}))
    with pytest.raises(ValueError, match="is missing"):
        verify_manifest(folder)


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_a_failed_write_keeps_the_previous_folder(tmp_path, error):
    folder = tmp_path / "model"
    write_folder_atomically(folder, _write({"a.json": "old"}))
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def half_then_fail(tmp):  # a kill mid-write: one file written, the next fails
        (tmp / "a.json").write_text("new")
        raise error

    with pytest.raises(type(error)):
        write_folder_atomically(folder, half_then_fail)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no temp sibling left
    write_folder_atomically(folder, _write({"a.json": "new"}))
    assert (folder / "a.json").read_text() == "new" and sorted(os.listdir(tmp_path)) == ["model"]


def test_a_folder_that_is_not_a_model_is_never_replaced(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("precious")
    with pytest.raises(ValueError, match="exists and is not a model folder"):
        write_folder_atomically(tmp_path / "docs", _write({"a.json": "{}"}))
    assert (tmp_path / "docs" / "thesis.tex").read_text() == "precious"


@pytest.mark.parametrize("name, safe", [
    ("sklearn.linear_model._logistic.LogisticRegression", True),
    ("skpanda.selectors._random.RandomQuerySelector", True),
    ("numpy.dtype", True),
    ("sklearn.utils.validation.check_array", False),  # a function, not a class
    ("posix.system", False), ("builtins.eval", False), ("__main__.Evil", False),
    ("skpanda.cli.CLIError", False),  # skpanda, but not a module skpanda stores
])
def test_only_classes_of_the_safe_modules_are_trusted(name, safe):
    assert _is_safe_class(name) is safe


def test_skops_round_trip_and_refusal_of_foreign_types(tmp_path):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 3)), rng.randint(0, 2, 40)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    dump_skops(model, tmp_path / "ok.skops")
    np.testing.assert_array_equal(load_skops(tmp_path / "ok.skops").predict(X), model.predict(X))
    skops.io.dump({"model": model, "hook": os.system}, tmp_path / "evil.skops")
    with pytest.raises(ValueError, match="names types that skpanda never writes"):
        load_skops(tmp_path / "evil.skops")
    (tmp_path / "junk.skops").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ValueError, match="is not a skops file"):
        load_skops(tmp_path / "junk.skops")


def test_write_manifest_skips_itself(tmp_path):
    (tmp_path / "x").write_text("1")
    assert list(write_manifest(tmp_path)["files"]) == ["x"]
