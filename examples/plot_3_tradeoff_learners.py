"""
The accuracy–parity trade-off of each downstream learner
========================================================

The same 400 randomly chosen rows train every downstream learner of the
registry (:func:`~skpanda.learners.make_learner`), at three bounds ρ:

* ``"lr"``: a plain ``LogisticRegression`` (ignores ρ);
* ``"sgd"``: the SGD-trained linear model of the paper's §4.2 (ignores ρ);
* ``"eg"``: fairlearn's ``ExponentiatedGradient`` with the parity moment on the
  400 labeled rows;
* ``"pool"``: :class:`~skpanda.learners.PoolThresholdClassifier`, one threshold per
  group chosen on the 4,000 unlabeled pool rows;
* ``"pool_eg"``: :class:`~skpanda.learners.PoolExponentiatedGradient`, fairlearn's
  reduction with the parity moment on the unlabeled pool rows.

Each point is one learner at one ρ (the two plain learners are fitted once),
measured on 8,000 held-out rows: its test F1 against its test Δ_DP. Which learner enforces the bound matters far more than
which rows are labeled (:doc:`/findings`). One seed, one draw of rows and a
4,000-row pool, to run in about 20 seconds; the five-seed table (12k-row pool) is
in :doc:`/pool_learners`.
"""

# %%
import inspect

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split

from skpanda.datasets import load_adult, make_preprocessor
from skpanda.learners import get_learner_spec, make_learner
from skpanda.metrics import demographic_parity
from skpanda.selectors import RandomQuerySelector

LEARNERS = ["lr", "sgd", "eg", "pool", "pool_eg"]
IGNORE_RHO = {"lr", "sgd"}  # fitted once
RHOS = [0.02, 0.04, 0.08]

X, y, sex = load_adult(return_X_y=True)
X = X.drop(columns="sex")
X0, rest, y0, y_rest, s0, s_rest = train_test_split(
    X, y, sex, train_size=3000, stratify=y, random_state=0)
X_pool, X_test, y_pool, y_test, s_pool, s_test = train_test_split(
    rest, y_rest, s_rest, train_size=4000, test_size=8000, stratify=y_rest, random_state=0)
prep = make_preprocessor(X0).fit(X0)
E0, E_pool, E_test = (prep.transform(part) for part in (X0, X_pool, X_test))

rows = RandomQuerySelector(budget=400, random_state=0).fit(E0, y0).select(E_pool)
y_sel, s_sel = y_pool.iloc[rows], s_pool.iloc[rows]


def fit_on_selection(name, learner):
    """Train on the 400 labeled rows; what ``fit_selected`` passes, spelled out.

    The constrained learners take the labeled rows' groups; the pool learners
    also take the whole unlabeled pool and its groups, where they enforce the bound.
    """
    if name in IGNORE_RHO:
        return learner.fit(E_pool[rows], y_sel)
    kwargs = {"sensitive_features": s_sel}
    if "X_unlabeled" in inspect.signature(learner.fit).parameters:
        kwargs.update(X_unlabeled=E_pool, sensitive_features_unlabeled=s_pool)
    return learner.fit(E_pool[rows], y_sel, **kwargs)


def predict(model, spec, X, groups):
    """Hard predictions; group thresholds need the group, fairlearn a seed."""
    kwargs = {}
    if spec.needs_groups_at_predict:
        kwargs["sensitive_features"] = groups
    if "random_state" in inspect.signature(model.predict).parameters:
        kwargs["random_state"] = 0
    return model.predict(X, **kwargs)


# %%
# Train every learner on the same selection
# -----------------------------------------
# Inside a selector, ``selector.fit_selected(X_pool, y_pool, positions=rows,
# sensitive_features=groups)`` does this for its ``estimator``; here the rows
# are drawn once and every learner is trained on them directly.
records = []
for name in LEARNERS:
    spec = get_learner_spec(name)
    for rho in RHOS[1:2] if name in IGNORE_RHO else RHOS:
        model = fit_on_selection(name, make_learner(name, rho=rho, random_state=0))
        y_hat = predict(model, spec, E_test, s_test)
        records.append({"learner": spec.label, "rho": None if name in IGNORE_RHO else rho,
                        "F1": f1_score(y_test, y_hat),
                        "Delta_DP": demographic_parity(y_test, y_hat, sensitive_features=s_test)})
table = pd.DataFrame(records)
print(table.round(3).to_string(index=False))

# %%
# The trade-off
# -------------
# A point on the left meets a tighter bound on new data; a point higher up is
# more accurate. The plain learners sit far right (they ignore ρ); the
# constrained ones move left as ρ shrinks, at a cost in F1 that differs between
# them.
fig, ax = plt.subplots(figsize=(7, 4.5))
for label, part in table.groupby("learner", sort=False):
    ax.plot(part["Delta_DP"], part["F1"], marker="o", label=label)
    for _, row in part.dropna().iterrows():
        ax.annotate(f"{row['rho']:g}", (row["Delta_DP"], row["F1"]),
                    textcoords="offset points", xytext=(4, -10), fontsize=8)
ax.set_xlabel("test $\\Delta_{DP}$ (labels: the rho fitted)")
ax.set_ylabel("test F1")
ax.set_title("400 random labels, Adult, one seed")
ax.legend(loc="lower right", fontsize=8)
plt.tight_layout()
