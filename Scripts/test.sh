#!/usr/bin/env bash
# Runs Nabla's test suite on a fresh Debian machine with Swift: installs missing system packages, then
# builds and runs every test (Swift Testing). This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
swift build --build-tests
# The samples check the orders of accuracy they print (each exits non-zero if a claim fails).
Scripts/run-samples.sh
swift test --skip-build --disable-xctest
# nabla-mpi under mpirun on 1-4 ranks against single-process nabla, byte for byte.
Scripts/test-mpi.sh
