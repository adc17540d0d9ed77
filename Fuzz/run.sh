#!/usr/bin/env bash
# Builds one libFuzzer target of Fuzz/Package.swift and runs a campaign.
#
#   Fuzz/run.sh TARGET SECONDS [extra libFuzzer flags...]
#   Fuzz/run.sh FuzzCSV 600
#
# TARGET is FuzzNPYHeader, FuzzCSV, FuzzNPZ, FuzzCSVColumn or FuzzBatchProbe. The seeds in Fuzz/Corpus/TARGET are read but never
# changed; inputs libFuzzer finds interesting go to Fuzz/.build-fuzz/corpus/TARGET (kept between runs,
# gitignored), crashes, leaks, timeouts and out-of-memory inputs to Fuzz/.build-fuzz/findings/TARGET/.
# Each finding must become a fixture + regression test in Tests/NablaFormatsTests (see Fuzz/README.md).
# The targets are built with AddressSanitizer as well, to catch out-of-bounds access in unsafe code.
# Exit status: 0 without findings, 1 with findings, 2 on usage or build errors.
set -uo pipefail

usage() { echo "usage: $0 FuzzNPYHeader|FuzzCSV|FuzzNPZ|FuzzCSVColumn|FuzzBatchProbe SECONDS [libFuzzer flags...]" >&2; exit 2; }
[[ $# -ge 2 ]] || usage
target=$1; seconds=$2; shift 2
[[ $seconds =~ ^[0-9]+$ ]] || usage
case $target in
    FuzzNPYHeader) max_len=4096 ;;
    FuzzCSV) max_len=4096 ;;
    FuzzNPZ) max_len=16384 ;;
    FuzzCSVColumn) max_len=4096 ;;
    FuzzBatchProbe) max_len=16384 ;;
    *) usage ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
work=$here/.build-fuzz
corpus=$work/corpus/$target
findings=$work/findings/$target
mkdir -p "$corpus" "$findings"

# SwiftPM's --sanitize=fuzzer instruments only the fuzz target's own module (15 counters: libFuzzer then
# sees no coverage in the readers and never grows its corpus). The coverage flags below instrument every
# Swift module, NablaFormats included, the way libFuzzer expects (inline 8-bit counters + PC table).
coverage_flags=(-Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp)
echo "== building $target (release, -sanitize=fuzzer,address, coverage in every module)"
if ! swift build -c release --sanitize=fuzzer --sanitize=address "${coverage_flags[@]}" --product "$target" 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]'; then :; fi
bin=$(swift build -c release --sanitize=fuzzer --sanitize=address "${coverage_flags[@]}" --show-bin-path)/$target
[[ -x $bin ]] || { echo "build failed: no $bin" >&2; exit 2; }

before=$(find "$findings" -type f | sort)
log=$work/$target.log
echo "== fuzzing $target for ${seconds}s (max_len $max_len, rss limit 2048 MB); log: $log"
# SWIFT_BACKTRACE=enable=no: otherwise Swift's backtracer handles the crash and libFuzzer writes no crash file.
SWIFT_BACKTRACE=enable=no "$bin" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -max_len="$max_len" -timeout=10 \
    -dict="$here/Dictionaries/$target.dict" -artifact_prefix="$findings/" -print_final_stats=1 \
    "$@" "$corpus" "$here/Corpus/$target" >"$log" 2>&1
status=$?

execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
coverage=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1)
new=$(comm -13 <(echo "$before") <(find "$findings" -type f | sort) | grep -v '^$')
echo "== $target: ${execs:-?} executions (${rate:-?}/s), ${coverage:-cov: ?}, corpus $(ls "$corpus" | wc -l) files, libFuzzer exit $status"
if [[ -n $new || $status -ne 0 ]]; then
    echo "== FINDINGS ($(echo -n "$new" | grep -c "^") new files):"
    echo "$new" | sed 's/^/   /'
    grep -E 'ERROR: libFuzzer|ERROR: AddressSanitizer|Fatal error|failed:|SUMMARY' "$log" | head -5 | sed 's/^/   /'
    exit 1
fi
echo "== no findings"
exit 0
