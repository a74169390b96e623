"""Every option of every verb is described, with its default."""

import argparse
import subprocess
import sys
from pathlib import Path

from skpanda.cli import VERBS, build_parser
from skpanda.cli.fit import DEFAULT_METHOD


def _options(parser, path=("skpanda",)):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, (*path, name))
        elif not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            yield " ".join(path), action


def test_every_option_has_help_and_optional_ones_name_their_default():
    missing = []
    for verb, action in _options(build_parser()):
        name = f"{verb} {'/'.join(action.option_strings) or action.dest}"
        if not action.help:
            missing.append(f"{name}: no help")
        elif not action.required and action.option_strings and "default" not in action.help:
            missing.append(f"{name}: help names no default")
    assert not missing, missing


def test_the_walk_sees_every_verb():
    verbs = {verb for verb, _ in _options(build_parser())}
    assert verbs == {"skpanda"} | {f"skpanda {v.__name__.rsplit('.', 1)[-1]}" for v in VERBS}
    assert {"skpanda train", "skpanda predict", "skpanda report"} <= verbs


def test_fit_help_says_why_random_is_the_default():
    assert DEFAULT_METHOD == "random"
    assert build_parser().parse_args(["fit", "--data", "d", "--target", "t", "--sensitive",
                                      "s", "--out", "o"]).method == "random"
    root = Path(__file__).resolve().parents[2]
    res = subprocess.run([sys.executable, "-m", "skpanda", "fit", "--help"], capture_output=True,
                         text=True, env={"PYTHONPATH": str(root), "COLUMNS": "200",
                                         "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert "(default: random: under the pool learner of `skpanda train` no selector beat " \
           "random rows on Adult" in text
