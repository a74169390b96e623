"""``skpanda train``: the final model, trained on the rows an annotator labeled."""

import numpy as np
import pandas as pd

from ..learners import certifiable_bound, get_learner_spec, learner_names, make_learner
from ..selectors._utils import _takes_sensitive_features, takes_unlabeled
from ._common import (CLIError, _check_numbers, _numeric_columns, _require_columns, note,
                      missing_sensitive, pd_tolist, read_csv, sensitive_groups)
from ._final import final_meta, save_final
from ._model import add_key_file, load_model, writing_model

#: ``--learner`` default: ``PoolThresholdClassifier``, the best F1 at the bound on Adult
#: among the learners measured with 400 labels (docs/pool_learners.md, docs/panda_quality.md).
DEFAULT_LEARNER = "pool"


def add_parser(sub):
    """The ``train`` sub-command and its options."""
    tr = sub.add_parser(
        "train", help="train the final model on the labeled rows",
        description="Train the downstream learner on the rows of `skpanda select` whose "
        "target an annotator filled in, in the selection model's representation, and save "
        "it as a model folder for `skpanda predict` and `skpanda report`.")
    tr.add_argument("--model", required=True, help="model folder written by `skpanda fit`")
    tr.add_argument("--labeled", required=True,
                    help="the CSV of `skpanda select` with its target column filled in "
                    "(rows left blank are skipped with a note)")
    tr.add_argument("--pool", required=True,
                    help="the pool CSV given to `skpanda select`; the pool learners choose "
                    "their group thresholds on its unlabeled rows")
    tr.add_argument("--target", default=None,
                    help="label column of --labeled (default: the --target of `skpanda fit`)")
    tr.add_argument("--learner", default=DEFAULT_LEARNER, choices=learner_names(),
                    help="downstream learner (default: pool, PoolThresholdClassifier: "
                    "logistic regression + one threshold per group chosen on the unlabeled "
                    "pool under --rho, the best F1 at the bound on Adult with 400 labels; "
                    "it needs the group at predict time)")
    tr.add_argument("--rho", type=float, default=None,
                    help="disparity bound of the fair learners (default: the --rho of "
                    "`skpanda fit`)")
    tr.add_argument("--constraint", default=None,
                    choices=("demographic_parity", "equalized_odds", "error_rate_balance"),
                    help="parity metric bounded by --rho (default: the --constraint of "
                    "`skpanda fit`)")
    tr.add_argument("--confidence", type=float, default=None,
                    help="certify the demographic-parity bound on the population the pool "
                    "was drawn from at this confidence, e.g. 0.95 (pool learners only; fails "
                    "naming the tightest bound the pool can certify when --rho cannot be; "
                    "default: none, the bound holds on the pool rows only)")
    tr.add_argument("--id-column", default=None,
                    help="column of --labeled and --pool naming the pool row (default: none; "
                    "--labeled's `row`, the pool row number `skpanda select` writes)")
    tr.add_argument("--random-state", type=int, default=0,
                    help="seed of the learner (default: 0)")
    tr.add_argument("--out", required=True, help="model folder to write")
    add_key_file(tr)
    tr.set_defaults(run=run)
    return tr


def _label_key(value):
    """A label as text, ``1.0`` read back from a CSV with blanks as ``1``."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def labeled_rows(labeled, target, key, where):
    """The rows of ``labeled`` with a label: ``(keys, labels)``; blank ones noted and skipped."""
    _require_columns(labeled, [target, key], where)
    blank = labeled[target].isna() | (labeled[target].astype(str).str.strip() == "")
    if blank.all():
        raise CLIError(f"{where}: the target column {target!r} is blank on every row; "
                       "fill in the labels first.")
    if blank.any():
        note(f"{int(blank.sum())} of {len(labeled)} rows of --labeled have no {target!r} "
             "label and are skipped.")
    kept = labeled.loc[~blank]
    return kept, kept[key].to_numpy(), kept[target].to_numpy()


def pool_positions(keys, key, pool):
    """Positions into ``pool`` of the labeled rows' keys (``row`` numbers or ids)."""
    if key == "row":
        pos = pd.to_numeric(pd.Series(keys), errors="coerce").to_numpy()
        bad = ~np.isfinite(pos) | (pos < 0) | (pos >= len(pool)) | (pos != np.round(pos))
        if bad.any():
            raise CLIError(f"--labeled: column 'row' holds {pd_tolist(keys[bad][:3])}, not "
                           f"row numbers of --pool (0 to {len(pool) - 1}); pass the pool "
                           "that `skpanda select` read.")
        pos = pos.astype(np.intp)
    else:
        _require_columns(pool, [key], "--pool")
        index = pd.Index(pool[key])
        if not index.is_unique:
            raise CLIError(f"--pool: --id-column {key!r} has repeated values.")
        pos = index.get_indexer(keys)
        if (pos < 0).any():
            raise CLIError(f"--labeled: {key} {pd_tolist(keys[pos < 0][:3])} not found in "
                           "--pool; pass the pool that `skpanda select` read.")
    if len(set(pos.tolist())) != len(pos):
        raise CLIError("--labeled names a pool row twice; keep one label per row.")
    return pos


def check_same_rows(labeled, pool, positions, features):
    """The labeled rows' own columns must equal the pool's at ``positions``."""
    for col in [c for c in features if c in labeled.columns]:
        a, b = labeled[col].to_numpy(), pool[col].to_numpy()[positions]
        if pd.api.types.is_numeric_dtype(labeled[col]) and pd.api.types.is_numeric_dtype(
                pool[col]):
            same = np.isclose(a.astype(float), b.astype(float), equal_nan=True)
        else:
            same = (pd.isna(a) & pd.isna(b)) | (
                pd.Series(a).astype(str).str.strip().to_numpy()
                == pd.Series(b).astype(str).str.strip().to_numpy())
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            raise CLIError(f"--labeled row {i} has {col}={pd_tolist(a[i:i + 1])[0]!r} but "
                           f"--pool row {positions[i]} has {pd_tolist(b[i:i + 1])[0]!r}: pass "
                           "the pool that `skpanda select` read.")


def class_values(labels, classes, target, where="--labeled"):
    """Map labels read from a CSV onto the model's class values, or one line."""
    lookup = {_label_key(c): c for c in classes}
    keys = [_label_key(v) for v in labels]
    unknown = sorted({k for k in keys if k not in lookup})
    if unknown:
        raise CLIError(f"{where}: target {target!r} holds {unknown[:5]}, not the model's "
                       f"classes {sorted(lookup)}.")
    return np.array([lookup[k] for k in keys], dtype=object)


def _note_uncertified(learner, rho, constraint, groups, n_pool):
    """Without ``--confidence``: say that a pool learner's bound is not certified, with a number."""
    if groups is None or "confidence" not in learner.get_params(deep=False) \
            or constraint != "demographic_parity":
        return
    tightest = certifiable_bound(groups, confidence=0.95)
    fix = (f"rerun with --confidence 0.95 to certify --rho {rho}" if tightest <= rho else
           f"--confidence 0.95 certifies --rho {tightest:.3f} or above with this pool, not "
           f"{rho}")
    note(f"rho={rho} holds on the {n_pool} pool rows, not certified on new data; {fix}.")


def _pool_groups(pool, sensitive, name, learner):
    """The pool's groups, required when the learner uses them."""
    uses = (takes_unlabeled(learner) or _takes_sensitive_features(learner)
            or get_learner_spec(name).needs_groups_at_predict)
    lacks, named = missing_sensitive(pool, sensitive)
    if lacks:
        if uses:
            raise CLIError(f"--learner {name} ({type(learner).__name__}) needs the groups: "
                           f"--pool lacks the {named}.")
        return None
    return sensitive_groups(pool, sensitive, "--pool")


def set_confidence(learner, confidence, name):
    """``--confidence``: the certified bound of a pool learner, or one line saying it has none."""
    if confidence is None:
        return
    if "confidence" not in learner.get_params(deep=False):
        raise CLIError(f"--confidence is for the pool learners (pool, pool_eg), which certify "
                       f"their bound on the pool's population; --learner {name} has none.")
    learner.set_params(confidence=confidence)


def run(args):
    """``skpanda train``: fit the downstream learner on the labeled rows, save it."""
    pipe, meta = load_model(args.model, key_file=args.key_file)
    target = args.target or meta["target"]
    key = args.id_column or "row"
    labeled = read_csv(args.labeled, "--labeled")
    pool = read_csv(args.pool, "--pool")
    _require_columns(pool, meta["features"], f"--pool {args.pool!r}")
    _check_numbers(pool[meta["features"]], _numeric_columns(pipe), f"--pool {args.pool!r}")
    kept, keys, labels = labeled_rows(labeled, target, key, f"--labeled {args.labeled!r}")
    positions = pool_positions(keys, key, pool)
    check_same_rows(kept, pool, positions, meta["features"])
    selector = pipe.steps[-1][1]
    y = class_values(labels, selector.classes_, target)
    rho = meta.get("rho", 0.04) if args.rho is None else args.rho
    constraint = args.constraint or meta.get("constraint", "demographic_parity")
    learner = make_learner(args.learner, rho=rho, constraint=constraint,
                           random_state=args.random_state)
    set_confidence(learner, args.confidence, args.learner)
    groups = _pool_groups(pool, meta["sensitive"], args.learner, learner)
    X_pool = pipe[:-1].transform(pool[meta["features"]])
    y_pool = np.full(len(pool), y[0], dtype=object)
    y_pool[positions] = y  # only the labeled positions are read
    selector.set_params(estimator=learner)
    with writing_model(args.out):
        # fit_selected returns representation -> learner; the final folder stores the
        # learner and applies the preprocessor and (PANDA) encoder itself.
        model = selector.fit_selected(X_pool, y_pool, positions=positions,
                                      sensitive_features=groups)[-1]
        final = final_meta(meta, args.learner, rho, constraint, args.random_state,
                           len(positions), confidence=args.confidence)
        save_final(pipe, model, final, args.out,
                   lambda: _training_arrays(selector, X_pool, y, positions, groups),
                   key_file=args.key_file)
    bound = getattr(model, "certified_bound_", None)
    if bound is not None and bound == bound:  # not NaN
        note(f"demographic parity <= {bound:.4f} on the pool's population with "
             f"confidence {args.confidence} (certified_bound_).")
    elif args.confidence is None:
        _note_uncertified(learner, rho, constraint, groups, len(pool))
    print(f"Trained {args.learner} on {len(positions)} labeled rows "
          f"({len(pool)} pool rows); model saved to {args.out}/")
    return 0


def _training_arrays(selector, X_pool, y, positions, groups):
    """What ``fit_selected`` fitted the learner on, for a learner skops cannot store."""
    Z = selector.transform(X_pool) if hasattr(selector, "transform") else X_pool
    groups = np.zeros(len(X_pool), np.intp) if groups is None else groups
    Z_sel, y_sel, g_sel = Z[positions], selector.label_encoder_.transform(y), groups[positions]
    if selector._trains_on_d0():
        Z_sel, y_sel, g_sel = selector._with_d0(Z_sel, y_sel, g_sel)
    pool_aware = takes_unlabeled(selector.estimator)
    return {"Z": Z_sel, "y": y_sel, "groups": g_sel,
            "Z_unlabeled": Z if pool_aware else None,
            "groups_unlabeled": groups if pool_aware else None}
