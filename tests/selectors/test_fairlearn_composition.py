"""The paper's "Fairlearn" and "Fairlearn+AL" baselines as selector compositions (§4.1).

"Fairlearn" = random rows + ExponentiatedGradient; "Fairlearn+AL" = margin
sampling with the unconstrained base learner + ExponentiatedGradient.
"""

import numpy as np
import pytest
from fairlearn.reductions import DemographicParity, ExponentiatedGradient
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from skpanda.datasets import make_biased_classification
from skpanda.metrics import demographic_parity
from skpanda.selectors import MarginQuerySelector, RandomQuerySelector

RHO = 0.01
# fairlearn 0.15 trips pandas-4 deprecations inside its own code.
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")


def fair_lr():
    return ExponentiatedGradient(LogisticRegression(), DemographicParity(difference_bound=RHO))


@pytest.fixture(scope="module")
def data():
    X, y, g = make_biased_classification(1200, 5, label_bias=0.4, random_state=0,
                                         return_X_y=True)
    return X[:200], y[:200], g[:200], X[200:], y[200:], g[200:]


def run(cls, estimator, data):
    X0, y0, g0, Xp, yp, gp = data
    sel = cls(budget=120, estimator=estimator, random_state=0)
    sel.fit(X0, y0, sensitive_features=g0)
    pos = sel.select(Xp, sensitive_features=gp, oracle=lambda p: yp[p])
    model = sel.fit_selected(Xp, yp, positions=pos, sensitive_features=gp)
    return sel, pos, model


@pytest.mark.parametrize("cls", [RandomQuerySelector, MarginQuerySelector],
                         ids=["Fairlearn", "Fairlearn+AL"])
def test_exponentiated_gradient_lowers_demographic_parity(cls, data):
    _, _, _, Xp, yp, gp = data
    sel, pos, fair = run(cls, fair_lr(), data)
    _, pos_plain, plain = run(cls, None, data)

    assert isinstance(fair[-1], ExponentiatedGradient)
    check_is_fitted(fair[-1])
    assert isinstance(sel.estimator_, ExponentiatedGradient)
    # fairlearn writes `nu` during fit; the selector's parameter stays untouched.
    assert sel.estimator.nu is None and not hasattr(sel.estimator, "predictors_")
    # The rows are chosen by the unconstrained base learner in both cases.
    np.testing.assert_array_equal(pos, pos_plain)

    dp_fair = demographic_parity(yp[pos], fair.predict(Xp[pos], random_state=0),
                                 sensitive_features=gp[pos])
    dp_plain = demographic_parity(yp[pos], plain.predict(Xp[pos]),
                                  sensitive_features=gp[pos])
    assert dp_plain > 0.1
    assert dp_fair < dp_plain / 2


def test_fairlearn_al_score_runs_end_to_end(data):
    X0, y0, g0, Xp, yp, gp = data
    sel = MarginQuerySelector(budget=20, estimator=fair_lr(), random_state=0)
    sel.fit(X0, y0, sensitive_features=g0)
    assert 0.0 <= sel.score(Xp[:300], yp[:300], sensitive_features=gp[:300]) <= 1.0
