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

# MARK: Files that carry their grid (issue 14)
# Each input comes with the np.gradient results Nabla must reproduce bit for bit, made with the same
# coordinates, stacked along a new first axis (one slice per differentiated axis) in expected/*.npy.
os.makedirs(path("expected"), exist_ok=True)
rng = np.random.default_rng(14)
SHAPE = (4, 5, 6)


def expect(name, arrays):
    np.save(path(os.path.join("expected", name + ".npy")), np.stack(arrays))


def curl(F, h):
    """(dF2/dx1 - dF1/dx2, dF0/dx2 - dF2/dx0, dF1/dx0 - dF0/dx1), F[k] the component along axis k."""
    d = lambda k, axis: np.gradient(F[k], h[axis], axis=axis)
    return [d(2, 1) - d(1, 2), d(0, 2) - d(2, 0), d(1, 0) - d(0, 1)]


def openpmd_root(f):
    f.attrs["openPMD"] = "1.1.0"
    f.attrs["openPMDextension"] = np.uint32(0)
    f.attrs["basePath"] = "/data/%T/"
    f.attrs["meshesPath"] = "meshes/"
    f.attrs["iterationEncoding"] = "fileBased"
    f.attrs["iterationFormat"] = "sim_%T.h5"
    it = f.create_group("data/100")
    it.attrs["time"], it.attrs["dt"], it.attrs["timeUnitSI"] = 1.0e-15, 1.0e-17, 1.0
    return it


def mesh_attributes(obj, labels, spacing, offset, order, geometry="cartesian", vlen=False):
    obj.attrs["geometry"] = geometry
    obj.attrs["dataOrder"] = order
    # openPMD-api writes fixed-length strings; h5py writes a list of str as variable-length ones: both occur.
    obj.attrs["axisLabels"] = labels if vlen else np.array([s.encode() for s in labels])
    obj.attrs["gridSpacing"] = np.array(spacing, dtype="f8")
    obj.attrs["gridGlobalOffset"] = np.array(offset, dtype="f8")
    obj.attrs["gridUnitSI"] = 1.0e-6
    obj.attrs["unitDimension"] = np.array([1.0, 1.0, -3.0, -1.0, 0.0, 0.0, 0.0])
    obj.attrs["timeOffset"] = 0.0


def component_attributes(d):
    d.attrs["unitSI"] = 1.0
    d.attrs["position"] = np.zeros(3)


# openPMD, dataOrder C (WarpX/PIConGPU write through openPMD-api like this): a scalar record phi (a
# dataset carrying the mesh attributes) and a vector record E (a group whose x, y, z are datasets).
# Axes of the C-order arrays: (z, y, x) with steps 0.3, 0.2, 0.1 (× gridUnitSI = 1e-6 m with --si).
H_C = [0.3, 0.2, 0.1]
with h5py.File(path("openpmd.h5"), "w") as f:
    meshes = openpmd_root(f).create_group("meshes")
    phi = rng.standard_normal(SHAPE)
    d = meshes.create_dataset("phi", data=phi)
    mesh_attributes(d, ["z", "y", "x"], H_C, [1.0, -2.0, 0.5], "C")
    component_attributes(d)
    E = meshes.create_group("E")
    mesh_attributes(E, ["z", "y", "x"], H_C, [1.0, -2.0, 0.5], "C", vlen=True)
    components = {name: rng.standard_normal(SHAPE) for name in ["x", "y", "z"]}
    for name, values in components.items():
        component_attributes(E.create_dataset(name, data=values))
    rho = meshes.create_group("rho")  # a record group with one component (a scalar written as a group)
    mesh_attributes(rho, ["z", "y", "x"], H_C, [0.0, 0.0, 0.0], "C")
    component_attributes(rho.create_dataset("density", data=phi * 2))
expect("openpmd_phi", np.gradient(phi, *H_C))
expect("openpmd_phi_si", np.gradient(phi, *[h * 1.0e-6 for h in H_C]))
# Components along axes (z, y, x), in axisLabels order, not alphabetical.
F = [components["z"], components["y"], components["x"]]
divergence = np.gradient(F[0], H_C[0], axis=0)
divergence = divergence + np.gradient(F[1], H_C[1], axis=1)
divergence = divergence + np.gradient(F[2], H_C[2], axis=2)
expect("openpmd_E_divergence", [divergence])
expect("openpmd_E_curl", curl(F, H_C))

# openPMD, dataOrder F: written by a Fortran code as A(x, y, z); HDF5 shows the array in C order as
# (z, y, x), and the standard's lists (axisLabels, gridSpacing, gridGlobalOffset) are in Fortran order.
with h5py.File(path("openpmd_fortran.h5"), "w") as f:
    meshes = openpmd_root(f).create_group("meshes")
    phi = rng.standard_normal(SHAPE)
    d = meshes.create_dataset("phi", data=phi)
    mesh_attributes(d, ["x", "y", "z"], H_C[::-1], [0.5, -2.0, 1.0], "F")
    component_attributes(d)
expect("openpmd_fortran_phi", np.gradient(phi, *H_C))

# HDF5 dimension scales as h5py/xarray/h5netcdf write them: V(z, y, x) with a non-uniform x scale, a
# uniform y scale (with units), and a dimension z without a scale (labelled only).
X = np.array([0.0, 0.5, 1.2, 1.6, 2.5, 2.9])
Y = 10.0 + 0.25 * np.arange(5)
with h5py.File(path("scales.h5"), "w") as f:
    V = rng.standard_normal(SHAPE)
    f["x"] = X
    f["x"].make_scale("x")
    f["x"].attrs["units"] = "m"
    f["y"] = Y
    f["y"].make_scale("y")
    f["y"].attrs["units"] = "m"
    f["V"] = V
    f["V"].attrs["units"] = "V"
    f["V"].dims[0].label = "z"
    f["V"].dims[1].attach_scale(f["y"])
    f["V"].dims[2].attach_scale(f["x"])
expect("scales_V", np.gradient(V, 1.0, Y, X))

# Grids Nabla must refuse, each with one clear error.
with h5py.File(path("bad_grids.h5"), "w") as f:
    f["x5"] = np.arange(5.0)
    f["x5"].make_scale("x")
    f["wrong_length"] = np.zeros((3, 6))
    f["wrong_length"].dims[1].attach_scale(f["x5"])
    f["zigzag"] = np.array([0.0, 1.0, 3.0, 2.0, 4.0, 5.0])
    f["zigzag"].make_scale("zigzag")
    f["nonmonotonic"] = np.zeros((3, 6))
    f["nonmonotonic"].dims[1].attach_scale(f["zigzag"])
    f["grid2d"] = np.zeros((3, 6))
    f["grid2d"].make_scale("grid2d")
    f["two_dimensional"] = np.zeros((3, 6))
    f["two_dimensional"].dims[0].attach_scale(f["grid2d"])
    spherical = f.create_dataset("spherical", data=np.zeros((3, 4, 5)))
    mesh_attributes(spherical, ["r", "theta", "phi"], [0.1, 0.2, 0.3], [0.0, 0.0, 0.0], "C", geometry="spherical")

for name in sorted(os.listdir(OUT)):
    print(name, os.path.getsize(path(name)), "bytes")
