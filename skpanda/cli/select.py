"""``skpanda select``: the pool rows to label, in query order."""

import pandas as pd

from ._common import (CLIError, _add_progress, _check_numbers, _numeric_columns, _progress,
                      _require_columns, read_csv, write_csv_atomically)
from ._model import add_key_file, load_model


def add_parser(sub):
    """The ``select`` sub-command and its options."""
    sel = sub.add_parser("select", help="choose which pool rows to label, in query order")
    sel.add_argument("--model", required=True, help="model folder written by `skpanda fit`")
    sel.add_argument("--pool", required=True, help="unlabeled CSV")
    sel.add_argument("--budget", type=int, required=True, help="number of rows to label")
    sel.add_argument("--id-column", default=None, help="column to write (default: row number)")
    sel.add_argument("--out", required=True, help="CSV of the rows to label")
    add_key_file(sel)
    _add_progress(sel)
    sel.set_defaults(run=run)
    return sel


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
    ids = (pool[args.id_column].to_numpy()[positions] if args.id_column else positions)
    out = pd.DataFrame({"rank": range(1, len(positions) + 1),
                        args.id_column or "row": ids})
    write_csv_atomically(out, args.out)
    print(f"Wrote {len(out)} rows to label, in query order, to {args.out}")
    return 0
