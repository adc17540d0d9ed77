#!/usr/bin/env python3
"""Writes the numpy reference fixtures of the NablaComplexTests target.

    python3 Scripts/make_complex_fixtures.py          # from the package root

Output (deterministic: fixed seeds, no clock):
  Tests/NablaComplexTests/Fixtures/complex_gradient_cases.json
      numpy.gradient of complex64/complex128 fields (1-D..3-D) with every spacing form (none, one scalar, one
      per axis, float64 coordinates uniform/decreasing/non-uniform, float32 coordinates), axes (None, int,
      tuples, negative) and edge orders 1 and 2; and real float64/float32/float16 fields with float32
      coordinates (numpy computes those weights in float32).

Every float is the string repr(float(x)) (exact for float64, float32 and float16 values); a complex array is
written as its real and imaginary parts. Scalar spacings are Python floats (weak scalars, NEP 50), as
Nabla's `Spacing.uniform` is.
"""
import json
import os

import numpy as np

assert int(np.__version__.split(".")[0]) >= 2, "numpy 2.x is required (NEP 50 promotion rules)"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "NablaComplexTests", "Fixtures", "complex_gradient_cases.json")


def enc(a):
    a = np.asarray(a)
    d = {"dtype": str(a.dtype), "shape": list(a.shape)}
    if np.iscomplexobj(a):
        d["real"] = [repr(float(x)) for x in a.real.ravel()]
        d["imag"] = [repr(float(x)) for x in a.imag.ravel()]
    else:
        d["real"] = [repr(float(x)) for x in a.ravel()]
    return d


def field(rng, dtype, shape):
    if dtype == "complex128":
        return (rng.standard_normal(shape) * 10 + 1j * rng.standard_normal(shape) * 10).astype(np.complex128)
    if dtype == "complex64":
        return (rng.standard_normal(shape) * 10 + 1j * rng.standard_normal(shape) * 10).astype(np.complex64)
    if dtype == "float64":
        return rng.standard_normal(shape) * 10
    if dtype == "float32":
        return (rng.standard_normal(shape) * 10).astype(np.float32)
    if dtype == "float16":
        return (rng.standard_normal(shape) * 4).astype(np.float16)
    raise ValueError(dtype)


def coords(kind, n, rng):
    if kind == "uniform_inc":
        return np.arange(n) * 0.5 + 1.0
    if kind == "uniform_dec":
        return 3.0 - 0.25 * np.arange(n)
    if kind == "nonuniform_inc":
        return np.cumsum(rng.uniform(0.2, 1.5, n)) - 1.0
    if kind == "nonuniform_dec":
        return 2.0 - np.cumsum(rng.uniform(0.2, 1.5, n))
    if kind == "f32_nonuniform_inc":
        return (np.cumsum(rng.uniform(0.2, 1.5, n)) - 1.0).astype(np.float32)
    if kind == "f32_nonuniform_dec":
        return (2.0 - np.cumsum(rng.uniform(0.2, 1.5, n))).astype(np.float32)
    if kind == "f32_uniform":
        return np.float32(0.25) * np.arange(n, dtype=np.float32)   # equal float32 steps: a strong float32 scalar
    raise ValueError(kind)


def spacing_entry(s):
    if isinstance(s, float):
        return {"kind": "scalar", "value": repr(s)}
    return {"kind": "coords", "dtype": str(s.dtype), "values": [repr(float(x)) for x in s]}


def main():
    rng = np.random.default_rng(20261126)
    cases = []

    def add(name, f, spacing, axis, edge_order):
        args = list(spacing)
        out = np.gradient(f, *args, axis=axis, edge_order=edge_order)
        outs = [out] if isinstance(out, np.ndarray) else list(out)
        if axis is None:
            axes = None
        elif isinstance(axis, int):
            axes = [axis]
        else:
            axes = list(axis)
        cases.append({"name": name, "input": enc(f), "spacing": [spacing_entry(s) for s in spacing],
                      "axis": axes, "edge_order": edge_order, "outputs": [enc(o) for o in outs]})

    shapes = [(2,), (3,), (7,), (33,), (5, 4), (3, 6), (4, 3, 5)]
    for dtype in ["complex128", "complex64"]:
        for shape in shapes:
            for eo in [1, 2]:
                if min(shape) < eo + 1:
                    continue
                f = field(rng, dtype, shape)
                rank = len(shape)
                tag = f"{dtype} {shape} eo={eo}"
                add(f"{tag} none", f, [], None, eo)
                add(f"{tag} scalar", f, [0.37], None, eo)
                add(f"{tag} negative scalar", f, [-1.25], None, eo)
                add(f"{tag} axis=-1 scalar", f, [0.1], -1, eo)
                if rank >= 2:
                    add(f"{tag} axes=(1,0) scalars", f, [0.5, 3.0], (1, 0), eo)
                    add(f"{tag} axis=0", f, [], 0, eo)
                per_axis = []
                kinds = ["uniform_inc", "nonuniform_dec", "uniform_dec", "nonuniform_inc"]
                for k in range(rank):
                    per_axis.append(coords(kinds[k % len(kinds)], shape[k], rng))
                add(f"{tag} coords", f, per_axis, None, eo)
                mixed = [0.25 if k % 2 == 0 else coords("nonuniform_inc", shape[k], rng) for k in range(rank)]
                add(f"{tag} mixed", f, mixed, None, eo)
                f32 = [coords("f32_nonuniform_inc" if k % 2 == 0 else "f32_uniform", shape[k], rng) for k in range(rank)]
                add(f"{tag} float32 coords", f, f32, None, eo)
                add(f"{tag} float32 decreasing coords axis=-1", f, [coords("f32_nonuniform_dec", shape[-1], rng)], -1, eo)
    # Real fields with float32 coordinates (numpy's weights in float32).
    for dtype in ["float64", "float32", "float16"]:
        for shape in [(3,), (9,), (40,), (6, 5)]:
            for eo in [1, 2]:
                f = field(rng, dtype, shape)
                rank = len(shape)
                tag = f"{dtype} {shape} eo={eo}"
                f32 = [coords("f32_nonuniform_inc" if k % 2 == 0 else "f32_uniform", shape[k], rng) for k in range(rank)]
                add(f"{tag} float32 coords", f, f32, None, eo)
                add(f"{tag} float32 decreasing coords axis=0", f, [coords("f32_nonuniform_dec", shape[0], rng)], 0, eo)
    with open(OUT, "w") as out:
        json.dump({"generator": "Scripts/make_complex_fixtures.py", "numpy": np.__version__, "cases": cases}, out,
                  separators=(",", ":"))
    print(f"{OUT}: {len(cases)} cases")


if __name__ == "__main__":
    main()
