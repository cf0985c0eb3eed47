#!/bin/sh
# t-sign.sh - the sign step end to end: descriptors with <keyring
# secret=... passphrase=...>, the host's runtime homes, and the
# partner's gpg verifying what pgpstep wrote, in every mode.

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

PLUGIN_DIR="$top_builddir/plugins/sign/.libs"
K="$top_srcdir/tests/data/gpg/keys"
INVOICE="$top_srcdir/tests/data/gpgrun/invoice.xml"

ALICE=015ABD50EB712E873C6BB2B009037A2EDFD86C9F
BOB=37213D1976A23E2625719E022975619AFF1CDD85
EXPIRED=F241EF2770F4467D1CCFCB34757CB89B53BE88F2
REVOKED=A6868A22AC315F24D8571D9CDD0A15B96E001FA3

# bob's key is protected: the host checks the passphrase at load.
T_SIGN_BOB_PASS="bob passphrase"
export T_SIGN_BOB_PASS

# The partner's home: the certificates of alice and bob.  Short path:
# the agent socket must fit.
P=$(mktemp -d /tmp/pst-cli.XXXXXX) || exit 99
stop_agents ()
{
  gpgconf --homedir "$P/partner" --kill all 2>/dev/null
  # gpgconf returns before the agent is gone.
  _n=0
  while [ -e "$P/partner/S.gpg-agent" ] && [ $_n -lt 500 ]; do
    sleep 0.01
    _n=$((_n + 1))
  done
}
trap 'stop_agents; rm -rf "$T" "$P"' EXIT

mkdir -m 700 "$P/partner" || hard_error "cannot create a home"
gpg --homedir "$P/partner" --batch --quiet --import "$K/alice.pub.asc" \
  "$K/bob.pub.asc" 2>/dev/null || hard_error "cannot import certificates"

[ -x "$PGPSTEP" ] || hard_error "no program at $PGPSTEP"
[ -f "$PLUGIN_DIR/sign.so" ] || hard_error "no plugin at $PLUGIN_DIR"

# partner_verify FILE [DATA]: gpg --verify (inline when no DATA; the
# signed data goes to $D/dec); status lines in $D/status, exit in $grc.
partner_verify ()
{
  if [ $# -eq 1 ]; then
    gpg --homedir "$P/partner" --batch --no-options --status-fd 3 \
      -o "$D/dec" --yes -d "$1" 3>"$D/status" 2>"$D/gpgerr"
  else
    gpg --homedir "$P/partner" --batch --no-options --status-fd 3 \
      --verify "$1" "$2" 3>"$D/status" 2>"$D/gpgerr"
  fi
  grc=$?
}

# assert_signed_by FPR...: every FPR made a good signature.
assert_signed_by ()
{
  [ "$grc" = 0 ] || { fail "partner's gpg exited $grc"; show_file "$D/gpgerr"; }
  for _f in "$@"; do
    assert_contains "$D/status" "VALIDSIG $_f "
  done
}

ours="<keyring name=\"ours\" secret=\"$K/alice.sec.asc\"/>"
bobs="<keyring name=\"bobs\" secret=\"$K/bob.sec.asc\" passphrase=\"env:T_SIGN_BOB_PASS\"/>"
bad="<keyring name=\"bad\" secret=\"$K/expired.sec.asc\"/>"
bad2="<keyring name=\"bad2\" secret=\"$K/revoked.sec.asc\"/>"

# sign_pipeline STEP-ELEMENTS...: alice and bob sign with these extra
# parameters.
sign_pipeline ()
{
  pipeline "$D/p.xml" "$ours" "$bobs" \
    '<step type="sign" id="sig">' \
    '  <keyring>ours</keyring> <keyring>bobs</keyring>' \
    '  <sign-with>&lt;alice@example.org&gt;</sign-with>' \
    "  <sign-with>$BOB</sign-with>" \
    "$@" \
    '</step>'
}

t_inline_armor ()
{
  sign_pipeline '<armor>true</armor> <digest>SHA384</digest>'
  cli run "$D/p.xml" -i "$INVOICE" -o "$D/out.asc" --headers-out "$D/h.json"
  assert_exit 0
  assert_contains "$D/out.asc" "-----BEGIN PGP MESSAGE-----"
  assert_contains "$D/h.json" "\"pgp.signers\": \"$ALICE,$BOB\""
  assert_contains "$D/h.json" '"pgp.signature.digest": "SHA384"'
  assert_matches "$D/h.json" \
    '"pgp.signature.created": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z"'
  assert_not_contains "$D/h.json" '"pgp.signature":'
  partner_verify "$D/out.asc"
  assert_signed_by "$ALICE" "$BOB"
  assert_same "$INVOICE" "$D/dec"
}

t_inline_binary_stdin ()
{
  random_file "$D/in" 3000000
  sign_pipeline '<text>false</text>'
  cli run "$D/p.xml" <"$D/in"
  assert_exit 0
  partner_verify "$D/stdout"
  assert_signed_by "$ALICE" "$BOB"
  assert_same "$D/in" "$D/dec"
}

t_cleartext ()
{
  printf 'Dear partner,  \r\n- the invoice follows\nregards' >"$D/in.txt"
  printf 'Dear partner,\r\n- the invoice follows\nregards\n' >"$D/expect"
  sign_pipeline '<mode>cleartext</mode>'
  cli run "$D/p.xml" -i "$D/in.txt" -o "$D/out.asc"
  assert_exit 0
  assert_contains "$D/out.asc" "-----BEGIN PGP SIGNED MESSAGE-----"
  assert_contains "$D/out.asc" "- - the invoice follows"
  partner_verify "$D/out.asc"
  assert_signed_by "$ALICE" "$BOB"
  assert_same "$D/expect" "$D/dec"
}

t_cleartext_binary_refused ()
{
  printf 'text, then a NUL \000 byte\n' >"$D/in.bin"
  sign_pipeline '<mode>cleartext</mode>'
  cli run "$D/p.xml" -i "$D/in.bin" -o "$D/out.asc"
  assert_exit 41
  assert_contains "$D/stderr" "not text (a NUL byte at byte 17)"
  assert_no_file "$D/out.asc"
  printf 'caf\351\n' >"$D/in.latin1"
  cli run "$D/p.xml" -i "$D/in.latin1"
  assert_exit 41
  assert_contains "$D/stderr" "invalid UTF-8 at byte 3"
  assert_empty "$D/stdout"
}

t_detached_payload ()
{
  sign_pipeline '<mode>detached</mode>'
  cli run "$D/p.xml" -i "$INVOICE" -o "$D/out.xml" \
    --save-header "pgp.signature=$D/out.xml.asc" --headers-out "$D/h.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/out.xml"
  assert_contains "$D/out.xml.asc" "-----BEGIN PGP SIGNATURE-----"
  assert_contains "$D/h.json" "\"pgp.signers\": \"$ALICE,$BOB\""
  partner_verify "$D/out.xml.asc" "$D/out.xml"
  assert_signed_by "$ALICE" "$BOB"
}

t_detached_signature ()
{
  sign_pipeline '<mode>detached</mode> <output>signature</output>' \
    '<text>true</text> <digest>SHA512</digest>'
  cli run "$D/p.xml" -i "$INVOICE" -o "$D/out.sig"
  assert_exit 0
  partner_verify "$D/out.sig" "$INVOICE"
  assert_signed_by "$ALICE" "$BOB"
  assert_contains "$D/status" " 01 "
  # Binary: signature packets only.
  gpg --list-packets "$D/out.sig" 2>/dev/null | grep '^:' \
    | grep -v '^:signature packet' >"$D/other"
  assert_empty "$D/other"
}

# count_sigs FILE: the number of signature packets in FILE into $nsig;
# any other packet fails the case.
count_sigs ()
{
  gpg --list-packets "$1" 2>/dev/null | grep '^:' >"$D/packets"
  nsig=$(grep -c '^:signature packet' "$D/packets")
  grep -v '^:signature packet' "$D/packets" >"$D/other"
  assert_empty "$D/other"
}

t_detached_file_payload_big ()
{
  random_file "$D/in" 3500000
  sign_pipeline '<mode>detached</mode>'
  cli run "$D/p.xml" -i "$D/in" -o "$D/out" \
    --save-header "pgp.signature=$D/out.asc"
  assert_exit 0
  assert_same "$D/in" "$D/out"
  partner_verify "$D/out.asc" "$D/in"
  assert_signed_by "$ALICE" "$BOB"
  count_sigs "$D/out.asc"
  [ "$nsig" = 2 ] || fail "$nsig signature packets for two signers"
}

t_detached_file_signature_big ()
{
  random_file "$D/in" 3500000
  sign_pipeline '<mode>detached</mode> <output>signature</output>'
  cli run "$D/p.xml" -o "$D/out.sig" <"$D/in"
  assert_exit 0
  partner_verify "$D/out.sig" "$D/in"
  assert_signed_by "$ALICE" "$BOB"
  assert_contains "$D/status" " 00 "
  count_sigs "$D/out.sig"
  [ "$nsig" = 2 ] || fail "$nsig signature packets for two signers"
}

t_detached_pipe ()
{
  random_file "$D/in" 2500000
  sign_pipeline '<mode>detached</mode>'
  cat "$D/in" | cli run "$D/p.xml" -o "$D/out" \
    --save-header "pgp.signature=$D/out.asc"
  assert_exit 0
  assert_same "$D/in" "$D/out"
  partner_verify "$D/out.asc" "$D/in"
  assert_signed_by "$ALICE" "$BOB"
  sign_pipeline '<mode>detached</mode> <output>signature</output>' \
    '<armor>true</armor>'
  cat "$D/in" | cli run "$D/p.xml" -o "$D/out.sig"
  assert_exit 0
  assert_contains "$D/out.sig" "-----BEGIN PGP SIGNATURE-----"
  partner_verify "$D/out.sig" "$D/in"
  assert_signed_by "$ALICE" "$BOB"
}

# stdin a regular file read past its start by another process: the
# step signs (and passes) what is left of it, all of that.
t_detached_file_offset ()
{
  random_file "$D/in" 1500000
  tail -c +4097 "$D/in" >"$D/rest"
  sign_pipeline '<mode>detached</mode>'
  { dd bs=4096 count=1 of=/dev/null status=none
    cli run "$D/p.xml" -o "$D/out" --save-header "pgp.signature=$D/out.asc"
  } <"$D/in"
  assert_exit 0
  assert_same "$D/rest" "$D/out"
  partner_verify "$D/out.asc" "$D/rest"
  assert_signed_by "$ALICE" "$BOB"
  sign_pipeline '<mode>detached</mode> <output>signature</output>'
  { dd bs=4096 count=1 of=/dev/null status=none
    cli run "$D/p.xml" -o "$D/out.sig"
  } <"$D/in"
  assert_exit 0
  partner_verify "$D/out.sig" "$D/rest"
  assert_signed_by "$ALICE" "$BOB"
}

# refused KEYRING-LINE FPR REASON: load fails with 79 naming the key.
refused ()
{
  _name=$(echo "$1" | sed 's/.*name="\([a-z0-9]*\)".*/\1/')
  pipeline "$D/p.xml" "$1" \
    "<step type=\"sign\"><keyring>$_name</keyring>" \
    "  <sign-with>$2</sign-with></step>"
  cli run "$D/p.xml" -i "$INVOICE" -o "$D/out.gpg"
  assert_exit 79
  assert_contains "$D/stderr" "$2"
  assert_contains "$D/stderr" "$3"
  assert_no_file "$D/out.gpg"
}

t_refused_keys ()
{
  refused "$bad" "$EXPIRED" "expired"
  refused "$bad2" "$REVOKED" "revoked"
}

t_header_signer ()
{
  pipeline "$D/p.xml" "$ours" \
    '<step type="sign"><keyring>ours</keyring>' \
    '  <sign-with>${header.signer}</sign-with><mode>detached</mode>' \
    '  <output>signature</output><armor>true</armor></step>'
  cli run "$D/p.xml" -i "$INVOICE" -o "$D/out.asc" \
    --header 'signer=<alice@example.org>'
  assert_exit 0
  partner_verify "$D/out.asc" "$INVOICE"
  assert_signed_by "$ALICE"
  # A key that is not in the step's keyrings: 79, no output.
  cli run "$D/p.xml" -i "$INVOICE" -o "$D/out2.asc" \
    --header "signer=$BOB"
  assert_exit 79
  assert_contains "$D/stderr" "no key for '$BOB'"
  assert_no_file "$D/out2.asc"
}

t_legacy_digest ()
{
  pipeline "$D/p.xml" "$ours" \
    '<step type="sign"><keyring>ours</keyring>' \
    "  <sign-with>$ALICE</sign-with> <digest>SHA1</digest></step>"
  cli validate "$D/p.xml"
  assert_exit 37
  assert_contains "$D/stderr" "allow-legacy"
}

t_describe ()
{
  cli describe sign
  assert_exit 0
  for _p in keyring sign-with mode output digest allow-legacy armor text; do
    assert_matches "$D/stdout" "^ +$_p "
  done
}

run_case "inline, armored, SHA384, two signers (one protected)" \
  t_inline_armor
run_case "inline, binary, stdin to stdout" t_inline_binary_stdin
run_case "cleartext: what the partner's gpg gives back" t_cleartext
run_case "cleartext refuses a NUL byte and Latin-1 (41)" \
  t_cleartext_binary_refused
run_case "detached: payload passes, signature saved from its header" \
  t_detached_payload
run_case "detached: the body is a binary text-mode signature" \
  t_detached_signature
run_case "detached from a file: payload passes, two signatures verify" \
  t_detached_file_payload_big
run_case "detached, file on stdin: two binary signatures verify" \
  t_detached_file_signature_big
run_case "detached from a pipe: payload and signature outputs" \
  t_detached_pipe
run_case "detached from a file read past its start: the rest is signed" \
  t_detached_file_offset
run_case "expired and revoked signing keys refused at load (79)" \
  t_refused_keys
run_case "signer from a header; one outside the keyrings refused (79)" \
  t_header_signer
run_case "legacy digest only with allow-legacy (37)" t_legacy_digest
run_case "describe sign" t_describe
finish
