#!/bin/sh
# t-armor.sh - the armor step end to end: pgpstep run with plugins/armor
# in both modes (files and stdin/stdout, last step and followed by
# another), bytes checked against gpg --dearmor's, exit codes, error
# texts, --headers-out JSON, and nothing left behind after a failure.

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

K="$top_srcdir/tests/data/gpg/keys"
M="$top_srcdir/tests/data/gpg/messages"
BIN="$top_srcdir/tests/data/gpg/dearmor"
OWN="$top_srcdir/tests/data/armor"
ARM_DIR="$top_builddir/plugins/armor/.libs"
TEST_DIR="$top_builddir/tests/plugins/.libs"

[ -x "$PGPSTEP" ] || hard_error "no program at $PGPSTEP"
[ -f "$ARM_DIR/armor.so" ] || hard_error "no plugin at $ARM_DIR"
[ -f "$TEST_DIR/teststeps.so" ] || hard_error "no test plugin at $TEST_DIR"

# arm ARGS...: run with the armor plugin and the test steps.
arm ()
{
  "$PGPSTEP" --plugin-dir "$ARM_DIR" --plugin-dir "$TEST_DIR" "$@" \
    >"$D/stdout" 2>"$D/stderr"
  rc=$?
}

ARMOR='<step type="armor" id="arm"/>'
DEARMOR='<step type="armor" id="dea"><mode>dearmor</mode></step>'
CAT='<step type="cat" id="next"/>'

# refused CODE TEXT INPUT: run $D/p.xml on INPUT into -o, expect CODE,
# TEXT on stderr, no output (nor a temporary file) and no stdout.
refused ()
{
  rm -rf "$D/out"
  mkdir "$D/out"
  arm run "$D/p.xml" -i "$3" -o "$D/out/x" --headers-out "$D/out/h.json"
  assert_exit "$1"
  assert_contains "$D/stderr" "$2"
  assert_dir_holds "$D/out"
  assert_empty "$D/stdout"
  # The same on stdout: nothing is written.
  arm run "$D/p.xml" <"$3"
  assert_exit "$1"
  assert_empty "$D/stdout"
}

t_armor_labels_and_headers ()
{
  pipeline "$D/p.xml" "$ARMOR"
  for pair in "gpg-enc-to-alice.bin:MESSAGE:message" \
              "gpg-alice-detached.bin:SIGNATURE:signature" \
              "alice.pub.bin:PUBLIC KEY BLOCK:public-key" \
              "bob.sec.bin:PRIVATE KEY BLOCK:private-key"; do
    f=${pair%%:*}; rest=${pair#*:}; label=${rest%%:*}; type=${rest#*:}
    arm run "$D/p.xml" -i "$BIN/$f" -o "$D/$f.asc" --headers-out "$D/$f.json"
    assert_exit 0
    assert_contains "$D/$f.asc" "-----BEGIN PGP $label-----"
    assert_contains "$D/$f.asc" "-----END PGP $label-----"
    assert_contains "$D/$f.json" "\"pgp.armor.type\": \"$type\""
    assert_contains "$D/$f.json" '"pgp.armor.input": "binary"'
    gpg --batch --no-options --dearmor <"$D/$f.asc" >"$D/$f.gpg" 2>/dev/null \
      || fail "gpg --dearmor refused the armor of $f"
    assert_same "$BIN/$f" "$D/$f.gpg"
  done
}

t_dearmor_file_and_stdin ()
{
  pipeline "$D/p.xml" "$DEARMOR"
  arm run "$D/p.xml" -i "$M/gpg-enc-to-alice.asc" -o "$D/msg.bin" \
    --headers-out "$D/h.json"
  assert_exit 0
  assert_same "$BIN/gpg-enc-to-alice.bin" "$D/msg.bin"
  assert_contains "$D/h.json" '"pgp.armor.type": "message"'
  assert_contains "$D/h.json" '"pgp.armor.input": "armored"'
  assert_contains "$D/h.json" '"pgp.armor.checksum": "verified"'
  arm run "$D/p.xml" <"$K/carol.sec.asc"
  assert_exit 0
  assert_same "$BIN/carol.sec.bin" "$D/stdout"
}

t_idempotent_both_ways ()
{
  pipeline "$D/p.xml" "$ARMOR"
  arm run "$D/p.xml" -i "$K/alice.pub.asc" -o "$D/again.asc" \
    --headers-out "$D/h.json"
  assert_exit 0
  assert_same "$K/alice.pub.asc" "$D/again.asc"
  assert_contains "$D/h.json" '"pgp.armor.input": "armored"'
  pipeline "$D/p.xml" "$DEARMOR"
  arm run "$D/p.xml" -i "$BIN/alice.sec.bin" -o "$D/again.bin" \
    --headers-out "$D/h2.json"
  assert_exit 0
  assert_same "$BIN/alice.sec.bin" "$D/again.bin"
  assert_contains "$D/h2.json" '"pgp.armor.input": "binary"'
  assert_contains "$D/h2.json" '"pgp.armor.type": "private-key"'
}

t_armor_then_dearmor_large ()
{
  # Both modes in one pipeline, then another step: 3 MiB (not a multiple
  # of 3) of literal data survive unchanged; sqop reads our armor too.
  printf '\313\377\000\060\000\007b\000\000\000\000\000' >"$D/big.bin"
  head -c 3145729 /dev/urandom >>"$D/big.bin"
  pipeline "$D/p.xml" "$ARMOR" "$DEARMOR" "$CAT"
  arm run "$D/p.xml" -i "$D/big.bin" -o "$D/big.out"
  assert_exit 0
  assert_same "$D/big.bin" "$D/big.out"
  pipeline "$D/p.xml" "$ARMOR"
  arm run "$D/p.xml" -i "$D/big.bin" -o "$D/big.asc"
  assert_exit 0
  if command -v sqop >/dev/null 2>&1; then
    sqop dearmor <"$D/big.asc" >"$D/sqop.bin" || fail "sqop dearmor failed"
    assert_same "$D/big.bin" "$D/sqop.bin"
  fi
}

t_bad_armor_41_nothing_released ()
{
  # Followed by another step (the spool holds the decoded bytes back)
  # and as the last step.
  sed -e '/^=/s/^=./=A/' "$M/gpg-enc-to-alice.asc" >"$D/badcrc.asc"
  cmp -s "$D/badcrc.asc" "$M/gpg-enc-to-alice.asc" \
    && sed -i -e '/^=/s/^=./=B/' "$D/badcrc.asc"
  head -c 500 "$M/gpg-enc-to-alice.asc" >"$D/cut.asc"
  { sed -n 1,2p "$M/gpg-enc-to-alice.asc"
    sed -n 3,4p "$M/gpg-enc-to-alice.asc" | tr -d '\n'; echo
    sed -n '5,$p' "$M/gpg-enc-to-alice.asc"; } >"$D/long.asc"
  { printf '\001'; head -c 2000 /dev/urandom; } >"$D/garbage"
  : >"$D/empty"
  for steps in "$DEARMOR $CAT" "$DEARMOR"; do
    pipeline "$D/p.xml" "$steps"
    refused 41 "CRC-24 checksum mismatch" "$D/badcrc.asc"
    refused 41 "truncated armor" "$D/cut.asc"
    refused 41 "a line longer than 96 characters" "$D/long.asc"
    refused 41 "the input is empty" "$D/empty"
    refused 41 "cleartext-signed message" "$M/gpg-alice-clearsigned.asc"
    refused 41 "unknown label on the BEGIN line" "$OWN/gpg-enarmor.asc"
  done
  pipeline "$D/p.xml" "$DEARMOR"
  refused 41 "neither ASCII armor nor binary OpenPGP" "$D/garbage"
  pipeline "$D/p.xml" "$ARMOR"
  refused 41 "not OpenPGP data" "$M/invoice.xml"
  refused 41 "CRC-24 checksum mismatch" "$D/badcrc.asc"
  refused 41 "cleartext-signed message" "$M/sqop-carol-clearsigned.asc"
}

t_type_with_dearmor_refused_at_load ()
{
  pipeline "$D/p.xml" \
    '<step type="armor" id="dea"><mode>dearmor</mode><type>message</type></step>'
  arm run "$D/p.xml" -i "$M/gpg-enc-to-alice.asc" -o "$D/x"
  assert_exit 37
  assert_contains "$D/stderr" "p.xml:3: step 'dea': type message applies to mode armor only"
  assert_no_file "$D/x"
  pipeline "$D/p.xml" '<step type="armor"><type>sig</type></step>'
  arm validate "$D/p.xml"
  [ "$rc" = 0 ] && fail "an unknown type value was accepted"
}

t_constant_memory ()
{
  [ "${PGPSTEP_TEST_SANITIZERS:-no}" = yes ] \
    && { skip "memory bounds only in normal builds"; return; }
  [ -x /usr/bin/time ] || { skip "no /usr/bin/time"; return; }
  printf '\313\377\004\000\000\006b\000\000\000\000\000' >"$D/big.bin"
  head -c 67108864 /dev/urandom >>"$D/big.bin"
  pipeline "$D/p.xml" "$ARMOR"
  /usr/bin/time -f %M -o "$D/rss1" "$PGPSTEP" --plugin-dir "$ARM_DIR" \
    run "$D/p.xml" <"$D/big.bin" >"$D/big.asc" 2>"$D/stderr" \
    || fail "armor of 64 MiB failed"
  pipeline "$D/p.xml" "$DEARMOR"
  /usr/bin/time -f %M -o "$D/rss2" "$PGPSTEP" --plugin-dir "$ARM_DIR" \
    run "$D/p.xml" -i "$D/big.asc" -o "$D/big.out" 2>"$D/stderr" \
    || fail "dearmor of 64 MiB failed"
  assert_same "$D/big.bin" "$D/big.out"
  for f in "$D/rss1" "$D/rss2"; do
    kb=$(tail -n 1 "$f")
    [ "$kb" -lt 32768 ] || fail "peak RSS $kb KiB for 64 MiB (bound 32 MiB)"
  done
}

run_case "armor labels messages, signatures and keys; gpg reads it back" \
  t_armor_labels_and_headers
run_case "dearmor from a file and from stdin, with result headers" \
  t_dearmor_file_and_stdin
run_case "armor passes armor unchanged, dearmor passes binary unchanged" \
  t_idempotent_both_ways
run_case "armor then dearmor then another step keeps 3 MiB intact" \
  t_armor_then_dearmor_large
run_case "bad, cut, overlong, empty, cleartext and foreign armor exit 41 with nothing out" \
  t_bad_armor_41_nothing_released
run_case "a type with mode dearmor fails the load" \
  t_type_with_dearmor_refused_at_load
run_case "64 MiB armor and dearmor run in constant memory" \
  t_constant_memory
finish
