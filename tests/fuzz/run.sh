#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a bounded time (docs/fuzzing.md).
#
#   tests/fuzz/run.sh BUILD_FUZZ_DIR SECONDS_PER_TARGET [TARGET...]
#
# BUILD_FUZZ_DIR is a build configured with -DPMAP_FUZZ=ON and clang (deploy/dev.sh fuzz makes
# one). Each target runs on a copy of its committed seed corpus (tests/fuzz/corpus/<name>; the
# committed one never grows) in $PMAP_FUZZ_WORK (default BUILD_FUZZ_DIR/fuzz-run)/<name>/corpus,
# which is kept between runs, with tests/fuzz/dicts/<name>.dict when there is one. Per target it
# prints executions, executions per second, the corpus size and whether it failed. A crash, leak,
# timeout (PMAP_FUZZ_TIMEOUT s per input, default 10) or out-of-memory (PMAP_FUZZ_RSS_MB,
# default 2048) fails the run: the input is left in <work>/<name>/artifacts/ and the log in
# <work>/<name>/log. The file-reading targets write each input under $TMPDIR (default /dev/shm
# when writable). Exit status: 0 when every target ran clean, 1 otherwise, 2 on bad usage.
set -uo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd) || exit 2
SECONDS_PER_TARGET=$2
shift 2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${PMAP_FUZZ_WORK:-$BUILD/fuzz-run}
TIMEOUT=${PMAP_FUZZ_TIMEOUT:-10}
RSS_MB=${PMAP_FUZZ_RSS_MB:-2048}

if [ $# -gt 0 ]; then
  TARGETS=("$@")
else
  TARGETS=()
  for dir in "$HERE"/corpus/*/; do TARGETS+=("$(basename "$dir")"); done
fi

# The targets that read files write each input to $TMPDIR: in memory when it can be.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
printf '%-16s %12s %9s %8s  %s\n' target executions exec/s corpus result
for name in "${TARGETS[@]}"; do
  bin=$BUILD/bin/pmap-fuzz-$name
  if [ ! -x "$bin" ]; then
    printf '%-16s %12s %9s %8s  %s\n' "$name" - - - "MISSING ($bin)"
    failed=1
    continue
  fi
  dir=$WORK/$name
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp -n "$HERE/corpus/$name"/* "$dir/corpus/" 2>/dev/null
  dict=()
  [ -f "$HERE/dicts/$name.dict" ] && dict=(-dict="$HERE/dicts/$name.dict")
  # slow-unit-* files are libFuzzer's notes on inputs that took over 10 s once (on a loaded
  # machine, often the machine): reported, not failures; crash-/leak-/timeout-/oom- are.
  failures() { find "$dir/artifacts" -type f ! -name 'slow-unit-*' | wc -l; }
  before=$(failures)
  "$bin" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" \
    -artifact_prefix="$dir/artifacts/" -print_final_stats=1 "${dict[@]}" "$dir/corpus" \
    >"$dir/log" 2>&1
  status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  size=$(find "$dir/corpus" -type f | wc -l)
  after=$(failures)
  if [ "$status" -eq 0 ] && [ "$after" -eq "$before" ]; then
    result=ok
    slow=$(grep -c 'Test unit written to .*slow-unit-' "$dir/log")
    [ "$slow" -gt 0 ] && result="ok ($slow slow unit(s) in $dir/artifacts/: replay them alone)"
  else
    failed=1
    artifact=$(grep -o 'Test unit written to .*' "$dir/log" | tail -1 | sed 's/Test unit written to //')
    kind=$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-z-]+|runtime error|fuzz invariant failed' "$dir/log")
    result="FAILED (exit $status; ${kind:-see log}) input: ${artifact:-$dir/artifacts/} log: $dir/log"
  fi
  printf '%-16s %12s %9s %8s  %s\n' "$name" "${execs:--}" "${rate:--}" "$size" "$result"
done
exit $failed
