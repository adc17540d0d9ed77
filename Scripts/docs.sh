#!/usr/bin/env bash
# Builds the DocC documentation of every library product into .build/docs/<Target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
Scripts/install-deps.sh
mkdir -p .build/docs
for target in Nabla NablaFormats NablaHDF5 NablaSpectral NablaVerification NablaPictures NablaNetCDF NablaComplex NablaMPI; do
  swift package --allow-writing-to-directory ".build/docs/$target" generate-documentation \
    --target "$target" --output-path ".build/docs/$target" 2>&1 | tail -3
done
