"""``skpanda reproduce``: the paper's §4 comparison; a CSV, a table and figures."""

import contextlib
import time
from pathlib import Path

from ..learners import learner_names
from ..simulation import DATASETS, METHODS, dask_backend, run_experiment, summary_table
from ._common import (SENSITIVE_HELP, CLIError, _add_progress, _check_numbers, _check_target,
                      _key_value, _learner_list, _progress, _require_columns, feature_columns,
                      parse_sensitive, read_csv, stored_sensitive)


def add_parser(sub):
    """The ``reproduce`` sub-command and its options."""
    rep = sub.add_parser("reproduce",
                         help="run the paper's §4 comparison; write CSV, table, figures")
    rep.add_argument("--dataset", default="adult", choices=DATASETS,
                     help="named dataset (default: adult)")
    rep.add_argument("--data", default=None, metavar="CSV",
                     help="run on your own labeled CSV instead of --dataset "
                     "(needs --target and --sensitive; default: none, --dataset is used)")
    rep.add_argument("--target", default=None, help="binary label column of --data (default: none)")
    rep.add_argument("--sensitive", default=None, metavar="COL,...",
                     help=SENSITIVE_HELP + "; of --data (default: none)")
    rep.add_argument("--drop", nargs="+", default=[], metavar="COL",
                     help="columns of --data that are not features (default: none; "
                     "id-like columns are dropped without it)")
    rep.add_argument("--seeds", type=int, default=None,
                     help="number of seeds (default 3; 1 with --quick)")
    rep.add_argument("--budgets", type=int, nargs="+", default=[25, 50, 100, 200, 300, 400],
                     help="label budgets of the learning curves (default: 25 50 100 200 300 400)")
    rep.add_argument("--methods", nargs="+", choices=METHODS, default=None,
                     help="default: all (PANDA when installed)")
    rep.add_argument("--learners", type=_learner_list, default=None, metavar="L1,L2",
                     help="downstream learners, comma-separated: "
                     f"{','.join(learner_names())} (default: lr; pool_eg is slow)")
    rep.add_argument("--rho", type=float, default=0.04,
                     help="parity bound ρ of the fair methods (default: 0.04)")
    rep.add_argument("--quick", action="store_true",
                     help="1 seed, short PANDA meta-training, FAL with 20 candidates "
                     "(minutes; default: off)")
    rep.add_argument("--out", default="results", help="output folder (resumable; default: results)")
    rep.add_argument("--n-jobs", type=int, default=None,
                     help="cells run in parallel (default 1; all workers with --scheduler)")
    rep.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run the cells on a Dask cluster: a scheduler address "
                     "(tcp://host:8786) or local:N to start N local workers "
                     "(pip install 'skpanda[dask]'; default: none, run locally)")
    rep.add_argument("--fal-candidates", type=int, default=None,
                     help="FAL's candidate rows per step (default: FAL's own)")
    rep.add_argument("--panda-param", type=_key_value, action="append", default=[],
                     metavar="KEY=VALUE",
                     help="extra PandaQuerySelector parameter, a JSON value (repeatable; "
                     "default: none)")
    rep.add_argument("--data-home", default=None, help="folder of the non-shipped datasets "
                     "(default: $SKPANDA_DATA, else ../shared/datasets found upwards)")
    _add_progress(rep)
    rep.set_defaults(run=run)
    return rep


def _scheduler(address):
    """The Dask backend of ``--scheduler`` (a no-op context without one)."""
    if address is None:
        return contextlib.nullcontext()
    return dask_backend(address)


def _reproduce_data(args):
    """``(dataset, dataset_params)`` of ``skpanda reproduce``: a named set or ``--data``."""
    if args.data is None:
        if args.target or args.sensitive or args.drop:
            raise CLIError("--target, --sensitive and --drop describe --data CSV; pass "
                           "--data too, or leave them out to use --dataset.")
        return args.dataset, ({"data_home": args.data_home} if args.data_home else None)
    if not args.target or not args.sensitive:
        raise CLIError("--data needs --target COL (the binary label) and --sensitive COL "
                       "(the group of each row).")
    df = read_csv(args.data, "--data")
    args.sensitive = parse_sensitive(args.sensitive, df.columns)
    _require_columns(df, [args.target, *args.sensitive, *args.drop], f"--data {args.data!r}")
    _check_target(df[args.target], args.target)
    features = feature_columns(df, args)
    _check_numbers(df[features], [], f"--data {args.data!r}")
    drop = [c for c in df.columns if c not in features]
    return "csv", {"path": str(Path(args.data).absolute()), "target": args.target,
                   "sensitive": stored_sensitive(args.sensitive), "drop": drop}


def run(args):
    """``skpanda reproduce``: run the experiment, print the table and the files."""
    tic = time.perf_counter()
    n_jobs = args.n_jobs if args.n_jobs is not None else (1 if args.scheduler is None else -1)
    dataset, dataset_params = _reproduce_data(args)
    # Connect first: an unreachable scheduler fails before anything is written.
    with _scheduler(args.scheduler):
        df = run_experiment(
            dataset, args.methods, seeds=args.seeds, budgets=args.budgets, rho=args.rho,
            out=args.out, n_jobs=n_jobs, quick=args.quick,
            panda_params=dict(args.panda_param) or None, fal_candidates=args.fal_candidates,
            dataset_params=dataset_params, progress=_progress(args), learners=args.learners,
        )
    out = Path(args.out)
    print(summary_table(df))
    print(f"\nWall time {time.perf_counter() - tic:.0f} s. Files in {out}/:")
    for name in ("results.csv", "summary.md", "figure1_tradeoff.png",
                 "figure2_learning_curves.png"):
        if (out / name).exists():
            print(f"  {out / name}")
    return 0
