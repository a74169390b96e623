"""SelectionPipeline: Pipeline + select."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skpanda.datasets import make_biased_classification, make_preprocessor
from skpanda.pipeline import SelectionPipeline, make_selection_pipeline
from skpanda.selectors import GroupRandomQuerySelector, MarginQuerySelector


@pytest.fixture(scope="module")
def frame():
    X, y, g = make_biased_classification(300, 3, random_state=2, return_X_y=True)
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df["color"] = np.array(["red", "blue", "green"])[np.arange(300) % 3]
    df["sex"] = np.where(g == 1, "F", "M")
    return df, y, g


def split(frame):
    df, y, g = frame
    return df[:100], y[:100], g[:100], df[100:], y[100:], g[100:]


def test_make_selection_pipeline_names_steps_like_make_pipeline():
    pipe = make_selection_pipeline(StandardScaler(), MarginQuerySelector(), memory=None)
    assert isinstance(pipe, SelectionPipeline) and isinstance(pipe, Pipeline)
    assert [name for name, _ in pipe.steps] == ["standardscaler", "marginqueryselector"]


def test_select_only_when_last_step_selects():
    assert not hasattr(make_selection_pipeline(StandardScaler(), LogisticRegression()),
                       "select")
    assert hasattr(make_selection_pipeline(StandardScaler(), MarginQuerySelector()), "select")


def test_select_equals_transform_then_select(frame):
    X0, y0, g0, Xp, yp, gp = split(frame)
    pre = make_preprocessor(X0, drop=["sex"])
    pipe = make_selection_pipeline(pre, MarginQuerySelector(budget=5, random_state=0))
    pipe.fit(X0, y0, marginqueryselector__sensitive_features=g0)
    asked = []

    def oracle(pos):
        asked.extend(pos.tolist())
        return yp[pos]

    pos = pipe.select(Xp, sensitive_features=gp, oracle=oracle)
    manual = pipe[-1].select(pipe[0].transform(Xp), 5, sensitive_features=gp,
                             oracle=lambda p: yp[p])
    np.testing.assert_array_equal(pos, manual)
    assert asked == pos.tolist()
    assert pipe.select(Xp, 2, sensitive_features=gp).shape == (2,)


def test_keyword_mode_with_metadata_routing(frame):
    X0, y0, g0, Xp, _, gp = split(frame)
    pipe = make_selection_pipeline(make_preprocessor(X0, drop=["sex"]),
                                   GroupRandomQuerySelector(budget=4, random_state=0))
    with sklearn.config_context(enable_metadata_routing=True):
        pipe.fit(X0, y0, sensitive_features=g0)
        assert np.isfinite(pipe.score(Xp, split(frame)[4], sensitive_features=gp))
    pos = pipe.select(Xp, sensitive_features=gp)
    assert np.all(gp[pos] == pipe[-1].worst_group_)


def test_column_mode_needs_the_column_passed_through(frame):
    """A ColumnTransformer keeping ``sex`` raw (pandas output) feeds column mode."""
    X0, y0, g0, Xp, yp, gp = split(frame)
    pre = ColumnTransformer(
        [("num", StandardScaler(), ["a", "b", "c"]), ("skip", "drop", ["color"])],
        remainder="passthrough", verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    pipe = SelectionPipeline([("pre", pre), ("sel", GroupRandomQuerySelector(
        budget=4, sensitive_feature="sex", random_state=0))])
    pipe.fit(X0, y0)
    np.testing.assert_array_equal(pipe[-1].feature_names_in_, ["a", "b", "c"])
    np.testing.assert_array_equal(pipe[-1].groups_, ["F", "M"])
    pos = pipe.select(Xp)
    assert np.all(Xp["sex"].to_numpy()[pos] == pipe[-1].worst_group_)
    assert np.isfinite(pipe.score(Xp, yp))


def test_single_step_pipeline(frame):
    X0, y0, _, Xp, *_ = split(frame)
    cols = ["a", "b", "c"]
    pipe = make_selection_pipeline(MarginQuerySelector(budget=3, random_state=0))
    pipe.fit(X0[cols], y0)
    assert pipe.select(Xp[cols]).shape == (3,)

