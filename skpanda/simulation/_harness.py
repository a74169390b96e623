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

from ..panda import PandaQuerySelector
from ._cells import COLUMNS, cell_path, fingerprint, run_cell, write_json_atomic
from ._figures import plot_figures, summary_table
from ._protocol import check_methods, load_dataset, split_protocol

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


def _panda_selector(params, seed, rho, verbose):
    selector = PandaQuerySelector(rho=rho, random_state=seed, verbose=verbose)
    return selector.set_params(**params)  # unknown names raise a ValueError


def fit_representation(split, seed, *, out, key, rho, panda_params, budget, verbose=False):
    """The fitted PANDA selector of one seed, from the on-disk cache if there.

    Returns ``(selector, seconds)``: the meta-training time (as recorded when
    it was first fitted; a resumed fit records the time of its last part).
    """
    folder = Path(out) / "panda"
    model, meta = folder / f"seed{seed}-{key}.panda", folder / f"seed{seed}-{key}.json"
    if meta.exists():
        return PandaQuerySelector.load(model), json.loads(meta.read_text())["seconds"]
    folder.mkdir(parents=True, exist_ok=True)
    # PANDA checkpoints its meta-training there: an interrupted fit resumes.
    params = {"budget": budget, "checkpoint_path": str(folder / f"seed{seed}-{key}.ckpt"),
              **(panda_params or {})}
    selector = _panda_selector(params, seed, rho, verbose)
    tic = time.perf_counter()
    selector.fit(split.X_train, split.y_train, sensitive_features=split.g_train)
    seconds = time.perf_counter() - tic
    if getattr(selector, "n_iter_", selector.n_iter) < selector.n_iter:
        # Ctrl-C inside meta-training: PANDA keeps the partial policy; never cache it.
        raise KeyboardInterrupt
    selector.save(model)
    write_json_atomic(meta, {"seconds": seconds, "params": selector.get_params(deep=False)})
    return selector, seconds


def run_experiment(dataset="adult", methods=None, *, seeds=None, budgets=DEFAULT_BUDGETS,
                   rho=0.04, out="results", n_jobs=1, quick=False, panda_params=None,
                   fal_candidates=None, dataset_params=None, progress=True, plot=True):
    """Reproduce the paper's §4 comparison and write its table and figures.

    For every seed: shuffle, split D0 / pool / test (§4,
    :func:`~skpanda.simulation._protocol.split_protocol`), build the shared
    representation (§4.2: the encoder of a PANDA selector meta-trained on D0
    when ``"panda"`` is among ``methods``, else the standardised one-hot
    features), then for every method select ``max(budgets)`` rows, train the
    downstream classifier on each budget's prefix and evaluate it on the test
    set.

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

    Returns
    -------
    results : pandas.DataFrame
        One row per method × seed × budget: ``dataset, method, seed,
        budget``; the test metrics ``f1, accuracy, delta_dp, delta_eo,
        delta_eb``; wall times ``select_seconds`` (the one selection at the
        largest budget), ``fit_seconds`` (``fit`` on D0; PANDA's
        meta-training), ``train_seconds`` (the downstream classifier at this
        budget); ``n_selected``, ``positive_share`` and ``minority_share`` (of
        the selected rows), ``positive_rate_test`` and ``representation``.

    Notes
    -----
    Rerunning with the same arguments and ``out`` reuses every finished cell
    and the cached PANDA selectors; changing an argument that affects a cell
    (dataset, budgets, rho, representation, FAL candidates) recomputes it.

    Examples
    --------
    >>> import tempfile
    >>> from skpanda.simulation import run_experiment
    >>> with tempfile.TemporaryDirectory() as out:
    ...     df = run_experiment("synthetic", ["random", "entropy"], seeds=1,
    ...                         budgets=(10, 20), out=out, progress=False, plot=False,
    ...                         dataset_params={"n_samples": 400})
    >>> df[["method", "budget"]].values.tolist()
    [['random', 10], ['random', 20], ['entropy', 10], ['entropy', 20]]
    """
    methods = check_methods(methods)
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

    cells = [cell_path(out, m, s, key(m)) for m in methods for s in seeds]
    write_json_atomic(out / "config.json", {**base, "methods": methods, "seeds": seeds,
                                            "panda_params": panda_params,
                                            "fal_candidates": fal_candidates,
                                            "cells": [c.name for c in cells]})
    (out / "results.csv").unlink(missing_ok=True)  # rewritten once every cell is done

    encoders = {s: (None, 0.0) for s in seeds}
    if use_panda:
        for s in _bar(seeds, progress, "PANDA (shared representation)"):
            encoders[s] = fit_representation(
                splits[s], s, out=out, key=rep_key, rho=rho, panda_params=panda_params,
                budget=max(budgets), verbose=progress)

    tasks = {
        (m, s): delayed(run_cell)(m, s, splits[s], budgets, encoder=encoders[s][0], rho=rho,
                                  fal_candidates=fal_candidates,
                                  encoder_seconds=encoders[s][1], dataset=dataset,
                                  representation=representation)
        for m in methods for s in seeds if not cell_path(out, m, s, key(m)).exists()
    }
    _run_cells(tasks, methods, seeds, lambda m, s: cell_path(out, m, s, key(m)),
               n_jobs=n_jobs, progress=progress)

    df = _read_cells(cells)
    df.to_csv(out / "results.csv", index=False)
    (out / "summary.md").write_text(summary_table(df) + "\n")
    if plot:
        plot_figures(df, out, rho=rho)
    return df


def _run_cells(tasks, methods, seeds, path_of, *, n_jobs, progress):
    """Run the unfinished cells ``{(method, seed): delayed call}``; write each as it ends."""
    bars = {m: _bar_total(len(seeds), progress, m, i) for i, m in enumerate(methods)}
    for m in methods:
        bars[m].update(len(seeds) - sum(1 for mm, _ in tasks if mm == m))
    try:
        for rows in _run_parallel(list(tasks.values()), n_jobs):
            m, s = rows[0]["method"], rows[0]["seed"]
            write_json_atomic(path_of(m, s), rows)
            bars[m].update(1)
    except KeyboardInterrupt:
        done = sum(path_of(m, s).exists() for m in methods for s in seeds)
        folder = path_of(methods[0], seeds[0]).parent
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
        cells of the last run (``config.json``) that are finished.
    """
    out = Path(out)
    if (out / "results.csv").exists():
        return pd.read_csv(out / "results.csv")
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
    return pd.DataFrame(rows, columns=list(COLUMNS))


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
