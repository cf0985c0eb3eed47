#!/bin/sh
# t-jvm.sh - the JVM binding sample: org.pgpstep.sample.RoundTrip runs
# the sample outbound and inbound pipelines through JNI from 4 Java
# threads (streams, per-message headers, result headers), the error
# paths (exception with exit code, step and cause; nothing written)
# and a large streamed message, with -Xcheck:jni.  The runtime homes
# and the spool files are gone afterwards.  Skipped (77) when configure
# found no JDK, and in sanitizer builds (the JVM would need the
# sanitizer runtime preloaded).
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
b=$top_builddir
so="$b/samples/jvm/.libs/libpgpstep_jni.so"
jar="$b/samples/jvm/pgpstep-sample.jar"
if [ ! -f "$b/samples/jvm/jdk.env" ] || [ ! -f "$so" ] || [ ! -f "$jar" ]
then
  echo "SKIP: no JDK (configure looks for javac, java, jar and jni.h)"
  exit 77
fi
if [ "${PGPSTEP_TEST_SANITIZERS:-no}" != no ]; then
  echo "SKIP: sanitizer build"
  exit 77
fi
JAVA=
. "$b/samples/jvm/jdk.env"
fail=0
tmp=$(mktemp -d /tmp/tjv.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -m 0700 "$tmp/secrets" "$tmp/rt" "$tmp/spool"
( umask 077
  printf 'acme demo passphrase' > "$tmp/secrets/acme-key"
  printf 'partner demo passphrase' > "$tmp/secrets/partner-key" )

s="$top_srcdir/samples"
TMPDIR="$tmp/spool" PGPSTEP_RUNTIME_DIR="$tmp/rt" \
LD_LIBRARY_PATH="$b/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  "$JAVA" -Xcheck:jni -Djava.io.tmpdir="$tmp/spool" -Dpgpstep.jni="$so" \
  -cp "$jar" org.pgpstep.sample.RoundTrip \
  --plugin-dir "$b/plugins/encrypt/.libs" \
  --plugin-dir "$b/plugins/decrypt/.libs" --secrets "$tmp/secrets" \
  --threads 4 --messages "${JVM_MESSAGES:-40}" --big-mb 8 \
  "$s/pipelines/outbound-invoice.xml" "$s/pipelines/inbound-invoice.xml" \
  "$s/data/invoice.xml" >"$tmp/out" 2>"$tmp/err"
rc=$?
cat "$tmp/out"
if [ $rc -ne 0 ]; then
  echo "FAIL - RoundTrip exit status $rc"; sed 's/^/# /' "$tmp/err"; fail=1
fi
# -Xcheck:jni reports misuse as warnings on stdout or stderr.
if grep -qi 'WARNING.*JNI\|FATAL ERROR in native method' "$tmp/out" "$tmp/err"
then
  echo "FAIL - -Xcheck:jni complains:"; grep -i 'jni' "$tmp/out" "$tmp/err"
  fail=1
fi
if [ -z "$(ls -A "$tmp/rt")" ] && [ -z "$(ls -A "$tmp/spool")" ]; then
  echo "ok - runtime homes and spool files gone"
else
  echo "FAIL - left behind: $(ls "$tmp/rt" "$tmp/spool")"; fail=1
fi
exit $fail
