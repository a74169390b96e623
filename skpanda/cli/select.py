"""``skpanda select``: the pool rows to label, in query order."""

from pathlib import Path

import pandas as pd

from ._common import _add_progress, _positive_int, _progress
from ._model import load_model
from ._stream import DEFAULT_CHUNK_SIZE, select_streamed


def add_parser(sub):
    """The ``select`` sub-command and its options."""
    sel = sub.add_parser("select", help="choose which pool rows to label, in query order")
    sel.add_argument("--model", required=True, help="model folder written by `skpanda fit`")
    sel.add_argument("--pool", required=True,
                     help="unlabeled rows: a CSV, or a .parquet/.pq file (needs pyarrow)")
    sel.add_argument("--budget", type=int, required=True, help="number of rows to label")
    sel.add_argument("--id-column", default=None, help="column to write (default: row number)")
    sel.add_argument("--out", required=True, help="CSV of the rows to label")
    sel.add_argument("--chunk-size", type=_positive_int, default=DEFAULT_CHUNK_SIZE,
                     help="pool rows read and encoded at a time (default: "
                          f"{DEFAULT_CHUNK_SIZE}); the selection does not depend on it")
    _add_progress(sel)
    sel.set_defaults(run=run)
    return sel


def run(args):
    """``skpanda select``: rows of the pool to label, in query order."""
    pipe, meta = load_model(args.model)
    pipe.steps[-1][1].set_params(verbose=_progress(args))
    positions, ids = select_streamed(pipe, meta, args, chunk_size=args.chunk_size)
    out = pd.DataFrame({"rank": range(1, len(positions) + 1),
                        args.id_column or "row": ids})
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(args.out, index=False)
    print(f"Wrote {len(out)} rows to label, in query order, to {args.out}")
    return 0
