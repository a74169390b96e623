"""Checkpoint files: content digest, version tag, atomic writes (panda/_nn/checkpoint.py)."""

import pytest
import torch

from skpanda import __version__
from skpanda.panda._nn import checkpoint
from skpanda.panda._nn.checkpoint import (
    clone_state,
    content_digest,
    load_checkpoint,
    save_checkpoint,
)


def _payload(value=1.0):
    return {"iteration": 3, "policy": {"w": torch.full((4, 2), value)},
            "history": {"val_loss": [0.5, 0.25]}, "betas": (0.9, 0.999), "flag": None}


def test_digest_covers_every_value_and_ignores_key_order():
    a = _payload()
    assert content_digest(a) == content_digest(dict(reversed(list(a.items()))))
    b = _payload()
    b["policy"]["w"][1, 1] = 1.0000001
    assert content_digest(a) != content_digest(b)
    assert content_digest(a) != content_digest({**a, "iteration": 4})
    assert content_digest(a) != content_digest({**a, "history": {"val_loss": [0.5, 0.26]}})


def test_round_trip_records_version_and_digest(tmp_path):
    save_checkpoint(tmp_path / "c.ckpt", _payload())
    loaded = load_checkpoint(tmp_path / "c.ckpt")
    assert loaded["skpanda_version"] == __version__ and loaded["iteration"] == 3
    torch.testing.assert_close(loaded["policy"]["w"], torch.ones(4, 2))


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_previous_file_intact(tmp_path, monkeypatch, error):
    path = tmp_path / "c.ckpt"
    save_checkpoint(path, _payload(1.0))
    before = path.read_bytes()
    real_save = torch.save

    def half_then_fail(obj, fh):  # a kill mid-write: half the bytes, then the failure
        real_save(obj, fh)
        fh.truncate(fh.tell() // 2)
        raise error

    monkeypatch.setattr(checkpoint.torch, "save", half_then_fail)
    with pytest.raises(type(error)):
        save_checkpoint(path, _payload(2.0))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.ckpt"]  # no temp file left
    torch.testing.assert_close(load_checkpoint(path)["policy"]["w"], torch.ones(4, 2))


def test_clone_state_is_a_deep_copy_of_an_optimizer_state():
    net = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(net.parameters(), lr=0.1)
    net(torch.ones(1, 3)).sum().backward()
    opt.step()
    state = opt.state_dict()
    copied = clone_state(state)
    assert copied["param_groups"] == state["param_groups"]
    before = {k: v.clone() for k, v in state["state"][0].items()}
    opt.step()  # changes the optimizer's tensors in place
    for key, value in copied["state"][0].items():
        torch.testing.assert_close(value, before[key])
    restored = torch.optim.Adam(net.parameters(), lr=0.1)
    restored.load_state_dict(clone_state(copied))
    assert restored.state_dict()["param_groups"] == state["param_groups"]
