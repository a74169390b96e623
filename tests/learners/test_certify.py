"""The certificate as a guarantee: many pools from a population whose disparity is exact."""

import numpy as np
import pytest
from scipy.stats import norm

from skpanda.learners import PoolThresholdClassifier, certifiable_bound
from skpanda.learners._certify import dp_bound, floor_margins, sampling_errors

MEANS = np.array([0.0, 0.6, -0.4, 1.0])  # score x | group a ~ N(MEANS[a], 1)
CONFIDENCE, TOLERANCE = 0.9, 0.05  # failure share <= 1 - confidence + tolerance


@pytest.fixture
def pool_data(pool_problem):
    return pool_problem(0, n_pool=2000)


def _population_disparity(clf, shares):
    """Exact Table-1 disparity of the fitted rule on the Gaussian population."""
    lr = clf.estimator_
    w, b = lr.coef_[0, 0], lr.intercept_[0]
    assert w > 0  # p is increasing in x: a threshold on p is a threshold on x
    k = shares.size
    t_p = clf.thresholds_
    with np.errstate(divide="ignore"):
        t_x = np.where(np.isinf(t_p), np.inf, (np.log(t_p / (1 - t_p)) - b) / w)
    rates = norm.sf(t_x - MEANS[:k])
    return float(np.max(np.abs(rates - shares @ rates)))


def _draw(rng, shares, n):
    g = rng.choice(shares.size, n, p=shares)
    x = rng.normal(MEANS[g], 1.0)
    return x[:, None], g, (x + rng.normal(size=n) > 0.5).astype(int)


def _failure_shares(shares, rho, n_pools=80, n_pool=1500, seed=0):
    rng = np.random.RandomState(seed)
    X, g, y = _draw(rng, shares, 300)  # labeled rows: drawn apart from every pool
    certified, naive = [], []
    for i in range(n_pools):
        Xu, gu, _ = _draw(rng, shares, n_pool)
        for confidence, out in ((CONFIDENCE, certified), (None, naive))[:2 - i % 2]:
            clf = PoolThresholdClassifier(rho=rho, confidence=confidence).fit(
                X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
            claim = clf.certified_bound_ if confidence else clf.pool_disparity_
            out.append(_population_disparity(clf, shares) > claim + 1e-12)
    return np.mean(certified), np.mean(naive)


@pytest.mark.filterwarnings("ignore:group")
@pytest.mark.parametrize("shares", [[0.5, 0.5], [0.85, 0.15], [0.25] * 4,
                                    [0.6, 0.25, 0.1, 0.05]], ids=["2bal", "2unbal", "4bal",
                                                                   "4unbal"])
def test_certified_bound_holds_on_the_population(shares):
    shares = np.array(shares)
    rho = float(floor_margins(0.7 * shares * 1500, CONFIDENCE).max()) + 0.03
    certified, naive = _failure_shares(shares, rho)
    assert certified <= 1 - CONFIDENCE + TOLERANCE
    # the test has power: the pool's own disparity, claimed as a bound, fails often
    assert naive > 0.25


def test_certificate_is_uniform_in_the_threshold():
    # every threshold of a group at once: simulate the sup of the empirical CDF error
    rng = np.random.RandomState(1)
    n, confidence = 400, 0.9
    eps, _ = sampling_errors(np.array([n, n]), confidence)
    grid = np.linspace(-4, 4, 801)
    sup = [np.max(np.abs((np.sort(rng.normal(size=n))[:, None] <= grid).mean(0)
                         - norm.cdf(grid))) for _ in range(400)]
    assert np.mean(np.array(sup) > eps[0]) <= (1 - confidence) * 0.9 / 2 + 0.02


def test_dp_bound_of_equal_rates_is_the_floor():
    sizes = np.array([3000.0, 1000.0, 500.0])
    eps, eta = sampling_errors(sizes, 0.95)
    rates = np.full(3, 0.3)
    bound, _ = dp_bound(rates - eps, rates + eps, rates, sizes / sizes.sum(), eta)
    assert bound <= floor_margins(sizes, 0.95).max() + 1e-12
    assert bound > 0.5 * floor_margins(sizes, 0.95).max()


def test_certified_fit_reports_bound_and_certificate(pool_data):
    X, y, g, Xu, gu = pool_data
    clf = PoolThresholdClassifier(rho=0.3, confidence=0.9).fit(
        X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert 0 < clf.certified_bound_ <= 0.3
    cert = clf.certificate_
    assert list(cert.columns) == ["n", "share", "selection_rate", "rate_low", "rate_high"]
    assert cert["n"].sum() == Xu.shape[0]
    assert ((cert.rate_low <= cert.selection_rate) & (cert.selection_rate <= cert.rate_high)).all()


@pytest.mark.parametrize("seed", range(4))
def test_certified_bound_never_exceeds_rho(seed, pool_problem):
    X, y, g, Xu, gu = pool_problem(seed, k=3, n_pool=3000)
    for rho in (0.15, 0.2, 0.3):
        clf = PoolThresholdClassifier(rho=rho, confidence=0.9).fit(
            X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
        assert clf.certified_bound_ <= rho


def test_refusal_names_the_certifiable_bound(pool_data):
    X, y, g, Xu, gu = pool_data
    floor = certifiable_bound(gu, confidence=0.95)
    with pytest.raises(ValueError, match=f"tightest certifiable bound is {floor:.3f}") as err:
        PoolThresholdClassifier(rho=0.01, confidence=0.95).fit(
            X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert "group_map=" in str(err.value) and "larger" in str(err.value)
    clf = PoolThresholdClassifier(rho=floor + 0.01, confidence=0.95).fit(
        X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert clf.certified_bound_ <= floor + 0.01


def test_certifiable_bound_shrinks_with_the_pool_and_confidence():
    small = certifiable_bound(np.repeat(["a", "b"], [100, 300]), confidence=0.95)
    large = certifiable_bound(np.repeat(["a", "b"], [1000, 3000]), confidence=0.95)
    lower = certifiable_bound(np.repeat(["a", "b"], [100, 300]), confidence=0.8)
    assert large < small / 2.5 and lower < small
    assert certifiable_bound(["a"] * 50, confidence=0.95) == 0.0


@pytest.mark.parametrize("confidence", [0, 1, 1.5, "0.9", True])
def test_bad_confidence(confidence, pool_data):
    X, y, g, Xu, gu = pool_data
    with pytest.raises(ValueError, match="confidence="):
        PoolThresholdClassifier(confidence=confidence).fit(
            X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)


def test_odds_with_confidence_warns_not_certified(pool_data):
    X, y, g, Xu, gu = pool_data
    with pytest.warns(UserWarning, match="NOT certified"):
        clf = PoolThresholdClassifier(constraint="eo", rho=0.2, confidence=0.9).fit(
            X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert np.isnan(clf.certified_bound_)
    with pytest.raises(ValueError, match="not certified"):
        certifiable_bound(gu, constraint="eo")


def test_uncertified_small_group_warns(pool_data):
    X, y, g, Xu, gu = pool_data
    gu = (np.arange(gu.size) < 30).astype(int)  # a 30-row group
    with pytest.warns(UserWarning, match="sampling error"):
        PoolThresholdClassifier(rho=0.04).fit(X, y, sensitive_features=g, X_unlabeled=Xu,
                                              sensitive_features_unlabeled=gu)


def test_group_map_merges_groups_at_fit_and_predict(pool_data):
    X, y, g, Xu, gu = pool_data
    gu = np.where(gu == 1, "b", "a").astype(object)
    gu[:5] = "tiny"
    clf = PoolThresholdClassifier(rho=0.1, group_map={"tiny": "b"}).fit(
        X, y, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert clf.groups_.tolist() == ["a", "b"]
    assert clf.predict(Xu[:5], sensitive_features=gu[:5]).shape == (5,)
    with pytest.raises(ValueError, match="no rows where the bound was fitted"):
        clf.predict(Xu[:1], sensitive_features=["unseen"])
    with pytest.raises(TypeError, match="group_map must be a dict"):
        PoolThresholdClassifier(group_map=[("tiny", "b")]).fit(
            X, y, X_unlabeled=Xu, sensitive_features_unlabeled=gu)


def test_safety_certificate_holds_for_a_fixed_classifier():
    from skpanda.learners._certify import safety_certificate

    rng, shares = np.random.RandomState(3), np.array([0.7, 0.3])
    rates = norm.sf(0.3 - MEANS[:2])  # h(x) = 1[x > 0.3]
    true = float(np.max(np.abs(rates - shares @ rates)))
    fails = []
    for _ in range(300):
        x, g, _ = _draw(rng, shares, 800)
        bound = safety_certificate((x[:, 0] > 0.3).astype(float), g, 2, CONFIDENCE, rng)[0]
        fails.append(true > bound)
    assert np.mean(fails) <= 1 - CONFIDENCE + TOLERANCE


def test_eg_certifies_on_a_safety_half(pool_problem):
    from skpanda.learners import PoolExponentiatedGradient

    X, y, g, Xu, gu = pool_problem(0, n_pool=2000)
    clf = PoolExponentiatedGradient(rho=0.25, confidence=0.9, random_state=0, max_iter=10,
                                    pool_compression=16).fit(
        X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    assert 0 < clf.certified_bound_ <= 0.25
    assert clf.certificate_["n"].sum() == 1000
    with pytest.raises(ValueError, match="safety half"):
        PoolExponentiatedGradient(rho=0.02, confidence=0.9).fit(
            X, y, sensitive_features=g, X_unlabeled=Xu, sensitive_features_unlabeled=gu)
    with pytest.warns(UserWarning, match="NOT certified"):
        clf = PoolExponentiatedGradient(constraint="eo", rho=0.2, confidence=0.9,
                                        max_iter=5).fit(X, y, sensitive_features=g)
    assert np.isnan(clf.certified_bound_)
