#!/bin/sh
# test-all.sh - build and run the whole test suite (the README's test
# command; CI runs it too).  Legs:
#   1. build + make check           (_build/main)
#   2. make distcheck               (tarball builds, tests, installs,
#                                    out-of-tree plugin SDK check)
#   3. ASan + UBSan build + make check (_build/asan)
#   4. libFuzzer targets, 20 s each (tests/fuzz/README.md)
#   5. unit tests and a CLI subset (the main job, a batch) under
#      valgrind memcheck
#   6. ThreadSanitizer build, the threaded tests (parallel messages,
#      runtime home pool, load through the embedding API)
# Prints the time each leg takes and a closing "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
status=0
legs_failed=

sh scripts/deps.sh || exit 1
sh scripts/bootstrap.sh || exit 1

leg () {
  name=$1; shift
  start=$(date +%s)
  echo "=== leg $name"
  if "$@"; then result=ok; else result=FAILED; status=1; legs_failed="$legs_failed $name"; fi
  echo "=== leg $name: $result in $(( $(date +%s) - start )) s"
}

build_check () {
  dir=$1; shift
  mkdir -p "$dir" && cd "$dir" || return 1
  { [ -f Makefile ] || "$top/configure" -q "$@"; } \
    && make -j"$jobs" >/dev/null \
    && make -j"$jobs" check
  rc=$?
  [ $rc -ne 0 ] && [ -f test-suite.log ] && cat test-suite.log
  cd "$top"
  return $rc
}

# ThreadSanitizer: the tests that run messages in parallel (a report
# makes the test exit non-zero).  Its results are not counted in the
# closing line's totals (the same tests ran in leg 1).
tsan_check () {
  mkdir -p _build/tsan && cd _build/tsan || return 1
  { [ -f Makefile ] || "$top/configure" -q --enable-sanitizers=thread; } \
    && make -j"$jobs" >/dev/null \
    && make -j"$jobs" check \
         TESTS="tests/unit/t-run tests/unit/t-keyring tests/unit/t-load"
  rc=$?
  [ $rc -ne 0 ] && [ -f test-suite.log ] && cat test-suite.log
  cd "$top"
  return $rc
}

distcheck () {
  cd _build/main && make -j"$jobs" distcheck >distcheck.log 2>&1
  rc=$?
  grep -E '^(# (TOTAL|PASS|FAIL|ERROR|SKIP)|installcheck:|=+ *$|pgpstep-.* archives ready)' distcheck.log | tail -n 20
  [ $rc -ne 0 ] && tail -n 60 distcheck.log
  cd "$top"
  return $rc
}

valgrind_unit () {
  cd _build/main || return 1
  rc=0
  for t in tests/unit/t-*; do
    case $t in *.*) continue;; esac
    [ -x "$t" ] || continue
    # No --error-exitcode: GPGME spawns through an intermediate child
    # that only forks and exits; under valgrind that child "leaks" what
    # other threads hold, and an error exit code there makes the spawn
    # fail.  Children stay silent; any report of the test process
    # itself ("==PID== ..." with -q) fails the test.
    if PGPSTEP_TEST_VALGRIND=1 top_builddir=$(pwd) top_srcdir="$top" \
       ./libtool --mode=execute valgrind -q --child-silent-after-fork=yes \
         --leak-check=full --errors-for-leak-kinds=definite \
         --show-leak-kinds=definite \
         "$t" >"$t.vg.log" 2>&1 \
       && ! grep -q '^==[0-9]*== ' "$t.vg.log"; then
      echo "PASS: valgrind $t"
    else
      echo "FAIL: valgrind $t"; tail -n 40 "$t.vg.log"; rc=1
    fi
  done
  # A CLI subset: the main job's two runs (sign+encrypt, decrypt+verify
  # with the demo keys) and a batch, under memcheck.
  vgdir=$(mktemp -d /tmp/pvg.XXXXXX)
  mkdir -m 700 "$vgdir/s" "$vgdir/in" "$vgdir/out"
  printf 'acme demo passphrase' >"$vgdir/s/acme-key"
  printf 'partner demo passphrase' >"$vgdir/s/partner-key"
  chmod 600 "$vgdir/s/acme-key" "$vgdir/s/partner-key"
  cp "$top/samples/data/invoice.xml" "$vgdir/in/a.xml"
  cp "$top/samples/data/invoice.xml" "$vgdir/in/b.xml"
  for args in \
    "run $top/samples/pipelines/outbound-invoice.xml -i $top/samples/data/invoice.xml -o $vgdir/m.asc" \
    "run $top/samples/pipelines/inbound-invoice.xml -i $vgdir/m.asc -o $vgdir/m.xml" \
    "run $top/samples/pipelines/outbound-invoice.xml --batch $vgdir/in -o $vgdir/out -j 2"; do
    # shellcheck disable=SC2086
    if PGPSTEP_RUNTIME_DIR="$vgdir" ./libtool --mode=execute valgrind -q \
         --child-silent-after-fork=yes --leak-check=full \
         --errors-for-leak-kinds=definite --show-leak-kinds=definite \
         ./pgpstep --plugin-dir "$(pwd)/plugins/encrypt/.libs" \
         --plugin-dir "$(pwd)/plugins/decrypt/.libs" --secrets "$vgdir/s" \
         $args >"$vgdir/log" 2>&1 \
       && ! grep -q '^==[0-9]*== ' "$vgdir/log"; then
      echo "PASS: valgrind pgpstep ${args%% *} ${args#* }" | cut -c1-100
    else
      echo "FAIL: valgrind pgpstep $args"; tail -n 40 "$vgdir/log"; rc=1
    fi
  done
  cmp -s "$top/samples/data/invoice.xml" "$vgdir/m.xml" \
    || { echo "FAIL: valgrind CLI round trip changed the invoice"; rc=1; }
  rm -rf "$vgdir"
  cd "$top"
  return $rc
}

leg check build_check _build/main
leg distcheck distcheck
leg asan build_check _build/asan --enable-sanitizers
leg fuzz sh tests/fuzz/run.sh 20 _build/fuzz
leg valgrind valgrind_unit
leg tsan tsan_check

# One closing line over all legs' automake results.
pass=0; fail=0
for log in _build/main/test-suite.log _build/asan/test-suite.log; do
  [ -f "$log" ] || continue
  p=$(sed -n 's/^# PASS: *//p' "$log" | head -n 1)
  f=$(sed -n 's/^# FAIL: *//p' "$log" | head -n 1)
  e=$(sed -n 's/^# ERROR: *//p' "$log" | head -n 1)
  pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0} + ${e:-0}))
done
[ $status -ne 0 ] && [ $fail -eq 0 ] && fail=1
[ -n "$legs_failed" ] && echo "failed legs:$legs_failed"
echo "$pass passed, $fail failed"
exit $status
