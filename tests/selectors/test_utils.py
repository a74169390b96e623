"""Helpers shared by the selectors."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from skpanda.selectors._utils import top_k


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 40), st.integers(1, 40))
def test_top_k_equals_the_full_tie_broken_sort(seed, n, k):
    rng = np.random.RandomState(seed)
    scores = rng.choice([-np.inf, -2.0, 0.0, 0.5, 1.0], size=n)  # many ties
    scores[rng.rand(n) < 0.3] = rng.rand()
    k = min(k, n)
    expected = np.lexsort((np.random.RandomState(seed).permutation(n), -scores))[:k]
    got = top_k(scores, k, np.random.RandomState(seed))
    np.testing.assert_array_equal(got, expected)
