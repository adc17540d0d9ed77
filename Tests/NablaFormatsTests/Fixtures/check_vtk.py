#!/usr/bin/env python3
"""Reads the .vti/.vtr files Nabla wrote with VTK's own XML readers and compares them with numpy.

Not run by the Swift tests. By hand:

    pip install vtk numpy
    swift build --build-tests
    NABLA_VTK_CHECK_DIR=/tmp/nabla-vtk swift test --skip-build --disable-xctest --filter writeFilesForPythonCheck
    python3 Tests/NablaFormatsTests/Fixtures/check_vtk.py /tmp/nabla-vtk

The folder holds the files, each field as .npy (numpy axis order) and manifest.json (origin, spacing or
coordinates in numpy axis order). VTK's x is numpy's last axis: a field of shape (nz, ny, nx) must come back
with dimensions (nx, ny, nz), and its point data, flattened in VTK order (x fastest), equals the C-order
flattening of the numpy array.
"""
import json
import os
import sys

import numpy as np
import vtk
from vtk.util.numpy_support import vtk_to_numpy


def padded(values, pad, n=3):
    return list(reversed(values)) + [pad] * (n - len(values))


def main(folder):
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    failures = 0
    for entry in manifest:
        path = os.path.join(folder, entry["file"])
        reader = vtk.vtkXMLImageDataReader() if path.endswith(".vti") else vtk.vtkXMLRectilinearGridReader()
        reader.SetFileName(path)
        reader.Update()
        data = reader.GetOutput()
        first = np.load(os.path.join(folder, next(iter(entry["fields"].values()))))
        expected_dims = padded(list(first.shape), 1)
        checks = [("dimensions", list(data.GetDimensions()), expected_dims)]
        if "spacing" in entry:
            checks.append(("spacing", list(data.GetSpacing()), padded(entry["spacing"], 1.0)))
            checks.append(("origin", list(data.GetOrigin()), padded(entry["origin"], 0.0)))
        else:
            getters = (data.GetXCoordinates, data.GetYCoordinates, data.GetZCoordinates)
            for axis, (getter, coords) in enumerate(zip(getters, padded(entry["coordinates"], [0.0]))):
                checks.append((f"coordinates {'xyz'[axis]}", vtk_to_numpy(getter()).tolist(), coords))
        for name, npy in entry["fields"].items():
            want = np.load(os.path.join(folder, npy))
            array = data.GetPointData().GetArray(name)
            got = vtk_to_numpy(array)
            checks.append((f"array {name} dtype", str(got.dtype), str(want.dtype)))
            checks.append((f"array {name} values", bool(np.array_equal(got, want.ravel(order="C"))), True))
            # The same through VTK's index order: point (i, j, k) is numpy's [k, j, i].
            dims = data.GetDimensions()
            i, j, k = dims[0] - 1, dims[1] - 1, dims[2] - 1
            point = data.ComputePointId([i, j, k])
            numpy_index = tuple(reversed([i, j, k][: want.ndim]))
            checks.append((f"array {name} at VTK (i,j,k)=({i},{j},{k})", got[point].item(), want[numpy_index].item()))
        for what, got, want in checks:
            ok = got == want
            failures += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {entry['file']}: {what}: {got}" + ("" if ok else f" (expected {want})"))
    print(f"vtk {vtk.vtkVersion.GetVTKVersion()}: {'all checks passed' if failures == 0 else f'{failures} checks failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/nabla-vtk"))
