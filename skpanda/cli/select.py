"""``skpanda select``: the pool rows to label, in query order."""

import pandas as pd

from ._common import (CLIError, _add_progress, _check_numbers, _numeric_columns, _progress,
                      _require_columns, read_csv, write_csv_atomically)
from ._model import add_key_file, load_model


def add_parser(sub):
    """The ``select`` sub-command and its options."""
    sel = sub.add_parser("select", help="choose which pool rows to label, in query order",
                         description="Write the pool rows to label, in query order: rank, "
                         "the row key, the rows' own columns and an empty target column to "
                         "fill in (then `skpanda train --labeled`).")
    sel.add_argument("--model", required=True, help="model folder written by `skpanda fit`")
    sel.add_argument("--pool", required=True,
                     help="unlabeled CSV holding the model's feature columns")
    sel.add_argument("--budget", type=int, required=True, help="number of rows to label")
    sel.add_argument("--id-column", default=None,
                     help="pool column that identifies a row, written as the key (default: "
                     "none; the key is `row`, the 0-based pool row number)")
    sel.add_argument("--out", required=True,
                     help="CSV of the rows to label (rank, key, the rows' columns, an empty "
                     "target column)")
    add_key_file(sel)
    _add_progress(sel)
    sel.set_defaults(run=run)
    return sel


def rows_to_label(pool, positions, id_column, target):
    """``rank``, the row key (``id_column`` or ``row``), the rows' own columns, a blank target.

    The annotator fills in the ``target`` column (left empty unless the pool
    already holds it) and passes the file to ``skpanda train --labeled``.
    """
    key = id_column or "row"
    rows = pool.iloc[positions].reset_index(drop=True)
    keys = rows[key] if id_column else pd.Series(positions, name="row")
    out = pd.concat([pd.DataFrame({"rank": range(1, len(positions) + 1), key: keys}),
                     rows.drop(columns=[c for c in (key, "rank") if c in rows.columns])], axis=1)
    if target not in out.columns:
        out[target] = pd.Series([pd.NA] * len(out), dtype="object")
    return out


def run(args):
    """``skpanda select``: rows of the pool to label, in query order."""
    pipe, meta = load_model(args.model, key_file=args.key_file)
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
    out = rows_to_label(pool, positions, args.id_column, meta["target"])
    write_csv_atomically(out, args.out)
    print(f"Wrote {len(out)} rows to label, in query order, to {args.out}")
    return 0
