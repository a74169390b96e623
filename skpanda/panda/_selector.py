"""PandaQuerySelector: the scikit-learn face of PANDA (Sharaf, Daumé III & Ni, 2022)."""

import numbers
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import TransformerMixin
from sklearn.linear_model import SGDClassifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, StrOptions, validate_parameter_constraints
from .._docstrings import fill_doc
from .._threads import limit_torch_threads
from ..selectors import BaseQuerySelector
from ..selectors._base import limited_threads
from ..selectors._utils import top_k
from ..selectors._validation import split_sensitive_column
from ._persistence import check_resumable, fit_fingerprint, load_selector, save_selector

_MIN_GROUP_ROWS = 4
_MAX_DEFAULT_POOL = 4000  # rows of a default simulated pool (with at least 10 x budget)
# fairness_penalty="auto" for a downstream learner that enforces parity (a fairlearn
# reduction, a pool-aware learner): the penalty mu of the simulated classifier.
_AUTO_PENALTY = 30.0
_PROX_LR = 3e-3  # prox_learning_rate=None under the automatic recipes


def default_pool_size(n_rows, budget):
    """Rows of the simulated pool when ``pool_size=None``: half of D0, capped.

    The cap is ``max(4000, 10 * budget)``: an iteration's cost grows with the
    simulated pool, and a pool ten times the budget already asks the policy
    to choose (issue #11; quality against the uncapped pool in
    ``docs/research/panda_speed.md``).

    Examples
    --------
    >>> default_pool_size(2000, 40), default_pool_size(24421, 400)
    (1000, 4000)
    >>> default_pool_size(100000, 1000)
    10000
    """
    return min(n_rows // 2, max(_MAX_DEFAULT_POOL, 10 * budget))


@fill_doc
class PandaQuerySelector(TransformerMixin, BaseQuerySelector):
    """Meta-learned parity-constrained batch selection (PANDA).

    ``fit`` pretrains a row encoder on the labeled data D0 (the shared
    representation, ``transform``), then meta-trains a set-Transformer selection
    policy on tasks simulated from D0 (Algorithm 1): pick ``budget`` rows of a
    simulated pool with Gumbel-top-B, train the downstream logistic regression on
    them, and improve validation loss under the constraint
    ``disparity < rho``. ``select`` is a single forward pass over the pool
    followed by top-B: no labels and no sensitive features are needed.

    Parameters
    ----------
    {budget}
    {rho}
    target : float, default=None
        Disparity :meth:`score` holds every candidate to (``None``: ``rho``). For
        ``GridSearchCV`` over ``rho``, fix it (e.g. ``target=0.04``); see ``score``.
    {constraint}
    {estimator}
    {query_estimator} Unused: PANDA ranks rows with its meta-trained policy
        (``query_model_`` is None); accepted so every selector shares it.
    encoder : transformer, default=None
        Optional preprocessing applied before PANDA's own pretrained encoder
        (e.g. a one-hot/scaling ``ColumnTransformer``). PANDA's encoder output
        is always the representation.
    {sensitive_feature}
    {warm_start}
    {query_batch_size} Unused by PANDA, which selects the whole batch at once.
    n_layers : int, default=1
        Attention blocks in the encoder and ISAB layers in the policy.
    d_model : int, default=32
        Width of the representation and of the policy.
    n_heads : int, default=4
        Attention heads (must divide ``d_model``).
    n_inducing : int, default=32
        Inducing points of each policy ISAB (cost ``O(n_pool * n_inducing)``).
    n_memory : int, default=16
        Learned memory rows the encoder attends to.
    learning_rate : float, default=2e-3
        Adam learning rate of the forward step (Algorithm 1, line 4).
    prox_learning_rate : float, default=None
        Learning rate of the proximal step's inner gradient steps (line 5).
        ``None``: the recipe's (3e-3, Adam, for the automatic recipes; 0.05,
        normalized gradient descent, for ``recipe="faithful"``).
    tau : float, default=1.0
        Initial Gumbel-top-B temperature (learned during meta-training).
    n_iter : int, default=100
        Meta-training iterations (simulated tasks).
    inner_steps : int, default=6
        Newton steps of the simulated downstream classifier (ACTIVELEARNSIM).
    fairness_penalty : float or "auto", default="auto"
        Weight ``mu`` of a parity penalty in the simulated classifier, which
        makes it a differentiable stand-in for a parity-constrained
        ``estimator`` such as fairlearn's ``ExponentiatedGradient`` (see
        Notes). ``"auto"``: 30 when ``estimator`` is a fairlearn reduction
        (it has a ``constraints`` attribute) or pool-aware (its ``fit`` takes
        ``X_unlabeled``), else 0 (the plain logistic regression of the paper).
    n_prox_steps : int, default=None
        Maximum gradient steps of each proximal (constraint) step. ``None``:
        the recipe's (1 for the automatic recipes, 40 for ``"faithful"``).
    n_samples : int, default=4
        Gumbel samples averaged per forward step (variance reduction).
    pool_size : int, default=None
        Size of the simulated pool carved from D0 in each task. ``None``: half
        of D0, at most ``max(4000, 10 * budget)`` rows (the cost of an
        iteration grows with the pool; ``select`` scores pools of any size).
    validation_fraction : float, default=0.3
        Fraction of D0 held out of meta-training: the evaluation tasks that
        pick the policy kept at the end (the best F1 among iterations whose
        disparity is below ``rho``) are drawn from these rows only, so the
        choice is not fooled by a policy that has learned D0's own rows.
    sample : bool or "auto", default="auto"
        If True, ``select`` draws a Gumbel-top-B sample seeded by
        ``random_state`` instead of the deterministic top-B. ``"auto"``: sample
        when the recipe is ``constrained()`` or ``pool_aware()`` (a positive
        ``fairness_penalty_``: the policy then shifts the odds of rows, not a
        ranking to cut at the top).
    recipe : {"auto", "faithful"}, default="auto"
        The meta-training preset. ``"auto"``: chosen from ``estimator`` (see
        Notes). ``"faithful"``: Algorithm 1 as the paper writes it
        (``MetaTrainConfig.faithful``), for ``estimator=SGDClassifier(
        loss="log_loss", learning_rate="constant", ...)``: the simulated
        classifier takes that SGDClassifier's steps from ``h^0 = estimator_``
        (fitted on D0), the proximal step is normalized gradient descent until the
        training task meets ``rho``, the simulated pool is half of D0 (the
        paper's ``|U| = |D0| / 2``; set ``pool_size`` to your pool's size:
        ``select`` warns when its pool's share ``budget / n_pool`` is more
        than 2x off the simulated one), the last iterate is kept and
        ``select`` samples. ``fit_selected`` then deploys what was simulated:
        ``estimator.fit(Z, y, coef_init=estimator_.coef_,
        intercept_init=estimator_.intercept_)`` (``docs/panda_quality.md``).
    device : str, default="auto"
        Torch device; ``"auto"`` is CUDA when available, else CPU.
    verbose : bool, default=False
        Progress bars for pretraining and meta-training.
    checkpoint_path : str or path-like, default=None
        Meta-training checkpoint file, written every 50 iterations and at the
        end. If it exists when ``fit`` starts, meta-training resumes from it;
        a checkpoint written for other data or parameters (all but ``n_iter``,
        ``verbose``, ``device``, ``sample``) raises ``ValueError``.
    {random_state}

    Attributes
    ----------
    encoder_ : object
        The fitted representation (``transform``).
    encoder_net_ : torch.nn.Module
        The pretrained row encoder.
    policy_ : torch.nn.Module
        The meta-trained selection policy.
    history_ : dict of lists
        Per-iteration validation loss, F1, disparity, proximal steps, temperature,
        and periodic evaluations of the deterministic selection.
    n_iter_ : int
        Meta-training iterations run (fewer than ``n_iter`` when interrupted).
    fairness_penalty_ : float
        The penalty used (``fairness_penalty`` with ``"auto"`` resolved).
    estimator_ : classifier
        The downstream classifier fitted on D0 (h^0).
    classes_, groups_, n_features_in_, feature_names_in_
        As in scikit-learn.

    See Also
    --------
    skpanda.selectors.RandomQuerySelector : the baseline PANDA starts from.

    Notes
    -----
    Meta-objective (paper, Eqs. 3-4), solved by forward-backward splitting::

        min_pi  E_(L,V) [ E_V loss(y, h_L^pi(x)) + chi(h_L^pi) ],
        chi(h) = 0 if Delta_V(h) < rho else +inf.

    Which rows help depends on the downstream classifier. A converged,
    unconstrained classifier barely changes with label-free selection: rows
    chosen from their features change ``p(x)``, not ``p(y | x)``
    (``benchmarks/label_free_limit.py``), so no selection makes it fair. A
    parity-constrained classifier does change, because its constraint is
    measured on the selected sample. With ``fairness_penalty = mu > 0``,
    ACTIVELEARNSIM trains the parity-penalised logistic regression::

        J(beta, b) + mu/2 * sum(w) * Delta_w(sigmoid(z))**2

    and meta-training follows the constrained recipe: the forward step
    maximises the soft F1 of that classifier on V, the proximal step weighs
    the disparity with ``eta = 10``, the policy sees each row's ``h^0`` score
    only (with the whole representation it learns to pick by group, which
    does not carry over to new rows), and the last iterate is kept.

    The recipe is a ``MetaTrainConfig`` preset chosen from ``estimator``:
    ``paper()`` for ``LogisticRegression`` and ``SGDClassifier`` (simulated by
    a few full-batch epochs of gradient steps), ``constrained()`` for a
    fairlearn reduction, ``pool_aware()`` (untuned) for an estimator whose
    ``fit`` takes ``X_unlabeled`` (its simulated classifier is penalised on
    the disparity of the whole simulated pool). A fairlearn reduction's
    bound should equal ``rho`` (``fit`` warns when it does not): PANDA
    meta-trains for ``rho``.

    ``recipe="faithful"`` replaces the automatic choice by Algorithm 1 as the
    paper writes it (``MetaTrainConfig.faithful``): ``SGDClassifier``'s own
    steps from ``h^0 = estimator_``, a normalized gradient-descent proximal step,
    tasks with the deployment share ``budget / pool_size``, the last iterate.

    The proximal step aims at ``rho_target * rho`` (``rho_target = 0.8``) and
    its learning rate grows after violations and shrinks after successes.
    The policy kept at the end is chosen on evaluation tasks built from
    ``validation_fraction`` of D0 that meta-training never sees.

    **Budgets.** The policy scores every pool row; ``select(X_pool, B)`` keeps
    the top B. For ``B <= budget`` that is the first B rows of the batch of the
    meta-trained size, in the same order (works, silently). ``B > budget``
    works but warns: meta-training never asked the policy to pick more.

    References
    ----------
    A. Sharaf, H. Daumé III, R. Ni. "Promoting Fairness in Learned Models by
    Learning to Active Learn under Parity Constraints." FAccT 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skpanda.panda import PandaQuerySelector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(400, 5)); g = (rng.rand(400) < 0.4).astype(int)
    >>> y = (X[:, 0] + g + rng.normal(size=400) > 0.5).astype(int)
    >>> panda = PandaQuerySelector(budget=20, n_iter=5, d_model=8, n_heads=2,
    ...                            n_inducing=4, n_memory=4, random_state=0)
    >>> panda = panda.fit(X, y, sensitive_features=g)
    >>> panda.select(rng.normal(size=(100, 5))).shape
    (20,)
    """

    _uses_query_model = False

    _parameter_constraints = {
        **{name: "no_validation" for name in (  # validated by BaseQuerySelector
            "budget", "rho", "constraint", "estimator", "query_estimator", "encoder",
            "sensitive_feature",
            "warm_start", "query_batch_size", "device", "checkpoint_path", "random_state")},
        **{name: [Interval(numbers.Integral, 1, None, closed="left")] for name in (
            "n_layers", "d_model", "n_heads", "n_inducing", "n_memory", "n_iter",
            "inner_steps", "n_samples")},
        **{name: [Interval(numbers.Real, 0, None, closed="neither")] for name in (
            "learning_rate", "tau")},
        "prox_learning_rate": [None, Interval(numbers.Real, 0, None, closed="neither")],
        "n_prox_steps": [None, Interval(numbers.Integral, 0, None, closed="left")],
        "fairness_penalty": [StrOptions({"auto"}), Interval(numbers.Real, 0, None,
                                                            closed="left")],
        "pool_size": [None, Interval(numbers.Integral, 2, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "sample": ["boolean", StrOptions({"auto"})],
        "recipe": [StrOptions({"auto", "faithful"})],
        "verbose": ["verbose"],
    }

    def __init__(self, *, budget=400, rho=0.04, target=None, constraint="demographic_parity",
                 estimator=None, query_estimator=None, encoder=None, sensitive_feature=None,
                 warm_start="representation", query_batch_size=1, n_layers=1, d_model=32,
                 n_heads=4, n_inducing=32, n_memory=16, learning_rate=2e-3,
                 prox_learning_rate=None, tau=1.0,
                 n_iter=100, inner_steps=6, fairness_penalty="auto", n_prox_steps=None,
                 n_samples=4, pool_size=None,
                 validation_fraction=0.3, sample="auto", recipe="auto", device="auto",
                 verbose=False,
                 checkpoint_path=None,
                 random_state=None):
        self.budget = budget
        self.rho = rho
        self.target = target
        self.constraint = constraint
        self.estimator = estimator
        self.query_estimator = query_estimator
        self.encoder = encoder
        self.sensitive_feature = sensitive_feature
        self.warm_start = warm_start
        self.query_batch_size = query_batch_size
        self.n_layers = n_layers
        self.d_model = d_model
        self.n_heads = n_heads
        self.n_inducing = n_inducing
        self.n_memory = n_memory
        self.learning_rate = learning_rate
        self.prox_learning_rate = prox_learning_rate
        self.tau = tau
        self.n_iter = n_iter
        self.inner_steps = inner_steps
        self.fairness_penalty = fairness_penalty
        self.n_prox_steps = n_prox_steps
        self.n_samples = n_samples
        self.pool_size = pool_size
        self.validation_fraction = validation_fraction
        self.sample = sample
        self.recipe = recipe
        self.device = device
        self.verbose = verbose
        self.checkpoint_path = checkpoint_path
        self.random_state = random_state

    # ------------------------------------------------------------ checks
    def _check_params(self):
        super()._check_params()
        validate_parameter_constraints(self._parameter_constraints,
                                       self.get_params(deep=False), type(self).__name__)
        if self.d_model % self.n_heads:
            raise ValueError(f"d_model={self.d_model} must be divisible by "
                             f"n_heads={self.n_heads}.")
        self._check_estimator_bound()
        if self.recipe == "faithful":
            self._check_faithful()

    def _check_faithful(self):
        from ._nn.config import check_sgd_estimator  # lazy: torch

        if not isinstance(self.estimator, SGDClassifier):
            raise ValueError(
                f"recipe='faithful' simulates SGDClassifier's steps; got estimator="
                f"{type(self.estimator).__name__}. Pass estimator=SGDClassifier("
                "loss='log_loss', learning_rate='constant', eta0=0.01, max_iter=5).")
        check_sgd_estimator(self.estimator)
        if self.fairness_penalty not in ("auto", 0, 0.0):
            raise ValueError(f"recipe='faithful' simulates an unpenalised SGDClassifier; got "
                             f"fairness_penalty={self.fairness_penalty!r}. Use 'auto' or 0.")

    def _check_estimator_bound(self):
        bound = _reduction_bound(self.estimator)
        if bound is not None and not np.isclose(bound, self.rho):
            warnings.warn(
                f"estimator's parity bound ({bound:g}) differs from rho={self.rho:g}; PANDA "
                f"meta-trains for rho={self.rho:g}. Pass the same bound to both, e.g. "
                f"DemographicParity(difference_bound={self.rho:g}).", UserWarning)

    def _seed(self):
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    def _encoder_arch(self):
        return dict(d_model=self.d_model, n_heads=self.n_heads, n_layers=self.n_layers,
                    n_memory=self.n_memory)

    def _recipe(self, **changes):
        """The meta-training preset for the estimator (see Notes) and penalty."""
        from ._nn.config import inner_learner_kind, recipe_for  # lazy: torch

        kind = "faithful" if self.recipe == "faithful" else inner_learner_kind(self.estimator)
        return recipe_for(kind, getattr(self, "fairness_penalty_", 0.0), **changes)

    def _policy_arch(self):
        return dict(d_model=self.d_model, n_heads=self.n_heads, n_layers=self.n_layers,
                    n_inducing=self.n_inducing, tau=self.tau,
                    inputs=self._recipe().policy_inputs)

    def _resolve_penalty(self):
        if self.fairness_penalty == "auto":
            from ._nn.config import inner_learner_kind  # lazy: torch

            kind = inner_learner_kind(self._estimator_template())
            return _AUTO_PENALTY if kind in ("parity", "pool") else 0.0
        return float(self.fairness_penalty)

    def _sampling(self):
        if self.sample == "auto":
            return self._recipe().sample
        return bool(self.sample)

    def _resume_state(self):
        if self.checkpoint_path is None or not Path(self.checkpoint_path).is_file():
            return None
        from ._nn.bridge import read_checkpoint  # lazy: torch

        return check_resumable(self.checkpoint_path, read_checkpoint(self.checkpoint_path),
                               self._fingerprint)

    def _simulated_pool_size(self, n):
        """Rows of the simulated pool carved from a D0 of ``n`` rows."""
        return (int(self.pool_size) if self.pool_size is not None
                else n // 2 if self.recipe == "faithful"
                else default_pool_size(n, self.budget))

    def _check_d0(self, y, groups):
        """Whether D0 can form simulated tasks; run before pretraining. Returns pool_size."""
        n = y.shape[0]
        pool_size = self._simulated_pool_size(n)
        if pool_size <= self.budget or n - pool_size < 2:
            raise ValueError(
                f"D0 has {n} labeled rows: too few to simulate selecting budget={self.budget} "
                f"rows. PANDA splits D0 into a simulated pool of pool_size={pool_size} rows "
                f"(more than the budget) and a validation set. Pass at least "
                f"{2 * self.budget + 2} rows, lower budget, or set pool_size."
            )
        values, counts = np.unique(groups, return_counts=True)
        if counts.min() < _MIN_GROUP_ROWS:
            raise ValueError(
                f"group {values[counts.argmin()].tolist()!r} has {counts.min()} rows in D0; PANDA "
                f"needs at least {_MIN_GROUP_ROWS} rows per group to form pool/validation "
                "tasks. Merge rare groups or add labeled rows."
            )
        return pool_size

    # --------------------------------------------------------------- fit
    def _fit_encoder(self, X, y, groups):
        self._check_d0(y, groups)  # before importing torch and pretraining
        from ._nn.bridge import fit_encoder, resolve_device  # lazy: torch


        limit_torch_threads()  # torch may have been imported just now
        self.device_ = resolve_device(self.device)
        self._fingerprint = fit_fingerprint(self, X, y, groups)  # checkpoints' D0 + params
        preprocessor = super()._fit_encoder(X, y, groups)
        resume = self._resume_state()
        return fit_encoder(X, y, preprocessor=preprocessor, arch=self._encoder_arch(),
                           seed=self._seed(), device=self.device_, verbose=self.verbose,
                           state=None if resume is None else resume.get("encoder"))

    def _fit(self, Z, y, groups):
        from ._nn.bridge import module_state, train_policy  # lazy: torch

        pool_size = self._check_d0(y, groups)
        codes = np.unique(groups, return_inverse=True)[1].ravel()
        resume = self._resume_state()
        self.fairness_penalty_ = penalty = self._resolve_penalty()
        self.encoder_net_ = self.encoder_.module
        preset = self._recipe()
        auto = self.recipe == "auto"
        config = preset.replace(
            n_iter=self.n_iter, learning_rate=self.learning_rate, n_samples=self.n_samples,
            prox_learning_rate=_given(self.prox_learning_rate,
                                      _PROX_LR if auto else preset.prox_learning_rate),
            n_prox_steps=_given(self.n_prox_steps, 1 if auto else preset.n_prox_steps),
            holdout=float(self.validation_fraction), sample=self._sampling())
        h0 = None
        if not auto:  # h^0: the downstream classifier fitted on D0 (Algorithm 1, line 12)
            h0 = np.r_[self.estimator_.coef_.ravel(), self.estimator_.intercept_]
        self.policy_, self.history_, self.n_iter_, interrupted = train_policy(
            Z, y, codes, encoder=self.encoder_, arch=self._policy_arch(),
            constraint=self.constraint, budget=self.budget, rho=float(self.rho),
            seed=self._seed(), device=self.device_, pool_size=pool_size, config=config,
            estimator=self._estimator_template(), penalty=penalty, n_steps=self.inner_steps,
            h0=h0,
            verbose=self.verbose, checkpoint_path=self.checkpoint_path, resume=resume,
            extra={"encoder": module_state(self.encoder_net_),
                   "fingerprint": self._fingerprint},
        )
        if interrupted:
            warnings.warn(f"{type(self).__name__}.fit: meta-training stopped early "
                          f"({self.n_iter_} of {self.n_iter} iterations).", UserWarning)

    # ------------------------------------------------------------ select
    def _select(self, Z_pool, budget, *, groups, oracle, random_state):
        from ._nn.bridge import score_pool  # lazy: torch

        check_is_fitted(self, "policy_")
        if budget > self.budget:
            warnings.warn(
                f"select(..., budget={budget}) exceeds the budget={self.budget} this policy "
                f"was meta-trained for: rows past the first {self.budget} are ranked by a "
                f"policy never trained to pick them. Refit with budget={budget} for them.",
                UserWarning,
            )
        self._warn_unlike_training(Z_pool.shape[0], budget)
        scores = score_pool(self.policy_, self.encoder_, Z_pool, sample=self._sampling(),
                            seed=random_state.randint(2**31 - 1))
        return top_k(scores, budget, random_state)

    def _downstream_fit_params(self):
        """``recipe="faithful"``: the downstream SGD starts from ``h^0 = estimator_``, as simulated."""
        if self.recipe != "faithful" or not hasattr(self.estimator_, "coef_"):
            return {}
        # copies: scikit-learn 1.9's SGDClassifier.fit writes into coef_init in place
        return {"coef_init": self.estimator_.coef_.copy(),
                "intercept_init": self.estimator_.intercept_.copy()}

    def _warn_unlike_training(self, n_pool, budget):
        """``recipe="faithful"`` trains on tasks of the deployment share: warn when it is off 2x."""
        if self.recipe != "faithful":
            return
        trained = self._simulated_pool_size(len(self.y_fit_))
        share, trained_share = budget / n_pool, self.budget / trained
        if not 0.5 <= share / trained_share <= 2.0:
            warnings.warn(
                f"this policy was meta-trained to select budget={self.budget} of "
                f"{trained} simulated pool rows ({trained_share:.1%}); select picks {budget} "
                f"of {n_pool} ({share:.1%}). Refit with pool_size={n_pool} so the simulated "
                "tasks have the share of this selection.", UserWarning)

    @limited_threads
    def transform(self, X):
        """PANDA's pretrained representation of ``X``, shape (n_samples, d_model).

        Row-wise: a row's features never depend on the other rows passed.
        """
        check_is_fitted(self, "encoder_")
        X, _ = split_sensitive_column(self, X, None, "sensitive_features")
        return self._encode(self._validate_X(X, reset=False))

    # ------------------------------------------------------- persistence
    def save(self, path):
        """Save the fitted selector to ``path`` (a file, or a directory to hold one).

        Weights are stored as tensors and parameters as JSON; :meth:`load`
        reads them back without executing code. The file also records the
        skpanda version that wrote it and a SHA-256 digest of its content, and
        is written atomically (temporary file, then rename). Parameters that are objects
        (``estimator``, ``encoder``) cannot be stored this way: pass
        ``estimator`` again to :meth:`load`; a custom ``encoder`` is refused.

        Returns
        -------
        path : pathlib.Path
            The file written.
        """

        return save_selector(self, path)

    @classmethod
    def load(cls, path, *, estimator=None, query_estimator=None, device="auto"):
        """Load a selector written by :meth:`save` (no code is executed).

        Parameters
        ----------
        path : str or path-like
            The file, or the directory holding it.
        estimator : classifier, default=None
            The downstream estimator to use (it is not stored in the file).
        query_estimator : classifier, default=None
            The query model (not stored in the file either).
        device : str, default="auto"
            Where to place the modules.

        Returns
        -------
        selector : PandaQuerySelector

        Raises
        ------
        ValueError
            If the file is not a PANDA file, is damaged (its content does not
            match its digest), or was written by an incompatible skpanda
            version (a missing entry, an unknown parameter, weights of another
            shape): one line naming the file, the problem and that version.
        """

        return load_selector(cls, path, estimator=estimator, query_estimator=query_estimator,
                             device=device)


def _given(value, default):
    return default if value is None else value


def _reduction_bound(estimator):
    """The difference bound of a fairlearn reduction's moment, or None.

    fairlearn stores ``difference_bound`` as ``eps`` (with ``ratio == 1``).
    """
    moment = getattr(estimator, "constraints", None)
    bound = getattr(moment, "eps", None)
    if getattr(moment, "ratio", 1.0) != 1.0 or not isinstance(bound, numbers.Real):
        return None
    return float(bound)
