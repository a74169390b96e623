import argparse, os, warnings, numpy as np, time
warnings.filterwarnings("ignore")
from skpanda.datasets import load_adult
from skpanda.simulation import split_protocol
from skpanda.panda import PandaQuerySelector
ap = argparse.ArgumentParser(description="cache PANDA's representation of D0/pool/test per seed")
ap.add_argument("seeds", type=int, nargs="+")
ap.add_argument("--out", default="exp", help="folder for z{seed}.npz (default: ./exp)")
args = ap.parse_args()
os.makedirs(args.out, exist_ok=True)
X, y, sex = load_adult(return_X_y=True)
for seed in args.seeds:
    t=time.time()
    s = split_protocol(X, y, sex, random_state=seed)
    panda = PandaQuerySelector(n_iter=1, random_state=seed).fit(s.X_train, s.y_train, sensitive_features=s.g_train)
    np.savez(os.path.join(args.out, f"z{seed}.npz"), Z0=panda.transform(s.X_train), y0=s.y_train, g0=s.g_train,
             Zp=panda.transform(s.X_pool), yp=s.y_pool, gp=s.g_pool, Zt=panda.transform(s.X_test), yt=s.y_test, gt=s.g_test,
             head=panda.encoder_.head().numpy() if hasattr(panda.encoder_.head(),'numpy') else np.asarray(panda.encoder_.head()))
    print(seed, time.time()-t, flush=True)
