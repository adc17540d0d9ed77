#!/usr/bin/env python3
"""End to end on one file: `nabla gradient big.npy --spacing 0.1 --edge-order 2 -o out.npz` against numpy's
`np.load` + `np.gradient` + `np.savez` on the same 256³ float64 file, same machine, same run.

    swift build -c release --product nabla      # from the repository root, first
    python3 Benchmarks/cli_compare.py [--n 256] [--runs 5] [--dir /dev/shm] [--base OTHER_NABLA]

Each side runs as its own process under /usr/bin/time (wall time and peak resident memory), alternating,
and the best and median of the runs are printed with the ratios. The outputs are checked bitwise equal.
`--dir` puts the input and outputs in that folder (e.g. /dev/shm: no disk write-back); `--base` times
another `nabla` binary in the same rounds (before/after a change).
"""
import argparse, os, statistics, subprocess, sys, tempfile
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NABLA = os.environ.get("NABLA_EXECUTABLE", os.path.join(ROOT, ".build", "release", "nabla"))
NUMPY_JOB = """
import sys, numpy as np
a = np.load(sys.argv[1]); g = np.gradient(a, 0.1, edge_order=2)
np.savez(sys.argv[2], **{f"axis{k}": x for k, x in enumerate(g)})
"""


def timed(command):
    r = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + command, stderr=subprocess.PIPE, text=True, check=True)
    wall, kb = r.stderr.strip().splitlines()[-1].split()
    return float(wall), int(kb) / 1024


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=256)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--dir", default=None, help="folder for the input and outputs")
    p.add_argument("--base", default=None, help="another nabla binary timed in the same rounds")
    args = p.parse_args()
    if not os.access(NABLA, os.X_OK):
        sys.exit(f"{NABLA} not found: run `swift build -c release --product nabla` first")
    with tempfile.TemporaryDirectory(prefix="nabla-cli-bench-", dir=args.dir) as tmp:
        src = os.path.join(tmp, "big.npy")
        np.save(src, np.random.default_rng(0).standard_normal((args.n,) * 3))
        script = os.path.join(tmp, "job.py")
        with open(script, "w") as f:
            f.write(NUMPY_JOB)
        ours, theirs, base = [], [], []
        for _ in range(args.runs):
            theirs.append(timed([sys.executable, script, src, os.path.join(tmp, "np.npz")]))
            ours.append(timed([NABLA, "gradient", src, "--spacing", "0.1", "--edge-order", "2", "-o", os.path.join(tmp, "nabla.npz")]))
            if args.base:
                base.append(timed([args.base, "gradient", src, "--spacing", "0.1", "--edge-order", "2", "-o", os.path.join(tmp, "base.npz")]))
        a, b = np.load(os.path.join(tmp, "np.npz")), np.load(os.path.join(tmp, "nabla.npz"))
        same = all(np.array_equal(a[k], b[k]) for k in a.files)
    mib = args.n ** 3 * 8 / 2**20
    print(f"{args.n}³ float64 ({mib:.0f} MiB in, {3 * mib:.0f} MiB out), {args.runs} runs each, alternating; outputs bitwise equal: {same}")
    sides = [("numpy load+gradient+savez", theirs), ("nabla gradient", ours)] + ([("base nabla gradient", base)] if base else [])
    for name, runs in sides:
        walls = [w for w, _ in runs]
        print(f"  {name:<28} best {min(walls):6.2f} s  median {statistics.median(walls):6.2f} s  peak {max(m for _, m in runs):6.0f} MiB")
    for name, runs in sides[1:]:
        ratios = [w / t for (w, _), (t, _) in zip(runs, theirs)]
        print(f"  {name} / numpy time: best {min(w for w, _ in runs) / min(w for w, _ in theirs):.2f}, "
              f"median {statistics.median(w for w, _ in runs) / statistics.median(w for w, _ in theirs):.2f} "
              f"(same round: best {min(ratios):.2f}, median {statistics.median(ratios):.2f}); "
              f"peak memory {max(m for _, m in runs) / max(m for _, m in theirs):.2f}")


if __name__ == "__main__":
    main()
