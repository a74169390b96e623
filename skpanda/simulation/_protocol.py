"""The experimental protocol of the paper's §4: data, splits, methods, oracle.

One seed of an experiment is a :class:`ProtocolSplit`: the data shuffled with
the seed, split 50/50 into meta-train D0 and meta-test, and meta-test split
50/50 into the unlabeled pool and the test set, every split stratified by
label × group. Methods are built by :func:`make_selector` from the names used
in result files and on the command line; names, labels and flags come from the
one registry, :mod:`skpanda.selectors._registry` (importing :mod:`skpanda.panda`
here registers ``"panda"``).
"""

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from .. import datasets
from .._splits import stratify_key
from ..metrics._validation import combine_groups
from ..panda import PandaQuerySelector  # noqa: F401  (registers "panda")
from ..selectors import get_selector_spec, selector_names
from ..selectors import make_selector as _make_registered
from ..selectors._registry import fairlearn_estimator  # noqa: F401  (old home)

#: Method names, in the order of the paper's §4.1 (the registry's order).
METHODS = selector_names()

#: Methods that look at groups or parity (drawn with solid lines/filled markers).
PARITY_AWARE = frozenset(m for m in METHODS if get_selector_spec(m).parity_aware)

#: Sequential methods: they query labels one at a time through the oracle.
SEQUENTIAL = frozenset(m for m in METHODS if get_selector_spec(m).sequential)

#: Data sets ``load_dataset`` and ``skpanda reproduce --dataset`` know by name.
DATASETS = ("adult", "compas", "german", "census_kdd", "synthetic")

#: Labels used in tables and figures.
LABELS = {m: get_selector_spec(m).label for m in METHODS}

#: Methods that rank the pool with a LogisticRegression whatever the learner
#: (FAL refits its query model per candidate row and label: only the plain
#: LogisticRegression has the fast exact refit); the learner trains the final model.
QUERY_WITH_LR = frozenset({"fal"})


def check_methods(methods):
    """Validate method names; ``None`` means every registered method."""
    if methods is None:
        return list(selector_names())
    if isinstance(methods, str):
        methods = [m.strip() for m in methods.split(",") if m.strip()]
    methods = list(dict.fromkeys(methods))
    unknown = [m for m in methods if m not in selector_names()]
    if unknown or not methods:
        raise ValueError(
            f"methods={methods!r} holds unknown or no method names {unknown}; "
            f"choose among {list(selector_names())}."
        )
    return methods


def plan_cells(methods, learners):
    """The ``(method, learner)`` pairs of the experiment grid.

    Every method runs with every learner, except the methods tied to a
    learner (``fairlearn`` is ``random`` with ``eg``): they run with their own
    learner, and only when the pair they alias is not already in the grid.

    Examples
    --------
    >>> plan_cells(["random", "fairlearn"], ["lr"])
    [('random', 'lr'), ('fairlearn', 'eg')]
    >>> plan_cells(["random", "fairlearn"], ["lr", "eg"])
    [('random', 'lr'), ('random', 'eg')]
    """
    pairs = []
    for method in methods:
        spec = get_selector_spec(method)
        if spec.learner is None:
            pairs += [(method, learner) for learner in learners]
        elif not (spec.alias_of in methods and spec.learner in learners):
            pairs.append((method, spec.learner))
    return pairs


def load_dataset(name, **params):
    """Return ``(X, y, groups)`` for one of :data:`DATASETS`.

    Parameters
    ----------
    name : str
        ``"adult"`` (shipped), ``"compas"``, ``"german"``, ``"census_kdd"`` (read
        from ``data_home``), ``"synthetic"``, or ``"csv"`` (a user's labeled CSV).
    **params
        Passed to the loader (e.g. ``data_home=``); for ``"synthetic"``, to
        :func:`skpanda.datasets.make_biased_classification` (default 20,000 rows
        and ``random_state=0``); for ``"csv"``: ``path``, ``target`` (a binary
        column, its larger value is 1), ``sensitive`` (the group column, not a
        feature; a list of several forms their combined groups, as
        :func:`skpanda.metrics.combine_groups`) and ``drop`` (other columns
        that are not features).

    Returns
    -------
    X : pandas.DataFrame or ndarray
    y : ndarray of 0/1
    groups : ndarray
    """
    if name == "csv":
        return _load_csv(**params)
    if name == "synthetic":
        params = {"n_samples": 20000, "random_state": 0, **params}
        X, y, groups = datasets.make_biased_classification(return_X_y=True, **params)
        return X, np.asarray(y), np.asarray(groups)
    if name not in DATASETS:
        raise ValueError(f"dataset={name!r} is unknown; choose among {list(DATASETS)}.")
    X, y, groups = getattr(datasets, f"load_{name}")(return_X_y=True, **params)
    return X, np.asarray(y), np.asarray(groups)


def _load_csv(*, path, target, sensitive, drop=()):
    """``(X, y, groups)`` of a labeled CSV: ``y`` is 1 for the larger of two labels."""
    import pandas as pd

    frame = pd.read_csv(path)
    labels = np.unique(frame[target].to_numpy())
    if labels.size != 2:
        raise ValueError(f"target={target!r} of {path!r} must hold two distinct values; "
                         f"it has {labels.size}.")
    y = (frame[target].to_numpy() == labels[1]).astype(int)
    sensitive = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    X = frame.drop(columns=list(dict.fromkeys([target, *sensitive, *drop])))
    return X, y, combine_groups(frame[sensitive])


@dataclass
class ProtocolSplit:
    """D0, pool and test set of one seed, in the standardised feature space.

    ``X_*`` are dense float arrays: the raw columns one-hot encoded and
    standardised by :func:`skpanda.datasets.make_preprocessor` fitted on D0.

    Parameters
    ----------
    X_train, y_train, g_train : ndarray
        D0 (the meta-train half): features, labels, group codes.
    X_pool, y_pool, g_pool : ndarray
        The unlabeled pool (a quarter of the rows); ``y_pool`` is what an oracle returns.
    X_test, y_test, g_test : ndarray
        The test set (the last quarter).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    g_train: np.ndarray
    X_pool: np.ndarray
    y_pool: np.ndarray
    g_pool: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    g_test: np.ndarray


def _stratify_key(y, groups):
    return stratify_key(y, groups, min_count=4, label_major=True)


def split_protocol(X, y, groups, *, random_state):
    """Split one seed's data as in the paper's §4.

    Shuffle with ``random_state``; 50/50 into meta-train D0 and meta-test;
    meta-test 50/50 into the unlabeled pool and the test set. Both splits are
    stratified by label × group (by label alone if some label × group cell
    has fewer than 4 rows). Groups are coded 0 .. k-1 in sorted order of
    their labels (Adult: 0 = Female, 1 = Male). Features are one-hot encoded and standardised by a
    preprocessor fitted on D0 only.

    Parameters
    ----------
    X : pandas.DataFrame or array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    groups : array-like of shape (n_samples,)
    random_state : int

    Returns
    -------
    split : ProtocolSplit

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(400, 3)); y = rng.randint(0, 2, 400); g = rng.randint(0, 2, 400)
    >>> s = split_protocol(X, y, g, random_state=0)
    >>> len(s.y_train), len(s.y_pool), len(s.y_test)
    (200, 100, 100)
    """
    y = np.asarray(y)
    groups = np.unique(np.asarray(groups), return_inverse=True)[1].ravel()
    idx = np.arange(y.shape[0])
    train, meta_test = train_test_split(
        idx, test_size=0.5, shuffle=True, random_state=random_state,
        stratify=_stratify_key(y, groups),
    )
    pool, test = train_test_split(
        meta_test, test_size=0.5, shuffle=True, random_state=random_state,
        stratify=_stratify_key(y[meta_test], groups[meta_test]),
    )

    def take(rows):
        return X.iloc[rows] if hasattr(X, "iloc") else np.asarray(X)[rows]

    prep = datasets.make_preprocessor(take(train)).fit(take(train))

    def encode(rows):
        return np.ascontiguousarray(prep.transform(take(rows)), dtype=float)

    return ProtocolSplit(
        encode(train), y[train], groups[train],
        encode(pool), y[pool], groups[pool],
        encode(test), y[test], groups[test],
    )


def make_selector(method, *, encoder=None, rho=0.04, constraint="demographic_parity",
                  random_state=None, fal_candidates=100, estimator=None,
                  query_estimator=None):
    """Build the query selector of one method name for the harness.

    :func:`skpanda.selectors.make_selector` with the harness's FAL setting.

    Parameters
    ----------
    method : str
        One of :data:`METHODS` except ``"panda"`` (the harness fits PANDA
        once per seed and reuses it).
    encoder : fitted transformer, default=None
        The shared representation (a fitted ``PandaQuerySelector``), or
        ``None`` to work on the standardised features directly.
    rho : float, default=0.04
        Disparity bound of fairlearn.
    constraint : str, default="demographic_parity"
        Parity metric of fairlearn and FAL.
    random_state : int, default=None
    fal_candidates : int, default=100
        ``n_candidates`` of Fair Active Learning: the number of pool rows
        (the most uncertain ones) whose expected disparity is evaluated per
        query, which keeps FAL's per-candidate refits tractable.
    estimator : classifier, default=None
        The downstream classifier (a learner of
        :func:`skpanda.learners.make_learner`); ``None`` is the selector's
        default LogisticRegression.
    query_estimator : classifier, default=None
        The model that ranks the pool (``None``: the selector's default, the
        plain model behind ``estimator``).

    Returns
    -------
    selector : BaseQuerySelector
        Unfitted.
    """
    if method == "panda":  # fitted once per seed in the harness, shared as representation
        raise ValueError("method='panda' has no selector factory here: the harness fits "
                         "PANDA once per seed and passes it as encoder=.")
    selector = _make_registered(method, encoder=encoder, rho=rho, constraint=constraint,
                                random_state=random_state, estimator=estimator)
    if method == "fal":
        selector.set_params(n_candidates=fal_candidates)
    if query_estimator is not None:
        selector.set_params(query_estimator=query_estimator)
    return selector


def make_oracle(y_pool):
    """An oracle answering label queries from the pool's hidden labels.

    Examples
    --------
    >>> make_oracle([0, 1, 1])([2, 0]).tolist()
    [1, 0]
    """
    y_pool = np.asarray(y_pool)
    return lambda positions: y_pool[np.asarray(positions)]
