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
  group chosen on the 8,000 unlabeled pool rows;
* ``"pool_eg"``: :class:`~skpanda.learners.PoolExponentiatedGradient`, fairlearn's
  reduction with the parity moment on the unlabeled pool rows.

Each point is one learner at one ρ, measured on 8,000 held-out rows: its test F1
against its test Δ_DP. Which learner enforces the bound matters far more than
which rows are labeled (:doc:`/findings`). One seed and one draw of rows, to run
in about half a minute; the five-seed table is in :doc:`/pool_learners`.
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
RHOS = [0.02, 0.04, 0.08]

X, y, sex = load_adult(return_X_y=True)
X = X.drop(columns="sex")
X0, rest, y0, y_rest, s0, s_rest = train_test_split(
    X, y, sex, train_size=3000, stratify=y, random_state=0)
X_pool, X_test, y_pool, y_test, s_pool, s_test = train_test_split(
    rest, y_rest, s_rest, train_size=8000, test_size=8000, stratify=y_rest, random_state=0)
prep = make_preprocessor(X0).fit(X0)
E0, E_pool, E_test = (prep.transform(part) for part in (X0, X_pool, X_test))

rows = RandomQuerySelector(budget=400, random_state=0).fit(E0, y0).select(E_pool)


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
# ``fit_selected`` passes the whole encoded pool and its groups to the learners
# that use them (the pool learners) and the labeled rows' groups to fairlearn.
records = []
for name in LEARNERS:
    spec = get_learner_spec(name)
    for rho in RHOS:
        selector = RandomQuerySelector(
            budget=400, estimator=make_learner(name, rho=rho, random_state=0), random_state=0)
        selector.fit(E0, y0, sensitive_features=s0)
        model = selector.fit_selected(E_pool, y_pool, positions=rows, sensitive_features=s_pool)
        y_hat = predict(model, spec, E_test, s_test)
        records.append({"learner": spec.label, "rho": rho, "F1": f1_score(y_test, y_hat),
                        "Delta_DP": demographic_parity(y_test, y_hat, sensitive_features=s_test)})
table = pd.DataFrame(records)
print(table.round(3).to_string(index=False))

# %%
# The trade-off
# -------------
# A point on the left meets a tighter bound on new data; a point higher up is
# more accurate. The plain learners sit far right whatever ρ; the constrained
# ones move left as ρ shrinks, at a cost in F1 that differs between them.
fig, ax = plt.subplots(figsize=(7, 4.5))
for label, part in table.groupby("learner", sort=False):
    ax.plot(part["Delta_DP"], part["F1"], marker="o", label=label)
    for _, row in part.iterrows():
        ax.annotate(f"{row['rho']:g}", (row["Delta_DP"], row["F1"]),
                    textcoords="offset points", xytext=(4, -10), fontsize=8)
ax.set_xlabel("test $\\Delta_{DP}$ (labels: the rho fitted)")
ax.set_ylabel("test F1")
ax.set_title("400 random labels, Adult, one seed")
ax.legend(loc="lower right", fontsize=8)
plt.tight_layout()
