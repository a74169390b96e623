"""Tests of the meta-training recipe (skpanda.panda._nn.config)."""

import dataclasses

import pytest
from sklearn.linear_model import LogisticRegression, SGDClassifier

from skpanda.panda._nn.config import MetaTrainConfig, inner_learner_kind, recipe_for


def test_presets_differ_only_where_documented():
    paper, constrained = MetaTrainConfig.paper(), MetaTrainConfig.constrained()
    changed = {f.name for f in dataclasses.fields(paper)
               if getattr(paper, f.name) != getattr(constrained, f.name)}
    assert changed == {"f1_weight", "eta", "policy_inputs", "keep_best", "sample"}
    assert MetaTrainConfig.pool_aware() == constrained
    assert paper.rho_target == 0.8 and (paper.eval_every, paper.n_eval_tasks) == (10, 8)


def test_presets_take_overrides_and_prox_lr_falls_back_to_learning_rate():
    cfg = MetaTrainConfig.constrained(eta=3.0, learning_rate=0.01)
    assert cfg.eta == 3.0 and cfg.f1_weight == 1.0 and cfg.prox_lr == 0.01
    assert cfg.replace(prox_learning_rate=0.5).prox_lr == 0.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.eta = 1.0


def test_learner_kind_and_recipe_follow_the_downstream_estimator():
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient

    class PoolAware:
        def fit(self, X, y, X_unlabeled=None):
            return self

    eg = ExponentiatedGradient(LogisticRegression(), DemographicParity())
    kinds = [inner_learner_kind(e) for e in (None, LogisticRegression(), eg, PoolAware(),
                                             SGDClassifier())]
    assert kinds == ["logistic", "logistic", "parity", "pool", "sgd"]
    assert recipe_for("parity", 30.0) == MetaTrainConfig.constrained()
    assert recipe_for("pool", 30.0) == MetaTrainConfig.pool_aware()
    assert recipe_for("logistic", 30.0) == MetaTrainConfig.constrained()
    assert recipe_for("parity", 0.0) == recipe_for("sgd", 30.0) == MetaTrainConfig.paper()
