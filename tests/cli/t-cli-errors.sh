#!/bin/sh
# t-cli-errors.sh - pgpstep run: bad input gets its documented exit
# code, a message naming the cause, and leaves no output or temporary
# file behind.

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

t_midstream_file ()
{
  random_file "$D/in" 3000000
  pipeline "$D/p.xml" \
    '<step type="cat"/>' \
    '<step type="fail" id="breaker">' \
    '  <after>1M</after><code>bad-data</code><message>boom at 1M</message>' \
    '</step>'
  mkdir "$D/out"
  cli run "$D/p.xml" -i "$D/in" -o "$D/out/result" --headers-out "$D/out/h"
  assert_exit 41
  assert_contains "$D/stderr" "pgpstep: "
  assert_contains "$D/stderr" "breaker"
  assert_contains "$D/stderr" "boom at 1M"
  assert_empty "$D/stdout"
  assert_dir_holds "$D/out"
}

t_midstream_stdout ()
{
  random_file "$D/in" 3000000
  pipeline "$D/p.xml" \
    '<step type="fail" id="breaker">' \
    '  <after>2M</after><code>bad-data</code><message>boom</message>' \
    '</step>'
  mkdir "$D/tmp"
  TMPDIR="$D/tmp" cli run "$D/p.xml" -i "$D/in"
  assert_exit 41
  assert_contains "$D/stderr" "boom"
  assert_empty "$D/stdout"
  assert_dir_holds "$D/tmp"
}

t_fail_at_end ()
{
  # The last step fails after writing everything: still nothing.
  random_file "$D/in" 1000000
  pipeline "$D/p.xml" '<step type="cat"/>' \
    '<step type="spool-cat" id="late"><fail-at-end>true</fail-at-end></step>'
  mkdir "$D/out"
  cli run "$D/p.xml" -i "$D/in" -o "$D/out/result"
  assert_exit 41
  assert_contains "$D/stderr" "step 'late': spooled data rejected"
  assert_dir_holds "$D/out"
  cli run "$D/p.xml" -i "$D/in"
  assert_exit 41
  assert_empty "$D/stdout"
}

t_fail_codes ()
{
  echo data >"$D/in"
  for pair in bad-data:41 io:74 config:78 no-seckey:29 bad-signature:3 \
              unusable-pubkey:17; do
    code=${pair%:*}
    pipeline "$D/p.xml" \
      "<step type=\"fail\" id=\"f-$code\"><code>$code</code>" \
      "<message>failing with $code</message><key>KEY-$code</key></step>"
    cli run "$D/p.xml" -i "$D/in" -o "$D/result"
    assert_exit "${pair#*:}"
    assert_contains "$D/stderr" "f-$code"
    assert_contains "$D/stderr" "failing with $code"
    assert_no_file "$D/result"
  done
}

t_missing_input ()
{
  pipeline "$D/p.xml" '<step type="cat"/>'
  cli run "$D/p.xml" -i "$D/no-such-input" -o "$D/result"
  assert_exit 61
  assert_contains "$D/stderr" \
    "pgpstep: cannot open input file '$D/no-such-input'"
  assert_dir_holds "$D" p.xml stdout stderr
}

t_output_dir_missing ()
{
  echo x >"$D/in"
  pipeline "$D/p.xml" '<step type="cat"/>'
  cli run "$D/p.xml" -i "$D/in" -o "$D/no-such-dir/result"
  assert_exit 74
  assert_contains "$D/stderr" "directory '$D/no-such-dir'"
  assert_no_file "$D/no-such-dir"
}

t_output_dir_unwritable ()
{
  if [ "$(id -u)" != 0 ]; then
    skip "needs root to run as nobody"
    return
  fi
  command -v setpriv >/dev/null || { skip "no setpriv"; return; }
  asnobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
  # The program itself must be reachable for nobody.
  if ! $asnobody "$PGPSTEP" --version >/dev/null 2>&1; then
    skip "nobody cannot run $PGPSTEP"
    return
  fi
  chmod 755 "$T" "$D"
  echo payload >"$D/in"
  chmod 644 "$D/in"
  pipeline "$D/p.xml" '<step type="cat"/>'
  chmod 644 "$D/p.xml"
  mkdir -m 755 "$D/out"
  $asnobody "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" run "$D/p.xml" \
    -i "$D/in" -o "$D/out/result" >"$D/stdout" 2>"$D/stderr"
  rc=$?
  assert_exit 74
  assert_contains "$D/stderr" "directory '$D/out'"
  assert_contains "$D/stderr" "Permission denied"
  assert_dir_holds "$D/out"
  # The same as root works: the case failed for the right reason.
  cli run "$D/p.xml" -i "$D/in" -o "$D/out/result"
  assert_exit 0
}

t_malformed_xml ()
{
  printf '%s\n' '<?xml version="1.0"?>' \
    '<pipeline xmlns="urn:pgpstep:pipeline:1">' \
    '  <step type="cat">' \
    '</pipeline>' >"$D/bad.xml"
  echo x >"$D/in"
  cli run "$D/bad.xml" -i "$D/in" -o "$D/result"
  assert_exit 78
  assert_matches "$D/stderr" "^pgpstep: .*bad\.xml:[0-9]+"
  assert_no_file "$D/result"
  assert_empty "$D/stdout"
}

t_unknown_step ()
{
  pipeline "$D/p.xml" '<step type="cat"/>' '<step type="no-such-step"/>'
  echo x >"$D/in"
  cli run "$D/p.xml" -i "$D/in" -o "$D/result"
  assert_exit 78
  assert_contains "$D/stderr" "p.xml:4"
  assert_contains "$D/stderr" "no-such-step"
  assert_no_file "$D/result"
}

t_bad_param_type ()
{
  pipeline "$D/p.xml" \
    '<step type="typed" id="t1">' \
    '  <needed>x</needed>' \
    '  <count>eleven</count>' \
    '</step>'
  echo x >"$D/in"
  cli run "$D/p.xml" -i "$D/in" -o "$D/result"
  assert_exit 78
  assert_contains "$D/stderr" "p.xml:5"
  assert_contains "$D/stderr" "t1"
  assert_contains "$D/stderr" "count"
  assert_contains "$D/stderr" "eleven"
  assert_no_file "$D/result"
  # Out of bounds and not among the allowed values.
  pipeline "$D/p.xml" '<step type="typed"><needed>x</needed>' \
    '<count>11</count></step>'
  cli run "$D/p.xml" -i "$D/in" -o "$D/result"
  assert_exit 78
  assert_contains "$D/stderr" "count"
  pipeline "$D/p.xml" '<step type="typed"><needed>x</needed>' \
    '<choice>purple</choice></step>'
  cli run "$D/p.xml" -i "$D/in" -o "$D/result"
  assert_exit 78
  assert_contains "$D/stderr" "choice"
  assert_contains "$D/stderr" "purple"
  assert_no_file "$D/result"
}

t_missing_required ()
{
  pipeline "$D/p.xml" '<step type="typed" id="needy"><text>x</text></step>'
  echo x >"$D/in"
  cli run "$D/p.xml" -i "$D/in" -o "$D/result"
  assert_exit 78
  assert_contains "$D/stderr" "p.xml:3"
  assert_contains "$D/stderr" "needy"
  assert_contains "$D/stderr" "needed"
  assert_no_file "$D/result"
}

t_create_fails ()
{
  pipeline "$D/p.xml" '<step type="cat"/>' '<step type="create-fail" id="cf"/>'
  echo x >"$D/in"
  cli run "$D/p.xml" -i "$D/in" -o "$D/result"
  assert_exit 78
  assert_contains "$D/stderr" "create refused"
  assert_contains "$D/stderr" "cf"
  assert_no_file "$D/result"
}

t_missing_pipeline ()
{
  echo x >"$D/in"
  cli run "$D/no-such.xml" -i "$D/in" -o "$D/result"
  # The library reports ENOENT, which the table calls missing input.
  assert_exit 78
  assert_contains "$D/stderr" "pgpstep: $D/no-such.xml: "
  assert_no_file "$D/result"
}

t_bad_plugin_dir ()
{
  pipeline "$D/p.xml" '<step type="cat"/>'
  echo x >"$D/in"
  cli_raw --plugin-dir "$D/no-plugins" run "$D/p.xml" -i "$D/in" \
    -o "$D/result"
  assert_exit 78
  assert_contains "$D/stderr" "$D/no-plugins"
  assert_no_file "$D/result"
}

t_timeout ()
{
  pipeline "$D/p.xml" '<step type="cat"/>' '<step type="stall" id="sleepy"/>'
  mkdir "$D/out"
  start=$(now_ms)
  # timeout(1) only guards the test against a hang.
  timeout $((30 * slow)) "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" run \
    "$D/p.xml" -o "$D/out/result" --timeout 0.5 \
    </dev/null >"$D/stdout" 2>"$D/stderr"
  rc=$?
  elapsed=$(( $(now_ms) - start ))
  assert_exit 75
  [ "$elapsed" -lt $((3000 * slow)) ] \
    || fail "took $elapsed ms for a 500 ms deadline"
  [ "$elapsed" -ge 450 ] \
    || fail "returned after $elapsed ms, before the deadline"
  assert_contains "$D/stderr" "pgpstep: "
  assert_empty "$D/stdout"
  assert_dir_holds "$D/out"
  # The same to stdout.
  timeout $((30 * slow)) "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" run \
    "$D/p.xml" --timeout 0.2 </dev/null >"$D/stdout" 2>"$D/stderr"
  rc=$?
  assert_exit 75
  assert_empty "$D/stdout"
}

t_sigpipe ()
{
  # A reader that goes away is an I/O error, not a silent death.
  random_file "$D/in" 2000000
  pipeline "$D/p.xml" '<step type="cat"/>'
  { "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" run "$D/p.xml" -i "$D/in" \
      2>"$D/stderr"; echo $? >"$D/rc"; } | head -c 10 >/dev/null
  rc=$(cat "$D/rc")
  assert_exit 74
  assert_contains "$D/stderr" "pgpstep: "
}

t_terminated ()
{
  # Killed while running: the output never appears.
  pipeline "$D/p.xml" '<step type="stall"/>'
  mkdir "$D/out"
  "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" run "$D/p.xml" \
    -o "$D/out/result" --headers-out "$D/out/h" </dev/null 2>"$D/stderr" &
  pid=$!
  sleep 1
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null
  rc=$?
  assert_exit 143
  assert_dir_holds "$D/out"
}

preflight
run_case "failure mid-stream into -o FILE: exit 41, no file" t_midstream_file
run_case "failure mid-stream into stdout: exit 41, nothing written" \
  t_midstream_stdout
run_case "failure of the last step after its output: nothing written" \
  t_fail_at_end
run_case "each failure kind gives its exit code and message" t_fail_codes
run_case "missing input file: exit 61 naming it" t_missing_input
run_case "missing output directory: exit 74 naming it" t_output_dir_missing
run_case "unwritable output directory (as nobody): exit 74" \
  t_output_dir_unwritable
run_case "malformed XML: exit 78 with file:line" t_malformed_xml
run_case "unknown step: exit 78 with file:line and type" t_unknown_step
run_case "wrong parameter types: exit 78 naming the parameter" \
  t_bad_param_type
run_case "missing required parameter: exit 78 naming it" t_missing_required
run_case "a step refusing its configuration: exit 78" t_create_fails
run_case "missing pipeline file: exit 78 naming it" t_missing_pipeline
run_case "missing plugin directory: exit 78 naming it" t_bad_plugin_dir
run_case "--timeout ends a stalled run promptly with exit 75" t_timeout
run_case "closed stdout: exit 74, not SIGPIPE" t_sigpipe
run_case "SIGTERM during a run leaves no file" t_terminated
finish
