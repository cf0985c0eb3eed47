#!/bin/sh
# t-cli-basic.sh - pgpstep --version, --help of every command, usage
# errors (exit 2).

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

commands="run validate plugins describe"

version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' \
          "$top_builddir/config.h")
[ -n "$version" ] || hard_error "no PACKAGE_VERSION in config.h"

t_version ()
{
  cli_raw --version
  assert_exit 0
  [ "$(head -n 1 "$D/stdout")" = "pgpstep $version" ] \
    || fail "first line is '$(head -n 1 "$D/stdout")'"
  assert_contains "$D/stdout" "libpgpstep $version"
  assert_contains "$D/stdout" "plugin ABI 1.0"
  assert_empty "$D/stderr"
}

t_help ()
{
  cli_raw --help
  assert_exit 0
  assert_contains "$D/stdout" "Usage: pgpstep [GLOBAL-OPTIONS] COMMAND"
  for c in $commands help; do
    assert_matches "$D/stdout" "^  $c "
  done
  for o in --plugin-dir --secrets --verbose --quiet --help --version \
           PGPSTEP_PLUGIN_PATH PGPSTEP_SECRETS TMPDIR; do
    assert_contains "$D/stdout" "$o"
  done
  # The whole exit code table.
  for code in 0 1 2 3 17 29 37 41 59 61 67 74 75 78 79; do
    assert_matches "$D/stdout" "^ +$code  [a-zA-Z]"
  done
  assert_contains "$D/stdout" "59  output exists"
  assert_contains "$D/stdout" "75  deadline exceeded"
  assert_empty "$D/stderr"
  cp "$D/stdout" "$D/help"
  cli_raw -h
  assert_exit 0
  assert_same "$D/help" "$D/stdout"
  cli_raw help
  assert_exit 0
  assert_same "$D/help" "$D/stdout"
}

t_command_help ()
{
  for c in $commands; do
    cli_raw "$c" --help
    assert_exit 0
    assert_contains "$D/stdout" "Usage: pgpstep $c"
    assert_empty "$D/stderr"
    cp "$D/stdout" "$D/help-$c"
    cli_raw "$c" -h
    assert_exit 0
    assert_same "$D/help-$c" "$D/stdout"
    cli_raw help "$c"
    assert_exit 0
    assert_same "$D/help-$c" "$D/stdout"
  done
  # run documents its options and the exit codes.
  for o in --input --output --overwrite --mode --timeout --header \
           --header-file --headers --headers-out "78  configuration error"; do
    assert_contains "$D/help-run" "$o"
  done
}

# usage CODE-OF-COMMAND MESSAGE ARGS...: exit 2, the message and a hint
# to the right --help, nothing on stdout.
usage ()
{
  _cmd=$1
  _msg=$2
  shift 2
  cli "$@"
  assert_exit 2
  assert_contains "$D/stderr" "$_msg"
  if [ -n "$_cmd" ]; then
    assert_contains "$D/stderr" "Try 'pgpstep $_cmd --help'."
  else
    assert_contains "$D/stderr" "Try 'pgpstep --help'."
  fi
  assert_empty "$D/stdout"
}

t_usage_global ()
{
  usage "" "no command given"
  usage "" "unknown command 'frobnicate'" frobnicate
  usage "" "unknown option '--bogus'" --bogus plugins
  usage "" "unknown option '-x'" -x plugins
  usage "" "option '--secrets' requires an argument" --secrets
  usage "" "--quiet and --verbose exclude each other" -q -v plugins
  usage "" "unknown command 'bogus'" help bogus
  usage "help" "too many arguments" help run validate
  # A global option after the command is the command's business.
  usage "plugins" "unknown option '--secrets'" plugins --secrets /tmp
}

t_usage_run ()
{
  pipeline "$D/p.xml" '<step type="cat"/>'
  usage run "missing PIPELINE" run
  usage run "unexpected argument 'extra'" run "$D/p.xml" extra
  usage run "unknown option '--bogus'" run "$D/p.xml" --bogus
  usage run "option '-i' requires an argument" run "$D/p.xml" -i
  usage run "option '--output' requires an argument" run "$D/p.xml" --output
  usage run "--output given twice" run "$D/p.xml" -o "$D/a" --output "$D/b"
  usage run "--mode needs octal" run "$D/p.xml" --mode 999
  usage run "--mode needs octal" run "$D/p.xml" --mode 01000
  usage run "--mode needs octal" run "$D/p.xml" --mode rw
  usage run "--timeout needs a number of seconds" run "$D/p.xml" --timeout -1
  usage run "--timeout needs a number of seconds" run "$D/p.xml" --timeout 5s
  usage run "--header needs NAME=VALUE" run "$D/p.xml" --header novalue
  usage run "--header needs NAME=VALUE" run "$D/p.xml" --header =v
  usage run "--header-file needs NAME=FILE" run "$D/p.xml" --header-file x
  usage run "--headers-out - needs -o FILE" run "$D/p.xml" --headers-out -
  usage run "--headers-out - needs -o FILE" \
        run "$D/p.xml" -o - --headers-out -
  usage run "name the same file" \
        run "$D/p.xml" -o "$D/x" --headers-out "$D/x"
  # Usage errors come before anything is created.
  assert_dir_holds "$D" p.xml stdout stderr
}

t_usage_info ()
{
  usage validate "missing PIPELINE" validate
  usage validate "unexpected argument 'b'" validate a b
  usage plugins "unexpected argument 'x'" plugins x
  usage describe "missing STEP" describe
  usage describe "unknown option '--all'" describe --all cat
  usage describe "unknown step 'no-such-step'" describe no-such-step
  # It names the steps there are.
  assert_contains "$D/stderr" "known steps:"
  assert_contains "$D/stderr" "spool-cat"
}

preflight
run_case "--version names program, library and ABI" t_version
run_case "--help lists commands, options, environment, exit codes" t_help
run_case "every command has --help, -h and 'help COMMAND'" t_command_help
run_case "usage errors of the global part exit 2" t_usage_global
run_case "usage errors of run exit 2" t_usage_run
run_case "usage errors of validate, plugins, describe exit 2" t_usage_info
finish
