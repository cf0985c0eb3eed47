#!/bin/sh
# t-verify.sh - the verify step end to end: inline and detached
# (a header from --header-file, and file:PATH), exit codes 0/3/37/41,
# the signed data released byte for byte, the signature headers, and
# no output left behind after a failure.

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

K="$top_srcdir/tests/data/gpg/keys"
M="$top_srcdir/tests/data/gpg/messages"
INVOICE="$M/invoice.xml"
VER_DIR="$top_builddir/plugins/verify/.libs"

ALICE=015ABD50EB712E873C6BB2B009037A2EDFD86C9F
CAROL=2CD7BF5B19080ACFDAD9A97A0EA17B0BD56D690F

[ -x "$PGPSTEP" ] || hard_error "no program at $PGPSTEP"
[ -f "$VER_DIR/verify.so" ] || hard_error "no plugin at $VER_DIR"

certs="<keyring name=\"certs\" public=\"$K/alice.pub.asc\"/>"
carol="<keyring name=\"carol\" public=\"$K/carol.pub.asc\"/>"
S='<step type="verify" id="v">'
E='</step>'

ver ()
{
  "$PGPSTEP" --plugin-dir "$VER_DIR" "$@" >"$D/stdout" 2>"$D/stderr"
  rc=$?
}

# refused CODE TEXT ARGS...: expect CODE, TEXT on stderr and no output
# file (nor a temporary one) in $D/out.
refused ()
{
  _code=$1 _text=$2
  shift 2
  mkdir "$D/out"
  ver ${VV:+-vv} run "$D/p.xml" -o "$D/out/data" "$@"
  assert_exit "$_code"
  assert_contains "$D/stderr" "$_text"
  assert_dir_holds "$D/out"
  assert_empty "$D/stdout"
}

t_inline_binary_cleartext_sequoia ()
{
  pipeline "$D/p.xml" "$certs" "$carol" "$S" '<keyring>certs</keyring>' \
    '<keyring>carol</keyring>' "$E"
  for m in gpg-alice-signed.gpg gpg-alice-clearsigned.asc \
           sqop-carol-inline-signed.asc sqop-carol-clearsigned.asc; do
    rm -f "$D/data" "$D/h.json"
    ver run "$D/p.xml" -i "$M/$m" -o "$D/data" --headers-out "$D/h.json"
    assert_exit 0
    assert_same "$INVOICE" "$D/data"
    assert_contains "$D/h.json" '"pgp.signature.status": "valid"'
  done
  assert_contains "$D/h.json" "\"pgp.signature.fingerprint\": \"$CAROL\""
  # stdin to stdout.
  "$PGPSTEP" --plugin-dir "$VER_DIR" run "$D/p.xml" \
    <"$M/gpg-alice-signed.gpg" >"$D/stdout.data" 2>"$D/stderr"
  rc=$?
  assert_exit 0
  assert_same "$INVOICE" "$D/stdout.data"
}

t_detached_header_armored_and_base64 ()
{
  pipeline "$D/p.xml" "$certs" "$S" '<keyring>certs</keyring>' \
    '<mode>detached</mode>' '<signature>${header.sig}</signature>' "$E"
  ver run "$D/p.xml" -i "$INVOICE" -o "$D/data" --headers-out "$D/h.json" \
    --header-file sig="$M/gpg-alice-detached.asc"
  assert_exit 0
  assert_same "$INVOICE" "$D/data"
  assert_contains "$D/h.json" '"pgp.signature.status": "valid"'
  assert_contains "$D/h.json" "\"pgp.signature.fingerprint\": \"$ALICE\""
  assert_contains "$D/h.json" '"pgp.signature.digest": "SHA256"'
  assert_contains "$D/h.json" '"pgp.signature.created": "2026-11-26T15:43:06Z"'
  base64 -w0 "$M/gen-good-unknown-detached.sig" >"$D/sig.b64"
  rm -f "$D/data" "$D/h.json"
  ver run "$D/p.xml" -i "$INVOICE" -o "$D/data" --headers-out "$D/h.json" \
    --header-file sig="$D/sig.b64"
  assert_exit 0
  assert_same "$INVOICE" "$D/data"
  assert_contains "$D/h.json" 'unknown-key'
}

t_detached_file_signature_large_data ()
{
  random_file "$D/big" 3000000
  H=$(mktemp -d /tmp/t-vcli.XXXXXX) || hard_error "mktemp"
  gpg --homedir "$H" --batch -q --no-options --import "$K/alice.sec.asc" \
    2>/dev/null
  gpg --homedir "$H" --batch -q --no-options -u "$ALICE" -b \
    -o "$D/big.sig" "$D/big" 2>/dev/null
  gpgconf --homedir "$H" --kill all
  rm -rf "$H"
  pipeline "$D/p.xml" "$certs" "$S" '<keyring>certs</keyring>' \
    '<mode>detached</mode>' "<signature>file:$D/big.sig</signature>" "$E"
  ver run "$D/p.xml" -o "$D/data" <"$D/big"
  assert_exit 0
  assert_same "$D/big" "$D/data"
}

# big_signed FILE BYTES: random data and its detached signature by
# alice in FILE.sig.
big_signed ()
{
  random_file "$1" "$2"
  H=$(mktemp -d /tmp/t-vcli.XXXXXX) || hard_error "mktemp"
  gpg --homedir "$H" --batch -q --no-options --import "$K/alice.sec.asc" \
    2>/dev/null
  gpg --homedir "$H" --batch -q --no-options -u "$ALICE" -b \
    -o "$1.sig" "$1" 2>/dev/null
  gpgconf --homedir "$H" --kill all
  rm -rf "$H"
}

FAST='detached: the input file is spliced to gpg'

t_detached_regular_file_direct_same_as_pipe ()
{
  big_signed "$D/big" 3145728
  pipeline "$D/p.xml" "$certs" "$S" '<keyring>certs</keyring>' \
    "<allowed-signer>$ALICE</allowed-signer>" \
    '<mode>detached</mode>' "<signature>file:$D/big.sig</signature>" "$E"
  ver -vv run "$D/p.xml" -i "$D/big" -o "$D/data" --headers-out "$D/h1.json"
  assert_exit 0
  assert_same "$D/big" "$D/data"
  assert_contains "$D/stderr" "$FAST from offset 0"
  assert_contains "$D/h1.json" '"pgp.signature.status": "valid"'
  # A pipe takes the feed path: same bytes, same headers.
  cat "$D/big" | "$PGPSTEP" --plugin-dir "$VER_DIR" -vv run "$D/p.xml" \
    -o "$D/data2" --headers-out "$D/h2.json" >"$D/stdout" 2>"$D/stderr"
  rc=$?
  assert_exit 0
  assert_same "$D/big" "$D/data2"
  assert_not_contains "$D/stderr" "$FAST"
  assert_same "$D/h1.json" "$D/h2.json"
}

t_detached_regular_file_tampered_or_not_allowed_exit_3 ()
{
  big_signed "$D/big" 3145728
  cp "$D/big" "$D/bad"
  printf 'X' | dd of="$D/bad" bs=1 seek=2000000 conv=notrunc 2>/dev/null
  pipeline "$D/p.xml" "$certs" "$S" '<keyring>certs</keyring>' \
    '<mode>detached</mode>' "<signature>file:$D/big.sig</signature>" "$E"
  VV=1 refused 3 "signature 1 by 0x09037A2EDFD86C9F" -i "$D/bad"
  assert_contains "$D/stderr" "$FAST"
  head -c 3000000 "$D/big" >"$D/short"
  rm -rf "$D/out"
  refused 3 "signature 1 by 0x09037A2EDFD86C9F" -i "$D/short"
  pipeline "$D/p.xml" "$certs" "$carol" "$S" '<keyring>certs</keyring>' \
    '<keyring>carol</keyring>' "<allowed-signer>$CAROL</allowed-signer>" \
    '<mode>detached</mode>' "<signature>file:$D/big.sig</signature>" "$E"
  rm -rf "$D/out"
  VV=1 refused 3 "not-allowed" -i "$D/big"
  assert_contains "$D/stderr" "$FAST"
}

t_detached_stdin_file_at_offset_verifies_the_rest ()
{
  big_signed "$D/tail" 1048576
  { head -c 4096 /dev/zero; cat "$D/tail"; } >"$D/whole"
  pipeline "$D/p.xml" "$certs" "$S" '<keyring>certs</keyring>' \
    '<mode>detached</mode>' "<signature>file:$D/tail.sig</signature>" "$E"
  # dd reads exactly 4096 bytes of the file that is stdin.
  { dd bs=4096 count=1 of=/dev/null 2>/dev/null
    "$PGPSTEP" --plugin-dir "$VER_DIR" -vv run "$D/p.xml" -o "$D/data" \
      >"$D/stdout" 2>"$D/stderr"; } <"$D/whole"
  rc=$?
  assert_exit 0
  assert_same "$D/tail" "$D/data"
  assert_contains "$D/stderr" "$FAST from offset 4096"
}

t_bad_signature_exit_3_nothing_released ()
{
  pipeline "$D/p.xml" "$certs" "$S" '<keyring>certs</keyring>' \
    '<mode>detached</mode>' '<signature>${header.sig}</signature>' "$E"
  { cat "$INVOICE"; echo x; } >"$D/modified"
  refused 3 "signature 1 by 0x09037A2EDFD86C9F" -i "$D/modified" \
    --header-file sig="$M/gpg-alice-detached.asc"
  pipeline "$D/p.xml" "$certs" "$S" '<keyring>certs</keyring>' "$E"
  rm -rf "$D/out"
  refused 3 "bad (the data or the signature was altered)" \
    -i "$M/gen-alice-signed-z0-tampered.gpg"
}

t_not_allowed_unknown_key_exit_3 ()
{
  pipeline "$D/p.xml" "$certs" "$carol" "$S" '<keyring>certs</keyring>' \
    '<keyring>carol</keyring>' "<allowed-signer>$CAROL</allowed-signer>" "$E"
  refused 3 "not-allowed" -i "$M/gpg-alice-signed.gpg"
  pipeline "$D/p.xml" "$certs" "$S" '<keyring>certs</keyring>' "$E"
  rm -rf "$D/out"
  refused 3 "unknown-key" -i "$M/sqop-carol-inline-signed.asc"
}

t_garbage_and_header_file_refused ()
{
  pipeline "$D/p.xml" "$certs" "$S" '<keyring>certs</keyring>' "$E"
  refused 41 "not OpenPGP" -i "$INVOICE"
  pipeline "$D/p.xml" "$certs" "$S" '<keyring>certs</keyring>' \
    '<mode>detached</mode>' '<signature>${header.sig}</signature>' "$E"
  printf 'file:%s' "$M/gpg-alice-detached.asc" >"$D/value"
  rm -rf "$D/out"
  refused 37 "not a file: path" -i "$INVOICE" --header-file sig="$D/value"
  rm -rf "$D/out"
  refused 41 "not a PGP SIGNATURE" -i "$INVOICE" \
    --header-file sig="$K/alice.pub.asc"
}

run_case "inline: gpg, cleartext and Sequoia messages release the invoice" \
  t_inline_binary_cleartext_sequoia
run_case "detached: armored and base64 signatures from a header" \
  t_detached_header_armored_and_base64
run_case "detached: file:PATH signature over 3 MB from stdin" \
  t_detached_file_signature_large_data
run_case "detached: regular file read by gpg itself, same bytes and headers as a pipe" \
  t_detached_regular_file_direct_same_as_pipe
run_case "detached: regular file altered, cut or signer not allowed: exit 3, nothing written" \
  t_detached_regular_file_tampered_or_not_allowed_exit_3
run_case "detached: stdin file at a non-zero offset verifies the rest" \
  t_detached_stdin_file_at_offset_verifies_the_rest
run_case "altered data or message: exit 3, nothing written" \
  t_bad_signature_exit_3_nothing_released
run_case "signer not allowed or unknown: exit 3" \
  t_not_allowed_unknown_key_exit_3
run_case "garbage input 41, header file: 37, key as signature 41" \
  t_garbage_and_header_file_refused
finish
