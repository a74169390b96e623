"""Shared pieces of the ``skpanda`` verbs: one-line errors, argument types, CSV checks."""

import argparse
import csv
import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from .._model_folder import no_space
from ..datasets._preprocess import check_numeric_columns
from ..learners import check_learners, learner_names
from ..metrics import combine_groups


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


def _check_unique_header(path, what):
    """Duplicate column names (pandas would rename the second ``age`` to ``age.1``)."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh), [])
    except (UnicodeDecodeError, csv.Error):
        return  # pandas reports an unreadable file
    seen, dups = set(), []
    for name in header:
        if name in seen and name not in dups:
            dups.append(name)
        seen.add(name)
    if dups:
        raise CLIError(f"{what} file {str(path)!r} has duplicate column names {dups}; "
                       "rename them so that every column has its own name.")


def read_csv(path, what):
    """Read a CSV or raise a one-line :class:`CLIError`."""
    path = Path(path)
    if not path.is_file():
        raise CLIError(f"{what} file {str(path)!r} does not exist.")
    _check_unique_header(path, what)
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


def write_csv_atomically(frame, path):
    """``frame.to_csv(path)`` through a temporary sibling and :func:`os.replace`.

    A failure (a full disk, Ctrl-C) leaves no partial or empty file at
    ``path``, and an existing file there as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        frame.to_csv(tmp, index=False)
        os.replace(tmp, path)
    except OSError as exc:
        full = no_space(exc, f"--out {str(path)!r}")
        if full is None:
            raise
        raise full from None
    finally:
        tmp.unlink(missing_ok=True)


#: The help text of ``--sensitive`` (fit, advise, reproduce).
SENSITIVE_HELP = ("sensitive attribute column(s): one name, or several separated by commas "
                  "for intersectional groups, e.g. sex,race (a column whose whole name is "
                  "the text, commas included, wins)")


def parse_sensitive(text, columns):
    """``--sensitive sex,race`` -> ``["sex", "race"]``, or a one-line :class:`CLIError`.

    A column whose whole name is ``text`` (commas included) is that one
    column; otherwise ``text`` is split on commas, and an item that is not a
    column is stripped of surrounding spaces. An empty item or a name given
    twice is an error; whether the names are columns is checked by the caller
    (:func:`_require_columns`), with the file's other missing columns.

    Examples
    --------
    >>> parse_sensitive("sex,race", ["age", "sex", "race"])
    ['sex', 'race']
    >>> parse_sensitive("a,b", ["a,b", "a", "b"])
    ['a,b']
    """
    if text in columns:
        return [text]
    names = [item if item in columns else item.strip() for item in text.split(",")]
    if "" in names:
        raise CLIError(f"--sensitive {text!r} has an empty column name; list the columns "
                       "separated by commas, e.g. --sensitive sex,race.")
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CLIError(f"--sensitive {text!r} names {twice} more than once; give each "
                       "column once, e.g. --sensitive sex,race.")
    return names


def sensitive_list(sensitive):
    """The sensitive column names of a model's metadata (a string before 0.2) or of args."""
    return [sensitive] if isinstance(sensitive, str) else list(sensitive)


def stored_sensitive(columns):
    """What ``skpanda-model.json`` records: the name of one column, the list of several."""
    columns = sensitive_list(columns)
    return columns[0] if len(columns) == 1 else columns


def sensitive_name(sensitive):
    """``sex`` or ``sex × race``: the sensitive columns in a title or a message."""
    return " × ".join(map(str, sensitive_list(sensitive)))


def sensitive_groups(df, sensitive, where=None):
    """The group of each row of ``df``: one column's values, or the combined groups.

    Several columns form one label per row with
    :func:`skpanda.metrics.combine_groups` (``"('F', 'W')"``). With ``where``,
    a missing value in a sensitive column is a one-line :class:`CLIError`.
    """
    columns = sensitive_list(sensitive)
    if where is not None:
        for col in columns:
            if df[col].isna().any():
                raise CLIError(f"{where}: sensitive column {col!r} has "
                               f"{int(df[col].isna().sum())} missing values; fill them in.")
    if len(columns) == 1:
        return df[columns[0]].to_numpy()
    return combine_groups(df[columns])


def missing_sensitive(df, sensitive):
    """``(lacks, phrase)``: the sensitive columns ``df`` lacks and words naming them.

    ``phrase`` is ``"sensitive column 'sex'"`` for one, ``"sensitive columns
    ['sex', 'race']"`` for several (empty when none is missing).
    """
    lacks = [c for c in sensitive_list(sensitive) if c not in df.columns]
    shown = repr(lacks[0]) if len(lacks) == 1 else lacks
    return lacks, (f"sensitive column{'s' * (len(lacks) > 1)} {shown}" if lacks else "")


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


def _check_finite(df, what, first_line=2):
    """Infinite values in numeric columns: one line naming the column and first row.

    Rows are named by ``df``'s index (row numbers of the file, also in a chunk).
    """
    for col in df.columns:
        values = df[col]
        if not pd.api.types.is_float_dtype(values):
            continue
        bad = np.flatnonzero(np.isinf(values.to_numpy(dtype=float)))
        if bad.size:
            row = int(df.index[bad[0]])
            line = f" (file line {row + first_line})" if first_line is not None else ""
            raise CLIError(f"{what}: column {col!r} holds infinity in {bad.size} row(s), first "
                           f"row {row}{line}; replace those cells with finite numbers or "
                           "leave them empty (missing values are imputed).")


def _check_numbers(df, numeric, what, first_line=2):
    """Numeric columns with stray text cells or infinities: one line naming column and rows.

    ``first_line``: the file line of row 0 (2 for a CSV with a header; ``None``
    for a Parquet file, whose rows are named by number).
    """
    _check_finite(df, what, first_line)
    try:
        check_numeric_columns(df, numeric=numeric, first_line=first_line)
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

    The sensitive column(s) give the group of each row, not features, unless
    ``--sensitive-as-feature`` (then all of them are); id-like columns (:func:`id_like_columns`) are
    dropped with a one-line note.
    """
    if getattr(args, "exclude_sensitive", False):
        note("--exclude-sensitive is deprecated and has no effect: the sensitive column "
             "is not a feature unless --sensitive-as-feature.")
    skip, sensitive = {args.target, *args.drop}, set(sensitive_list(args.sensitive))
    if not getattr(args, "sensitive_as_feature", False):
        skip |= sensitive
    ids = id_like_columns(df, skip | sensitive)
    if ids:
        note(f"dropping id-like column(s) {ids} (a different value on every row); "
             "rename a column to keep it.")
    features = [c for c in df.columns if c not in skip and c not in ids]
    if not features:
        raise CLIError(f"--data {args.data!r} has no feature column left besides the target, "
                       "the sensitive column and the dropped ones.")
    return features
