#!/usr/bin/env python3
"""Spectral gradient of a 256^3 float64 field on all three axes: NablaSpectral vs numpy.fft vs FFTW alone.

    cd Benchmarks && swift build -c release --product SpectralBench && python3 spectral_compare.py [SHAPE] [REPEATS]
    swift build -c release --product nabla && python3 Benchmarks/spectral_compare.py --first-run [N] [RUNS]

--first-run: whole processes on an N^3 (default 256) float64 periodic field in a .npy file, alternating,
each wall-clock timed: `nabla gradient X.npy --method spectral --spacing h -o out.npz` with HOME set to a
new empty folder (no FFTW wisdom: what a newcomer's first run costs), the same again with that HOME (the
second run), and numpy's whole script (np.load, rfftn + a multiply + irfftn per axis, np.savez). The nabla
binary is $NABLA_EXECUTABLE, else .build/release/nabla at the repository root. Prints best and median.
`--out-dir /dev/shm` writes both sides' outputs to memory (this machine's disk added up to 1 s at random).

Runs numpy first, then .build/release/SpectralBench (same machine, same run), and prints a table with the
ratios the spectral path is held to: >= 3x faster than numpy's rfftn/irfftn, within 1.3x of FFTW's own
execute time for the transforms it runs. Times are the best of REPEATS runs after a warm-up (cold first
call reported separately).
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def numpy_gradient(f, spacing):
    """The numpy.fft spectral gradient: one rfftn, a multiply per axis, one irfftn per axis (Nyquist
    zeroed, first derivative)."""
    F = np.fft.rfftn(f)
    out = []
    for axis, h in enumerate(spacing):
        n = f.shape[axis]
        if axis == f.ndim - 1:
            k = 2 * np.pi * np.fft.rfftfreq(n, d=h)
        else:
            k = 2 * np.pi * np.fft.fftfreq(n, d=h)
        if n % 2 == 0:
            k[n // 2] = 0
        shape = [1] * f.ndim
        shape[axis] = k.size
        out.append(np.fft.irfftn(F * (1j * k).reshape(shape), s=f.shape, axes=range(f.ndim)))
    return out


def best(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return min(times)


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NABLA = os.environ.get("NABLA_EXECUTABLE", os.path.join(ROOT, ".build", "release", "nabla"))
NUMPY_JOB = """
import sys, numpy as np
f = np.load(sys.argv[1]); h = float(sys.argv[3])
F = np.fft.rfftn(f)
out = {}
for axis in range(f.ndim):
    n = f.shape[axis]
    k = 2 * np.pi * (np.fft.rfftfreq(n, d=h) if axis == f.ndim - 1 else np.fft.fftfreq(n, d=h))
    if n % 2 == 0:
        k[n // 2] = 0
    shape = [1] * f.ndim
    shape[axis] = k.size
    out[f"axis{axis}"] = np.fft.irfftn(F * (1j * k).reshape(shape), s=f.shape, axes=range(f.ndim))
np.savez(sys.argv[2], **out)
"""


def wall(command, env=None, output=None):
    """Wall time of one process. The output file it will write is removed first and every dirty page is
    flushed (os.sync), outside the timed region: replacing a 384 MiB file on this machine's ext4 (mounted
    with `discard`) or sharing the disk with earlier writeback added up to 1 s of system time at random."""
    if output and os.path.exists(output):
        os.remove(output)
    os.sync()
    t = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def first_run(n, runs, out_dir=None):
    """Whole processes: nabla with a fresh HOME (first and second run) vs numpy's script. Outputs go to
    `out_dir` when given (e.g. /dev/shm, to take the disk out of both sides' times)."""
    work = tempfile.mkdtemp(prefix="nabla-first-run-")
    outputs = tempfile.mkdtemp(prefix="nabla-first-run-out-", dir=out_dir) if out_dir else work
    try:
        h = 2 * np.pi / n
        x = np.arange(n) * h
        f = (np.sin(x)[:, None, None] * np.cos(2 * x)[None, :, None] + np.exp(np.sin(3 * x))[None, None, :])
        src = os.path.join(work, "X.npy")
        np.save(src, np.ascontiguousarray(f))
        base_env = {k: v for k, v in os.environ.items() if k not in ("NABLA_FFTW_WISDOM", "XDG_CACHE_HOME")}
        times = {"first": [], "second": [], "numpy": []}
        for r in range(runs):
            home = os.path.join(work, f"home{r}")
            os.mkdir(home)
            env = dict(base_env, HOME=home)
            out = os.path.join(outputs, "out.npz")
            command = [NABLA, "gradient", src, "--method", "spectral", "--spacing", repr(h), "-o", out]
            times["first"].append(wall(command, env, out))
            times["second"].append(wall(command, env, out))
            times["numpy"].append(wall([sys.executable, "-c", NUMPY_JOB, src, os.path.join(outputs, "np.npz"), repr(h)],
                                       output=os.path.join(outputs, "np.npz")))
            wisdom = os.path.join(home, ".cache", "nabla", "fftw-wisdom")
            saved = os.path.getsize(wisdom) if os.path.exists(wisdom) else 0
        a, b = np.load(os.path.join(outputs, "out.npz")), np.load(os.path.join(outputs, "np.npz"))
        error = max(float(np.max(np.abs(a[k] - b[k]))) for k in b.files)
        print(f"{n}^3 float64, whole processes, {runs} runs each (alternating), outputs in {out_dir or 'a temporary folder'}; "
              f"wisdom file after a run: {saved} bytes")
        for name, label in (("numpy", "numpy.fft script (load, rfftn, 3 irfftn, savez)"),
                            ("first", "nabla, first run (fresh HOME, no wisdom)"),
                            ("second", "nabla, second run (same HOME)")):
            ts = times[name]
            print(f"  {label:<50} best {min(ts):6.3f} s  median {statistics.median(ts):6.3f} s")
        for name in ("first", "second"):
            print(f"  nabla {name} run / numpy (median)                    "
                  f"{statistics.median(times[name]) / statistics.median(times['numpy']):6.2f} x   (target <= 0.75)")
        print(f"  max |nabla - numpy| = {error:.2e}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(outputs, ignore_errors=True)


def main():
    if "--first-run" in sys.argv:
        out_dir = None
        args = [a for a in sys.argv[1:] if a != "--first-run"]
        if "--out-dir" in args:
            i = args.index("--out-dir")
            out_dir = args[i + 1]
            del args[i:i + 2]
        first_run(int(args[0]) if args else 256, int(args[1]) if len(args) > 1 else 5, out_dir)
        return
    shape = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "256x256x256").split("x")]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    rng = np.random.default_rng(1)
    f = rng.random(shape)
    spacing = [2 * np.pi / n for n in shape]
    numpy_ms = best(lambda: numpy_gradient(f, spacing), repeats)
    numpy_roundtrip_ms = best(lambda: np.fft.irfftn(np.fft.rfftn(f), s=f.shape, axes=range(f.ndim)), repeats)

    swift = subprocess.run([".build/release/SpectralBench", "x".join(map(str, shape)), str(repeats)],
                           capture_output=True, text=True, check=True)
    r = json.loads(swift.stdout)
    rows = [
        ("numpy rfftn + 3 irfftn (gradient)", numpy_ms),
        ("numpy rfftn + irfftn (round trip)", numpy_roundtrip_ms),
        ("NablaSpectral gradient, first call (cold)", r["nabla_first_ms"]),
        ("NablaSpectral gradient (fresh outputs)", r["nabla_ms"]),
        ("NablaSpectral gradient (into: reused outputs)", r["nabla_into_ms"]),
        ("FFTW alone: NablaSpectral's transforms", r["fftw_lastaxis_scheme_ms"]),
        ("FFTW alone: 3-D r2c + c2r round trip", r["fftw_3d_roundtrip_ms"]),
        ("FFTW alone: 3-D r2c + 3 x 3-D c2r", r["fftw_3d_gradient_ms"]),
        ("FFTW alone: real r2c+c2r along each axis", r["fftw_axis_passes_ms"]),
    ]
    print(f"shape {shape}, float64, {r['threads']} threads, rigour {r['rigour']}, best of {repeats}")
    for name, ms in rows:
        print(f"  {name:<48} {ms:9.1f} ms")
    print(f"  numpy / NablaSpectral (fresh outputs)            {numpy_ms / r['nabla_ms']:9.2f} x   (target >= 3)")
    print(f"  NablaSpectral (fresh) / FFTW's transforms        {r['nabla_ms'] / r['fftw_lastaxis_scheme_ms']:9.2f} x   (target <= 1.3)")
    print(f"  NablaSpectral (into:) / FFTW's transforms        {r['nabla_into_ms'] / r['fftw_lastaxis_scheme_ms']:9.2f} x")
    print(f"  NablaSpectral (fresh) / FFTW 3-D round trip      {r['nabla_ms'] / r['fftw_3d_roundtrip_ms']:9.2f} x")


if __name__ == "__main__":
    main()
