#!/bin/sh
# t-no-secrets.sh - no secret and no payload byte outside the payload
# streams.  Every operation runs with a known key passphrase, a known
# password and a plaintext carrying a known marker, logging at the
# highest verbosity in both formats; while gpg runs (the input is held
# back) the argv and environment of every process of the run are read.
# None of the three strings may appear in the log, the result headers,
# a file name under the runtime, spool or output directories, or any
# child's argv or environment.

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

K="$top_srcdir/tests/data/keys"
ALICE=015ABD50EB712E873C6BB2B009037A2EDFD86C9F
BOB=37213D1976A23E2625719E022975619AFF1CDD85
PASS="bob passphrase"
PASSWORD="pw-Zebra-7731-horse"
MARKER="PLAINTEXT-MARKER-4242"

W=$(mktemp -d /tmp/pns.XXXXXX) || exit 99
trap 'rm -rf "$T" "$W"' EXIT
mkdir -m 700 "$W/rt" "$W/spool" "$W/secrets"
export PGPSTEP_RUNTIME_DIR="$W/rt" TMPDIR="$W/spool"
printf '%s' "$PASS" >"$W/secrets/bob"
printf '%s' "$PASSWORD" >"$W/secrets/pw"
chmod 600 "$W/secrets/bob" "$W/secrets/pw"

run_pgp ()
{
  # run_pgp FORMAT ARGS...: pgpstep at full verbosity, stdin held back
  # until $D/go exists, so that the processes can be inspected.
  _fmt=$1
  shift
  mkfifo "$D/fifo"
  { cat "$D/in"; while [ ! -e "$D/go" ]; do sleep 0.05; done; } >"$D/fifo" &
  _feeder=$!
  "$PGPSTEP" --plugin-dir "$top_builddir/plugins/encrypt/.libs" \
    --plugin-dir "$top_builddir/plugins/decrypt/.libs" \
    --secrets "$W/secrets" -vvv --log-format "$_fmt" "$@" \
    <"$D/fifo" >"$D/stdout" 2>>"$D/log" &
  _pid=$!
  # Let gpg start, then read every process that belongs to the run.
  sleep 1
  for _p in /proc/[0-9]*; do
    { tr '\0' '\n' <"$_p/cmdline"; } 2>/dev/null | grep -q -e "$W" \
      || continue
    { tr '\0' '\n' <"$_p/cmdline"; echo; tr '\0' '\n' <"$_p/environ"; } \
      >>"$D/procs" 2>/dev/null
  done
  touch "$D/go"
  wait "$_pid"
  rc=$?
  wait "$_feeder" 2>/dev/null
  rm -f "$D/fifo" "$D/go"
  find "$W/rt" "$W/spool" "$D" -print >>"$D/names"
}

assert_clean ()
{
  for _s in "$PASS" "$PASSWORD" "$MARKER"; do
    for _f in "$D/log" "$D/procs" "$D/names" "$D"/h*.json; do
      [ -f "$_f" ] || continue
      grep -q -F -e "$_s" "$_f" && fail "'$_s' found in ${_f##*/}"
    done
  done
  [ -s "$D/procs" ] || fail "no process of the run was seen"
  grep -q '"outcome"' "$D/log" || fail "no structured outcome logged"
}

t_every_operation_keeps_secrets ()
{
  { echo "<invoice>$MARKER</invoice>"; head -c 100000 /dev/zero | tr '\0' x; } \
    >"$D/in"
  pipeline "$D/enc.xml" \
    "<keyring name=\"b\" secret=\"$K/bob.sec.asc\" passphrase=\"secret:bob\"/>" \
    "<step type=\"encrypt\"><keyring>b</keyring><recipient>$BOB</recipient><sign-with>$BOB</sign-with><password>secret:pw</password><armor>true</armor></step>"
  pipeline "$D/dec.xml" \
    "<keyring name=\"b\" secret=\"$K/bob.sec.asc\" passphrase=\"secret:bob\"/>" \
    "<step type=\"decrypt\"><keyring>b</keyring><allowed-signer>$BOB</allowed-signer></step>"
  pipeline "$D/pw.xml" \
    '<step type="decrypt"><password>secret:pw</password><signatures>ignore</signatures></step>'

  run_pgp json run "$D/enc.xml" -o "$D/msg.asc" --headers-out "$D/h1.json"
  assert_exit 0
  cp "$D/msg.asc" "$D/in"
  run_pgp text run "$D/dec.xml" -o "$D/out1" --headers-out "$D/h2.json"
  assert_exit 0
  run_pgp json run "$D/pw.xml" -o "$D/out2" --headers-out "$D/h3.json"
  assert_exit 0
  grep -q "$MARKER" "$D/out1" || fail "the marker did not come through"
  cmp -s "$D/out1" "$D/out2" || fail "password and key decrypts differ"
  # The payload files themselves are where the marker belongs.
  rm -f "$D/in" "$D/out1" "$D/out2" "$D/msg.asc"
  assert_clean
  assert_dir_holds "$W/rt"
}

[ -f "$top_builddir/plugins/encrypt/.libs/encrypt.so" ] \
  || hard_error "no encrypt plugin built"
run_case "sign+encrypt+password, decrypt by key and by password: no secret or payload outside the streams" \
  t_every_operation_keeps_secrets
finish
