#!/bin/sh
# t-embed.sh - the C embedding sample (samples/embed/embed.c, built by
# `make check` against the build tree's libpgpstep) run as a runtime
# by samples/embed/check-reload.sh: a batch on 4 threads, a key
# rotation picked up without a restart, a corrupt key file refused,
# a clean SIGTERM stop.  With valgrind (and no sanitizer build) the
# same scenario once more with the sample under memcheck: any report
# of the sample's process fails the test.  `make installcheck` runs the
# scenario again with the sample built against the install.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
b=$top_builddir
embed="$b/samples/embed/embed"
for f in "$embed" "$b/plugins/encrypt/.libs/encrypt.so" \
         "$b/plugins/decrypt/.libs/decrypt.so"; do
  [ -e "$f" ] || { echo "FAIL - $f not built"; exit 1; }
done
run () {
  sh "$top_srcdir/samples/embed/check-reload.sh" "$embed" \
    "$top_srcdir/samples" --plugin-dir "$b/plugins/encrypt/.libs" \
    --plugin-dir "$b/plugins/decrypt/.libs"
}

run
fail=$?

if [ "${PGPSTEP_TEST_SANITIZERS:-no}" = no ] \
   && command -v valgrind >/dev/null 2>&1; then
  vg=$(mktemp -d /tmp/tev.XXXXXX) || exit 1
  # As scripts/test-all.sh does for the unit tests: no --error-exitcode
  # (GPGME's intermediate spawn child must exit normally), children
  # silent; a report of the sample itself is a failure.
  EMBED_PREFIX="$b/libtool --mode=execute valgrind -q
    --child-silent-after-fork=yes --leak-check=full
    --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --log-file=$vg/vg.%p.log"
  EMBED_MESSAGES=8
  export EMBED_PREFIX EMBED_MESSAGES
  echo "# under valgrind:"
  run || fail=1
  if cat "$vg"/vg.*.log 2>/dev/null | grep -q '^==[0-9]*== '; then
    echo "FAIL - valgrind reports:"; cat "$vg"/vg.*.log | head -n 40
    fail=1
  else
    echo "ok - valgrind: nothing reported for the sample"
  fi
  rm -rf "$vg"
fi
exit $fail
