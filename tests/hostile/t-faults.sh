#!/bin/sh
# t-faults.sh - faults around a running OpenPGP step: gpg killed
# mid-stream, gpg missing, no usable place for the agent, a full output
# file system, the output directory removed mid-run, a stalled input,
# SIGTERM to the host.  Each case asserts the exit code, a clear error,
# no output or temporary file, an empty runtime directory (homes
# removed) and no gpg or gpg-agent process of ours left.

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

PLUGIN_DIR="$top_builddir/plugins/encrypt/.libs"
PLUGIN_DIR2="$top_builddir/plugins/decrypt/.libs"
K="$top_srcdir/tests/data/keys"
ALICE=015ABD50EB712E873C6BB2B009037A2EDFD86C9F

# The runtime homes of every case go here, so that leftovers show.
RT=$(mktemp -d /tmp/pft.XXXXXX) || exit 99
trap 'rm -rf "$T" "$RT"' EXIT
export PGPSTEP_RUNTIME_DIR="$RT"

pgp ()
{
  "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" --plugin-dir "$PLUGIN_DIR2" "$@"
}

enc_pipeline ()
{
  pipeline "$1" \
    "<keyring name=\"a\" secret=\"$K/alice.sec.asc\"/>" \
    "<step type=\"encrypt\"><keyring>a</keyring><recipient>$ALICE</recipient></step>"
}

# Processes of ours that use a home under $RT (gpg, gpg-agent).
our_processes ()
{
  for _p in /proc/[0-9]*; do
    { tr '\0' ' ' <"$_p/cmdline"; } 2>/dev/null | grep -q -- "$RT/" \
      && echo "${_p#/proc/}"
  done
}

# Nothing of the run is left: no home, no process.
assert_nothing_left ()
{
  _n=0
  # Agents are told to quit and waited for by the host; give slow
  # machines a moment for the kernel to reap.
  while [ -n "$(our_processes)" ] && [ $_n -lt 50 ]; do
    sleep 0.1
    _n=$((_n + 1))
  done
  [ -z "$(our_processes)" ] \
    || fail "processes left: $(our_processes | tr '\n' ' ')"
  assert_dir_holds "$RT"
}

# The gpg child of process $1, waiting up to 5 s for it.
gpg_child_of ()
{
  _n=0
  while [ $_n -lt 100 ]; do
    for _p in /proc/[0-9]*; do
      [ "$( { awk '{print $4}' "$_p/stat"; } 2>/dev/null)" = "$1" ] \
        || continue
      case $( { tr '\0' ' ' <"$_p/cmdline"; } 2>/dev/null) in
        *gpg\ *) echo "${_p#/proc/}"; return 0 ;;
      esac
    done
    sleep 0.05
    _n=$((_n + 1))
  done
  return 1
}

# Start "pgpstep run P -o OUT" on a FIFO fed slowly (1 MiB now, the
# rest when told); sets $pid and $feeder.
start_slow_run ()
{
  mkfifo "$D/fifo"
  { head -c 1048576 /dev/urandom; while [ ! -e "$D/go" ]; do sleep 0.05; done;
    head -c 1048576 /dev/urandom; } >"$D/fifo" &
  feeder=$!
  # Not through pgp (): $! must be pgpstep itself, gpg's parent.
  "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" --plugin-dir "$PLUGIN_DIR2" \
    run "$1" -o "$2" <"$D/fifo" >"$D/stdout" 2>"$D/stderr" &
  pid=$!
}

finish_slow_run ()
{
  touch "$D/go"
  wait "$pid"
  rc=$?
  wait "$feeder" 2>/dev/null
}

t_gpg_killed ()
{
  enc_pipeline "$D/p.xml"
  mkdir "$D/out"
  start_slow_run "$D/p.xml" "$D/out/x.gpg"
  g=$(gpg_child_of "$pid") || { fail "no gpg child seen"; finish_slow_run; return; }
  kill -KILL "$g"
  finish_slow_run
  [ "$rc" != 0 ] || fail "exit 0 after gpg was killed"
  assert_contains "$D/stderr" "step 'encrypt#1'"
  assert_contains "$D/stderr" "gpg"
  assert_dir_holds "$D/out"
  assert_nothing_left
}

t_gpg_missing ()
{
  enc_pipeline "$D/p.xml"
  echo data >"$D/in"
  PGPSTEP_GPG=/nonexistent/gpg pgp run "$D/p.xml" -i "$D/in" -o "$D/x.gpg" \
    >"$D/stdout" 2>"$D/stderr"
  rc=$?
  assert_exit 78
  assert_contains "$D/stderr" "PGPSTEP_GPG=/nonexistent/gpg is not an absolute path to a program"
  assert_no_file "$D/x.gpg"
  assert_nothing_left
}

t_agent_place_unusable ()
{
  enc_pipeline "$D/p.xml"
  echo data >"$D/in"
  # An agent socket path must fit in 108 bytes.
  long="$RT/$(printf '%090d' 0)"
  mkdir -m 700 "$long"
  PGPSTEP_RUNTIME_DIR="$long" pgp run "$D/p.xml" -i "$D/in" -o "$D/x.gpg" \
    >"$D/stdout" 2>"$D/stderr"
  rc=$?
  assert_exit 78
  assert_contains "$D/stderr" "path too long for the agent socket"
  assert_no_file "$D/x.gpg"
  rmdir "$long"
  assert_nothing_left
}

t_output_fs_full ()
{
  [ -w /dev/full ] || { skip "no /dev/full"; return; }
  enc_pipeline "$D/p.xml"
  head -c 200000 /dev/urandom >"$D/in"
  pgp run "$D/p.xml" -i "$D/in" -o /dev/full >"$D/stdout" 2>"$D/stderr"
  rc=$?
  assert_exit 74
  assert_contains "$D/stderr" "No space left on device"
  assert_nothing_left
}

t_output_dir_removed ()
{
  enc_pipeline "$D/p.xml"
  mkdir "$D/out"
  start_slow_run "$D/p.xml" "$D/out/x.gpg"
  gpg_child_of "$pid" >/dev/null || fail "no gpg child seen"
  rm -rf "$D/out"
  finish_slow_run
  assert_exit 74
  assert_contains "$D/stderr" "$D/out"
  assert_no_file "$D/out"
  assert_nothing_left
}

t_input_stalls ()
{
  enc_pipeline "$D/p.xml"
  mkfifo "$D/fifo"
  # A writer that keeps the FIFO open and sends nothing.
  sleep 30 >"$D/fifo" &
  holder=$!
  t0=$(now_ms)
  pgp run "$D/p.xml" -i "$D/fifo" -o "$D/x.gpg" --timeout 1 \
    >"$D/stdout" 2>"$D/stderr"
  rc=$?
  ms=$(( $(now_ms) - t0 ))
  kill "$holder" 2>/dev/null
  wait "$holder" 2>/dev/null
  assert_exit 75
  assert_contains "$D/stderr" "deadline"
  [ "$ms" -lt $((8000 * slow)) ] || fail "took $ms ms"
  assert_no_file "$D/x.gpg"
  assert_nothing_left
}

t_sigterm_mid_stream ()
{
  pipeline "$D/p.xml" \
    "<keyring name=\"a\" secret=\"$K/alice.sec.asc\"/>" \
    "<step type=\"encrypt\"><keyring>a</keyring><recipient>$ALICE</recipient></step>" \
    '<step type="decrypt"><keyring>a</keyring><signatures>ignore</signatures></step>'
  mkdir "$D/out"
  start_slow_run "$D/p.xml" "$D/out/x"
  gpg_child_of "$pid" >/dev/null || fail "no gpg child seen"
  kill -TERM "$pid"
  wait "$pid"
  rc=$?
  kill "$feeder" 2>/dev/null
  wait "$feeder" 2>/dev/null
  assert_exit 143
  assert_dir_holds "$D/out"
  assert_nothing_left
}

[ -f "$PLUGIN_DIR/encrypt.so" ] || hard_error "no encrypt plugin in $PLUGIN_DIR"
run_case "gpg killed mid-stream: an error naming the step, no output" \
  t_gpg_killed
run_case "gpg missing: an error naming the path, nothing left" t_gpg_missing
run_case "no usable place for the agent socket: exit 78" \
  t_agent_place_unusable
run_case "output file system full: exit 74" t_output_fs_full
run_case "output directory removed mid-run: exit 74, nothing left" \
  t_output_dir_removed
run_case "stalled input: the deadline fires (75), nothing left" \
  t_input_stalls
run_case "SIGTERM mid-stream: exit 143, no output, homes and agents gone" \
  t_sigterm_mid_stream
finish
