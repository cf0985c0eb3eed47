#!/bin/sh
# demo.sh - build pgpstep and run the main job on the bundled demo keys:
# ACME signs and encrypts an invoice for its partner (one step, armored),
# then the partner decrypts it and releases it only with a valid ACME
# signature.  Prints the result headers of both sides.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/deps.sh
sh scripts/bootstrap.sh
mkdir -p _build/main
cd _build/main
[ -f Makefile ] || "$top/configure" -q
make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
build=$(pwd)

work=$(mktemp -d /tmp/pgpstep-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The secret store: one file per secret, readable by its owner only.
mkdir -m 0700 "$work/secrets"
( umask 077
  printf 'acme demo passphrase' > "$work/secrets/acme-key"
  printf 'partner demo passphrase' > "$work/secrets/partner-key" )

pgpstep () {
  "$build/pgpstep" --plugin-dir "$build/plugins/encrypt/.libs" \
    --plugin-dir "$build/plugins/decrypt/.libs" \
    --secrets "$work/secrets" "$@"
}

echo "== pgpstep $("$build/pgpstep" --version | head -n 1 | sed 's/^pgpstep //')"
echo "== ACME: sign and encrypt samples/data/invoice.xml for the partner"
pgpstep run "$top/samples/pipelines/outbound-invoice.xml" \
  -i "$top/samples/data/invoice.xml" -o "$work/invoice.xml.asc" \
  --headers-out "$work/outbound.json"
cat "$work/outbound.json"
head -n 3 "$work/invoice.xml.asc"
echo "   ... ($(wc -c < "$work/invoice.xml.asc") bytes, armored)"

echo "== Partner: decrypt and require ACME's signature"
pgpstep run "$top/samples/pipelines/inbound-invoice.xml" \
  -i "$work/invoice.xml.asc" -o "$work/invoice.xml" \
  --headers-out "$work/inbound.json"
cat "$work/inbound.json"
if cmp -s "$top/samples/data/invoice.xml" "$work/invoice.xml"; then
  echo "== The partner received the invoice unchanged ($(wc -c < "$work/invoice.xml") bytes)."
else
  echo "== MISMATCH: the received invoice differs" >&2
  exit 1
fi
