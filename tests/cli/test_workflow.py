"""examples/workflow_cli.sh: fit -> select -> label -> train -> predict -> report on Adult."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    """Run the script as a user would, the default method and learner, B = 400."""
    out = tmp_path_factory.mktemp("workflow")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHON": sys.executable, "BUDGET": "400",
           "OMP_NUM_THREADS": "1"}
    run = subprocess.run(["bash", str(ROOT / "examples" / "workflow_cli.sh"), str(out)],
                         capture_output=True, text=True, env=env, cwd=out)
    assert run.returncode == 0, run.stderr[-3000:]
    return out, run


def test_the_whole_sequence_runs_and_writes_every_file(workflow):
    out, run = workflow
    assert "Workflow finished" in run.stdout and "Traceback" not in run.stderr
    for name in ("model/manifest.json", "to_label.csv", "labeled.csv", "final/manifest.json",
                 "predictions.csv", "report/report.md", "report/report.png"):
        assert (out / name).is_file(), name
    assert len(pd.read_csv(out / "predictions.csv")) == len(pd.read_csv(out / "test.csv"))
    disparities = pd.read_csv(out / "report" / "disparities.csv").iloc[0]
    assert 0 < disparities["f1"] < 1 and 0 <= disparities["demographic_parity"] < 1


def test_default_batch_keeps_the_pools_label_and_group_shares(workflow):
    """The default CLI batch: label and group shares within 10 points of the pool's (#19)."""
    out, _ = workflow
    pool = pd.read_csv(out / "pool.csv")
    truth = pd.read_csv(out / "truth.csv")["income"]
    batch = pd.read_csv(out / "labeled.csv")
    assert len(batch) == 400
    positives, pool_positives = batch["income"].mean(), truth.mean()
    women, pool_women = (batch["sex"] == "Female").mean(), (pool["sex"] == "Female").mean()
    assert abs(positives - pool_positives) <= 0.10, (positives, pool_positives)
    assert abs(women - pool_women) <= 0.10, (women, pool_women)
