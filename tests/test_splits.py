"""stratify_key: group x label cells, the fallbacks, and the order of the cells."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skpanda._splits import stratify_key


def test_cells_when_every_cell_is_large_enough():
    y = np.array([0, 1] * 4)
    g = np.array(["a"] * 4 + ["b"] * 4)
    np.testing.assert_array_equal(stratify_key(y, g), [0, 1, 0, 1, 2, 3, 2, 3])
    np.testing.assert_array_equal(stratify_key(y, g, label_major=True),
                                  [0, 2, 0, 2, 1, 3, 1, 3])


def test_fallbacks():
    y = np.array([0, 1, 0, 1, 0, 1])
    g = np.array([0, 0, 0, 0, 1, 1])                     # cells (1, 0) and (1, 1) hold one row
    assert stratify_key(y, g) is y
    np.testing.assert_array_equal(stratify_key(y, g, fallback="groups"), g)
    assert stratify_key(np.array([0, 0, 1])) is None      # labels alone, one row of class 1
    np.testing.assert_array_equal(stratify_key(np.array([0, 0, 1, 1])), [0, 0, 1, 1])
    with pytest.raises(ValueError, match="fallback must be 'labels' or 'groups'"):
        stratify_key(y, g, fallback="none")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 3)), min_size=1, max_size=60),
       st.booleans())
def test_cells_partition_rows_by_group_and_label_in_order(rows, label_major):
    y, g = np.array(rows).T
    key = stratify_key(y, g, min_count=1, label_major=label_major)
    pairs = list(zip(y, g)) if label_major else list(zip(g, y))
    for i in range(len(rows)):                  # same cell <=> same pair; order kept
        for j in range(len(rows)):
            assert (key[i] == key[j]) == (pairs[i] == pairs[j])
            assert (key[i] < key[j]) == (pairs[i] < pairs[j])
