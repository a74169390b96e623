"""Saving and loading a fitted :class:`~skpanda.panda.PandaQuerySelector`.

The file holds tensors (the encoder's and the policy's weights, the encoded
D0) and the parameters and fitted attributes as JSON, so loading it executes
no code, unlike a pickle. Parameters that are objects (``estimator``,
``encoder``) are not stored: the estimator is passed again to ``load`` and a
custom encoder is refused by ``save``.
"""

import json
from pathlib import Path

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import check_is_fitted

from ..selectors._utils import fit_classifier

FILE_NAME = "panda.pt"


def _file(path):
    path = Path(path)
    return path / FILE_NAME if path.is_dir() else path


def save_selector(selector, path):
    """Write a fitted selector to ``path`` (a file, or a directory to hold one).

    Returns the :class:`pathlib.Path` written; see ``PandaQuerySelector.save``.
    """
    from ._nn.bridge import module_state, save_state

    check_is_fitted(selector, "policy_")
    if selector.encoder is not None:
        raise ValueError(
            "save() stores tensors and JSON only and cannot store encoder="
            f"{type(selector.encoder).__name__}; put the preprocessing in a Pipeline "
            "before PANDA (encoder=None), or pickle the selector if you trust the file."
        )
    params = {k: v for k, v in selector.get_params(deep=False).items()
              if k not in ("estimator", "encoder")}
    params["checkpoint_path"] = None if params["checkpoint_path"] is None else str(
        params["checkpoint_path"])
    meta = dict(params=params, classes=selector.classes_.tolist(),
                groups=selector.groups_.tolist(), n_features_in=int(selector.n_features_in_),
                feature_names_in=(selector.feature_names_in_.tolist()
                                  if hasattr(selector, "feature_names_in_") else None),
                n_inputs=int(selector.encoder_net_.embed.in_features),
                n_iter_=selector.n_iter_, history=selector.history_,
                fairness_penalty_=float(selector.fairness_penalty_))
    path = _file(path)
    save_state(path, {
        "meta": json.dumps(meta), "encoder": module_state(selector.encoder_net_),
        "policy": module_state(selector.policy_), "Z_fit": np.asarray(selector.Z_fit_),
        "y_fit": np.asarray(selector.y_fit_),
        "group_codes": np.unique(selector.groups_fit_, return_inverse=True)[1],
    })
    return path


def load_selector(cls, path, *, estimator=None, device="auto"):
    """Build a fitted ``cls`` from a file written by :func:`save_selector`.

    See ``PandaQuerySelector.load`` for the parameters.
    """
    from ._nn.bridge import build_modules, load_state, resolve_device

    state = load_state(_file(path))
    meta = json.loads(state["meta"])
    selector = cls(**{**meta["params"], "estimator": estimator, "device": device})
    selector.device_ = resolve_device(device)
    selector.fairness_penalty_ = meta["fairness_penalty_"]  # decides the policy's inputs
    selector.encoder_, selector.policy_ = build_modules(
        state, encoder_arch=selector._encoder_arch(), policy_arch=selector._policy_arch(),
        n_inputs=meta["n_inputs"], device=selector.device_)
    selector.encoder_net_ = selector.encoder_.module
    selector.classes_ = np.asarray(meta["classes"])
    selector.label_encoder_ = LabelEncoder().fit(selector.classes_)
    selector.groups_ = np.asarray(meta["groups"])
    selector.n_features_in_ = meta["n_features_in"]
    if meta["feature_names_in"] is not None:
        selector.feature_names_in_ = np.asarray(meta["feature_names_in"], dtype=object)
    selector.history_, selector.n_iter_ = meta["history"], meta["n_iter_"]
    selector.Z_fit_, selector.y_fit_ = state["Z_fit"], state["y_fit"]
    selector.groups_fit_ = selector.groups_[state["group_codes"]]
    selector.estimator_ = fit_classifier(selector._estimator_template(), selector.Z_fit_,
                                         selector.y_fit_, selector.groups_fit_)
    return selector
