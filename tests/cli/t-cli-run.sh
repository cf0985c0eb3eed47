#!/bin/sh
# t-cli-run.sh - pgpstep run: successful runs and how the output is
# committed (mode, no overwrite, atomic replacement, stdout).

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

t_stdin_stdout ()
{
  random_file "$D/in" 1048577
  pipeline "$D/p.xml" '<step type="cat"/>'
  cli run "$D/p.xml" <"$D/in"
  assert_exit 0
  assert_same "$D/in" "$D/stdout"
  assert_empty "$D/stderr"
  # "-" names stdin and stdout too.
  cli run "$D/p.xml" -i - -o - <"$D/in"
  assert_exit 0
  assert_same "$D/in" "$D/stdout"
}

t_device_and_fifo_outputs ()
{
  random_file "$D/in" 300000
  pipeline "$D/p.xml" '<step type="cat"/>'
  # A device is written in place, never replaced by a file.  A private
  # null device (root only), so that a regression cannot break the
  # machine's /dev/null.
  if [ "$(id -u)" = 0 ] && mknod -m 0666 "$D/null" c 1 3 2>/dev/null; then
    cli run "$D/p.xml" -i "$D/in" -o "$D/null"
    assert_exit 0
    cli run "$D/p.xml" -i "$D/in" -o "$D/null" --overwrite
    assert_exit 0
    [ -c "$D/null" ] || fail "the device was replaced by a file"
  else
    echo "  (device part skipped: needs root for mknod)"
  fi
  # A FIFO gets the bytes, but only after every step succeeded.
  mkfifo "$D/fifo"
  cat "$D/fifo" >"$D/got" &
  reader=$!
  cli run "$D/p.xml" -i "$D/in" -o "$D/fifo"
  assert_exit 0
  wait $reader
  assert_same "$D/in" "$D/got"
  [ -p "$D/fifo" ] || fail "the FIFO was replaced"
  pipeline "$D/f.xml" '<step type="cat"/>' '<step type="fail"><after>1000</after></step>'
  cat "$D/fifo" >"$D/got2" &
  reader=$!
  cli run "$D/f.xml" -i "$D/in" -o "$D/fifo"
  assert_exit 41
  # The host closed the FIFO without writing: the reader saw EOF.
  wait $reader
  assert_empty "$D/got2"
}

t_file_to_file ()
{
  random_file "$D/in" 3000000
  pipeline "$D/p.xml" '<step type="cat"/>'
  mkdir "$D/out"
  cli run "$D/p.xml" -i "$D/in" -o "$D/out/result" </dev/null
  assert_exit 0
  assert_same "$D/in" "$D/out/result"
  assert_empty "$D/stdout"
  assert_empty "$D/stderr"
  # Payloads are sensitive: 0600 whatever the umask.
  assert_mode "$D/out/result" 600
  assert_dir_holds "$D/out" result
}

t_multi_step ()
{
  random_file "$D/in" 2500000
  pipeline "$D/p.xml" \
    '<step type="cat" id="first"/>' \
    '<step type="spool-cat" id="middle"/>' \
    '<step type="cat"/>' \
    '<step type="spool-cat" id="last"><fail-at-end>false</fail-at-end></step>'
  mkdir "$D/out"
  cli run "$D/p.xml" -i "$D/in" -o "$D/out/result"
  assert_exit 0
  assert_same "$D/in" "$D/out/result"
  assert_dir_holds "$D/out" result
  cli run "$D/p.xml" <"$D/in"
  assert_exit 0
  assert_same "$D/in" "$D/stdout"
}

t_empty_input ()
{
  : >"$D/in"
  pipeline "$D/p.xml" '<step type="cat"/>'
  cli run "$D/p.xml" -i "$D/in" -o "$D/result"
  assert_exit 0
  assert_file "$D/result"
  assert_empty "$D/result"
}

t_mode ()
{
  echo payload >"$D/in"
  pipeline "$D/p.xml" '<step type="cat"/>'
  cli run "$D/p.xml" -i "$D/in" -o "$D/a" --mode 0640
  assert_exit 0
  assert_mode "$D/a" 640
  # The mode is exact: the umask does not narrow or widen it.
  ( umask 077; cli run "$D/p.xml" -i "$D/in" -o "$D/b" --mode 644;
    echo "$rc" >"$D/rc" )
  rc=$(cat "$D/rc")
  assert_exit 0
  assert_mode "$D/b" 644
  ( umask 000; cli run "$D/p.xml" -i "$D/in" -o "$D/c"; echo "$rc" >"$D/rc" )
  rc=$(cat "$D/rc")
  assert_exit 0
  assert_mode "$D/c" 600
  assert_same "$D/in" "$D/c"
}

t_relative_output ()
{
  echo payload >"$D/in"
  pipeline "$D/p.xml" '<step type="cat"/>'
  mkdir "$D/out"
  ( cd "$D/out" && cli run ../p.xml -i ../in -o result; echo "$rc" >../rc )
  rc=$(cat "$D/rc")
  assert_exit 0
  assert_same "$D/in" "$D/out/result"
  assert_dir_holds "$D/out" result
}

t_exists ()
{
  echo old >"$D/result"
  echo new >"$D/in"
  pipeline "$D/p.xml" '<step type="cat"/>'
  cli run "$D/p.xml" -i "$D/in" -o "$D/result"
  assert_exit 59
  assert_contains "$D/stderr" "pgpstep: output file '$D/result' exists"
  assert_contains "$D/stderr" "--overwrite"
  [ "$(cat "$D/result")" = old ] || fail "the existing output changed"
  assert_dir_holds "$D" in p.xml result stdout stderr
  # A dangling symlink is an existing output too.
  ln -s "$D/nowhere" "$D/link"
  cli run "$D/p.xml" -i "$D/in" -o "$D/link"
  assert_exit 59
  assert_no_file "$D/nowhere"
}

t_exists_before_run ()
{
  # The check comes before anything runs: a pipeline that would never
  # end is not started.
  echo old >"$D/result"
  pipeline "$D/p.xml" '<step type="stall"/>'
  start=$(now_ms)
  # timeout(1) only guards the test against a hang.
  timeout $((20 * slow)) "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" run \
    "$D/p.xml" -o "$D/result" </dev/null >"$D/stdout" 2>"$D/stderr"
  rc=$?
  elapsed=$(( $(now_ms) - start ))
  assert_exit 59
  [ "$elapsed" -lt $((5000 * slow)) ] || fail "took $elapsed ms"
}

t_overwrite ()
{
  random_file "$D/in" 100000
  echo old >"$D/result"
  chmod 644 "$D/result"
  ino_before=$(stat -c %i "$D/result")
  # Keep the old file open: an atomic replacement leaves it intact.
  exec 3<"$D/result"
  pipeline "$D/p.xml" '<step type="cat"/>'
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" --overwrite
  assert_exit 0
  assert_same "$D/in" "$D/result"
  assert_mode "$D/result" 600
  [ "$(cat <&3)" = old ] || fail "the replaced file was modified in place"
  exec 3<&-
  [ "$(stat -c %i "$D/result")" != "$ino_before" ] \
    || fail "the output was rewritten in place, not replaced"
  assert_dir_holds "$D" in p.xml result stdout stderr
  # Overwriting also works when there is nothing to overwrite.
  cli run "$D/p.xml" -i "$D/in" -o "$D/fresh" --overwrite
  assert_exit 0
  assert_same "$D/in" "$D/fresh"
}

t_overwrite_same_file ()
{
  # Input and output may be one file: the input is read from the old
  # inode while the new one is written beside it.
  random_file "$D/data" 200000
  cp "$D/data" "$D/expected"
  pipeline "$D/p.xml" '<step type="cat"/>'
  cli run "$D/p.xml" -i "$D/data" -o "$D/data" --overwrite
  assert_exit 0
  assert_same "$D/expected" "$D/data"
}

t_output_is_directory ()
{
  echo x >"$D/in"
  mkdir "$D/dir"
  pipeline "$D/p.xml" '<step type="cat"/>'
  cli run "$D/p.xml" -i "$D/in" -o "$D/dir" --overwrite
  assert_exit 74
  assert_contains "$D/stderr" "output file '$D/dir' is a directory"
  assert_dir_holds "$D/dir"
}

t_stdout_pipe ()
{
  random_file "$D/in" 3000000
  pipeline "$D/p.xml" '<step type="cat"/>'
  { "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" run "$D/p.xml" -i "$D/in" \
      2>"$D/stderr"; echo $? >"$D/rc"; } | cat >"$D/piped"
  rc=$(cat "$D/rc")
  assert_exit 0
  assert_same "$D/in" "$D/piped"
}

t_stdout_append ()
{
  # sendfile refuses O_APPEND files: the copy falls back to write.
  random_file "$D/in" 300000
  printf 'prefix' >"$D/appended"
  cat "$D/appended" "$D/in" >"$D/expected"
  pipeline "$D/p.xml" '<step type="cat"/>'
  "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" run "$D/p.xml" -i "$D/in" \
    >>"$D/appended" 2>"$D/stderr"
  rc=$?
  assert_exit 0
  assert_same "$D/expected" "$D/appended"
}

t_timeout_not_hit ()
{
  random_file "$D/in" 500000
  pipeline "$D/p.xml" '<step type="cat"/>' '<step type="cat"/>'
  cli run "$D/p.xml" -i "$D/in" --timeout 60
  assert_exit 0
  assert_same "$D/in" "$D/stdout"
  cli run "$D/p.xml" -i "$D/in" --timeout 0
  assert_exit 0
  assert_same "$D/in" "$D/stdout"
}

t_tmpdir_spool ()
{
  # The stdout spool honours TMPDIR and leaves nothing there.
  random_file "$D/in" 200000
  mkdir "$D/tmp"
  pipeline "$D/p.xml" '<step type="cat"/>'
  TMPDIR="$D/tmp" cli run "$D/p.xml" -i "$D/in"
  assert_exit 0
  assert_same "$D/in" "$D/stdout"
  assert_dir_holds "$D/tmp"
}

# A slow input: the run lasts over two seconds, long enough for the
# non-terminal progress line.
t_progress_file ()
{
  random_file "$D/in" 3000000
  # cat reads until the pipe to stall is full; the deadline ends it.
  pipeline "$D/p.xml" '<step type="cat"/>' '<step type="stall"/>'
  cli run "$D/p.xml" -i "$D/in" -o "$D/out" --progress --timeout 2.5
  assert_exit 75
  assert_matches "$D/stderr" '^pgpstep: [0-9.]+ (KiB|MiB) read of 2\.9 MiB \([0-9]+%\), [0-9.]+ (B|KiB|MiB)/s, ETA [0-9]+:[0-5][0-9]$'
  assert_no_file "$D/out"
}

t_progress_pipe ()
{
  pipeline "$D/p.xml" '<step type="cat"/>'
  mkfifo "$D/fifo"
  { head -c 100000 /dev/zero; sleep 2.5; head -c 100000 /dev/zero; } \
    >"$D/fifo" &
  cli run "$D/p.xml" -o "$D/out" --progress <"$D/fifo"
  wait
  assert_exit 0
  assert_matches "$D/stderr" '^pgpstep: [0-9.]+ (B|KiB) written, [0-9.]+ (B|KiB)/s$'
  [ "$(wc -c <"$D/out")" = 200000 ] || fail "output is not 200000 bytes"
}

t_log_json ()
{
  printf 'hello\n' >"$D/in"
  pipeline "$D/p.xml" '<step type="cat"/>'
  cli -v --log-format json run "$D/p.xml" -i "$D/in" -o "$D/out"
  assert_exit 0
  assert_matches "$D/stderr" '^\{"time": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z", "level": "info", "message_id": "[^"]+", "pipeline": "test", "bytes_in": 6, "bytes_out": 6, "duration_ms": [0-9]+, "outcome": "ok", "text": "ok"\}$'
  pipeline "$D/f.xml" '<step type="cat"/>' \
    '<step type="fail" id="boom"><message>said "no"</message></step>'
  cli -v --log-format json run "$D/f.xml" -i "$D/in" -o "$D/out2"
  assert_exit 41
  assert_matches "$D/stderr" '"outcome": "failed", "text": "step .boom.: said \\"no\\""\}$'
  assert_not_contains "$D/stderr" "hello"
  cli --log-format xml run "$D/p.xml" -i "$D/in" -o "$D/out3"
  assert_exit 2
  assert_contains "$D/stderr" "--log-format takes text or json"
}

preflight
run_case "stdin to stdout through cat" t_stdin_stdout
run_case "-i FILE -o FILE, mode 0600, nothing else in the directory" \
  t_file_to_file
run_case "four steps including spools" t_multi_step
run_case "a device or FIFO output is written in place, only on success" \
  t_device_and_fifo_outputs
run_case "an empty message gives an empty output file" t_empty_input
run_case "--mode sets the exact mode; the default is 0600" t_mode
run_case "relative output path" t_relative_output
run_case "existing output: exit 59, untouched" t_exists
run_case "existing output is refused before the pipeline runs" \
  t_exists_before_run
run_case "--overwrite replaces atomically (new inode, 0600)" t_overwrite
run_case "--overwrite with input and output the same file" \
  t_overwrite_same_file
run_case "output naming a directory: exit 74" t_output_is_directory
run_case "--progress reports bytes, rate and ETA of a file input" \
  t_progress_file
run_case "--progress reports bytes written for a pipe input" \
  t_progress_pipe
run_case "--log-format json: one object per line with the message's fields" \
  t_log_json
run_case "stdout into a pipe" t_stdout_pipe
run_case "stdout appended to a file" t_stdout_append
run_case "--timeout that is not reached changes nothing" t_timeout_not_hit
run_case "the stdout spool goes to TMPDIR and leaves nothing" t_tmpdir_spool
finish
