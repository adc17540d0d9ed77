#!/usr/bin/env python3
"""Spectral derivatives within a memory budget: `nabla gradient --method spectral --memory 128M` on a 512³
float64 .npy (1 GiB; results 3 GiB) against the same command without --memory, numpy, and the disk.

    swift build -c release --product nabla      # from the repository root, first
    python3 Benchmarks/spectral_streaming_compare.py [--n 512] [--memory 128M] [--repeats 3] [--dir DIR]

Measured in one run, each command as its own process under /usr/bin/time (wall time, peak resident memory),
`--repeats` times, best and median:
  - `nabla gradient f.npy --method spectral --memory 128M -o s.npz`: slabs of axis 0 and column blocks of
    the half-spectrum along axis 0 (parked in a nameless scratch file);
  - the same without --memory (the default budget, half the machine's memory, holds the field: computed in
    one piece, one result at a time);
  - numpy: np.load, the rfft/irfft derivative along each axis (np.fft, with numpy's own Nyquist handling),
    np.savez — the whole script;
  - the disk's own speed: writing the same 3 GiB of results (`head -c` of the input three times), the floor
    for any command that writes them.
The streamed results are checked bit for bit against the run without --memory. Peak memory with --memory M
must stay within 1.25 × M + 64 MiB. FFTW wisdom goes to a fresh folder (NABLA_FFTW_WISDOM) shared by the runs.
"""
import argparse, os, statistics, subprocess, sys, tempfile
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NABLA = os.environ.get("NABLA_EXECUTABLE", os.path.join(ROOT, ".build", "release", "nabla"))

NUMPY_SCRIPT = r"""
import sys, numpy as np
f = np.load(sys.argv[1])
out = {}
for a in range(f.ndim):
    n = f.shape[a]
    k = 2j * np.pi * np.fft.rfftfreq(n) if a == f.ndim - 1 else 2j * np.pi * np.fft.fftfreq(n)
    if n % 2 == 0: k[n // 2] = 0
    shape = [1] * f.ndim; shape[a] = k.size
    if a == f.ndim - 1:
        out[f"axis{a}"] = np.fft.irfft(np.fft.rfft(f, axis=a) * k.reshape(shape), n=n, axis=a)
    else:
        out[f"axis{a}"] = np.fft.ifft(np.fft.fft(f, axis=a) * k.reshape(shape), axis=a).real
np.savez(sys.argv[2], **out)
"""


def timed(command, env=None, shell=False):
    base = ["/usr/bin/time", "-f", "%e %M"]
    r = subprocess.run(base + (["sh", "-c", command] if shell else command), stderr=subprocess.PIPE, text=True,
                       check=True, env=env)
    wall, kb = r.stderr.strip().splitlines()[-1].split()
    return float(wall), int(kb) / 1024


def summary(name, runs):
    walls = [w for w, _ in runs]
    peak = max(m for _, m in runs)
    return f"{name:<58} best {min(walls):6.2f} s  median {statistics.median(walls):6.2f} s  peak {peak:7.0f} MiB", min(walls), statistics.median(walls)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=512)
    p.add_argument("--memory", default="128M")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--dir", default=None)
    args = p.parse_args()
    if not os.access(NABLA, os.X_OK):
        sys.exit(f"{NABLA} not found: run `swift build -c release --product nabla` first")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        n = args.n
        path = os.path.join(tmp, "f.npy")
        a = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n, n, n))
        x = np.linspace(0, 2 * np.pi, n, endpoint=False)
        rng = np.random.default_rng(0)
        for i in range(n):
            a[i] = np.sin(x[i]) * np.cos(x)[:, None] * np.sin(2 * x)[None, :] + 0.01 * rng.standard_normal((n, n))
        a.flush(); del a
        env = dict(os.environ, NABLA_FFTW_WISDOM=os.path.join(tmp, "wisdom"))
        s_out, m_out, np_out = (os.path.join(tmp, name) for name in ("s.npz", "m.npz", "numpy.npz"))
        streamed, whole, numpy_runs, disk = [], [], [], []
        for _ in range(args.repeats):
            streamed.append(timed([NABLA, "gradient", path, "--method", "spectral", "--memory", args.memory, "-o", s_out], env))
            whole.append(timed([NABLA, "gradient", path, "--method", "spectral", "-o", m_out], env))
            numpy_runs.append(timed([sys.executable, "-c", NUMPY_SCRIPT, path, np_out]))
            disk.append(timed(f"(cat '{path}' '{path}' '{path}') > '{tmp}/copy'", shell=True))
        s, w = np.load(s_out), np.load(m_out)
        same = all(np.array_equal(s[k].view(np.uint64), w[k].view(np.uint64)) for k in w.files)
        ref = np.load(np_out)
        error = max(float(np.abs(s[k] - ref[k]).max()) for k in ref.files)
        print(f"{n}^3 float64 ({n ** 3 * 8 / 2 ** 30:.2f} GiB in, 3 results), gradient --method spectral; "
              f"{os.cpu_count()} cores, {args.repeats} runs each")
        lines = [summary(f"nabla --memory {args.memory}", streamed), summary("nabla without --memory (one piece)", whole),
                 summary("numpy (load, fft derivative per axis, savez)", numpy_runs), summary("disk: writing the 3 GiB of results (cat)", disk)]
        for line, _, _ in lines: print(line)
        budget = int(args.memory[:-1]) * {"K": 1 / 1024, "M": 1, "G": 1024}[args.memory[-1].upper()]
        print(f"ratios (median): streamed/one piece {lines[0][2] / lines[1][2]:.2f}, streamed/numpy {lines[0][2] / lines[2][2]:.2f}, "
              f"streamed/disk {lines[0][2] / lines[3][2]:.2f}")
        print(f"peak limit 1.25 × {args.memory} + 64 MiB = {1.25 * budget + 64:.0f} MiB: "
              f"{'kept' if max(m for _, m in streamed) <= 1.25 * budget + 64 else 'EXCEEDED'}")
        print(f"streamed equals one piece bit for bit: {same}; max |streamed - numpy| = {error:.2e}")


if __name__ == "__main__":
    main()
