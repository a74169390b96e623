import warnings, numpy as np, torch, itertools, sys
warnings.filterwarnings("ignore")
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from skpanda.metrics import demographic_parity
from skpanda.panda._nn.disparity import get_torch_constraint
torch.set_num_threads(1)
dp=get_torch_constraint("demographic_parity")
def fair_fit(X, y, w, g, mu, theta0, l2=1.0, n_steps=12, ngr=2, soft_sharp=1.0):
    X1=F.pad(X,(0,1),value=1.0); theta=theta0.clone()
    reg=torch.full_like(theta,l2); reg[-1]=1e-6
    for _ in range(n_steps):
        z=X1@theta; p=torch.sigmoid(z)
        grad=(w*(p-y))@X1+reg*theta
        hess=(X1.T*(w*p*(1-p)))@X1+torch.diag(reg)
        th=theta.detach().requires_grad_()
        with torch.enable_grad():
            D=dp(torch.sigmoid(soft_sharp*(X1@th)),g,y,weight=w,n_groups=ngr)
            dD=torch.autograd.grad(D,th)[0]
        W=w.sum()
        grad=grad+mu*W*D.detach()*dD; hess=hess+mu*W*torch.outer(dD,dD)
        theta=theta-torch.linalg.solve(hess,grad)
    return theta
res={}
for seed in (0,1,2):
    d=np.load(f"/tmp/exp/z{seed}.npz")
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
                th=fair_fit(X,y,torch.ones(400,dtype=torch.float64),g,mu,init)
                pred=(Ztt@th>0).numpy().astype(int)
                res.setdefault((b,mu),[]).append([f1_score(yt,pred),demographic_parity(yt,pred,sensitive_features=gt)])
    print(seed,flush=True)
for k,v in sorted(res.items()):
    m=np.mean(v,0); s=np.std(v,0)/np.sqrt(len(v)); print(k," ".join(f"{a:.3f}±{b:.3f}" for a,b in zip(m,s)))
