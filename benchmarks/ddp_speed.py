"""Distributed meta-training: iterations per second with 1 vs 2 torch processes.

Both runs do the same work per iteration of Algorithm 1: ``--n-tasks``
simulated tasks (default 4), simulated by one process or split over two
(``torchrun --nproc_per_node=2``, gloo, one thread per process). D0 is
synthetic (:func:`skpanda.datasets.make_biased_classification`, its features
standing in for the pretrained representation), the policy and the inner
learner have the estimator's default sizes, and evaluation is reduced to one
task at the end so that the iterations dominate. Each run does one warm-up
iteration, then times ``--n-iter`` iterations.

Printed: iterations per second of each run and the ratio ``its(2) / its(1)``
(the speed-up; 2 at best). On a machine whose cores are shared with other
jobs the ratio is noisy: the processes compete with whatever else runs.

Measured (2026-12-03, 2 shared CPU cores, load average 6.5-7 from other jobs, defaults):
1.49 vs 1.83 it/s (x1.23), then 1.16 vs 1.35 it/s (x1.16) on a second run: the two
processes compete with the other jobs for the two cores, so read these as a lower bound.

Run::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ddp_speed.py
    .venv/bin/python benchmarks/ddp_speed.py --n-tasks 8 --n-iter 20 --n-rows 4000
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch

from skpanda.datasets import make_biased_classification
from skpanda.panda._nn.config import MetaTrainConfig
from skpanda.panda._nn.disparity import get_torch_constraint
from skpanda.panda._nn.distributed import process_group
from skpanda.panda._nn.learners import LogisticLearner
from skpanda.panda._nn.policy import SelectionPolicy
from skpanda.panda._nn.training import meta_train


def worker(args):
    """One rank: warm up, time ``n_iter`` iterations, rank 0 prints a JSON line."""
    X, y, g = make_biased_classification(args.n_rows, 16, random_state=0, return_X_y=True)
    Z, y, g = torch.tensor(X, dtype=torch.float32), torch.tensor(y), torch.tensor(g)
    config = MetaTrainConfig(n_tasks=args.n_tasks, keep_best=False, n_eval_tasks=1,
                             eval_every=10**6, holdout=0.0)
    with process_group("cpu") as (collective, _):
        torch.manual_seed(0)
        policy = SelectionPolicy(Z.shape[1] + 1, d_model=32, n_heads=4, n_inducing=32)
        kw = dict(init=torch.zeros(Z.shape[1] + 1), budget=args.budget, rho=0.04,
                  constraint_fn=get_torch_constraint("demographic_parity"),
                  pool_size=args.n_rows // 2, learner=LogisticLearner(), seed=0,
                  collective=collective)
        meta_train(policy, Z, y, g, config=config.replace(n_iter=1), **kw)
        start = time.perf_counter()
        meta_train(policy, Z, y, g, config=config.replace(n_iter=args.n_iter), **kw)
        seconds = time.perf_counter() - start
        if collective.is_main:
            print(json.dumps({"world": collective.world, "seconds": seconds,
                              "its": args.n_iter / seconds}), flush=True)


def launch(nproc, args):
    """Run this script under torchrun with ``nproc`` processes; rank 0's JSON record."""
    torchrun = Path(sys.executable).with_name("torchrun")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [str(torchrun), "--standalone", f"--nproc_per_node={nproc}", __file__, "--worker",
         f"--n-tasks={args.n_tasks}", f"--n-iter={args.n_iter}", f"--n-rows={args.n_rows}",
         f"--budget={args.budget}"], env=env, capture_output=True, text=True, check=True)
    return json.loads([line for line in out.stdout.splitlines() if line.startswith("{")][-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-tasks", type=int, default=4)
    parser.add_argument("--n-iter", type=int, default=10)
    parser.add_argument("--n-rows", type=int, default=2000)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    print(f"meta-training, {args.n_tasks} tasks per iteration, {args.n_iter} iterations, "
          f"D0 {args.n_rows} rows, pool {args.n_rows // 2}, budget {args.budget} "
          f"(torch {torch.__version__}, {os.cpu_count()} CPUs)")
    records = {n: launch(n, args) for n in (1, 2)}
    for n, rec in records.items():
        print(f"  {n} process(es): {rec['its']:.3f} it/s ({rec['seconds']:.1f} s)")
    print(f"  speed-up its(2) / its(1): {records[2]['its'] / records[1]['its']:.2f}")


if __name__ == "__main__":
    main()
