#!/usr/bin/env python3
"""Helpers of Scripts/test-mpi.sh, standard library only (no numpy needed).

  mpi_check.py make DIR          writes the test inputs (.npy, .npz, coordinates) into DIR
  mpi_check.py same A B          exit 0 when A and B hold the same arrays byte for byte: .npy files
                                 compared whole, .npz archives member by member (CRC-32s checked)
  mpi_check.py close A B RTOL    exit 0 when A and B hold arrays of the same names, dtypes and shapes
                                 with max|a - b| <= RTOL * max|a| for each (spectral results)
"""
import ast, math, os, random, struct, sys, zipfile


FORMATS = {"<f8": "d", "<f4": "f", "<f2": "e"}


def npy_bytes(shape, values, descr="<f8"):
    fmt = "<" + FORMATS[descr]
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join("%d, " % n for n in shape) if len(shape) != 1 else "%d," % shape[0])
    header = header.ljust(((10 + len(header) + 1 + 63) // 64) * 64 - 10 - 1) + "\n"
    head = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode()
    return head + b"".join(struct.pack(fmt, v) for v in values)


def periodic(shape, seed=0):
    """A smooth periodic field on [0, 2pi)^d: prod_k exp(sin(x_k + k + seed)) (not band-limited)."""
    values = []
    for flat in range(math.prod(shape)):
        v, rest = 1.0, flat
        for k in reversed(range(len(shape))):
            i, rest = rest % shape[k], rest // shape[k]
            v *= math.exp(math.sin(2 * math.pi * i / shape[k] + k + seed))
        values.append(v)
    return values


def npy_parse(data):
    """(descr, shape, values) of .npy bytes (little-endian floats, C order)."""
    length = struct.unpack("<H", data[8:10])[0]
    header = ast.literal_eval(data[10:10 + length].decode())
    fmt = FORMATS[header["descr"]]
    count = math.prod(header["shape"])
    values = struct.unpack("<%d%s" % (count, fmt), data[10 + length:10 + length + count * struct.calcsize(fmt)])
    return header["descr"], tuple(header["shape"]), values


def arrays(path):
    if path.endswith(".npz"):
        with zipfile.ZipFile(path) as z:
            return {name: npy_parse(z.read(name)) for name in z.namelist()}
    with open(path, "rb") as f:
        return {"": npy_parse(f.read())}


def close(a, b, rtol):
    x, y = arrays(a), arrays(b)
    if list(x) != list(y):
        print("members differ:", list(x), list(y))
        return False
    for name in x:
        (da, sa, va), (db, sb, vb) = x[name], y[name]
        if (da, sa) != (db, sb):
            print("%s: %s %s vs %s %s" % (name, da, sa, db, sb))
            return False
        scale = max(abs(v) for v in va) if va else 0.0
        worst = max((abs(p - q) for p, q in zip(va, vb)), default=0.0)
        if not worst <= rtol * scale:
            print("%s: max |a - b| = %g > %g * max |a| = %g" % (name, worst, rtol, rtol * scale))
            return False
    return True


def field(shape, seed):
    rng = random.Random(seed)
    n = 1
    for s in shape:
        n *= s
    return [rng.uniform(-1, 1) for _ in range(n)]


def make(folder):
    os.makedirs(folder, exist_ok=True)
    def save(name, shape, descr="<f8", seed=1):
        with open(os.path.join(folder, name), "wb") as f:
            f.write(npy_bytes(shape, field(shape, seed), descr))
    save("v37.npy", (37, 8, 7))
    save("v37f.npy", (37, 8, 7), "<f4")
    save("v3.npy", (3, 4, 5))
    save("v256.npy", (256, 3, 7))
    save("v2d.npy", (37, 9))
    rng = random.Random(7)
    x, xs = 0.0, []
    for _ in range(37):
        x += rng.uniform(0.5, 1.5)
        xs.append(x)
    with open(os.path.join(folder, "x37.npy"), "wb") as f:
        f.write(npy_bytes((37,), xs))
    with zipfile.ZipFile(os.path.join(folder, "E.npz"), "w", zipfile.ZIP_STORED) as z:
        for k in range(3):
            z.writestr("axis%d.npy" % k, npy_bytes((37, 8, 7), field((37, 8, 7), 10 + k)))
    with zipfile.ZipFile(os.path.join(folder, "Ec.npz"), "w", zipfile.ZIP_DEFLATED) as z:
        for k in range(3):
            z.writestr("axis%d.npy" % k, npy_bytes((37, 8, 7), field((37, 8, 7), 10 + k)))
    # Smooth periodic fields for --method spectral: uneven splits (37 planes), even axes (Nyquist modes)
    # on axis 0 and on the last axis, 1-D and 2-D, float32, 3 planes on 4 ranks; a NaN on a late plane.
    for name, shape in [("s37", (37, 8, 6)), ("s32", (32, 9, 8)), ("s2d", (37, 10)), ("s1d", (37,)), ("s3", (3, 4, 6))]:
        with open(os.path.join(folder, name + ".npy"), "wb") as f:
            f.write(npy_bytes(shape, periodic(shape)))
    with open(os.path.join(folder, "s37f.npy"), "wb") as f:
        f.write(npy_bytes((37, 8, 6), periodic((37, 8, 6)), "<f4"))
    with open(os.path.join(folder, "x37u.npy"), "wb") as f:
        f.write(npy_bytes((37,), [0.5 + 2 * math.pi * i / 37 for i in range(37)]))
    values = periodic((37, 8, 6))
    values[(30 * 8 + 1) * 6 + 2] = float("nan")
    with open(os.path.join(folder, "s37nan.npy"), "wb") as f:
        f.write(npy_bytes((37, 8, 6), values))
    # A truncated input: the header promises more bytes than the file holds.
    data = npy_bytes((37, 8, 7), field((37, 8, 7), 1))
    with open(os.path.join(folder, "truncated.npy"), "wb") as f:
        f.write(data[: len(data) - 100])


def same(a, b):
    if a.endswith(".npz"):
        with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
            if za.testzip() is not None or zb.testzip() is not None:
                print("CRC mismatch in", a if za.testzip() else b)
                return False
            if za.namelist() != zb.namelist():
                print("members differ:", za.namelist(), zb.namelist())
                return False
            for name in za.namelist():
                if za.read(name) != zb.read(name):
                    print("member differs:", name)
                    return False
        return True
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    elif sys.argv[1] == "same":
        sys.exit(0 if same(sys.argv[2], sys.argv[3]) else 1)
    elif sys.argv[1] == "close":
        sys.exit(0 if close(sys.argv[2], sys.argv[3], float(sys.argv[4])) else 1)
