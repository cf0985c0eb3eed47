#!/bin/sh
# t-base64.sh - the third-party base64 sample plugin in a 3-step
# pipeline: exact output for small and 256 MiB payloads, and the host's
# peak RSS stays within 16 MiB while streaming (normal builds only:
# sanitizers reserve hundreds of MiB).
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
plugdir="$top_builddir/samples/plugins/base64/.libs"
pipeline="$top_srcdir/samples/pipelines/base64-roundtrip.xml"
pgpstep="$top_builddir/pgpstep"
fail=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

ok () { echo "ok - $1"; }
bad () { echo "FAIL - $1"; fail=1; }

[ -f "$plugdir/base64.so" ] || { echo "FAIL - $plugdir/base64.so not built"; exit 1; }

# Small payloads of every length modulo 3, and an empty one.
for n in 0 1 2 3 57 58 59 1000; do
  head -c "$n" /dev/urandom > "$tmp/in"
  if "$pgpstep" --plugin-dir "$plugdir" run "$pipeline" -i "$tmp/in" \
       -o "$tmp/out" 2>"$tmp/err" && base64 "$tmp/in" | cmp -s - "$tmp/out"
  then ok "round trip of $n bytes equals coreutils base64"
  else bad "round trip of $n bytes"; cat "$tmp/err"
  fi
  rm -f "$tmp/out"
done

# Decoding garbage fails with exit 41 and leaves no output.
printf 'not*base64\n' > "$tmp/bad"
cat > "$tmp/decode.xml" <<'XML'
<pipeline xmlns="urn:pgpstep:pipeline:1">
  <step type="base64" id="dec"><mode>decode</mode></step>
</pipeline>
XML
"$pgpstep" --plugin-dir "$plugdir" run "$tmp/decode.xml" -i "$tmp/bad" \
  -o "$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 41 ] && grep -q "step 'dec'" "$tmp/err" \
   && grep -q "unexpected byte 0x2a at offset 3" "$tmp/err" \
   && [ ! -e "$tmp/out" ]
then ok "invalid base64 input exits 41 naming step and offset, no output"
else bad "invalid base64 input (rc=$rc)"; cat "$tmp/err"
fi

# 256 MiB through encode -> decode -> encode.
size=268435456
[ "${PGPSTEP_TEST_SANITIZERS:-no}" = yes ] && size=16777216
head -c "$size" /dev/urandom > "$tmp/big"
base64 "$tmp/big" > "$tmp/expected"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f '%M' -o "$tmp/rss" "$pgpstep" --plugin-dir "$plugdir" \
    run "$pipeline" -i "$tmp/big" -o "$tmp/out" 2>"$tmp/err"
else
  echo "FAIL - /usr/bin/time missing (install the 'time' package)"; exit 1
fi
rc=$?
if [ $rc -eq 0 ] && cmp -s "$tmp/expected" "$tmp/out"; then
  ok "$size bytes stream through 3 steps with exact output"
else
  bad "$size bytes through 3 steps (rc=$rc)"; cat "$tmp/err"
fi
rss=$(tail -n 1 "$tmp/rss")
if [ "${PGPSTEP_TEST_SANITIZERS:-no}" = yes ]; then
  echo "skip - peak RSS bound (sanitizer build; measured ${rss} KiB)"
elif [ "$rss" -le 16384 ]; then
  ok "host peak RSS ${rss} KiB <= 16384 KiB for a $size-byte payload"
else
  bad "host peak RSS ${rss} KiB exceeds 16384 KiB"
fi
exit $fail
