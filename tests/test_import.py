"""Importing skpanda's numpy/sklearn parts never imports torch."""

import subprocess
import sys


def test_import_does_not_load_torch():
    code = (
        "import sys, skpanda, skpanda.selectors, skpanda.metrics, skpanda.datasets, "
        "skpanda.simulation, skpanda.pipeline\n"
        "skpanda.RandomQuerySelector, skpanda.SelectionPipeline\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]", out.stdout
