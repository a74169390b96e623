"""``skpanda advise``: should I label more? Predicted F1 and gain per budget, before buying."""

import argparse
import warnings
from pathlib import Path

from ..datasets import make_preprocessor
from ..learners import PoolThresholdClassifier
from ..simulation import estimate_label_value
from ._common import (SENSITIVE_HELP, CLIError, _check_numbers, _check_target,
                      _require_columns, feature_columns, note, parse_sensitive, read_csv,
                      sensitive_groups)


def _budgets(text):
    try:
        values = [int(b) for b in text.split(",") if b.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive integers such as 50,100,400, got {text!r}")
    return values


def add_parser(sub):
    """The ``advise`` sub-command and its options."""
    adv = sub.add_parser("advise", help="predict what B more labels would buy (F1, gain, "
                         "disparity) from D0 and the unlabeled pool")
    adv.add_argument("--data", required=True, help="labeled CSV (D0)")
    adv.add_argument("--pool", required=True,
                     help="unlabeled CSV to buy labels from (a target column there is ignored)")
    adv.add_argument("--target", required=True, help="binary label column of --data")
    adv.add_argument("--sensitive", required=True, metavar="COL,...",
                     help=SENSITIVE_HELP + "; columns of --data and --pool")
    adv.add_argument("--budgets", type=_budgets, default=[50, 100, 400],
                     help="numbers of labels to price, comma-separated (default: 50,100,400)")
    adv.add_argument("--rho", type=float, default=0.04,
                     help="parity bound ρ of the pool learner (default: 0.04)")
    adv.add_argument("--confidence", type=float, default=0.9,
                     help="nominal coverage of the intervals (default: 0.9)")
    adv.add_argument("--min-gain", type=float, default=0.005,
                     help="smallest F1 gain worth paying for: the verdict names the first "
                     "budget whose gain interval lies above it (default: 0.005)")
    adv.add_argument("--drop", nargs="+", default=[], metavar="COL",
                     help="columns that are not features (default: none; id-like columns "
                     "are dropped without it)")
    adv.add_argument("--sensitive-as-feature", action="store_true",
                     help="also use the sensitive column(s) as features (default: off)")
    adv.add_argument("--random-state", type=int, default=0,
                     help="seed of the folds and bootstraps (default: 0)")
    adv.add_argument("--out", default="advice",
                     help="folder for advice.csv and advice.png (default: advice)")
    adv.set_defaults(run=run)
    return adv


def _inputs(args):
    """D0 and pool as encoded arrays, with every check done before the work."""
    df = read_csv(args.data, "--data")
    args.sensitive = parse_sensitive(args.sensitive, df.columns)
    _require_columns(df, [args.target, *args.sensitive, *args.drop], f"--data {args.data!r}")
    _check_target(df[args.target], args.target)
    features = feature_columns(df, args)
    pool = read_csv(args.pool, "--pool")
    _require_columns(pool, [*features, *args.sensitive], f"--pool {args.pool!r}")
    if args.target in pool.columns:
        note(f"--pool has a {args.target!r} column; advise never reads it.")
    if not 0 < args.confidence < 1:
        raise CLIError(f"--confidence {args.confidence} must be in (0, 1), e.g. 0.9.")
    if not 0 < args.rho < 1:
        raise CLIError(f"--rho {args.rho} must be in (0, 1), e.g. 0.04.")
    too_big = [b for b in args.budgets if b > len(pool)]
    if too_big:
        raise CLIError(f"--budgets {too_big} exceed the pool size ({len(pool)} rows).")
    _check_numbers(df[features], [], f"--data {args.data!r}")
    prep = make_preprocessor(df[features]).fit(df[features])
    _check_numbers(pool[features], [c for c in features if df[c].dtype.kind in "if"],
                   f"--pool {args.pool!r}")
    labels = sorted(df[args.target].unique())
    y = (df[args.target] == labels[1]).astype(int).to_numpy()
    groups = sensitive_groups(df, args.sensitive, f"--data {args.data!r}").astype(str)
    pool_groups = sensitive_groups(pool, args.sensitive, f"--pool {args.pool!r}").astype(str)
    return prep.transform(df[features]), y, groups, prep.transform(pool[features]), pool_groups


def plot_advice(advice, path):
    """Predicted F1 against the budget, its interval, and D0 alone."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.fill_between(advice["budget"], advice["f1_low"], advice["f1_high"], alpha=0.25,
                    label=f"{advice.attrs['confidence']:.0%} interval")
    ax.plot(advice["budget"], advice["f1"], "o-", label="predicted F1, D0 + B labels")
    ax.axhline(advice.attrs["f1_d0"], color="k", ls="--", lw=1, label="D0 alone")
    ax.set_xlabel("labels bought (B)")
    ax.set_ylabel("test F1")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(args):
    """``skpanda advise``: the advisor's table on stdout, CSV and figure in ``--out``."""
    X, y, g, Xp, gp = _inputs(args)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*met only by a constant classifier.*")
        advice = estimate_label_value(
            X, y, sensitive_features=g, X_pool=Xp, sensitive_features_pool=gp,
            budgets=args.budgets, estimator=PoolThresholdClassifier(rho=args.rho, random_state=0),
            confidence=args.confidence, random_state=args.random_state)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    advice.to_csv(out / "advice.csv", index=False)
    plot_advice(advice, out / "advice.png")
    attrs = advice.attrs
    print(f"D0: {attrs['n_d0']} rows, predicted F1 {attrs['f1_d0']:.3f} alone; pool: "
          f"{attrs['n_pool']} rows (D0-vs-pool AUC {attrs['shift_auc']:.2f}, 0.5 = alike).")
    print(advice.drop(columns="certified_bound").to_string(index=False, float_format="%.3f"))
    helps = advice["gain_low"] >= args.min_gain
    verdict = (f"labels help from B = {int(advice.loc[helps, 'budget'].iloc[0])}"
               if helps.any() else f"no budget is predicted to raise F1 by {args.min_gain} "
               "or more (--min-gain): D0 may be enough")
    print(f"Verdict: {verdict}. Wrote {out / 'advice.csv'} and {out / 'advice.png'}")
    return 0
