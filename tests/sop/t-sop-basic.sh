#!/bin/sh
# t-sop-basic.sh - pgpstep-sop end to end against itself and gpg: the
# subcommands, the draft's exit codes, @ENV:/@FD: designators, refused
# options, key passwords, and that no agent or work directory is left.

. "$top_srcdir/tests/sop/lib.sh"

G="$PT/gh"
mkdir -m 700 "$G"
g ()
{
  gpg --homedir "$G" --batch --no-options --no-tty --quiet \
      --trust-model always --pinentry-mode loopback --passphrase '' "$@"
}

# expect CODE NAME COMMAND...: the command's exit code must be CODE.
expect ()
{
  _want=$1 _name=$2
  shift 2
  "$@" >"$PT/out" 2>"$PT/err"
  _got=$?
  if [ "$_got" = "$_want" ]; then
    echo "PASS: $_name"
    npass=$((npass + 1))
  else
    echo "FAIL: $_name: exit $_got, expected $_want"
    sed -e 's/^/    | /' "$PT/err" | head -n 10
    nfail=$((nfail + 1))
  fi
}

check ()
{
  if "$@" >/dev/null 2>&1; then
    echo "PASS: $_name (output)"
    npass=$((npass + 1))
  else
    echo "FAIL: $_name (output): $*"
    nfail=$((nfail + 1))
  fi
}

S=$SOP
cd "$PT" || exit 99
printf 'hello world\n' >data
printf 'secret pw\n' >pw
printf 'wrong pw\n' >badpw

# Keys: one plain, one protected, one of gpg that cannot encrypt.
expect 0 "generate-key" $S generate-key "Alice <alice@example.org>"
cp out alice.sec
expect 0 "extract-cert" $S extract-cert <alice.sec
cp out alice.pub
check grep -q "BEGIN PGP PUBLIC KEY BLOCK" alice.pub
check sh -c "! grep -q PRIVATE alice.pub"
expect 0 "generate-key --with-key-password --no-armor" \
  $S generate-key --no-armor --with-key-password=pw "Bob <bob@example.org>"
cp out bob.sec
check sh -c "! grep -q BEGIN bob.sec"
expect 0 "extract-cert of a protected key" $S extract-cert <bob.sec
cp out bob.pub
expect 0 "generate-key --profile=rfc4880" \
  $S generate-key --profile=rfc4880 "Carol <carol@example.org>"
cp out carol.sec
check sh -c "gpg --homedir $G --batch --with-colons --import-options show-only --import carol.sec 2>/dev/null | grep -q '^sec:-:3072:1:'"
g --quick-gen-key "Signonly <s@example.org>" ed25519 sign never
g --armor --export >signonly.pub
# A key that can certify and encrypt but not sign.
g --quick-gen-key "Nosign <n@example.org>" ed25519 cert never
_nf=$(g --with-colons --list-keys n@example.org | awk -F: '$1=="fpr"{print $10; exit}')
g --quick-add-key "$_nf" cv25519 encr never
g --armor --export-secret-keys "$_nf" >nosign.sec

expect 19 "generate-key without USERID" $S generate-key
expect 89 "generate-key --profile=unknown" $S generate-key --profile=x "X <x@x>"
expect 0 "list-profiles generate-key" $S list-profiles generate-key
check grep -q "^default: " out
expect 89 "list-profiles sign" $S list-profiles sign
expect 19 "list-profiles without SUBCOMMAND" $S list-profiles
expect 0 "version" $S version
check grep -q "^pgpstep-sop " out
expect 0 "version --backend" $S version --backend
check grep -q "^GnuPG 2" out
expect 0 "version --extended" $S version --extended
check grep -q "draft-dkg-openpgp-stateless-cli-08" out
expect 0 "version --sop-spec" $S version --sop-spec
check grep -q "^~draft-dkg-openpgp-stateless-cli-08" out
expect 69 "unsupported subcommand" $S revoke-key
expect 37 "unknown option" $S encrypt --frobnicate alice.pub
expect 37 "decrypt --session-key-out is refused" \
  $S decrypt --session-key-out=sk alice.sec
expect 37 "decrypt --with-session-key is refused" \
  $S decrypt --with-session-key=sk alice.sec
expect 37 "encrypt --as=text is refused" $S encrypt --as=text alice.pub

# encrypt / decrypt
$S encrypt alice.pub <data >msg.asc
expect 0 "decrypt" $S decrypt alice.sec <msg.asc
check cmp out data
expect 0 "encrypt --no-armor" $S encrypt --no-armor alice.pub <data
cp out msg.bin
check sh -c "! grep -q BEGIN msg.bin"
expect 0 "decrypt a binary message" $S decrypt alice.sec <msg.bin
check cmp out data
expect 29 "decrypt with the wrong key" $S decrypt carol.sec <msg.asc
expect 19 "encrypt to nothing" $S encrypt
expect 19 "decrypt with nothing" $S decrypt
expect 17 "encrypt to a sign-only certificate" $S encrypt signonly.pub
expect 61 "encrypt to a missing file" $S encrypt nosuchfile
printf 'garbage\n' >garbage
expect 41 "encrypt to garbage" $S encrypt garbage
expect 41 "decrypt garbage" $S decrypt alice.sec <garbage
expect 41 "a certificate where a key is expected" \
  $S encrypt --sign-with=alice.pub alice.pub

# Protected keys.
$S encrypt bob.pub <data >bob.asc
expect 67 "decrypt with a protected key, no password" $S decrypt bob.sec <bob.asc
expect 67 "decrypt with a protected key, wrong password" \
  $S decrypt --with-key-password=badpw bob.sec <bob.asc
expect 0 "decrypt with a protected key, passwords tried in turn" \
  $S decrypt --with-key-password=badpw --with-key-password=pw bob.sec <bob.asc
check cmp out data

# Passwords.
expect 0 "encrypt --with-password" $S encrypt --with-password=pw <data
cp out pw.asc
expect 0 "decrypt --with-password (newline trimmed)" \
  $S decrypt --with-password=pw <pw.asc
check cmp out data
expect 29 "decrypt with a wrong password" $S decrypt --with-password=badpw <pw.asc
expect 0 "decrypt with several passwords" \
  $S decrypt --with-password=badpw --with-password=pw <pw.asc
printf 'bad\377pw' >binpw
expect 31 "encrypt with a password that is not text" \
  $S encrypt --with-password=binpw
expect 37 "encrypt with two passwords" \
  $S encrypt --with-password=pw --with-password=badpw

# Designators.
PW=$(cat pw)
export PW
expect 0 "@ENV: password" $S decrypt --with-password=@ENV:PW <pw.asc
check cmp out data
expect 0 "@FD: certificate" sh -c "$S encrypt @FD:3 3<alice.pub <data"
expect 61 "@ENV: not set" $S decrypt --with-password=@ENV:NO_SUCH_VAR_X <pw.asc
expect 71 "unknown special prefix" $S encrypt @FOO:x
: >"@ENV:PW"
expect 73 "a designator that is also a file" \
  $S decrypt --with-password=@ENV:PW <pw.asc
rm -f "@ENV:PW"

# Signed and encrypted, VERIFICATIONS.
$S extract-cert <carol.sec >carol.pub
expect 0 "encrypt --sign-with" $S encrypt --sign-with=alice.sec carol.pub <data
cp out signed.asc
expect 0 "decrypt --verify-with" $S decrypt --verify-with=alice.pub \
  --verifications-out=v1 carol.sec <signed.asc
check cmp out data
_fpr=$(gpg --batch --with-colons --import-options show-only --homedir "$G" \
         --import alice.pub 2>/dev/null | awk -F: '$1=="fpr"{print $10; exit}')
check grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z [0-9A-F]{40} $_fpr mode:binary( |\$)" v1
expect 0 "decrypt --verify-with an unrelated certificate" \
  $S decrypt --verify-with=bob.pub --verifications-out=v2 carol.sec <signed.asc
check cmp out data
check test ! -s v2
expect 59 "--verifications-out exists" $S decrypt --verify-with=alice.pub \
  --verifications-out=v1 carol.sec <signed.asc
expect 23 "--verifications-out without --verify-with" \
  $S decrypt --verifications-out=v3 carol.sec <signed.asc
expect 79 "--sign-with a key that cannot sign" \
  $S encrypt --sign-with=nosign.sec carol.pub <data
g --import alice.sec 2>/dev/null

# verify and inline-verify (signatures made by gpg).
g --armor --detach-sign -u "$_fpr" <data >data.sig
expect 0 "verify" $S verify data.sig alice.pub <data
check grep -q " $_fpr" out
check grep -q " $_fpr mode:binary " out
g --armor --detach-sign --textmode -u "$_fpr" <data >data.tsig
expect 0 "verify a text signature: mode:text" $S verify data.tsig alice.pub \
  <data
check grep -q " $_fpr mode:text " out
expect 3 "verify with the wrong certificate" $S verify data.sig bob.pub <data
printf 'hello world!\n' >data2
expect 3 "verify a changed payload" $S verify data.sig alice.pub <data2
expect 3 "verify --not-before the signature" \
  $S verify --not-before=2099-01-01T00:00:00Z data.sig alice.pub <data
expect 0 "verify --not-after=now" \
  $S verify --not-before=- --not-after=now data.sig alice.pub <data
expect 19 "verify without CERTS" $S verify data.sig
g --armor --sign -u "$_fpr" <data >inline.asc
expect 0 "inline-verify" $S inline-verify --verifications-out=v4 alice.pub \
  <inline.asc
check cmp out data
check grep -q " $_fpr" v4
g --clearsign -u "$_fpr" <data >clear.asc
expect 0 "inline-verify a cleartext signature" $S inline-verify alice.pub \
  <clear.asc
check cmp out data
expect 3 "inline-verify with the wrong certificate" \
  $S inline-verify bob.pub <inline.asc

# inline-detach
# The line break before the signature is not part of the signed text.
printf 'hello world' >signed-text
expect 0 "inline-detach" $S inline-detach --signatures-out=det.sig <clear.asc
check cmp out signed-text
expect 0 "verify the detached signature" $S verify det.sig alice.pub \
  <signed-text
expect 0 "inline-detach --no-armor" \
  $S inline-detach --no-armor --signatures-out=det.bin <clear.asc
check sh -c "! grep -q BEGIN det.bin"
expect 41 "inline-detach of a binary signed message" \
  $S inline-detach --signatures-out=det2.sig <inline.asc
expect 19 "inline-detach without --signatures-out" $S inline-detach <clear.asc

# armor / dearmor
g --dearmor <alice.pub >alice.bin
expect 0 "armor" $S armor <alice.bin
cp out alice.asc
check grep -q "BEGIN PGP PUBLIC KEY BLOCK" alice.asc
expect 0 "dearmor" $S dearmor <alice.asc
check cmp out alice.bin
expect 0 "armor is idempotent" $S armor <alice.asc
expect 37 "armor --label is refused" $S armor --label=auto <alice.bin

# Signing: with the sign plugin, or refused as a whole.
if [ "$have_sign" = yes ]; then
  expect 0 "sign" $S sign alice.sec <data
  cp out s.sig
  check g --verify s.sig data
  expect 0 "sign --as=text --micalg-out" $S sign --as=text \
    --micalg-out=micalg alice.sec <data
  check grep -qx "pgp-sha256" micalg
  expect 53 "sign --as=text of binary data" $S sign --as=text alice.sec \
    <alice.bin
  expect 0 "inline-sign --as=clearsigned" $S inline-sign --as=clearsigned \
    alice.sec <data
  check grep -q "BEGIN PGP SIGNED MESSAGE" out
  expect 83 "inline-sign --as=clearsigned --no-armor" \
    $S inline-sign --as=clearsigned --no-armor alice.sec
  expect 79 "sign with a key that cannot sign" $S sign nosign.sec <data
  expect 67 "sign with a protected key, no password" $S sign bob.sec <data
else
  expect 69 "sign without the sign plugin" $S sign alice.sec <data
  expect 69 "inline-sign without the sign plugin" $S inline-sign alice.sec <data
fi

if pgrep -f "gpg-agent --homedir $PT/sop" >/dev/null 2>&1; then
  echo "FAIL: an agent of pgpstep-sop is still running"
  nfail=$((nfail + 1))
fi
if ls -d "$PT"/sop.* >/dev/null 2>&1; then
  echo "FAIL: a pgpstep-sop work directory was left behind"
  nfail=$((nfail + 1))
fi
gpgconf --homedir "$G" --kill all >/dev/null 2>&1
finish
