"""``python -m skpanda.cli``: the same as the ``skpanda`` command."""

import sys

from . import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
