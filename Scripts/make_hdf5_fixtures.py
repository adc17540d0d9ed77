#!/usr/bin/env python3
"""Writes the small HDF5 fixtures of Tests/NablaHDF5Tests/Fixtures/hdf5 with h5py.

Run from the repository root: python3 Scripts/make_hdf5_fixtures.py
Needs numpy and h5py (pip install h5py). The Swift tests only read the committed files.
"""
import os

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "NablaHDF5Tests", "Fixtures", "hdf5")
os.makedirs(OUT, exist_ok=True)

# The (2, 3) values every per-dtype dataset holds (cast to the dtype).
VALUES = np.array([[0, 1, 2], [3, 4, 5]])


def path(name):
    return os.path.join(OUT, name)


# Every supported element type, native and big-endian, plus N-D, 0-D and empty shapes.
with h5py.File(path("types.h5"), "w", libver="earliest") as f:
    for dtype in ["f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "c8", "c16"]:
        f.create_dataset(np.dtype(dtype).name, data=VALUES.astype("<" + dtype))
        if np.dtype(dtype).itemsize > 1:
            f.create_dataset("big_endian/" + np.dtype(dtype).name, data=VALUES.astype(">" + dtype))
    f.create_dataset("bool", data=np.array([[True, False, True], [False, False, True]]))
    f.create_dataset("nd/cube", data=np.arange(24, dtype="f8").reshape(2, 3, 4) / 8)
    f.create_dataset("nd/four", data=np.arange(120, dtype="i4").reshape(2, 3, 4, 5))
    f.create_dataset("nd/scalar", data=np.float64(2.5))
    f.create_dataset("nd/empty", data=np.zeros((0, 3), dtype="f8"))
    f.create_dataset("nd/special", data=np.array([np.nan, np.inf, -np.inf, -0.0, 5e-324, 1.7976931348623157e308]))

# Compressed and chunked storage, nested groups.
with h5py.File(path("layouts.h5"), "w") as f:
    f.create_dataset("gzip", data=np.arange(20, dtype="f8").reshape(4, 5) * 0.5, compression="gzip", chunks=(2, 2))
    f.create_dataset("chunked", data=np.arange(12, dtype="f4").reshape(3, 4), chunks=(1, 4))
    f.create_dataset("run1/fields/pressure", data=np.linspace(0, 1, 7))

# Exactly one dataset, inside a group.
with h5py.File(path("one.h5"), "w") as f:
    f.create_dataset("results/only", data=np.arange(6, dtype="f8").reshape(2, 3))

# No dataset at all.
with h5py.File(path("none.h5"), "w") as f:
    f.create_group("empty")

# Types Nabla refuses.
with h5py.File(path("unsupported.h5"), "w") as f:
    f.create_dataset("compound", data=np.zeros(3, dtype=[("x", "f8"), ("y", "i4")]))
    f.create_dataset("strings", data=np.array([b"ab", b"cd"]))
    f.create_dataset("complex", data=np.zeros(3, dtype="c16"))
    f.create_dataset("enum", data=np.zeros(3, dtype="i1"), dtype=h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 2}, basetype="i1"))
    f.create_dataset("ok", data=np.ones(2))

# Datasets that claim far more data than the file holds (never written, so nothing is stored).
with h5py.File(path("huge.h5"), "w") as f:
    f.create_dataset("contiguous", shape=(100_000, 100_000), dtype="f8")
    f.create_dataset("chunked", shape=(1_000_000, 1_000_000), dtype="f8", chunks=(100, 100))

# A file with attributes and several datasets, which writing into it must keep (the CLI tests copy it).
with h5py.File(path("attributes.h5"), "w", libver="earliest") as f:
    f.attrs["title"] = "nabla-attribute-marker-root"
    d = f.create_dataset("d", data=np.arange(20, dtype="f8").reshape(4, 5) ** 2 / 7)
    d.attrs["units"] = "nabla-attribute-marker-units"
    f.create_dataset("other", data=np.array([3, 1, 4, 1, 5], dtype="i4"))
    f.create_group("g").attrs["note"] = "nabla-attribute-marker-group"

# Dimensions whose element count overflows a 64-bit integer (2^40 × 2^40; chunked, nothing stored).
with h5py.File(path("overflow.h5"), "w", libver="earliest") as f:
    f.create_dataset("d", shape=(2**40, 2**40), dtype="f8", chunks=(1, 1))

# Data kept outside the file, which Nabla refuses without --allow-external. Paths are relative to the
# fixture folder (libhdf5 resolves them against it for VDS and external links).
with h5py.File(path("other.h5"), "w", libver="earliest") as f:
    f.create_dataset("data", data=np.array([1.0, 2.0, 4.0, 8.0]))
# External storage: the dataset's raw bytes are the first 64 bytes of /etc/passwd.
with h5py.File(path("external_storage.h5"), "w", libver="earliest") as f:
    f.create_dataset("d", shape=(64,), dtype="u1", external=[("/etc/passwd", 0, 64)])
with h5py.File(path("external.h5"), "w", libver="earliest") as f:
    f.create_dataset("safe", data=np.array([1.0, 4.0, 9.0, 16.0]))
    f["link"] = h5py.ExternalLink("other.h5", "/data")
    f["soft"] = h5py.SoftLink("/link")
    f["linked_group"] = h5py.ExternalLink("other.h5", "/")
# Virtual datasets: one mapping another file's data, one mapping a dataset of its own file (allowed).
with h5py.File(path("virtual.h5"), "w", libver="v110") as f:
    f.create_dataset("safe", data=np.array([1.0, 4.0, 9.0, 16.0]))
    outside = h5py.VirtualLayout(shape=(4,), dtype="f8")
    outside[:] = h5py.VirtualSource("other.h5", "data", shape=(4,))
    f.create_virtual_dataset("outside", outside)
    inside = h5py.VirtualLayout(shape=(4,), dtype="f8")
    inside[:] = h5py.VirtualSource(".", "safe", shape=(4,))
    f.create_virtual_dataset("inside", inside)

# Not an HDF5 file at all.
with open(path("not_hdf5.h5"), "wb") as f:
    f.write(b"this is a text file, not HDF5\n")

for name in sorted(os.listdir(OUT)):
    print(name, os.path.getsize(path(name)), "bytes")
