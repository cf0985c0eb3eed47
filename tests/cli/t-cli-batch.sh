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

preflight
run_case "batch: one message per file, sidecar headers, JSON lines, re-run skips" \
  t_batch_basic
run_case "batch: 24 messages on 4 workers, suffix, progress" \
  t_batch_parallel_suffix
run_case "batch: a failed message leaves no output" \
  t_batch_failure_leaves_nothing
run_case "batch: usage errors and an empty directory" t_batch_usage
finish
