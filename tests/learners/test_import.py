"""skpanda.learners sits below selectors and never imports torch."""

import subprocess
import sys


def test_learners_do_not_import_torch_or_selectors():
    code = (
        "import sys, skpanda.learners\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')"
        " or m.startswith('skpanda.selectors') or m.startswith('skpanda.panda')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]", out.stdout
