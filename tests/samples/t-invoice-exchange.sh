#!/bin/sh
# t-invoice-exchange.sh - the main job (scripts/demo.sh) as a test: the
# sample outbound pipeline signs and encrypts the invoice with the demo
# keys; real gpg on the partner's side decrypts it and finds ACME's
# good signature; the sample inbound pipeline releases it unchanged, and
# refuses an unsigned message with exit 3 and no output.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
fail=0
ok () { echo "ok - $1"; }
bad () { echo "FAIL - $1"; fail=1; }

acme=5F45D37E8F852ED7E674EDC447B8E05A1A63951D
partner=EF19EDF963077269D9196D3B6B9000118D2A6FE0
samples="$top_srcdir/samples"
tmp=$(mktemp -d /tmp/pie.XXXXXX) || exit 1
gh="$tmp/g"
cleanup () {
  gpgconf --homedir "$gh" --kill all 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

for d in encrypt decrypt; do
  [ -f "$top_builddir/plugins/$d/.libs/$d.so" ] \
    || { echo "FAIL - plugins/$d not built"; exit 1; }
done
mkdir -m 0700 "$tmp/secrets" "$gh"
( umask 077
  printf 'acme demo passphrase' > "$tmp/secrets/acme-key"
  printf 'partner demo passphrase' > "$tmp/secrets/partner-key" )
pgpstep () {
  "$top_builddir/pgpstep" --plugin-dir "$top_builddir/plugins/encrypt/.libs" \
    --plugin-dir "$top_builddir/plugins/decrypt/.libs" \
    --secrets "$tmp/secrets" "$@"
}

# ACME's side.
if pgpstep run "$samples/pipelines/outbound-invoice.xml" \
     -i "$samples/data/invoice.xml" -o "$tmp/out.asc" \
     --headers-out "$tmp/out.json" 2>"$tmp/err" \
   && head -n 1 "$tmp/out.asc" | grep -qx -- '-----BEGIN PGP MESSAGE-----' \
   && grep -q "\"pgp.signers\": \"$acme\"" "$tmp/out.json" \
   && grep -q "\"pgp.recipients\": \"$partner\"" "$tmp/out.json"
then ok "outbound: signed and encrypted, armored, headers name signer and recipient"
else bad "outbound pipeline"; cat "$tmp/err"
fi

# The partner runs plain gpg.
gpg --homedir "$gh" --batch --pinentry-mode loopback \
  --passphrase 'partner demo passphrase' \
  --import "$samples/keys/partner.sec.asc" "$samples/keys/acme.pub.asc" \
  2>/dev/null
if gpg --homedir "$gh" --batch --pinentry-mode loopback --trust-model always \
     --passphrase 'partner demo passphrase' --status-fd 3 \
     -o "$tmp/gpg.xml" -d "$tmp/out.asc" 3>"$tmp/status" 2>/dev/null \
   && cmp -s "$samples/data/invoice.xml" "$tmp/gpg.xml" \
   && grep -q "^\[GNUPG:\] GOODSIG " "$tmp/status" \
   && grep -q "^\[GNUPG:\] VALIDSIG .* $acme\$" "$tmp/status"
then ok "gpg decrypts the outbound message and finds ACME's good signature"
else bad "gpg on the outbound message"; cat "$tmp/status"
fi

# The partner runs pgpstep.
if pgpstep run "$samples/pipelines/inbound-invoice.xml" -i "$tmp/out.asc" \
     -o "$tmp/in.xml" --headers-out "$tmp/in.json" 2>"$tmp/err" \
   && cmp -s "$samples/data/invoice.xml" "$tmp/in.xml" \
   && grep -q '"pgp.signature.status": "valid"' "$tmp/in.json" \
   && grep -q "\"pgp.signature.fingerprint\": \"$acme\"" "$tmp/in.json"
then ok "inbound: decrypted with ACME's valid signature, invoice unchanged"
else bad "inbound pipeline"; cat "$tmp/err"
fi

# An unsigned message to the partner is refused and nothing is written.
gpg --homedir "$gh" --batch --trust-model always -r "$partner" \
  -o "$tmp/unsigned.gpg" -e "$samples/data/invoice.xml" 2>/dev/null
pgpstep run "$samples/pipelines/inbound-invoice.xml" -i "$tmp/unsigned.gpg" \
  -o "$tmp/refused.xml" 2>"$tmp/err"
rc=$?
if [ $rc -eq 3 ] && [ ! -e "$tmp/refused.xml" ] \
   && grep -q "step 'decrypt-and-verify'" "$tmp/err"
then ok "inbound: an unsigned message exits 3, no output"
else bad "unsigned message (rc=$rc)"; cat "$tmp/err"
fi
exit $fail
