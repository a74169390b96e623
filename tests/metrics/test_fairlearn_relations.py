"""How the Table-1 disparities relate to fairlearn's metrics and moments."""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from fairlearn.reductions import (
    DemographicParity,
    EqualizedOdds,
    ErrorRateParity,
    FalsePositiveRateParity,
    TruePositiveRateParity,
)

from skpanda.metrics import (
    demographic_parity,
    equalized_odds,
    error_rate_balance,
    get_constraint,
    to_fairlearn_moment,
)

SEEDS = range(8)

# fairlearn 0.15's moments trip pandas 3 deprecation warnings inside load_data
pytestmark = pytest.mark.filterwarnings("ignore:Setting .*:Warning:fairlearn")


def _random_data(seed, n=120):
    rng = np.random.RandomState(seed)
    k = 2 + seed % 3  # 2, 3 or 4 groups
    groups = rng.randint(k, size=n)
    y = rng.randint(2, size=n)
    proba = rng.uniform(size=n) * (0.5 + groups / (2 * k))  # group-dependent rates
    hard = (proba > 0.3).astype(int)
    # every (group, label) cell is populated, as fairlearn's rates need
    assert len(set(zip(groups, y))) == 2 * k
    return y, proba, hard, groups


def _moment_gamma(moment, y, h, groups):
    X = pd.DataFrame({"x": np.zeros(len(y))})
    moment.load_data(X, pd.Series(y), sensitive_features=pd.Series(groups))
    return moment.gamma(lambda _: h).abs().max()


@pytest.mark.parametrize("seed", SEEDS)
def test_error_rate_balance_is_equalized_odds_difference(seed):
    y, _, hard, groups = _random_data(seed)
    expected = equalized_odds_difference(y, hard, sensitive_features=groups)
    assert error_rate_balance(y, hard, sensitive_features=groups) == pytest.approx(expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_demographic_parity_is_the_moment_gamma(seed):
    y, proba, hard, groups = _random_data(seed)
    for h in (hard, proba):
        expected = _moment_gamma(DemographicParity(), y, h, groups)
        assert demographic_parity(y, h, sensitive_features=groups) == pytest.approx(expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_equalized_odds_is_the_moment_gamma(seed):
    y, proba, hard, groups = _random_data(seed)
    for h in (hard, proba):
        expected = _moment_gamma(EqualizedOdds(), y, h, groups)
        assert equalized_odds(y, h, sensitive_features=groups) == pytest.approx(expected)


def test_demographic_parity_difference_is_not_table_1():
    # two equal groups, all-ones versus all-zeros: max - min = 1, Table 1 gives 1/2
    groups, h = [0, 0, 1, 1], [1, 1, 0, 0]
    assert demographic_parity_difference([0, 1, 0, 1], h, sensitive_features=groups) == 1.0
    assert demographic_parity(None, h, sensitive_features=groups) == 0.5


def test_get_constraint_maps_equal_moments():
    assert get_constraint(DemographicParity()) is demographic_parity
    assert get_constraint(EqualizedOdds(difference_bound=0.1)) is equalized_odds


@pytest.mark.parametrize(
    "moment, reason",
    [
        (TruePositiveRateParity(), "only Y=1"),
        (FalsePositiveRateParity(), "only Y=0"),
        (ErrorRateParity(), "error rates"),
    ],
)
def test_get_constraint_refuses_other_moments(moment, reason):
    with pytest.raises(ValueError, match=f"not one of the paper's Table-1.*{reason}"):
        get_constraint(moment)


@pytest.mark.parametrize(
    "name, cls", [("dp", DemographicParity), ("equalized_odds", EqualizedOdds),
                  ("error_rate_balance", EqualizedOdds)]
)
def test_to_fairlearn_moment(name, cls):
    moment = to_fairlearn_moment(name, 0.04)
    assert type(moment) is cls
    assert moment.eps == 0.04 and moment.ratio == 1.0


@pytest.mark.parametrize("rho", [0, -0.1, "0.1", None, True])
def test_to_fairlearn_moment_bad_rho(rho):
    with pytest.raises(ValueError, match="rho=.* must be a positive number"):
        to_fairlearn_moment("dp", rho)
