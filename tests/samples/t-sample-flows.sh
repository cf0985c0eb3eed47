#!/bin/sh
# t-sample-flows.sh - every sample flow of samples/pipelines/README.md,
# end to end with the bundled demo keys.  ACME runs the shipped
# descriptors; the partner's side is plain gpg and pgpstep (with
# descriptors written here).  Each case checks the output bytes, exit
# codes and result headers, and at least one refusal (exit code,
# message, nothing written); the runtime directory is empty after each.
#   outbound-partner.xml            partner chosen by ${header.partner_fpr}
#   inbound-partner.xml             that partner's signature only
#   detached-send.xml / -receive    payload + .sig, both directions
#   password-send.xml / -receive    partners without a key pair
#   rollover-inbound.xml            two ACME keys, two partner keys
#   base64-pgp-send.xml / -receive  the third-party base64 step + PGP

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

S="$top_srcdir/samples/pipelines"
K="$top_srcdir/samples/keys"
INVOICE="$top_srcdir/samples/data/invoice.xml"

ACME=5F45D37E8F852ED7E674EDC447B8E05A1A63951D
ACME_NEW=8F111561257A4DE44A31BECDC58B83DFB74646A6
PARTNER=EF19EDF963077269D9196D3B6B9000118D2A6FE0
PARTNER_NEW=C7D022B0BA5CF7C604C7EE74652F94C0A6D1D81B
# Their encryption subkeys.
ACME_ENC=235D62C89DBD934288AB9E41FE05A36B8B11A134
ACME_NEW_ENC=AB5F9A9DF3B1B52F46DD654B4988165931C06312
PARTNER_ENC=714AE2300A55433883DF4DE5B7512CDE2F0CCF13
PARTNER_NEW_ENC=49358BC46E2DA5B9032B4B4102359D0899234CB6

PP_ACME='acme demo passphrase'
PP_ACME_NEW='acme new demo passphrase'
PP_PARTNER='partner demo passphrase'
PP_PARTNER_NEW='partner new demo passphrase'
PASSWORD='correct horse partner password'

for _p in sign encrypt decrypt verify; do
  [ -f "$top_builddir/plugins/$_p/.libs/$_p.so" ] \
    || hard_error "plugins/$_p is not built"
done
[ -f "$top_builddir/samples/plugins/base64/.libs/base64.so" ] \
  || hard_error "samples/plugins/base64 is not built"

# Short paths for the gpg-agent sockets (108 bytes).
P=$(mktemp -d /tmp/psf.XXXXXX) || exit 99
cleanup ()
{
  for _h in "$P/pg" "$P/kg"; do
    [ -d "$_h" ] && gpgconf --homedir "$_h" --kill all 2>/dev/null
  done
  rm -rf "$T" "$P"
}
trap cleanup EXIT
mkdir -m 700 "$P/rt" "$P/acme-secrets" "$P/partner-secrets" \
  "$P/bad-secrets" "$P/pg" "$P/kg" || hard_error "cannot set up $P"
export PGPSTEP_RUNTIME_DIR="$P/rt"

# The secret stores: ACME's, the partner's, and one with wrong values.
secret () { printf '%s' "$3" >"$P/$1/$2" && chmod 600 "$P/$1/$2"; }
secret acme-secrets acme-key "$PP_ACME"
secret acme-secrets acme-new-key "$PP_ACME_NEW"
secret acme-secrets partner-password "$PASSWORD"
secret partner-secrets partner-key "$PP_PARTNER"
secret partner-secrets partner-new-key "$PP_PARTNER_NEW"
secret partner-secrets partner-password "$PASSWORD"
secret bad-secrets acme-key "not the acme passphrase"
secret bad-secrets acme-new-key "not the new acme passphrase"
secret bad-secrets partner-password "not the partner password"

# The partner's plain gpg: both of its keys, both ACME certificates.
gpg --homedir "$P/pg" --batch -q --pinentry-mode loopback \
  --passphrase "$PP_PARTNER" --import "$K/partner.sec.asc" \
  "$K/acme.pub.asc" "$K/acme-new.pub.asc" 2>/dev/null \
  && gpg --homedir "$P/pg" --batch -q --pinentry-mode loopback \
       --passphrase "$PP_PARTNER_NEW" --import "$K/partner-new.sec.asc" \
       2>/dev/null \
  || hard_error "cannot set up the partner's gpg"
# A partner without a key pair: only ACME's certificate.
gpg --homedir "$P/kg" --batch -q --import "$K/acme.pub.asc" 2>/dev/null \
  || hard_error "cannot set up the keyless partner's gpg"

PLUGINS=
for _p in sign encrypt decrypt verify; do
  PLUGINS="$PLUGINS --plugin-dir $top_builddir/plugins/$_p/.libs"
done
PLUGINS="$PLUGINS --plugin-dir $top_builddir/samples/plugins/base64/.libs"

# acme|partner|badsecrets ARGS...: pgpstep with that side's secret store.
pgpstep_with ()
{
  _sec=$1
  shift
  # shellcheck disable=SC2086
  "$PGPSTEP" $PLUGINS --secrets "$P/$_sec" "$@" >"$D/stdout" 2>"$D/stderr"
  rc=$?
}
acme () { pgpstep_with acme-secrets "$@"; }
partner () { pgpstep_with partner-secrets "$@"; }
badsecrets () { pgpstep_with bad-secrets "$@"; }

# pgpg PASSPHRASE GPG-ARGS...: the partner's gpg; status lines in
# $D/status, exit code in $grc.
pgpg ()
{
  _pp=$1
  shift
  gpg --homedir "$P/pg" --batch --pinentry-mode loopback --trust-model always \
    --passphrase "$_pp" --status-fd 3 "$@" 3>"$D/status" 2>"$D/gpg.err"
  grc=$?
}
# kgpg PASSWORD GPG-ARGS...: the keyless partner's gpg.
kgpg ()
{
  _pp=$1
  shift
  gpg --homedir "$P/kg" --batch --pinentry-mode loopback --trust-model always \
    --passphrase "$_pp" --status-fd 3 "$@" 3>"$D/status" 2>"$D/gpg.err"
  grc=$?
}
assert_gpg_ok ()
{
  [ "$grc" = 0 ] || { fail "gpg failed ($grc): $1"; show_file "$D/gpg.err"; }
}

# Keyring lines of the partner's own descriptors.
kr_partner_sec='<keyring name="partner" secret="'"$K"'/partner.sec.asc" passphrase="secret:partner-key"/>'
kr_partner_new_sec='<keyring name="partner-new" secret="'"$K"'/partner-new.sec.asc" passphrase="secret:partner-new-key"/>'
kr_acme_pub='<keyring name="acme" public="'"$K"'/acme.pub.asc"/>'
kr_acme_new_pub='<keyring name="acme-new" public="'"$K"'/acme-new.pub.asc"/>'
kr_acme_sec='<keyring name="acme" public="'"$K"'/acme.pub.asc" secret="'"$K"'/acme.sec.asc" passphrase="secret:acme-key"/>'

# A message ACME signs and encrypts to itself: a valid signature by a
# key in ACME's inbound keyrings that is not the partner's.
acme_to_acme ()
{
  pipeline "$D/acme-to-acme.xml" "$kr_acme_sec" \
    "<step type=\"encrypt\"><keyring>acme</keyring><recipient>$ACME</recipient><sign-with>$ACME</sign-with></step>"
  acme run "$D/acme-to-acme.xml" -i "$INVOICE" -o "$1"
  [ "$rc" = 0 ] || { fail "cannot make ACME's self-signed message ($rc)";
                     show_file "$D/stderr"; }
}

# refused RC TEXT OUT: the last run exited RC naming TEXT, no OUT.
refused ()
{
  assert_exit "$1"
  assert_contains "$D/stderr" "$2"
  assert_no_file "$3"
}

# ---------------------------------------------------------------------
t_outbound_partner ()
{
  acme run "$S/outbound-partner.xml" -i "$INVOICE" -o "$D/old.asc" \
    --header "partner_fpr=$PARTNER" --headers-out "$D/old.json"
  assert_exit 0
  assert_mode "$D/old.asc" 600
  [ "$(head -n 1 "$D/old.asc")" = "-----BEGIN PGP MESSAGE-----" ] \
    || fail "the outbound message is not armored"
  assert_contains "$D/old.json" "\"pgp.signers\": \"$ACME\""
  assert_contains "$D/old.json" "\"pgp.recipients\": \"$PARTNER\""
  assert_contains "$D/old.json" '"pgp.armor": "true"'
  assert_contains "$D/old.json" '"pgp.input": "openpgp"'

  # The partner's gpg -d: encrypted to the partner's subkey only, ACME's
  # good signature inside.
  pgpg "$PP_PARTNER" -o "$D/gpg.xml" -d "$D/old.asc"
  assert_gpg_ok "decrypting the outbound message"
  assert_same "$INVOICE" "$D/gpg.xml"
  assert_contains "$D/status" "VALIDSIG $ACME"
  assert_contains "$D/status" "ENC_TO $(echo $PARTNER_ENC | cut -c25-)"
  [ "$(grep -c 'ENC_TO' "$D/status")" = 1 ] || fail "more than one recipient"
  # The partner's pgpstep: the shipped inbound-invoice.xml.
  partner run "$S/inbound-invoice.xml" -i "$D/old.asc" -o "$D/in.xml" \
    --headers-out "$D/in.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/in.xml"
  assert_contains "$D/in.json" '"pgp.signature.status": "valid"'
  assert_contains "$D/in.json" "\"pgp.signature.fingerprint\": \"$ACME\""
  assert_contains "$D/in.json" "\"pgp.decryption.key\": \"$PARTNER_ENC\""

  # Another message, to the partner's other key: the header decides.
  acme run "$S/outbound-partner.xml" -i "$INVOICE" -o "$D/new.asc" \
    --header "partner_fpr=$PARTNER_NEW" --headers-out "$D/new.json"
  assert_exit 0
  assert_contains "$D/new.json" "\"pgp.recipients\": \"$PARTNER_NEW\""
  pgpg "$PP_PARTNER_NEW" -o "$D/gpg-new.xml" -d "$D/new.asc"
  assert_gpg_ok "decrypting the message to the other partner key"
  assert_same "$INVOICE" "$D/gpg-new.xml"
  assert_contains "$D/status" "ENC_TO $(echo $PARTNER_NEW_ENC | cut -c25-)"
  partner run "$S/inbound-invoice.xml" -i "$D/new.asc" -o "$D/not-ours.xml"
  refused 29 "no secret key" "$D/not-ours.xml"

  # A header naming a key outside the partner keyrings (even ACME's
  # own) or no header: refused, nothing written.
  acme run "$S/outbound-partner.xml" -i "$INVOICE" -o "$D/self.asc" \
    --header "partner_fpr=$ACME"
  refused 17 "no key for '$ACME' in keyrings partner, partner-new" \
    "$D/self.asc"
  acme run "$S/outbound-partner.xml" -i "$INVOICE" -o "$D/none.asc"
  refused 61 "input header 'partner_fpr' is missing" "$D/none.asc"
  assert_dir_holds "$P/rt"
}

# ---------------------------------------------------------------------
t_inbound_partner ()
{
  # The partner's gpg signs and encrypts to ACME.
  pgpg "$PP_PARTNER" -u "$PARTNER" -r "$ACME" -o "$D/gpg.gpg" -s -e "$INVOICE"
  assert_gpg_ok "partner sign+encrypt"
  acme run "$S/inbound-partner.xml" -i "$D/gpg.gpg" -o "$D/in1.xml" \
    --headers-out "$D/in1.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/in1.xml"
  assert_contains "$D/in1.json" '"pgp.signature.status": "valid"'
  assert_contains "$D/in1.json" "\"pgp.signature.fingerprint\": \"$PARTNER\""
  assert_contains "$D/in1.json" "\"pgp.decryption.key\": \"$ACME_ENC\""
  assert_contains "$D/in1.json" '"pgp.literal.filename": "invoice.xml"'

  # The partner's pgpstep does the same, armored.
  pipeline "$D/partner-out.xml" "$kr_partner_sec" "$kr_acme_pub" \
    "<step type=\"encrypt\"><keyring>partner</keyring><keyring>acme</keyring><recipient>$ACME</recipient><sign-with>$PARTNER</sign-with><armor>true</armor></step>"
  partner run "$D/partner-out.xml" -i "$INVOICE" -o "$D/ps.asc"
  assert_exit 0
  acme run "$S/inbound-partner.xml" -i "$D/ps.asc" -o "$D/in2.xml" \
    --headers-out "$D/in2.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/in2.xml"
  assert_contains "$D/in2.json" "\"pgp.signature.fingerprint\": \"$PARTNER\""

  # Another partner (a key this pipeline does not know): 3.
  pgpg "$PP_PARTNER_NEW" -u "$PARTNER_NEW" -r "$ACME" -o "$D/other.gpg" \
    -s -e "$INVOICE"
  assert_gpg_ok "other signer"
  acme run "$S/inbound-partner.xml" -i "$D/other.gpg" -o "$D/other.xml"
  refused 3 "unknown-key" "$D/other.xml"
  # ACME's own valid signature is not the partner's: 3.
  acme_to_acme "$D/self.gpg"
  acme run "$S/inbound-partner.xml" -i "$D/self.gpg" -o "$D/self.xml"
  refused 3 "not-allowed" "$D/self.xml"
  # Unsigned: 3.
  pgpg "" -r "$ACME" -o "$D/unsigned.gpg" -e "$INVOICE"
  assert_gpg_ok "encrypt unsigned"
  acme run "$S/inbound-partner.xml" -i "$D/unsigned.gpg" -o "$D/unsigned.xml"
  refused 3 "not signed" "$D/unsigned.xml"
  assert_dir_holds "$P/rt"
}

# ---------------------------------------------------------------------
t_detached_acme_to_partner ()
{
  acme run "$S/detached-send.xml" -i "$INVOICE" -o "$D/invoice.xml" \
    --save-header "pgp.signature=$D/invoice.xml.sig" --headers-out "$D/h.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/invoice.xml"
  [ "$(head -n 1 "$D/invoice.xml.sig")" = "-----BEGIN PGP SIGNATURE-----" ] \
    || fail "the .sig file is not an armored signature"
  assert_contains "$D/h.json" "\"pgp.signers\": \"$ACME\""
  assert_contains "$D/h.json" '"pgp.signature.digest": "SHA256"'

  # The partner's gpg --verify.
  pgpg "" --verify "$D/invoice.xml.sig" "$D/invoice.xml"
  assert_gpg_ok "gpg --verify of ACME's detached signature"
  assert_contains "$D/status" "VALIDSIG $ACME"
  # The partner's pgpstep.
  pipeline "$D/partner-in.xml" "$kr_acme_pub" \
    "<step type=\"verify\"><keyring>acme</keyring><allowed-signer>$ACME</allowed-signer><mode>detached</mode><signature>\${header.sig}</signature></step>"
  partner run "$D/partner-in.xml" -i "$D/invoice.xml" -o "$D/in.xml" \
    --header-file "sig=$D/invoice.xml.sig" --headers-out "$D/in.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/in.xml"
  assert_contains "$D/in.json" "\"pgp.signature.fingerprint\": \"$ACME\""

  # A changed payload: gpg says BAD, pgpstep 3 and nothing written.
  sed 's/</ </' "$INVOICE" >"$D/changed.xml"
  pgpg "" --verify "$D/invoice.xml.sig" "$D/changed.xml"
  [ "$grc" != 0 ] || fail "gpg verified a changed payload"
  assert_contains "$D/status" "BADSIG"
  partner run "$D/partner-in.xml" -i "$D/changed.xml" -o "$D/bad.xml" \
    --header-file "sig=$D/invoice.xml.sig"
  refused 3 "bad (the data or the signature was altered)" "$D/bad.xml"
  # Signing fails (wrong passphrase): neither the payload nor the .sig.
  badsecrets run "$S/detached-send.xml" -i "$INVOICE" -o "$D/x.xml" \
    --save-header "pgp.signature=$D/x.xml.sig"
  refused 67 "keyring 'acme'" "$D/x.xml"
  assert_no_file "$D/x.xml.sig"
  assert_dir_holds "$P/rt"
}

t_detached_partner_to_acme ()
{
  # The partner's gpg: an armored detached signature.
  pgpg "$PP_PARTNER" -u "$PARTNER" --armor -o "$D/invoice.xml.sig" \
    --detach-sign "$INVOICE"
  assert_gpg_ok "partner detach-sign"
  acme run "$S/detached-receive.xml" -i "$INVOICE" -o "$D/in1.xml" \
    --header-file "sig=$D/invoice.xml.sig" --headers-out "$D/in1.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/in1.xml"
  assert_contains "$D/in1.json" '"pgp.signature.status": "valid"'
  assert_contains "$D/in1.json" "\"pgp.signature.fingerprint\": \"$PARTNER\""

  # The partner's pgpstep: sign detached, the .sig saved beside.
  pipeline "$D/partner-out.xml" "$kr_partner_sec" \
    "<step type=\"sign\"><keyring>partner</keyring><sign-with>$PARTNER</sign-with><mode>detached</mode></step>"
  partner run "$D/partner-out.xml" -i "$INVOICE" -o "$D/p.xml" \
    --save-header "pgp.signature=$D/p.xml.sig"
  assert_exit 0
  assert_same "$INVOICE" "$D/p.xml"
  acme run "$S/detached-receive.xml" -i "$D/p.xml" -o "$D/in2.xml" \
    --header-file "sig=$D/p.xml.sig" --headers-out "$D/in2.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/in2.xml"
  assert_contains "$D/in2.json" "\"pgp.signature.fingerprint\": \"$PARTNER\""

  # A binary .sig is refused as a header file (41); its base64 works.
  pgpg "$PP_PARTNER" -u "$PARTNER" -o "$D/bin.sig" --detach-sign "$INVOICE"
  assert_gpg_ok "partner binary detach-sign"
  acme run "$S/detached-receive.xml" -i "$INVOICE" -o "$D/bin.xml" \
    --header-file "sig=$D/bin.sig"
  refused 41 "contains a NUL byte" "$D/bin.xml"
  base64 "$D/bin.sig" >"$D/bin.sig.b64"
  acme run "$S/detached-receive.xml" -i "$INVOICE" -o "$D/b64.xml" \
    --header-file "sig=$D/bin.sig.b64"
  assert_exit 0
  assert_same "$INVOICE" "$D/b64.xml"

  # Refused with 3, nothing written: a signature by another key (the
  # partner's new key, not allowed here), the partner's signature over
  # changed data; no signature at all is 61.
  pgpg "$PP_PARTNER_NEW" -u "$PARTNER_NEW" --armor -o "$D/other.sig" \
    --detach-sign "$INVOICE"
  acme run "$S/detached-receive.xml" -i "$INVOICE" -o "$D/other.xml" \
    --header-file "sig=$D/other.sig"
  refused 3 "unknown-key" "$D/other.xml"
  sed 's/</ </' "$INVOICE" >"$D/changed.xml"
  acme run "$S/detached-receive.xml" -i "$D/changed.xml" -o "$D/changed.out" \
    --header-file "sig=$D/invoice.xml.sig"
  refused 3 "bad" "$D/changed.out"
  acme run "$S/detached-receive.xml" -i "$INVOICE" -o "$D/nosig.xml"
  refused 61 "input header 'sig' is missing" "$D/nosig.xml"
  assert_dir_holds "$P/rt"
}

# ---------------------------------------------------------------------
t_password ()
{
  # ACME -> keyless partner.
  acme run "$S/password-send.xml" -i "$INVOICE" -o "$D/out.asc" \
    --headers-out "$D/out.json"
  assert_exit 0
  [ "$(head -n 1 "$D/out.asc")" = "-----BEGIN PGP MESSAGE-----" ] \
    || fail "the password message is not armored"
  assert_contains "$D/out.json" '"pgp.password": "true"'
  assert_contains "$D/out.json" '"pgp.recipients": ""'
  assert_contains "$D/out.json" "\"pgp.signers\": \"$ACME\""
  kgpg "$PASSWORD" -o "$D/gpg.xml" -d "$D/out.asc"
  assert_gpg_ok "keyless partner gpg -d with the password"
  assert_same "$INVOICE" "$D/gpg.xml"
  assert_contains "$D/status" "VALIDSIG $ACME"
  assert_not_contains "$D/status" "ENC_TO"
  kgpg "wrong password" -o "$D/gpg-wrong.xml" -d "$D/out.asc"
  [ "$grc" != 0 ] || fail "gpg decrypted with a wrong password"
  assert_contains "$D/status" "DECRYPTION_FAILED"
  # The partner's pgpstep: the password and ACME's certificate.
  pipeline "$D/partner-in.xml" "$kr_acme_pub" \
    "<step type=\"decrypt\"><keyring>acme</keyring><password>secret:partner-password</password><allowed-signer>$ACME</allowed-signer></step>"
  partner run "$D/partner-in.xml" -i "$D/out.asc" -o "$D/in.xml" \
    --headers-out "$D/in.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/in.xml"
  assert_contains "$D/in.json" "\"pgp.signature.fingerprint\": \"$ACME\""

  # Keyless partner -> ACME: gpg -c, and the partner's pgpstep.
  kgpg "$PASSWORD" --armor -o "$D/c.asc" -c "$INVOICE"
  assert_gpg_ok "gpg -c"
  acme run "$S/password-receive.xml" -i "$D/c.asc" -o "$D/r1.xml" \
    --headers-out "$D/r1.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/r1.xml"
  assert_contains "$D/r1.json" '"pgp.signature.status": "none"'
  assert_contains "$D/r1.json" '"pgp.integrity": "mdc"'
  pipeline "$D/partner-out.xml" \
    '<step type="encrypt"><password>secret:partner-password</password></step>'
  partner run "$D/partner-out.xml" -i "$INVOICE" -o "$D/p.gpg"
  assert_exit 0
  acme run "$S/password-receive.xml" -i "$D/p.gpg" -o "$D/r2.xml"
  assert_exit 0
  assert_same "$INVOICE" "$D/r2.xml"

  # Refusals: another password (29), ACME's wrong password secret (29),
  # a message for a key (29), a signed message nobody checks (3), and
  # ACME's key with a wrong passphrase (67).
  kgpg "another password" -o "$D/other.gpg" -c "$INVOICE"
  acme run "$S/password-receive.xml" -i "$D/other.gpg" -o "$D/x1.xml"
  refused 29 "wrong password" "$D/x1.xml"
  badsecrets run "$S/password-receive.xml" -i "$D/c.asc" -o "$D/x2.xml"
  refused 29 "wrong password" "$D/x2.xml"
  pgpg "" -r "$ACME" -o "$D/tokey.gpg" -e "$INVOICE"
  acme run "$S/password-receive.xml" -i "$D/tokey.gpg" -o "$D/x3.xml"
  refused 29 "no secret key" "$D/x3.xml"
  acme run "$S/password-receive.xml" -i "$D/out.asc" -o "$D/x4.xml"
  refused 3 "signatures=none" "$D/x4.xml"
  badsecrets run "$S/password-send.xml" -i "$INVOICE" -o "$D/x5.asc"
  refused 67 "keyring 'acme'" "$D/x5.asc"
  assert_dir_holds "$P/rt"
}

# ---------------------------------------------------------------------
t_rollover ()
{
  # Every combination, from the partner's gpg: old or new ACME key as
  # recipient, old or new partner key as signer.
  for _to in "$ACME:$ACME_ENC" "$ACME_NEW:$ACME_NEW_ENC"; do
    for _by in "$PARTNER:$PP_PARTNER" "$PARTNER_NEW:$PP_PARTNER_NEW"; do
      _r=${_to%%:*} _sub=${_to#*:} _s=${_by%%:*} _pp=${_by#*:}
      _n="$(echo "$_r" | cut -c1-4)-$(echo "$_s" | cut -c1-4)"
      pgpg "$_pp" -u "$_s" -r "$_r" -o "$D/$_n.gpg" -s -e "$INVOICE"
      assert_gpg_ok "partner $_s to $_r"
      acme run "$S/rollover-inbound.xml" -i "$D/$_n.gpg" -o "$D/$_n.xml" \
        --headers-out "$D/$_n.json"
      assert_exit 0
      assert_same "$INVOICE" "$D/$_n.xml"
      assert_contains "$D/$_n.json" '"pgp.signature.status": "valid"'
      assert_contains "$D/$_n.json" "\"pgp.signature.fingerprint\": \"$_s\""
      assert_contains "$D/$_n.json" "\"pgp.decryption.key\": \"$_sub\""
    done
  done
  # The partner's pgpstep with its new key, to ACME's new key.
  pipeline "$D/partner-out.xml" "$kr_partner_new_sec" "$kr_acme_new_pub" \
    "<step type=\"encrypt\"><keyring>partner-new</keyring><keyring>acme-new</keyring><recipient>$ACME_NEW</recipient><sign-with>$PARTNER_NEW</sign-with><armor>true</armor></step>"
  partner run "$D/partner-out.xml" -i "$INVOICE" -o "$D/pn.asc"
  assert_exit 0
  acme run "$S/rollover-inbound.xml" -i "$D/pn.asc" -o "$D/pn.xml" \
    --headers-out "$D/pn.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/pn.xml"
  assert_contains "$D/pn.json" "\"pgp.signature.fingerprint\": \"$PARTNER_NEW\""
  assert_contains "$D/pn.json" "\"pgp.decryption.key\": \"$ACME_NEW_ENC\""

  # Without the overlap (inbound-partner.xml: old keys only) the new
  # recipient is 29 and the new signer 3.
  acme run "$S/inbound-partner.xml" -i "$D/pn.asc" -o "$D/pre1.xml"
  refused 29 "no secret key" "$D/pre1.xml"
  _n="$(echo "$ACME" | cut -c1-4)-$(echo "$PARTNER_NEW" | cut -c1-4)"
  acme run "$S/inbound-partner.xml" -i "$D/$_n.gpg" -o "$D/pre2.xml"
  refused 3 "unknown-key" "$D/pre2.xml"

  # Refused: ACME's own signature (3), a message for neither ACME key
  # (29), the new key's wrong passphrase (67 at load).
  acme_to_acme "$D/self.gpg"
  acme run "$S/rollover-inbound.xml" -i "$D/self.gpg" -o "$D/x1.xml"
  refused 3 "not-allowed" "$D/x1.xml"
  pgpg "$PP_PARTNER" -u "$PARTNER" -r "$PARTNER" -o "$D/elsewhere.gpg" \
    -s -e "$INVOICE"
  acme run "$S/rollover-inbound.xml" -i "$D/elsewhere.gpg" -o "$D/x2.xml"
  refused 29 "no secret key" "$D/x2.xml"
  mkdir -m 700 "$D/half"
  cp -p "$P/acme-secrets/acme-key" "$P/bad-secrets/acme-new-key" "$D/half/"
  "$PGPSTEP" $PLUGINS --secrets "$D/half" run "$S/rollover-inbound.xml" \
    -i "$D/pn.asc" -o "$D/x3.xml" >"$D/stdout" 2>"$D/stderr"
  rc=$?
  refused 67 "keyring 'acme-new'" "$D/x3.xml"
  assert_dir_holds "$P/rt"
}

# ---------------------------------------------------------------------
t_base64_pgp ()
{
  acme run "$S/base64-pgp-send.xml" -i "$INVOICE" -o "$D/out.b64" \
    --headers-out "$D/out.json"
  assert_exit 0
  grep -q -v -E '^[A-Za-z0-9+/=]{1,76}$' "$D/out.b64" \
    && fail "the output is not base64 in lines of at most 76 characters"
  assert_contains "$D/out.json" "\"pgp.recipients\": \"$PARTNER\""
  assert_contains "$D/out.json" "\"pgp.signers\": \"$ACME\""
  assert_contains "$D/out.json" '"pgp.armor": "false"'
  # The partner: base64 -d | gpg -d.
  base64 -d "$D/out.b64" >"$D/out.gpg" || fail "base64 -d failed"
  pgpg "$PP_PARTNER" -o "$D/gpg.xml" -d "$D/out.gpg"
  assert_gpg_ok "partner gpg -d of the decoded message"
  assert_same "$INVOICE" "$D/gpg.xml"
  assert_contains "$D/status" "VALIDSIG $ACME"
  # The partner's pgpstep: base64 decode, then decrypt.
  pipeline "$D/partner-in.xml" "$kr_partner_sec" "$kr_acme_pub" \
    '<step type="base64"><mode>decode</mode></step>' \
    "<step type=\"decrypt\"><keyring>partner</keyring><keyring>acme</keyring><allowed-signer>$ACME</allowed-signer></step>"
  partner run "$D/partner-in.xml" -i "$D/out.b64" -o "$D/in.xml" \
    --headers-out "$D/in.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/in.xml"
  assert_contains "$D/in.json" "\"pgp.signature.fingerprint\": \"$ACME\""

  # Partner -> ACME: gpg -s -e | base64, and the partner's pgpstep.
  pgpg "$PP_PARTNER" -u "$PARTNER" -r "$ACME" -o "$D/p.gpg" -s -e "$INVOICE"
  assert_gpg_ok "partner sign+encrypt"
  base64 "$D/p.gpg" >"$D/p.b64"
  acme run "$S/base64-pgp-receive.xml" -i "$D/p.b64" -o "$D/r1.xml" \
    --headers-out "$D/r1.json"
  assert_exit 0
  assert_same "$INVOICE" "$D/r1.xml"
  assert_contains "$D/r1.json" "\"pgp.signature.fingerprint\": \"$PARTNER\""
  assert_contains "$D/r1.json" "\"pgp.decryption.key\": \"$ACME_ENC\""
  pipeline "$D/partner-out.xml" "$kr_partner_sec" "$kr_acme_pub" \
    "<step type=\"encrypt\"><keyring>partner</keyring><keyring>acme</keyring><recipient>$ACME</recipient><sign-with>$PARTNER</sign-with></step>" \
    '<step type="base64"><line-length>0</line-length></step>'
  partner run "$D/partner-out.xml" -i "$INVOICE" -o "$D/ps.b64"
  assert_exit 0
  [ "$(wc -l <"$D/ps.b64")" -le 1 ] || fail "line-length 0 wrote several lines"
  acme run "$S/base64-pgp-receive.xml" -i "$D/ps.b64" -o "$D/r2.xml"
  assert_exit 0
  assert_same "$INVOICE" "$D/r2.xml"

  # Refused: not base64 (41, the base64 step), base64 of a message ACME
  # signed itself (3), base64 of armored text (41, the decrypt step).
  printf 'not*base64\n' >"$D/bad.b64"
  acme run "$S/base64-pgp-receive.xml" -i "$D/bad.b64" -o "$D/x1.xml"
  refused 41 "step 'decode'" "$D/x1.xml"
  acme_to_acme "$D/self.gpg"
  base64 "$D/self.gpg" >"$D/self.b64"
  acme run "$S/base64-pgp-receive.xml" -i "$D/self.b64" -o "$D/x2.xml"
  refused 3 "not-allowed" "$D/x2.xml"
  base64 "$INVOICE" >"$D/plain.b64"
  acme run "$S/base64-pgp-receive.xml" -i "$D/plain.b64" -o "$D/x3.xml"
  refused 41 "step 'decrypt-and-verify'" "$D/x3.xml"
  assert_dir_holds "$P/rt"
}

run_case "outbound-partner.xml: recipient from \${header.partner_fpr}, armored; partner gpg -d and inbound-invoice.xml" \
  t_outbound_partner
run_case "inbound-partner.xml: the partner's signature only (other key, ACME's own, unsigned: 3)" \
  t_inbound_partner
run_case "detached-send.xml: payload + .sig to the partner (gpg --verify, pgpstep verify)" \
  t_detached_acme_to_partner
run_case "detached-receive.xml: the partner's payload + .sig (gpg and pgpstep signers)" \
  t_detached_partner_to_acme
run_case "password-send.xml / password-receive.xml: partners without a key pair" \
  t_password
run_case "rollover-inbound.xml: two ACME keys decrypt, old and new partner keys sign" \
  t_rollover
run_case "base64-pgp-send.xml / base64-pgp-receive.xml: third-party base64 step with PGP" \
  t_base64_pgp
# Every runtime home is gone (agents stopped, homes removed).
if [ -n "$(ls -A "$P/rt")" ]; then
  echo "FAIL: the runtime directory is not empty: $(ls -A "$P/rt")"
  exit 1
fi
finish
