"""How long does ``skpanda advise`` take on Adult? Target: under a minute.

Writes Adult's D0 (half the rows) and an unlabeled pool (a quarter, without the
income column) to a temporary folder, times ``python -m skpanda advise
--budgets 50,100,400`` end to end (CSV reading, encoding, the advisor, the
figure) and prints the load average next to it: on a shared machine the time
says as much about the neighbours as about the code.

Run::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/advise_speed.py
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sklearn.model_selection import train_test_split

from skpanda.datasets import load_adult

TARGET_S = 60.0


def main():
    frame = load_adult().frame
    d0, rest = train_test_split(frame, test_size=0.5, random_state=0)
    pool = train_test_split(rest, test_size=0.5, random_state=0)[0].drop(columns="income")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        d0.to_csv(tmp / "d0.csv", index=False)
        pool.to_csv(tmp / "pool.csv", index=False)
        load = os.getloadavg()[0]
        tic = time.perf_counter()
        res = subprocess.run([sys.executable, "-m", "skpanda", "advise", "--data",
                              str(tmp / "d0.csv"), "--pool", str(tmp / "pool.csv"),
                              "--target", "income", "--sensitive", "sex",
                              "--budgets", "50,100,400", "--out", str(tmp / "advice")],
                             capture_output=True, text=True)
        seconds = time.perf_counter() - tic
    print(res.stdout, res.stderr, sep="")
    ok = res.returncode == 0 and seconds < TARGET_S
    print(f"{'PASS' if ok else 'FAIL'}: skpanda advise on Adult ({len(d0)} D0 rows, {len(pool)} "
          f"pool rows) took {seconds:.1f} s (target < {TARGET_S:.0f} s; load average "
          f"{load:.1f} on {os.cpu_count()} cores at the start)")


if __name__ == "__main__":
    main()
