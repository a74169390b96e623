"""``skpanda fit``: a preprocessor and a selector fitted on a labeled CSV (D0), saved."""

import contextlib
import os
import warnings
from pathlib import Path

from ..panda.distributed import distributed_meta_training
from ..simulation import METHODS
from .._model_folder import model_key
from ._common import (SENSITIVE_HELP, CLIError, _add_progress, _check_numbers, _check_target,
                      _key_value, _positive_int, _require_columns, note, parse_sensitive,
                      read_csv, sensitive_groups)
from ._model import add_key_file, fit_model, save_model, writing_model

#: Methods ``skpanda fit`` accepts: every registered one (PANDA registers on import).
FIT_METHODS = METHODS

#: The default ``--method``: the best path measured (docs/cli.md, "Why random rows by
#: default"): under ``PoolThresholdClassifier`` no selector beat random rows on Adult
#: (seeds 10-14, docs/panda_quality.md), and random keeps the batch's label and group
#: shares at the pool's, which the paper-recipe PANDA did not.
DEFAULT_METHOD = "random"


def add_parser(sub):
    """The ``fit`` sub-command and its options."""
    fit = sub.add_parser("fit", help="fit a selector on a labeled CSV (D0) and save it")
    fit.add_argument("--data", required=True, help="labeled CSV (D0)")
    fit.add_argument("--target", required=True, help="binary label column")
    fit.add_argument("--sensitive", required=True, metavar="COL,...", help=SENSITIVE_HELP)
    fit.add_argument("--method", default=DEFAULT_METHOD, choices=FIT_METHODS,
                     help="selection method (default: random: under the pool learner of "
                     "`skpanda train` no selector beat random rows on Adult, and the "
                     "paper-recipe panda's batches held 28-78%% positives and 10-46%% women "
                     "against the pool's 24%% and 33%%; see docs/cli.md)")
    fit.add_argument("--rho", type=float, default=0.04,
                     help="parity bound ρ (default: 0.04)")
    fit.add_argument("--constraint", default="demographic_parity",
                     choices=("demographic_parity", "equalized_odds", "error_rate_balance"),
                     help="parity metric bounded by --rho (default: demographic_parity)")
    fit.add_argument("--budget", type=int, default=400,
                     help="default budget of the selector (default: 400)")
    fit.add_argument("--drop", nargs="+", default=[], metavar="COL",
                     help="columns that are not features (default: none; id-like columns "
                     "are dropped without it)")
    fit.add_argument("--sensitive-as-feature", action="store_true",
                     help="also use the sensitive column(s) as features (default: they "
                     "only give the group; the pool then must hold them)")
    fit.add_argument("--exclude-sensitive", action="store_true",
                     help="deprecated, no effect: the sensitive column is never a "
                     "feature unless --sensitive-as-feature (default: off)")
    fit.add_argument("--random-state", type=int, default=0,
                     help="seed of the selector (default: 0)")
    fit.add_argument("--param", type=_key_value, action="append", default=[],
                     metavar="KEY=VALUE",
                     help="extra selector parameter, a JSON value (repeatable; default: "
                     "none)")
    fit.add_argument("--n-tasks", type=_positive_int, default=None, metavar="N",
                     help="PANDA: simulated tasks per meta-training iteration; under "
                     "torchrun shared by the processes (default: 1, one per process)")
    fit.add_argument("--out", required=True, help="model folder to write")
    add_key_file(fit)
    _add_progress(fit)
    fit.set_defaults(run=run)
    return fit


@contextlib.contextmanager
def _meta_training_processes(args):
    """torchrun's process group around ``fit`` (``--n-tasks`` or ``WORLD_SIZE`` > 1).

    Yields whether this process writes the model. Other ranks meta-train
    silently (no progress, no warnings); see :mod:`skpanda.panda.distributed`.
    """
    ranks = int(os.environ.get("WORLD_SIZE", "1"))
    if args.n_tasks is None and ranks <= 1:
        yield True
        return
    if args.method != "panda":
        raise CLIError(f"--n-tasks and torchrun are for --method panda, not {args.method!r}.")
    params = dict(args.param)
    with distributed_meta_training(args.n_tasks, params.get("device", "cpu")) as (main, dev):
        if "device" in params:
            args.param = [*args.param, ("device", dev)]
        if not main:
            args.progress = False
        with warnings.catch_warnings():
            if not main:
                warnings.simplefilter("ignore")
            yield main


def run(args):
    """``skpanda fit``: preprocessor + selector on a labeled CSV, saved to a folder."""
    if args.budget < 1:
        raise CLIError(f"--budget {args.budget}: budget={args.budget} must be at least 1 "
                       "(the number of rows to label).")
    df = read_csv(args.data, "--data")
    args.sensitive = parse_sensitive(args.sensitive, df.columns)
    _require_columns(df, [args.target, *args.sensitive, *args.drop], f"--data {args.data!r}")
    _check_target(df[args.target], args.target)
    _check_numbers(df.drop(columns=[args.target]), [], f"--data {args.data!r}")
    groups = sensitive_groups(df, args.sensitive, f"--data {args.data!r}")
    if len(set(groups)) < 2:
        what = (f"column {args.sensitive[0]!r}" if len(args.sensitive) == 1
                else f"columns {args.sensitive}")
        note(f"--sensitive {what} holds a single group ({groups[0]!r}): all rows form one "
             "group and the parity constraint means nothing (every selection has "
             "disparity 0).")
    model_key(args.key_file)  # an unreadable key file fails before any training
    with writing_model(args.out), _meta_training_processes(args) as is_main:
        pipe, meta, checkpoint = fit_model(df, args)
        if not is_main:
            return 0  # under torchrun, rank 0 writes the model
        save_model(pipe, meta, args.out, key_file=args.key_file)
        if checkpoint is not None and Path(checkpoint).is_file():
            Path(checkpoint).unlink()  # the model is complete: nothing left to resume
    print(f"Fitted {args.method} on {len(df)} rows; model saved to {args.out}/")
    return 0
