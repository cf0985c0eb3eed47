#!/bin/sh
# t-encrypt.sh - the encrypt step end to end: descriptors with
# <keyring public=... secret=...>, the host's runtime homes, and the
# partner's gpg decrypting (and verifying) what pgpstep wrote.

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

PLUGIN_DIR="$top_builddir/plugins/encrypt/.libs"
K="$top_srcdir/tests/data/gpg/keys"
INVOICE="$top_srcdir/tests/data/gpgrun/invoice.xml"

ALICE=015ABD50EB712E873C6BB2B009037A2EDFD86C9F
CAROL=2CD7BF5B19080ACFDAD9A97A0EA17B0BD56D690F
EXPIRED=F241EF2770F4467D1CCFCB34757CB89B53BE88F2
REVOKED=A6868A22AC315F24D8571D9CDD0A15B96E001FA3
SIGNONLY=06E58D2062B4E91FE0D8550CF70B9058CB9C033A

# The partners' homes: carol (secret) with alice's certificate, and an
# empty one for passwords.  Short paths: the agent socket must fit.
P=$(mktemp -d /tmp/pet-cli.XXXXXX) || exit 99
stop_agents ()
{
  for _h in "$P"/carol "$P"/empty; do
    [ -d "$_h" ] || continue
    gpgconf --homedir "$_h" --kill all 2>/dev/null
    # gpgconf returns before the agent is gone.
    _n=0
    while [ -e "$_h/S.gpg-agent" ] && [ $_n -lt 500 ]; do
      sleep 0.01
      _n=$((_n + 1))
    done
  done
}
trap 'stop_agents; rm -rf "$T" "$P"' EXIT

mkdir -m 700 "$P/carol" "$P/empty" || hard_error "cannot create homes"
gpg --homedir "$P/carol" --batch --quiet --import "$K/carol.sec.asc" \
  "$K/alice.pub.asc" 2>/dev/null || hard_error "cannot import carol's key"

[ -x "$PGPSTEP" ] || hard_error "no program at $PGPSTEP"
[ -f "$PLUGIN_DIR/encrypt.so" ] || hard_error "no plugin at $PLUGIN_DIR"

# partner_decrypt HOME FILE [GPG-OPTIONS...]: plaintext in $D/dec,
# status lines in $D/status, exit code in $grc.
partner_decrypt ()
{
  _home=$1
  _file=$2
  shift 2
  gpg --homedir "$P/$_home" --batch --no-options --pinentry-mode loopback \
    --status-fd 3 "$@" -o "$D/dec" --yes -d "$_file" \
    3>"$D/status" 2>"$D/gpgerr"
  grc=$?
}

# keyrings: the <keyring> lines every descriptor here uses.
ours="<keyring name=\"ours\" public=\"$K/alice.pub.asc\" secret=\"$K/alice.sec.asc\"/>"
partner="<keyring name=\"partner\" public=\"$K/carol.pub.asc\"/>"
bad="<keyring name=\"bad\" public=\"$K/expired.pub.asc\"/>"
bad2="<keyring name=\"bad2\" public=\"$K/revoked.pub.asc\"/>"
bad3="<keyring name=\"bad3\" public=\"$K/signonly.pub.asc\"/>"

t_sign_encrypt_armor ()
{
  pipeline "$D/p.xml" "$ours" "$partner" \
    '<step type="encrypt" id="out">' \
    '  <keyring>ours</keyring> <keyring>partner</keyring>' \
    "  <recipient>$CAROL</recipient>" \
    '  <sign-with>&lt;alice@example.org&gt;</sign-with>' \
    '  <armor>true</armor> <compression>zlib</compression>' \
    '</step>'
  cli run "$D/p.xml" -i "$INVOICE" -o "$D/out.asc" --headers-out "$D/h.json"
  assert_exit 0
  assert_contains "$D/out.asc" "-----BEGIN PGP MESSAGE-----"
  assert_contains "$D/h.json" "\"pgp.recipients\": \"$CAROL\""
  assert_contains "$D/h.json" "\"pgp.signers\": \"$ALICE\""
  assert_contains "$D/h.json" '"pgp.signature.digest": "SHA256"'
  assert_contains "$D/h.json" '"pgp.cipher": "AES256"'
  assert_contains "$D/h.json" '"pgp.compression": "zlib"'
  assert_contains "$D/h.json" '"pgp.armor": "true"'
  partner_decrypt carol "$D/out.asc"
  [ "$grc" = 0 ] || fail "partner's gpg -d exited $grc"
  assert_same "$INVOICE" "$D/dec"
  assert_contains "$D/status" "VALIDSIG "
  assert_contains "$D/status" " $ALICE"
  assert_contains "$D/status" "DECRYPTION_INFO 2 9"
}

t_stdin_stdout_binary ()
{
  random_file "$D/in" 2000000
  pipeline "$D/p.xml" "$partner" \
    '<step type="encrypt"><keyring>partner</keyring>' \
    '  <recipient>Carol Sequoia &lt;carol@example.org&gt;</recipient>' \
    '  <cipher>CAMELLIA256</cipher></step>'
  cli run "$D/p.xml" <"$D/in"
  assert_exit 0
  partner_decrypt carol "$D/stdout"
  [ "$grc" = 0 ] || fail "partner's gpg -d exited $grc"
  assert_same "$D/in" "$D/dec"
  assert_contains "$D/status" "DECRYPTION_INFO 2 13"
}

# gpg reads and writes the files itself: the -v line still counts them.
t_log_counts_bytes_gpg_moved ()
{
  random_file "$D/in" 2000000
  pipeline "$D/p.xml" "$partner" \
    '<step type="encrypt"><keyring>partner</keyring>' \
    "  <recipient>$CAROL</recipient></step>"
  cli -v run "$D/p.xml" -i "$D/in" -o "$D/out"
  assert_exit 0
  _out=$(wc -c <"$D/out")
  [ "$_out" -gt 2000000 ] || fail "output of $_out bytes"
  assert_contains "$D/stderr" "2000000 bytes in, $_out bytes out"
}

# stdout opened for appending (gpg's output reaches it through a pipe
# and splice, or read/write where splice is refused; below 1 MiB of
# input gpg writes the file itself).
t_stdout_appended_file ()
{
  random_file "$D/in" "${1:-3000000}"
  printf 'existing line\n' >"$D/app"
  pipeline "$D/p.xml" "$partner" \
    '<step type="encrypt"><keyring>partner</keyring>' \
    "  <recipient>$CAROL</recipient></step>"
  "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" run "$D/p.xml" -i "$D/in" -o - \
    >>"$D/app" 2>"$D/stderr"
  rc=$?
  assert_exit 0
  [ "$(head -n 1 "$D/app")" = "existing line" ] || fail "the old content is gone"
  tail -c +15 "$D/app" >"$D/enc"
  partner_decrypt carol "$D/enc"
  [ "$grc" = 0 ] || fail "partner's gpg -d exited $grc"
  assert_same "$D/in" "$D/dec"
}

t_header_recipient ()
{
  pipeline "$D/p.xml" "$ours" "$partner" \
    '<step type="encrypt"><keyring>ours</keyring><keyring>partner</keyring>' \
    '  <recipient>${header.partner}</recipient></step>'
  cli run "$D/p.xml" -i "$INVOICE" -o "$D/out.gpg" \
    --header 'partner=<carol@example.org>' --header filename=inv-1.xml \
    --headers-out "$D/h.json"
  assert_exit 0
  assert_contains "$D/h.json" "\"pgp.recipients\": \"$CAROL\""
  partner_decrypt carol "$D/out.gpg"
  assert_same "$INVOICE" "$D/dec"
  assert_contains "$D/status" "PLAINTEXT 62 "
  assert_contains "$D/status" " inv-1.xml"

  # A key that is not in the step's keyrings: exit 17, no output.
  cli run "$D/p.xml" -i "$INVOICE" -o "$D/out2.gpg" \
    --header 'partner=<bob@example.org>'
  assert_exit 17
  assert_contains "$D/stderr" "no key for '<bob@example.org>'"
  assert_no_file "$D/out2.gpg"
}

# refused KEYRING-LINE FPR REASON: load fails with 17 naming the key.
refused ()
{
  pipeline "$D/p.xml" "$partner" "$1" \
    '<step type="encrypt" id="out"><keyring>partner</keyring>' \
    "  <keyring>$(echo "$1" | sed 's/.*name="\([a-z0-9]*\)".*/\1/')</keyring>" \
    "  <recipient>$CAROL</recipient> <recipient>$2</recipient></step>"
  cli run "$D/p.xml" -i "$INVOICE" -o "$D/out.gpg"
  assert_exit 17
  assert_contains "$D/stderr" "$2"
  assert_contains "$D/stderr" "$3"
  assert_no_file "$D/out.gpg"
}

t_refused_keys ()
{
  refused "$bad" "$EXPIRED" "expired"
  refused "$bad2" "$REVOKED" "revoked"
  refused "$bad3" "$SIGNONLY" "no encryption-capable subkey"
}

t_legacy_cipher ()
{
  pipeline "$D/p.xml" "$partner" \
    '<step type="encrypt"><keyring>partner</keyring>' \
    "  <recipient>$CAROL</recipient> <cipher>CAST5</cipher></step>"
  cli validate "$D/p.xml"
  assert_exit 37
  assert_contains "$D/stderr" "cipher"
  assert_contains "$D/stderr" "allow-legacy"
  pipeline "$D/p.xml" "$partner" \
    '<step type="encrypt"><keyring>partner</keyring>' \
    "  <recipient>$CAROL</recipient> <cipher>CAST5</cipher>" \
    '  <allow-legacy>true</allow-legacy></step>'
  cli run "$D/p.xml" -i "$INVOICE" -o "$D/out.gpg"
  assert_exit 0
  partner_decrypt carol "$D/out.gpg"
  assert_contains "$D/status" "DECRYPTION_INFO 2 3"
}

t_password ()
{
  mkdir -m 700 "$D/secrets"
  printf 'correct horse' >"$D/secrets/pw"
  chmod 600 "$D/secrets/pw"
  pipeline "$D/p.xml" "$partner" \
    '<step type="encrypt"><keyring>partner</keyring>' \
    '  <password>secret:pw</password> <armor>true</armor></step>'
  "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" --secrets "$D/secrets" \
    run "$D/p.xml" -i "$INVOICE" -o "$D/out.asc" >"$D/stdout" 2>"$D/stderr"
  rc=$?
  assert_exit 0
  assert_not_contains "$D/stderr" "correct horse"
  partner_decrypt empty "$D/out.asc" --passphrase 'correct horse'
  [ "$grc" = 0 ] || fail "gpg -d with the password exited $grc"
  assert_same "$INVOICE" "$D/dec"
}

# No runtime home and no process of one (an agent) under $D/rt.
assert_nothing_left ()
{
  if pgrep -f "$D/rt" >/dev/null; then
    fail "processes of the run survive: $(pgrep -a -f "$D/rt")"
  fi
  assert_dir_holds "$D/rt"
}

t_password_no_keyring ()
{
  # A password alone: no keyring at all.  gpg -c starts an agent in
  # the host's empty home; the host stops it and removes the home.
  mkdir -m 700 "$D/secrets" "$D/rt"
  printf 'correct horse' >"$D/secrets/pw"
  chmod 600 "$D/secrets/pw"
  pipeline "$D/p.xml" \
    '<step type="encrypt"><password>secret:pw</password></step>'
  PGPSTEP_RUNTIME_DIR="$D/rt" "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" \
    --secrets "$D/secrets" run "$D/p.xml" -i "$INVOICE" -o "$D/out.gpg" \
    --headers-out "$D/h.json" >"$D/stdout" 2>"$D/stderr"
  rc=$?
  assert_exit 0
  assert_contains "$D/h.json" '"pgp.password": "true"'
  assert_contains "$D/h.json" '"pgp.recipients": ""'
  assert_nothing_left
  partner_decrypt empty "$D/out.gpg" --passphrase 'correct horse'
  [ "$grc" = 0 ] || fail "gpg -d with the password exited $grc"
  assert_same "$INVOICE" "$D/dec"
  assert_not_contains "$D/status" "ENC_TO "

  # The decrypt step with the same password, no keyring either.
  pipeline "$D/p2.xml" \
    '<step type="decrypt"><password>secret:pw</password></step>'
  PGPSTEP_RUNTIME_DIR="$D/rt" "$PGPSTEP" \
    --plugin-dir "$top_builddir/plugins/decrypt/.libs" \
    --secrets "$D/secrets" run "$D/p2.xml" -i "$D/out.gpg" \
    -o "$D/plain" >"$D/stdout" 2>"$D/stderr"
  rc=$?
  assert_exit 0
  assert_same "$INVOICE" "$D/plain"
  assert_nothing_left
}

t_password_no_keyring_signal ()
{
  # SIGTERM while gpg -c runs: the signal handler removes the empty
  # home; its agent (pid unknown to the host) quits once its home is
  # gone.
  mkdir -m 700 "$D/secrets" "$D/rt"
  printf 'correct horse' >"$D/secrets/pw"
  chmod 600 "$D/secrets/pw"
  pipeline "$D/p.xml" \
    '<step type="encrypt"><password>secret:pw</password></step>'
  mkfifo "$D/fifo"
  ( head -c 100000 /dev/urandom; exec sleep 10 ) >"$D/fifo" &
  _feeder=$!
  PGPSTEP_RUNTIME_DIR="$D/rt" "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" \
    --secrets "$D/secrets" run "$D/p.xml" -o "$D/out.gpg" <"$D/fifo" \
    >"$D/stdout" 2>"$D/stderr" &
  _pid=$!
  _n=0
  while ! pgrep -f "gpg-agent --homedir $D/rt" >/dev/null \
        && [ $_n -lt $((500 * slow)) ]; do
    sleep 0.01
    _n=$((_n + 1))
  done
  pgrep -f "gpg-agent --homedir $D/rt" >/dev/null \
    || fail "gpg -c started no agent in the empty home"
  kill -TERM $_pid
  wait $_pid
  rc=$?
  kill "$_feeder" 2>/dev/null
  wait "$_feeder" 2>/dev/null
  [ $rc = 143 ] || fail "expected exit 143 after SIGTERM, got $rc"
  _n=0
  while pgrep -f "$D/rt" >/dev/null && [ $_n -lt 300 ]; do
    sleep 0.01
    _n=$((_n + 1))
  done
  assert_nothing_left
  assert_no_file "$D/out.gpg"
}

# two_step_setup IN: $D/signed.gpg is IN signed by alice (what an
# upstream sign step outputs) and $D/p.xml encrypts to carol.
two_step_setup ()
{
  gpg --homedir "$P/carol" --batch --quiet --import "$K/alice.sec.asc" \
    2>/dev/null
  gpg --homedir "$P/carol" --batch --no-options -u "$ALICE" --sign \
    -o "$D/signed.gpg" "$1" 2>/dev/null \
    || fail "cannot make the signed input"
  gpg --homedir "$P/carol" --batch --yes --delete-secret-keys "$ALICE" \
    2>/dev/null
  pipeline "$D/p.xml" "$partner" \
    '<step type="encrypt"><keyring>partner</keyring>' \
    "  <recipient>$CAROL</recipient></step>"
}

t_two_step_signed_input ()
{
  two_step_setup "$INVOICE"
  cli run "$D/p.xml" -o "$D/out.gpg" --headers-out "$D/h.json" \
    <"$D/signed.gpg"
  assert_exit 0
  assert_contains "$D/h.json" '"pgp.input": "openpgp"'
  # The partner's plain gpg -d checks alice's signature.
  partner_decrypt carol "$D/out.gpg"
  [ "$grc" = 0 ] || fail "partner's gpg -d exited $grc"
  assert_same "$INVOICE" "$D/dec"
  assert_contains "$D/status" "GOODSIG 09037A2EDFD86C9F"
}

# The signed input arriving on a pipe, its head slowly (the encrypt
# step peeks at the pipe without consuming it, waiting for the writer):
# SIZE bytes of payload, more or fewer than the peek wants.
t_two_step_signed_input_pipe ()
{
  random_file "$D/in" "$1"
  two_step_setup "$D/in"
  mkfifo "$D/fifo" || fail "no fifo"
  { head -c 5 "$D/signed.gpg"; sleep 0.1
    head -c 40 "$D/signed.gpg" | tail -c +6; sleep 0.1
    tail -c +41 "$D/signed.gpg"; } >"$D/fifo" &
  cli run "$D/p.xml" -o "$D/out.gpg" --headers-out "$D/h.json" <"$D/fifo"
  wait $!
  assert_exit 0
  assert_contains "$D/h.json" '"pgp.input": "openpgp"'
  partner_decrypt carol "$D/out.gpg"
  [ "$grc" = 0 ] || fail "partner's gpg -d exited $grc"
  assert_same "$D/in" "$D/dec"
  assert_contains "$D/status" "GOODSIG 09037A2EDFD86C9F"
}

t_deadline_mid_stream ()
{
  # A stalled input: gpg has started and waits; the deadline cancels
  # the message.  Nothing of the run may survive it: no gpg, no agent,
  # no runtime home.
  mkdir -m 700 "$D/rt"
  pipeline "$D/p.xml" "$partner" \
    '<step type="encrypt"><keyring>partner</keyring>' \
    "  <recipient>$CAROL</recipient> <armor>true</armor></step>"
  mkfifo "$D/fifo"
  ( head -c 100000 /dev/urandom; exec sleep 10 ) >"$D/fifo" &
  _feeder=$!
  _t0=$(now_ms)
  PGPSTEP_RUNTIME_DIR="$D/rt" "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" \
    run "$D/p.xml" --timeout 1 -o "$D/out.asc" <"$D/fifo" \
    >"$D/stdout" 2>"$D/stderr"
  rc=$?
  _t1=$(now_ms)
  kill "$_feeder" 2>/dev/null
  wait "$_feeder" 2>/dev/null
  assert_exit 75
  [ $((_t1 - _t0)) -lt $((4000 * slow)) ] \
    || fail "took $((_t1 - _t0)) ms to give up"
  assert_no_file "$D/out.asc"
  if pgrep -f "$D/rt" >/dev/null; then
    fail "processes of the run survive: $(pgrep -a -f "$D/rt")"
  fi
  assert_dir_holds "$D/rt"
}

t_describe ()
{
  cli describe encrypt
  assert_exit 0
  for _p in keyring recipient hidden-recipients password cipher \
            compression compression-level armor filename sign-with digest \
            allow-legacy input; do
    assert_contains "$D/stdout" "$_p"
  done
}

run_case "sign+encrypt, armored, headers, partner verifies" t_sign_encrypt_armor
run_case "stdin to stdout, binary, camellia256" t_stdin_stdout_binary
run_case "-v counts the bytes gpg read and wrote itself" \
  t_log_counts_bytes_gpg_moved
run_case "stdout appended to a file keeps its content" t_stdout_appended_file
run_case "stdout appended to a file keeps its content (small input, gpg writes)" \
  t_stdout_appended_file 1000
run_case "recipient from a header; unknown one refused" t_header_recipient
run_case "expired, revoked, sign-only recipients refused (17)" t_refused_keys
run_case "legacy cipher only with allow-legacy (37)" t_legacy_cipher
run_case "password from the secret store" t_password
run_case "password alone, no keyring; nothing left" t_password_no_keyring
run_case "password alone: SIGTERM leaves no home, no agent" \
  t_password_no_keyring_signal
run_case "two-step sign then encrypt: partner verifies" t_two_step_signed_input
run_case "two-step, signed input on a slow pipe, shorter than the peek" \
  t_two_step_signed_input_pipe 1000
run_case "two-step, signed input on a slow pipe, longer than the pipe" \
  t_two_step_signed_input_pipe 300000
run_case "deadline mid-stream: nothing survives" t_deadline_mid_stream
run_case "describe encrypt" t_describe
finish
