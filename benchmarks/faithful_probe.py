"""Meta-train the faithful PANDA once on Adult and print its history (tuning probe, issue #23).

Usage: ``PYTHONPATH=$PWD python benchmarks/faithful_probe.py SEED N_ITER '{"eta": 1000}'``:
the JSON holds :class:`~skpanda.panda._nn.config.MetaTrainConfig` changes applied to the
faithful preset (:func:`~skpanda.panda._nn.config.recipe_changes`). Prints the fit time,
the share of the second half's iterations whose training task met rho after the proximal
step, and the per-iteration history. Outputs of the runs made: docs/research/faithful_runs/tuning_normalized.txt
(the first, plain-gradient preset: docs/research/faithful_runs/plain_gd_12it/tuning_seed0.txt).
"""

import json
import sys
import warnings

import numpy as np

import faithful_panda as fp
from skpanda.panda._nn.config import recipe_changes
from skpanda.simulation import load_dataset, split_protocol

KEYS = ("val_f1", "val_disparity", "prox_steps", "disparity_after_prox", "eval_f1",
        "eval_disparity", "disparity_gap")


def main():
    warnings.simplefilter("ignore")
    seed, n_iter, changes = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
    X, y, g = load_dataset("adult")
    split = split_protocol(X, y, g, random_state=seed)
    with recipe_changes(**changes):
        panda, fit_s = fp.fit_panda(split, seed, n_iter, {})
    print("fit", round(fit_s), "feasible 2nd half", fp.feasibility(panda.history_))
    for key in KEYS:
        print(key, np.round(np.asarray(panda.history_[key], float), 3).tolist())


if __name__ == "__main__":
    main()
