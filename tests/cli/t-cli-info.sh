#!/bin/sh
# t-cli-info.sh - pgpstep validate, plugins, describe, and where plugins
# are loaded from.

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

t_validate_ok ()
{
  pipeline "$D/p.xml" '<step type="cat" id="one"/>' \
    '<step type="typed"><needed>x</needed><count>3</count></step>'
  cli validate "$D/p.xml"
  assert_exit 0
  assert_contains "$D/stdout" \
    "$D/p.xml: ok (pipeline 'test', 2 steps: one(cat), typed#2(typed))"
  assert_empty "$D/stderr"
  cli_raw --plugin-dir "$PLUGIN_DIR" -q validate "$D/p.xml"
  assert_exit 0
  assert_empty "$D/stdout"
}

t_validate_fail ()
{
  pipeline "$D/p.xml" '<step type="cat"/>' \
    '<step type="typed" id="t"><needed>x</needed><flag>maybe</flag></step>'
  cli validate "$D/p.xml"
  assert_exit 78
  assert_contains "$D/stderr" "p.xml:4"
  assert_contains "$D/stderr" "flag"
  assert_contains "$D/stderr" "maybe"
  assert_empty "$D/stdout"
}

t_validate_create ()
{
  # validate runs create, like run does.
  pipeline "$D/p.xml" '<step type="create-fail" id="cf"/>'
  cli validate "$D/p.xml"
  assert_exit 78
  assert_contains "$D/stderr" "create refused"
  assert_empty "$D/stdout"
}

t_plugins ()
{
  cli plugins
  assert_exit 0
  assert_contains "$D/stdout" "file: $PLUGIN_DIR/teststeps.so"
  assert_matches "$D/stdout" "^[a-z].* \(ABI 1\.0\)$"
  for s in cat fail stall spool-cat set-header typed create-fail; do
    assert_matches "$D/stdout" "^    $s  +[^ ]"
  done
  assert_empty "$D/stderr"
}

t_describe ()
{
  cli describe typed
  assert_exit 0
  o="$D/stdout"
  assert_matches "$o" "^typed: "
  assert_matches "$o" "^ +PARAMETER +TYPE +FLAGS +DEFAULT +VALUES$"
  assert_matches "$o" "^ +text +string "
  assert_matches "$o" "^ +flag +boolean "
  assert_matches "$o" "^ +count +integer .* 1\.\.10$"
  assert_matches "$o" "^ +choice +enum .* red\|green\|blue$"
  assert_matches "$o" "^ +key +key "
  assert_matches "$o" "^ +list +string +([^ ]*,)?repeatable"
  assert_matches "$o" "^ +needed +string +([^ ]*,)?required"
  assert_matches "$o" "^ +size +size "
  assert_matches "$o" "^ +when +time "
  assert_matches "$o" "^ +secret +secret "
  assert_matches "$o" "^ +keyring +keyring "
  # Every parameter has its description on the next line.
  n=$(grep -c -E '^      [^ ]' "$o")
  [ "$n" -ge 11 ] || fail "only $n description lines"
  assert_empty "$D/stderr"
}

t_plugin_path_env ()
{
  # PGPSTEP_PLUGIN_PATH is used when no --plugin-dir is given...
  PGPSTEP_PLUGIN_PATH="$D/nothing-here:$PLUGIN_DIR" cli_raw plugins
  assert_exit 78
  assert_contains "$D/stderr" "$D/nothing-here"
  PGPSTEP_PLUGIN_PATH="$PLUGIN_DIR" cli_raw plugins
  assert_exit 0
  assert_contains "$D/stdout" "$PLUGIN_DIR/teststeps.so"
  # ...and --plugin-dir replaces it.
  PGPSTEP_PLUGIN_PATH="$D/nothing-here" cli plugins
  assert_exit 0
  assert_contains "$D/stdout" "$PLUGIN_DIR/teststeps.so"
}

t_plugin_dir_relative ()
{
  # A relative --plugin-dir is taken from the current directory.
  ( cd "$PLUGIN_DIR/.." && cli_raw --plugin-dir .libs plugins;
    echo "$rc" >"$D/rc" )
  rc=$(cat "$D/rc")
  assert_exit 0
  assert_contains "$D/stdout" "teststeps.so"
}

t_plugin_dir_repeated ()
{
  mkdir "$D/empty"
  cli_raw --plugin-dir "$D/empty" --plugin-dir "$PLUGIN_DIR" describe cat
  assert_exit 0
  assert_matches "$D/stdout" "^cat: "
}

t_default_dir ()
{
  default=$(sed -n 's/^default plugin directory: //p' "$D/../version")
  [ -n "$default" ] || { fail "no default directory in --version"; return; }
  if [ -d "$default" ]; then
    skip "$default exists"
    return
  fi
  env -u PGPSTEP_PLUGIN_PATH "$PGPSTEP" plugins >"$D/stdout" 2>"$D/stderr"
  rc=$?
  assert_exit 78
  assert_contains "$D/stderr" "'$default'"
}

preflight
"$PGPSTEP" --version >"$T/version" || hard_error "--version failed"
run_case "validate: a good pipeline is ok" t_validate_ok
run_case "validate: a bad parameter exits 78 with file:line" t_validate_fail
run_case "validate: a step refusing its configuration exits 78" \
  t_validate_create
run_case "plugins lists file, module, ABI and steps" t_plugins
run_case "describe shows the parameter table" t_describe
run_case "PGPSTEP_PLUGIN_PATH, replaced by --plugin-dir" t_plugin_path_env
run_case "relative --plugin-dir" t_plugin_dir_relative
run_case "repeated --plugin-dir loads from each" t_plugin_dir_repeated
run_case "without either the built-in default directory is used" \
  t_default_dir
finish
