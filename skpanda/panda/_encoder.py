"""PandaEncoder: PANDA's pretrained row encoder as a transformer of its own."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import HasMethods, Interval, StrOptions, _fit_context
from .._threads import limit_torch_threads
from ..selectors._base import limited_threads


class PandaEncoder(TransformerMixin, BaseEstimator):
    """The representation PANDA learns from D0, without the selection policy.

    ``fit(X, y)`` pretrains PANDA's row encoder on the labeled data D0
    exactly as :class:`~skpanda.panda.PandaQuerySelector` does before it
    meta-trains (a skorch-trained attention encoder with a logistic head,
    early stopping on a stratified 10 % split) and stops there: no
    meta-training, so it takes seconds. ``transform(X)`` returns the
    ``d_model`` features of each row, one row at a time (a row's features
    never depend on the other rows passed). Use it as ``encoder=`` of any
    selector, or as a step of a ``Pipeline`` before any classifier: random
    rows then get PANDA's representation too.

    Parameters
    ----------
    preprocessor : transformer, default=None
        Applied to ``X`` first (e.g. :func:`skpanda.datasets.make_preprocessor`
        for a raw DataFrame); cloned and fitted on ``X`` unless already fitted.
        ``None``: ``X`` must be numeric.
    d_model : int, default=32
        Width of the representation (the number of output features).
    n_heads : int, default=4
        Attention heads (must divide ``d_model``).
    n_layers : int, default=1
        Attention blocks.
    n_memory : int, default=16
        Learned memory rows each row attends to.
    device : str, default="auto"
        Torch device; ``"auto"`` is CUDA when available, else CPU.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights and the early-stopping split. With the same
        value, data and architecture, the features equal those of a
        ``PandaQuerySelector(random_state=...)`` fitted on the same D0.
    verbose : bool, default=False
        Print skorch's epoch table.

    Attributes
    ----------
    encoder_ : object
        The fitted preprocessor and encoder (its ``transform`` is this one's).
    classes_ : ndarray of shape (2,)
        The two labels of ``y``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        As in scikit-learn.

    See Also
    --------
    PandaQuerySelector : pretrains the same encoder, then meta-trains a policy.

    Notes
    -----
    The encoder is trained to predict ``y`` through a linear head
    (``sigmoid(beta . phi(x) + b)``, cross-entropy); ``transform`` returns
    ``phi(x)``. A linear classifier on ``phi(x)`` therefore starts from a
    representation in which the label is linearly readable.

    Examples
    --------
    >>> import numpy as np
    >>> from skpanda.panda import PandaEncoder
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(300, 4)); y = (X[:, 0] > 0).astype(int)
    >>> enc = PandaEncoder(d_model=8, n_heads=2, n_memory=4, random_state=0).fit(X, y)
    >>> enc.transform(X[:5]).shape
    (5, 8)
    """

    _parameter_constraints = {
        "preprocessor": [HasMethods(["transform"]), None],
        "d_model": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_heads": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_layers": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_memory": [Interval(numbers.Integral, 1, None, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, *, preprocessor=None, d_model=32, n_heads=4, n_layers=1, n_memory=16,
                 device="auto", random_state=None, verbose=False):
        self.preprocessor = preprocessor
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_layers = n_layers
        self.n_memory = n_memory
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.transformer_tags.preserves_dtype = []
        return tags

    @limited_threads
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Pretrain the encoder on ``(X, y)``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            D0's features (raw, when ``preprocessor`` is set).
        y : array-like of shape (n_samples,)
            Binary labels.
        **fit_params : dict
            Ignored (``sensitive_features`` from a selector, for instance).

        Returns
        -------
        self : object
        """
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} must be divisible by "
                             f"n_heads={self.n_heads}.")
        X, y = self._check_input(X, y)
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind != "binary" or np.unique(y).size != 2:
            raise ValueError(f"y must hold exactly two classes (binary labels); got "
                             f"{np.unique(y).size} distinct value(s).")
        self.classes_ = np.unique(y)
        codes = LabelEncoder().fit(self.classes_).transform(y)
        from ._nn.bridge import fit_encoder, resolve_device  # lazy: torch

        limit_torch_threads()
        device = resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        self.encoder_ = fit_encoder(
            X, codes, preprocessor=self._fit_preprocessor(X, codes), device=device,
            arch=dict(d_model=self.d_model, n_heads=self.n_heads, n_layers=self.n_layers,
                      n_memory=self.n_memory),
            seed=seed, verbose=self.verbose)
        return self

    @limited_threads
    def transform(self, X):
        """The ``d_model`` features of each row of ``X``, float64."""
        check_is_fitted(self, "encoder_")
        return self.encoder_.transform(self._check_input(X))

    def _check_input(self, X, y=None):
        reset = y is not None
        if self.preprocessor is not None:
            kw = dict(skip_check_array=True)
        else:
            kw = dict(accept_sparse=["csr", "csc"], dtype="numeric", ensure_all_finite=True)
        if y is None:
            return validate_data(self, X, reset=reset, **kw)
        X, y = validate_data(self, X, y, reset=reset, **kw)
        return X, np.asarray(y)

    def _fit_preprocessor(self, X, y):
        if self.preprocessor is None:
            return None
        try:
            check_is_fitted(self.preprocessor)
            return self.preprocessor
        except NotFittedError:
            return clone(self.preprocessor).fit(X, y)
