#!/usr/bin/env bash
# Runs the test suite under ThreadSanitizer and AddressSanitizer and prints a summary.
#
#   Scripts/sanitizers.sh                          # both sanitizers, every test
#   Scripts/sanitizers.sh --filter NablaFormatsTests
#   SANITIZERS=thread Scripts/sanitizers.sh        # one sanitizer only (thread or address)
#
# Arguments are passed to `swift test` (e.g. --filter). Each sanitizer builds into its own scratch
# directory (.build-tsan, .build-asan; gitignored by `.build*/`), so neither disturbs the normal .build.
# A full run is heavy (two extra debug builds of everything, tests 2-10x slower): expect tens of minutes
# on 2 cores. AddressSanitizer runs with detect_leaks=0 because XCTest itself leaks. NABLA_UNDER_SANITIZER
# is set so that the one test the sanitizer runtimes cannot survive (a 64 KiB file-size limit) is skipped.
# Logs: .build-tsan/sanitizer.log, .build-asan/sanitizer.log. Exit status: 0 only if every run passed
# with no sanitizer report.
set -uo pipefail
cd "$(dirname "$0")/.."

sanitizers=${SANITIZERS:-"thread address"}
declare -a summary=()
failed=0

for sanitizer in $sanitizers; do
    case $sanitizer in
        thread) scratch=.build-tsan; env_vars=(NABLA_UNDER_SANITIZER=thread TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0 second_deadlock_stack=1}"); pattern='WARNING: ThreadSanitizer' ;;
        address) scratch=.build-asan; env_vars=(NABLA_UNDER_SANITIZER=address ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"); pattern='ERROR: AddressSanitizer' ;;
        *) echo "unknown sanitizer '$sanitizer' (expected thread or address)" >&2; exit 2 ;;
    esac
    mkdir -p "$scratch"
    log=$scratch/sanitizer.log
    echo "== swift test --sanitize=$sanitizer --scratch-path $scratch $*"
    start=$(date +%s)
    env "${env_vars[@]}" swift test --sanitize="$sanitizer" --scratch-path "$scratch" "$@" >"$log" 2>&1
    status=$?
    seconds=$(( $(date +%s) - start ))
    reports=$(grep -c "$pattern" "$log")
    testing=$(grep -E '(✔|✘) Test run with' "$log" | tail -1 | sed 's/^[^A-Za-z]*//')
    xctest=$(grep -E 'Executed [0-9]+ tests?' "$log" | tail -1 | sed 's/^[[:space:]]*//')
    if [[ $status -eq 0 && $reports -eq 0 ]]; then verdict=PASS; else verdict=FAIL; failed=1; fi
    summary+=("$verdict  $sanitizer: exit $status, $reports sanitizer report(s), ${seconds}s; ${testing:-no Swift Testing summary}; ${xctest:-no XCTest summary}; log $log")
    if [[ $verdict == FAIL ]]; then
        grep -E "$pattern|SUMMARY: |error: |✘ Test .* recorded" "$log" | head -20 | sed 's/^/   /'
    fi
done

echo
echo "== sanitizer summary"
printf '%s\n' "${summary[@]}"
exit $failed
