#!/usr/bin/env bash
# Installs the system packages Nabla builds against, if any is missing (Debian/Ubuntu, apt-get).
# Safe to run again: it does nothing when everything is present.
set -euo pipefail
needed=(zlib1g-dev libdeflate-dev pkg-config libfftw3-dev libcairo2-dev fonts-dejavu-core libhdf5-dev libnetcdf-dev libopenmpi-dev openmpi-bin libfftw3-mpi-dev)
missing=()
for p in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
