#!/usr/bin/env python3
"""Spectral gradient of a 256^3 float64 field on all three axes: NablaSpectral vs numpy.fft vs FFTW alone.

    cd Benchmarks && swift build -c release --product SpectralBench && python3 spectral_compare.py [SHAPE] [REPEATS]

Runs numpy first, then .build/release/SpectralBench (same machine, same run), and prints a table with the
ratios the spectral path is held to: >= 3x faster than numpy's rfftn/irfftn, within 1.3x of FFTW's own
execute time for the transforms it runs. Times are the best of REPEATS runs after a warm-up (cold first
call reported separately).
"""
import json
import subprocess
import sys
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


def main():
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
