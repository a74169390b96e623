import sys, warnings, numpy as np, time
warnings.filterwarnings("ignore")
from skpanda.datasets import load_adult
from skpanda.simulation import split_protocol
from skpanda.panda import PandaQuerySelector
X, y, sex = load_adult(return_X_y=True)
for seed in map(int, sys.argv[1:]):
    t=time.time()
    s = split_protocol(X, y, sex, random_state=seed)
    panda = PandaQuerySelector(n_iter=1, random_state=seed).fit(s.X_train, s.y_train, sensitive_features=s.g_train)
    np.savez(f"/tmp/exp/z{seed}.npz", Z0=panda.transform(s.X_train), y0=s.y_train, g0=s.g_train,
             Zp=panda.transform(s.X_pool), yp=s.y_pool, gp=s.g_pool, Zt=panda.transform(s.X_test), yt=s.y_test, gt=s.g_test,
             head=panda.encoder_.head().numpy() if hasattr(panda.encoder_.head(),'numpy') else np.asarray(panda.encoder_.head()))
    print(seed, time.time()-t, flush=True)
