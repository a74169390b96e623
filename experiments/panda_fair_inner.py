import sys, json, time, warnings, numpy as np
warnings.filterwarnings("ignore")
from fairlearn.reductions import DemographicParity, ExponentiatedGradient
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from skpanda.datasets import load_adult
from skpanda.simulation import split_protocol
from skpanda.metrics import demographic_parity
from skpanda.panda import PandaQuerySelector
seed=int(sys.argv[1]); params={k: json.loads(v) for k,v in (a.split("=",1) for a in sys.argv[2:])}
X,y,sex=load_adult(return_X_y=True); s=split_protocol(X,y,sex,random_state=seed)
EG=lambda: ExponentiatedGradient(LogisticRegression(solver="liblinear"), DemographicParity(difference_bound=0.04))
t=time.time()
p=PandaQuerySelector(estimator=EG(), random_state=seed, **params).fit(s.X_train,s.y_train,sensitive_features=s.g_train)
ft=time.time()-t
Zp,Zt=p.transform(s.X_pool),p.transform(s.X_test)
def ev(i):
    pr=EG().fit(Zp[i],s.y_pool[i],sensitive_features=s.g_pool[i]).predict(Zt,random_state=0)
    return np.array([f1_score(s.y_test,pr),demographic_parity(s.y_test,pr,sensitive_features=s.g_test),s.y_pool[i].mean(),np.mean(s.g_pool[i]==0)])
top=p.select(s.X_pool)
import os; ND=int(os.environ.get("NDRAWS","3"))
samp=[p.set_params(sample=True,random_state=r).select(s.X_pool) for r in range(ND)]
rnd=[np.random.RandomState([seed,r]).choice(len(s.y_pool),400,replace=False) for r in range(ND)]
h=p.history_
print(f"seed {seed} fit {ft:.0f}s {params}")
print(" train disp blocks:", [round(float(np.mean(h['val_disparity'][i:i+50])),3) for i in range(0,len(h['val_disparity']),50)])
print(" train f1 blocks:", [round(float(np.mean(h['val_f1'][i:i+50])),3) for i in range(0,len(h['val_f1']),50)])
print(" eval f1:", [round(v,3) for v in h['eval_f1'][::3]]); print(" eval disp:", [round(v,3) for v in h['eval_disparity'][::3]])
print(" b", [float(v) for v in p.policy_.parameters() if v.numel() == 1][:1], "tau", float(p.policy_.tau))
S=np.array([ev(i) for i in samp]); R=np.array([ev(i) for i in rnd])
print(" top+EG", ev(top).round(3)); print(" sample+EG", S.mean(0).round(3), "se", (S.std(0)/np.sqrt(ND)).round(3)); print(" random+EG", R.mean(0).round(3), "se", (R.std(0)/np.sqrt(ND)).round(3))
