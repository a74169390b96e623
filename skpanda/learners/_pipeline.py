"""GroupAwarePipeline: a fitted model whose ``predict`` takes the groups when it needs them."""

import inspect

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.metaestimators import available_if

#: Keywords a final step may take at prediction time; dropped when it does not.
_OPTIONAL = ("sensitive_features", "random_state")


def _final_has(method):
    def check(self):
        return hasattr(self._final_estimator, method)

    return check


class GroupAwarePipeline(Pipeline):
    """A :class:`~sklearn.pipeline.Pipeline` that hands the groups to the last step.

    ``predict``, ``predict_proba``, ``decision_function`` and ``score`` take
    ``sensitive_features`` (and ``random_state``, for fairlearn's randomized
    predictors) and pass them to the last step when its method accepts
    them -- a group-threshold learner such as
    :class:`~skpanda.learners.PoolThresholdClassifier` -- and drop them
    otherwise, so the same evaluation code runs whatever the learner. It does
    not depend on scikit-learn's metadata routing (enabled or not). The
    earlier steps only transform ``X``.

    :meth:`skpanda.selectors.BaseQuerySelector.fit_selected` returns one: the
    selector's representation, then the fitted learner.

    Parameters
    ----------
    steps : list of (str, estimator) tuples
        As in :class:`~sklearn.pipeline.Pipeline`.
    classes : array-like of shape (n_classes,), default=None
        The labels of the codes ``0 .. n_classes - 1`` the last step was
        trained on: ``predict`` returns ``classes[code]`` and ``score``
        encodes ``y`` the same way (a selector trains its learner on codes,
        as fairlearn's reductions require 0/1 labels). ``None``: the last
        step's own labels.
    memory, transform_input, verbose
        As in :class:`~sklearn.pipeline.Pipeline`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skpanda.learners import GroupAwarePipeline
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 2)); y = (X[:, 0] > 0).astype(int); g = rng.randint(0, 2, 60)
    >>> pipe = GroupAwarePipeline([("scale", StandardScaler()),
    ...                            ("lr", LogisticRegression())]).fit(X, y)
    >>> groups_dropped = pipe.predict(X, sensitive_features=g)  # LR takes no groups
    >>> bool((groups_dropped == pipe.predict(X)).all())
    True
    """

    def __init__(self, steps, *, classes=None, memory=None, transform_input=None,
                 verbose=False):
        self.classes = classes
        super().__init__(steps, memory=memory, transform_input=transform_input,
                         verbose=verbose)

    @property
    def classes_(self):
        """The labels ``predict`` returns (``classes``, else the last step's)."""
        if self.classes is not None:
            return np.asarray(self.classes)
        return self._final_estimator.classes_

    def _final_kwargs(self, method, params):
        """``params`` without the optional keywords the last step's ``method`` does not take."""
        accepted = inspect.signature(getattr(self._final_estimator, method)).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in accepted.values())
        return {k: v for k, v in params.items()
                if v is not None and (takes_any or k in accepted or k not in _OPTIONAL)}

    def _call_final(self, method, X, params):
        Xt = X
        for _, _, step in self._iter(with_final=False, filter_passthrough=True):
            Xt = step.transform(Xt)
        return getattr(self._final_estimator, method)(Xt, **self._final_kwargs(method, params))

    @available_if(_final_has("predict"))
    def predict(self, X, *, sensitive_features=None, random_state=None, **params):
        """Transform ``X`` through the earlier steps, then predict with the last one."""
        pred = self._call_final("predict", X, dict(
            sensitive_features=sensitive_features, random_state=random_state, **params))
        if self.classes is None:
            return pred
        return np.asarray(self.classes)[np.asarray(pred).astype(np.intp)]

    @available_if(_final_has("predict_proba"))
    def predict_proba(self, X, *, sensitive_features=None, **params):
        """Class probabilities of the last step (groups passed when it takes them)."""
        return self._call_final("predict_proba", X,
                                dict(sensitive_features=sensitive_features, **params))

    @available_if(_final_has("decision_function"))
    def decision_function(self, X, *, sensitive_features=None, **params):
        """Decision function of the last step (groups passed when it takes them)."""
        return self._call_final("decision_function", X,
                                dict(sensitive_features=sensitive_features, **params))

    @available_if(_final_has("score"))
    def score(self, X, y=None, sample_weight=None, *, sensitive_features=None, **params):
        """Score of the last step on the transformed ``X`` (groups passed when it takes them)."""
        Xt = X
        for _, _, step in self._iter(with_final=False, filter_passthrough=True):
            Xt = step.transform(Xt)
        kwargs = self._final_kwargs("score", dict(sample_weight=sample_weight,
                                                  sensitive_features=sensitive_features,
                                                  **params))
        if self.classes is not None:
            classes = np.asarray(self.classes)
            y = np.asarray(y)
            if not np.isin(y, classes).all():
                raise ValueError(f"y holds labels outside classes={classes.tolist()}.")
            y = np.searchsorted(classes, y)
        return self._final_estimator.score(Xt, y, **kwargs)
