#!/usr/bin/env python3
"""The in-memory path within --memory: a deflated 1 GiB field (np.savez_compressed-style .npz, 512³ float64).

    swift build -c release --product nabla      # from the repository root, first
    python3 Benchmarks/memory_budget_check.py [--planes 512] [--dir DIR]

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
import argparse, os, re, subprocess, sys, tempfile, zipfile
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
    p.add_argument("--dir", default=None, help="folder for the files (default: a temporary folder)")
    args = p.parse_args()
    if not os.access(NABLA, os.X_OK):
        sys.exit(f"{NABLA} not found: run `swift build -c release --product nabla` first")
    with tempfile.TemporaryDirectory(prefix="nabla-budget-check-", dir=args.dir) as tmp:
        npy, npz = make_fields(tmp, args.planes)
        gib = os.path.getsize(npy) / 2**30
        print(f"field {args.planes}×512×512 float64: {gib:.2f} GiB; deflated archive {os.path.getsize(npz) / 2**30:.2f} GiB")
        out = os.path.join(tmp, "g.npz")

        refused = timed([NABLA, "gradient", npz, "-o", out, "--memory", "256M"])
        needs = re.search(r"needs about (\d+) bytes", refused[3])
        print(f"  nabla gradient big.npz --memory 256M: exit {refused[2]} after {refused[0]:.2f} s, peak {refused[1]:.0f} MiB, "
              f"output written: {os.path.exists(out)}")
        print(f"    {refused[3].strip()}")
        if refused[2] != 1 or not needs or os.path.exists(out):
            sys.exit("expected a refusal naming the bytes needed, and no output")
        estimate = int(needs.group(1)) / 2**20

        ran = timed([NABLA, "gradient", npz, "-o", out, "--memory", "4G"])
        limit = 1.25 * 4096 + 64
        print(f"  nabla gradient big.npz --memory 4G: exit {ran[2]}, {ran[0]:.2f} s, peak {ran[1]:.0f} MiB; "
              f"estimate {estimate:.0f} MiB (peak − estimate {ran[1] - estimate:+.0f} MiB); limit {limit:.0f} MiB")
        nabla_out = np.load(out)
        numpy_out = os.path.join(tmp, "n.npz")
        numpy_run = timed([sys.executable, "-c", NUMPY_SCRIPT, npz, numpy_out])
        same = all(np.array_equal(nabla_out[k], np.load(numpy_out)[k]) for k in ("axis0", "axis1", "axis2"))
        print(f"  numpy np.load + np.gradient + np.savez on big.npz: {numpy_run[0]:.2f} s, peak {numpy_run[1]:.0f} MiB; "
              f"nabla {ran[0] / numpy_run[0]:.2f}× its time, {ran[1] / numpy_run[1]:.2f}× its peak; equal bit for bit: {same}")
        os.remove(numpy_out)
        os.remove(out)
        slab = timed([NABLA, "gradient", npy, "-o", out, "--memory", "256M"])
        print(f"  nabla gradient big.npy (stored) --memory 256M, the slab engine: exit {slab[2]}, {slab[0]:.2f} s, "
              f"peak {slab[1]:.0f} MiB (limit {1.25 * 256 + 64:.0f} MiB)")
        ok = ran[2] == 0 and ran[1] <= limit and ran[1] <= estimate + 64 and same and slab[2] == 0
        print(f"  within the budget and the estimate: {ok}")
        if not ok:
            sys.exit(1)


if __name__ == "__main__":
    main()
