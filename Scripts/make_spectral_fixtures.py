#!/usr/bin/env python3
"""Writes the numpy.fft reference fixtures of NablaSpectral's tests.

    python3 Scripts/make_spectral_fixtures.py

Each fixture is a small JSON file in Tests/NablaSpectralTests/Fixtures:
  {"shape": [...], "spacing": [...], "input": [... C-order float64 ...],
   "outputs": [{"orders": [...], "values": [...]}, ...]}
The reference applies the rules of Sources/NablaSpectral (S. G. Johnson's notes) with numpy.fft.rfft /
irfft along each differentiated axis: multiply by (i k)^m, k = 2*pi*rfftfreq(N, h); for even N the Nyquist
bin is zeroed for odd m and kept for even m. numpy.fft is used ONLY here; the Swift tests read the JSON.
"""
import json
import os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "NablaSpectralTests", "Fixtures")


def derivative(f, axis, m, h):
    n = f.shape[axis]
    k = 2 * np.pi * np.fft.rfftfreq(n, d=h)
    factor = (1j * k) ** m
    if n % 2 == 0 and m % 2 == 1:
        factor[-1] = 0
    shape = [1] * f.ndim
    shape[axis] = factor.size
    F = np.fft.rfft(f, axis=axis) * factor.reshape(shape)
    return np.fft.irfft(F, n=n, axis=axis)


def mixed(f, orders, spacing):
    g = f
    for axis, m in enumerate(orders):
        if m > 0:
            g = derivative(g, axis, m, spacing[axis])
    return g


def write(name, f, spacing, order_list):
    data = {
        "shape": list(f.shape),
        "spacing": list(spacing),
        "input": f.ravel().tolist(),
        "outputs": [{"orders": list(o), "values": mixed(f, o, spacing).ravel().tolist()} for o in order_list],
    }
    with open(os.path.join(OUT, name + ".json"), "w") as fh:
        json.dump(data, fh)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240611)
    # Random (not band-limited) periodic data: exercises every bin including Nyquist.
    write("random_1d_even", rng.standard_normal(16), [0.3], [[1], [2], [3], [4]])
    write("random_1d_odd", rng.standard_normal(15), [0.25], [[1], [2], [3]])
    write("random_2d", rng.standard_normal((6, 9)), [0.5, 0.2],
          [[1, 0], [0, 1], [2, 0], [0, 2], [1, 1], [2, 1], [1, 2]])
    write("random_3d", rng.standard_normal((4, 5, 6)), [1.0, 0.7, 0.4],
          [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1], [2, 0, 2], [0, 3, 0]])


if __name__ == "__main__":
    main()
