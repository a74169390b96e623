"""``skpanda report``: how a model of ``skpanda train`` does per group on labeled rows."""

from pathlib import Path

import numpy as np
import pandas as pd
from fairlearn.metrics import (MetricFrame, count, demographic_parity_difference,
                               false_positive_rate, selection_rate, true_positive_rate)
from sklearn.metrics import accuracy_score, f1_score

from ..metrics import demographic_parity, equalized_odds, error_rate_balance
from ._common import (CLIError, _check_target, _require_columns, read_csv, sensitive_list,
                      sensitive_name)
from ._final import load_final
from ._model import add_key_file
from .predict import model_inputs
from .train import class_values


def add_parser(sub):
    """The ``report`` sub-command and its options."""
    rep = sub.add_parser(
        "report", help="per-group fairness report of a model of `skpanda train`",
        description="Predict labeled rows and write, per group, the number of rows, the "
        "selection rate, TPR and FPR, with the disparities of Table 1 of the PANDA paper "
        "and fairlearn's demographic_parity_difference: report.md, groups.csv, "
        "disparities.csv and report.png.")
    rep.add_argument("--model", required=True, help="model folder written by `skpanda train`")
    rep.add_argument("--data", required=True,
                     help="labeled CSV never used for training (a test set) holding the "
                     "features, the target and the sensitive column(s)")
    rep.add_argument("--target", default=None,
                     help="label column of --data (default: the model's target column)")
    rep.add_argument("--out", required=True,
                     help="folder to write the report to (created if missing; its four files "
                     "are replaced)")
    add_key_file(rep)
    rep.set_defaults(run=run)
    return rep


def fairness_table(y_true, y_pred, groups):
    """Per group and overall (``"all"``): n, selection rate, TPR, FPR; and the disparities.

    Parameters
    ----------
    y_true, y_pred : array-like of 0/1, shape (n_samples,)
    groups : array-like of shape (n_samples,)

    Returns
    -------
    table : DataFrame
        One row per group, then ``all``; columns ``group, n, selection_rate,
        tpr, fpr``.
    disparities : dict
        Table 1's ``demographic_parity``, ``equalized_odds``,
        ``error_rate_balance`` (:mod:`skpanda.metrics`), fairlearn's
        ``demographic_parity_difference`` (max − min over groups), and the
        overall ``accuracy`` and ``f1``.
    """
    y_true, y_pred = np.asarray(y_true, int), np.asarray(y_pred, int)
    frame = MetricFrame(metrics={"n": count, "selection_rate": selection_rate,
                                 "tpr": true_positive_rate, "fpr": false_positive_rate},
                        y_true=y_true, y_pred=y_pred, sensitive_features=pd.Series(
                            np.asarray(groups).astype(str), name="group"))
    table = pd.concat([frame.by_group, frame.overall.to_frame("all").T])
    table = table.rename_axis("group").reset_index().astype({"n": int})
    kw = dict(sensitive_features=groups)
    disparities = {
        "demographic_parity": demographic_parity(y_true, y_pred, **kw),
        "equalized_odds": equalized_odds(y_true, y_pred, **kw),
        "error_rate_balance": error_rate_balance(y_true, y_pred, **kw),
        "fairlearn_demographic_parity_difference": demographic_parity_difference(
            y_true, y_pred, **kw),
        "accuracy": accuracy_score(y_true, y_pred), "f1": f1_score(y_true, y_pred)}
    return table, {k: float(v) for k, v in disparities.items()}


def _markdown(table, disparities, meta, n):
    bound = meta["constraint"]
    lines = [f"# Fairness report: {meta['learner']} trained on {meta['n_labeled']} labeled rows "
             f"({meta['method']} selection)", "",
             f"{n} rows; groups by `{sensitive_name(meta['sensitive'])}`; bound of the learner: "
             f"{bound} ≤ ρ = {meta['rho']:g}.", "",
             "| group | n | selection rate | TPR | FPR |", "|---|---|---|---|---|"]
    for row in table.itertuples(index=False):
        lines.append(f"| {row.group} | {row.n} | {row.selection_rate:.3f} | {row.tpr:.3f} | "
                     f"{row.fpr:.3f} |")
    lines += ["", "| measure | value | note |", "|---|---|---|"]
    for name, value in disparities.items():
        note = ""
        if name == bound:
            note = f"{'≤' if value <= meta['rho'] else '>'} ρ = {meta['rho']:g}"
        elif name == "fairlearn_demographic_parity_difference":
            note = "max − min selection rate over groups"
        lines.append(f"| {name} | {value:.3f} | {note} |")
    return "\n".join(lines) + "\n"


def _figure(table, disparities, meta, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CLIError("report.png needs matplotlib: pip install 'skpanda[plot]' "
                       "(report.md and the CSV files were written).") from None
    measures = [("selection_rate", "selection rate"), ("tpr", "TPR"), ("fpr", "FPR")]
    fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    width = 0.8 / len(table)
    for i, row in enumerate(table.itertuples(index=False)):
        x = np.arange(len(measures)) + (i - (len(table) - 1) / 2) * width
        ax.bar(x, [getattr(row, m) for m, _ in measures], width, label=f"{row.group} "
               f"(n={row.n})", color="0.6" if row.group == "all" else None)
    ax.set_xticks(range(len(measures)), [label for _, label in measures])
    ax.set_ylim(0, 1)
    ax.set_ylabel("rate")
    ax.set_title(f"{meta['learner']}: Δ_DP {disparities['demographic_parity']:.3f}, "
                 f"Δ_EO {disparities['equalized_odds']:.3f}, F1 {disparities['f1']:.3f}",
                 fontsize=10)
    ax.legend(title=sensitive_name(meta["sensitive"]), loc="upper left",
              bbox_to_anchor=(1.01, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(args):
    """``skpanda report``: per-group table, disparities and a figure."""
    model = load_final(args.model, key_file=args.key_file)
    meta = model.meta
    target = args.target or meta["target"]
    df = read_csv(args.data, "--data")
    where = f"--data {args.data!r}"
    _require_columns(df, [target, *sensitive_list(meta["sensitive"])], where)
    _check_target(df[target], target)
    groups = model_inputs(model, df, where)
    y = class_values(df[target].to_numpy(), meta["classes"], target, where)
    y_true = (y == meta["classes"][1]).astype(int)
    table, disparities = fairness_table(y_true, model.predict_positive(df, groups), groups)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {str(out)!r} exists and is not a folder.")
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(_markdown(table, disparities, meta, len(df)))
    table.to_csv(out / "groups.csv", index=False)
    pd.DataFrame([disparities]).to_csv(out / "disparities.csv", index=False)
    _figure(table, disparities, meta, out / "report.png")
    print((out / "report.md").read_text())
    print(f"Wrote report.md, groups.csv, disparities.csv and report.png to {out}/")
    return 0
