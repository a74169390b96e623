"""Model folders: manifest checks, signing, the skops allow-list, atomic writes.

The attacks of issue #18 are here twice: as crafted ``.skops`` files given to
:func:`load_skops` (a hypothesis property over names from numpy, scipy,
scikit-learn, fairlearn, torch and skpanda), and as model folders with a
recomputed manifest given to ``python -m skpanda select``.
"""

import inspect
import json
import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops
import skops.io
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skpanda import __version__
from skpanda._model_folder import (
    ALLOWED_TYPES, SKOPS_ALLOWED, check_signature, dump_skops, load_skops, no_space,
    sign_manifest, skops_types, verify_manifest, write_folder_atomically, write_manifest)


def _write(files):
    def write(tmp):
        for name, text in files.items():
            (tmp / name).write_text(text)
    return write


# ------------------------------------------------------------------ manifest
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


@pytest.mark.parametrize("name", ["../secret", "/etc/passwd", "sub/../../secret", ".", ".."])
def test_manifest_names_outside_the_folder_are_refused(tmp_path, name):
    (tmp_path / "secret").write_text("x")
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({
        "format": "skpanda-model-manifest",
        "files": {name: {"size": 1, "sha256": "0"}}}))
    with pytest.raises(ValueError, match="a path outside the model folder"):
        verify_manifest(folder)


def test_a_listed_file_that_links_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "secret").write_text("x")
    folder = tmp_path / "m"
    write_folder_atomically(folder, _write({"a.json": "{}"}))
    (folder / "b.bin").symlink_to(tmp_path / "secret")
    write_manifest(folder)  # the attacker recomputes the manifest
    with pytest.raises(ValueError, match="is a link to .* outside the model folder"):
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


@pytest.mark.parametrize("error", [
    OSError(28, "No space left on device"),
    RuntimeError("[enforce fail at inline_container.cc:672] . PytorchStreamWriter failed "
                 "writing file data/0: file write failed")])
def test_a_full_disk_is_one_line_naming_it(tmp_path, error):
    folder = tmp_path / "model"
    write_folder_atomically(folder, _write({"a.json": "old"}))

    def fail(tmp):
        raise error

    with pytest.raises(OSError) as info:
        write_folder_atomically(folder, fail)
    assert str(info.value).startswith("no space left on device while writing the model folder")
    assert "\n" not in str(info.value) and (folder / "a.json").read_text() == "old"
    assert no_space(RuntimeError("shape mismatch"), "x") is None
    assert no_space(OSError(13, "Permission denied"), "x") is None


def test_a_folder_that_is_not_a_model_is_never_replaced(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.tex").write_text("precious")
    with pytest.raises(ValueError, match="exists and is not a model folder"):
        write_folder_atomically(tmp_path / "docs", _write({"a.json": "{}"}))
    assert (tmp_path / "docs" / "thesis.tex").read_text() == "precious"


def test_write_manifest_skips_itself(tmp_path):
    (tmp_path / "x").write_text("1")
    assert list(write_manifest(tmp_path)["files"]) == ["x"]


# ------------------------------------------------------------------ signing
def test_a_signed_folder_round_trips_and_any_tampering_is_refused(tmp_path):
    folder = tmp_path / "m"
    write_folder_atomically(folder, _write({"a.json": "{}"}), key=b"k1")
    assert sorted(verify_manifest(folder, key=b"k1")) == ["a.json"]
    with pytest.raises(ValueError, match="signed with another key or altered"):
        verify_manifest(folder, key=b"k2")
    (folder / "a.json").write_text("[]")
    write_manifest(folder)  # every digest rewritten: integrity holds, authenticity not
    with pytest.warns(UserWarning, match="signature is not checked"):
        assert sorted(verify_manifest(folder)) == ["a.json"]
    with pytest.raises(ValueError, match="signed with another key or altered"):
        verify_manifest(folder, key=b"k1")
    (folder / "manifest.hmac").unlink()
    with pytest.raises(ValueError, match="is not signed, but a key was given"):
        verify_manifest(folder, key=b"k1")


def test_a_signed_folder_without_a_key_is_read_with_a_warning(tmp_path):
    folder = tmp_path / "m"
    write_folder_atomically(folder, _write({"a.json": "{}"}))
    sign_manifest(folder, b"k")
    with pytest.warns(UserWarning, match="is signed but no key was given"):
        check_signature(folder, None)


# ------------------------------------------------------------------ skops allow-list
def _craft(path, node):
    """A ``.skops`` zip whose schema is ``node`` (what an attacker writes)."""
    from skops.io._protocol import PROTOCOL

    schema = {**node, "protocol": PROTOCOL, "_skops_version": skops.__version__}
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("schema.json", json.dumps(schema))
    return path


def _json(value):
    return {"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode",
            "content": json.dumps(value), "is_json": True}


def _tuple(*values):
    return {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode",
            "content": [_json(v) for v in values]}


def _dict(**values):
    return {"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode",
            "content": {k: _json(v) for k, v in values.items()},
            "key_types": {"__class__": "list", "__module__": "builtins",
                          "__loader__": "ListNode",
                          "content": [_node("TypeNode", "builtins", "str") for _ in values]}}


def _node(loader, module, name, **extra):
    return {"__class__": name, "__module__": module, "__loader__": loader, **extra}


def test_skops_round_trip_and_refusal_of_foreign_types(tmp_path):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 3)), rng.randint(0, 2, 40)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    dump_skops(model, tmp_path / "ok.skops")
    np.testing.assert_array_equal(load_skops(tmp_path / "ok.skops").predict(X), model.predict(X))
    skops.io.dump({"model": model, "hook": os.system}, tmp_path / "evil.skops")
    with pytest.raises(ValueError, match=r"names types that skpanda never writes \['posix"):
        load_skops(tmp_path / "evil.skops")
    with pytest.raises(ValueError, match="skpanda cannot store this object safely"):
        dump_skops({"hook": os.system}, tmp_path / "no.skops")
    assert not (tmp_path / "no.skops").exists()
    (tmp_path / "junk.skops").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ValueError, match="is not a skops file"):
        load_skops(tmp_path / "junk.skops")


def test_an_allowed_type_under_another_loader_is_refused(tmp_path):
    # LogisticRegression is allowed as an ObjectNode only, never called as a constructor
    path = _craft(tmp_path / "x.skops", _node(
        "ConstructorFromReduceNode", "sklearn.linear_model._logistic", "LogisticRegression",
        content=_tuple()))
    with pytest.raises(ValueError, match=r"LogisticRegression \(ConstructorFromReduceNode\)"):
        load_skops(path)


_SIDE_EFFECT_MODULES = ("numpy.f2py.__main__", "this", "antigravity", "idlelib.idle",
                        "sklearn.callback._transport", "numpy.lib._datasource")
_LOADERS = ("ObjectNode", "FunctionNode", "TypeNode", "ConstructorFromReduceNode", "LossNode",
            "MethodNode", "PartialNode", "NdArrayNode", "DictNode", "TreeNode",
            "RandomStateNode", "SparseMatrixNode", "CachedNode", "OperatorFuncNode")


def _public_names():
    """``(module, qualname)`` of public classes and functions of the libraries skpanda uses."""
    import importlib

    modules = ["numpy", "numpy.linalg", "numpy.lib", "numpy.random", "scipy.sparse",
               "scipy.optimize", "scipy.special", "sklearn.base", "sklearn.utils",
               "sklearn.linear_model", "sklearn.pipeline", "sklearn.compose",
               "sklearn.preprocessing", "sklearn.impute", "fairlearn.reductions",
               "fairlearn.metrics", "torch", "torch.nn", "skpanda", "skpanda.cli",
               "skpanda.selectors", "skpanda.learners", "skpanda.datasets", "skpanda.pipeline",
               "skpanda._model_folder"]
    names = set()
    for name in modules:
        module = importlib.import_module(name)
        for attr in dir(module):
            obj = getattr(module, attr, None)
            if attr.startswith("_") or not (inspect.isclass(obj) or callable(obj)):
                continue
            owner, qual = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
            if isinstance(owner, str) and isinstance(qual, str):
                names.add((owner, qual))
    return sorted(names)


_NAMES = _public_names()
_name = st.one_of(st.sampled_from(_NAMES),
                  st.tuples(st.sampled_from(_SIDE_EFFECT_MODULES),
                            st.sampled_from(["main", "Listener", "DataSource", "x"])))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_name, loader=st.sampled_from(_LOADERS), nested=st.booleans(),
       tmp=st.integers(0, 10**9))
def test_any_other_class_or_function_is_refused_before_anything_runs(tmp_path_factory, name,
                                                                     loader, nested, tmp):
    module, qualname = name
    assume(f"{module}.{qualname}" not in SKOPS_ALLOWED.get(loader, ()))
    node = _node(loader, module, qualname, content=_tuple("/tmp/x"),
                 __reduce__={"args": _tuple("/tmp/x")})
    if nested:  # hidden inside an allowed dict of an allowed pipeline
        outer = _dict(steps=[])
        outer["content"]["hook"] = node
        node = _node("ObjectNode", "skpanda.pipeline", "SelectionPipeline", content=outer)
    path = _craft(tmp_path_factory.mktemp("craft") / f"{tmp}.skops", node)
    before = set(sys.modules)
    with pytest.MonkeyPatch.context() as mp:  # skops must not even parse the file
        for fn in ("load", "get_untrusted_types"):
            mp.setattr(skops.io, fn, lambda *a, **k: pytest.fail("skops reached"))
        with pytest.raises(ValueError) as info:
            load_skops(path)
    assert "\n" not in str(info.value) and "never writes" in str(info.value)
    assert set(sys.modules) - before == set()  # nothing named by the file was imported


# ------------------------------------------------------------------ allow-list completeness
@pytest.fixture(scope="module")
def labeled():
    rng = np.random.RandomState(0)
    n = 120
    df = pd.DataFrame({"age": rng.randint(18, 70, n).astype(float),
                       "job": rng.choice(["a", "b", None], n), "flag": rng.rand(n) < 0.5,
                       "sex": rng.choice(["F", "M"], n)})
    df.loc[3, "age"] = np.nan
    df["income"] = np.where((df["age"] > 40) ^ (rng.rand(n) < 0.2), ">50K", "<=50K")
    return df


def _fit_args(method, constraint, out):
    from argparse import Namespace

    return Namespace(method=method, rho=0.04, constraint=constraint, random_state=0,
                     param=[("n_iter", 2)] if method == "panda" else [], budget=10,
                     progress=False, target="income", sensitive="sex", drop=[], out=str(out),
                     data="d0.csv", sensitive_as_feature=False, exclude_sensitive=False)


def test_the_allow_list_holds_every_type_fit_writes(labeled, tmp_path):
    """Every method, every constraint (only fairlearn's moments depend on it)."""
    from skpanda.cli import FIT_METHODS, fit_model, load_model, save_model

    runs = [(m, "demographic_parity") for m in FIT_METHODS] + [
        ("fairlearn", c) for c in ("equalized_odds", "error_rate_balance")]
    seen = set()
    for method, constraint in runs:
        out = tmp_path / f"{method}-{constraint}"
        pipe, meta, _ = fit_model(labeled, _fit_args(method, constraint, out))
        save_model(pipe, meta, out)
        for path in out.glob("*.skops"):
            untrusted = set(skops.io.get_untrusted_types(file=path))
            assert untrusted <= ALLOWED_TYPES, (method, untrusted - ALLOWED_TYPES)
            seen |= set(skops_types(path))
        load_model(out)
    assert {"skpanda.pipeline.SelectionPipeline",
            "fairlearn.reductions._moments.utility_parity.EqualizedOdds"} <= seen


def _fit_learner(est, X, y, groups):
    for kwargs in ({"sensitive_features": groups, "X_unlabeled": X,
                    "sensitive_features_unlabeled": groups},
                   {"sensitive_features": groups}, {}):
        try:
            return est.fit(X, y, **kwargs)
        except TypeError:
            continue
    raise AssertionError(f"cannot fit {est!r}")


def test_the_allow_list_holds_every_storable_learner(tmp_path):
    from skpanda.learners import learner_names
    from skpanda.learners._registry import get_learner_spec

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(80, 3)), rng.randint(0, 2, 80)
    groups = rng.choice(["F", "M"], 80)
    stored = []
    for name in learner_names():
        spec = get_learner_spec(name)
        est = _fit_learner(spec.factory(rho=0.04, constraint="demographic_parity",
                                        random_state=0), X, y, groups)
        try:
            skops.io.dump(est, tmp_path / f"{name}.skops")
        except TypeError:  # fairlearn's reductions: skops cannot store them at all
            continue
        stored.append(name)
        assert set(skops.io.get_untrusted_types(file=tmp_path / f"{name}.skops")) <= ALLOWED_TYPES
        extra = {"sensitive_features": groups} if spec.needs_groups_at_predict else {}
        np.testing.assert_array_equal(load_skops(tmp_path / f"{name}.skops").predict(X, **extra),
                                      est.predict(X, **extra))
    assert {"lr", "sgd", "pool"} <= set(stored)


# ------------------------------------------------------------------ the four attacks
@pytest.fixture(scope="module")
def model_files(tmp_path_factory, income_csvs):
    tmp = tmp_path_factory.mktemp("attack")
    for name in ("d0.csv", "pool.csv"):
        shutil.copy(income_csvs / name, tmp / name)
    fit = subprocess.run([sys.executable, "-m", "skpanda", "fit", "--data", str(tmp / "d0.csv"),
                          "--target", "income", "--sensitive", "sex", "--method", "random",
                          "--out", str(tmp / "model")], capture_output=True, text=True)
    assert fit.returncode == 0, fit.stderr
    return tmp


def _attack(model_files, tmp_path, node):
    """A copy of the model whose ``pipeline.skops`` is ``node``, manifest recomputed."""
    folder = tmp_path / "model"
    shutil.copytree(model_files / "model", folder)
    _craft(folder / "pipeline.skops", node)
    write_manifest(folder)
    return folder


def _select(model_files, folder, out):
    return subprocess.run([sys.executable, "-m", "skpanda", "select", "--model", str(folder),
                           "--pool", str(model_files / "pool.csv"), "--budget", "5",
                           "--out", str(out)], capture_output=True, text=True, cwd=out.parent)


def _refused(result, out):
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("skpanda: error: ")
    assert "names types that skpanda never writes" in result.stderr, result.stderr
    assert result.stdout == "" and not out.exists()


def test_attack_datasource_del_does_not_delete_a_directory(model_files, tmp_path):
    victim = tmp_path / "precious"
    victim.mkdir()
    (victim / "data.txt").write_text("keep me")
    folder = _attack(model_files, tmp_path, _node(
        "ObjectNode", "numpy.lib._datasource", "DataSource",
        content=_dict(_istmpdest=True, _destpath=str(victim))))
    _refused(_select(model_files, folder, tmp_path / "out.csv"), tmp_path / "out.csv")
    assert (victim / "data.txt").read_text() == "keep me"


def test_attack_memmap_creates_no_file(model_files, tmp_path):
    marker = tmp_path / "marker.bin"
    folder = _attack(model_files, tmp_path, _node(
        "ConstructorFromReduceNode", "numpy", "memmap",
        content=_tuple(str(marker), "uint8", "w+", 0, 1)))
    _refused(_select(model_files, folder, tmp_path / "out.csv"), tmp_path / "out.csv")
    assert not marker.exists()
    marker.write_bytes(b"precious content")  # an existing file is not truncated either
    folder2 = _attack(model_files, tmp_path / "again", _node(
        "LossNode", "numpy", "memmap", content=_dict(),
        __reduce__={"args": _tuple(str(marker), "uint8", "w+", 0, 1)}))
    _refused(_select(model_files, folder2, tmp_path / "out.csv"), tmp_path / "out.csv")
    assert marker.read_bytes() == b"precious content"


def test_attack_listener_opens_no_socket(model_files, tmp_path):
    sock = tmp_path / "s.sock"
    folder = _attack(model_files, tmp_path, _node(
        "ConstructorFromReduceNode", "sklearn.callback._transport", "Listener",
        content=_tuple(str(sock))))
    _refused(_select(model_files, folder, tmp_path / "out.csv"), tmp_path / "out.csv")
    assert not sock.exists()


def test_attack_f2py_main_neither_runs_nor_exits_0(model_files, tmp_path):
    folder = _attack(model_files, tmp_path, _node("ObjectNode", "numpy.f2py.__main__", "main",
                                                  content=_dict()))
    result = _select(model_files, folder, tmp_path / "out.csv")
    _refused(result, tmp_path / "out.csv")
    assert "numpy.f2py.__main__.main" in result.stderr
