#!/bin/sh
# t-cli-headers.sh - pgpstep run: input headers (--header, --header-file,
# --headers) and result headers (--headers-out).

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

# echo_pipeline FILE HEADER: a pipeline copying input header HEADER to
# the result header pgp.out.
echo_pipeline ()
{
  pipeline "$1" '<step type="cat"/>' \
    '<step type="set-header" id="echo">' \
    "  <name>pgp.out</name><value>\${header.$2}</value>" \
    '</step>'
}

# assert_header FILE NAME VALUE: the JSON object in FILE maps NAME to
# VALUE (as JSON text).
assert_header ()
{
  assert_matches "$1" "\"$2\" *: *\"$3\""
}

t_header ()
{
  echo payload >"$D/in"
  echo_pipeline "$D/p.xml" partner
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" --header partner=acme \
    --headers-out "$D/h.json"
  assert_exit 0
  assert_same "$D/in" "$D/result"
  assert_header "$D/h.json" 'pgp\.out' acme
  assert_mode "$D/h.json" 600
  # The value may hold '=' and the last --header of a name wins.
  cli run "$D/p.xml" -i "$D/in" -o "$D/r2" --header partner=first \
    --header partner=a=b --headers-out "$D/h2.json"
  assert_exit 0
  assert_header "$D/h2.json" 'pgp\.out' 'a=b'
  assert_dir_holds "$D" in p.xml result h.json r2 h2.json stdout stderr
}

t_header_escaping ()
{
  echo payload >"$D/in"
  echo_pipeline "$D/p.xml" x
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" \
    --header 'x=say "hi" \ bye' --headers-out "$D/h.json"
  assert_exit 0
  assert_contains "$D/h.json" '"say \"hi\" \\ bye"'
}

t_header_file ()
{
  echo payload >"$D/in"
  echo "from a file" >"$D/value"
  echo_pipeline "$D/p.xml" partner
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" \
    --header-file "partner=$D/value" --headers-out "$D/h.json"
  assert_exit 0
  # One trailing newline is dropped.
  assert_header "$D/h.json" 'pgp\.out' 'from a file'
  # Without a trailing newline the content is taken as it is.
  printf 'no newline' >"$D/value2"
  cli run "$D/p.xml" -i "$D/in" -o "$D/r2" \
    --header-file "partner=$D/value2" --headers-out "$D/h2.json"
  assert_exit 0
  assert_header "$D/h2.json" 'pgp\.out' 'no newline'
}

t_headers_json ()
{
  echo payload >"$D/in"
  printf '{"partner": "json-acme", "other": "x"}\n' >"$D/in.json"
  echo_pipeline "$D/p.xml" partner
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" --headers "$D/in.json" \
    --headers-out "$D/h.json"
  assert_exit 0
  assert_header "$D/h.json" 'pgp\.out' json-acme
}

t_header_order ()
{
  echo payload >"$D/in"
  printf '{"partner": "from-json"}' >"$D/in.json"
  echo_pipeline "$D/p.xml" partner
  cli run "$D/p.xml" -i "$D/in" -o "$D/r1" --headers "$D/in.json" \
    --header partner=from-option --headers-out "$D/h1.json"
  assert_exit 0
  assert_header "$D/h1.json" 'pgp\.out' from-option
  cli run "$D/p.xml" -i "$D/in" -o "$D/r2" --header partner=from-option \
    --headers "$D/in.json" --headers-out "$D/h2.json"
  assert_exit 0
  assert_header "$D/h2.json" 'pgp\.out' from-json
}

t_headers_out_stdout ()
{
  echo payload >"$D/in"
  echo_pipeline "$D/p.xml" partner
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" --header partner=acme \
    --headers-out -
  assert_exit 0
  assert_same "$D/in" "$D/result"
  assert_header "$D/stdout" 'pgp\.out' acme
  # Only the JSON object, ending in one newline.
  [ "$(head -c 1 "$D/stdout")" = "{" ] || fail "stdout does not start with {"
  [ "$(tail -n 1 "$D/stdout")" = "}" ] || fail "stdout does not end with }"
  ! grep -q '^$' "$D/stdout" || fail "stdout has a blank line"
}

t_headers_out_exists ()
{
  echo payload >"$D/in"
  echo old >"$D/h.json"
  echo_pipeline "$D/p.xml" partner
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" --header partner=acme \
    --headers-out "$D/h.json"
  assert_exit 59
  assert_contains "$D/stderr" "output file '$D/h.json' exists"
  assert_no_file "$D/result"
  [ "$(cat "$D/h.json")" = old ] || fail "h.json changed"
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" --header partner=acme \
    --headers-out "$D/h.json" --overwrite
  assert_exit 0
  assert_header "$D/h.json" 'pgp\.out' acme
}

t_missing_header ()
{
  echo payload >"$D/in"
  echo_pipeline "$D/p.xml" partner_fpr
  mkdir "$D/out"
  cli run "$D/p.xml" -i "$D/in" -o "$D/out/result" \
    --headers-out "$D/out/h.json" --header unrelated=1
  # GPG_ERR_MISSING_VALUE is "missing input" in the table.
  assert_exit 61
  assert_contains "$D/stderr" "partner_fpr"
  assert_dir_holds "$D/out"
}

t_header_file_missing ()
{
  echo payload >"$D/in"
  echo_pipeline "$D/p.xml" partner
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" \
    --header-file "partner=$D/no-such-file"
  assert_exit 61
  assert_contains "$D/stderr" "header file '$D/no-such-file'"
  assert_no_file "$D/result"
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" --headers "$D/no-such.json"
  assert_exit 61
  assert_contains "$D/stderr" "headers file '$D/no-such.json'"
  assert_no_file "$D/result"
}

t_headers_json_bad ()
{
  echo payload >"$D/in"
  echo_pipeline "$D/p.xml" partner
  for json in '{"partner": ' '["partner", "x"]' '{"partner": 5}' 'partner=x'; do
    printf '%s' "$json" >"$D/bad.json"
    cli run "$D/p.xml" -i "$D/in" -o "$D/result" --headers "$D/bad.json"
    [ "$rc" != 0 ] && [ "$rc" != 1 ] \
      || fail "exit code $rc for '$json'"
    assert_contains "$D/stderr" "headers file '$D/bad.json'"
    assert_no_file "$D/result"
  done
}

t_header_file_nul ()
{
  echo payload >"$D/in"
  printf 'a\000b' >"$D/value"
  echo_pipeline "$D/p.xml" partner
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" --header-file "partner=$D/value"
  assert_exit 41
  assert_contains "$D/stderr" "contains a NUL byte"
  assert_no_file "$D/result"
}

t_save_header ()
{
  printf 'line one\nline two' >"$D/in"
  echo_pipeline "$D/p.xml" partner
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" --header-file "partner=$D/in" \
    --save-header "pgp.out=$D/out.sig"
  assert_exit 0
  assert_same "$D/in" "$D/result"
  # The value with one final newline, mode 0600, and back again.
  printf 'line one\nline two\n' >"$D/expect"
  assert_same "$D/expect" "$D/out.sig"
  assert_mode "$D/out.sig" 600
  cli run "$D/p.xml" -i "$D/in" -o "$D/r2" --header-file "partner=$D/out.sig" \
    --headers-out "$D/h.json"
  assert_exit 0
  assert_header "$D/h.json" 'pgp\.out' 'line one\\nline two'
  assert_dir_holds "$D" in p.xml result expect out.sig r2 h.json \
    stdout stderr
}

t_save_header_missing ()
{
  echo payload >"$D/in"
  echo_pipeline "$D/p.xml" partner
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" --header partner=x \
    --save-header "pgp.out=$D/a" --save-header "pgp.nothing=$D/b"
  assert_exit 61
  assert_contains "$D/stderr" "no result header 'pgp.nothing'"
  assert_dir_holds "$D" in p.xml stdout stderr
  # An existing file is refused before the run, unless --overwrite.
  echo old >"$D/a"
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" --header partner=x \
    --save-header "pgp.out=$D/a"
  assert_exit 59
  assert_no_file "$D/result"
  cli run "$D/p.xml" -i "$D/in" -o "$D/result" --header partner=x \
    --save-header "pgp.out=$D/a" --overwrite
  assert_exit 0
  assert_contains "$D/a" "x"
  cli run "$D/p.xml" -i "$D/in" -o "$D/r3" --save-header "pgp.out=$D/r3"
  assert_exit 2
  assert_contains "$D/stderr" "also another output"
}

preflight
run_case "--header reaches \${header.X}; --headers-out writes JSON" t_header
run_case "header values are escaped in JSON" t_header_escaping
run_case "--header-file takes the value from a file" t_header_file
run_case "--headers takes a JSON object" t_headers_json
run_case "header options apply in command-line order" t_header_order
run_case "--headers-out - with -o FILE prints only JSON on stdout" \
  t_headers_out_stdout
run_case "existing --headers-out file: exit 59 before running" \
  t_headers_out_exists
run_case "a missing header fails the message naming it" t_missing_header
run_case "missing header files: exit 61 naming them" t_header_file_missing
run_case "malformed headers JSON is refused naming the file" \
  t_headers_json_bad
run_case "a header file with a NUL byte is refused" t_header_file_nul
run_case "--save-header writes a result header to a file" t_save_header
run_case "--save-header of an unset header: exit 61, nothing written" \
  t_save_header_missing
finish
