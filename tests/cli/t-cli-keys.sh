#!/bin/sh
# t-cli-keys.sh - keyrings end to end: pgpstep keys (text and JSON),
# passphrase checks and their exit codes, runtime homes removed at exit
# and on a signal (agents gone), stale homes swept.  Every case points
# PGPSTEP_RUNTIME_DIR at its own directory, so it sees exactly the homes
# its pgpstep made.

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

K="$top_srcdir/tests/data/keys"
ALICE=015ABD50EB712E873C6BB2B009037A2EDFD86C9F
BOB=37213D1976A23E2625719E022975619AFF1CDD85
CAROL=2CD7BF5B19080ACFDAD9A97A0EA17B0BD56D690F
SIGNONLY=06E58D2062B4E91FE0D8550CF70B9058CB9C033A
EXPIRED=F241EF2770F4467D1CCFCB34757CB89B53BE88F2
REVOKED=A6868A22AC315F24D8571D9CDD0A15B96E001FA3
BOB_PASS="bob passphrase"

command -v gpg >/dev/null && command -v gpgconf >/dev/null \
  || hard_error "gpg and gpgconf are needed"

# Each case: its own runtime directory and secret store.
new_dirs ()
{
  mkdir -m 700 "$D/rt" "$D/secrets" || hard_error "cannot create dirs"
  PGPSTEP_RUNTIME_DIR="$D/rt"
  export PGPSTEP_RUNTIME_DIR
}

# No home, and so no agent, may be left in the runtime directory.
assert_no_homes ()
{
  _left=$(ls -A "$D/rt")
  [ -z "$_left" ] || fail "runtime homes left behind: $_left"
}

# All keys of the test vectors in six keyrings.
all_keys_pipeline ()
{
  pipeline "$D/p.xml" \
    "<keyring name=\"ours\" public=\"$K/alice.pub.asc\" secret=\"$K/alice.sec.asc\"/>" \
    "<keyring name=\"bob\" secret=\"$K/bob.sec.asc\" passphrase=\"secret:bob\"/>" \
    "<keyring name=\"partners\" public=\"$K/carol.pub.asc\"/>" \
    "<keyring name=\"odd\" public=\"$K/signonly.pub.asc\"/>" \
    "<keyring name=\"old\" public=\"$K/expired.pub.asc\"/>" \
    "<keyring name=\"gone\" public=\"$K/revoked.pub.asc\"/>" \
    '<step type="typed"><needed>x</needed><keyring>ours</keyring><keyring>partners</keyring></step>'
  printf '%s\n' "$BOB_PASS" >"$D/secrets/bob"
  chmod 600 "$D/secrets/bob"
}

# The text block of key FPR (its line and the three below).
key_block ()
{
  grep -A3 "^  $1 " "$D/stdout"
}

t_keys_text ()
{
  new_dirs
  all_keys_pipeline
  cli --secrets "$D/secrets" keys "$D/p.xml"
  assert_exit 0
  assert_empty "$D/stderr"
  for k in ours bob partners odd old gone; do
    assert_contains "$D/stdout" "keyring $k"
  done
  key_block $ALICE >"$D/alice"
  assert_contains "$D/alice" "ed25519/255  Valid"
  assert_contains "$D/alice" "uid: Alice Example <alice@example.org>"
  assert_contains "$D/alice" "capabilities: encrypt sign certify"
  assert_contains "$D/alice" "secret: yes"
  assert_contains "$D/alice" "expires: never"
  key_block $BOB >"$D/bob"
  assert_contains "$D/bob" "rsa3072/3072  Valid"
  assert_contains "$D/bob" "secret: yes"
  key_block $CAROL >"$D/carol"
  assert_contains "$D/carol" "Valid"
  assert_contains "$D/carol" "secret: no"
  assert_contains "$D/carol" "expires: 2029-11-22"
  key_block $SIGNONLY >"$D/signonly"
  assert_contains "$D/signonly" "capabilities: sign certify"
  assert_not_contains "$D/signonly" "encrypt"
  key_block $EXPIRED >"$D/expired"
  assert_contains "$D/expired" "Expired"
  assert_contains "$D/expired" "capabilities: none"
  key_block $REVOKED >"$D/revoked"
  assert_contains "$D/revoked" "Revoked"
  assert_not_contains "$D/stdout" "$BOB_PASS"
  assert_no_homes
}

t_keys_warn_days ()
{
  new_dirs
  all_keys_pipeline
  cli --secrets "$D/secrets" keys "$D/p.xml" --warn-days 2000
  assert_exit 0
  key_block $CAROL >"$D/carol"
  assert_contains "$D/carol" "Critical"
  key_block $ALICE >"$D/alice"
  assert_contains "$D/alice" "Valid"
  cli --secrets "$D/secrets" keys "$D/p.xml" --warn-days 0
  assert_exit 2
  cli --secrets "$D/secrets" keys "$D/p.xml" --warn-days x
  assert_exit 2
  assert_contains "$D/stderr" "--warn-days"
}

t_keys_json ()
{
  new_dirs
  all_keys_pipeline
  cli --secrets "$D/secrets" keys --json "$D/p.xml"
  assert_exit 0
  tr -d '\n' <"$D/stdout" >"$D/flat"
  assert_matches "$D/flat" '^\[ *\{.*\} *\] *$'
  assert_contains "$D/stdout" "{\"keyring\": \"ours\", \"fingerprint\": \"$ALICE\", \"user_ids\": [\"Alice Example <alice@example.org>\"], \"algorithm\": \"ed25519\", \"bits\": 255, \"capabilities\": [\"encrypt\", \"sign\", \"certify\"], \"secret\": true, \"created\": \"2026-11-26T"
  assert_contains "$D/stdout" "\"fingerprint\": \"$BOB\""
  grep -F "\"$CAROL\"" "$D/stdout" >"$D/carol"
  assert_contains "$D/carol" '"expires": "2029-11-22T'
  assert_contains "$D/carol" '"status": "valid"'
  assert_contains "$D/carol" '"secret": false'
  grep -F "\"$SIGNONLY\"" "$D/stdout" >"$D/signonly"
  assert_contains "$D/signonly" '"capabilities": ["sign", "certify"]'
  grep -F "\"$EXPIRED\"" "$D/stdout" >"$D/expired"
  assert_contains "$D/expired" '"status": "expired"'
  assert_contains "$D/expired" '"capabilities": []'
  grep -F "\"$REVOKED\"" "$D/stdout" >"$D/revoked"
  assert_contains "$D/revoked" '"status": "revoked"'
  assert_contains "$D/revoked" '"expires": null'
  [ "$(grep -c '"fingerprint"' "$D/stdout")" = 6 ] \
    || fail "expected 6 keys in the JSON output"
  cli --secrets "$D/secrets" keys --json --warn-days 2000 "$D/p.xml"
  grep -F "\"$CAROL\"" "$D/stdout" >"$D/carol"
  assert_contains "$D/carol" '"status": "critical"'
  assert_no_homes
}

t_keys_help ()
{
  cli keys --help
  assert_exit 0
  assert_contains "$D/stdout" "Usage: pgpstep keys PIPELINE"
  assert_contains "$D/stdout" "--warn-days"
  cli --help
  assert_contains "$D/stdout" "keys PIPELINE"
  cli keys
  assert_exit 2
  assert_contains "$D/stderr" "missing PIPELINE"
}

bob_pipeline ()
{
  pipeline "$D/p.xml" \
    "<keyring name=\"signer\" secret=\"$K/bob.sec.asc\" passphrase=\"$1\"/>" \
    '<step type="typed" id="t"><needed>x</needed><keyring>signer</keyring></step>'
}

t_passphrase_secret_store ()
{
  new_dirs
  bob_pipeline secret:bob
  printf '%s' "$BOB_PASS" >"$D/secrets/bob"
  chmod 600 "$D/secrets/bob"
  cli --secrets "$D/secrets" validate "$D/p.xml"
  assert_exit 0
  PGPSTEP_SECRETS="$D/secrets" cli -v -v validate "$D/p.xml"
  assert_exit 0
  assert_not_contains "$D/stderr" "$BOB_PASS"
  assert_no_homes
}

t_passphrase_env ()
{
  new_dirs
  bob_pipeline env:T_CLI_KEYS_PASS
  T_CLI_KEYS_PASS="$BOB_PASS" cli validate "$D/p.xml"
  assert_exit 0
  assert_no_homes
}

t_passphrase_wrong ()
{
  new_dirs
  bob_pipeline secret:bob
  printf '%s' "bob passphrasX" >"$D/secrets/bob"
  chmod 600 "$D/secrets/bob"
  cli --secrets "$D/secrets" -v -v keys "$D/p.xml"
  assert_exit 67
  assert_contains "$D/stderr" "keyring 'signer'"
  assert_contains "$D/stderr" "$BOB"
  assert_contains "$D/stderr" "wrong passphrase"
  assert_not_contains "$D/stderr" "passphrasX"
  assert_empty "$D/stdout"
  assert_no_homes
}

# Bob's key in two keyrings of one step (one runtime home): the first
# unprotects it there, and the second's wrong passphrase must still
# fail the load.
t_passphrase_shared_key_wrong ()
{
  new_dirs
  pipeline "$D/p.xml" \
    "<keyring name=\"signer\" secret=\"$K/bob.sec.asc\" passphrase=\"secret:bob\"/>" \
    "<keyring name=\"again\" secret=\"$K/bob.sec.asc\" passphrase=\"secret:bad\"/>" \
    '<step type="typed" id="t"><needed>x</needed><keyring>signer</keyring><keyring>again</keyring></step>'
  printf '%s' "$BOB_PASS" >"$D/secrets/bob"
  printf '%s' "bob passphrasX" >"$D/secrets/bad"
  chmod 600 "$D/secrets/bob" "$D/secrets/bad"
  cli --secrets "$D/secrets" -v -v validate "$D/p.xml"
  assert_exit 67
  assert_contains "$D/stderr" "keyring 'again'"
  assert_contains "$D/stderr" "$BOB"
  assert_contains "$D/stderr" "wrong passphrase"
  assert_not_contains "$D/stderr" "passphrasX"
  assert_no_homes
  # The same passphrase for both: loads.
  cp "$D/secrets/bob" "$D/secrets/bad"
  cli --secrets "$D/secrets" validate "$D/p.xml"
  assert_exit 0
  assert_no_homes
}

t_passphrase_missing ()
{
  new_dirs
  pipeline "$D/p.xml" \
    "<keyring name=\"signer\" secret=\"$K/bob.sec.asc\"/>" \
    '<step type="typed"><needed>x</needed><keyring>signer</keyring></step>'
  cli validate "$D/p.xml"
  assert_exit 67
  assert_contains "$D/stderr" "keyring 'signer'"
  assert_contains "$D/stderr" "$BOB"
  assert_no_homes
}

t_secret_mode ()
{
  new_dirs
  bob_pipeline secret:bob
  printf '%s' "$BOB_PASS" >"$D/secrets/bob"
  chmod 644 "$D/secrets/bob"
  cli --secrets "$D/secrets" validate "$D/p.xml"
  assert_exit 78
  assert_contains "$D/stderr" "keyring 'signer'"
  assert_contains "$D/stderr" "0644"
  assert_not_contains "$D/stderr" "$BOB_PASS"
  assert_no_homes
}

t_bad_key_files ()
{
  new_dirs
  pipeline "$D/p.xml" \
    '<keyring name="partner" public="keys/p.asc"/>' \
    '<step type="typed"><needed>x</needed><keyring>partner</keyring></step>'
  cli keys "$D/p.xml"
  assert_exit 78
  assert_contains "$D/stderr" "keyring 'partner': public="
  assert_contains "$D/stderr" "keys/p.asc"
  echo "not a key" >"$D/garbage.asc"
  pipeline "$D/p.xml" \
    "<keyring name=\"partner\" public=\"$D/garbage.asc\"/>" \
    '<step type="typed"><needed>x</needed><keyring>partner</keyring></step>'
  cli validate "$D/p.xml"
  assert_exit 78
  assert_contains "$D/stderr" "keyring 'partner': public=$D/garbage.asc: no OpenPGP key found"
  assert_no_homes
}

# The agent pid recorded in the owner file ("pid start\nagent-pid
# agent-start") of the home that has one: a keyless step's empty home
# beside it records none.
agent_pid ()
{
  for _o in "$D"/rt/ps.*/pgpstep.owner; do
    _a=$(sed -n '2s/ .*//p' "$_o" 2>/dev/null)
    if [ -n "$_a" ] && [ "$_a" != 0 ]; then
      echo "$_a"
      return
    fi
  done
}

# The runtime home whose owner file records agent PID.
home_of_agent ()
{
  for _o in "$D"/rt/ps.*/pgpstep.owner; do
    if [ "$(sed -n '2s/ .*//p' "$_o" 2>/dev/null)" = "$1" ]; then
      echo "${_o%/pgpstep.owner}"
      return
    fi
  done
}

# pid_gone PID: not running (a zombie counts as gone), within 3 s.
pid_gone ()
{
  _i=0
  while [ $_i -lt 300 ]; do
    _s=$(sed -n 's/^[^)]*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
    [ -z "$_s" ] || [ "$_s" = Z ] && return 0
    sleep 0.01
    _i=$((_i + 1))
  done
  return 1
}

t_signal_and_speed ()
{
  new_dirs
  pipeline "$D/p.xml" \
    "<keyring name=\"signer\" secret=\"$K/bob.sec.asc\" passphrase=\"secret:bob\"/>" \
    '<step type="typed" id="t"><needed>x</needed><keyring>signer</keyring></step>' \
    '<step type="stall" id="s"/>'
  printf '%s' "$BOB_PASS" >"$D/secrets/bob"
  chmod 600 "$D/secrets/bob"
  "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" --secrets "$D/secrets" \
    run "$D/p.xml" -i /dev/null -o "$D/out" >"$D/stdout" 2>"$D/stderr" &
  pid=$!
  # The agent is recorded before the import (the signal cleanup knows
  # it throughout); the load is done once the empty home, made after
  # the keyring's, has appeared too.
  i=0
  while [ $i -lt $((1000 * slow)) ] \
        && { [ -z "$(agent_pid)" ] || [ "$(agent_pid)" = 0 ] \
             || [ "$(ls -d "$D"/rt/ps.* 2>/dev/null | wc -l)" != 2 ]; }; do
    sleep 0.01
    i=$((i + 1))
  done
  agent=$(agent_pid)
  home=$(home_of_agent "$agent")
  # The keyless stall step has the pipeline's empty home beside it.
  [ "$(ls -d "$D"/rt/ps.* | wc -l)" = 2 ] \
    || fail "expected two runtime homes: $(ls "$D/rt")"
  if [ -z "$agent" ] || [ "$agent" = 0 ]; then
    fail "no agent recorded in the runtime home"
    kill $pid
    wait $pid
    return
  fi
  # The key is unprotected: it decrypts with no passphrase at all (the
  # time is printed for information, never asserted).
  t0=$(now_ms)
  gpg --homedir "$home" --batch --no-options --no-tty \
      --pinentry-mode loopback --no-random-seed-file \
      -d "$K/enc-to-bob.gpg" </dev/null >"$D/plain" 2>"$D/gpg.err" \
    || fail "gpg could not decrypt with the runtime home"
  t1=$(now_ms)
  echo "  decrypt with bob's key in the runtime home: $((t1 - t0)) ms"
  for f in "/proc/$agent/cmdline" "/proc/$agent/environ"; do
    if tr '\0' '\n' <"$f" | grep -F -q -e "$BOB_PASS"; then
      fail "the passphrase is in $f"
    fi
  done
  kill -TERM $pid
  wait $pid
  rc=$?
  [ $rc = 143 ] || fail "expected exit 143 after SIGTERM, got $rc"
  pid_gone "$agent" || fail "agent $agent still runs"
  assert_no_homes
  assert_no_file "$D/out"
}

t_sweep ()
{
  new_dirs
  # A home whose owner is gone (a reaped child), and one of a live
  # process (the shell running this test).
  sh -c 'exit 0' &
  dead=$!
  wait $dead
  mkdir -m 700 "$D/rt/ps.stale1" "$D/rt/ps.live1"
  printf '%s 1\n0 0\n' $dead >"$D/rt/ps.stale1/pgpstep.owner"
  touch "$D/rt/ps.stale1/pubring.kbx"
  printf '%s %s\n0 0\n' $$ \
    "$(sed 's/^.*) //' /proc/$$/stat | cut -d' ' -f20)" \
    >"$D/rt/ps.live1/pgpstep.owner"
  # The sweep comes before the first runtime home of a process.
  pipeline "$D/p.xml" \
    "<keyring name=\"partner\" public=\"$K/carol.pub.asc\"/>" \
    '<step type="cat"/>'
  cli -v validate "$D/p.xml"
  assert_exit 0
  assert_no_file "$D/rt/ps.stale1"
  assert_file "$D/rt/ps.live1/pgpstep.owner"
  assert_contains "$D/stderr" "ps.stale1"
  rm -rf "$D/rt/ps.live1"
}

preflight
run_case "keys: text listing of every keyring" t_keys_text
run_case "keys: --warn-days makes carol critical" t_keys_warn_days
run_case "keys: --json" t_keys_json
run_case "keys: help and usage" t_keys_help
run_case "passphrase from the secret store" t_passphrase_secret_store
run_case "passphrase from env:" t_passphrase_env
run_case "wrong passphrase: 67 naming keyring and key" t_passphrase_wrong
run_case "wrong passphrase of a second keyring with the same key: 67" \
  t_passphrase_shared_key_wrong
run_case "missing passphrase: 67" t_passphrase_missing
run_case "secret file with mode 0644: 78" t_secret_mode
run_case "missing and garbage key files: 78" t_bad_key_files
run_case "SIGTERM removes the home and stops its agent; key is fast" \
  t_signal_and_speed
run_case "stale homes of dead processes are swept" t_sweep
finish
