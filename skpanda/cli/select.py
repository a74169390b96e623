"""``skpanda select``: the pool rows to label, in query order."""

import pandas as pd

from ._common import _add_progress, _positive_int, _progress, write_csv_atomically
from ._model import add_key_file, load_model
from ._stream import DEFAULT_CHUNK_SIZE, select_streamed, take_rows


def add_parser(sub):
    """The ``select`` sub-command and its options."""
    sel = sub.add_parser("select", help="choose which pool rows to label, in query order",
                         description="Write the pool rows to label, in query order: rank, "
                         "the row key, the rows' own columns and an empty target column to "
                         "fill in (then `skpanda train --labeled`).")
    sel.add_argument("--model", required=True, help="model folder written by `skpanda fit`")
    sel.add_argument("--pool", required=True,
                     help="unlabeled rows holding the model's feature columns: a CSV, or a "
                     ".parquet/.pq file (needs pyarrow)")
    sel.add_argument("--budget", type=int, required=True, help="number of rows to label")
    sel.add_argument("--id-column", default=None,
                     help="pool column that identifies a row, written as the key (default: "
                     "none; the key is `row`, the 0-based pool row number)")
    sel.add_argument("--out", required=True,
                     help="CSV of the rows to label (rank, key, the rows' columns, an empty "
                     "target column)")
    sel.add_argument("--chunk-size", type=_positive_int, default=DEFAULT_CHUNK_SIZE,
                     help="pool rows read and encoded at a time (default: "
                          f"{DEFAULT_CHUNK_SIZE}); the selection does not depend on it")
    add_key_file(sel)
    _add_progress(sel)
    sel.set_defaults(run=run)
    return sel


def rows_to_label(rows, positions, id_column, target):
    """``rank``, the row key (``id_column`` or ``row``), the rows' own columns, a blank target.

    ``rows``: the selected pool rows, in query order; ``positions``: their row
    numbers in the pool. The annotator fills in the ``target`` column (left
    empty unless the pool already holds it) and passes the file to
    ``skpanda train --labeled``.
    """
    key = id_column or "row"
    rows = rows.reset_index(drop=True)
    keys = rows[key] if id_column else pd.Series(positions, name="row")
    out = pd.concat([pd.DataFrame({"rank": range(1, len(positions) + 1), key: keys}),
                     rows.drop(columns=[c for c in (key, "rank") if c in rows.columns])], axis=1)
    if target not in out.columns:
        out[target] = pd.Series([pd.NA] * len(out), dtype="object")
    return out


def run(args):
    """``skpanda select``: rows of the pool to label, in query order."""
    pipe, meta = load_model(args.model, key_file=args.key_file)
    pipe.steps[-1][1].set_params(verbose=_progress(args))
    positions, _ = select_streamed(pipe, meta, args, chunk_size=args.chunk_size)
    rows = take_rows(args.pool, f"--pool {args.pool!r}", positions, chunk_size=args.chunk_size)
    out = rows_to_label(rows, positions, args.id_column, meta["target"])
    write_csv_atomically(out, args.out)
    print(f"Wrote {len(out)} rows to label, in query order, to {args.out}")
    return 0
