#!/bin/sh
# t-signed-plugins.sh - pgpstep --require-signed-plugins KEYRING: a
# module loads only with a good detached signature NAME.so.sig by a key
# of KEYRING over its exact bytes; unsigned, wrongly signed, signed by
# an unknown key and modified-after-signing modules are refused before
# any of their code runs (the test module's constructor leaves a marker
# file when it runs).

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

K="$top_srcdir/tests/data/keys"
ALICE=015ABD50EB712E873C6BB2B009037A2EDFD86C9F
BOB=37213D1976A23E2625719E022975619AFF1CDD85
CTOR="$top_builddir/tests/modules/.libs/mod-ctor.so"

G=$(mktemp -d /tmp/psp.XXXXXX) || exit 99
trap 'gpgconf --homedir "$G" --kill all 2>/dev/null; rm -rf "$T" "$G"' EXIT
export PGPSTEP_RUNTIME_DIR="$G/rt"
mkdir -m 700 "$G/rt"

# The signers: alice (trusted) and bob (not in the plugin keyring).
gpg --homedir "$G" --batch -q --import "$K/alice.sec.asc" 2>/dev/null
gpg --homedir "$G" --batch -q --pinentry-mode loopback \
  --passphrase "bob passphrase" --import "$K/bob.sec.asc" 2>/dev/null

sign ()
{
  # sign KEY FILE: FILE.sig
  gpg --homedir "$G" --batch -q --yes --pinentry-mode loopback \
    --passphrase "bob passphrase" -u "$1" -b -o "$2.sig" "$2"
}

# load DIR: "pgpstep plugins" with the signature check against alice.
load ()
{
  PGPSTEP_TEST_CTOR_MARKER="$D/ran" \
    cli_raw --plugin-dir "$1" --require-signed-plugins "$K/alice.pub.asc" \
    plugins
}

t_signed_loads ()
{
  mkdir "$D/p"
  cp "$CTOR" "$D/p/ctor.so"
  sign $ALICE "$D/p/ctor.so"
  load "$D/p"
  assert_exit 0
  assert_contains "$D/stdout" "ctor"
  assert_file "$D/ran"
  assert_dir_holds "$G/rt"
}

t_unsigned_refused ()
{
  mkdir "$D/p"
  cp "$CTOR" "$D/p/ctor.so"
  load "$D/p"
  assert_exit 78
  assert_contains "$D/stderr" "ctor.so: not signed"
  assert_no_file "$D/ran"
}

t_wrong_signature_refused ()
{
  mkdir "$D/p"
  cp "$CTOR" "$D/p/ctor.so"
  echo "something else" >"$D/other"
  sign $ALICE "$D/other"
  cp "$D/other.sig" "$D/p/ctor.so.sig"
  load "$D/p"
  assert_exit 78
  assert_contains "$D/stderr" "not accepted: bad"
  assert_no_file "$D/ran"
}

t_unknown_signer_refused ()
{
  mkdir "$D/p"
  cp "$CTOR" "$D/p/ctor.so"
  sign $BOB "$D/p/ctor.so"
  load "$D/p"
  assert_exit 78
  assert_contains "$D/stderr" "by a key not in the plugin keyring"
  assert_no_file "$D/ran"
}

t_modified_after_signing_refused ()
{
  mkdir "$D/p"
  cp "$CTOR" "$D/p/ctor.so"
  sign $ALICE "$D/p/ctor.so"
  printf '\0' >>"$D/p/ctor.so"
  load "$D/p"
  assert_exit 78
  assert_contains "$D/stderr" "not accepted: bad"
  assert_no_file "$D/ran"
  # Without the option the same module loads (and runs its code).
  PGPSTEP_TEST_CTOR_MARKER="$D/ran" cli_raw --plugin-dir "$D/p" plugins
  assert_exit 0
  assert_file "$D/ran"
}

t_bad_keyring ()
{
  mkdir "$D/p"
  cp "$CTOR" "$D/p/ctor.so"
  sign $ALICE "$D/p/ctor.so"
  echo "no key here" >"$D/keyring"
  PGPSTEP_TEST_CTOR_MARKER="$D/ran" \
    cli_raw --plugin-dir "$D/p" --require-signed-plugins "$D/keyring" plugins
  assert_exit 78
  assert_contains "$D/stderr" "no OpenPGP certificate found"
  assert_no_file "$D/ran"
}

[ -f "$CTOR" ] || hard_error "no test module at $CTOR"
run_case "a module signed by a key of the keyring loads" t_signed_loads
run_case "an unsigned module is refused before its code runs" \
  t_unsigned_refused
run_case "a signature over other bytes is refused" t_wrong_signature_refused
run_case "a signature by a key outside the keyring is refused" \
  t_unknown_signer_refused
run_case "a module changed after signing is refused" \
  t_modified_after_signing_refused
run_case "a keyring without certificates: exit 78" t_bad_keyring
finish
