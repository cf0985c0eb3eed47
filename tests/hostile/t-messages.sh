#!/bin/sh
# t-messages.sh - hostile messages for decrypt and verify: every
# truncation at a step of a few bytes, a byte flipped at every 17th
# offset, empty input and garbage, each run as one message of a batch.
# Each message either yields exactly the plaintext or fails with a
# documented exit code (3, 29, 41) and no output at all.

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

K="$top_srcdir/tests/data/keys"
M="$top_srcdir/tests/data/gpg/messages"
ALICE=015ABD50EB712E873C6BB2B009037A2EDFD86C9F
BOB=37213D1976A23E2625719E022975619AFF1CDD85

RT=$(mktemp -d /tmp/pms.XXXXXX) || exit 99
trap 'rm -rf "$T" "$RT"' EXIT
export PGPSTEP_RUNTIME_DIR="$RT"

pgp ()
{
  "$PGPSTEP" --plugin-dir "$top_builddir/plugins/decrypt/.libs" \
    --plugin-dir "$top_builddir/plugins/verify/.libs" "$@" \
    >"$D/stdout" 2>"$D/stderr"
  rc=$?
}

# mutate SRC DIR TRUNC_STEP: DIR gets SRC cut at every TRUNC_STEP-th
# length, SRC with one byte flipped (xor 0x41) at every 17th offset,
# an empty file and garbage.
mutate ()
{
  _size=$(wc -c <"$1")
  _i=0
  while [ $_i -lt "$_size" ]; do
    head -c $_i "$1" >"$2/cut-$_i"
    _i=$((_i + $3))
  done
  _i=0
  while [ $_i -lt "$_size" ]; do
    head -c $_i "$1" >"$2/flip-$_i"
    _b=$(od -An -tu1 -j $_i -N1 "$1" | tr -d ' ')
    printf "\\$(printf '%03o' $((_b ^ 65)))" >>"$2/flip-$_i"
    tail -c +$((_i + 2)) "$1" >>"$2/flip-$_i"
    _i=$((_i + 17))
  done
  : >"$2/empty"
  head -c 3000 /dev/urandom >"$2/garbage"
}

# check_batch DIR OUT PLAIN: every message of the batch's JSON lines
# is ok with exactly PLAIN, or failed with 3, 29 or 41 and no output.
check_batch ()
{
  _n=0
  for _f in "$1"/*; do
    _name=${_f##*/}
    _n=$((_n + 1))
    _line=$(grep "^{\"message\": \"$_name\"," "$D/stdout")
    case $_line in
      *'"status": "ok"'*)
        cmp -s "$2/$_name" "$3" \
          || fail "$_name: released output differs from the plaintext" ;;
      *'"status": "failed", "exit": 3,'*|*'"status": "failed", "exit": 29,'*|\
      *'"status": "failed", "exit": 41,'*)
        [ -e "$2/$_name" ] && fail "$_name: failed but left output" ;;
      *)
        fail "$_name: unexpected outcome: $_line" ;;
    esac
  done
  [ "$_n" -gt 40 ] || fail "only $_n messages"
  [ "$(ls -A "$2" | grep -c '^\.')" = 0 ] || fail "temporary files left"
}

t_decrypt_mutations ()
{
  mkdir "$D/in" "$D/out"
  mutate "$M/gpg-enc-to-alice.gpg" "$D/in" 7
  pipeline "$D/p.xml" \
    "<keyring name=\"a\" secret=\"$K/alice.sec.asc\"/>" \
    '<step type="decrypt"><keyring>a</keyring></step>'
  pgp run "$D/p.xml" --batch "$D/in" -o "$D/out" --jobs 2
  [ "$rc" != 0 ] || fail "no message failed"
  check_batch "$D/in" "$D/out" "$M/invoice.xml"
  # The untouched message decrypts (cut at full length is not made).
  grep -q '"message": "flip-0", "status": "failed"' "$D/stdout" \
    || fail "a flipped packet tag was accepted"
  assert_dir_holds "$RT"
}

t_decrypt_signed_mutations ()
{
  mkdir "$D/in" "$D/out"
  mutate "$M/gpg-bob-signed-enc-to-alice.gpg" "$D/in" 13
  pipeline "$D/p.xml" \
    "<keyring name=\"a\" secret=\"$K/alice.sec.asc\"/>" \
    "<keyring name=\"b\" public=\"$K/bob.pub.asc\"/>" \
    "<step type=\"decrypt\"><keyring>a</keyring><keyring>b</keyring><allowed-signer>$BOB</allowed-signer></step>"
  pgp run "$D/p.xml" --batch "$D/in" -o "$D/out" --jobs 2
  check_batch "$D/in" "$D/out" "$M/invoice.xml"
  assert_dir_holds "$RT"
}

t_verify_mutations ()
{
  for msg in gen-alice-signed-z0.gpg gpg-alice-clearsigned.asc; do
    rm -rf "$D/in" "$D/out"
    mkdir "$D/in" "$D/out"
    mutate "$M/$msg" "$D/in" 11
    pipeline "$D/p.xml" \
      "<keyring name=\"a\" public=\"$K/alice.pub.asc\"/>" \
      "<step type=\"verify\"><keyring>a</keyring><allowed-signer>$ALICE</allowed-signer></step>"
    pgp run "$D/p.xml" --batch "$D/in" -o "$D/out" --jobs 2
    check_batch "$D/in" "$D/out" "$M/invoice.xml"
  done
  assert_dir_holds "$RT"
}

# fake_pkesks N FILE: N public-key session key packets (v3, random key
# IDs, RSA, a one-byte MPI) that no key of ours matches.
fake_pkesks ()
{
  _i=0
  while [ $_i -lt "$1" ]; do
    printf '\301\015\003'
    head -c 8 /dev/urandom
    printf '\001\000\010\377'
    _i=$((_i + 1))
  done >"$2"
}

t_thousand_recipients ()
{
  mkdir "$D/out"
  pipeline "$D/p.xml" \
    "<keyring name=\"a\" secret=\"$K/alice.sec.asc\"/>" \
    '<step type="decrypt"><keyring>a</keyring></step>'
  # 200 foreign recipients before alice's: it still decrypts.
  fake_pkesks 200 "$D/fake"
  cat "$D/fake" "$M/gpg-enc-to-alice.gpg" >"$D/many.gpg"
  pgp run "$D/p.xml" -i "$D/many.gpg" -o "$D/out/ok"
  assert_exit 0
  assert_same "$M/invoice.xml" "$D/out/ok"
  # 1000: beyond what pgpstep checks (256 recipients): refused, 41.
  fake_pkesks 1000 "$D/fake"
  cat "$D/fake" "$M/gpg-enc-to-alice.gpg" >"$D/lots.gpg"
  t0=$(now_ms)
  pgp run "$D/p.xml" -i "$D/lots.gpg" -o "$D/out/no"
  assert_exit 41
  assert_contains "$D/stderr" "more recipients or signatures than pgpstep checks (256"
  assert_no_file "$D/out/no"
  [ $(( $(now_ms) - t0 )) -lt $((20000 * slow)) ] || fail "too slow"
  # Only foreign ones (alice's packet cut out): 29, a short message.
  fake_pkesks 200 "$D/fake"
  { cat "$D/fake"; tail -c +$(( $(head -c 2 "$M/gpg-enc-to-alice.gpg" | od -An -tu1 | awk '{print $2 + 3}') )) "$M/gpg-enc-to-alice.gpg"; } >"$D/none.gpg"
  pgp run "$D/p.xml" -i "$D/none.gpg" -o "$D/out/none"
  assert_exit 29
  assert_no_file "$D/out/none"
  [ "$(wc -c <"$D/stderr")" -lt 4096 ] || fail "error text of $(wc -c <"$D/stderr") bytes"
  assert_dir_holds "$RT"
}

t_hostile_literal_name ()
{
  H=$(mktemp -d /tmp/pmh.XXXXXX)
  gpg --homedir "$H" --batch -q --import "$K/alice.pub.asc" 2>/dev/null
  echo payload >"$D/in"
  gpg --homedir "$H" --batch -q --trust-model always -r $ALICE \
    --set-filename "$(printf '../../etc/pa\001ss\nwd')" -o "$D/m.gpg" \
    -e "$D/in" 2>/dev/null
  gpgconf --homedir "$H" --kill all 2>/dev/null
  rm -rf "$H"
  mkdir "$D/out"
  pipeline "$D/p.xml" \
    "<keyring name=\"a\" secret=\"$K/alice.sec.asc\"/>" \
    '<step type="decrypt"><keyring>a</keyring></step>'
  pgp run "$D/p.xml" -i "$D/m.gpg" -o "$D/out/x" --headers-out "$D/h.json"
  assert_exit 0
  assert_same "$D/in" "$D/out/x"
  # Data only, never a path: no directory part, no control character.
  assert_contains "$D/h.json" '"pgp.literal.filename": "pa_ss_wd"'
  assert_dir_holds "$D/out" x
  [ ! -e "$D/etc" ] && [ ! -e "$D/../etc/pa" ] || fail "a file was made"
}

[ -f "$top_builddir/plugins/decrypt/.libs/decrypt.so" ] \
  || hard_error "no decrypt plugin built"
run_case "decrypt: truncations, flipped bytes, empty, garbage" \
  t_decrypt_mutations
run_case "decrypt requiring a signature: truncations and flipped bytes" \
  t_decrypt_signed_mutations
run_case "verify: one-pass and cleartext messages mutated" \
  t_verify_mutations
run_case "200 foreign recipients decrypt; 1000 are refused (41); none ours: 29" \
  t_thousand_recipients
run_case "a literal file name with ../ and control characters is data only" \
  t_hostile_literal_name
finish
