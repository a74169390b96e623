"""Simulate xdist schedules from a --durations=0 output and a collection list."""
import re, sys
from collections import defaultdict

# usage: python simulate_schedules.py serial_before.txt collection_order.txt
dur_file, coll_file = sys.argv[1], sys.argv[2]
order = [l.strip() for l in open(coll_file) if "::" in l]
setup, call = defaultdict(float), defaultdict(float)
for line in open(dur_file):
    m = re.match(r"\s*([\d.]+)s (setup|call|teardown)\s+(\S+)", line)
    if m:
        (setup if m[2] != "call" else call)[m[3]] += float(m[1])
t = {n: setup[n] + call[n] for n in order}
mod = lambda n: n.split("::")[0]
# expensive first-use setups are module fixtures: attribute to the module
modfix = defaultdict(float)
for n in order:
    if setup[n] > 1.0:
        modfix[mod(n)] = max(modfix[mod(n)], setup[n])
print("total serial", round(sum(t.values())), "s; n tests", len(order))
bymod = defaultdict(float)
for n in order: bymod[mod(n)] += t[n]
print("top modules:", sorted(bymod.items(), key=lambda kv: -kv[1])[:12])

def run(assign):  # assign: list of lists of test ids per worker, sequential per worker
    out = []
    for tests in assign:
        seen, s = set(), 0.0
        for n in tests:
            s += call[n]
            if mod(n) not in seen:
                seen.add(mod(n)); s += modfix[mod(n)]
            else:
                s += setup[n] if setup[n] <= 1.0 else 0.0
        out.append(s)
    return out

# loadfile: files ordered by count desc, each assigned to the least-loaded (earliest free) worker
files = defaultdict(list)
for n in order: files[mod(n)].append(n)
q = sorted(files.items(), key=lambda kv: -len(kv[1]))
for W in (2,):
    free = [0.0] * W; assign = [[] for _ in range(W)]
    for f, tests in q:
        w = min(range(W), key=lambda i: free[i])
        assign[w] += tests; free[w] += run([tests])[0]
    print("loadfile", [round(x) for x in run(assign)])

def worksteal():
    half = len(order) // 2
    queues = [order[:half], order[half:]]
    clock = [0.0, 0.0]; seen = [set(), set()]; finished = [False, False]
    def cost(w, n):
        c = call[n]
        if mod(n) not in seen[w]:
            seen[w].add(mod(n)); c += modfix[mod(n)]
        elif setup[n] <= 1: c += setup[n]
        return c
    steals = []
    while not all(finished):
        live = [i for i in (0, 1) if not finished[i]]
        w = min(live, key=lambda i: clock[i])
        if not queues[w]:
            o = 1 - w
            k = min(len(queues[o]) // 2, max(0, len(queues[o]) - 2))
            if k == 0 or finished[o]:
                finished[w] = True; continue
            queues[w] = queues[o][-k:]; queues[o] = queues[o][:-k]
            steals.append((w, round(clock[w]), queues[w][0]))
        n = queues[w].pop(0); clock[w] += cost(w, n)
    print("steals", steals[:6], len(steals))
    return [round(c) for c in clock]
print("worksteal", worksteal())
