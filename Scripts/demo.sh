#!/usr/bin/env bash
# The main job on a fresh Debian machine with Swift: installs missing system packages, builds the
# `nabla` tool (release) and runs its demo into ./nabla-demo.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
swift build -c release --product nabla
bin="$(swift build -c release --show-bin-path)/nabla"
out=nabla-demo
mkdir -p "$out"
# E = -grad V of the seed potential V = 2x² + 3y² - 4z sampled on mgrid[-100:101:25.] (samples/data).
"$bin" gradient samples/data/potential.npy --spacing 25 --edge-order 2 -o "$out/field.npz"
echo "wrote $out/field.npz: dV/dx, dV/dy, dV/dz as axis0, axis1, axis2 (E = -grad V)"
