#!/usr/bin/env python3
"""Issue 12, item 5: a 1-D gradient of 2^24 float64 samples with coordinates vs the uniform case vs numpy.

Run from the repository root (after `cd Benchmarks && swift build -c release --product NablaBench`):
    python3 Benchmarks/coords_compare.py [ROUNDS] [--binary PATH]
`--binary` times another build of NablaBench, e.g. one built for this machine's CPU:
    (cd Benchmarks && swift build -c release --product NablaBench -Xswiftc -target-cpu -Xswiftc native \
        --build-path .build-native)
    python3 Benchmarks/coords_compare.py 5 --binary Benchmarks/.build-native/release/NablaBench
Each round runs, alternating, NablaBench on the uniform case and on the coordinates case (each its own
process: the first call, which checks the coordinates and builds and caches the weights, is reported
apart; then the minimum over 7 later calls, into caller-supplied outputs and with fresh outputs), and
numpy.gradient(a, x, edge_order=2) and numpy.gradient(a, 0.1, edge_order=2) on the same data. Prints best
and median over the rounds of each figure, and the ratios.
"""
import json, os, statistics, subprocess, sys, time
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ARGS = sys.argv[1:]
BINARY = None
if "--binary" in ARGS:
    i = ARGS.index("--binary")
    BINARY = os.path.abspath(ARGS[i + 1])
    del ARGS[i:i + 2]
ROUNDS = int(ARGS[0]) if ARGS else 5
N = 1 << 24

def binary():
    if BINARY:
        return BINARY
    out = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=HERE, check=True,
                         capture_output=True, text=True).stdout.strip()
    return os.path.join(out, "NablaBench")

def nabla(exe, spacing):
    args = [exe, str(N), "f64", spacing, "2", "gradient", "7"]
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)

def numpy_ms(a, *spacing):
    best = float("inf")
    for _ in range(7):
        t = time.perf_counter()
        np.gradient(a, *spacing, edge_order=2)
        best = min(best, time.perf_counter() - t)
    return best * 1e3

exe = binary()
a = np.random.default_rng(0).random(N)
x = np.arange(N) * 0.1 + 0.01 * np.sin(np.arange(N))
rows = {k: [] for k in ["uniform into", "coords into", "uniform alloc", "coords alloc", "coords first",
                        "copy", "numpy coords", "numpy uniform"]}
for _ in range(ROUNDS):
    u = nabla(exe, "uniform")
    c = nabla(exe, "coords")
    rows["uniform into"].append(u["gradient_ms"]); rows["coords into"].append(c["gradient_ms"])
    rows["uniform alloc"].append(u["gradient_alloc_ms"]); rows["coords alloc"].append(c["gradient_alloc_ms"])
    rows["coords first"].append(c["gradient_first_ms"]); rows["copy"].append(min(u["copy_ms"], c["copy_ms"]))
    rows["numpy coords"].append(numpy_ms(a, x)); rows["numpy uniform"].append(numpy_ms(a, 0.1))

print(f"{exe}: 2^24 float64, {ROUNDS} rounds, load average {os.getloadavg()[0]:.2f}")
print("| figure | best ms | median ms |\n|---|---:|---:|")
for k, v in rows.items():
    print(f"| {k} | {min(v):.1f} | {statistics.median(v):.1f} |")
def ratio(a, b):
    return f"{min(rows[a]) / min(rows[b]):.2f} (median {statistics.median(rows[a]) / statistics.median(rows[b]):.2f})"
print()
print("coords / uniform, into:  ", ratio("coords into", "uniform into"))
print("coords / uniform, alloc: ", ratio("coords alloc", "uniform alloc"))
print("numpy coords / coords into:", ratio("numpy coords", "coords into"))
