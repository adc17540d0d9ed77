#!/usr/bin/env bash
# Builds (debug) and runs every sample program in samples/; exits non-zero if any fails to build or run.
# Each sample checks its own claims (observed orders, gradient checks, verification) and exits 1 when one
# does not hold; Scripts/test.sh (and so CI) runs it before the test suite.
#
#   Scripts/run-samples.sh                  # all four
#   Scripts/run-samples.sh PointCharges     # some of them
set -uo pipefail
cd "$(dirname "$0")/.."

samples=("$@")
if [ ${#samples[@]} -eq 0 ]; then
    samples=(PointCharges SpectralVsFiniteDifference GradientCheckNetwork GradientFolder)
fi

failed=()
for sample in "${samples[@]}"; do
    echo "=== $sample: building"
    if ! swift build --product "$sample"; then
        failed+=("$sample (build)")
        continue
    fi
    echo "=== $sample: running"
    start=$(date +%s%N)
    if swift run --skip-build "$sample"; then
        status=ok
    else
        status=FAILED
        failed+=("$sample")
    fi
    elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
    printf '=== %s: %s in %d.%03d s\n\n' "$sample" "$status" $((elapsed_ms / 1000)) $((elapsed_ms % 1000))
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "run-samples: ${#failed[@]} of ${#samples[@]} failed: ${failed[*]}" >&2
    exit 1
fi
echo "run-samples: all ${#samples[@]} samples passed"
