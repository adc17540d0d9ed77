#!/usr/bin/env python3
"""Writes the numpy reference fixtures of the NablaTests target.

    python3 Scripts/make_gradient_fixtures.py          # from the package root

Outputs (deterministic: fixed seeds, no clock):
  Tests/NablaTests/Fixtures/gradient_cases.json   numpy.gradient on many inputs, spacings, axes, edge orders, dtypes
  Tests/NablaTests/Fixtures/mgrid.json            numpy.mgrid coordinates and np.gradient of the seed field

Every float is written as the string repr(float(x)), which Swift's Double(String) parses exactly; float32 and
float16 values are exactly representable as doubles, so their strings are exact too. Integers are written as
decimal strings (int64/uint64 values do not fit a double).

Only what Nabla's API can express is generated: scalar spacings are Python numbers (numpy treats them as
"weak" scalars, NEP 50) and coordinate arrays are float64 or integer arrays (integers are converted to float64
by numpy before differencing, as Nabla's tests do before building `Spacing.coordinates`).
"""
import json
import os
import sys

import numpy as np

assert int(np.__version__.split(".")[0]) >= 2, "numpy 2.x is required (NEP 50 promotion rules)"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "NablaTests", "Fixtures")

FLOATS = ["float64", "float32", "float16"]
INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


def num(x, dtype):
    """One value as an exact string."""
    if np.issubdtype(np.dtype(dtype), np.integer):
        return str(int(x))
    return repr(float(x))


def encode_array(a):
    return {"dtype": str(a.dtype), "shape": list(a.shape), "values": [num(x, a.dtype) for x in a.ravel()]}


def make_field(rng, dtype, shape):
    dt = np.dtype(dtype)
    if dt == np.float64:
        return np.round(rng.standard_normal(shape) * 10.0, 3)   # short strings; still not dyadic
    if dt == np.float32:
        return (rng.standard_normal(shape) * 10.0).astype(np.float32)
    if dt == np.float16:
        return (rng.standard_normal(shape) * 4.0).astype(np.float16)
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)


# -- coordinate arrays of length n ---------------------------------------------------------------------------

def coords(kind, n, rng):
    if kind == "uniform_inc":        # equal steps, exactly: numpy collapses them to a float64 scalar
        return np.arange(n) * 0.5 + 1.0
    if kind == "uniform_dec":
        return 3.0 - 0.25 * np.arange(n)
    if kind == "nonuniform_inc":
        return np.cumsum(rng.uniform(0.2, 1.5, n)) - 1.0
    if kind == "nonuniform_dec":
        return 2.0 - np.cumsum(rng.uniform(0.2, 1.5, n))
    if kind == "linspace":           # steps differ in the last bit or not: numpy decides with ==
        return np.linspace(-1.0, 2.0, n)
    if kind == "int64_uniform":      # integer coordinates, equal steps: a strong float64 step of 3
        return np.arange(n, dtype=np.int64) * 3
    if kind == "int32_nonuniform":
        return np.cumsum(rng.integers(1, 5, n)).astype(np.int32)
    if kind == "uint8_dec":          # decreasing unsigned: numpy converts to float64 before np.diff
        return (np.arange(n, 0, -1) * 2).astype(np.uint8)
    if kind == "int16_dec_nonuniform":
        return (100 - np.cumsum(rng.integers(1, 9, n))).astype(np.int16)
    raise ValueError(kind)


COORD_KINDS = ["uniform_inc", "uniform_dec", "nonuniform_inc", "nonuniform_dec", "linspace",
               "int64_uniform", "int32_nonuniform", "uint8_dec", "int16_dec_nonuniform"]
SCALARS = [0.5, 2, -0.25, 0.1, 3.7, 1e-3]


def spacing_args(form, sel, shape, rng, counter):
    """numpy varargs for the selected axes `sel`, and their JSON description."""
    def scalar():
        v = SCALARS[counter[0] % len(SCALARS)]
        counter[0] += 1
        return v

    def coord(axis):
        kind = COORD_KINDS[counter[1] % len(COORD_KINDS)]
        counter[1] += 1
        return coords(kind, shape[axis], rng)

    if form == "none":
        args = []
    elif form == "scalar":
        args = [scalar()]
    elif form == "scalars":
        args = [scalar() for _ in sel]
    elif form == "coords":
        args = [coord(a) for a in sel]
    elif form == "mixed":
        args = [coord(a) if k % 2 == 0 else scalar() for k, a in enumerate(sel)]
    elif form == "mixed2":
        args = [scalar() if k % 2 == 0 else coord(a) for k, a in enumerate(sel)]
    else:
        raise ValueError(form)
    return args


def describe_spacing(args):
    out = []
    for v in args:
        if isinstance(v, np.ndarray):
            out.append({"kind": "coords", **encode_array(v)})
        else:
            out.append({"kind": "scalar", "value": repr(float(v)), "python_type": type(v).__name__})
    return out


def run_case(name, f, args, axis, edge_order):
    kwargs = {"edge_order": edge_order}
    if axis != "omit":
        kwargs["axis"] = axis
    res = np.gradient(f, *args, **kwargs)
    if isinstance(res, np.ndarray):
        res = [res]
    res = list(res)
    case = {
        "name": name,
        "input": encode_array(f),
        "spacing": describe_spacing(args),
        # "axis": null (numpy's axis=None or omitted) or a list; "axis_is_int": numpy got a plain int
        "axis": None if axis in ("omit", None) else ([axis] if isinstance(axis, int) else list(axis)),
        "axis_is_int": isinstance(axis, int),
        "edge_order": edge_order,
        "outputs": [encode_array(r) for r in res],
    }
    expected_dtype = "float64" if np.issubdtype(f.dtype, np.integer) else str(f.dtype)
    for r in res:
        assert str(r.dtype) == expected_dtype, (name, r.dtype)
    return case


def selected_axes(axis, ndim):
    if axis in ("omit", None):
        return list(range(ndim))
    if isinstance(axis, int):
        return [axis % ndim]
    return [a % ndim for a in axis]


def gradient_cases():
    rng = np.random.default_rng(20240611)
    counter = [0, 0]
    cases = []

    # (shape, axis choices); axes of length 2 only with edge order 1 unless not selected
    layouts = [
        ((2,), ["omit", 0]),
        ((3,), ["omit", -1]),
        ((9,), ["omit", 0]),
        ((3, 4), ["omit", (1, 0), -2]),
        ((2, 5), [None, 1, (-1, 0)]),
        ((4, 3, 3), ["omit", (2, 0), -1]),
        ((2, 3, 2, 3), [None, (3, 1), 0]),
        ((3, 2, 4, 3), [(-1, 0, 2), 1]),
    ]
    forms = ["none", "scalar", "scalars", "coords", "mixed", "mixed2"]
    form_i = 0
    for dtype in FLOATS:
        for shape, axes in layouts:
            for axis in axes:
                sel = selected_axes(axis, len(shape))
                for eo in (1, 2):
                    if any(shape[a] < eo + 1 for a in sel):
                        continue
                    form = forms[form_i % len(forms)]
                    form_i += 1
                    f = make_field(rng, dtype, shape)
                    args = spacing_args(form, sel, shape, rng, counter)
                    name = f"{dtype} {shape} axis={axis} eo={eo} {form}"
                    cases.append(run_case(name, f, args, axis, eo))

    # every spacing form on one 2-D float64 and one float32 field, both edge orders
    for dtype in ["float64", "float32"]:
        for form in forms:
            for eo in (1, 2):
                shape = (4, 3)
                f = make_field(rng, dtype, shape)
                args = spacing_args(form, [0, 1], shape, rng, counter)
                cases.append(run_case(f"{dtype} {shape} all-forms eo={eo} {form}", f, args, "omit", eo))

    # every coordinate kind, 1-D, each float dtype, both edge orders
    for dtype in FLOATS:
        for kind in COORD_KINDS:
            for eo in (1, 2):
                n = 6
                f = make_field(rng, dtype, (n,))
                x = coords(kind, n, rng)
                cases.append(run_case(f"{dtype} (6,) coords={kind} eo={eo}", f, [x], "omit", eo))

    # integer inputs: float64 results
    int_layouts = [((7,), "omit"), ((3, 4), (1, 0)), ((2, 3, 4), -1), ((2, 2, 3, 3), None)]
    for k, dtype in enumerate(INTS):
        for j, (shape, axis) in enumerate(int_layouts):
            sel = selected_axes(axis, len(shape))
            eo = 1 + (k + j) % 2
            if any(shape[a] < eo + 1 for a in sel):
                eo = 1
            form = forms[(k + j) % len(forms)]
            f = make_field(rng, dtype, shape)
            args = spacing_args(form, sel, shape, rng, counter)
            cases.append(run_case(f"{dtype} {shape} axis={axis} eo={eo} {form}", f, args, axis, eo))

    # integer data with integer coordinates of every integer dtype
    for dtype in INTS:
        n = 5
        f = make_field(rng, dtype, (n,))
        x = np.array([1, 2, 4, 7, 11], dtype=dtype)
        cases.append(run_case(f"{dtype} (5,) int coords {dtype}", f, [x], "omit", 2))
        xd = np.array([9, 7, 5, 3, 1], dtype=dtype)
        cases.append(run_case(f"{dtype} (5,) int coords decreasing uniform {dtype}", f, [xd], "omit", 1))

    # float32/float16 with integer and uniform coordinates: strong float64 step (computed in double)
    for dtype in ["float32", "float16"]:
        for eo in (1, 2):
            f = make_field(rng, dtype, (4, 5))
            cases.append(run_case(f"{dtype} (4,5) int64 uniform coords both axes eo={eo}", f,
                                  [np.arange(4) * 3, np.arange(5, dtype=np.uint16) * 7], "omit", eo))
            cases.append(run_case(f"{dtype} (4,5) float coords 0.1 steps eo={eo}", f,
                                  [np.arange(4) * 0.5, np.array([0.0, 0.1, 0.2, 0.3, 0.4])], "omit", eo))
    return cases


def mgrid_fixture():
    out = {"one_d": [], "n_d": []}
    # 1-D mgrid with a real step is np.arange; with a complex step, linspace-like (i * step + start)
    one_d = [
        ("-100:101:25.", np.mgrid[-100:101:25.], {"kind": "arange", "start": -100.0, "stop": 101.0, "step": 25.0}),
        ("-1:1:5j", np.mgrid[-1:1:5j], {"kind": "linspace", "start": -1.0, "stop": 1.0, "count": 5}),
        ("0:1:0.1", np.mgrid[0:1:0.1], {"kind": "arange", "start": 0.0, "stop": 1.0, "step": 0.1}),
        ("-3:2:0.7", np.mgrid[-3:2:0.7], {"kind": "arange", "start": -3.0, "stop": 2.0, "step": 0.7}),
        ("0:1:11j", np.mgrid[0:1:11j], {"kind": "linspace", "start": 0.0, "stop": 1.0, "count": 11}),
        ("-2.5:7.3:13j", np.mgrid[-2.5:7.3:13j], {"kind": "linspace", "start": -2.5, "stop": 7.3, "count": 13}),
        ("5:-5:-1.5", np.mgrid[5:-5:-1.5], {"kind": "arange", "start": 5.0, "stop": -5.0, "step": -1.5}),
        # np.arange's fill uses delta = (start + step) - start, which here differs from step
        ("0.496:1.3735:0.065", np.mgrid[0.496:1.3735:0.065],
         {"kind": "arange", "start": 0.496, "stop": 1.3735, "step": 0.065}),
    ]
    for label, a, spec in one_d:
        out["one_d"].append({"label": label, "spec": spec, "coordinates": [repr(float(x)) for x in a]})

    # N-D mgrid: nn[k] = indices * step + start for every axis
    n_d = [
        ("-1:1:5j, 0:3:1., 0.496:1.3735:0.065", np.mgrid[-1:1:5j, 0:3:1., 0.496:1.3735:0.065],
         [{"kind": "linspace", "start": -1.0, "stop": 1.0, "count": 5},
          {"kind": "mgrid", "start": 0.0, "stop": 3.0, "step": 1.0},
          {"kind": "mgrid", "start": 0.496, "stop": 1.3735, "step": 0.065}]),
        ("0:1:0.1, -2.5:7.3:4j", np.mgrid[0:1:0.1, -2.5:7.3:4j],
         [{"kind": "mgrid", "start": 0.0, "stop": 1.0, "step": 0.1},
          {"kind": "linspace", "start": -2.5, "stop": 7.3, "count": 4}]),
    ]
    for label, a, specs in n_d:
        out["n_d"].append({"label": label, "specs": specs, "shape": list(a.shape[1:]),
                           "coordinates": [[repr(float(x)) for x in c.ravel()] for c in a]})

    # the seed: V = 2x² + 3y² - 4z on mgrid[-100:101:25.] (3-D), np.gradient(V, 25.)
    x, y, z = np.mgrid[-100:101:25., -100:101:25., -100:101:25.]
    V = 2 * x**2 + 3 * y**2 - 4 * z
    gx, gy, gz = np.gradient(V, 25.)
    out["seed"] = {
        "slice": "-100:101:25.",
        "shape": list(V.shape),
        "V": [repr(float(v)) for v in V.ravel()],
        "gradient": [[repr(float(v)) for v in g.ravel()] for g in (gx, gy, gz)],
    }
    return out


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    cases = gradient_cases()
    doc = {
        "generator": "Scripts/make_gradient_fixtures.py",
        "numpy": np.__version__,
        "cases": cases,
    }
    paths = []
    p = os.path.join(FIXTURES, "gradient_cases.json")
    with open(p, "w") as fh:
        json.dump(doc, fh, separators=(",", ":"))
        fh.write("\n")
    paths.append(p)
    p = os.path.join(FIXTURES, "mgrid.json")
    with open(p, "w") as fh:
        json.dump({"generator": "Scripts/make_gradient_fixtures.py", "numpy": np.__version__, **mgrid_fixture()},
                  fh, separators=(",", ":"))
        fh.write("\n")
    paths.append(p)
    total = 0
    for p in paths:
        size = os.path.getsize(p)
        total += size
        print(f"{os.path.relpath(p, ROOT)}: {size} bytes")
    print(f"{len(cases)} gradient cases, {total} bytes in all")
    if total > 300_000:
        sys.exit("fixtures exceed 300 KB")


if __name__ == "__main__":
    main()
