import argparse, os, warnings, numpy as np, torch
warnings.filterwarnings("ignore")
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from skpanda.metrics import demographic_parity
from skpanda.panda._nn.learners import ParityPenalisedLearner, predict_logits
from skpanda.panda._nn.disparity import get_torch_constraint
torch.set_num_threads(1); dp=get_torch_constraint("dp")
ap = argparse.ArgumentParser()
ap.add_argument("--out", default="exp", help="folder of cache_representation.py's z{seed}.npz")
args = ap.parse_args()
res={}
for seed in (0,1,2):
    d=np.load(os.path.join(args.out, f"z{seed}.npz")); Z0,y0,g0=d["Z0"],d["y0"],d["g0"]
    h0=LogisticRegression(max_iter=1000).fit(Z0,y0); l0=h0.decision_function(Z0)
    init=torch.tensor(np.r_[h0.coef_[0],h0.intercept_])
    for r in range(6):
        rng=np.random.RandomState([seed,r]); perm=rng.permutation(len(y0)); L,V=perm[:12000],perm[12000:]
        gum=rng.gumbel(size=len(L))
        ZV=torch.tensor(Z0[V]); yV=torch.tensor(y0[V],dtype=torch.float64)
        for b in (0,0.25,0.5):
            i=L[np.argsort(-(b*l0[L]+gum))[:400]]
            for mu in (0,10):
                th=ParityPenalisedLearner(n_steps=10,penalty=mu,constraint_fn=dp,n_groups=2).fit(torch.tensor(Z0[i]),torch.tensor(y0[i],dtype=torch.float64),torch.ones(400,dtype=torch.float64),init=init,groups=torch.tensor(g0[i]))
                z=predict_logits(ZV,th); pr=(z>0).numpy().astype(int)
                sf=[float(2*(q*yV).sum()/(q.sum()+yV.sum())) for q in (torch.sigmoid(4*z),torch.sigmoid(10*z))]
                res.setdefault((mu,b),[]).append([float(F.binary_cross_entropy_with_logits(z,yV)),*sf,f1_score(y0[V],pr),demographic_parity(y0[V],pr,sensitive_features=g0[V])])
for k,v in sorted(res.items()): print(k,"BCE sF1x4 sF1x10 F1 DP",np.mean(v,0).round(4), (np.std(v,0)/np.sqrt(len(v))).round(4))
