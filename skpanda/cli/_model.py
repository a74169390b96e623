"""A model folder of the ``skpanda`` command: fit, write and read it back.

A folder holds ``skpanda-model.json``, ``manifest.json`` and safe files only
(skops, tensors + JSON); loading it runs no code from it (``docs/cli.md``).
Every verb that writes or reads a model goes through :func:`save_model` /
:func:`writing_model` and :func:`load_model`, which sign and check the
manifest when a key is set (``SKPANDA_MODEL_KEY`` or ``--key-file``).
"""

import contextlib
import copy
import json
import os
import warnings
from pathlib import Path

from .. import __version__
from .._model_folder import (dump_skops, load_skops, model_key, verify_manifest,
                             write_folder_atomically)
from .._model_lock import clean_leftovers, folder_lock
from ..datasets import make_preprocessor
from ..panda import PandaQuerySelector
from ..pipeline import SelectionPipeline, make_selection_pipeline
from ..selectors import get_selector_spec, make_selector
from ..selectors._utils import fit_classifier
from ._common import (CLIError, _progress, _set_params, feature_columns, note, sensitive_groups,
                      stored_sensitive)

MODEL_META = "skpanda-model.json"
MODEL_FORMAT = "skpanda-selection-model"


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
        warnings.filterwarnings("ignore", message=r".* a single group in sensitive_features")
        pipe.fit(df[features], df[args.target].to_numpy(),
                 **{f"{name}__sensitive_features": sensitive_groups(df, args.sensitive)})


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
            "method": args.method, "target": args.target,
            "sensitive": stored_sensitive(args.sensitive),
            "features": features, "classes": [str(c) for c in selector.classes_],
            "needs_pool_groups": get_selector_spec(args.method).needs_pool_groups,
            "rho": args.rho, "constraint": args.constraint}
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
    groups = sensitive_groups(df, args.sensitive)
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


def add_key_file(sub):
    """The ``--key-file`` option of a verb that writes or reads a model folder."""
    sub.add_argument("--key-file", default=None, metavar="FILE",
                     help="sign (fit, train) or require (select, train, predict, report) the "
                     "model folder's manifest with the key in FILE, HMAC-SHA256 (default: $SKPANDA_MODEL_KEY if set, "
                     "else unsigned)")


@contextlib.contextmanager
def writing_model(folder):
    """Hold ``MODEL.lock`` while a verb fits and writes ``folder``.

    A second writer of the same folder fails at once naming the first; the
    ``.MODEL.*.tmp`` / ``.old`` leftovers of a killed run are cleaned (one
    note each). Under torchrun only rank 0 (the writer) takes the lock.
    """
    if int(os.environ.get("RANK", "0")) != 0:
        yield
        return
    with folder_lock(folder):
        for line in clean_leftovers(folder):
            note(line)
        yield


def save_model(pipe, meta, folder, *, key_file=None):
    """Write a model folder atomically: metadata, safe files, ``manifest.json``.

    PANDA: ``panda.pt`` (tensors + JSON) and ``preprocessor.skops``; other
    methods: ``pipeline.skops``. No file is a pickle; see ``docs/cli.md``.
    With a key (``key_file`` or ``$SKPANDA_MODEL_KEY``) the manifest is signed.
    """
    key = model_key(key_file)

    def write(tmp):
        meta_out = dict(meta)
        if meta["method"] == "panda":
            pipe.steps[-1][1].save(tmp / "panda.pt")
            dump_skops(pipe[:-1], tmp / "preprocessor.skops")
        else:
            meta_out["refit_estimator"] = _baseline_files(pipe, tmp)
        (tmp / MODEL_META).write_text(json.dumps(meta_out, indent=1))

    return write_folder_atomically(folder, write, key=key)


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


def load_model(folder, *, key_file=None):
    """Read a model folder written by :func:`save_model`; one-line errors.

    With a key (``key_file`` or ``$SKPANDA_MODEL_KEY``) the manifest's
    signature is checked first; then ``manifest.json`` (sizes, SHA-256) before
    any file is read. No file is unpickled and no type outside skpanda's
    allow-list is built: loading executes no code from the folder.
    """
    folder = Path(folder)
    key = model_key(key_file)
    if not (folder / "manifest.json").is_file() or not (folder / MODEL_META).is_file():
        old = (folder / "pipeline.joblib").exists() or (folder / "preprocessor.joblib").exists()
        why = ("an old pickle-based folder, never loaded: refit it" if old
               else "no manifest.json and skpanda-model.json")
        raise CLIError(f"--model {str(folder)!r} is not a model folder written by "
                       f"`skpanda fit` ({why}).")
    try:
        files = verify_manifest(folder, key=key)
        meta = json.loads(files[MODEL_META].read_text())
        if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
            raise ValueError(f"{MODEL_META} has no format tag {MODEL_FORMAT!r}")
        return _load_files(files, meta), meta
    except Exception as exc:
        text = str(exc).strip()
        raise CLIError(f"--model {str(folder)!r} cannot be read ({type(exc).__name__}: "
                       f"{text.splitlines()[0] if text else ''}); "
                       "refit it with `skpanda fit`.") from None
