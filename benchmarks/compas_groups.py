"""COMPAS race groups and the certificate: raw groups, merged groups, the refusal (issue #17).

The worked example of ``docs/certification.md``: the pool's group sizes on one
split (seed 10), ``certifiable_bound`` with the raw six groups and with tiny
groups merged through ``group_map``, the refusal message, a certified fit at
the certifiable bound and its ``fairness_report`` on the test split::

    PYTHONPATH=$PWD python benchmarks/compas_groups.py
"""
import numpy as np
from skpanda.learners import certifiable_bound
from skpanda.simulation import split_protocol
from skpanda.simulation._protocol import load_dataset
X, y, g = load_dataset("compas")
names, counts = np.unique(g, return_counts=True)
print("all rows:", dict(zip(names.tolist(), counts.tolist())))
s = split_protocol(X, y, g, random_state=10)
n, c = np.unique(s.g_pool, return_counts=True)
print("pool (seed 10):", dict(zip(n.tolist(), c.tolist())))
print("test groups absent from pool:", sorted(set(s.g_test) - set(s.g_pool)))
# split_protocol codes groups 0..5 in sorted order of the names above
group_map = {1: 5, 4: 5}  # Asian, Native American -> Other
merged = np.array([group_map.get(v, v) for v in s.g_pool])
hisp = {**group_map, 3: 5}  # and Hispanic -> Other
merged3 = np.array([hisp.get(v, v) for v in s.g_pool])
for conf in (0.95, 0.8):
    print(f"confidence {conf}: raw {certifiable_bound(s.g_pool, confidence=conf):.3f}  "
          f"merged Asian+NatAm->Other {certifiable_bound(merged, confidence=conf):.3f}  "
          f"also Hispanic->Other {certifiable_bound(merged3, confidence=conf):.3f}")
from skpanda.learners import PoolThresholdClassifier
for gm in (None, group_map):
    try:
        PoolThresholdClassifier(rho=0.04, confidence=0.95, group_map=gm).fit(
            s.X_pool[:400], s.y_pool[:400], X_unlabeled=s.X_pool,
            sensitive_features_unlabeled=s.g_pool)
    except ValueError as err:
        print(f"group_map={gm}: ValueError:", err)
bound = certifiable_bound(merged, confidence=0.95)
clf = PoolThresholdClassifier(rho=round(bound + 0.005, 2), confidence=0.95, group_map=group_map,
                              random_state=0).fit(
    s.X_pool[:400], s.y_pool[:400], X_unlabeled=s.X_pool, sensitive_features_unlabeled=s.g_pool)
print(f"rho={clf.rho}: certified_bound_={clf.certified_bound_:.3f}")
print(clf.certificate_.round(3).to_string())
yh = clf.predict(s.X_test, sensitive_features=s.g_test)
from skpanda.metrics import fairness_report
rep = fairness_report(s.y_test, yh, sensitive_features=np.array([group_map.get(v, v) for v in s.g_test]))
print(rep.by_group.round(3).to_string())
print(rep.disparities.round(3).to_string())
