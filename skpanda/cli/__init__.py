"""The ``skpanda`` command: reproduce the paper; fit, select, train, predict, report.

::

    skpanda reproduce [--dataset adult] [--seeds 3] [--learners lr,eg] [--quick] [--out DIR] ...
    skpanda reproduce --data data.csv --target COL --sensitive COL [--quick] ...
    skpanda fit --data d0.csv --target COL --sensitive COL --out MODEL [--method random]
    skpanda select --model MODEL --pool pool.csv --budget 400 --out to_label.csv
    skpanda train --model MODEL --labeled labeled.csv --pool pool.csv --out FINAL
    skpanda predict --model FINAL --data new.csv --out predictions.csv
    skpanda report --model FINAL --data test.csv --out REPORT
    skpanda advise --data d0.csv --pool pool.csv --target COL --sensitive COL --budgets 50,100,400

One module per verb (``reproduce``, ``fit``, ``select``, ``train``, ``predict``,
``report``, ``advise``), each with
``add_parser(sub)`` and ``run(args)``; shared checks in ``_common``, the
model folder in ``_model``. Bad input (missing file or column, a target that
is not binary, an empty CSV, an unreadable model, a budget above the pool
size) ends with one line on stderr and exit status 1; ``--traceback`` shows
the full traceback instead. See ``docs/cli.md``.
"""

import argparse
import sys
import warnings
from pathlib import Path

from .. import __version__
from . import advise, fit, predict, report, reproduce, select, train
from ._common import CLIError, id_like_columns, note
from ._model import Interrupted, fit_model, load_model, save_model
from .fit import FIT_METHODS

__all__ = ["main", "build_parser", "load_model", "save_model", "fit_model", "id_like_columns",
           "note", "FIT_METHODS", "CLIError"]

#: The verbs, in the order ``skpanda --help`` lists them.
VERBS = (advise, fit, select, train, predict, report, reproduce)


def build_parser():
    """The argument parser of the ``skpanda`` command."""
    parser = argparse.ArgumentParser(
        prog="skpanda", description="Parity-constrained active learning (PANDA, FAccT 2022).")
    parser.add_argument("--version", action="version", version=f"skpanda {__version__}")
    parser.add_argument("--traceback", action="store_true",
                        help="show the full Python traceback on errors (default: one line)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for verb in VERBS:
        verb.add_parser(sub)
    return parser


def _one_line(exc, limit=600):
    """The first line of an error, continued while a bracket it opens is still open."""
    lines = [line.strip() for line in str(exc).strip().splitlines()]
    if not lines or not lines[0]:
        return type(exc).__name__
    text, depth = "", 0
    for line in lines:
        text = f"{text} {line}".strip()
        depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
        if depth <= 0 and not text.endswith(":"):
            break
    return text if len(text) <= limit else text[:limit] + " ..."


_PACKAGE = Path(__file__).resolve().parent.parent
_python_showwarning = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """skpanda's own warnings as one ``skpanda: note:`` line; others as Python shows them."""
    if issubclass(category, UserWarning) and Path(filename).is_relative_to(_PACKAGE):
        print(f"skpanda: note: {message}", file=sys.stderr if file is None else file)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


def main(argv=None):
    """Entry point of the ``skpanda`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.run(args)
    except KeyboardInterrupt as exc:
        message = str(exc) if isinstance(exc, Interrupted) else ""
        print(f"skpanda: interrupted.{' ' + message if message else ''}", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for the user, never a traceback
        if args.traceback:
            raise
        message = _one_line(exc)
        if not isinstance(exc, (CLIError, ValueError, TypeError, OSError)):
            message = f"{type(exc).__name__}: {message}"
        print(f"skpanda: error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
