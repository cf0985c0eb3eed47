#!/bin/sh
# record.sh - re-record the gpg status transcripts in status/ from the
# keys and messages beside this script.  Not run by the test suite: the
# transcripts are fixtures; run this by hand after a gpg upgrade and
# review the diff.  Also (re)creates the messages/gen-* files it signs
# and the dearmor/ expectations (gpg --dearmor of every .asc file).
#
# Each transcript starts with one comment line
#   # exit N: gpg ARGS...
# ($H stands for the throwaway home) followed by gpg's status lines.
set -u
here=$(cd "$(dirname "$0")" && pwd)
keys=$here/keys
msgs=$here/messages
out=$here/status
mkdir -p "$out" "$here/dearmor"

# Throwaway homes, short paths (agent socket limit), agents stopped.
hall=$(mktemp -d /tmp/gh.XXXXXX) || exit 1   # every secret key
hpub=$(mktemp -d /tmp/gh.XXXXXX) || exit 1   # alice + bob public only
hrev=$(mktemp -d /tmp/gh.XXXXXX) || exit 1   # revoked, revocation cut off
hcar=$(mktemp -d /tmp/gh.XXXXXX) || exit 1   # carol's secret key only
hbob=$(mktemp -d /tmp/gh.XXXXXX) || exit 1   # bob's (unprotected) only
work=$(mktemp -d /tmp/gw.XXXXXX) || exit 1
cleanup () {
  for h in "$hall" "$hpub" "$hrev" "$hcar" "$hbob"; do
    gpgconf --homedir "$h" --kill all 2>/dev/null
  done
  rm -rf "$hall" "$hpub" "$hrev" "$hcar" "$hbob" "$work"
}
trap cleanup EXIT
chmod 700 "$hall" "$hpub" "$hrev" "$hcar" "$hbob"

export LC_ALL=C
common="--batch --no-options --no-tty --pinentry-mode loopback
 --no-auto-key-retrieve --no-symkey-cache --no-random-seed-file
 --no-auto-check-trustdb --disable-dirmngr"
alice=015ABD50EB712E873C6BB2B009037A2EDFD86C9F
bob=37213D1976A23E2625719E022975619AFF1CDD85
carol=0EA17B0BD56D690F
expired=F241EF2770F4467D1CCFCB34757CB89B53BE88F2
revoked=A6868A22AC315F24D8571D9CDD0A15B96E001FA3
signonly=F70B9058CB9C033A

g () {   # g HOME ARGS... : quiet helper run, no transcript
  h=$1; shift
  # shellcheck disable=SC2086
  gpg --homedir "$h" $common "$@" 2>/dev/null
}

# rec NAME HOME ARGS... : run gpg, status to fd 3, save transcript.
rec () {
  name=$1; h=$2; shift 2
  # shellcheck disable=SC2086
  gpg --homedir "$h" $common --status-fd 3 "$@" \
    3>"$work/st" >/dev/null 2>"$work/err" </dev/null
  rc=$?
  shown=
  # shellcheck disable=SC2086
  for a in $common "$@"; do
    case $a in *' '*) a="'$a'" ;; esac
    shown="$shown $a"
  done
  shown=$(echo "$shown" | sed -e "s|$work/||g" -e "s|$msgs/||g" \
    -e "s|$here/\.\./decrypt/|../decrypt/|g")
  { echo "# exit $rc: gpg --homedir \$H$shown"; cat "$work/st"; } \
    > "$out/$name.status"
  echo "$name: exit $rc"
}

g "$hall" --import "$keys"/*.sec.asc
g "$hpub" --import "$keys/alice.pub.asc" "$keys/bob.pub.asc"
g "$hcar" --import "$keys/carol.sec.asc"
g "$hbob" --import "$here/../decrypt/bob-unprotected.sec.asc"
gpg --homedir "$hall" --dearmor < "$keys/revoked.sec.asc" > "$work/rev.bin"
# Drop the key revocation (second packet, 122 bytes at offset 90) so
# that the key can still sign; verified against the revoked copy.
{ head -c 90 "$work/rev.bin"; tail -c +213 "$work/rev.bin"; } \
  > "$work/norevoc.bin"
g "$hrev" --import "$work/norevoc.bin"
printf 'bob passphrase\n' > "$work/bobpass"
printf 'correct horse\n' > "$work/sympass"
sed 's/1234.50/9234.50/' "$msgs/invoice.xml" > "$work/invoice-modified.xml"

# ---- messages made here ----
# Signed by the expired key while it was still valid (2 s lifetime).
g "$hall" --faked-system-time 1795707784 -u "$expired" -o \
  "$msgs/gen-expired-signed.gpg" --yes --sign "$msgs/invoice.xml"
g "$hrev" -u "$revoked" -o "$msgs/gen-revoked-signed.gpg" --yes \
  --sign "$msgs/invoice.xml"
# A signature that expired 60 s after it was made.
g "$hall" --faked-system-time 1795707800 --default-sig-expire seconds=60 \
  -u "$alice" -o "$msgs/gen-alice-expsig.gpg" --yes --sign "$msgs/invoice.xml"
# Two detached signatures in one file: alice over the invoice (good),
# bob over a modified invoice (bad against the original).
g "$hall" -u "$alice" -o "$work/a.sig" --yes -b "$msgs/invoice.xml"
g "$hall" --passphrase 'bob passphrase' -u "$bob" -o "$work/b.sig" --yes \
  -b "$work/invoice-modified.xml"
cat "$work/a.sig" "$work/b.sig" > "$msgs/gen-good-bad-detached.sig"
# Alice (known to hpub) + carol (unknown there).
g "$hall" -u "$carol" -o "$work/c.sig" --yes -b "$msgs/invoice.xml"
cat "$work/a.sig" "$work/c.sig" > "$msgs/gen-good-unknown-detached.sig"
# Uncompressed inline signature with one literal byte flipped.
g "$hall" -z0 -u "$alice" -o "$msgs/gen-alice-signed-z0.gpg" --yes \
  --sign "$msgs/invoice.xml"
sed 's/1234.50/9234.50/' "$msgs/gen-alice-signed-z0.gpg" \
  > "$msgs/gen-alice-signed-z0-tampered.gpg"
# Legacy encrypted data without MDC (tag 9), CAST5, password "x".
g "$hall" --passphrase x --rfc2440 --cipher-algo CAST5 -z0 \
  -o "$msgs/gen-legacy-sed-cast5.gpg" --yes -c "$msgs/invoice.xml"
# Two signers in one inline message.
g "$hall" --passphrase 'bob passphrase' -u "$alice" -u "$bob" \
  -o "$msgs/gen-alice-bob-signed.gpg" --yes --sign "$msgs/invoice.xml"

# ---- decryption ----
d="-o /dev/null -d"
rec decrypt-good "$hall" $d "$msgs/gpg-enc-to-alice.gpg"
rec decrypt-good-armored "$hall" $d "$msgs/gpg-enc-to-alice.asc"
rec decrypt-tampered-mdc "$hall" $d "$msgs/tampered-enc-to-alice.gpg"
rec decrypt-tampered-body "$hall" $d "$msgs/tampered-body-enc-to-alice.gpg"
rec decrypt-truncated "$hall" $d "$msgs/truncated-enc-to-alice.gpg"
rec decrypt-no-seckey "$hpub" $d "$msgs/gpg-enc-to-alice.gpg"
rec decrypt-two-recipients-no-seckey "$hpub" $d \
  "$msgs/gpg-enc-to-bob-and-alice.gpg"
rec decrypt-two-recipients "$hall" $d "$msgs/gpg-enc-to-bob-and-alice.gpg"
# The agent caches passphrases: flush its cache (SIGHUP) before each
# wrong or missing one.
gpgconf --homedir "$hall" --reload gpg-agent
rec decrypt-bob-wrong-passphrase "$hall" --passphrase 'wrong' $d \
  "$msgs/gpg-enc-to-bob.gpg"
gpgconf --homedir "$hall" --reload gpg-agent
rec decrypt-bob-no-passphrase "$hall" $d "$msgs/gpg-enc-to-bob.gpg"
gpgconf --homedir "$hall" --reload gpg-agent
rec decrypt-bob-command-fd "$hall" --command-fd 4 $d \
  "$msgs/gpg-enc-to-bob.gpg" 4<"$work/bobpass"
gpgconf --homedir "$hall" --reload gpg-agent
rec decrypt-bob-passphrase "$hall" --passphrase 'bob passphrase' $d \
  "$msgs/gpg-enc-to-bob.gpg"
rec decrypt-symmetric-wrong "$hall" --passphrase 'wrong horse' $d \
  "$msgs/gpg-symmetric-correct-horse.gpg"
rec decrypt-symmetric "$hall" --passphrase 'correct horse' $d \
  "$msgs/gpg-symmetric-correct-horse.gpg"
rec decrypt-symmetric-no-passphrase "$hall" $d \
  "$msgs/gpg-symmetric-correct-horse.gpg"
rec decrypt-legacy-sed "$hall" --passphrase x $d \
  "$msgs/gen-legacy-sed-cast5.gpg"
rec decrypt-symmetric-command-fd "$hall" --command-fd 4 $d \
  "$msgs/gpg-symmetric-correct-horse.gpg" 4<"$work/sympass"
rec decrypt-signed "$hall" $d "$msgs/gpg-bob-signed-enc-to-alice.gpg"
rec decrypt-sqop "$hall" $d "$msgs/sqop-enc-to-alice.asc"
rec decrypt-sqop-signed "$hall" $d "$msgs/sqop-carol-signed-enc-to-alice.asc"
rec decrypt-not-openpgp "$hall" $d "$msgs/invoice.xml"
# Hidden recipients (--throw-keyids, ../decrypt/hidden-*.gpg).  carol's
# cv25519 key fails on alice's anonymous ECDH PKESK first: exit 2 after
# a good decryption, no status line for the failed trial.  bob's RSA
# key is never tried on an ECDH PKESK: exit 0.
hid=$here/../decrypt
rec decrypt-hidden-carol "$hcar" $d "$hid/hidden-alice-carol.gpg"
rec decrypt-hidden-carol-try-secret-key "$hcar" \
  --try-secret-key 2CD7BF5B19080ACFDAD9A97A0EA17B0BD56D690F $d \
  "$hid/hidden-alice-carol.gpg"
rec decrypt-hidden-carol-max-output "$hcar" --max-output 100 $d \
  "$hid/hidden-alice-carol.gpg"
rec decrypt-hidden-bob "$hbob" $d "$hid/hidden-alice-bob.gpg"
rec decrypt-hidden-no-seckey "$hbob" $d "$hid/hidden-alice-carol.gpg"

# ---- verification ----
rec verify-inline "$hall" --verify "$msgs/gpg-alice-signed.gpg"
rec verify-inline-sqop "$hall" --verify "$msgs/sqop-carol-inline-signed.asc"
rec verify-clearsigned "$hall" --verify "$msgs/gpg-alice-clearsigned.asc"
rec verify-clearsigned-sqop "$hall" --verify "$msgs/sqop-carol-clearsigned.asc"
rec verify-detached "$hall" --verify "$msgs/gpg-alice-detached.asc" \
  "$msgs/invoice.xml"
rec verify-detached-modified "$hall" --verify "$msgs/gpg-alice-detached.asc" \
  "$work/invoice-modified.xml"
rec verify-detached-sqop "$hall" --verify "$msgs/sqop-carol-detached.asc" \
  "$msgs/invoice.xml"
rec verify-inline-tampered "$hall" --verify \
  "$msgs/gen-alice-signed-z0-tampered.gpg"
rec verify-expired-key "$hall" --verify "$msgs/gen-expired-signed.gpg"
rec verify-revoked-key "$hall" --verify "$msgs/gen-revoked-signed.gpg"
rec verify-expired-sig "$hall" --verify "$msgs/gen-alice-expsig.gpg"
rec verify-unknown-key "$hpub" --verify "$msgs/sqop-carol-inline-signed.asc"
rec verify-good-bad "$hall" --verify "$msgs/gen-good-bad-detached.sig" \
  "$msgs/invoice.xml"
rec verify-good-unknown "$hpub" --verify "$msgs/gen-good-unknown-detached.sig" \
  "$msgs/invoice.xml"
rec verify-two-signers "$hall" --verify "$msgs/gen-alice-bob-signed.gpg"
rec verify-trust-always "$hall" --trust-model always \
  --verify "$msgs/gpg-alice-signed.gpg"

# ---- encryption and signing ----
e="--trust-model always -o /dev/null --yes"
rec encrypt-alice "$hall" $e -r "$alice" -e "$msgs/invoice.xml"
rec encrypt-alice-bob "$hall" $e -r "$alice" -r "$bob" -e "$msgs/invoice.xml"
rec encrypt-expired "$hall" $e -r "$expired" -e "$msgs/invoice.xml"
rec encrypt-revoked "$hall" $e -r "$revoked" -e "$msgs/invoice.xml"
rec encrypt-signonly "$hall" $e -r "$signonly" -e "$msgs/invoice.xml"
rec encrypt-unknown "$hpub" $e -r "$carol" -e "$msgs/invoice.xml"
rec encrypt-symmetric "$hall" $e --passphrase 'correct horse' \
  -c "$msgs/invoice.xml"
rec sign-alice "$hall" $e -u "$alice" --sign "$msgs/invoice.xml"
rec sign-detached-alice "$hall" $e -u "$alice" -b "$msgs/invoice.xml"
gpgconf --homedir "$hall" --reload gpg-agent
rec sign-bob-wrong-passphrase "$hall" $e --passphrase wrong -u "$bob" \
  --sign "$msgs/invoice.xml"
rec sign-two-signers "$hall" $e --passphrase 'bob passphrase' -u "$alice" \
  -u "$bob" --sign "$msgs/invoice.xml"
rec sign-encrypt "$hall" $e -u "$alice" -r "$bob" -s -e "$msgs/invoice.xml"
rec sign-expired "$hall" $e -u "$expired" --sign "$msgs/invoice.xml"
rec sign-revoked "$hall" $e -u "$revoked" --sign "$msgs/invoice.xml"
rec sign-no-seckey "$hpub" $e -u "$alice" --sign "$msgs/invoice.xml"

# ---- dearmor expectations ----
# (Not the cleartext signatures: those are no armored data.)
for f in "$keys"/*.asc "$msgs"/*.asc; do
  case $f in *clearsigned*) continue ;; esac
  b=$(basename "$f" .asc)
  gpg --homedir "$hall" --batch --no-options --dearmor < "$f" \
    > "$here/dearmor/$b.bin"
done
