#!/bin/sh
# t-sign-pipelines.sh - the four PGP steps together, as partners use
# them across two runs:
#   sign(detached, output=payload) -> encrypt, the signature carried to
#   the other side with --save-header / --header-file, then
#   decrypt -> verify(detached, signature=${header.sig});
#   sign(inline) -> encrypt, then decrypt(output=unwrapped) ->
#   verify(inline), and the partner's plain gpg -d verifies too.
# Tampered signatures and foreign signers fail with 3 and no output.

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

K="$top_srcdir/tests/data/keys"
INVOICE="$top_srcdir/tests/data/gpg/messages/invoice.xml"
ALICE=015ABD50EB712E873C6BB2B009037A2EDFD86C9F
BOB=37213D1976A23E2625719E022975619AFF1CDD85

P=$(mktemp -d /tmp/psp2.XXXXXX) || exit 99
trap 'gpgconf --homedir "$P/g" --kill all 2>/dev/null; rm -rf "$T" "$P"' EXIT
mkdir -m 700 "$P/rt" "$P/secrets" "$P/g"
export PGPSTEP_RUNTIME_DIR="$P/rt"
printf 'bob passphrase' >"$P/secrets/bob"
chmod 600 "$P/secrets/bob"
# The partner (bob) with plain gpg.
gpg --homedir "$P/g" --batch -q --pinentry-mode loopback \
  --passphrase "bob passphrase" --import "$K/bob.sec.asc" \
  "$K/alice.pub.asc" 2>/dev/null || hard_error "cannot set up bob's gpg"

pgp ()
{
  _p=
  for _s in sign encrypt decrypt verify; do
    _p="$_p --plugin-dir $top_builddir/plugins/$_s/.libs"
  done
  # shellcheck disable=SC2086
  "$PGPSTEP" $_p --secrets "$P/secrets" "$@" >"$D/stdout" 2>"$D/stderr"
  rc=$?
}

ours='<keyring name="alice" secret="'"$K"'/alice.sec.asc"/>'
partner_pub='<keyring name="bob" public="'"$K"'/bob.pub.asc"/>'
partner_sec='<keyring name="bob" secret="'"$K"'/bob.sec.asc" passphrase="secret:bob"/>'
ours_pub='<keyring name="alice" public="'"$K"'/alice.pub.asc"/>'

t_detached_across_runs ()
{
  pipeline "$D/out.xml" "$ours" "$partner_pub" \
    "<step type=\"sign\" id=\"sig\"><keyring>alice</keyring><sign-with>$ALICE</sign-with><mode>detached</mode><output>payload</output></step>" \
    "<step type=\"encrypt\" id=\"enc\"><keyring>bob</keyring><recipient>$BOB</recipient></step>"
  pipeline "$D/in.xml" "$partner_sec" "$ours_pub" \
    '<step type="decrypt" id="dec"><keyring>bob</keyring><signatures>none</signatures></step>' \
    "<step type=\"verify\" id=\"ver\"><keyring>alice</keyring><allowed-signer>$ALICE</allowed-signer><mode>detached</mode><signature>\${header.sig}</signature></step>"
  pgp run "$D/out.xml" -i "$INVOICE" -o "$D/msg.gpg" \
    --save-header "pgp.signature=$D/invoice.sig"
  assert_exit 0
  assert_contains "$D/invoice.sig" "-----BEGIN PGP SIGNATURE-----"
  # The partner's gpg: the message decrypts to the invoice, and the
  # .sig verifies it.
  gpg --homedir "$P/g" --batch -q --pinentry-mode loopback \
    --passphrase "bob passphrase" -o "$D/g.out" -d "$D/msg.gpg" 2>/dev/null
  assert_same "$INVOICE" "$D/g.out"
  gpg --homedir "$P/g" --batch -q --verify "$D/invoice.sig" "$INVOICE" \
    2>/dev/null || fail "gpg does not verify the saved signature"

  pgp run "$D/in.xml" -i "$D/msg.gpg" -o "$D/invoice.xml" \
    --header-file "sig=$D/invoice.sig" --headers-out "$D/h.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/invoice.xml"
  assert_contains "$D/h.json" '"pgp.signature.status": "valid"'
  assert_contains "$D/h.json" "\"pgp.signature.fingerprint\": \"$ALICE\""

  # Another message's signature: 3, nothing written.
  printf 'other\n' >"$D/other"
  pgp run "$D/out.xml" -i "$D/other" -o "$D/other.gpg" \
    --save-header "pgp.signature=$D/other.sig"
  assert_exit 0
  pgp run "$D/in.xml" -i "$D/msg.gpg" -o "$D/bad.xml" \
    --header-file "sig=$D/other.sig"
  assert_exit 3
  assert_contains "$D/stderr" "bad"
  assert_no_file "$D/bad.xml"
  assert_dir_holds "$P/rt"
}

t_inline_unwrapped ()
{
  pipeline "$D/out.xml" "$ours" "$partner_pub" \
    "<step type=\"sign\"><keyring>alice</keyring><sign-with>$ALICE</sign-with></step>" \
    "<step type=\"encrypt\"><keyring>bob</keyring><recipient>$BOB</recipient></step>"
  pipeline "$D/in.xml" "$partner_sec" "$ours_pub" \
    '<step type="decrypt"><keyring>bob</keyring><output>unwrapped</output><signatures>ignore</signatures></step>' \
    "<step type=\"verify\"><keyring>alice</keyring><allowed-signer>$ALICE</allowed-signer></step>"
  pgp run "$D/out.xml" -i "$INVOICE" -o "$D/msg.gpg" --headers-out "$D/h1.json"
  assert_exit 0
  assert_contains "$D/h1.json" '"pgp.input": "openpgp"'
  # The partner's plain gpg -d verifies alice's signature inside.
  gpg --homedir "$P/g" --batch --status-fd 1 --pinentry-mode loopback \
    --passphrase "bob passphrase" -o "$D/g.out" -d "$D/msg.gpg" \
    >"$D/status" 2>/dev/null
  assert_contains "$D/status" "VALIDSIG $ALICE"
  assert_same "$INVOICE" "$D/g.out"

  pgp run "$D/in.xml" -i "$D/msg.gpg" -o "$D/invoice.xml" \
    --headers-out "$D/h2.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/invoice.xml"
  assert_contains "$D/h2.json" '"pgp.signature.status": "valid"'

  # Only bob may sign here: alice's signature is not allowed (3).
  pipeline "$D/in2.xml" "$partner_sec" "$ours_pub" \
    '<step type="decrypt"><keyring>bob</keyring><output>unwrapped</output><signatures>ignore</signatures></step>' \
    "<step type=\"verify\"><keyring>alice</keyring><keyring>bob</keyring><allowed-signer>$BOB</allowed-signer></step>"
  pgp run "$D/in2.xml" -i "$D/msg.gpg" -o "$D/no.xml"
  assert_exit 3
  assert_contains "$D/stderr" "not-allowed"
  assert_no_file "$D/no.xml"
  assert_dir_holds "$P/rt"
}

[ -f "$top_builddir/plugins/sign/.libs/sign.so" ] \
  || hard_error "no sign plugin built"
run_case "detached signature carried between runs: sign+encrypt, decrypt+verify" \
  t_detached_across_runs
run_case "inline: sign then encrypt; decrypt unwrapped then verify" \
  t_inline_unwrapped
finish
