"""The thread policy: one thread inside skpanda's verbs, the caller's settings restored."""

import subprocess
import sys

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from skpanda._threads import limit_threads, limit_torch_threads, thread_limit


def _threads():
    return [pool["num_threads"] for pool in threadpool_info()]


def test_limit_threads_caps_and_restores():
    with threadpool_limits(limits=2):
        before = _threads()
        with limit_threads():
            assert set(_threads()) == {1}
            with limit_threads():  # nested: no-op, still one thread
                assert set(_threads()) == {1}
            assert set(_threads()) == {1}
        assert _threads() == before


@pytest.mark.parametrize("value, expected", [("", 1), ("3", 3), (" keep ", None)])
def test_environment_variable_overrides_the_policy(monkeypatch, value, expected):
    monkeypatch.setenv("SKPANDA_NUM_THREADS", value)
    assert thread_limit() == expected


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_bad_environment_variable_names_itself(monkeypatch, value):
    monkeypatch.setenv("SKPANDA_NUM_THREADS", value)
    with pytest.raises(ValueError, match="SKPANDA_NUM_THREADS=.* positive integer .* 'keep'"):
        with limit_threads():
            pass


def test_keep_leaves_the_callers_settings(monkeypatch):
    monkeypatch.setenv("SKPANDA_NUM_THREADS", "keep")
    with threadpool_limits(limits=2):
        before = _threads()
        with limit_threads():
            assert _threads() == before


def test_torch_imported_inside_a_scope_is_limited_then_restored():
    # a fresh process: torch is imported inside the scope, as in PANDA's first fit
    code = (
        "import sys\n"
        "from skpanda._threads import limit_threads, limit_torch_threads\n"
        "with limit_threads(1):\n"
        "    assert 'torch' not in sys.modules\n"
        "    import torch\n"
        "    default = torch.get_num_threads()\n"
        "    limit_torch_threads()\n"
        "    assert torch.get_num_threads() == 1\n"
        "assert torch.get_num_threads() == default, (torch.get_num_threads(), default)\n"
        "torch.set_num_threads(2)\n"
        "with limit_threads(1):\n"
        "    assert torch.get_num_threads() == 1\n"
        "assert torch.get_num_threads() == 2\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_limit_torch_threads_outside_a_scope_does_nothing():
    with threadpool_limits(limits=2):
        before = _threads()
        limit_torch_threads()  # no active scope: nothing to limit, no error
        assert _threads() == before
