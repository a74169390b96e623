"""The worked guide (docs/guide_gridsearch.md) runs from a fresh clone: ``pytest -m slow``."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_guide_script_runs_quick(tmp_path):
    figure = tmp_path / "tradeoff.png"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, str(ROOT / "examples" / "guide_gridsearch.py"),
                          "--quick", "--figure", str(figure)], capture_output=True, text=True,
                         env=env, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "chosen:" in run.stdout and "selection_rate" in run.stdout
    assert figure.stat().st_size > 0
