#!/bin/sh
# t-sop-signal.sh - a pgpstep-sop call killed by SIGTERM, SIGINT or
# SIGHUP while it waits on a stalled stdin (a FIFO whose writer stays)
# dies of that signal and leaves neither its work directory nor an
# agent; a signal ignored by whoever started it (nohup) stays ignored.

. "$top_srcdir/tests/sop/lib.sh"

S=$SOP
cd "$PT" || exit 99
printf 'hello world\n' >data

# wait_for COMMAND...: until COMMAND succeeds, at most 30 s.
wait_for ()
{
  _i=0
  until "$@" >/dev/null 2>&1; do
    _i=$((_i + 1))
    [ $_i -le 300 ] || return 1
    sleep 0.1
  done
}

# [t]: the pattern does not match the command lines that carry it.
agent_runs ()
{
  pgrep -f "gpg-agen[t] --homedir $PT/sop" >/dev/null 2>&1
}

no_agent ()
{
  ! agent_runs
}

# A work directory that has its runtime homes' directory (made after
# the handlers are in place).
workdir_ready ()
{
  ls -d "$PT"/sop.*/r >/dev/null 2>&1
}

no_leftovers ()
{
  # The agent may take a moment to go after its SIGINT.
  wait_for no_agent \
    || { echo "an agent is still running:"; pgrep -af "$PT/sop"; return 1; }
  if ls -d "$PT"/sop.* >/dev/null 2>&1; then
    echo "work directory left:"
    ls -la "$PT"/sop.*
    return 1
  fi
}

# killed SIGNAL READY SUBCOMMAND ARGS...: run pgpstep-sop on a stalled
# FIFO with SIGNAL at its default (sh leaves SIGINT ignored in
# background jobs), send SIGNAL once READY holds, expect death by it.
killed ()
{
  _sig=$1 _ready=$2
  shift 2
  rm -f fifo
  mkfifo fifo || return 1
  (printf 'partial'; sleep 60) >fifo &
  _writer=$!
  env --default-signal=HUP,INT,TERM "$S" "$@" <fifo >out 2>err &
  _pid=$!
  if ! wait_for "$_ready"; then
    echo "not ready: $_ready"
    kill "$_pid" "$_writer"
    return 1
  fi
  kill -s "$_sig" "$_pid"
  wait "$_pid"
  _rc=$?
  kill "$_writer" 2>/dev/null
  wait "$_writer" 2>/dev/null
  case $_sig in HUP) _want=129 ;; INT) _want=130 ;; *) _want=143 ;; esac
  if [ "$_rc" != "$_want" ]; then
    echo "exit $_rc, expected $_want"
    cat err
    return 1
  fi
  no_leftovers
}

# nohup-style: HUP ignored at the start stays ignored; the call then
# ends normally once its input does.
hup_ignored ()
{
  rm -f fifo
  mkfifo fifo || return 1
  (printf 'hello world\n'; sleep 1) >fifo &
  _writer=$!
  env --ignore-signal=HUP "$S" encrypt alice.pub <fifo >out 2>err &
  _pid=$!
  wait_for workdir_ready || true
  kill -s HUP "$_pid" 2>/dev/null
  wait "$_pid"
  _rc=$?
  wait "$_writer"
  [ "$_rc" = 0 ] || { echo "exit $_rc"; cat err; return 1; }
  grep -q "BEGIN PGP MESSAGE" out || { echo "no message"; return 1; }
  no_leftovers
}

"$S" generate-key "Alice <alice@example.org>" >alice.sec || exit 99
"$S" extract-cert <alice.sec >alice.pub || exit 99

if [ "$have_sign" = yes ]; then
  cell "SIGTERM while sign waits for input: no work dir, no agent" \
    killed TERM agent_runs sign alice.sec
  cell "SIGINT while inline-sign waits for input: no work dir, no agent" \
    killed INT agent_runs inline-sign alice.sec
else
  skip_cell "sign killed" "no sign plugin"
  skip_cell "inline-sign killed" "no sign plugin"
fi
cell "SIGINT while decrypt spools its input: no work dir" \
  killed INT workdir_ready decrypt alice.sec
cell "SIGHUP while encrypt --sign-with waits for input: no work dir, no agent" \
  killed HUP agent_runs encrypt --sign-with=alice.sec alice.pub
cell "SIGHUP ignored at the start stays ignored" hup_ignored

finish
