#!/bin/sh
# t-decrypt.sh - the decrypt step end to end: the host's runtime homes
# (bob's protected key unlocked at load), exit codes 0/3/29/41/67, and
# no output left behind after a failure (neither -o FILE nor stdout).

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

K="$top_srcdir/tests/data/gpg/keys"
M="$top_srcdir/tests/data/gpg/messages"
INVOICE="$M/invoice.xml"
DEC_DIR="$top_builddir/plugins/decrypt/.libs"
ENC_DIR="$top_builddir/plugins/encrypt/.libs"
TEST_DIR="$top_builddir/tests/plugins/.libs"

ALICE=015ABD50EB712E873C6BB2B009037A2EDFD86C9F
BOB=37213D1976A23E2625719E022975619AFF1CDD85
CAROL=2CD7BF5B19080ACFDAD9A97A0EA17B0BD56D690F

[ -x "$PGPSTEP" ] || hard_error "no program at $PGPSTEP"
[ -f "$DEC_DIR/decrypt.so" ] || hard_error "no plugin at $DEC_DIR"

# Secrets come from the environment (env:NAME) in these tests.
BOB_PW="bob passphrase"
PW="correct horse"
WRONG_PW="wrong horse"
LEGACY_PW="x"
export BOB_PW PW WRONG_PW LEGACY_PW

ours="<keyring name=\"ours\" public=\"$K/alice.pub.asc\" secret=\"$K/alice.sec.asc\"/>"
bob="<keyring name=\"bob\" public=\"$K/bob.pub.asc\" secret=\"$K/bob.sec.asc\" passphrase=\"env:BOB_PW\"/>"
bobpub="<keyring name=\"bobpub\" public=\"$K/bob.pub.asc\"/>"
carol="<keyring name=\"carol\" public=\"$K/carol.pub.asc\" secret=\"$K/carol.sec.asc\"/>"

# dec ARGS...: run with the decrypt plugin and the test steps.
dec ()
{
  "$PGPSTEP" --plugin-dir "$DEC_DIR" --plugin-dir "$TEST_DIR" "$@" \
    >"$D/stdout" 2>"$D/stderr"
  rc=$?
}

# The decrypt step's tags:
#   pipeline "$D/p.xml" KEYRINGS... "$S" PARAMS... "$E"
S='<step type="decrypt" id="in">'
E='</step>'

# refused CODE TEXT MESSAGE: run MESSAGE into -o, expect CODE, TEXT on
# stderr, and no output file (nor a temporary one) in $D/out.
refused ()
{
  mkdir "$D/out"
  dec run "$D/p.xml" -i "$3" -o "$D/out/plain" --headers-out "$D/out/h.json"
  assert_exit "$1"
  assert_contains "$D/stderr" "$2"
  assert_dir_holds "$D/out"
  assert_empty "$D/stdout"
}

t_alice_binary_armored_stdin ()
{
  pipeline "$D/p.xml" "$ours" "$S" '<keyring>ours</keyring>' "$E"
  dec run "$D/p.xml" -i "$M/gpg-enc-to-alice.gpg" -o "$D/plain" \
    --headers-out "$D/h.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/plain"
  assert_contains "$D/h.json" '"pgp.literal.filename": "invoice.xml"'
  assert_contains "$D/h.json" '"pgp.recipients": "CE550E566E04080B"'
  assert_contains "$D/h.json" '"pgp.signature.status": "none"'
  "$PGPSTEP" --plugin-dir "$DEC_DIR" run "$D/p.xml" \
    <"$M/gpg-enc-to-alice.asc" >"$D/stdout.plain" 2>"$D/stderr"
  rc=$?
  assert_exit 0
  assert_same "$INVOICE" "$D/stdout.plain"
}

t_bob_protected_key_and_signature ()
{
  pipeline "$D/p.xml" "$ours" "$bob" "$S" '<keyring>ours</keyring>' \
    '<keyring>bob</keyring>' "<allowed-signer>$BOB</allowed-signer>" "$E"
  dec run "$D/p.xml" -i "$M/gpg-bob-signed-enc-to-alice.gpg" \
    -o "$D/plain" --headers-out "$D/h.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/plain"
  assert_contains "$D/h.json" "\"pgp.signature.fingerprint\": \"$BOB\""
  assert_contains "$D/h.json" '"pgp.signature.status": "valid"'
  pipeline "$D/p.xml" "$bob" "$S" '<keyring>bob</keyring>' "$E"
  dec run "$D/p.xml" -i "$M/gpg-enc-to-bob.gpg" -o "$D/plain2"
  assert_exit 0
  assert_same "$INVOICE" "$D/plain2"
}

t_then_another_step ()
{
  # Not the last step: the plaintext goes through the host's spool.
  pipeline "$D/p.xml" "$ours" '<step type="decrypt" id="in">' \
    '<keyring>ours</keyring></step>' '<step type="cat" id="next"/>'
  dec run "$D/p.xml" -i "$M/gpg-enc-to-alice.gpg" -o "$D/plain"
  assert_exit 0
  assert_same "$INVOICE" "$D/plain"
  mkdir "$D/out"
  dec run "$D/p.xml" -i "$M/tampered-enc-to-alice.gpg" -o "$D/out/plain"
  assert_exit 41
  assert_dir_holds "$D/out"
}

t_bad_data_41 ()
{
  pipeline "$D/p.xml" "$ours" "$S" '<keyring>ours</keyring>' "$E"
  refused 41 "integrity check failed" "$M/tampered-enc-to-alice.gpg"
  rm -rf "$D/out"
  refused 41 "corrupt, truncated or was altered" \
    "$M/tampered-body-enc-to-alice.gpg"
  rm -rf "$D/out"
  refused 41 "truncated" "$M/truncated-enc-to-alice.gpg"
  rm -rf "$D/out"
  refused 41 "not OpenPGP data" "$INVOICE"
  rm -rf "$D/out"
  refused 41 "the input is empty" /dev/null
}

t_stdout_gets_nothing_on_failure ()
{
  pipeline "$D/p.xml" "$ours" "$S" '<keyring>ours</keyring>' "$E"
  "$PGPSTEP" --plugin-dir "$DEC_DIR" run "$D/p.xml" \
    <"$M/tampered-enc-to-alice.gpg" >"$D/stdout" 2>"$D/stderr"
  rc=$?
  assert_exit 41
  assert_empty "$D/stdout"
}

t_legacy_sed ()
{
  pipeline "$D/p.xml" "$S" '<password>env:LEGACY_PW</password>' "$E"
  refused 41 "allow-legacy-no-mdc" "$M/gen-legacy-sed-cast5.gpg"
  pipeline "$D/p.xml" "$S" '<password>env:LEGACY_PW</password>' \
    '<allow-legacy-no-mdc>true</allow-legacy-no-mdc>' "$E"
  dec run "$D/p.xml" -i "$M/gen-legacy-sed-cast5.gpg" -o "$D/plain"
  assert_exit 0
  assert_same "$INVOICE" "$D/plain"
}

t_cannot_decrypt_29 ()
{
  pipeline "$D/p.xml" "$carol" "$S" '<keyring>carol</keyring>' "$E"
  refused 29 "no secret key for this message (encrypted to 0xCE550E566E04080B;\
 keyring carol holds 0x" \
    "$M/gpg-enc-to-alice.gpg"
  pipeline "$D/p.xml" "$S" '<password>env:WRONG_PW</password>' "$E"
  rm -rf "$D/out"
  refused 29 "wrong password" "$M/gpg-symmetric-correct-horse.gpg"
}

t_password ()
{
  # No keyring: the host's empty runtime home, gone at exit with any
  # agent gpg started there.
  mkdir -m 700 "$D/rt"
  pipeline "$D/p.xml" "$S" '<password>env:PW</password>' "$E"
  PGPSTEP_RUNTIME_DIR="$D/rt" \
    dec run "$D/p.xml" -i "$M/gpg-symmetric-correct-horse.gpg" -o "$D/plain"
  assert_exit 0
  assert_same "$INVOICE" "$D/plain"
  if pgrep -f "$D/rt" >/dev/null; then
    fail "processes of the run survive: $(pgrep -a -f "$D/rt")"
  fi
  assert_dir_holds "$D/rt"
}

t_no_password_67 ()
{
  pipeline "$D/p.xml" "$ours" "$S" '<keyring>ours</keyring>' "$E"
  refused 67 "password-encrypted and the step has no password" \
    "$M/gpg-symmetric-correct-horse.gpg"
}

t_signature_policy_3 ()
{
  pipeline "$D/p.xml" "$ours" "$S" '<keyring>ours</keyring>' \
    '<signatures>required</signatures>' "$E"
  refused 3 "not signed" "$M/gpg-enc-to-alice.gpg"
  pipeline "$D/p.xml" "$ours" "$bobpub" "$S" '<keyring>ours</keyring>' \
    '<keyring>bobpub</keyring>' '<signatures>none</signatures>' "$E"
  rm -rf "$D/out"
  refused 3 "signatures=none" "$M/gpg-bob-signed-enc-to-alice.gpg"
  pipeline "$D/p.xml" "$ours" "$bobpub" "$S" '<keyring>ours</keyring>' \
    '<keyring>bobpub</keyring>' "<allowed-signer>$ALICE</allowed-signer>" \
    "$E"
  rm -rf "$D/out"
  refused 3 "$BOB (Bob Example <bob@example.org>): not-allowed" \
    "$M/gpg-bob-signed-enc-to-alice.gpg"
  # Without bob's certificate the signature cannot be checked.
  pipeline "$D/p.xml" "$ours" "$S" '<keyring>ours</keyring>' "$E"
  rm -rf "$D/out"
  refused 3 "unknown-key" "$M/gpg-bob-signed-enc-to-alice.gpg"
}

t_load_errors ()
{
  pipeline "$D/p.xml" "$ours" "$S" '<keyring>ours</keyring>' \
    '<output>unwrapped</output>' '<signatures>required</signatures>' \
    "$E"
  dec validate "$D/p.xml"
  assert_exit 78
  assert_contains "$D/stderr" "output=unwrapped"
  pipeline "$D/p.xml" "$ours" "$S" '<keyring>ours</keyring>' \
    "<allowed-signer>$CAROL</allowed-signer>" "$E"
  dec validate "$D/p.xml"
  assert_exit 78
  assert_contains "$D/stderr" "allowed-signer 0x$CAROL is not a primary key"
}

t_hidden_recipients ()
{
  # gpg 2.2.40 exits 2 for the recipient whose (ECDH) PKESK is not the
  # first anonymous one, after a good decryption: decrypt still
  # releases the plaintext to each recipient, and only to them.
  random_file "$D/in" 300000
  pipeline "$D/e.xml" "$ours" "$carol" \
    '<step type="encrypt"><keyring>ours</keyring><keyring>carol</keyring>' \
    "  <recipient>$ALICE</recipient><recipient>$CAROL</recipient>" \
    '  <hidden-recipients>true</hidden-recipients></step>'
  "$PGPSTEP" --plugin-dir "$ENC_DIR" run "$D/e.xml" -i "$D/in" \
    -o "$D/msg.gpg" >"$D/stdout" 2>"$D/stderr"
  rc=$?
  assert_exit 0
  for _k in ours carol; do
    eval "_ring=\$$_k"
    pipeline "$D/p.xml" "$_ring" "$S" "<keyring>$_k</keyring>" "$E"
    dec run "$D/p.xml" -i "$D/msg.gpg" -o "$D/plain.$_k"
    assert_exit 0
    assert_same "$D/in" "$D/plain.$_k"
    "$PGPSTEP" --plugin-dir "$DEC_DIR" run "$D/p.xml" <"$D/msg.gpg" \
      >"$D/stdout.$_k" 2>"$D/stderr"
    rc=$?
    assert_exit 0
    assert_same "$D/in" "$D/stdout.$_k"
  done
  pipeline "$D/p.xml" "$bob" "$S" '<keyring>bob</keyring>' "$E"
  refused 29 "encrypted to hidden recipients; none of the keyrings' keys\
 decrypts it" "$D/msg.gpg"
}

run_case "alice: binary to a file, armored from stdin" \
  t_alice_binary_armored_stdin
run_case "bob's protected key, bob's signature allowed" \
  t_bob_protected_key_and_signature
run_case "decrypt before another step (spool)" t_then_another_step
run_case "bad data: 41, no output" t_bad_data_41
run_case "stdout gets nothing on failure" t_stdout_gets_nothing_on_failure
run_case "legacy SED refused unless allowed" t_legacy_sed
run_case "cannot decrypt: 29, no output" t_cannot_decrypt_29
run_case "password-encrypted message" t_password
run_case "no password: 67, no output" t_no_password_67
run_case "signature policy: 3, no output" t_signature_policy_3
run_case "configuration errors at load: 78" t_load_errors
run_case "hidden recipients: each decrypts, others get 29" \
  t_hidden_recipients
finish
