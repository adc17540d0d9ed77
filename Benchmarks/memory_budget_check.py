#!/usr/bin/env python3
"""The in-memory path within --memory: a deflated 1 GiB field (np.savez_compressed-style .npz, 512³ float64).

    swift build -c release --product nabla      # from the repository root, first
    python3 Benchmarks/memory_budget_check.py [--planes 512] [--runs 3] [--dir DIR]

A deflated member cannot be read a slab at a time, so `nabla` reads it whole: the job must fit --memory, and
one that does not is refused before anything is read, naming the size it needs. Measured in one run, each
command as its own process under /usr/bin/time (wall time, peak resident memory):
  - `nabla gradient big.npz --memory 256M`: refused at once (time, peak, the message);
  - the estimate the refusal names, against the peak of the same command with `--memory 4G` (which runs it):
    the peak must stay within 1.25 × 4 GiB + 64 MiB, and within the estimate + 64 MiB;
  - numpy on the same archive (np.load + np.gradient + np.savez), for time and peak;
  - the same values stored (`big.npy`) through the slab engine with `--memory 256M`, the way the message
    suggests.
"""
import argparse, os, re, statistics, subprocess, sys, tempfile, zipfile
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NABLA = os.environ.get("NABLA_EXECUTABLE", os.path.join(ROOT, ".build", "release", "nabla"))


def timed(command):
    """(wall seconds, peak MiB, exit status, stderr) of one process."""
    r = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + command, stderr=subprocess.PIPE, text=True)
    lines = r.stderr.strip().splitlines()
    wall, kb = lines[-1].split()
    messages = [line for line in lines[:-1] if not line.startswith("Command exited with non-zero status")]
    return float(wall), int(kb) / 1024, r.returncode, "\n".join(messages)


def make_fields(tmp, planes, n=512):
    """big.npy (random normal, written in chunks) and big.npz, its deflated copy (written as a stream)."""
    npy = os.path.join(tmp, "big.npy")
    a = np.lib.format.open_memmap(npy, mode="w+", dtype=np.float64, shape=(planes, n, n))
    rng = np.random.default_rng(0)
    for p in range(0, planes, 32):
        a[p:p + 32] = rng.standard_normal((min(32, planes - p), n, n))
    a.flush()
    npz = os.path.join(tmp, "big.npz")
    with zipfile.ZipFile(npz, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True) as z:
        with z.open("f.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array(f, np.load(npy, mmap_mode="r"))
    del a
    return npy, npz


NUMPY_SCRIPT = """
import sys, numpy as np
a = np.load(sys.argv[1])["f"]
g = np.gradient(a)
np.savez(sys.argv[2], **{f"axis{k}": x for k, x in enumerate(g)})
"""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--planes", type=int, default=512)
    p.add_argument("--runs", type=int, default=3, help="rounds of the four commands (best and median)")
    p.add_argument("--dir", default=None, help="folder for the files (default: a temporary folder)")
    args = p.parse_args()
    if not os.access(NABLA, os.X_OK):
        sys.exit(f"{NABLA} not found: run `swift build -c release --product nabla` first")
    with tempfile.TemporaryDirectory(prefix="nabla-budget-check-", dir=args.dir) as tmp:
        npy, npz = make_fields(tmp, args.planes)
        gib = os.path.getsize(npy) / 2**30
        print(f"field {args.planes}×512×512 float64: {gib:.2f} GiB; deflated archive {os.path.getsize(npz) / 2**30:.2f} GiB")
        out = os.path.join(tmp, "g.npz")
        numpy_out = os.path.join(tmp, "n.npz")
        rounds = {"refused": [], "ran": [], "numpy": [], "slab": []}
        same = True
        for r in range(args.runs):
            refused = timed([NABLA, "gradient", npz, "-o", out, "--memory", "256M"])
            needs = re.search(r"needs about (\d+) bytes", refused[3])
            if refused[2] != 1 or not needs or os.path.exists(out):
                sys.exit(f"expected a refusal naming the bytes needed, and no output: {refused}")
            if r == 0:
                print(f"  nabla gradient big.npz --memory 256M: exit {refused[2]}, nothing written:\n    {refused[3].strip()}")
            estimate = int(needs.group(1)) / 2**20
            rounds["refused"].append(refused)
            rounds["ran"].append(timed([NABLA, "gradient", npz, "-o", out, "--memory", "4G"]))
            rounds["numpy"].append(timed([sys.executable, "-c", NUMPY_SCRIPT, npz, numpy_out]))
            if r == 0:
                nabla_out, numpy_arrays = np.load(out), np.load(numpy_out)
                same = all(np.array_equal(nabla_out[k], numpy_arrays[k]) for k in ("axis0", "axis1", "axis2"))
            os.remove(numpy_out)
            os.remove(out)
            rounds["slab"].append(timed([NABLA, "gradient", npy, "-o", out, "--memory", "256M"]))
            os.remove(out)

        def summary(name):
            times = sorted(x[0] for x in rounds[name])
            peaks = [x[1] for x in rounds[name]]
            return times[0], statistics.median(times), max(peaks), all(x[2] == 0 for x in rounds[name])

        limit = 1.25 * 4096 + 64
        rows = [("refused", "nabla gradient big.npz --memory 256M (refused before reading)"),
                ("ran", "nabla gradient big.npz --memory 4G (in memory)"),
                ("numpy", "numpy: np.load + np.gradient + np.savez on big.npz"),
                ("slab", "nabla gradient big.npy --memory 256M (stored: the slab engine)")]
        print(f"  {args.runs} rounds; estimate named by the refusal: {estimate:.0f} MiB; limit under 4G: {limit:.0f} MiB")
        print(f"  {'':66} {'best':>8} {'median':>8} {'peak':>10}")
        for key, label in rows:
            best, median, peak, _ = summary(key)
            print(f"  {label:66} {best:7.2f}s {median:7.2f}s {peak:7.0f} MiB")
        ran, numpy_run = summary("ran"), summary("numpy")
        print(f"  in memory vs numpy: {ran[1] / numpy_run[1]:.2f}× its median time, {ran[2] / numpy_run[2]:.2f}× its peak; "
              f"peak − estimate {ran[2] - estimate:+.0f} MiB; equal bit for bit: {same}")
        ok = ran[3] and ran[2] <= limit and ran[2] <= estimate + 64 and same and summary("slab")[3]
        print(f"  within the budget and the estimate: {ok}")
        if not ok:
            sys.exit(1)

if __name__ == "__main__":
    main()
