#!/usr/bin/env python3
"""Writes the netCDF fixtures of NablaNetCDFTests, and np.gradient of each good one as .npy.

    pip install netCDF4 numpy
    python3 Tests/NablaNetCDFTests/Fixtures/make_fixtures.py

The files are committed: the Swift tests never run Python. Run again only to change a fixture.
"""
import os

import netCDF4
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def dataset(name, fmt):
    ds = netCDF4.Dataset(path(name), "w", format=fmt)
    ds.set_auto_maskandscale(False)  # store exactly what we give
    return ds


def coordinate(ds, name, values, units=None, long_name=None, dtype="f8"):
    v = ds.createVariable(name, dtype, (name,))
    v[:] = values
    if units is not None:
        v.units = units
    if long_name is not None:
        v.long_name = long_name
    return v


# --- Good files -------------------------------------------------------------------------------

# netCDF-3 classic (CDF-1): float64 T(y, x), x non-uniform, y decreasing non-uniform.
x = np.array([0.0, 0.5, 1.0, 3.0, 5.0, 7.0])
y = np.array([10.0, 8.0, 7.0, 4.0, 0.0])
T = np.sin(x)[None, :] * np.cos(0.3 * y)[:, None] + 0.1 * y[:, None] ** 2
with dataset("classic_nonuniform.nc", "NETCDF3_CLASSIC") as ds:
    ds.createDimension("y", len(y))
    ds.createDimension("x", len(x))
    coordinate(ds, "y", y, "m", "northing")
    coordinate(ds, "x", x, "m", "easting")
    t = ds.createVariable("T", "f8", ("y", "x"))
    t.units = "K"
    t.long_name = "temperature"
    t[:] = T
dy, dx = np.gradient(T, y, x)
np.save(path("classic_nonuniform_dT_dy.npy"), dy)
np.save(path("classic_nonuniform_dT_dx.npy"), dx)
dy2, dx2 = np.gradient(T, y, x, edge_order=2)
np.save(path("classic_nonuniform_dT_dy_edge2.npy"), dy2)
np.save(path("classic_nonuniform_dT_dx_edge2.npy"), dx2)

# netCDF-4 (HDF5), deflate-compressed float32 V(z, y, x) with uniform coordinates (exactly equal steps),
# plus an int16 and a uint8 variable so that the file has several data variables.
z = np.array([0.0, 2.0, 4.0])
yy = np.array([0.0, 0.5, 1.0, 1.5])
xx = np.linspace(0.0, 1.0, 5)
Z, Y, X = np.meshgrid(z, yy, xx, indexing="ij")
V = (X**2 + 3 * Y - 0.5 * Z * X).astype(np.float32)
mask = (np.arange(60).reshape(3, 4, 5) % 7 - 3).astype(np.int16)
flags = (np.arange(60).reshape(3, 4, 5) * 5 % 256).astype(np.uint8)
with dataset("netcdf4_deflate.nc", "NETCDF4") as ds:
    for name, values in (("z", z), ("y", yy), ("x", xx)):
        ds.createDimension(name, len(values))
    coordinate(ds, "z", z, "m")
    coordinate(ds, "y", yy, "m")
    coordinate(ds, "x", xx, "m")
    v = ds.createVariable("V", "f4", ("z", "y", "x"), zlib=True, complevel=4, shuffle=True)
    v.units = "V"
    v.long_name = "electric potential"
    v[:] = V
    m = ds.createVariable("mask", "i2", ("z", "y", "x"), zlib=True, complevel=9)
    m[:] = mask
    f = ds.createVariable("flags", "u1", ("z", "y", "x"), zlib=True)
    f[:] = flags
for k, name in enumerate(("z", "y", "x")):
    np.save(path(f"netcdf4_deflate_dV_d{name}.npy"), np.gradient(V, z, yy, xx)[k])
np.save(path("netcdf4_deflate_mask.npy"), mask)

# 64-bit offset (CDF-2): int32 P(t, x); t has no coordinate variable.
xp = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
P = (np.arange(20).reshape(4, 5) ** 2).astype(np.int32)
with dataset("no_coordinate.nc", "NETCDF3_64BIT_OFFSET") as ds:
    ds.createDimension("t", 4)
    ds.createDimension("x", 5)
    coordinate(ds, "x", xp, "km")
    p = ds.createVariable("P", "i4", ("t", "x"))
    p.units = "Pa"
    p[:] = P
for k, name in enumerate(("t", "x")):
    np.save(path(f"no_coordinate_dP_d{name}.npy"), np.gradient(P, 1.0, xp)[k])

# CDF-5 (64-bit data): unsigned types, an int64 coordinate.
with dataset("cdf5_unsigned.nc", "NETCDF3_64BIT_DATA") as ds:
    ds.createDimension("i", 4)
    coordinate(ds, "i", np.array([3, 2, 1, 0], dtype=np.int64), dtype="i8")
    u = ds.createVariable("u", "u2", ("i",))
    u[:] = np.array([5, 4, 3, 65535], dtype=np.uint16)

# --- Bad files --------------------------------------------------------------------------------

# A coordinate that goes back: x = 0, 1, 3, 2, 4.
with dataset("bad_nonmonotonic.nc", "NETCDF3_CLASSIC") as ds:
    ds.createDimension("x", 5)
    coordinate(ds, "x", [0.0, 1.0, 3.0, 2.0, 4.0])
    ds.createVariable("f", "f8", ("x",))[:] = np.arange(5.0)

# A coordinate with a repeated value.
with dataset("bad_repeated.nc", "NETCDF3_CLASSIC") as ds:
    ds.createDimension("x", 4)
    coordinate(ds, "x", [0.0, 1.0, 1.0, 2.0])
    ds.createVariable("f", "f8", ("x",))[:] = np.arange(4.0)

# A 2-D variable named like a dimension (netCDF allows it; it is not a coordinate variable).
with dataset("bad_2d_coordinate.nc", "NETCDF3_CLASSIC") as ds:
    ds.createDimension("x", 3)
    ds.createDimension("y", 4)
    ds.createVariable("x", "f8", ("x", "y"))[:] = np.arange(12.0).reshape(3, 4)
    ds.createVariable("f", "f8", ("x", "y"))[:] = np.arange(12.0).reshape(3, 4)

# A coordinate "of the wrong length": netCDF cannot make x(x) of another length than x, but a 1-D variable
# named x may lie along another dimension (t, length 3, while x has length 5).
with dataset("bad_wrong_dimension.nc", "NETCDF3_CLASSIC") as ds:
    ds.createDimension("x", 5)
    ds.createDimension("t", 3)
    ds.createVariable("x", "f8", ("t",))[:] = [0.0, 1.0, 2.0]
    ds.createVariable("f", "f8", ("x",))[:] = np.arange(5.0)

# Text: a char variable and a netCDF-4 string variable, and a string coordinate.
with dataset("bad_char.nc", "NETCDF3_CLASSIC") as ds:
    ds.createDimension("n", 2)
    ds.createDimension("len", 5)
    ds.createVariable("station", "S1", ("n", "len"))[:] = netCDF4.stringtochar(np.array(["alpha", "beta "], "S5"))
with dataset("bad_string.nc", "NETCDF4") as ds:
    ds.createDimension("n", 3)
    s = ds.createVariable("label", str, ("n",))
    for i, text in enumerate(("a", "bb", "ccc")):
        s[i] = text
with dataset("bad_string_coordinate.nc", "NETCDF4") as ds:
    ds.createDimension("city", 3)
    c = ds.createVariable("city", str, ("city",))
    for i, text in enumerate(("Oslo", "Rome", "Kyiv")):
        c[i] = text
    ds.createVariable("f", "f8", ("city",))[:] = [1.0, 2.0, 4.0]

# A compound type.
with dataset("bad_compound.nc", "NETCDF4") as ds:
    ds.createDimension("n", 2)
    pair = ds.createCompoundType(np.dtype([("a", "f8"), ("b", "i4")]), "pair_t")
    ds.createVariable("pairs", pair, ("n",))

# Packed data (scale_factor / add_offset).
with dataset("bad_packed.nc", "NETCDF3_CLASSIC") as ds:
    ds.createDimension("x", 3)
    p = ds.createVariable("p", "i2", ("x",))
    p.scale_factor = 0.01
    p.add_offset = 100.0
    p[:] = [1, 2, 3]

# Not netCDF at all.
with open(path("not_netcdf.nc"), "w") as f:
    f.write("x,y\n1,2\n")

print("wrote fixtures in", HERE)
