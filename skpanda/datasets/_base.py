"""Helpers shared by the dataset loaders: locating files and building the Bunch."""

import os
from pathlib import Path

import pandas as pd
from sklearn.utils import Bunch

#: Environment variable that points at a folder holding the external data sets.
DATA_ENV = "SKPANDA_DATA"


def _candidate_homes():
    """Yield ``shared/datasets`` folders next to an ancestor of the package or CWD."""
    seen = set()
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for folder in (start, *start.parents):
            candidate = folder / "shared" / "datasets"
            if candidate not in seen:
                seen.add(candidate)
                yield candidate


def get_data_home(data_home=None):
    """Return the folder that holds the external data sets.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder; returned unchanged when given.

    Returns
    -------
    path : pathlib.Path
        ``data_home`` if given, else ``$SKPANDA_DATA``, else the first existing
        ``shared/datasets`` folder next to an ancestor of the package or of the
        current directory, else ``./shared/datasets`` (which then fails with a
        clear message when a file is read).
    """
    if data_home is not None:
        return Path(data_home).expanduser()
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    for candidate in _candidate_homes():
        if candidate.is_dir():
            return candidate
    return Path.cwd() / "shared" / "datasets"


def find_file(data_home, subfolder, filename, *, source):
    """Return ``<data_home>/<subfolder>/<filename>`` or raise a helpful error.

    Raises
    ------
    FileNotFoundError
        When the file is missing; the message names the full path looked for,
        where the file comes from and how to point skpanda at it.
    """
    path = get_data_home(data_home) / subfolder / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"Data file not found: {path}. Download {filename} ({source}) and put it "
            f"in {path.parent}/, or pass data_home= (or set the {DATA_ENV} environment "
            f"variable) to a folder that holds {subfolder}/{filename}."
        )
    return path


def check_choice(value, name, choices):
    """Raise a ValueError naming ``name`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not supported; use one of {sorted(choices)}.")


def make_bunch(data, target, sensitive, *, descr, return_X_y, as_frame):
    """Assemble the loaders' return value from a feature frame, target and groups.

    ``target`` must be a named Series; ``sensitive`` a Series.
    """
    target = target.astype("int64")
    feature_names = [str(c) for c in data.columns]
    frame = pd.concat([data, target], axis=1) if as_frame else None
    if not as_frame:
        data = data.to_numpy(dtype=object)
        target = target.to_numpy()
        sensitive = sensitive.to_numpy(dtype=object)
    if return_X_y:
        return data, target, sensitive
    return Bunch(
        data=data,
        target=target,
        sensitive=sensitive,
        feature_names=feature_names,
        frame=frame,
        DESCR=descr,
    )
