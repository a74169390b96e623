"""BaseQuerySelector: the one interface of every query strategy."""

import functools
import inspect
import numbers
import warnings
from abc import ABCMeta
from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import ClassifierTags, TransformerTags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

from .._compat import HasMethods, Interval, StrOptions, _fit_context
from .._docstrings import fill_doc
from .._splits import stratify_key
from ..metrics import disparity, get_constraint, penalised_score
from ._loop import QueryState, active_learning_loop
from .._threads import limit_threads
from ._utils import (
    check_budget,
    default_estimator,
    progress_bar,
    fit_classifier,
    predict_labels,
    query_template,
    stack_rows,
    takes_unlabeled,
    top_k,
)
from ._fitted import check_positions, selected_labels, selected_model
from ._routing import check_score_routing
from ._validation import (
    check_estimator_constraint,
    check_groups,
    check_pool_groups,
    check_raw_frame,
    split_sensitive_column,
)

# ``False``/``True`` are accepted as aliases: scikit-learn treats ``warm_start``
# as a bool (its common checks set ``warm_start=False``), and "warm-starting from
# the pre-existing data" is exactly what ``"data"`` means.
_WARM_STARTS = {"representation": False, False: False, "data": True, True: True}


def _has_encoder(self):
    return getattr(self, "encoder", None) is not None


def limited_threads(method):
    """Run a public verb under skpanda's thread policy (:mod:`skpanda._threads`)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with limit_threads():
            return method(self, *args, **kwargs)

    return wrapper


@fill_doc
class BaseQuerySelector(BaseEstimator, metaclass=ABCMeta):
    """Base class of all query selectors.

    A query selector learns from a labeled dataset D0 (``fit``) and answers
    "which rows of this unlabeled pool should be labeled next" (``select``).
    The public verbs are implemented here once; a strategy implements one of
    two hooks (``fit`` raises a ``TypeError`` naming both when it has neither):

    - ``_score_pool(candidates, state, *, Z_pool, groups, random_state)``:
      a score per candidate pool row, higher = label first. Strategies with
      ``_sequential = True`` run the real active-learning loop of
      :func:`~skpanda.selectors._loop.active_learning_loop` when ``select`` gets an
      ``oracle``; otherwise one batch is taken from the scores of h^0.
    - ``_select(Z_pool, budget, *, groups, oracle, random_state)``: the whole
      batch at once (PANDA).

    The constructor takes the parameters every strategy shares; a strategy
    with more parameters writes its own keyword-only ``__init__`` and extends
    ``_parameter_constraints`` (scikit-learn's declaration, checked by
    ``fit`` before any work; the error names the parameter).
    Optionally ``_fit(Z, y, groups)`` for what it learns from D0, and
    ``_fit_encoder(X, y, groups)`` for a strategy that learns its own
    representation (PANDA pretrains its Transformer encoder there, so that
    ``transform``, h^0, ``fit_selected`` and ``score`` all use it).

    Parameters
    ----------
    {selector_parameters}

    Notes
    -----
    ``score`` returns a penalised validation F1 so that ``GridSearchCV`` can
    tune ``budget``, ``rho`` and friends; see :meth:`score`.
    """

    # Ask scikit-learn's metadata routing for the sensitive attribute.
    __metadata_request__fit = {"sensitive_features": True}
    __metadata_request__score = {"sensitive_features": True}

    _sequential = False
    _needs_pool_groups = False
    _uses_query_model = True  # False: ranks rows without a classifier (random, PANDA)
    # True when ``_score_pool`` scores each row from that row alone and draws
    # ``random_state`` row by row in pool order: the scores of consecutive chunks
    # then equal the scores of the whole pool (streamed selection, ``skpanda select``).
    _rowwise_scores = False

    _parameter_constraints = {
        "budget": [Interval(Integral, 1, None, closed="left")],
        "estimator": [HasMethods(["fit"]), None],
        "query_estimator": [HasMethods(["fit"]), None],
        "encoder": [HasMethods(["transform"]), None],
        "sensitive_feature": [str, Integral, None],
        "warm_start": [StrOptions({"representation", "data"}), "boolean"],
        "query_batch_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, *, budget=400, estimator=None, query_estimator=None, encoder=None,
                 sensitive_feature=None, warm_start="representation",
                 query_batch_size=1, random_state=None, verbose=False):
        self.budget = budget
        self.estimator = estimator
        self.query_estimator = query_estimator
        self.encoder = encoder
        self.sensitive_feature = sensitive_feature
        self.warm_start = warm_start
        self.query_batch_size = query_batch_size
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = True
        # Binary labels only: scikit-learn's checks then draw two-class targets.
        tags.classifier_tags = ClassifierTags(multi_class=False)
        if hasattr(self, "transform"):  # a shared representation (encoder or PANDA)
            tags.transformer_tags = TransformerTags(preserves_dtype=[])
        return tags

    # ------------------------------------------------------------------ fit
    @limited_threads
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, *, sensitive_features=None):
        """Learn from the pre-existing labeled dataset D0.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Features of D0.
        y : array-like of shape (n_samples,)
            Binary labels of D0 (any two values).
        sensitive_features : array-like of shape (n_samples,), default=None
            Group of each row. ``None`` (and no ``sensitive_feature`` column)
            puts every row in one group.

        Returns
        -------
        self : object
        """
        self._check_hooks()
        self._check_params()
        check_score_routing(self, sensitive_features)
        X, groups = split_sensitive_column(self, X, sensitive_features, "sensitive_features")
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None; "
                "fit needs the labels of D0."
            )
        X, y = self._validate_X(X, y, reset=True)
        self.label_encoder_ = LabelEncoder().fit(y)
        self.classes_ = self.label_encoder_.classes_
        y = self.label_encoder_.transform(y)
        if groups is None:
            if getattr(self, "rho", None) is not None:
                warnings.warn(
                    f"{type(self).__name__} was fitted without sensitive_features: all "
                    "rows form one group and the parity constraint means nothing. Pass "
                    "sensitive_features=... or sensitive_feature='column'.",
                    UserWarning,
                )
            groups = np.zeros(y.shape[0], dtype=np.intp)
        else:
            groups = check_groups(groups, y.shape[0], "sensitive_features")
            if getattr(self, "rho", None) is not None and np.unique(groups).size < 2:
                warnings.warn(
                    f"{type(self).__name__} was fitted with a single group in "
                    "sensitive_features: all rows form one group and the parity "
                    "constraint means nothing (every selection has disparity 0).",
                    UserWarning,
                )
        self.groups_ = np.unique(groups)
        self.encoder_ = self._fit_encoder(X, y, groups)
        Z = self._encode(X)
        self.Z_fit_, self.y_fit_, self.groups_fit_ = Z, y, groups
        self._fit_h0(Z, y, groups)
        self._fit(Z, y, groups)
        return self

    def _fit_h0(self, Z, y, groups):
        """h^0 on D0: ``estimator_`` (the downstream learner) and ``query_model_``."""
        self.estimator_ = fit_classifier(self._estimator_template(), Z, y, groups)
        if not self._uses_query_model:
            self.query_model_ = None
            return
        query = self._query_template()
        same = query is self.estimator or self.estimator is self.query_estimator is None
        self.query_model_ = self.estimator_ if same else fit_classifier(query, Z, y, groups)

    def _fit(self, Z, y, groups):
        """Hook: learn strategy state from D0 in the shared representation."""

    def _score_pool(self, candidates, state, *, Z_pool, groups, random_state):
        """Hook: a score per candidate pool row, higher = label first.

        Parameters
        ----------
        candidates : ndarray of int
            Pool positions still unlabeled.
        state : QueryState or None
            The current query model (``None`` for non-sequential strategies).
        Z_pool : array
            The whole pool, in the shared representation.
        groups : ndarray or None
            Groups of the pool rows.
        random_state : numpy.random.RandomState

        Returns
        -------
        scores : ndarray of shape (len(candidates),)
        """
        raise NotImplementedError(self._missing_hook_message())

    def _check_hooks(self):
        """A strategy must implement ``_score_pool`` or ``_select``."""
        if not hasattr(self, "_select") and (
                type(self)._score_pool is BaseQuerySelector._score_pool):
            raise TypeError(self._missing_hook_message())

    def _missing_hook_message(self):
        return (f"{type(self).__name__} implements neither _score_pool(candidates, state, *, "
                "Z_pool, groups, random_state) (a score per pool row) nor _select(Z_pool, "
                "budget, *, groups, oracle, random_state) (the whole batch); a query "
                "strategy must implement one of them.")

    # --------------------------------------------------------------- select
    @limited_threads
    def select(self, X_pool, budget=None, *, sensitive_features=None, oracle=None):
        """Choose which rows of ``X_pool`` to label.

        Parameters
        ----------
        X_pool : array-like or sparse matrix of shape (n_pool, n_features)
            The unlabeled pool U.
        budget : int, default=None
            Number of rows to select; ``None`` uses the ``budget`` parameter.
        sensitive_features : array-like of shape (n_pool,), default=None
            Groups of the pool rows, for strategies that use them.
        oracle : callable, default=None
            ``oracle(positions) -> labels`` answers label queries. Sequential
            strategies then run the real active-learning loop (query
            ``query_batch_size`` rows, receive labels, refit, repeat); without
            it they take one batch from the classifier fitted on D0.

        Returns
        -------
        positions : ndarray of int, shape (budget,)
            Unique positions into ``X_pool``, in the order they would be
            labeled.
        """
        check_is_fitted(self, "estimator_")
        X_pool, groups = split_sensitive_column(
            self, X_pool, sensitive_features, "sensitive_features"
        )
        X_pool = self._validate_X(X_pool, reset=False)
        budget, groups = self._check_pool(X_pool.shape[0], budget, groups)
        if oracle is not None and not callable(oracle):
            raise TypeError(f"oracle must be callable as oracle(positions), got {oracle!r}.")
        return self._select_encoded(self._encode(X_pool), budget, groups, oracle)

    def _check_pool(self, n_pool, budget, groups):
        """``select``'s checks of the budget and the pool's groups; returns both checked."""
        budget = check_budget(self.budget if budget is None else budget, n_pool)
        if groups is not None:
            groups = check_groups(groups, n_pool, "sensitive_features")
            check_pool_groups(groups, self.groups_, type(self).__name__, "sensitive_features")
        elif self._needs_pool_groups:
            raise ValueError(
                f"{type(self).__name__} needs the groups of the pool rows: pass "
                "select(X_pool, sensitive_features=...) or set sensitive_feature=."
            )
        return budget, groups

    def _select_encoded(self, Z_pool, budget, groups, oracle=None):
        """``select`` after its checks, on the encoded pool ``Z_pool``.

        Also the second half of a streamed selection (``skpanda.cli._stream``):
        the pool read and encoded chunk by chunk, then selected at once.
        """
        n_pool = Z_pool.shape[0]
        rng = check_random_state(self.random_state)
        if hasattr(self, "_select"):
            positions = self._select(
                Z_pool, budget, groups=groups, oracle=oracle, random_state=rng
            )
        elif oracle is not None and self._sequential:
            positions = self._run_loop(Z_pool, budget, groups, oracle, rng)
        else:
            # Only strategies that rank by a model need h^0's query state.
            state = self._initial_state() if self._sequential else None
            candidates = np.arange(n_pool)
            scores = self._score_pool(
                candidates, state, Z_pool=Z_pool, groups=groups, random_state=rng
            )
            positions = candidates[top_k(scores, budget, rng)]
        return np.asarray(positions, dtype=np.intp)

    def _run_loop(self, Z_pool, budget, groups, oracle, rng):
        ask = self._wrap_oracle(oracle)
        pool_groups = groups if groups is not None else np.zeros(Z_pool.shape[0], np.intp)

        def score_fn(candidates, state):
            return self._score_pool(
                candidates, state, Z_pool=Z_pool, groups=groups, random_state=rng
            )

        def refit_fn(labeled, labels):
            return self._refit_state(Z_pool[labeled], labels, pool_groups[labeled], labeled)

        with progress_bar(self, budget, "queries") as bar:
            return active_learning_loop(
                score_fn, refit_fn, self._initial_state(), Z_pool.shape[0], budget, ask,
                batch_size=self.query_batch_size, random_state=rng, progress=bar,
            )

    def _initial_state(self):
        return QueryState(
            self.query_model_, self.Z_fit_, self.y_fit_, self.groups_fit_,
            np.empty(0, dtype=np.intp),
        )

    def _refit_state(self, Z_sel, y_sel, g_sel, labeled):
        """h^b of the loop: the query model on D0 ∪ selection, or the selection."""
        if self._trains_on_d0():
            Z, y, g = self._with_d0(Z_sel, y_sel, g_sel)
        elif np.unique(y_sel).size < 2:
            state = self._initial_state()
            state.labeled = labeled
            return state
        else:
            Z, y, g = Z_sel, y_sel, g_sel
        model = fit_classifier(self._query_template(), Z, y, g)
        return QueryState(model, Z, y, g, labeled)

    def _wrap_oracle(self, oracle):
        def ask(positions):
            labels = np.asarray(oracle(np.asarray(positions)))
            if labels.ndim != 1 or labels.shape[0] != len(positions):
                raise ValueError(
                    f"oracle returned {labels.shape} labels for {len(positions)} queried "
                    "rows; it must return one label per queried position."
                )
            unknown = ~np.isin(labels, self.classes_)
            if unknown.any():
                raise ValueError(
                    f"oracle returned label(s) {np.unique(labels[unknown]).tolist()} never "
                    f"seen in the training labels {self.classes_.tolist()}."
                )
            # Every label is a known class: its position in the sorted classes_ is
            # LabelEncoder.transform's code, without its validation (once per query).
            return np.searchsorted(self.classes_, labels)

        return ask

    # ---------------------------------------------------------------- score
    @limited_threads
    def score(self, X, y, *, sensitive_features=None, sample_weight=None):
        """Penalised validation F1 of a classifier trained on what is selected.

        Runs :meth:`simulate_selection` (``X`` split 50/50 into a pool and a
        validation set, ``budget`` rows selected, the downstream ``estimator``
        trained on them) and scores its validation predictions:

        .. math:: \\text{score} = F_1 \\text{ if } \\hat\\Delta_V \\le t,
                  \\text{ else } F_1 - 1 - (\\hat\\Delta_V - t) / t

        where :math:`\\hat\\Delta_V` is the validation disparity for
        ``constraint`` and :math:`t` is ``target`` (``None``: the selector's own
        ``rho``); see :func:`skpanda.metrics.penalised_score`. Strategies
        without ``rho`` return the plain F1.

        Parameters
        ----------
        X, y : array-like
            Labeled data to simulate selection on (e.g. a CV fold).
        sensitive_features : array-like, default=None
            Groups of ``X``; required when the selector was fitted with groups.
        sample_weight : None
            Unused; accepted so routed ``Pipeline.score`` works
            (scikit-learn#30937).

        Returns
        -------
        score : float

        Notes
        -----
        **Grid over rho: fix target.** With ``target=None`` every candidate is
        penalised against its own ``rho``, so a looser ``rho`` is penalised less
        and ``GridSearchCV`` drifts to the loosest bound. Set ``target`` (the
        disparity you require) on the selector, or pass
        ``scoring=skpanda.metrics.make_parity_scorer(target=...)``, which
        scores every candidate against the same target with the same
        simulation.
        """
        rho = getattr(self, "rho", None)
        target = getattr(self, "target", None)
        target = rho if target is None else target
        if target is not None and not (
                isinstance(target, numbers.Real) and not isinstance(target, bool) and target > 0):
            raise ValueError(f"target={target!r} must be a positive number (the required "
                             "held-out disparity), or None to use rho.")
        y_val, y_hat, g_val = self.simulate_selection(X, y, sensitive_features=sensitive_features)
        f1 = f1_score(y_val, y_hat, zero_division=0.0)
        if target is None or np.unique(g_val).size < 2:  # one group: no disparity to penalise
            return float(f1)
        delta = disparity(y_val, y_hat, sensitive_features=g_val, constraint=self.constraint)
        return penalised_score(f1, delta, target)

    def simulate_selection(self, X, y, *, sensitive_features=None):
        """Select from half of ``X``, train on the selection, predict the other half.

        The one simulation behind :meth:`score` and the parity scorers of
        :func:`skpanda.metrics.make_parity_scorer`. ``X`` is split (stratified,
        seeded by ``random_state``) 50/50 into a pool and a validation set;
        ``budget`` rows are selected from the pool (sequential strategies
        query the pool's labels through an oracle); the downstream
        ``estimator`` is trained on them (with D0 under ``warm_start="data"``,
        see :meth:`fit_selected`) and predicts the validation set.

        Parameters
        ----------
        X, y : array-like
            Labeled data to simulate selection on.
        sensitive_features : array-like, default=None
            Groups of ``X``; required when the selector was fitted with groups.

        Returns
        -------
        y_val : ndarray of {0, 1}
            Validation labels (1 = ``classes_[1]``).
        y_pred : ndarray of {0, 1}
            Predictions of the classifier trained on the selected rows.
        groups_val : ndarray
            Groups of the validation rows (all 0 without groups).
        """
        check_is_fitted(self, "estimator_")
        X, groups = split_sensitive_column(self, X, sensitive_features, "sensitive_features")
        if groups is None and self.groups_.size > 1:
            raise ValueError(
                f"{type(self).__name__}.score needs sensitive_features: this selector was "
                "fitted with groups. Under GridSearchCV, enable metadata routing with "
                "sklearn.set_config(enable_metadata_routing=True) (scikit-learn never "
                "passes sensitive_features to scoring otherwise), or name the column "
                "with sensitive_feature='...'."
            )
        X_in, X = X, self._validate_X(X, reset=False)
        y = np.asarray(y)
        if groups is None:
            groups = np.zeros(y.shape[0], np.intp)
        groups = check_groups(groups, y.shape[0], "sensitive_features")
        rng = check_random_state(self.random_state)
        idx_pool, idx_val = train_test_split(
            np.arange(y.shape[0]), test_size=0.5, random_state=rng,
            stratify=stratify_key(y, min_count=2),
        )
        X_pool, y_pool, g_pool = _take(X_in, idx_pool), y[idx_pool], groups[idx_pool]
        chosen = self.select(
            X_pool, sensitive_features=g_pool,
            oracle=lambda positions: y_pool[positions],
        )
        model = self.fit_selected(X_pool, y_pool, positions=chosen, sensitive_features=g_pool)
        y_val = self.label_encoder_.transform(y[idx_val])
        g_val = groups[idx_val]
        y_hat = self.label_encoder_.transform(predict_labels(
            model, _take(X_in, idx_val), random_state=0, sensitive_features=g_val))
        return y_val, y_hat, g_val

    @limited_threads
    def fit_selected(self, X_pool, y_pool, *, positions, sensitive_features=None):
        """Train the downstream ``estimator`` on the labeled rows; a model for raw input.

        Under ``warm_start="representation"`` it sees the selected rows only;
        under ``"data"`` D0 and the selected rows. Both in the shared
        representation (``transform``). A pool-aware learner (``fit`` takes
        ``X_unlabeled``, :mod:`skpanda.learners`) also gets the whole encoded
        pool and its groups, and enforces its parity bound there.

        Parameters
        ----------
        X_pool : array-like or sparse matrix of shape (n_pool, n_features)
            The pool, as passed to :meth:`select`.
        y_pool : array-like of shape (n_pool,) or (len(positions),)
            The labels you have: one entry per pool row, missing (NaN/None)
            where a row is unlabeled (scikit-activeml's convention), or only
            the labels of ``positions``, in their order.
        positions : array-like of int
            The labeled pool rows (the output of :meth:`select`, or a prefix).
        sensitive_features : array-like of shape (n_pool,) or (n_pool, k), default=None
            Groups of the pool rows; required by a pool-aware learner.

        Returns
        -------
        model : GroupAwarePipeline
            Fitted: the selector's representation
            (:class:`~skpanda.selectors.SelectorRepresentation`), then the
            learner (``model[-1]``). It predicts on the same input as
            :meth:`select` (``model.predict(X_test)``); a learner that needs
            groups at prediction gets them with
            ``model.predict(X_test, sensitive_features=g_test)``.
        """
        check_is_fitted(self, "estimator_")
        X_pool, groups = split_sensitive_column(
            self, X_pool, sensitive_features, "sensitive_features"
        )
        X_pool = self._validate_X(X_pool, reset=False)
        n_pool = X_pool.shape[0]
        positions = check_positions(positions, n_pool)
        y_sel = self._encode_labels(selected_labels(y_pool, positions, n_pool))
        pool_aware = takes_unlabeled(self._estimator_template())
        if pool_aware and groups is None and self.groups_.size > 1:
            raise ValueError(
                f"fit_selected needs sensitive_features= (the pool's groups): the estimator "
                f"{type(self._estimator_template()).__name__} enforces its bound on the pool."
            )
        groups = (np.zeros(n_pool, np.intp) if groups is None
                  else check_groups(groups, n_pool, "sensitive_features"))
        Z_sel = self._encode(_take(X_pool, positions))
        g = groups[positions]
        if self._trains_on_d0():
            Z_sel, y_sel, g = self._with_d0(Z_sel, y_sel, g)
        pool = dict(Z_unlabeled=self._encode(X_pool), groups_unlabeled=groups) if pool_aware else {}
        learner = fit_classifier(self._estimator_template(), Z_sel, y_sel, g, **pool,
                                 fit_params=self._downstream_fit_params())
        return selected_model(self, learner)

    def _downstream_fit_params(self):
        """Extra ``fit`` arguments of the downstream classifier in :meth:`fit_selected` (none)."""
        return {}

    def _encode_labels(self, y):
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(
                f"y_pool holds label(s) {pd.unique(y[unknown])[:5].tolist()} never seen in "
                f"fit (classes {self.classes_.tolist()}); label the rows with the classes "
                "of D0.")
        return self.label_encoder_.transform(y)

    # ------------------------------------------------------------ transform
    @available_if(_has_encoder)
    @limited_threads
    def transform(self, X):
        """The shared representation of ``X`` (the fitted ``encoder``)."""
        check_is_fitted(self, "encoder_")
        return self._represent(X)

    def _represent(self, X):
        """``X`` as the selector's models see it: column taken out, checked, encoded."""
        X, _ = split_sensitive_column(self, X, None, "sensitive_features")
        return self._encode(self._validate_X(X, reset=False))

    # -------------------------------------------------------------- helpers
    def _check_params(self):
        """Checks ``_parameter_constraints`` cannot state (run by ``fit`` after them).

        ``rho`` (a positive bound) and ``constraint`` (a name, alias or fairlearn
        moment, see :func:`skpanda.metrics.constraint_name`) for the strategies
        that have them; subclasses extend this and call ``super()``.
        """
        check_budget(self.budget, None)
        rho = getattr(self, "rho", None)
        if rho is not None and not (isinstance(rho, Real) and not isinstance(rho, bool)
                                    and rho > 0):
            raise ValueError(f"rho must be a positive number (a disparity bound), got {rho!r}.")
        if hasattr(self, "constraint"):
            get_constraint(self.constraint)
            check_estimator_constraint(self.constraint, self.estimator, type(self).__name__)

    def _trains_on_d0(self):
        """Whether the downstream classifier sees D0 (``warm_start="data"``)."""
        return _WARM_STARTS[self.warm_start]

    def _estimator_template(self):
        return default_estimator() if self.estimator is None else self.estimator

    def _query_template(self):
        """The query model (``query_estimator``, or the plain model behind ``estimator``)."""
        if self.estimator is None and self.query_estimator is None:
            return self._estimator_template()
        return query_template(self.estimator, self.query_estimator)

    def _validate_X(self, X, y=None, *, reset):
        """Check ``X`` (and ``y``); a raw frame is left to the ``encoder``."""
        if self.encoder is not None:
            kw = dict(skip_check_array=True)
        else:
            check_raw_frame(X, type(self).__name__)
            kw = dict(accept_sparse=["csr", "csc"], dtype="numeric", ensure_all_finite=True)
        try:
            if y is None:
                return validate_data(self, X, reset=reset, **kw)
            X, y = validate_data(self, X, y, reset=reset, **kw)
        except ValueError as exc:
            if "NaN" not in str(exc) or self.encoder is not None:
                raise
            raise ValueError(f"{str(exc).splitlines()[0]} {type(self).__name__} needs finite "
                             "numbers: "
                             "impute X first, or pass encoder=skpanda.datasets."
                             "make_preprocessor(X) (it imputes, one-hot encodes and "
                             "scales).") from None
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"y must be 1-d with one label per row of X ({X.shape[0]}).")
        target = type_of_target(y, input_name="y", raise_unknown=True)
        if target != "binary" or np.unique(y).size != 2:
            n = np.unique(y).size
            kind = "one class only" if n < 2 else f"{target} target"
            raise ValueError(
                f"y must hold exactly two classes (binary labels); got {n} distinct "
                f"value{'s' if n != 1 else ''} ({kind})."
            )
        return X, y

    def _fit_encoder(self, X, y, groups):
        if self.encoder is None:
            return None
        try:
            check_is_fitted(self.encoder)
            return self.encoder
        except NotFittedError:
            encoder = clone(self.encoder)
            if "sensitive_features" in inspect.signature(encoder.fit).parameters:
                return encoder.fit(X, y, sensitive_features=groups)
            return encoder.fit(X, y)

    def _encode(self, X):
        if self.encoder_ is None:
            return X
        Z = self.encoder_.transform(X)
        data = Z.data if sp.issparse(Z) else np.asarray(Z, dtype=float)
        if not np.all(np.isfinite(data)):
            raise ValueError("X holds NaN or inf values after encoding; impute them first.")
        return Z

    def _with_d0(self, Z_sel, y_sel, g_sel):
        return (stack_rows(self.Z_fit_, Z_sel), np.concatenate([self.y_fit_, y_sel]),
                np.concatenate([self.groups_fit_, g_sel]))


def _take(X, positions):
    return X.iloc[positions] if hasattr(X, "iloc") else X[positions]
