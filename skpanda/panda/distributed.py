"""Fit PANDA with meta-training spread over processes (torch.distributed).

Run it under torchrun, one process per CPU core group or GPU::

    torchrun --nproc_per_node=2 -m skpanda.panda.distributed \\
        --data d0.csv --target income --sensitive sex --n-tasks 8 --out panda.joblib

Every process reads the same labeled CSV (D0), pretrains the same encoder (same
seed) and meta-trains the policy; each iteration of Algorithm 1 averages
``--n-tasks`` simulated tasks, process ``r`` of ``W`` simulating tasks
``r, r + W, ...`` (:mod:`skpanda.panda._nn.distributed`: gloo on CPU, NCCL on
CUDA, gradients and decisions all-reduced, identical parameters on every
rank). Task ``j`` of iteration ``k`` has a seed that does not depend on ``W``,
so ``W`` processes give the model one process gives with the same
``--n-tasks``, up to floating-point noise. Before any training the ranks
compare hashes of D0, the encoder's output, the initial policy and the
settings, and all stop with a ``ValueError`` naming what differs.

Rank 0 alone shows progress, writes the checkpoint (``--checkpoint``: run the
same command again to resume) and the model: a pickled (joblib)
:class:`~skpanda.pipeline.SelectionPipeline` of
:func:`~skpanda.datasets.make_preprocessor` and the fitted
:class:`~skpanda.panda.PandaQuerySelector`; ``joblib.load`` it and call
``select(X_pool, budget)``. Without torchrun the command runs in this process
alone (still with ``--n-tasks`` tasks per iteration).
"""

import argparse
import json
import sys
import warnings

import joblib
import pandas as pd

from ..datasets import make_preprocessor
from ..pipeline import make_selection_pipeline
from ._selector import PandaQuerySelector


def _param(text):
    """``KEY=VALUE`` with a JSON value (else the string)."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


def build_parser():
    """The command line of ``python -m skpanda.panda.distributed``."""
    parser = argparse.ArgumentParser(
        prog="torchrun --nproc_per_node=N -m skpanda.panda.distributed",
        description="Fit PANDA on a labeled CSV with meta-training over torch.distributed "
                    "processes; rank 0 writes the model (joblib).")
    parser.add_argument("--data", required=True, help="labeled CSV (D0)")
    parser.add_argument("--target", required=True, help="binary label column")
    parser.add_argument("--sensitive", required=True, help="sensitive attribute column")
    parser.add_argument("--drop", nargs="+", default=[], metavar="COL",
                        help="columns that are not features")
    parser.add_argument("--n-tasks", type=int, default=None,
                        help="simulated tasks per iteration (default: the number of processes)")
    parser.add_argument("--budget", type=int, default=400)
    parser.add_argument("--rho", type=float, default=0.04)
    parser.add_argument("--constraint", default="demographic_parity")
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--device", default="cpu",
                        help="'cpu' (gloo) or 'cuda' (NCCL; process r uses cuda:LOCAL_RANK)")
    parser.add_argument("--param", type=_param, action="append", default=[],
                        metavar="KEY=VALUE", help="a PandaQuerySelector parameter (repeatable)")
    parser.add_argument("--checkpoint", default=None, help="meta-training checkpoint (resume)")
    parser.add_argument("--progress", action="store_true", help="progress bars (rank 0)")
    parser.add_argument("--out", required=True, help="model file to write (rank 0)")
    return parser


def fit_distributed(df, args, collective, device):
    """Fit the preprocessor + PANDA pipeline on ``df``; every rank returns it fitted."""
    from ._nn.distributed import meta_training_group  # lazy: torch

    features = [c for c in df.columns if c not in {args.target, args.sensitive, *args.drop}]
    selector = PandaQuerySelector(budget=args.budget, rho=args.rho, constraint=args.constraint,
                                  random_state=args.random_state, device=device,
                                  verbose=args.progress and collective.is_main,
                                  checkpoint_path=args.checkpoint)
    selector.set_params(**dict(args.param))
    pipe = make_selection_pipeline(make_preprocessor(df[features]), selector)
    n_tasks = collective.world if args.n_tasks is None else args.n_tasks
    if n_tasks < collective.world:  # before pretraining, not after
        raise ValueError(f"--n-tasks {n_tasks} is smaller than the {collective.world} "
                         f"processes; pass --n-tasks {collective.world} or more.")
    with meta_training_group(collective, n_tasks=n_tasks), warnings.catch_warnings():
        if not collective.is_main:
            warnings.simplefilter("ignore")  # other ranks stay silent
        pipe.fit(df[features], df[args.target].to_numpy(),
                 **{f"{pipe.steps[-1][0]}__sensitive_features": df[args.sensitive].to_numpy()})
    return pipe


def main(argv=None):
    """Parse ``argv``, join the process group, fit; rank 0 writes ``--out``. Returns 0."""
    args = build_parser().parse_args(argv)
    from ._nn.distributed import process_group  # lazy: torch

    df = pd.read_csv(args.data)
    missing = [c for c in (args.target, args.sensitive, *args.drop) if c not in df.columns]
    if missing:
        raise ValueError(f"--data {args.data!r} has no column(s) {missing}; its columns are "
                         f"{list(df.columns)}.")
    with process_group(args.device) as (collective, device):
        pipe = fit_distributed(df, args, collective, device)
        if collective.is_main:
            joblib.dump(pipe, args.out)
            print(f"wrote {args.out} ({collective.world} process(es), "
                  f"{pipe.steps[-1][1].n_iter_} iterations)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
