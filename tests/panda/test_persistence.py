"""Saved PANDA files: damage is detected, other-version files fail with one clear line,
meta-training checkpoints are tied to their data (skpanda/panda/_persistence.py)."""

import json
import zipfile

import numpy as np
import pytest
import torch

from skpanda import __version__
from skpanda.datasets import make_biased_classification
from skpanda.panda import PandaQuerySelector
from skpanda.panda._nn.checkpoint import content_digest

TINY = dict(budget=20, n_iter=3, d_model=8, n_heads=2, n_inducing=4, n_memory=4,
            inner_steps=2, n_samples=1, device="cpu")


@pytest.fixture(scope="module")
def data():
    X, y, g = make_biased_classification(500, 5, random_state=0, return_X_y=True)
    return X[:300], y[:300], g[:300], X[300:]


@pytest.fixture(scope="module")
def saved(data, tmp_path_factory):
    X, y, g, _ = data
    sel = PandaQuerySelector(**TINY, random_state=0).fit(X, y, sensitive_features=g)
    return sel, sel.save(tmp_path_factory.mktemp("panda") / "panda.pt")


def _rewrite(src, dst, edit, version="0.0.9"):
    """Copy a saved file with ``edit(meta, payload)`` applied and a valid digest."""
    payload = torch.load(src, weights_only=True)
    meta = json.loads(payload["meta"])
    edit(meta, payload)
    payload["meta"] = json.dumps(meta)
    payload["skpanda_version"] = version
    payload["digest"] = content_digest(payload)
    torch.save(payload, dst)
    return dst


def _flip_tensor_byte(path):
    """Flip one bit in the middle of the largest tensor record of a torch zip file."""
    with zipfile.ZipFile(path) as zf:
        info = max(zf.infolist(), key=lambda i: i.file_size)
    data = bytearray(path.read_bytes())
    name_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.file_size // 2] ^= 0x10
    path.write_bytes(bytes(data))


def test_round_trip_and_the_file_names_its_version(saved, data):
    sel, path = saved
    assert torch.load(path, weights_only=True)["skpanda_version"] == __version__
    loaded = PandaQuerySelector.load(path, device="cpu")
    np.testing.assert_array_equal(loaded.select(data[3]), sel.select(data[3]))


def test_a_flipped_byte_is_detected(saved, tmp_path):
    path = tmp_path / "panda.pt"
    path.write_bytes(saved[1].read_bytes())
    _flip_tensor_byte(path)
    with pytest.raises(ValueError, match=r"is damaged: its content does not match the SHA-256"):
        PandaQuerySelector.load(path)


def _edit_param(key, value):
    def edit(meta, payload):
        meta["params"][key] = value
    return edit


def _set_meta(key, value):
    def edit(meta, payload):
        meta[key] = value
    return edit


def _drop_meta(key):
    def edit(meta, payload):
        del meta[key]
    return edit


def _drop_entry(key):
    def edit(meta, payload):
        del payload[key]
    return edit


@pytest.mark.parametrize("edit, match", [
    (_edit_param("d_model", 16), r"do not fit the architecture .*d_model=16"),
    (_set_meta("n_inputs", 9), r"do not fit the architecture .*n_inputs=9"),
    (_set_meta("fairness_penalty_", 30.0), r"do not fit .*fairness_penalty_=30.0"),
    (_edit_param("alpha", 2), r"parameters \['alpha'\] are unknown to PandaQuerySelector"),
    (_drop_meta("history"), r"metadata entries \['history'\] are missing"),
    (_drop_entry("policy"), r"entries \['policy'\] are missing"),
    (_edit_param("n_iter", "many"), r"bad metadata"),
])
def test_damaged_or_other_version_files_give_one_clear_error(saved, tmp_path, edit, match):
    path = _rewrite(saved[1], tmp_path / "other.pt", edit)
    with pytest.raises(ValueError, match=match) as exc:
        PandaQuerySelector.load(path, device="cpu").select(np.zeros((30, 5)))
    message = str(exc.value)
    assert "\n" not in message and str(path) in message
    assert "written by skpanda 0.0.9" in message and f"skpanda {__version__}" in message


def test_a_file_without_digest_is_refused(saved, tmp_path):
    payload = torch.load(saved[1], weights_only=True)
    del payload["digest"]
    torch.save(payload, tmp_path / "old.pt")
    with pytest.raises(ValueError, match="has no content digest"):
        PandaQuerySelector.load(tmp_path / "old.pt")


def test_checkpoint_of_other_data_is_refused_same_data_resumes(data, tmp_path):
    X, y, g, pool = data
    ckpt = tmp_path / "meta.ckpt"
    first = PandaQuerySelector(**{**TINY, "n_iter": 2}, checkpoint_path=ckpt, random_state=0)
    first.fit(X, y, sensitive_features=g)
    assert torch.load(ckpt, weights_only=True)["fingerprint"] == first._fingerprint
    X_b = X.copy()
    X_b[0, 0] += 1.0  # dataset B: one cell differs
    other = PandaQuerySelector(**TINY, checkpoint_path=ckpt, random_state=0)
    with pytest.raises(ValueError, match=r"checkpoint_path=.*meta.ckpt.* other data or other "
                                         r"parameters.*Delete it to start afresh"):
        other.fit(X_b, y, sensitive_features=g)
    with pytest.raises(ValueError, match="other data or other parameters"):
        PandaQuerySelector(**{**TINY, "rho": 0.1}, checkpoint_path=ckpt,
                           random_state=0).fit(X, y, sensitive_features=g)
    resumed = PandaQuerySelector(**TINY, checkpoint_path=ckpt, random_state=0)
    resumed.fit(X, y, sensitive_features=g)  # same data, more iterations: resumes at 2
    straight = PandaQuerySelector(**TINY, random_state=0).fit(X, y, sensitive_features=g)
    assert resumed.n_iter_ == 3 and len(resumed.history_["val_loss"]) == 3
    np.testing.assert_allclose(resumed.history_["val_loss"][:2], first.history_["val_loss"])
    np.testing.assert_allclose(resumed.history_["val_loss"], straight.history_["val_loss"],
                               rtol=1e-5)
