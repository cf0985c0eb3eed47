#!/bin/sh
# t-cli-batch.sh - pgpstep run --batch: every file of a directory is
# one message; sidecar headers; per-message JSON lines; failures leave
# no output; re-runs skip what is done; inputs are never touched.

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

# A pipeline that copies the message and sets pgp.out from the input
# header "who" (a message without it fails, exit 61).
who_pipeline ()
{
  pipeline "$1" '<step type="cat"/>' \
    '<step type="set-header" id="echo">' \
    '  <name>pgp.out</name><value>${header.who}</value>' \
    '</step>'
}

# count_lines FILE PATTERN: lines of FILE matching PATTERN.
count_lines ()
{
  grep -c -E "$2" "$1" 2>/dev/null
}

t_batch_basic ()
{
  mkdir "$D/in" "$D/out"
  random_file "$D/in/a" 1000
  random_file "$D/in/b" 70000
  random_file "$D/in/c" 10
  printf '{"who": "alpha"}' >"$D/in/a.headers.json"
  printf '{"who": "beta"}' >"$D/in/b.headers.json"
  echo hidden >"$D/in/.part"
  (cd "$D/in" && sha256sum a b c a.headers.json >"$D/sums")
  who_pipeline "$D/p.xml"
  cli run "$D/p.xml" --batch "$D/in" -o "$D/out" --jobs 2
  assert_exit 61
  assert_same "$D/in/a" "$D/out/a"
  assert_same "$D/in/b" "$D/out/b"
  assert_dir_holds "$D/out" a b
  [ "$(count_lines "$D/stdout" '.')" = 3 ] || fail "not 3 JSON lines"
  assert_matches "$D/stdout" '^\{"message": "a", "status": "ok", "output": "[^"]*/out/a", "headers": \{"pgp.out": "alpha"\}\}$'
  assert_matches "$D/stdout" '^\{"message": "b", "status": "ok".*"pgp.out": "beta"'
  assert_matches "$D/stdout" '^\{"message": "c", "status": "failed", "exit": 61, "step": "echo", "error": ".*header .who. is missing'
  assert_contains "$D/stderr" "3 messages: 2 ok, 1 failed, 0 skipped"
  # Inputs unchanged, nothing added to the input directory.
  (cd "$D/in" && sha256sum -c --quiet "$D/sums") || fail "inputs changed"
  assert_dir_holds "$D/in" a b c a.headers.json b.headers.json .part

  # The re-run does only what is left.
  printf '{"who": "gamma"}' >"$D/in/c.headers.json"
  cli run "$D/p.xml" --batch "$D/in" -o "$D/out"
  assert_exit 0
  assert_same "$D/in/c" "$D/out/c"
  assert_matches "$D/stdout" '"message": "a", "status": "skipped"'
  assert_matches "$D/stdout" '"message": "c", "status": "ok".*"gamma"'
  assert_contains "$D/stderr" "3 messages: 1 ok, 0 failed, 2 skipped"
}

t_batch_parallel_suffix ()
{
  mkdir "$D/in" "$D/out"
  i=0
  while [ $i -lt 24 ]; do
    random_file "$D/in/m$i" $((i * 5000 + 1))
    i=$((i + 1))
  done
  pipeline "$D/p.xml" '<step type="cat"/>' '<step type="spool-cat"/>'
  cli run "$D/p.xml" --batch "$D/in" -o "$D/out" -j 4 --suffix .done \
    --progress --header who=all
  assert_exit 0
  [ "$(count_lines "$D/stdout" '"status": "ok"')" = 24 ] \
    || fail "not 24 ok lines"
  i=0
  while [ $i -lt 24 ]; do
    assert_same "$D/in/m$i" "$D/out/m$i.done"
    i=$((i + 1))
  done
  assert_mode "$D/out/m3.done" 600
  assert_contains "$D/stderr" "0 failed, 0 skipped, 0 remaining"
}

t_batch_failure_leaves_nothing ()
{
  mkdir "$D/in" "$D/out"
  random_file "$D/in/x" 200000
  pipeline "$D/p.xml" '<step type="cat"/>' \
    '<step type="fail" id="boom"><after>100000</after>'\
'<message>exploded</message></step>'
  cli run "$D/p.xml" --batch "$D/in" -o "$D/out"
  assert_exit 41
  assert_matches "$D/stdout" '"message": "x", "status": "failed", "exit": 41, "step": "boom", "error": "[^"]*exploded'
  assert_dir_holds "$D/out"
}

# Message names and error texts are JSON strings: quote, backslash,
# control characters escaped, UTF-8 kept, invalid UTF-8 replaced.
t_batch_json_escaping ()
{
  mkdir "$D/in" "$D/out" "$D/in2" "$D/out2"
  printf 1 >"$D/in/q\"b\\s"
  printf 2 >"$D/in/$(printf 'caf\303\251')"
  printf 3 >"$D/in/$(printf 'bad\377')"
  pipeline "$D/p.xml" '<step type="cat"/>'
  cli run "$D/p.xml" --batch "$D/in" -o "$D/out"
  assert_exit 0
  assert_contains "$D/stdout" '{"message": "q\"b\\s", "status": "ok"'
  assert_contains "$D/stdout" "$(printf '{"message": "caf\303\251", "status": "ok"')"
  assert_contains "$D/stdout" '{"message": "bad\ufffd", "status": "ok"'
  random_file "$D/in2/x" 1000
  pipeline "$D/f.xml" '<step type="cat"/>' \
    '<step type="fail" id="boom"><message>two&#10;lines&#9;"q"</message></step>'
  cli run "$D/f.xml" --batch "$D/in2" -o "$D/out2"
  assert_exit 41
  assert_contains "$D/stdout" 'two\nlines\t\"q\""'
  [ "$(count_lines "$D/stdout" '.')" = 1 ] || fail "the error broke the line"
}

t_batch_usage ()
{
  mkdir "$D/in"
  pipeline "$D/p.xml" '<step type="cat"/>'
  cli run "$D/p.xml" --batch "$D/in"
  assert_exit 2
  assert_contains "$D/stderr" "--batch needs -o OUT_DIR"
  cli run "$D/p.xml" --batch "$D/in" -o "$D/in"
  assert_exit 2
  assert_contains "$D/stderr" "other than the input directory"
  cli run "$D/p.xml" --batch "$D/in" -o "$D/nowhere"
  assert_exit 74
  assert_contains "$D/stderr" "does not exist"
  cli run "$D/p.xml" --batch "$D/nothere" -o "$D"
  assert_exit 61
  cli run "$D/p.xml" --batch "$D/in" -o "$D" -j 0
  assert_exit 2
  cli run "$D/p.xml" -i "$D/p.xml" --jobs 2
  assert_exit 2
  assert_contains "$D/stderr" "need --batch"
  # An empty directory is a batch of nothing.
  mkdir "$D/out"
  cli run "$D/p.xml" --batch "$D/in" -o "$D/out"
  assert_exit 0
  assert_empty "$D/stdout"
}

# Many small messages on two workers go through the group commit: each
# is committed and listed exactly once, nothing else is left behind.
t_batch_group_commit_each_once ()
{
  mkdir "$D/in" "$D/out"
  i=0
  while [ $i -lt 80 ]; do
    random_file "$D/in/m$i" $((i * 37 + 1))
    i=$((i + 1))
  done
  pipeline "$D/p.xml" '<step type="cat"/>'
  cli run "$D/p.xml" --batch "$D/in" -o "$D/out" -j 2
  assert_exit 0
  [ "$(count_lines "$D/stdout" '.')" = 80 ] || fail "not 80 JSON lines"
  [ "$(count_lines "$D/stdout" '"status": "ok"')" = 80 ] \
    || fail "not 80 ok lines"
  [ "$(sed 's/.*"message": "\([^"]*\)".*/\1/' "$D/stdout" | sort -u \
       | wc -l)" = 80 ] || fail "a message is listed twice"
  i=0
  while [ $i -lt 80 ]; do
    assert_same "$D/in/m$i" "$D/out/m$i"
    i=$((i + 1))
  done
  [ "$(ls -A "$D/out" | wc -l)" = 80 ] || fail "extra files in the output"
  assert_contains "$D/stderr" "80 messages: 80 ok, 0 failed, 0 skipped"
}

# Failures among committed messages: a failed one leaves no output and
# is reported once, the others around it are committed and reported; a
# re-run skips the committed ones and tries the failed ones again.
t_batch_failures_within_group ()
{
  mkdir "$D/in" "$D/out"
  i=0
  while [ $i -lt 40 ]; do
    random_file "$D/in/m$i" 1024
    [ $((i % 7)) = 3 ] || printf '{"who": "w%s"}' $i >"$D/in/m$i.headers.json"
    i=$((i + 1))
  done
  who_pipeline "$D/p.xml"
  cli run "$D/p.xml" --batch "$D/in" -o "$D/out" -j 2
  assert_exit 61
  [ "$(count_lines "$D/stdout" '"status": "ok"')" = 34 ] \
    || fail "not 34 ok lines"
  [ "$(count_lines "$D/stdout" '"status": "failed", "exit": 61')" = 6 ] \
    || fail "not 6 failed lines"
  assert_matches "$D/stdout" '^\{"message": "m10", "status": "failed"'
  assert_matches "$D/stdout" '^\{"message": "m11", "status": "ok", "output": "[^"]*/out/m11", "headers": \{"pgp.out": "w11"\}\}$'
  i=0
  while [ $i -lt 40 ]; do
    if [ $((i % 7)) = 3 ]; then
      assert_no_file "$D/out/m$i"
    else
      assert_same "$D/in/m$i" "$D/out/m$i"
    fi
    i=$((i + 1))
  done
  [ "$(ls -A "$D/out" | wc -l)" = 34 ] || fail "extra files in the output"

  cli run "$D/p.xml" --batch "$D/in" -o "$D/out" -j 2
  assert_exit 61
  [ "$(count_lines "$D/stdout" '"status": "skipped"')" = 34 ] \
    || fail "not 34 skipped lines"
  [ "$(count_lines "$D/stdout" '"status": "failed"')" = 6 ] \
    || fail "not 6 failed lines on the re-run"
  assert_contains "$D/stderr" "40 messages: 0 ok, 6 failed, 34 skipped"
}

# Against real gpg: bob's protected key decrypts on two workers, so a
# second runtime home with its own agent serves the second worker; all
# messages decrypt and no agent of the run survives it.
t_batch_gpg_decrypt_two_homes ()
{
  K="$top_srcdir/tests/data/gpg/keys"
  DEC_DIR="$top_builddir/plugins/decrypt/.libs"
  BOB=37213D1976A23E2625719E022975619AFF1CDD85
  [ -f "$DEC_DIR/decrypt.so" ] || { skip "no decrypt plugin"; return; }
  mkdir -m 700 "$D/g" "$D/rt"
  mkdir "$D/in" "$D/out" "$D/plain"
  gpg --homedir "$D/g" --batch --quiet --import "$K/bob.pub.asc" \
    2>/dev/null || hard_error "cannot import bob's key"
  i=0
  while [ $i -lt 12 ]; do
    random_file "$D/plain/m$i" 1024
    gpg --homedir "$D/g" --batch --no-options --trust-model always \
      -r "$BOB" -o "$D/in/m$i" -e "$D/plain/m$i" 2>/dev/null \
      || fail "cannot encrypt m$i"
    i=$((i + 1))
  done
  gpgconf --homedir "$D/g" --kill all 2>/dev/null
  pipeline "$D/p.xml" \
    "<keyring name=\"bob\" secret=\"$K/bob.sec.asc\" passphrase=\"env:BOB_PW\"/>" \
    '<step type="decrypt"><keyring>bob</keyring><signatures>ignore</signatures></step>'
  BOB_PW="bob passphrase" PGPSTEP_RUNTIME_DIR="$D/rt" \
    "$PGPSTEP" --plugin-dir "$DEC_DIR" run "$D/p.xml" --batch "$D/in" \
    -o "$D/out" -j 2 >"$D/stdout" 2>"$D/stderr"
  rc=$?
  assert_exit 0
  [ "$(count_lines "$D/stdout" '"status": "ok"')" = 12 ] \
    || fail "not 12 ok lines"
  i=0
  while [ $i -lt 12 ]; do
    assert_same "$D/plain/m$i" "$D/out/m$i"
    i=$((i + 1))
  done
  if pgrep -f "$D/rt" >/dev/null; then
    fail "processes of the run survive: $(pgrep -a -f "$D/rt")"
  fi
  assert_dir_holds "$D/rt"
}

preflight
run_case "batch: one message per file, sidecar headers, JSON lines, re-run skips" \
  t_batch_basic
run_case "batch: 24 messages on 4 workers, suffix, progress" \
  t_batch_parallel_suffix
run_case "batch: a failed message leaves no output" \
  t_batch_failure_leaves_nothing
run_case "batch: usage errors and an empty directory" t_batch_usage
run_case "batch: names and errors are escaped JSON strings" t_batch_json_escaping
run_case "batch: 80 messages on 2 workers are each committed and listed once" \
  t_batch_group_commit_each_once
run_case "batch: failures among committed messages leave no output, re-run skips the rest" \
  t_batch_failures_within_group
run_case "batch: real gpg, protected key on 2 workers, no agent left" \
  t_batch_gpg_decrypt_two_homes
finish
