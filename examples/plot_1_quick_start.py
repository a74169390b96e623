"""
Quick start: label 400 rows, enforce the bound on the pool, check it on new data
================================================================================

Split Adult into a labeled set ``D0`` (the labels you already have), an unlabeled
pool to buy labels from, and a held-out test set that plays the role of new data.
Pick 400 pool rows with :class:`~skpanda.selectors.RandomQuerySelector`, then train
two downstream models on them:

* a plain ``LogisticRegression``;
* :class:`~skpanda.learners.PoolThresholdClassifier`, which chooses one decision
  threshold per group on the *whole unlabeled pool* so that demographic parity
  :math:`\\Delta_{DP} = \\max_a |E[h(x) \\mid a] - E[h(x)]| \\le \\rho` holds there.

fairlearn's :class:`~fairlearn.metrics.MetricFrame` then reports accuracy, F1 and
the selection rate per group on the test rows. Sizes are smaller than in the
benchmarks (4,000 D0 rows, 8,000 pool rows) and only one seed is run: the numbers
illustrate the API; the measured findings over many seeds are in
:doc:`/findings`.
"""

# %%
# Data: D0, pool, test
# --------------------
# The sensitive attribute (sex) is kept apart from the features: the models do
# not read it, the parity metric and the pool learner's thresholds do.
import matplotlib.pyplot as plt
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from skpanda.datasets import load_adult, make_preprocessor
from skpanda.learners import PoolThresholdClassifier
from skpanda.metrics import demographic_parity
from skpanda.selectors import RandomQuerySelector

X, y, sex = load_adult(return_X_y=True)
X = X.drop(columns="sex")
X0, rest, y0, y_rest, s0, s_rest = train_test_split(
    X, y, sex, train_size=4000, stratify=y, random_state=0)
X_pool, X_test, y_pool, y_test, s_pool, s_test = train_test_split(
    rest, y_rest, s_rest, train_size=8000, test_size=8000, stratify=y_rest, random_state=0)

prep = make_preprocessor(X0).fit(X0)  # one-hot + scaling, fitted on D0 only
E0, E_pool, E_test = (prep.transform(part) for part in (X0, X_pool, X_test))
print(f"D0 {len(X0)} rows, pool {len(X_pool)}, test {len(X_test)}")

# %%
# Select 400 rows, train two learners on them
# -------------------------------------------
# ``select`` returns positions into the pool, in labeling order. ``fit_selected``
# trains the selector's ``estimator`` on those rows once they are labeled (here
# ``y_pool`` stands in for the labeling); a pool-aware learner also receives the
# whole encoded pool and its groups.
RHO = 0.04
models = {}
for name, learner in [("LogisticRegression", LogisticRegression(max_iter=1000)),
                      ("PoolThresholdClassifier", PoolThresholdClassifier(rho=RHO))]:
    selector = RandomQuerySelector(budget=400, estimator=learner, random_state=0)
    selector.fit(E0, y0, sensitive_features=s0)
    rows = selector.select(E_pool, sensitive_features=s_pool)
    models[name] = selector.fit_selected(E_pool, y_pool, positions=rows,
                                         sensitive_features=s_pool)

predictions = {
    "LogisticRegression": models["LogisticRegression"].predict(E_test),
    "PoolThresholdClassifier": models["PoolThresholdClassifier"].predict(
        E_test, sensitive_features=s_test),  # one threshold per group: needs the group
}

# %%
# Held-out evaluation per group
# -----------------------------
frames = {}
for name, y_hat in predictions.items():
    frames[name] = MetricFrame(
        metrics={"accuracy": accuracy_score, "f1": f1_score, "selection_rate": selection_rate},
        y_true=y_test, y_pred=y_hat, sensitive_features=s_test)
    dp = demographic_parity(y_test, y_hat, sensitive_features=s_test)
    print(f"\n{name}: test F1 {f1_score(y_test, y_hat):.3f}, test Delta_DP {dp:.3f} "
          f"(rho = {RHO})")
    print(frames[name].by_group.round(3))

# %%
# The bound is enforced on the pool, then checked on new rows: the test
# disparity of the pool learner is close to ρ, not guaranteed below it: on
# Adult, a pool ρ of .04 gave a test Δ_DP of .047 ± .008 over five fresh seeds
# (:doc:`/findings`). Fit a tighter ρ than the requirement when it must hold.
rates = pd.DataFrame({name: frame.by_group["selection_rate"] for name, frame in frames.items()})
overall = pd.Series({name: frame.overall["selection_rate"] for name, frame in frames.items()})
ax = rates.T.plot.bar(figsize=(6, 3.5), rot=0, color=["tab:orange", "tab:blue"])
ax.scatter(range(len(overall)), overall, color="black", zorder=3, label="all rows")
ax.set_ylabel("test selection rate (predicted positive)")
ax.set_ylim(0, 1.5 * rates.to_numpy().max())  # room for the legend
ax.set_title("Selection rate per group on held-out rows")
ax.legend(loc="upper center", ncols=3)
plt.tight_layout()
