"""Tests of the simulated SGDClassifier of the faithful preset (``_nn/sgd.py``)."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import f1_score

from skpanda.metrics import demographic_parity
from skpanda.panda._nn.learners import inner_learner_for, predict_logits
from skpanda.panda._nn.sgd import SGDStepsLearner, _chunk_rows, check_sgd_estimator


def _sklearn_sgd(X, y, coef0, b0, *, eta0, alpha, epochs):
    est = SGDClassifier(loss="log_loss", learning_rate="constant", eta0=eta0, alpha=alpha,
                        max_iter=epochs, tol=None, shuffle=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # copies: SGDClassifier.fit writes into coef_init / intercept_init
        est.fit(X, y, coef_init=coef0[None].copy(), intercept_init=np.array([b0]))
    return np.r_[est.coef_.ravel(), est.intercept_]


def _simulated(X, y, selected, coef0, b0, **kw):
    learner = SGDStepsLearner(shuffle=False, **kw)
    theta = learner.fit(torch.tensor(X), torch.tensor(y, dtype=torch.float64),
                        torch.tensor(selected, dtype=torch.float64),
                        init=torch.tensor(np.r_[coef0, b0]))
    return theta.numpy()


@pytest.mark.parametrize("alpha", [0.0, 1e-3])
def test_per_row_steps_equal_sklearn_sgdclassifier_from_the_same_start(alpha):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 6))
    y = (X[:, 0] + rng.normal(size=300) > 0).astype(float)
    selected = np.zeros(300, bool)
    selected[rng.choice(300, 40, replace=False)] = True
    coef0, b0 = 0.3 * rng.normal(size=6), 0.2
    ours = _simulated(X, y, selected, coef0, b0, epochs=5, eta0=0.05, alpha=alpha)
    ref = _sklearn_sgd(X[selected], y[selected], coef0, b0, eta0=0.05, alpha=alpha, epochs=5)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)  # stated tolerance: 1e-12


def test_on_adult_coefficients_f1_and_parity_agree_with_sklearn(adult_split):
    """400 random pool rows of Adult, h^0 = the same SGD fitted on D0 (the faithful setting)."""
    Xd, yd, Xp, yp, Xt, yt, gt = adult_split
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h0 = SGDClassifier(loss="log_loss", learning_rate="constant", eta0=0.01, max_iter=5,
                           random_state=0).fit(Xd, yd)
    coef0, b0 = h0.coef_.ravel().copy(), float(h0.intercept_[0])
    selected = np.zeros(len(yp), bool)
    selected[np.random.RandomState(1).choice(len(yp), 400, replace=False)] = True
    ours = _simulated(Xp, yp, selected, coef0, b0, epochs=5, eta0=0.01, alpha=1e-4)
    ref = _sklearn_sgd(Xp[selected], yp[selected], coef0, b0, eta0=0.01, alpha=1e-4, epochs=5)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)
    pred_ours = (Xt @ ours[:-1] + ours[-1] > 0).astype(int)
    pred_ref = (Xt @ ref[:-1] + ref[-1] > 0).astype(int)
    assert f1_score(yt, pred_ours) == f1_score(yt, pred_ref)
    assert demographic_parity(yt, pred_ours, sensitive_features=gt) == \
        demographic_parity(yt, pred_ref, sensitive_features=gt)


def test_mini_batches_of_the_preset_stay_close_to_per_row_steps_on_adult(adult_split):
    """batch_size=10 (the faithful preset's default) against sklearn's per-row steps."""
    Xd, yd, Xp, yp, Xt, yt, gt = adult_split
    selected = np.zeros(len(yp), bool)
    selected[np.random.RandomState(2).choice(len(yp), 400, replace=False)] = True
    coef0 = np.zeros(Xp.shape[1])
    per_row = _simulated(Xp, yp, selected, coef0, 0.0, epochs=5, eta0=0.01, alpha=1e-4)
    batched = _simulated(Xp, yp, selected, coef0, 0.0, epochs=5, eta0=0.01, alpha=1e-4,
                         batch_size=10)
    f1 = [f1_score(yt, (Xt @ t[:-1] + t[-1] > 0).astype(int)) for t in (per_row, batched)]
    assert np.abs(per_row - batched).max() < 0.05
    assert abs(f1[0] - f1[1]) < 0.01


@pytest.fixture(scope="module")
def adult_split():
    from skpanda.simulation import load_dataset, split_protocol

    X, y, g = load_dataset("adult")
    s = split_protocol(X, y, g, random_state=0)
    return (s.X_train, s.y_train, s.X_pool, s.y_pool.astype(float), s.X_test, s.y_test,
            s.g_test)


def test_gradient_wrt_weights_matches_finite_differences():
    rng = np.random.RandomState(3)
    Z = torch.tensor(rng.normal(size=(30, 3)))
    y = torch.tensor((rng.rand(30) < 0.5) * 1.0)
    Zv = torch.tensor(rng.normal(size=(20, 3)))
    yv = torch.tensor((rng.rand(20) < 0.5) * 1.0)
    # selected rows (weight > .5) and unselected ones, away from the .5 cut
    w = torch.tensor(np.where(rng.rand(30) < 0.3, 0.8, 0.1) + 0.05 * rng.rand(30))
    for batch_size in (1, 3):
        learner = SGDStepsLearner(epochs=2, eta0=0.1, alpha=1e-2, batch_size=batch_size)

        def val_loss(weights, learner=learner):
            theta = learner.fit(Z, y, weights, init=torch.zeros(4, dtype=torch.float64))
            return torch.nn.functional.binary_cross_entropy_with_logits(
                predict_logits(Zv, theta), yv)

        assert torch.autograd.gradcheck(val_loss, (w.clone().requires_grad_(),), eps=1e-6,
                                        atol=1e-6)


def test_unselected_rows_get_a_gradient_but_change_no_forward_value():
    rng = np.random.RandomState(4)
    Z, y = torch.tensor(rng.normal(size=(50, 3))), torch.tensor((rng.rand(50) < 0.5) * 1.0)
    hard = torch.zeros(2, 50, dtype=torch.float64)
    hard[0, :10], hard[1, 20:30] = 1.0, 1.0
    w = hard.clone().requires_grad_()
    learner = SGDStepsLearner(epochs=1, eta0=0.1, shuffle=False)
    theta = learner.fit(Z, y, w, init=torch.zeros(4, dtype=torch.float64))
    theta.sum().backward()
    assert (w.grad != 0).all()
    alone = learner.fit(Z[:10], y[:10], torch.ones(10, dtype=torch.float64),
                        init=torch.zeros(4, dtype=torch.float64))
    torch.testing.assert_close(theta[0].detach(), alone)  # the same rows in the same order


def test_chunks_hold_batch_size_selected_rows_each_in_the_given_order():
    selected = np.zeros((1, 12), bool)
    selected[0, [1, 4, 5, 9, 11]] = True
    order = np.arange(12)[::-1]
    rows, counts = _chunk_rows(selected, order, 2)
    assert counts[:, 0].tolist() == [2, 2, 1]
    firsts = [[r for r in step[0] if r < 12 and selected[0, r]] for step in rows]
    assert firsts == [[11, 9], [5, 4], [1]]
    assert sorted(r for r in rows.ravel() if r < 12) == list(range(12))


def test_check_sgd_estimator_names_the_setting_to_change():
    assert check_sgd_estimator(SGDClassifier(loss="log_loss", learning_rate="constant",
                                             eta0=0.1, max_iter=3, penalty=None)) == (3, 0.1, 0.0)
    with pytest.raises(ValueError, match="loss='log_loss'"):
        check_sgd_estimator(SGDClassifier(learning_rate="constant", eta0=0.1))
    with pytest.raises(ValueError, match="learning_rate='constant'"):
        check_sgd_estimator(SGDClassifier(loss="log_loss"))
    with pytest.raises(ValueError, match="penalty"):
        check_sgd_estimator(SGDClassifier(loss="log_loss", learning_rate="constant", eta0=0.1,
                                          penalty="l1"))
    with pytest.raises(ValueError, match="SGDClassifier"):
        inner_learner_for(LogisticRegression(), constraint_fn=None, sgd_batch_size=1)


def test_inner_learner_for_with_a_batch_size_is_the_faithful_learner():
    est = SGDClassifier(loss="log_loss", learning_rate="constant", eta0=0.02, max_iter=4,
                        alpha=1e-3)
    learner = inner_learner_for(est, constraint_fn=None, sgd_batch_size=5, seed=7)
    assert learner == SGDStepsLearner(epochs=4, eta0=0.02, alpha=1e-3, batch_size=5,
                                      random_state=7)
    with pytest.raises(ValueError, match="batch_size"):
        SGDStepsLearner(batch_size=0)
