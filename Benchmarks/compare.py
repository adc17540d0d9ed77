#!/usr/bin/env python3
"""Side-by-side speed table: Nabla's gradient vs numpy.gradient vs a plain multi-threaded copy.

Run from Benchmarks/:  python3 compare.py [--quick]
Builds the NablaBench timing tool (release), then for each case times, in one run on this machine:
  - Nabla (outputs supplied by the caller, and with fresh outputs), minimum of several runs;
  - a plain multi-threaded copy of the same bytes into preallocated outputs (each output: every input
    byte read once, written once) — the memory-bandwidth limit;
  - numpy.gradient(a, 0.1, edge_order=2) on the same shape and dtype, minimum of several runs.
Prints a markdown table with ratios. numpy has no higher-accuracy stencils; those rows compare with
numpy's second-order gradient.
"""
import json, os, subprocess, sys, time, platform
import numpy as np

QUICK = "--quick" in sys.argv
HERE = os.path.dirname(os.path.abspath(__file__))
REPEATS = 3 if QUICK else 7

def build():
    subprocess.run(["swift", "build", "-c", "release", "--product", "NablaBench"], cwd=HERE, check=True,
                   stdout=subprocess.DEVNULL)
    out = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=HERE, check=True,
                         capture_output=True, text=True).stdout.strip()
    return os.path.join(out, "NablaBench")

def nabla(binary, shape, dtype, spacing, accuracy, op="gradient"):
    args = [binary, "x".join(map(str, shape)), dtype, spacing, str(accuracy), op, str(REPEATS)]
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)

def numpy_ms(shape, dtype, spacing):
    rng = np.random.default_rng(0)
    if dtype == "c128":
        a = rng.random(shape) + 1j * rng.random(shape)
    else:
        a = rng.random(shape).astype(np.float32 if dtype == "f32" else np.float64)
    if spacing == "coords":
        args = [np.arange(n) * 0.1 + 0.01 * np.sin(np.arange(n)) for n in shape]
    else:
        args = [0.1]
    best = float("inf")
    for _ in range(REPEATS):
        t = time.perf_counter()
        np.gradient(a, *args, edge_order=2)
        best = min(best, time.perf_counter() - t)
    return best * 1e3

CASES = [
    # label, shape, dtype, spacing, accuracy
    ("256³ f64, acc 2", (256, 256, 256), "f64", "uniform", 2),
    ("256³ f64, acc 4", (256, 256, 256), "f64", "uniform", 4),
    ("256³ f64, acc 6", (256, 256, 256), "f64", "uniform", 6),
    ("256³ f64, coordinates", (256, 256, 256), "f64", "coords", 2),
    ("256³ f32, acc 2", (256, 256, 256), "f32", "uniform", 2),
    ("256³ c128, acc 2", (256, 256, 256), "c128", "uniform", 2),
    ("2048² f64, acc 2", (2048, 2048), "f64", "uniform", 2),
    ("2048² f32, acc 2", (2048, 2048), "f32", "uniform", 2),
    ("2048² f64, coordinates", (2048, 2048), "f64", "coords", 2),
    ("2^24 f64, acc 2", (1 << 24,), "f64", "uniform", 2),
    ("2^24 f32, acc 2", (1 << 24,), "f32", "uniform", 2),
    ("2^24 f64, coordinates", (1 << 24,), "f64", "coords", 2),
]

def main():
    binary = build()
    # Memory first: a child inherits the forking process's peak RSS across exec (Linux ru_maxrss), so it
    # must be measured before this process has allocated numpy's arrays.
    m = nabla(binary, (256, 256, 256), "f64", "uniform", 2, "memory")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; numpy {np.__version__}")
    print()
    print("| case | Nabla (into) ms | Nabla (alloc) ms | copy limit ms | numpy ms | Nabla / copy | numpy / Nabla |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    pairs = []
    for label, shape, dtype, spacing, acc in CASES:
        r = nabla(binary, shape, dtype, spacing, acc)
        n = numpy_ms(shape, dtype, spacing)
        g, ga, c = r["gradient_ms"], r["gradient_alloc_ms"], r["copy_ms"]
        print(f"| {label} | {g:.1f} | {ga:.1f} | {c:.1f} | {n:.1f} | {g / c:.2f}× | {n / g:.1f}× |", flush=True)
        if spacing == "coords" and "gradient_first_ms" in r:
            pairs.append(f"{label}: first call {r['gradient_first_ms']:.1f} ms (coordinates checked, weights built and "
                         f"cached); later calls {g:.1f} ms")
        if "two_f64_ms" in r:
            pairs.append(f"{label}: complex128 {g:.1f} ms, two float64 fields {r['two_f64_ms']:.1f} ms "
                         f"({g / r['two_f64_ms']:.2f}×)")
    print()
    for line in pairs:
        print(line)
    print()
    print(f"Peak memory, 256³ f64 gradient on 3 axes with fresh outputs: {m['peak_rss_mb']:.0f} MiB resident "
          f"for {m['input_outputs_mb']:.0f} MiB of input + outputs "
          f"(+{m['peak_rss_mb'] - m['input_outputs_mb']:.0f} MiB: code, runtime, stencils).")

if __name__ == "__main__":
    main()
