#!/usr/bin/env python3
"""`nabla batch` against a Python loop of np.load / np.gradient / np.savez, on the same files, in one run.

    swift build -c release --product nabla      # first
    python3 Benchmarks/batch_compare.py [--files 200] [--n 64] [--jobs 2] [--big-gib 1.0] [--runs 5]
                                        [--dir /dev/shm] [--base OTHER_NABLA]

Prints the throughput of both and their ratio (target: nabla >= 4x), best and median over `--runs` rounds
(Python and nabla alternating, dirty pages flushed before each timed side), then the peak resident memory
of `nabla batch` on one large float64 file against the file's size (/usr/bin/time -f %M; target < 2.2x).
`--dir` puts inputs and both sides' outputs in that folder (e.g. /dev/shm: no disk write-back); `--base`
times another `nabla` binary in the same rounds (before/after a change).

    python3 Benchmarks/batch_compare.py --share-files 4 [--share-mib 512] [--share-operation laplacian]
                                        [--runs 3] [--base OTHER_NABLA]

runs only the budget-share case: `nabla batch --operation laplacian --jobs 2 --memory 256M` on four
512 MiB float64 files (each larger than the budget), `--runs` rounds alternating with `--base` and a `cat`
copy of the same bytes; prints best/median time, peak RSS (/usr/bin/time -f %M; limit 1.25 × 256 MiB +
64 MiB = 384 MiB), how many files ran alone, and checks that both binaries wrote the same arrays.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NABLA = os.environ.get("NABLA_EXECUTABLE", os.path.join(ROOT, ".build", "release", "nabla"))


def python_loop(files, out):
    os.makedirs(out, exist_ok=True)
    for f in files:
        a = np.load(f)
        g = np.gradient(a)
        np.savez(os.path.join(out, os.path.splitext(os.path.basename(f))[0] + ".npz"),
                 **{f"axis{k}": x for k, x in enumerate(g)})


def share_case(args):
    """Files larger than the batch's budget, an operation other than the gradient (see the module's doc)."""
    import json
    tmp = tempfile.mkdtemp(prefix="nabla-batch-share-", dir=args.dir)
    try:
        src = os.path.join(tmp, "in")
        os.makedirs(src)
        rng = np.random.default_rng(0)
        planes = args.share_mib * 2**20 // (256 * 256 * 8)
        for k in range(args.share_files):
            a = np.lib.format.open_memmap(os.path.join(src, f"f{k}.npy"), mode="w+", dtype=np.float64, shape=(planes, 256, 256))
            for p in range(0, planes, 128):
                a[p:p + 128] = rng.standard_normal((min(128, planes - p), 256, 256))
            del a
        sides = [("nabla", NABLA)] + ([("base", args.base)] if args.base else [])
        results = {label: [] for label, _ in sides}
        copies = []
        for _ in range(args.runs):
            shutil.rmtree(os.path.join(tmp, "copy"), ignore_errors=True)
            os.makedirs(os.path.join(tmp, "copy"))
            os.sync()
            t = time.perf_counter()
            subprocess.run(f"for f in {src}/*.npy; do cat $f > {tmp}/copy/$(basename $f); done",
                           shell=True, check=True)
            copies.append(time.perf_counter() - t)
            shutil.rmtree(os.path.join(tmp, "copy"))
            for label, binary in sides:
                out = os.path.join(tmp, label)
                shutil.rmtree(out, ignore_errors=True)
                os.sync()
                r = subprocess.run(["/usr/bin/time", "-f", "%M %e", binary, "batch", src, "-o", out, "--operation", args.share_operation,
                                    "--jobs", "2", "--memory", "256M", "--quiet", "--log", os.path.join(tmp, f"{label}.jsonl")],
                                   stderr=subprocess.PIPE, text=True, check=True)
                kib, seconds = r.stderr.strip().splitlines()[-1].split()
                alone = sum("ran alone" in (json.loads(line).get("note") or "") for line in open(os.path.join(tmp, f"{label}.jsonl")))
                results[label].append((float(seconds), int(kib) / 1024, alone))
        print(f"{args.share_files} files of {planes}×256×256 float64 ({args.share_mib} MiB each), "
              f"nabla batch --operation {args.share_operation} --jobs 2 --memory 256M (limit 384 MiB peak), {args.runs} rounds")
        print(f"  cat copy of the same files: best {min(copies):.2f} s, median {statistics.median(copies):.2f} s")
        for label, _ in sides:
            walls = [w for w, _, _ in results[label]]
            peaks = [m for _, m, _ in results[label]]
            print(f"  {label}: best {min(walls):.2f} s ({min(walls) / min(copies):.2f}× the copy), median {statistics.median(walls):.2f} s; "
                  f"peak {max(peaks):.0f} MiB (median {statistics.median(peaks):.0f}); files run alone: {results[label][-1][2]}")
        if args.base:
            same = all(np.array_equal(np.load(os.path.join(tmp, "nabla", f"f{k}.npz"))[n], np.load(os.path.join(tmp, "base", f"f{k}.npz"))[n])
                       for k in range(args.share_files) for n in np.load(os.path.join(tmp, "base", f"f{k}.npz")).files)
            print(f"  same arrays as the base, bit for bit: {same}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--files", type=int, default=200)
    p.add_argument("--n", type=int, default=64)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--big-gib", type=float, default=1.0, help="size of the single large file (0 to skip)")
    p.add_argument("--runs", type=int, default=1, help="rounds of both sides, alternating")
    p.add_argument("--dir", default=None, help="folder for inputs and outputs (default: the system's temporary folder)")
    p.add_argument("--base", default=None, help="another nabla binary timed in the same rounds")
    p.add_argument("--share-files", type=int, default=0, help="run only the budget-share case with this many files")
    p.add_argument("--share-mib", type=int, default=512)
    p.add_argument("--share-operation", default="laplacian")
    args = p.parse_args()
    if not os.access(NABLA, os.X_OK):
        sys.exit(f"{NABLA} not found: run `swift build -c release --product nabla` first")
    if args.share_files > 0:
        share_case(args)
        return

    tmp = tempfile.mkdtemp(prefix="nabla-batch-bench-", dir=args.dir)
    try:
        src = os.path.join(tmp, "in")
        os.makedirs(src)
        rng = np.random.default_rng(0)
        files = []
        for k in range(args.files):
            f = os.path.join(src, f"f{k:04d}.npy")
            np.save(f, rng.standard_normal((args.n,) * 3))
            files.append(f)
        total = sum(os.path.getsize(f) for f in files)

        # Flush dirty pages before each timed run: otherwise one side pays for writing back the other's
        # 1.2 GB of output. Outputs of the previous round are removed (and flushed) first.
        def timed(label, run):
            out = os.path.join(tmp, label)
            shutil.rmtree(out, ignore_errors=True)
            os.sync()
            t = time.perf_counter()
            run(out)
            return time.perf_counter() - t

        def nabla_run(binary):
            return lambda out: subprocess.run([binary, "batch", src, "-o", out, "--jobs", str(args.jobs), "--quiet"], check=True)

        sides = [("py", lambda out: python_loop(files, out)), ("nabla", nabla_run(NABLA))]
        if args.base:
            sides.append(("base", nabla_run(args.base)))
        times = {label: [] for label, _ in sides}
        for _ in range(args.runs):
            for label, run in sides:
                times[label].append(timed(label, run))

        # Same results (numpy.gradient semantics, bitwise).
        for f in files[:: max(1, len(files) // 10)]:
            stem = os.path.splitext(os.path.basename(f))[0]
            a = np.load(os.path.join(tmp, "py", stem + ".npz"))
            for label, _ in sides[1:]:
                b = np.load(os.path.join(tmp, label, stem + ".npz"))
                assert all(np.array_equal(a[k], b[k]) for k in a.files), (label, stem)

        mib = total / 2**20
        py = times["py"]
        print(f"{args.files} files of {args.n}^3 float64 ({mib:.0f} MiB in, {3 * mib:.0f} MiB out), {args.runs} rounds, "
              f"in {os.path.dirname(tmp)}")
        print(f"  python loop (np.load/np.gradient/np.savez): best {min(py):6.2f} s  median {statistics.median(py):6.2f} s  "
              f"{args.files / min(py):7.1f} files/s")
        for label, name in (("nabla", f"nabla batch --jobs {args.jobs}"), ("base", f"base nabla batch --jobs {args.jobs}")):
            if label not in times:
                continue
            nb = times[label]
            print(f"  {name:<42} best {min(nb):6.2f} s  median {statistics.median(nb):6.2f} s  {args.files / min(nb):7.1f} files/s")
            ratios = [p / n for p, n in zip(py, nb)]
            print(f"    ratio (same round): best {max(ratios):.2f}x  median {statistics.median(ratios):.2f}x  "
                  f"(best/best {min(py) / min(nb):.2f}x; target >= 4x)")
        for label, _ in sides:
            shutil.rmtree(os.path.join(tmp, label))
        shutil.rmtree(src)

        if args.big_gib > 0:
            n = int(round((args.big_gib * 2**30 / 8) ** (1 / 3)))
            big = os.path.join(tmp, "big.npy")
            a = np.lib.format.open_memmap(big, mode="w+", dtype=np.float64, shape=(n, n, n))
            for i in range(n):
                a[i] = rng.standard_normal((n, n))
            del a
            size = os.path.getsize(big)
            r = subprocess.run(["/usr/bin/time", "-f", "%M %e", NABLA, "batch", big, "-o", os.path.join(tmp, "bigout"), "--quiet"],
                               stderr=subprocess.PIPE, text=True, check=True)
            kib, seconds = r.stderr.strip().splitlines()[-1].split()
            peak = int(kib) * 1024
            print(f"one {n}^3 float64 file ({size / 2**30:.2f} GiB): peak RSS {peak / 2**30:.2f} GiB = {peak / size:.2f}x the file "
                  f"(target < 2.2x), {float(seconds):.1f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
