#!/usr/bin/env python3
"""Reads the netCDF files Nabla wrote with netCDF4-python and compares them with np.gradient.

Not run by the Swift tests. By hand:

    pip install netCDF4 numpy
    swift build --build-tests
    NABLA_NETCDF_CHECK_DIR=/tmp/nabla-nc swift test --skip-build --disable-xctest --filter writeFilesForPythonCheck
    python3 Tests/NablaNetCDFTests/Fixtures/check_netcdf.py /tmp/nabla-nc
"""
import os
import sys

import netCDF4
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def main(folder):
    failures = 0

    def check(what, got, want):
        nonlocal failures
        ok = got == want
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {what}: {got!r}" + ("" if ok else f" (expected {want!r})"))

    for out, source, name, dims in (("dT.nc", "classic_nonuniform.nc", "T", ("y", "x")),
                                    ("dV.nc", "netcdf4_deflate.nc", "V", ("z", "y", "x"))):
        with netCDF4.Dataset(os.path.join(HERE, source)) as src, netCDF4.Dataset(os.path.join(folder, out)) as ds:
            check(f"{out} format", ds.data_model, "NETCDF4")
            check(f"{out} Conventions", ds.Conventions, "CF-1.8")
            check(f"{out} history mentions nabla", "nabla" in ds.history, True)
            f = src[name][:]
            grads = np.gradient(f, *[src[d][:] for d in dims])
            for k, d in enumerate(dims):
                check(f"{out} coordinate {d} equal", bool(np.array_equal(ds[d][:], src[d][:])), True)
                check(f"{out} coordinate {d} units", ds[d].units, src[d].units)
                v = ds[f"d{name}_d{d}"]
                check(f"{out} d{name}_d{d} dimensions", v.dimensions, dims)
                check(f"{out} d{name}_d{d} dtype", str(v.dtype), str(f.dtype))
                check(f"{out} d{name}_d{d} units", v.units, f"{src[name].units} {src[d].units}-1")
                check(f"{out} d{name}_d{d} equals np.gradient bitwise", bool(np.array_equal(v[:], grads[k])), True)
                if out == "dT.nc":
                    check(f"{out} d{name}_d{d} deflate", v.filters()["zlib"], True)
    print("all checks passed" if failures == 0 else f"{failures} checks failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/nabla-nc"))
