"""The ``skpanda`` command: reproduce the paper, fit a selector, select rows.

::

    skpanda reproduce [--dataset adult] [--seeds 3] [--learners lr,eg] [--quick] [--out DIR] ...
    skpanda reproduce --data data.csv --target COL --sensitive COL [--quick] ...
    skpanda fit --data d0.csv --target COL --sensitive COL --out MODEL [--method panda]
    skpanda select --model MODEL --pool pool.csv --budget 400 --out to_label.csv

Bad input (missing file or column, a target that is not binary, an empty
CSV, an unreadable model, a budget above the pool size) ends with one line on
stderr and exit status 1; ``--traceback`` shows the full traceback instead.
See ``docs/cli.md``.
"""

import argparse
import copy
import contextlib
import json
import os
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from ._model_folder import dump_skops, load_skops, verify_manifest, write_folder_atomically
from .datasets import make_preprocessor
from .datasets._preprocess import check_numeric_columns
from .learners import check_learners, learner_names
from .panda import PandaQuerySelector
from .panda.distributed import distributed_meta_training
from .pipeline import SelectionPipeline, make_selection_pipeline
from .selectors import get_selector_spec, make_selector
from .selectors._utils import fit_classifier
from .simulation import DATASETS, METHODS, dask_backend, run_experiment, summary_table

#: Methods ``skpanda fit`` accepts: every registered one (PANDA registers on import).
FIT_METHODS = METHODS
MODEL_META = "skpanda-model.json"
MODEL_FORMAT = "skpanda-selection-model"


class CLIError(Exception):
    """A user error, printed as one line."""


def _parse_value(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _learner_list(text):
    """``--learners lr,eg,pool``: known names, or one line naming the valid ones."""
    try:
        return check_learners(text)
    except ValueError:
        bad = [name.strip() for name in text.split(",") if name.strip() not in learner_names()]
        raise argparse.ArgumentTypeError(
            f"unknown learner(s) {', '.join(map(repr, bad))}; choose among "
            f"{','.join(learner_names())} (comma-separated, e.g. lr,eg,pool)") from None


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _key_value(text):
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    return key.strip(), _parse_value(value)


def build_parser():
    """The argument parser of the ``skpanda`` command."""
    parser = argparse.ArgumentParser(
        prog="skpanda", description="Parity-constrained active learning (PANDA, FAccT 2022).")
    parser.add_argument("--version", action="version", version=f"skpanda {__version__}")
    parser.add_argument("--traceback", action="store_true",
                        help="show the full Python traceback on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    rep = sub.add_parser("reproduce",
                         help="run the paper's §4 comparison; write CSV, table, figures")
    rep.add_argument("--dataset", default="adult", choices=DATASETS)
    rep.add_argument("--data", default=None, metavar="CSV",
                     help="run on your own labeled CSV instead of --dataset "
                     "(needs --target and --sensitive)")
    rep.add_argument("--target", default=None, help="binary label column of --data")
    rep.add_argument("--sensitive", default=None, help="group column of --data")
    rep.add_argument("--drop", nargs="+", default=[], metavar="COL",
                     help="columns of --data that are not features")
    rep.add_argument("--seeds", type=int, default=None,
                     help="number of seeds (default 3; 1 with --quick)")
    rep.add_argument("--budgets", type=int, nargs="+", default=[25, 50, 100, 200, 300, 400])
    rep.add_argument("--methods", nargs="+", choices=METHODS, default=None,
                     help="default: all (PANDA when installed)")
    rep.add_argument("--learners", type=_learner_list, default=None, metavar="L1,L2",
                     help="downstream learners, comma-separated: "
                     f"{','.join(learner_names())} (default: lr; pool_eg is slow)")
    rep.add_argument("--rho", type=float, default=0.04)
    rep.add_argument("--quick", action="store_true",
                     help="1 seed, short PANDA meta-training, FAL with 20 candidates (minutes)")
    rep.add_argument("--out", default="results", help="output folder (resumable)")
    rep.add_argument("--n-jobs", type=int, default=None,
                     help="cells run in parallel (default 1; all workers with --scheduler)")
    rep.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run the cells on a Dask cluster: a scheduler address "
                     "(tcp://host:8786) or local:N to start N local workers "
                     "(pip install 'skpanda[dask]')")
    rep.add_argument("--fal-candidates", type=int, default=None)
    rep.add_argument("--panda-param", type=_key_value, action="append", default=[],
                     metavar="KEY=VALUE", help="extra PandaQuerySelector parameter (repeatable)")
    rep.add_argument("--data-home", default=None, help="folder of the non-shipped datasets")
    _add_progress(rep)

    fit = sub.add_parser("fit", help="fit a selector on a labeled CSV (D0) and save it")
    fit.add_argument("--data", required=True, help="labeled CSV (D0)")
    fit.add_argument("--target", required=True, help="binary label column")
    fit.add_argument("--sensitive", required=True, help="sensitive attribute column")
    fit.add_argument("--method", default="panda", choices=FIT_METHODS)
    fit.add_argument("--rho", type=float, default=0.04)
    fit.add_argument("--constraint", default="demographic_parity",
                     choices=("demographic_parity", "equalized_odds", "error_rate_balance"))
    fit.add_argument("--budget", type=int, default=400, help="default budget of the selector")
    fit.add_argument("--drop", nargs="+", default=[], metavar="COL",
                     help="columns that are not features (id-like columns are dropped "
                     "without it)")
    fit.add_argument("--sensitive-as-feature", action="store_true",
                     help="also use the sensitive column as a feature (default: it is "
                     "only the group; the pool then must hold it)")
    fit.add_argument("--exclude-sensitive", action="store_true",
                     help="deprecated, no effect: the sensitive column is never a "
                     "feature unless --sensitive-as-feature")
    fit.add_argument("--random-state", type=int, default=0)
    fit.add_argument("--param", type=_key_value, action="append", default=[],
                     metavar="KEY=VALUE", help="extra selector parameter (repeatable)")
    fit.add_argument("--n-tasks", type=_positive_int, default=None, metavar="N",
                     help="PANDA: simulated tasks per meta-training iteration; under "
                     "torchrun shared by the processes (default: 1, one per process)")
    fit.add_argument("--out", required=True, help="model folder to write")
    _add_progress(fit)

    sel = sub.add_parser("select", help="choose which pool rows to label, in query order")
    sel.add_argument("--model", required=True, help="model folder written by `skpanda fit`")
    sel.add_argument("--pool", required=True, help="unlabeled CSV")
    sel.add_argument("--budget", type=int, required=True)
    sel.add_argument("--id-column", default=None, help="column to write (default: row number)")
    sel.add_argument("--out", required=True, help="CSV of the rows to label")
    _add_progress(sel)
    return parser


def _add_progress(sub):
    sub.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="progress bars on stderr (default: on when stderr is a terminal)")


def _progress(args):
    """``--progress/--no-progress``; unset: on when stderr is a terminal."""
    if args.progress is not None:
        return args.progress
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def note(message):
    """One line on stderr that is not an error."""
    print(f"skpanda: note: {message}", file=sys.stderr)


def read_csv(path, what):
    """Read a CSV or raise a one-line :class:`CLIError`."""
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"{what} file {str(path)!r} does not exist.")
    try:
        df = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise CLIError(f"{what} file {str(path)!r} is empty.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise CLIError(f"{what} file {str(path)!r} is not a readable CSV: "
                       f"{str(exc).splitlines()[0]}") from None
    if df.shape[0] == 0:
        raise CLIError(f"{what} file {str(path)!r} has a header but no rows.")
    return df


def _require_columns(df, columns, what):
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise CLIError(f"{what} has no column(s) {missing}; its columns are "
                       f"{list(df.columns)[:20]}.")


def _check_target(y, name):
    if y.isna().any():
        raise CLIError(f"target column {name!r} has {int(y.isna().sum())} missing values; "
                       "drop or label those rows.")
    values = y.unique()
    if len(values) != 2:
        shown = pd_tolist(values[:5])
        raise CLIError(f"target column {name!r} must be binary (two distinct values); it has "
                       f"{len(values)}: {shown}{' ...' if len(values) > 5 else ''}.")


def pd_tolist(values):
    """Plain Python values for messages (``[1]``, not ``[np.int64(1)]``)."""
    return np.asarray(values, dtype=object).tolist() if len(values) else []


def _set_params(selector, params):
    """``--param KEY=VALUE`` pairs, with a one-line error for an unknown KEY."""
    valid = selector.get_params(deep=False)
    for key in params:
        if key.split("__", 1)[0] not in valid:
            raise CLIError(f"--param {key}=...: {type(selector).__name__} has no parameter "
                           f"{key.split('__', 1)[0]!r}; its parameters are "
                           f"{', '.join(sorted(valid))}.")
    selector.set_params(**params)


def _numeric_columns(pipe):
    """Columns the fitted preprocessor of ``pipe`` treats as numeric."""
    for _, step in pipe.steps[:-1]:
        for name, _, columns in getattr(step, "transformers_", []):
            if name == "numeric":
                return [c for c in columns if isinstance(c, str)]
    return []


def _check_numbers(df, numeric, what):
    """Numeric columns with stray text cells: one line naming the column and rows."""
    try:
        check_numeric_columns(df, numeric=numeric, first_line=2)
    except ValueError as exc:
        message = str(exc).split(" To treat the column as categorical")[0]
        if not numeric:  # fitting: the column may also be left out
            message = message[:-1] + ", or leave the column out with --drop."
        raise CLIError(f"{what}: {message}") from None


_ID_NAMES = (re.compile(r"^(id|index|row|unnamed: ?0)$|[_\s.-]id$", re.IGNORECASE),
             re.compile(r"[a-z]I[dD]$"))  # customerID, userId


def id_like_columns(df, skip=()):
    """Columns that identify rows rather than describe them.

    A column is id-like when its values are unique per row, with no missing
    one, and either it is not numeric (free text, codes), or it holds integers
    or text under an id-like name (``id``, ``index``, ``row``, ``*_id``,
    ``customerID``, pandas' ``Unnamed: 0``).

    Examples
    --------
    >>> df = pd.DataFrame({"user_id": [7, 3, 5], "name": ["a", "b", "c"],
    ...                    "age": [30, 41, 30], "score": [0.1, 0.2, 0.3]})
    >>> id_like_columns(df)
    ['user_id', 'name']
    """
    found = []
    for col in df.columns:
        values = df[col]
        if col in skip or len(df) < 2 or values.isna().any() or not values.is_unique:
            continue
        numeric = pd.api.types.is_numeric_dtype(values)
        named = isinstance(col, str) and any(p.search(col.strip()) for p in _ID_NAMES)
        if not numeric or (named and pd.api.types.is_integer_dtype(values)):
            found.append(col)
    return found


def feature_columns(df, args):
    """The feature columns of ``--data``: all but the target, the group, ``--drop`` and ids.

    The sensitive column is the group of each row, not a feature, unless
    ``--sensitive-as-feature``; id-like columns (:func:`id_like_columns`) are
    dropped with a one-line note.
    """
    if getattr(args, "exclude_sensitive", False):
        note("--exclude-sensitive is deprecated and has no effect: the sensitive column "
             "is not a feature unless --sensitive-as-feature.")
    skip = {args.target, *args.drop}
    if not getattr(args, "sensitive_as_feature", False):
        skip.add(args.sensitive)
    ids = id_like_columns(df, skip | {args.sensitive})
    if ids:
        note(f"dropping id-like column(s) {ids} (a different value on every row); "
             "rename a column to keep it.")
    features = [c for c in df.columns if c not in skip and c not in ids]
    if not features:
        raise CLIError(f"--data {args.data!r} has no feature column left besides the target, "
                       "the sensitive column and the dropped ones.")
    return features


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during ``skpanda fit``; the message says how to resume."""


def checkpoint_for(out):
    """The meta-training checkpoint ``skpanda fit --out MODEL`` keeps: ``MODEL.ckpt``."""
    out = Path(out).absolute()
    return out.with_name(out.name + ".ckpt")


def _fit_pipeline(pipe, df, args, features):
    """Fit, keeping the selector's own 'stopped early' warnings off the console."""
    name = pipe.steps[-1][0]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PANDA meta-training interrupted")
        warnings.filterwarnings("ignore", message=r".*fit: meta-training stopped early")
        pipe.fit(df[features], df[args.target].to_numpy(),
                 **{f"{name}__sensitive_features": df[args.sensitive].to_numpy()})


def fit_model(df, args):
    """Fit ``make_preprocessor`` + the selector of ``args.method`` on a labeled frame.

    PANDA checkpoints its meta-training in :func:`checkpoint_for` ``(args.out)``
    (unless ``--param checkpoint_path=...``); a Ctrl-C raises :class:`Interrupted`
    and the same command resumes from that checkpoint.
    """
    features = feature_columns(df, args)
    params, default_ckpt = dict(args.param), None
    selector = make_selector(args.method, rho=args.rho, constraint=args.constraint,
                             random_state=args.random_state)
    if "checkpoint_path" in selector.get_params() and params.get("checkpoint_path") is None:
        params["checkpoint_path"] = default_ckpt = str(checkpoint_for(args.out))
    _set_params(selector, {"budget": args.budget, "verbose": _progress(args), **params})
    check_budget_fits(selector, df, args)
    pipe = make_selection_pipeline(make_preprocessor(df[features]), selector)
    ckpt = params.get("checkpoint_path")
    resume = f" Checkpoint {ckpt}: run the same command again to resume." if ckpt else ""
    try:
        _fit_pipeline(pipe, df, args, features)
    except KeyboardInterrupt:
        raise Interrupted("No model written." + (
            resume if ckpt and Path(ckpt).is_file() else "")) from None
    if args.method == "panda" and selector.n_iter_ < selector.n_iter:
        raise Interrupted(f"Meta-training stopped at iteration {selector.n_iter_} of "
                          f"{selector.n_iter}; no model written.{resume}")
    if default_ckpt is not None:
        selector.set_params(checkpoint_path=None)  # the saved model names no stray file
    meta = {"format": MODEL_FORMAT, "format_version": 2, "skpanda_version": __version__,
            "method": args.method, "target": args.target, "sensitive": args.sensitive,
            "features": features, "classes": [str(c) for c in selector.classes_],
            "needs_pool_groups": get_selector_spec(args.method).needs_pool_groups}
    return pipe, meta, default_ckpt


def check_budget_fits(selector, df, args):
    """Before any training: can ``selector`` meta-train for ``--budget`` on this D0?

    PANDA simulates selecting ``budget`` rows from pools carved from D0; on a
    D0 too small for that, say the largest budget it can meta-train for and
    the flag to pass (its own check, ``_check_d0``, decides).
    """
    check = getattr(selector, "_check_d0", None)
    if check is None:
        return
    y = df[args.target].to_numpy()
    groups = df[args.sensitive].to_numpy()
    budget = selector.budget
    try:
        check(y, groups)
        return
    except ValueError as exc:
        reason = str(exc)
    largest = 0
    try:
        for b in range(min(budget, len(df)) - 1, 0, -1):
            selector.set_params(budget=b)
            try:
                check(y, groups)
            except ValueError:
                continue
            largest = b
            break
    finally:
        selector.set_params(budget=budget)
    if not largest:
        raise CLIError(f"--data {args.data!r}: {reason}")
    raise CLIError(f"--budget {budget} is too large for --data {args.data!r} ({len(df)} rows): "
                   f"PANDA meta-trains by selecting the budget from simulated pools "
                   f"carved from these rows, and can do so for a budget of at most {largest}. "
                   f"Pass --budget {largest} (or fewer), or label more rows.")


def _baseline_files(pipe, folder):
    """Write a non-PANDA pipeline with skops; returns whether h^0 must be refit on load.

    A downstream model skops cannot store (fairlearn's ExponentiatedGradient
    keeps pandas internals) is left out; :func:`load_model` refits it on the
    stored D0 representation, deterministically.
    """
    try:
        dump_skops(pipe, folder / "pipeline.skops")
        return False
    except Exception:  # noqa: BLE001 - any object skops cannot store
        selector = copy.copy(pipe.steps[-1][1])
        del selector.estimator_
        dump_skops(SelectionPipeline([*pipe.steps[:-1], (pipe.steps[-1][0], selector)]),
                   folder / "pipeline.skops")
        return True


def save_model(pipe, meta, folder):
    """Write a model folder atomically: metadata, safe files, ``manifest.json``.

    PANDA: ``panda.pt`` (tensors + JSON) and ``preprocessor.skops``; other
    methods: ``pipeline.skops``. No file is a pickle; see ``docs/cli.md``.
    """
    def write(tmp):
        meta_out = dict(meta)
        if meta["method"] == "panda":
            pipe.steps[-1][1].save(tmp / "panda.pt")
            dump_skops(pipe[:-1], tmp / "preprocessor.skops")
        else:
            meta_out["refit_estimator"] = _baseline_files(pipe, tmp)
        (tmp / MODEL_META).write_text(json.dumps(meta_out, indent=1))

    return write_folder_atomically(folder, write)


def _load_files(files, meta):
    def need(name):
        if name not in files:
            raise ValueError(f"the manifest lists no {name!r}")
        return files[name]

    if meta["method"] == "panda":
        pre = load_skops(need("preprocessor.skops"))
        panda = PandaQuerySelector.load(need("panda.pt"))
        return SelectionPipeline([*pre.steps, ("pandaqueryselector", panda)])
    pipe = load_skops(need("pipeline.skops"))
    if meta.get("refit_estimator"):
        sel = pipe.steps[-1][1]
        sel.estimator_ = fit_classifier(sel._estimator_template(), sel.Z_fit_, sel.y_fit_,
                                        sel.groups_fit_)
    return pipe


def load_model(folder):
    """Read a model folder written by :func:`save_model`; one-line errors.

    ``manifest.json`` is checked (sizes, SHA-256) before any file is read, and
    no file is unpickled: loading executes no code from the folder.
    """
    folder = Path(folder)
    if not (folder / "manifest.json").is_file() or not (folder / MODEL_META).is_file():
        old = (folder / "pipeline.joblib").exists() or (folder / "preprocessor.joblib").exists()
        why = ("an old pickle-based folder, never loaded: refit it" if old
               else "no manifest.json and skpanda-model.json")
        raise CLIError(f"--model {str(folder)!r} is not a model folder written by "
                       f"`skpanda fit` ({why}).")
    try:
        files = verify_manifest(folder)
        meta = json.loads(files[MODEL_META].read_text())
        if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
            raise ValueError(f"{MODEL_META} has no format tag {MODEL_FORMAT!r}")
        return _load_files(files, meta), meta
    except Exception as exc:
        text = str(exc).strip()
        raise CLIError(f"--model {str(folder)!r} cannot be read ({type(exc).__name__}: "
                       f"{text.splitlines()[0] if text else ''}); "
                       "refit it with `skpanda fit`.") from None


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
    _require_columns(df, [args.target, args.sensitive, *args.drop], f"--data {args.data!r}")
    _check_target(df[args.target], args.target)
    features = feature_columns(df, args)
    _check_numbers(df[features], [], f"--data {args.data!r}")
    drop = [c for c in df.columns if c not in features]
    return "csv", {"path": str(Path(args.data).absolute()), "target": args.target,
                   "sensitive": args.sensitive, "drop": drop}


def cmd_reproduce(args):
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


def cmd_fit(args):
    """``skpanda fit``: preprocessor + selector on a labeled CSV, saved to a folder."""
    df = read_csv(args.data, "--data")
    _require_columns(df, [args.target, args.sensitive, *args.drop], f"--data {args.data!r}")
    _check_target(df[args.target], args.target)
    _check_numbers(df.drop(columns=[args.target]), [], f"--data {args.data!r}")
    with _meta_training_processes(args) as is_main:
        pipe, meta, checkpoint = fit_model(df, args)
    if not is_main:
        return 0  # under torchrun, rank 0 writes the model
    save_model(pipe, meta, args.out)
    if checkpoint is not None and Path(checkpoint).is_file():
        Path(checkpoint).unlink()  # the model is complete: nothing left to resume
    print(f"Fitted {args.method} on {len(df)} rows; model saved to {args.out}/")
    return 0


def cmd_select(args):
    """``skpanda select``: rows of the pool to label, in query order."""
    pipe, meta = load_model(args.model)
    pool = read_csv(args.pool, "--pool")
    _require_columns(pool, meta["features"], f"--pool {args.pool!r}")
    if args.id_column is not None:
        _require_columns(pool, [args.id_column], f"--pool {args.pool!r}")
    if not 1 <= args.budget <= len(pool):
        raise CLIError(f"--budget {args.budget} must be between 1 and the pool size "
                       f"({len(pool)} rows).")
    _check_numbers(pool[meta["features"]], _numeric_columns(pipe), f"--pool {args.pool!r}")
    pipe.steps[-1][1].set_params(verbose=_progress(args))
    sensitive = meta["sensitive"]
    groups = pool[sensitive].to_numpy() if sensitive in pool.columns else None
    if groups is None and meta["needs_pool_groups"]:
        raise CLIError(f"method {meta['method']!r} needs the pool's sensitive column "
                       f"{sensitive!r}, which --pool {args.pool!r} lacks.")
    positions = pipe.select(pool[meta["features"]], args.budget, sensitive_features=groups)
    ids = (pool[args.id_column].to_numpy()[positions] if args.id_column else positions)
    out = pd.DataFrame({"rank": range(1, len(positions) + 1),
                        args.id_column or "row": ids})
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.out, index=False)
    print(f"Wrote {len(out)} rows to label, in query order, to {args.out}")
    return 0


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


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """skpanda's own warnings as one ``skpanda: note:`` line; others as Python shows them."""
    if issubclass(category, UserWarning) and Path(filename).is_relative_to(_PACKAGE):
        print(f"skpanda: note: {message}", file=sys.stderr if file is None else file)
    else:
        _python_showwarning(message, category, filename, lineno, file, line)


_PACKAGE = Path(__file__).resolve().parent
_python_showwarning = warnings.showwarning


def main(argv=None):
    """Entry point of the ``skpanda`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    commands = {"reproduce": cmd_reproduce, "fit": cmd_fit, "select": cmd_select}
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return commands[args.command](args)
    except KeyboardInterrupt as exc:
        note = str(exc) if isinstance(exc, Interrupted) else ""
        print(f"skpanda: interrupted.{' ' + note if note else ''}", file=sys.stderr)
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
