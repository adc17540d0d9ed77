#!/usr/bin/env bash
# The main job on a fresh Debian machine with Swift: installs missing system packages, builds the
# `nabla` tool (release) and runs its demo: a dipole field by finite differences of accuracy 2/4/6 and
# a periodic field spectrally, with errors, observed orders and pictures written to ./nabla-demo.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
swift build -c release --product nabla
"$(swift build -c release --show-bin-path)/nabla" demo --output nabla-demo "$@"
