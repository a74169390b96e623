"""Tests of the tensor-only checkpoint files (skpanda.panda._nn.checkpoint)."""

import pytest
import torch

from skpanda.panda._nn.checkpoint import FORMAT, load_checkpoint, save_checkpoint


def test_round_trip_of_tensors_and_containers(tmp_path):
    path = tmp_path / "sub" / "ck.pt"
    save_checkpoint(path, {"iteration": 3, "w": torch.arange(4.0), "h": {"a": [1.0, 2.0]}})
    out = load_checkpoint(path)
    assert out["format"] == FORMAT and out["iteration"] == 3 and out["h"] == {"a": [1.0, 2.0]}
    torch.testing.assert_close(out["w"], torch.arange(4.0))
    assert not (tmp_path / "sub" / "ck.pt.tmp").exists()  # written atomically


def test_a_file_without_the_format_tag_is_refused(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(ValueError, match="missing format tag"):
        load_checkpoint(path)


def test_a_file_that_is_not_torch_is_refused(tmp_path):
    path = tmp_path / "junk.pt"
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="is not a skpanda PANDA file"):
        load_checkpoint(path)


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "nope.pt")
