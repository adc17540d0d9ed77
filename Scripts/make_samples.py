#!/usr/bin/env python3
"""Writes the sample data shipped in samples/data (run from the repository root)."""
import os
import numpy as np

os.makedirs("samples/data", exist_ok=True)
# The seed's potential: V = 2x^2 + 3y^2 - 4z on mgrid[-100:101:25.]; E = -grad V.
x, y, z = np.mgrid[-100:101:25., -100:101:25., -100:101:25.]
V = 2 * x**2 + 3 * y**2 - 4 * z
np.save("samples/data/potential.npy", V)
