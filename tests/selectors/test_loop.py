"""active_learning_loop: batch sizes, refits, order, no re-selection."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skpanda.selectors._loop import QueryState, active_learning_loop


def _state(labeled=()):
    return QueryState(None, None, np.empty(0), np.empty(0), np.asarray(labeled, dtype=int))


class Recorder:
    """score_fn / refit_fn / oracle that log every call."""

    def __init__(self, scores):
        self.scores = np.asarray(scores, dtype=float)
        self.scored, self.refits, self.asked = [], [], []

    def score(self, candidates, state):
        self.scored.append((candidates.copy(), state.labeled.copy()))
        return self.scores[candidates]

    def refit(self, labeled, labels):
        self.refits.append((labeled.copy(), labels.copy()))
        return _state(labeled)

    def oracle(self, positions):
        self.asked.append(np.asarray(positions).copy())
        return np.asarray(positions) % 2

    def run(self, budget, batch_size=1, seed=0):
        return active_learning_loop(
            self.score, self.refit, _state(), self.scores.size, budget, self.oracle,
            batch_size=batch_size, random_state=np.random.RandomState(seed),
        )


def test_picks_in_score_order_one_at_a_time():
    rec = Recorder([0.1, 0.9, 0.5, 0.7, 0.3])
    assert rec.run(3).tolist() == [1, 3, 2]
    assert [a.tolist() for a in rec.asked] == [[1], [3], [2]]
    # refit after every query but the last: budget - 1 times
    assert [r[0].tolist() for r in rec.refits] == [[1], [1, 3]]
    assert [r[1].tolist() for r in rec.refits] == [[1], [1, 1]]


def test_candidates_shrink_and_state_follows_the_refits():
    rec = Recorder([0.1, 0.9, 0.5, 0.7, 0.3])
    rec.run(3)
    assert [c.tolist() for c, _ in rec.scored] == [[0, 1, 2, 3, 4], [0, 2, 3, 4], [0, 2, 4]]
    assert [lab.tolist() for _, lab in rec.scored] == [[], [1], [1, 3]]


@pytest.mark.parametrize("budget, batch, sizes", [
    (7, 3, [3, 3, 1]), (6, 3, [3, 3]), (2, 5, [2]), (4, 1, [1, 1, 1, 1]),
])
def test_batch_sizes_and_refit_count(budget, batch, sizes):
    rec = Recorder(np.linspace(0, 1, 10))
    pos = rec.run(budget, batch_size=batch)
    assert [len(a) for a in rec.asked] == sizes
    assert len(rec.refits) == len(sizes) - 1
    assert pos.tolist() == list(range(9, 9 - budget, -1))


def test_progress_is_updated_by_rows_queried():
    class Bar:
        total = 0

        def update(self, n):
            self.total += n

    bar, rec = Bar(), Recorder(np.arange(8.0))
    active_learning_loop(rec.score, rec.refit, _state(), 8, 5, rec.oracle, batch_size=2,
                         random_state=np.random.RandomState(0), progress=bar)
    assert bar.total == 5


def test_ties_broken_by_seed():
    runs = {tuple(Recorder(np.zeros(20)).run(5, seed=s)) for s in range(5)}
    assert len(runs) > 1
    assert Recorder(np.zeros(20)).run(5, seed=3).tolist() == \
        Recorder(np.zeros(20)).run(5, seed=3).tolist()


@settings(max_examples=40, deadline=None)
@given(n_pool=st.integers(1, 30), data=st.data())
def test_never_reselects(n_pool, data):
    budget = data.draw(st.integers(1, n_pool))
    batch = data.draw(st.integers(1, 6))
    scores = data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=n_pool,
                                max_size=n_pool))
    rec = Recorder(scores)
    pos = rec.run(budget, batch_size=batch)
    assert pos.shape == (budget,) and np.unique(pos).size == budget
    assert np.concatenate(rec.asked).tolist() == pos.tolist()
    for candidates, labeled in rec.scored:
        assert not set(candidates) & set(labeled)


def test_simulation_reexports_the_loop():
    """The loop lives in selectors; ``skpanda.simulation`` keeps the old names."""
    import skpanda.selectors._loop as loop
    from skpanda import simulation

    assert simulation.active_learning_loop is loop.active_learning_loop
    assert simulation.QueryState is loop.QueryState
