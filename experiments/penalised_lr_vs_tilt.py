import argparse, os, warnings, numpy as np, torch, itertools, sys
warnings.filterwarnings("ignore")
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from skpanda.metrics import demographic_parity
from skpanda.panda._nn.disparity import get_torch_constraint
from skpanda.panda._nn.learners import ParityPenalisedLearner
torch.set_num_threads(1)
dp=get_torch_constraint("demographic_parity")
ap = argparse.ArgumentParser()
ap.add_argument("--out", default="exp", help="folder of cache_representation.py's z{seed}.npz")
args = ap.parse_args()
res={}
for seed in (0,1,2):
    d=np.load(os.path.join(args.out, f"z{seed}.npz"))
    Z0,y0,g0,Zp,yp,gp,Zt,yt,gt=[d[k] for k in "Z0 y0 g0 Zp yp gp Zt yt gt".split()]
    h0=LogisticRegression(max_iter=1000).fit(Z0,y0); lp=h0.decision_function(Zp)
    init=torch.tensor(np.r_[h0.coef_[0],h0.intercept_])
    Ztt=F.pad(torch.tensor(Zt),(0,1),value=1.0)
    for r in range(4):
        gum=np.random.RandomState([seed,r]).gumbel(size=len(yp))
        for b in (0,0.25):
            i=np.argsort(-(b*lp+gum))[:B] if (B:=400) else None
            X=torch.tensor(Zp[i]); y=torch.tensor(yp[i],dtype=torch.float64); g=torch.tensor(gp[i])
            for mu in (0,3,10,30,100):
                th=ParityPenalisedLearner(n_steps=12,penalty=mu,constraint_fn=dp,n_groups=2).fit(X,y,torch.ones(400,dtype=torch.float64),init=init,groups=g)
                pred=(Ztt@th>0).numpy().astype(int)
                res.setdefault((b,mu),[]).append([f1_score(yt,pred),demographic_parity(yt,pred,sensitive_features=gt)])
    print(seed,flush=True)
for k,v in sorted(res.items()):
    m=np.mean(v,0); s=np.std(v,0)/np.sqrt(len(v)); print(k," ".join(f"{a:.3f}±{b:.3f}" for a,b in zip(m,s)))
