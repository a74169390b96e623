"""The experiment harness: the paper's §4 comparison as one function call.

``run_experiment`` runs every (method, seed) cell of the grid through
``joblib.Parallel`` (so ``joblib.parallel_backend("dask")`` distributes it),
writes one small JSON file per finished cell (an interrupted run resumes
without recomputing them), and assembles the tidy CSV, the Markdown summary
and the figures from those files.
"""

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from ..learners import check_learners, make_learner
from ..panda import PandaQuerySelector
from ._cells import (
    COLUMNS,
    cell_path,
    fingerprint,
    run_cell,
    with_learner_column,
    write_json_atomic,
)
from ._figures import plot_figures, summary_table
from ._protocol import check_methods, load_dataset, plan_cells, split_protocol

#: Learning-curve budgets of ``run_experiment`` (the paper's §4); the largest is the table's.
DEFAULT_BUDGETS = (25, 50, 100, 200, 300, 400)

#: PANDA settings of ``quick=True``: a short meta-training.
QUICK_PANDA_PARAMS = {"n_iter": 30}


def _check_budgets(budgets):
    try:
        budgets = sorted({int(b) for b in budgets})
    except (TypeError, ValueError):
        raise ValueError(f"budgets={budgets!r} must be positive integers, e.g. (25, 50, 100).")
    if not budgets or budgets[0] < 1:
        raise ValueError(f"budgets={budgets!r} must be positive integers, e.g. (25, 50, 100).")
    return budgets


def _check_seeds(seeds):
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds={seeds} must be at least 1 (or a list of seeds).")
        return list(range(int(seeds)))
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds=[] holds no seed; pass a count such as 3 or a list.")
    return list(dict.fromkeys(seeds))


def _panda_selector(params, seed, rho, verbose, estimator=None):
    selector = PandaQuerySelector(rho=rho, random_state=seed, verbose=verbose,
                                  estimator=estimator)
    return selector.set_params(**params)  # unknown names raise a ValueError


def fit_representation(split, seed, *, out, key, rho, panda_params, budget, verbose=False,
                       learner="lr", estimator=None):
    """The fitted PANDA selector of one seed and learner, from the on-disk cache if there.

    PANDA meta-trains for its downstream ``estimator`` (the learner's), so it
    is fitted once per (seed, learner); the ``"lr"`` files keep their old
    names (``seed{seed}-{key}``), the others are ``seed{seed}-{learner}-{key}``.
    Returns ``(selector, seconds)``: the meta-training time (as recorded when
    it was first fitted; a resumed fit records the time of its last part).
    """
    folder = Path(out) / "panda"
    stem = f"seed{seed}-{key}" if learner == "lr" else f"seed{seed}-{learner}-{key}"
    model, meta = folder / f"{stem}.panda", folder / f"{stem}.json"
    if meta.exists():
        return (PandaQuerySelector.load(model, estimator=estimator),
                json.loads(meta.read_text())["seconds"])
    folder.mkdir(parents=True, exist_ok=True)
    # PANDA checkpoints its meta-training there: an interrupted fit resumes.
    params = {"budget": budget, "checkpoint_path": str(folder / f"{stem}.ckpt"),
              **(panda_params or {})}
    selector = _panda_selector(params, seed, rho, verbose, estimator)
    tic = time.perf_counter()
    selector.fit(split.X_train, split.y_train, sensitive_features=split.g_train)
    seconds = time.perf_counter() - tic
    if getattr(selector, "n_iter_", selector.n_iter) < selector.n_iter:
        # Ctrl-C inside meta-training: PANDA keeps the partial policy; never cache it.
        raise KeyboardInterrupt
    selector.save(model)
    params = {k: repr(v) if k == "estimator" and v is not None else v
              for k, v in selector.get_params(deep=False).items()}
    write_json_atomic(meta, {"seconds": seconds, "params": params})
    return selector, seconds


def run_experiment(dataset="adult", methods=None, *, seeds=None, budgets=DEFAULT_BUDGETS,
                   rho=0.04, out="results", n_jobs=1, quick=False, panda_params=None,
                   fal_candidates=None, dataset_params=None, progress=True, plot=True,
                   learners=None):
    """Reproduce the paper's §4 comparison and write its table and figures.

    For every seed: shuffle, split D0 / pool / test (§4,
    :func:`~skpanda.simulation._protocol.split_protocol`), build the shared
    representation (§4.2: the encoder of a PANDA selector meta-trained on D0
    when ``"panda"`` is among ``methods``, else the standardised one-hot
    features), then for every method and learner select ``max(budgets)``
    rows, train the learner on each budget's prefix and evaluate it on the
    test set.

    Parameters
    ----------
    dataset : {"adult", "compas", "german", "census_kdd", "synthetic"}, default="adult"
    methods : list of str, default=None
        Subset of ``random, margin, entropy, group_random, fal, fairlearn,
        fairlearn_al, panda`` (the names of
        :func:`skpanda.selectors.selector_names`); ``None`` runs all of them.
    seeds : int or list of int, default=None
        Number of seeds (``0 .. seeds-1``) or the seeds; ``None`` means 3, or
        1 with ``quick=True``.
    budgets : sequence of int, default=(25, 50, 100, 200, 300, 400)
        Budgets of the learning curves. Budgets above the pool size are
        dropped with a warning.
    rho : float, default=0.04
        Disparity bound of fairlearn, FAL and PANDA.
    out : str or path, default="results"
        Output folder: ``cells/`` (one JSON per finished cell), ``panda/``
        (the fitted PANDA per seed), ``results.csv``, ``summary.md``,
        ``figure1_tradeoff.png``, ``figure2_learning_curves.png``.
    n_jobs : int, default=1
        Cells run in parallel through ``joblib.Parallel``; inside
        :func:`~skpanda.simulation.dask_backend` they run on a Dask cluster
        (pass ``n_jobs=-1`` to use every worker).
    quick : bool, default=False
        One seed, a short PANDA meta-training (:data:`QUICK_PANDA_PARAMS`)
        and FAL with 20 candidates per query.
    panda_params : dict, default=None
        Extra ``PandaQuerySelector`` parameters (``budget`` defaults to
        ``max(budgets)``).
    fal_candidates : int, default=None
        FAL's ``n_candidates``: 100, or 20 with ``quick=True``.
    dataset_params : dict, default=None
        Passed to the dataset loader (e.g. ``{"n_samples": 2000}`` for
        ``"synthetic"``, ``{"data_home": ...}`` for the others).
    progress : bool, default=True
        Show tqdm progress bars (on stderr).
    plot : bool, default=True
        Write the figures (needs matplotlib).
    learners : list of str or str, default=None
        Downstream learners (names of :func:`skpanda.learners.learner_names`,
        or one comma-separated string): ``lr`` (LogisticRegression), ``eg``
        (fairlearn's ExponentiatedGradient, bound ``rho``), ``pool``
        (:class:`~skpanda.learners.PoolThresholdClassifier`), ``pool_eg``
        (:class:`~skpanda.learners.PoolExponentiatedGradient`, slow), ``sgd``
        (the paper's SGD-trained linear model). Every method runs with every
        learner; ``fairlearn``/``fairlearn_al`` are ``random``/``margin``
        with ``eg`` and run only when that pair is not in the grid. ``None``
        is ``["lr"]``.

    Returns
    -------
    results : pandas.DataFrame
        One row per method × learner × seed × budget: ``dataset, method,
        learner, seed, budget``; the test metrics ``f1, accuracy, delta_dp, delta_eo,
        delta_eb``; wall times ``select_seconds`` (the one selection at the
        largest budget), ``fit_seconds`` (``fit`` on D0; PANDA's
        meta-training), ``train_seconds`` (the downstream classifier at this
        budget); ``n_selected``; ``labels_used`` (pool labels the method paid
        for: the selected rows plus any label the oracle revealed for a row the
        selection then dropped); ``positive_share`` and ``minority_share`` (of
        the selected rows), ``positive_rate_test`` and ``representation``.

    Notes
    -----
    Rerunning with the same arguments and ``out`` reuses every finished cell
    and the cached PANDA selectors (one per seed and learner); changing an
    argument that affects a cell (dataset, budgets, rho, representation, FAL
    candidates) recomputes it, and adding a learner computes only its cells.
    Cells are keyed by (method, learner, seed); those of the default learner
    keep their pre-learner file names, so old folders resume.

    Examples
    --------
    >>> import tempfile
    >>> from skpanda.simulation import run_experiment
    >>> with tempfile.TemporaryDirectory() as out:
    ...     df = run_experiment("synthetic", ["random", "entropy"], seeds=1,
    ...                         budgets=(10, 20), out=out, progress=False, plot=False,
    ...                         dataset_params={"n_samples": 400})
    >>> df[["method", "learner", "budget"]].values.tolist()
    [['random', 'lr', 10], ['random', 'lr', 20], ['entropy', 'lr', 10], ['entropy', 'lr', 20]]
    """
    methods = check_methods(methods)
    learners = check_learners(learners)
    seeds = _check_seeds((1 if quick else 3) if seeds is None else seeds)
    budgets = _check_budgets(budgets)
    if fal_candidates is None:
        fal_candidates = 20 if quick else 100
    if quick:
        panda_params = {**QUICK_PANDA_PARAMS, **(panda_params or {})}
    dataset_params = dict(dataset_params or {})
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    X, y, groups = load_dataset(dataset, **dataset_params)
    splits = {s: split_protocol(X, y, groups, random_state=s) for s in seeds}
    budgets = _fit_budgets(budgets, min(len(sp.y_pool) for sp in splits.values()))

    use_panda = "panda" in methods
    representation = ("panda:" + fingerprint(panda_params or {})) if use_panda else "onehot"
    base = dict(dataset=dataset, dataset_params=dataset_params, budgets=budgets, rho=rho,
                representation=representation)
    rep_key = fingerprint({**base, "budgets": max(budgets)})

    def key(method):
        extra = {"fal_candidates": fal_candidates} if method == "fal" else {}
        return fingerprint({**base, **extra})

    pairs = plan_cells(methods, learners)

    def path_of(pair, s):
        return cell_path(out, pair[0], s, key(pair[0]), learner=pair[1])

    cells = [path_of(p, s) for p in pairs for s in seeds]
    write_json_atomic(out / "config.json", {**base, "methods": methods, "learners": learners,
                                            "seeds": seeds, "panda_params": panda_params,
                                            "fal_candidates": fal_candidates,
                                            "cells": [c.name for c in cells]})
    (out / "results.csv").unlink(missing_ok=True)  # rewritten once every cell is done

    estimators = {(s, l): make_learner(l, rho=rho, random_state=s)
                  for s in seeds for l in {l for _, l in pairs}}
    encoders = _representations(splits, learners, estimators, use_panda, out=out, key=rep_key,
                                rho=rho, panda_params=panda_params, budget=max(budgets),
                                progress=progress)

    def task(pair, s):
        # an alias row's learner (fairlearn's eg) without its own PANDA uses the first one's
        encoder, seconds = encoders[s, pair[1] if pair[1] in learners else learners[0]]
        return delayed(run_cell)(pair[0], s, splits[s], budgets, encoder=encoder, rho=rho,
                                 fal_candidates=fal_candidates, encoder_seconds=seconds,
                                 dataset=dataset, representation=representation,
                                 learner=pair[1], estimator=estimators[s, pair[1]])

    tasks = {(p, s): task(p, s) for p in pairs for s in seeds if not path_of(p, s).exists()}
    _run_cells(tasks, pairs, seeds, path_of, n_jobs=n_jobs, progress=progress)

    df = _read_cells(cells)
    df.to_csv(out / "results.csv", index=False)
    (out / "summary.md").write_text(summary_table(df) + "\n")
    if plot:
        plot_figures(df, out, rho=rho)
    return df


def _representations(splits, learners, estimators, use_panda, *, progress, **kwargs):
    """``{(seed, learner): (fitted PANDA or None, seconds)}``: one PANDA per seed and learner."""
    if not use_panda:
        return {(s, l): (None, 0.0) for s in splits for l in learners}
    todo = [(s, l) for s in splits for l in learners]
    return {(s, l): fit_representation(splits[s], s, learner=l, estimator=estimators[s, l],
                                       verbose=progress, **kwargs)
            for s, l in _bar(todo, progress, "PANDA (shared representation)")}


def _run_cells(tasks, pairs, seeds, path_of, *, n_jobs, progress):
    """Run the unfinished cells ``{((method, learner), seed): delayed call}``; write each."""
    names = {p: p[0] if p[1] == "lr" else f"{p[0]}/{p[1]}" for p in pairs}
    bars = {p: _bar_total(len(seeds), progress, names[p], i) for i, p in enumerate(pairs)}
    for p in pairs:
        bars[p].update(len(seeds) - sum(1 for pp, _ in tasks if pp == p))
    try:
        for rows in _run_parallel(list(tasks.values()), n_jobs):
            p, s = (rows[0]["method"], rows[0]["learner"]), rows[0]["seed"]
            write_json_atomic(path_of(p, s), rows)
            bars[p].update(1)
    except KeyboardInterrupt:
        done = sum(path_of(p, s).exists() for p in pairs for s in seeds)
        folder = path_of(pairs[0], seeds[0]).parent
        print(f"\nInterrupted: {done} finished cells are kept in {folder}; rerun the "
              "same command to resume.", file=sys.stderr)
        raise
    finally:
        for bar in bars.values():
            bar.close()


def load_results(out):
    """Read the tidy results of a finished (or interrupted) run.

    Parameters
    ----------
    out : str or path
        The output folder of :func:`run_experiment`.

    Returns
    -------
    results : pandas.DataFrame
        ``results.csv`` when the last run finished; otherwise the rows of the
        cells of the last run (``config.json``) that are finished. Files
        written before learners were named get ``learner = "lr"`` (``"eg"``
        for ``fairlearn`` and ``fairlearn_al``).
    """
    out = Path(out)
    if (out / "results.csv").exists():
        return with_learner_column(pd.read_csv(out / "results.csv"))
    try:
        names = json.loads((out / "config.json").read_text())["cells"]
    except (OSError, ValueError, KeyError):
        names = []
    files = [out / "cells" / name for name in names if (out / "cells" / name).exists()]
    if not files:
        raise FileNotFoundError(
            f"{out} holds no results.csv and no finished cells; run "
            "run_experiment(out=...) or `skpanda reproduce --out ...` first."
        )
    return _read_cells(files)


def _read_cells(files):
    rows = [row for f in files for row in json.loads(Path(f).read_text())]
    df = pd.DataFrame(rows)
    if not rows:
        return pd.DataFrame(columns=list(COLUMNS))
    return with_learner_column(df).reindex(columns=list(COLUMNS))


def _run_parallel(tasks, n_jobs):
    """Results of ``tasks`` as each finishes; all at the end on backends that cannot stream."""
    try:
        yield from Parallel(n_jobs=n_jobs, return_as="generator_unordered")(tasks)
    except ValueError as exc:
        if "return_as" not in str(exc):
            raise
        yield from Parallel(n_jobs=n_jobs)(tasks)


def _fit_budgets(budgets, n_pool):
    kept = [b for b in budgets if b <= n_pool]
    if not kept:
        raise ValueError(f"budgets={budgets} all exceed the pool size ({n_pool}); pass "
                         "smaller budgets or a larger dataset.")
    if len(kept) < len(budgets):
        warnings.warn(f"budgets {[b for b in budgets if b > n_pool]} exceed the pool size "
                      f"({n_pool}) and are dropped.", UserWarning)
    return kept


def _bar(iterable, enabled, desc):
    return tqdm(iterable, desc=desc, disable=not enabled, leave=False)


def _bar_total(total, enabled, desc, position):
    return tqdm(total=total, desc=f"{desc:>13}", unit="seed", disable=not enabled,
                position=position, leave=True)
