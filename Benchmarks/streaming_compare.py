#!/usr/bin/env python3
"""Fields larger than memory: the slab engine on a 3 GiB float64 file (1536×512×512) with `--memory 512M`.

    swift build -c release --product nabla      # from the repository root, first
    python3 Benchmarks/streaming_compare.py [--planes 1536] [--huge GIB] [--dir DIR]

Measured in one run, each command as its own process under /usr/bin/time (wall time, peak resident memory):
  - `nabla gradient big.npy --axis 0 --memory 512M -o g0.npy`, checked bitwise against numpy's
    np.gradient(a, axis=0) on the same data;
  - `nabla laplacian big.npy --accuracy 4 --memory 512M -o lap.npy`, checked bitwise against the in-memory
    path (the same command with a budget that holds the whole field);
  - the disk's own speed on the same bytes: `cat big.npy > copy.npy` (read + write), the ceiling for a
    command that reads the input once and writes one output;
  - with --huge G: a G GiB field (more than this machine's memory, if G is large enough), gradient along
    axis 0 with --memory 512M: time, peak memory, and the copy's time for the same bytes.
Peak memory must stay within 1.25 × 512 MiB + 64 MiB = 704 MiB.

    python3 Benchmarks/streaming_compare.py --hdf5 1 [--runs 3] [--base OTHER_NABLA] [--dir DIR]

runs only the HDF5 case: `nabla gradient big.h5:/f --memory 256M -o g.h5` on a G GiB float64 dataset
written by h5py (contiguous), `--runs` rounds alternating with `--base` (another binary: before/after a
change) and a `cat` copy of the input; prints best/median time, peak memory (limit 1.25 × 256 MiB + 64 MiB
= 384 MiB), the outputs' chunk shapes (h5py), and checks each axis against numpy.gradient with h5py.
"""
import argparse, os, subprocess, sys, tempfile, time
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NABLA = os.environ.get("NABLA_EXECUTABLE", os.path.join(ROOT, ".build", "release", "nabla"))


def timed(command, shell=False, env=None):
    env = dict(os.environ, **(env or {}))
    if shell:
        r = subprocess.run(["/usr/bin/time", "-f", "%e %M", "sh", "-c", command], stderr=subprocess.PIPE, text=True, check=True, env=env)
    else:
        r = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + command, stderr=subprocess.PIPE, text=True, check=True, env=env)
    wall, kb = r.stderr.strip().splitlines()[-1].split()
    return float(wall), int(kb) / 1024


def make_field(path, planes, rows=512, cols=512):
    a = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(planes, rows, cols))
    rng = np.random.default_rng(0)
    for p in range(0, planes, 64):
        a[p:p + 64] = rng.standard_normal((min(64, planes - p), rows, cols))
    a.flush()
    del a


def drop_caches():
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def hdf5_case(args):
    """The gradient of an HDF5 dataset into an HDF5 file within --memory 256M (see the module's doc)."""
    import h5py, statistics
    with tempfile.TemporaryDirectory(prefix="nabla-stream-h5-", dir=args.dir) as tmp:
        planes = int(args.hdf5 * 2**30 / (512 * 512 * 8))
        big = os.path.join(tmp, "big.h5")
        rng = np.random.default_rng(0)
        with h5py.File(big, "w") as f:
            d = f.create_dataset("f", shape=(planes, 512, 512), dtype="f8")
            for p in range(0, planes, 64):
                d[p:p + 64] = rng.standard_normal((min(64, planes - p), 512, 512))
        gib = os.path.getsize(big) / 2**30
        print(f"HDF5 dataset {planes}×512×512 float64: {gib:.2f} GiB; nabla gradient big.h5:/f --memory 256M -o g.h5 "
              f"(limit 384 MiB peak), {args.runs} rounds")
        sides = [("nabla", NABLA)] + ([("base", args.base)] if args.base else [])
        results = {label: [] for label, _ in sides}
        copies = []
        for _ in range(args.runs):
            subprocess.run(["sync"], check=True)
            copies.append(timed(f"cat {big} > {tmp}/copy.h5", shell=True)[0])
            os.remove(os.path.join(tmp, "copy.h5"))
            for label, binary in sides:
                out = os.path.join(tmp, f"{label}.h5")
                if os.path.exists(out):
                    os.remove(out)
                subprocess.run(["sync"], check=True)
                results[label].append(timed([binary, "gradient", big + ":/f", "--memory", "256M", "-o", out]))
        print(f"  disk copy of the input (cat): best {min(copies):.2f} s, median {statistics.median(copies):.2f} s")
        for label, _ in sides:
            walls = [w for w, _ in results[label]]
            peaks = [m for _, m in results[label]]
            with h5py.File(os.path.join(tmp, f"{label}.h5"), "r") as f:
                chunks = {k: f[k].chunks for k in f.keys()}
            print(f"  {label}: best {min(walls):.2f} s ({min(walls) / min(copies):.2f}× the copy), median "
                  f"{statistics.median(walls):.2f} s; peak {max(peaks):.0f} MiB (median {statistics.median(peaks):.0f}); chunks {chunks}")
        # Values: numpy.gradient, one axis at a time (h5py reads), and the base's output when given.
        with h5py.File(big, "r") as f:
            a = f["f"][...]
        with h5py.File(os.path.join(tmp, "nabla.h5"), "r") as g:
            for k in range(3):
                same = np.array_equal(g[f"axis{k}"][...], np.gradient(a, axis=k))
                print(f"  axis{k} equals numpy.gradient bit for bit (h5py): {same}; dtype {g[f'axis{k}'].dtype}")
            if args.base:
                with h5py.File(os.path.join(tmp, "base.h5"), "r") as b:
                    print(f"  same values as the base: {all(np.array_equal(g[k][...], b[k][...]) for k in g.keys())}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--planes", type=int, default=1536)
    p.add_argument("--huge", type=float, default=0, help="also run a field of this many GiB")
    p.add_argument("--dir", default=None, help="folder for the files (default: a temporary folder)")
    p.add_argument("--hdf5", type=float, default=0, help="run only the HDF5 case, on a dataset of this many GiB")
    p.add_argument("--runs", type=int, default=3, help="rounds of the HDF5 case")
    p.add_argument("--base", default=None, help="another nabla binary timed in the same rounds (HDF5 case)")
    args = p.parse_args()
    if not os.access(NABLA, os.X_OK):
        sys.exit(f"{NABLA} not found: run `swift build -c release --product nabla` first")
    if args.hdf5 > 0:
        hdf5_case(args)
        return
    with tempfile.TemporaryDirectory(prefix="nabla-stream-bench-", dir=args.dir) as tmp:
        big = os.path.join(tmp, "big.npy")
        make_field(big, args.planes)
        gib = os.path.getsize(big) / 2**30
        print(f"field {args.planes}×512×512 float64: {gib:.2f} GiB; --memory 512M (limit 704 MiB peak)")
        cold = drop_caches()
        copy = timed(f"cat {big} > {tmp}/copy.npy", shell=True)
        os.remove(os.path.join(tmp, "copy.npy"))
        print(f"  disk copy (read + write the same bytes){' from a cold cache' if cold else ''}: {copy[0]:.2f} s "
              f"({2 * gib / copy[0]:.2f} GiB/s moved)")
        drop_caches()
        g = timed([NABLA, "gradient", big, "--axis", "0", "--memory", "512M", "-o", os.path.join(tmp, "g0.npy")])
        print(f"  nabla gradient --axis 0: {g[0]:.2f} s ({g[0] / copy[0]:.2f}× the copy), peak {g[1]:.0f} MiB")
        drop_caches()
        lap = timed([NABLA, "laplacian", big, "--accuracy", "4", "--memory", "512M", "-o", os.path.join(tmp, "lap.npy")])
        print(f"  nabla laplacian --accuracy 4: {lap[0]:.2f} s ({lap[0] / copy[0]:.2f}× the copy), peak {lap[1]:.0f} MiB")
        # The in-memory path (NABLA_IN_MEMORY), written as HDF5 (needs h5py to compare).
        whole = timed([NABLA, "laplacian", big, "--accuracy", "4", "-o", os.path.join(tmp, "lap_mem.h5")],
                      env={"NABLA_IN_MEMORY": "1"})
        print(f"  nabla laplacian --accuracy 4 in memory (HDF5 output): {whole[0]:.2f} s, peak {whole[1]:.0f} MiB")
        a = np.load(big, mmap_mode="r")
        t = time.perf_counter()
        expected = np.gradient(a, axis=0)
        numpy_s = time.perf_counter() - t
        same_g = np.array_equal(np.load(os.path.join(tmp, "g0.npy"), mmap_mode="r"), expected)
        del expected
        import h5py
        with h5py.File(os.path.join(tmp, "lap_mem.h5"), "r") as f:
            same_l = np.array_equal(np.load(os.path.join(tmp, "lap.npy"), mmap_mode="r"), f[list(f.keys())[0]][...])
        print(f"  numpy np.gradient(axis=0) in memory (data already cached): {numpy_s:.2f} s")
        print(f"  gradient equals numpy bit for bit: {same_g}; slabbed laplacian equals the in-memory path bit for bit: {same_l}")
        print(f"  peak within 704 MiB: gradient {g[1] <= 704}, laplacian {lap[1] <= 704}")
        for name in ("g0.npy", "lap.npy", "lap_mem.h5"):
            os.remove(os.path.join(tmp, name))
        if args.huge > 0:
            planes = int(args.huge * 2**30 / (512 * 512 * 8))
            os.remove(big)
            huge = os.path.join(tmp, "huge.npy")
            make_field(huge, planes)
            hgib = os.path.getsize(huge) / 2**30
            drop_caches()
            copy = timed(f"cat {huge} > {tmp}/copy.npy", shell=True)
            os.remove(os.path.join(tmp, "copy.npy"))
            drop_caches()
            h = timed([NABLA, "gradient", huge, "--axis", "0", "--memory", "512M", "-o", os.path.join(tmp, "h0.npy")])
            print(f"huge field {planes}×512×512 float64: {hgib:.1f} GiB (machine memory "
                  f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB)")
            print(f"  disk copy: {copy[0]:.1f} s ({2 * hgib / copy[0]:.2f} GiB/s moved); nabla gradient --axis 0: "
                  f"{h[0]:.1f} s ({h[0] / copy[0]:.2f}× the copy), peak {h[1]:.0f} MiB")


if __name__ == "__main__":
    main()
