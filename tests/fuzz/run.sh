#!/bin/sh
# run.sh - build the fuzz targets and run each for a while.
#
#   sh tests/fuzz/run.sh [SECONDS_PER_TARGET [BUILD_DIR]]
#
# SECONDS_PER_TARGET defaults to 20, BUILD_DIR to _build/fuzz in the
# source tree.  Each target starts from its seed corpus in
# tests/fuzz/corpus/<target> (never written to) plus what earlier runs
# found in BUILD_DIR/corpus/<target>.  Fails if any target reports a
# crash, a leak, a sanitizer error or a timeout; reproducers are left in
# BUILD_DIR/artifacts.  Prints one line per target with its exec count.
# FUZZ_TARGETS="status armor" limits the run to some targets.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-20}
out=${2:-$top/_build/fuzz}
targets=${FUZZ_TARGETS:-"descriptor header-ref headers-json status armor packet"}

case $secs in
  ''|*[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET [BUILD_DIR]]" >&2; exit 2;;
esac

# shellcheck disable=SC2086
sh "$top/tests/fuzz/build.sh" "$out" $targets >/dev/null || exit 1

# Longest input per target: a little more than the largest realistic
# one, small enough to keep the exec rate up.
max_len ()
{
  case $1 in
    descriptor)   echo 16384 ;;
    header-ref)   echo 512 ;;
    headers-json) echo 8192 ;;
    status)       echo 32768 ;;   # Beyond STATUS_LINE_MAX: cut lines.
    armor)        echo 16384 ;;
    packet)       echo 8192 ;;
    *)            echo 4096 ;;
  esac
}

failed=
total=0
for t in $targets; do
  mkdir -p "$out/corpus/$t" "$out/artifacts"
  log=$out/fuzz-$t.log
  dict=
  case $t in packet) d=armor ;; *) d=$t ;; esac
  [ -f "$top/tests/fuzz/$d.dict" ] && dict=-dict=$top/tests/fuzz/$d.dict
  start=$(date +%s)
  # shellcheck disable=SC2086
  "$out/fuzz-$t" -max_total_time="$secs" -max_len="$(max_len "$t")" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/$t-" $dict \
    "$out/corpus/$t" "$top/tests/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  if [ $rc -ne 0 ] || grep -E -q '^==[0-9]+==ERROR|runtime error:|^SUMMARY: ' "$log"; then
    echo "FAIL: fuzz-$t (exit $rc, ${execs:-?} execs, $(( $(date +%s) - start )) s; log $log)"
    grep -E -A 12 '^==[0-9]+==ERROR|runtime error:|check failed|Test unit written' "$log" | head -n 40
    failed="$failed $t"
  else
    echo "PASS: fuzz-$t: ${execs:-?} execs in $(( $(date +%s) - start )) s"
    total=$((total + ${execs:-0}))
  fi
done
[ -n "$failed" ] && { echo "fuzz targets failed:$failed"; exit 1; }
echo "all fuzz targets passed ($total execs)"
exit 0
