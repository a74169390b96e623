"""The experiment harness end to end on a small synthetic problem."""

import json

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from skpanda import simulation as experiments  # the merged public experiment API
from skpanda.simulation import _figures, _harness
from skpanda.simulation._cells import COLUMNS
from skpanda.simulation._figures import plot_figures, summary_table

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
METHODS = ["random", "entropy", "group_random"]
KW = dict(seeds=2, budgets=(10, 20, 40), dataset_params={"n_samples": 600}, progress=False)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    return experiments.run_experiment("synthetic", METHODS, out=out, **KW), out


def _counting(monkeypatch):
    calls = []
    real = _harness.run_cell

    def counted(method, seed, *args, **kwargs):
        calls.append((method, seed))
        return real(method, seed, *args, **kwargs)

    monkeypatch.setattr(_harness, "run_cell", counted)
    return calls


def test_tidy_table(run):
    df, out = run
    assert list(df.columns) == list(COLUMNS)
    assert len(df) == len(METHODS) * 2 * 3
    assert set(df["method"]) == set(METHODS) and set(df["seed"]) == {0, 1}
    assert sorted(df["budget"].unique()) == [10, 20, 40]
    assert (df["n_selected"] == df["budget"]).all()
    # every method here keeps each label it reads: labels used = budget (FAL included)
    assert (df["labels_used"] == df["budget"]).all()
    for col in ["f1", "accuracy", "delta_dp", "delta_eo", "delta_eb", "positive_share",
                "minority_share"]:
        assert df[col].between(0, 1).all(), col
    assert (df["select_seconds"] >= 0).all() and (df["representation"] == "onehot").all()
    pd.testing.assert_frame_equal(pd.read_csv(out / "results.csv"), df, check_dtype=False)


def test_group_random_draws_only_the_worst_group_first(run):
    df, _ = run
    shares = df[df["method"] == "group_random"]["minority_share"]
    assert set(np.round(shares, 6)) <= {0.0, 1.0}


def test_summary_file_matches_summary_table(run):
    df, out = run
    text = (out / "summary.md").read_text()
    assert text.strip() == summary_table(df)
    assert text.startswith("| method (B=40, 2 seeds) | learner | F1 | Δ_DP | Δ_EO | Δ_EB |")
    assert "| Group-aware random | lr |" in text and " ± " in text


@pytest.mark.parametrize("name", ["figure1_tradeoff.png", "figure2_learning_curves.png"])
def test_figures_are_valid_pngs(run, name):
    _, out = run
    path = out / name
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 600


def test_resume_skips_finished_cells(run, monkeypatch):
    df, out = run
    calls = _counting(monkeypatch)
    again = experiments.run_experiment("synthetic", METHODS, out=out, **KW)
    assert calls == []
    pd.testing.assert_frame_equal(again, df)


def test_new_method_or_changed_rho_computes_only_what_is_new(run, monkeypatch, tmp_path):
    _, out = run
    calls = _counting(monkeypatch)
    experiments.run_experiment("synthetic", METHODS + ["margin"], out=out, **KW)
    assert sorted(calls) == [("margin", 0), ("margin", 1)]
    calls.clear()
    experiments.run_experiment("synthetic", ["random"], out=out, rho=0.1, **KW)
    assert sorted(calls) == [("random", 0), ("random", 1)]


def test_interrupt_keeps_finished_cells(tmp_path, monkeypatch):
    real = _harness.run_cell
    calls = []

    def flaky(method, seed, *args, **kwargs):
        calls.append((method, seed))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(method, seed, *args, **kwargs)

    # an earlier finished run with another rho must not leak into load_results
    experiments.run_experiment("synthetic", ["random"], out=tmp_path, rho=0.2, plot=False, **KW)
    monkeypatch.setattr(_harness, "run_cell", flaky)
    with pytest.raises(KeyboardInterrupt):
        experiments.run_experiment("synthetic", ["random"], out=tmp_path, **KW)
    assert len(list((tmp_path / "cells").glob("*.json"))) == 2 + 1
    assert not (tmp_path / "results.csv").exists()
    partial = experiments.load_results(tmp_path)
    assert len(partial) == 3 and set(partial["seed"]) == {0}
    monkeypatch.setattr(_harness, "run_cell", real)
    calls = _counting(monkeypatch)
    df = experiments.run_experiment("synthetic", ["random"], out=tmp_path, plot=False, **KW)
    assert calls == [("random", 1)] and len(df) == 6


def test_cell_files_are_json_rows(run):
    _, out = run
    files = sorted((out / "cells").glob("entropy-seed0-*.json"))
    rows = json.loads(files[0].read_text())
    assert [r["budget"] for r in rows] == [10, 20, 40]
    config = json.loads((out / "config.json").read_text())
    assert config["dataset"] == "synthetic" and config["budgets"] == [10, 20, 40]


def test_sequential_prefixes_share_one_selection(run):
    df, _ = run
    ent = df[(df["method"] == "entropy") & (df["seed"] == 0)]
    assert ent["select_seconds"].nunique() == 1


def test_budgets_above_the_pool_are_dropped(tmp_path):
    with pytest.warns(UserWarning, match=r"exceed the pool size \(50\)"):
        df = experiments.run_experiment(
            "synthetic", ["random"], seeds=1, budgets=(10, 500), out=tmp_path,
            dataset_params={"n_samples": 200}, progress=False, plot=False)
    assert df["budget"].tolist() == [10]


@pytest.mark.parametrize("kwargs, match", [
    (dict(methods=["nope"]), "unknown or no method names"),
    (dict(seeds=0), "seeds=0 must be at least 1"),
    (dict(budgets=(0, 10)), "must be positive integers"),
    (dict(budgets=(1000,)), r"all exceed the pool size"),
])
def test_bad_arguments(tmp_path, kwargs, match):
    args = dict(methods=["random"], seeds=1, budgets=(10,), out=tmp_path,
                dataset_params={"n_samples": 200}, progress=False, **{})
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        experiments.run_experiment("synthetic", **args)


def test_load_results_without_anything(tmp_path):
    with pytest.raises(FileNotFoundError, match="no results.csv and no finished cells"):
        experiments.load_results(tmp_path)


def test_summary_table_single_seed_and_empty():
    df = pd.DataFrame({"method": ["panda", "random"], "seed": [0, 0], "budget": [5, 5],
                       "f1": [0.5, 0.25], "delta_dp": [0.01, 0.2], "delta_eo": [0, 0],
                       "delta_eb": [0, 0], "select_seconds": [1.0, 0.0]})
    table = summary_table(df).splitlines()
    assert table[0].startswith("| method (B=5, 1 seed) |")
    # paper order: random before PANDA; one seed: no ± column
    assert table[2] == "| Random | lr | 0.250 | 0.200 | 0.000 | 0.000 | 0.00 |"
    assert table[3].startswith("| PANDA | lr | 0.500 | 0.010 |")
    with pytest.raises(ValueError, match="no results"):
        summary_table(df.iloc[:0])


def test_plot_figures_one_seed(tmp_path):
    rows = [dict(dataset="d", method=m, seed=0, budget=b, f1=0.5 + b / 100, delta_dp=0.1,
                 delta_eb=0.2, positive_rate_test=0.3)
            for m in ["random", "panda"] for b in (10, 20)]
    paths = plot_figures(pd.DataFrame(rows), tmp_path, rho=0.05)
    assert [p.name for p in paths] == ["figure1_tradeoff.png", "figure2_learning_curves.png"]
    assert all(p.read_bytes()[:8] == PNG_SIGNATURE for p in paths)


def test_panda_representation_is_fitted_once_and_cached(tmp_path, monkeypatch):
    PandaQuerySelector = pytest.importorskip("skpanda.panda").PandaQuerySelector

    kw = dict(seeds=1, budgets=(10, 20), dataset_params={"n_samples": 400}, progress=False,
              plot=False, panda_params={"n_iter": 2, "d_model": 8, "n_inducing": 4,
                                        "n_memory": 4, "n_samples": 1})
    df = experiments.run_experiment("synthetic", ["random", "panda"], out=tmp_path, **kw)
    assert df["representation"].str.startswith("panda:").all()
    assert len(list((tmp_path / "panda").glob("seed0-*.json"))) == 1
    fitted = []
    monkeypatch.setattr(PandaQuerySelector, "fit",
                        lambda self, *a, **k: fitted.append(1) or self)
    (tmp_path / "results.csv").unlink()
    for f in (tmp_path / "cells").glob("random-*.json"):
        f.unlink()
    again = experiments.run_experiment("synthetic", ["random", "panda"], out=tmp_path, **kw)
    assert fitted == []  # loaded from the on-disk cache
    pd.testing.assert_frame_equal(again.drop(columns=["select_seconds", "fit_seconds",
                                                      "train_seconds"]),
                                  df.drop(columns=["select_seconds", "fit_seconds",
                                                   "train_seconds"]))


def test_interrupted_panda_meta_training_is_not_cached(tmp_path, monkeypatch):
    PandaQuerySelector = pytest.importorskip("skpanda.panda").PandaQuerySelector
    real_fit = PandaQuerySelector.fit

    def interrupted_fit(self, *args, **kwargs):
        real_fit(self, *args, **kwargs)
        self.n_iter_ = 1  # what PANDA reports after a Ctrl-C in meta-training
        return self

    monkeypatch.setattr(PandaQuerySelector, "fit", interrupted_fit)
    with pytest.raises(KeyboardInterrupt):
        experiments.run_experiment(
            "synthetic", ["panda"], out=tmp_path, seeds=1, budgets=(10,), progress=False,
            dataset_params={"n_samples": 400}, panda_params={"n_iter": 2, "d_model": 8})
    assert list((tmp_path / "panda").glob("*.json")) == []
    assert list((tmp_path / "panda").glob("*.ckpt"))  # the checkpoint to resume from


@pytest.mark.parametrize("backend", ["threading", "multiprocessing"])
def test_parallel_backends_give_the_same_table(run, backend, tmp_path):
    import joblib

    df, _ = run
    with joblib.parallel_backend(backend):  # multiprocessing cannot stream results
        par = experiments.run_experiment("synthetic", METHODS, out=tmp_path, n_jobs=2,
                                         plot=False, **KW)
    timing = ["select_seconds", "fit_seconds", "train_seconds"]
    pd.testing.assert_frame_equal(par.drop(columns=timing), df.drop(columns=timing))


# ---------------------------------------------------------------- learners
LKW = dict(seeds=1, budgets=(10, 20), dataset_params={"n_samples": 400}, progress=False,
           plot=False)


def _counting_pairs(monkeypatch):
    calls = []
    real = _harness.run_cell

    def counted(method, seed, *args, **kwargs):
        calls.append((method, kwargs["learner"], seed))
        return real(method, seed, *args, **kwargs)

    monkeypatch.setattr(_harness, "run_cell", counted)
    return calls


def test_every_method_runs_with_every_learner_and_resumes(tmp_path, monkeypatch):
    calls = _counting_pairs(monkeypatch)
    df = experiments.run_experiment("synthetic", ["random", "fairlearn"], out=tmp_path,
                                    learners=["lr", "pool"], **LKW)
    # fairlearn is random + eg: it keeps its own learner when eg is not in the grid
    assert sorted(calls) == [("fairlearn", "eg", 0), ("random", "lr", 0),
                             ("random", "pool", 0)]
    assert list(df.columns) == list(COLUMNS)
    assert sorted(set(zip(df["method"], df["learner"]))) == [
        ("fairlearn", "eg"), ("random", "lr"), ("random", "pool")]
    names = sorted(p.name.rsplit("-", 1)[0] for p in (tmp_path / "cells").glob("*.json"))
    assert names == ["fairlearn-seed0", "random-pool-seed0", "random-seed0"]
    saved = pd.read_csv(tmp_path / "results.csv")
    assert saved["learner"].tolist() == df["learner"].tolist()
    assert "| Random | pool |" in (tmp_path / "summary.md").read_text()
    calls.clear()
    again = experiments.run_experiment("synthetic", ["random", "fairlearn"], out=tmp_path,
                                       learners="lr,pool", **LKW)
    assert calls == []  # every (method, learner, seed) cell resumed
    pd.testing.assert_frame_equal(again, df)
    # adding eg computes only random/eg; the fairlearn alias row is then random/eg itself
    df3 = experiments.run_experiment("synthetic", ["random", "fairlearn"], out=tmp_path,
                                     learners=["lr", "pool", "eg"], **LKW)
    assert calls == [("random", "eg", 0)]
    assert sorted(set(zip(df3["method"], df3["learner"]))) == [
        ("random", "eg"), ("random", "lr"), ("random", "pool")]
    fair = df[df["method"] == "fairlearn"].drop(columns=["method", "select_seconds",
                                                         "fit_seconds", "train_seconds"])
    same = df3[(df3["method"] == "random") & (df3["learner"] == "eg")]
    pd.testing.assert_frame_equal(
        fair.reset_index(drop=True),
        same.drop(columns=["method", "select_seconds", "fit_seconds",
                           "train_seconds"]).reset_index(drop=True))


def test_unknown_learner_fails_before_any_work(tmp_path):
    with pytest.raises(ValueError, match=r"learner names \['svm'\]; choose among lr, eg, pool"):
        experiments.run_experiment("synthetic", ["random"], out=tmp_path, learners="lr,svm",
                                   **LKW)
    assert not (tmp_path / "cells").exists()


def test_old_results_without_learner_column_load(tmp_path):
    rows = [dict(dataset="d", method=m, seed=0, budget=10, f1=0.5, accuracy=0.6,
                 delta_dp=0.1, delta_eo=0.1, delta_eb=0.2, select_seconds=0.0,
                 positive_rate_test=0.3) for m in ["random", "fairlearn", "fairlearn_al"]]
    pd.DataFrame(rows).to_csv(tmp_path / "results.csv", index=False)
    df = experiments.load_results(tmp_path)
    assert df["learner"].tolist() == ["lr", "eg", "eg"]
    assert list(df.columns[:3]) == ["dataset", "method", "learner"]
    assert "| Fairlearn | eg |" in summary_table(df)
    # one panel row (fairlearn joins lr's panel as a reference), one seed in the title
    assert [learner for learner, _ in _figures._panels(df)] == ["lr"]
    assert plot_figures(df, tmp_path)[0].read_bytes()[:8] == PNG_SIGNATURE
    # old cell files (rows without the column) read the same way
    (tmp_path / "results.csv").unlink()
    (tmp_path / "cells").mkdir()
    (tmp_path / "cells" / "fairlearn-seed0-abc.json").write_text(json.dumps(rows[1:2]))
    (tmp_path / "config.json").write_text(json.dumps({"cells": ["fairlearn-seed0-abc.json"]}))
    assert experiments.load_results(tmp_path)["learner"].tolist() == ["eg"]


def test_figure_panels_one_row_per_learner():
    rows = [dict(method=m, learner=l, seed=0, budget=10, f1=0.5, delta_dp=0.1, delta_eb=0.1)
            for m, l in [("random", "lr"), ("random", "pool"), ("fairlearn", "eg")]]
    panels = _figures._panels(pd.DataFrame(rows))
    assert [learner for learner, _ in panels] == ["lr", "pool"]
    assert all("fairlearn" in set(sub["method"]) for _, sub in panels)  # the reference row


def test_coinciding_methods_share_one_label_and_labels_do_not_overlap():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    points = [("Margin", 0.5, 0.5), ("Entropy", 0.5, 0.5), ("PANDA", 0.5, 0.502),
              ("Group-aware random", 0.501, 0.499), ("Random", 0.9, 0.1)]
    _figures._annotate_points(ax, points)
    texts = [t for t in ax.texts]
    assert sorted(t.get_text() for t in texts) == ["Group-aware random", "Margin = Entropy",
                                                    "PANDA", "Random"]
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    plt.close(fig)
    assert _figures._seed_text(1) == "one seed (no error bars)"
    assert _figures._seed_text(3) == "mean ± std over 3 seeds"


def test_counting_oracle_charges_labels_read_then_dropped():
    from skpanda.simulation._cells import CountingOracle

    oracle = CountingOracle(np.array([0, 1, 1, 0, 1]))
    assert oracle(np.array([4, 0])).tolist() == [1, 0]
    oracle([2])
    assert oracle.labels_used([4, 0, 2], selection=[4, 0, 2]) == 3    # all kept
    assert oracle.labels_used([4], selection=[4, 0, 2]) == 1          # a prefix of the selection
    assert oracle.labels_used([4, 2], selection=[4, 2]) == 3          # row 0 read, then dropped
