"""The final-model folder of ``skpanda train``: write it, read it back, predict with it.

A final folder holds the selection model's representation (the fitted
preprocessor, and PANDA's ``panda.pt`` when the rows were picked by PANDA),
the trained downstream learner and ``skpanda-model.json``, each listed in
``manifest.json``; loading it runs no code from it (``docs/cli.md``). A
learner skops cannot store (fairlearn's reductions keep pandas internals) is
stored as its training arrays (``learner-data.npz``, read with
``allow_pickle=False``) and refit, deterministically, on load.
"""

import inspect
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import __version__
from .._model_folder import (dump_skops, load_skops, model_key, verify_manifest,
                             write_folder_atomically)
from ..learners import get_learner_spec, make_learner
from ..panda import PandaQuerySelector
from ..selectors._utils import fit_classifier, predict_labels, predict_positive_proba
from ._common import CLIError
from ._model import MODEL_META

FINAL_FORMAT = "skpanda-final-model"
LEARNER_FILE = "learner.skops"
LEARNER_DATA = "learner-data.npz"


@dataclass
class FinalModel:
    """A trained model of ``skpanda train``: raw columns -> representation -> learner.

    Attributes
    ----------
    preprocessor : Pipeline
        The fitted preprocessor of ``skpanda fit`` (one-hot, scaling).
    encoder : PandaQuerySelector or None
        PANDA, whose ``transform`` is the learner's input; ``None`` otherwise.
    learner : classifier
        The downstream learner, fitted on the representation.
    meta : dict
        ``skpanda-model.json``.
    """

    preprocessor: object
    encoder: object
    learner: object
    meta: dict

    def transform(self, X):
        """The learner's input for raw feature columns ``X``."""
        Z = self.preprocessor.transform(X[self.meta["features"]])
        return Z if self.encoder is None else self.encoder.transform(Z)

    def predict(self, X, groups=None):
        """Predicted labels (the model's class values, as text) of the rows of ``X``."""
        codes = predict_labels(self.learner, self.transform(X), random_state=0,
                               sensitive_features=groups)
        return np.asarray(self.meta["classes"], dtype=object)[codes.astype(int)]

    def predict_positive(self, X, groups=None):
        """0/1 predictions (1 = the model's second class)."""
        return predict_labels(self.learner, self.transform(X), random_state=0,
                              sensitive_features=groups).astype(int)

    def predict_proba(self, X, groups=None):
        """Probability of the positive (second) class, one per row."""
        Z = self.transform(X)
        if hasattr(self.learner, "_pmf_predict"):  # fairlearn's randomized classifier
            return np.asarray(self.learner._pmf_predict(Z))[:, 1]
        if "sensitive_features" in inspect.signature(self.learner.predict_proba).parameters:
            return np.asarray(self.learner.predict_proba(Z, sensitive_features=groups))[:, 1]
        return predict_positive_proba(self.learner, Z)


def final_meta(meta, learner, rho, constraint, random_state, n_labeled, *, confidence=None):
    """``skpanda-model.json`` of a final folder, from the selection model's metadata."""
    spec = get_learner_spec(learner)
    return {"format": FINAL_FORMAT, "format_version": 1, "skpanda_version": __version__,
            "method": meta["method"], "learner": learner, "rho": rho,
            "constraint": constraint, "random_state": random_state,
            "confidence": confidence,
            "target": meta["target"], "sensitive": meta["sensitive"],
            "features": meta["features"], "classes": meta["classes"],
            "needs_groups_at_predict": spec.needs_groups_at_predict,
            "n_labeled": int(n_labeled)}


def save_final(pipe, learner, meta, folder, training=None, *, key_file=None):
    """Write a final folder atomically (safe files, ``manifest.json``).

    ``training()``: returns the arrays ``learner`` was fitted on (``Z``, ``y``,
    ``groups`` and, for a pool learner, ``Z_unlabeled``, ``groups_unlabeled``),
    stored instead of ``learner`` when skops cannot store it. With a key
    (``key_file`` or ``$SKPANDA_MODEL_KEY``) the manifest is signed.
    """
    key = model_key(key_file)

    def write(tmp):
        meta_out = dict(meta)
        dump_skops(pipe[:-1], tmp / "preprocessor.skops")
        if meta["method"] == "panda":
            pipe.steps[-1][1].save(tmp / "panda.pt")
        try:
            dump_skops(learner, tmp / LEARNER_FILE)
            meta_out["refit_learner"] = False
        except Exception:  # noqa: BLE001 - any object skops cannot store
            (tmp / LEARNER_FILE).unlink(missing_ok=True)
            arrays = {k: np.asarray(v) for k, v in training().items() if v is not None}
            arrays = {k: v.astype(str) if v.dtype == object else v  # no pickled objects
                      for k, v in arrays.items()}
            np.savez(tmp / LEARNER_DATA, **arrays)
            meta_out["refit_learner"] = True
        (tmp / MODEL_META).write_text(json.dumps(meta_out, indent=1))

    return write_folder_atomically(folder, write, key=key)


def _refit_learner(path, meta):
    """Refit a learner from ``learner-data.npz`` (no pickle: ``allow_pickle=False``)."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    template = make_learner(meta["learner"], rho=meta["rho"], constraint=meta["constraint"],
                            random_state=meta["random_state"])
    if meta.get("confidence") is not None:
        template.set_params(confidence=meta["confidence"])
    return fit_classifier(template, arrays["Z"], arrays["y"], arrays.get("groups"),
                          Z_unlabeled=arrays.get("Z_unlabeled"),
                          groups_unlabeled=arrays.get("groups_unlabeled"))


def _read_final(files, meta):
    def need(name):
        if name not in files:
            raise ValueError(f"the manifest lists no {name!r}")
        return files[name]

    pre = load_skops(need("preprocessor.skops"))
    encoder = None
    if meta["method"] == "panda":
        encoder = PandaQuerySelector.load(need("panda.pt"))
    learner = (_refit_learner(need(LEARNER_DATA), meta) if meta.get("refit_learner")
               else load_skops(need(LEARNER_FILE)))
    return FinalModel(pre, encoder, learner, meta)


def load_final(folder, *, key_file=None):
    """Read a folder written by :func:`save_final`; one-line errors.

    With a key (``key_file`` or ``$SKPANDA_MODEL_KEY``) the signature is checked
    first; then ``manifest.json`` (sizes, SHA-256) before any file is read. No
    file is unpickled: loading executes no code from the folder.
    """
    folder = Path(folder)
    key = model_key(key_file)
    meta_path = folder / MODEL_META
    if not (folder / "manifest.json").is_file() or not meta_path.is_file():
        raise CLIError(f"--model {str(folder)!r} is not a model folder written by "
                       "`skpanda train` (no manifest.json and skpanda-model.json).")
    try:
        files = verify_manifest(folder, key=key)
        meta = json.loads(files[MODEL_META].read_text())
    except Exception as exc:
        raise CLIError(f"--model {str(folder)!r} cannot be read ({exc}); retrain it with "
                       "`skpanda train`.") from None
    if isinstance(meta, dict) and meta.get("format") == "skpanda-selection-model":
        raise CLIError(f"--model {str(folder)!r} is a selection model of `skpanda fit`; "
                       "train the final model first: `skpanda train --model "
                       f"{folder} --labeled LABELED.csv --pool POOL.csv --out FINAL`.")
    if not isinstance(meta, dict) or meta.get("format") != FINAL_FORMAT:
        raise CLIError(f"--model {str(folder)!r}: {MODEL_META} has no format tag "
                       f"{FINAL_FORMAT!r}; retrain it with `skpanda train`.")
    try:
        return _read_final(files, meta)
    except Exception as exc:
        text = str(exc).strip()
        raise CLIError(f"--model {str(folder)!r} cannot be read ({type(exc).__name__}: "
                       f"{text.splitlines()[0] if text else ''}); retrain it with "
                       "`skpanda train`.") from None
