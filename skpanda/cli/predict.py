"""``skpanda predict``: predictions of a model of ``skpanda train`` on new rows."""

import pandas as pd
from sklearn.pipeline import Pipeline

from ._common import (CLIError, _check_numbers, _numeric_columns, _require_columns,
                      missing_sensitive, read_csv, sensitive_groups, write_csv_atomically)
from ._final import load_final
from ._model import add_key_file


def add_parser(sub):
    """The ``predict`` sub-command and its options."""
    pr = sub.add_parser(
        "predict", help="predict new rows with a model of `skpanda train`",
        description="Write one line per row of --data: its key, the predicted label and the "
        "probability of the positive (second) class.")
    pr.add_argument("--model", required=True, help="model folder written by `skpanda train`")
    pr.add_argument("--data", required=True,
                    help="CSV holding the model's feature columns (and its sensitive column(s) "
                    "when the learner is group-aware, as the default pool learner is)")
    pr.add_argument("--id-column", default=None,
                    help="column of --data written as each row's key (default: none; the key "
                    "is `row`, the 0-based row number)")
    pr.add_argument("--out", required=True,
                    help="CSV to write: key, prediction, probability")
    add_key_file(pr)
    pr.set_defaults(run=run)
    return pr


def model_inputs(model, df, where):
    """Check ``df`` for ``model``'s columns; returns the groups (or ``None``)."""
    meta = model.meta
    _require_columns(df, meta["features"], where)
    _check_numbers(df[meta["features"]], _numeric(model), where)
    lacks, named = missing_sensitive(df, meta["sensitive"])
    if not lacks:
        return sensitive_groups(df, meta["sensitive"], where)
    if meta["needs_groups_at_predict"]:
        raise CLIError(f"{where} lacks the {named}: "
                       f"the model's learner "
                       f"({meta['learner']}) has one threshold per group and needs each row's "
                       "group. Add the column, or train with a group-blind --learner (lr, eg, "
                       "pool_eg, sgd).")
    return None


def _numeric(model):
    """Columns the model's preprocessor treats as numeric."""
    return _numeric_columns(Pipeline([*model.preprocessor.steps, ("learner", "passthrough")]))


def run(args):
    """``skpanda predict``: label and positive-class probability of each row."""
    model = load_final(args.model, key_file=args.key_file)
    df = read_csv(args.data, "--data")
    if args.id_column is not None:
        _require_columns(df, [args.id_column], f"--data {args.data!r}")
    groups = model_inputs(model, df, f"--data {args.data!r}")
    key = args.id_column or "row"
    out = pd.DataFrame({key: df[args.id_column] if args.id_column else range(len(df)),
                        "prediction": model.predict(df, groups),
                        "probability": model.predict_proba(df, groups)})
    write_csv_atomically(out, args.out)
    print(f"Wrote {len(out)} predictions to {args.out}")
    return 0
