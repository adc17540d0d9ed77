#!/usr/bin/env python3
"""Helpers of Scripts/test-mpi.sh, standard library only (no numpy needed).

  mpi_check.py make DIR          writes the test inputs (.npy, .npz, coordinates) into DIR
  mpi_check.py same A B          exit 0 when A and B hold the same arrays byte for byte: .npy files
                                 compared whole, .npz archives member by member (CRC-32s checked)
"""
import os, random, struct, sys, zipfile


def npy_bytes(shape, values, descr="<f8"):
    fmt = {"<f8": "<d", "<f4": "<f"}[descr]
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join("%d, " % n for n in shape) if len(shape) != 1 else "%d," % shape[0])
    header = header.ljust(((10 + len(header) + 1 + 63) // 64) * 64 - 10 - 1) + "\n"
    head = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode()
    return head + b"".join(struct.pack(fmt, v) for v in values)


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
