"""The pool of ``skpanda select``, read chunk by chunk: CSV, or Parquet with pyarrow.

:func:`select_streamed` reads, checks, preprocesses and encodes ``chunk_size``
rows at a time and keeps, per row, only what the selection needs:

* the score, for a strategy that scores each row from that row alone
  (random, group-random, margin, entropy: ``_rowwise_scores``);
* the encoded row, for one that looks at the whole pool at once (PANDA's
  set attention couples the rows through its inducing points; FAL refits
  after every query). PANDA's encoding is ``d_model`` (32) floats a row,
  much less than the CSV row.

Either way the positions equal those of ``pipe.select`` on the whole file.
Each chunk's cells are checked against the fitted model, cell by cell (so the
verdict cannot depend on the chunking): a numeric column must hold numbers,
and a categorical one is read as text in every chunk.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.utils import check_random_state

from .._threads import limit_threads
from ..selectors._utils import top_k
from ..selectors._validation import split_sensitive_column
from ._common import (CLIError, _check_numbers, _check_unique_header, _numeric_columns,
                      _require_columns, sensitive_groups, sensitive_list)

#: File name endings read as Parquet (anything else is read as CSV).
PARQUET_SUFFIXES = (".parquet", ".pq")
#: Rows per chunk of ``skpanda select --chunk-size``.
DEFAULT_CHUNK_SIZE = 100_000


def is_parquet(path):
    """Whether ``path`` is read as Parquet (by its ending: ``.parquet``, ``.pq``)."""
    return Path(path).suffix.lower() in PARQUET_SUFFIXES


def _pyarrow_parquet(path, what):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise CLIError(f"{what} file {str(path)!r} is Parquet, which needs pyarrow: "
                       "pip install 'skpanda[parquet]' (or pass a CSV).") from None
    return pq


def _parquet_file(path, what):
    pq = _pyarrow_parquet(path, what)
    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow's errors for a damaged file vary
        raise CLIError(f"{what} file {str(path)!r} is not a readable Parquet file: "
                       f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None


def pool_columns(path, what):
    """The column names of a pool file, read from its header (CSV) or schema (Parquet)."""
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"{what} file {str(path)!r} does not exist.")
    if is_parquet(path):
        return list(_parquet_file(path, what).schema_arrow.names)
    _check_unique_header(path, what)
    try:
        return list(pd.read_csv(path, nrows=0).columns)
    except pd.errors.EmptyDataError:
        raise CLIError(f"{what} file {str(path)!r} is empty.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise CLIError(f"{what} file {str(path)!r} is not a readable CSV: "
                       f"{str(exc).splitlines()[0]}") from None


def iter_chunks(path, what, *, columns, chunk_size, text_columns=()):
    """DataFrames of at most ``chunk_size`` rows of ``columns``, labelled by row number.

    ``text_columns`` are read as text in every chunk (a categorical column
    must not turn into numbers in a chunk that happens to hold only digits).
    """
    path = Path(path)
    if is_parquet(path):
        start = 0
        for batch in _parquet_file(path, what).iter_batches(batch_size=chunk_size,
                                                            columns=columns):
            frame = batch.to_pandas()
            frame.index = pd.RangeIndex(start, start + len(frame))
            start += len(frame)
            yield frame
        return
    reader = pd.read_csv(path, usecols=columns, chunksize=chunk_size,
                         dtype={c: str for c in text_columns})
    try:
        yield from reader  # chunks keep counting rows: labels are row numbers
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise CLIError(f"{what} file {str(path)!r} is not a readable CSV: "
                       f"{str(exc).splitlines()[0]}") from None
    finally:
        reader.close()


def _encode(pipe, frame, groups):
    """One chunk through the preprocessor and the selector's own checks and encoding."""
    selector = pipe.steps[-1][1]
    X = pipe[:-1].transform(frame) if len(pipe.steps) > 1 else frame
    X, groups = split_sensitive_column(selector, X, groups, "sensitive_features")
    Z = selector._encode(selector._validate_X(X, reset=False))
    if groups is not None:
        groups = selector._check_pool(Z.shape[0], 1, groups)[1]
    return Z, groups


def _stack(parts):
    if not parts:
        return None
    return sp.vstack(parts, format="csr") if sp.issparse(parts[0]) else np.concatenate(parts)


def select_streamed(pipe, meta, args, *, chunk_size=DEFAULT_CHUNK_SIZE):
    """``pipe.select`` on the pool file ``args.pool``, read ``chunk_size`` rows at a time.

    Returns ``(positions, ids)``: positions into the file's rows in query
    order, and the ``args.id_column`` values of those rows (the positions
    when no id column is named). Errors are one-line :class:`CLIError`.
    """
    what = f"--pool {args.pool!r}"
    if args.budget < 1:
        raise CLIError(f"--budget {args.budget} must be between 1 and the pool size.")
    header = pd.DataFrame(columns=pool_columns(args.pool, "--pool"))
    features, sensitive = meta["features"], sensitive_list(meta["sensitive"])
    _require_columns(header, features + ([args.id_column] if args.id_column else []), what)
    lacks = [c for c in sensitive if c not in header.columns]
    has_groups = not lacks
    if lacks and meta["needs_pool_groups"]:
        needs = (f"column {sensitive[0]!r}, which {what} lacks" if len(sensitive) == 1 else
                 f"columns {sensitive}; {what} lacks {lacks}")
        raise CLIError(f"method {meta['method']!r} needs the pool's sensitive {needs}.")
    numeric = _numeric_columns(pipe)
    columns = list(dict.fromkeys(features + sensitive * has_groups
                                 + [args.id_column] * bool(args.id_column)))
    selector = pipe.steps[-1][1]
    rowwise = getattr(selector, "_rowwise_scores", False)
    rng = check_random_state(selector.random_state)
    state = selector._initial_state() if rowwise and selector._sequential else None
    kept, groups, ids, n_rows = [], [], [], 0
    with limit_threads():
        for frame in iter_chunks(args.pool, what, columns=columns, chunk_size=chunk_size,
                                 text_columns=[c for c in features if c not in numeric]):
            if frame.empty:  # a header without rows
                continue
            _check_numbers(frame[[c for c in features if c in numeric]], numeric, what,
                           first_line=None if is_parquet(args.pool) else 2)
            Z, g = _encode(pipe, frame[features],
                           sensitive_groups(frame, sensitive) if has_groups else None)
            kept.append(selector._score_pool(np.arange(Z.shape[0]), state, Z_pool=Z, groups=g,
                                             random_state=rng) if rowwise else Z)
            groups.append(g)
            ids.append(frame[args.id_column].to_numpy() if args.id_column else None)
            n_rows += Z.shape[0]
        if not 1 <= args.budget <= n_rows:
            raise CLIError(f"--budget {args.budget} must be between 1 and the pool size "
                           f"({n_rows} rows)." if n_rows else
                           f"{what} has a header but no rows.")
        pool_groups = _stack(groups) if has_groups else None
        budget, pool_groups = selector._check_pool(n_rows, args.budget, pool_groups)
        kept = _stack(kept)
        positions = (top_k(kept, budget, rng) if rowwise
                     else selector._select_encoded(kept, budget, pool_groups))
    positions = np.asarray(positions, dtype=np.intp)
    return positions, (_stack(ids)[positions] if args.id_column else positions)


def take_rows(path, what, positions, *, chunk_size=DEFAULT_CHUNK_SIZE):
    """The rows at ``positions`` of a pool file, in that order, read in one streaming pass.

    For output that shows the selected rows' own columns without holding the
    pool: only the selected rows of each chunk are kept.
    """
    positions = np.asarray(positions, dtype=np.intp)
    parts = []
    for frame in iter_chunks(path, what, columns=None, chunk_size=chunk_size):
        start = frame.index[0] if len(frame) else 0
        inside = (positions >= start) & (positions < start + len(frame))
        parts.append(frame.iloc[positions[inside] - start])
    rows = pd.concat(parts) if parts else pd.DataFrame()
    return rows.loc[positions].reset_index(drop=True)
