# lib.sh - shared helpers of the pgpstep CLI tests (POSIX sh).
#
# A test sources this file, defines one function per case and calls
#   run_case "what it checks" FUNCTION
# for each, then finish.  Every case gets a fresh directory $D inside
# the test's own mktemp -d directory $T, which a trap removes.  cli
# runs the built pgpstep with the test plugins and leaves the exit code
# in $rc, stdout in $D/stdout and stderr in $D/stderr.

set -u

: "${top_builddir:?top_builddir is not set; run the tests with make check}"
: "${top_srcdir:?top_srcdir is not set; run the tests with make check}"

PGPSTEP="$top_builddir/pgpstep"
PLUGIN_DIR="$top_builddir/tests/plugins/.libs"

# Sanitizer builds run several times slower.
slow=1
[ "${PGPSTEP_TEST_SANITIZERS:-no}" != no ] && slow=3

T=$(mktemp -d "${TMPDIR:-/tmp}/pgpstep-cli.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
trap 'exit 130' HUP INT TERM

ncases=0
nfailed=0
nskipped=0
case_failed=0
case_skipped=

# Stop the whole test: the environment is not what the cases need.
hard_error ()
{
  echo "ERROR: $*" >&2
  exit 99
}

# Mark the current case failed and say why.
fail ()
{
  echo "  $*"
  case_failed=1
}

# Skip the current case (call it and return from the case).
skip ()
{
  case_skipped="$*"
}

# cli ARGS...  Run pgpstep with the test plugins; stdin is inherited.
cli ()
{
  "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" "$@" >"$D/stdout" 2>"$D/stderr"
  rc=$?
}

# cli_raw ARGS...  Same without --plugin-dir.
cli_raw ()
{
  "$PGPSTEP" "$@" >"$D/stdout" 2>"$D/stderr"
  rc=$?
}

show_file ()
{
  if [ -s "$1" ]; then
    sed -e 's/^/    | /' "$1" | head -n 20
  else
    echo "    (empty)"
  fi
}

assert_exit ()
{
  if [ "$rc" != "$1" ]; then
    fail "expected exit code $1, got $rc; stderr:"
    show_file "$D/stderr"
  fi
}

# assert_contains FILE TEXT  (fixed string)
assert_contains ()
{
  if ! grep -F -q -e "$2" "$1"; then
    fail "$(basename "$1") lacks '$2'; it holds:"
    show_file "$1"
  fi
}

# assert_matches FILE REGEX  (extended regular expression)
assert_matches ()
{
  if ! grep -E -q -e "$2" "$1"; then
    fail "$(basename "$1") does not match /$2/; it holds:"
    show_file "$1"
  fi
}

assert_not_contains ()
{
  if grep -F -q -e "$2" "$1"; then
    fail "$(basename "$1") contains '$2'"
  fi
}

assert_no_file ()
{
  if [ -e "$1" ] || [ -L "$1" ]; then
    fail "'$1' exists"
  fi
}

assert_file ()
{
  [ -f "$1" ] || fail "'$1' is missing"
}

assert_empty ()
{
  if [ -s "$1" ]; then
    fail "$(basename "$1") is not empty:"
    show_file "$1"
  fi
}

# assert_same EXPECTED ACTUAL  (byte for byte)
assert_same ()
{
  if [ ! -f "$2" ]; then
    fail "'$2' is missing"
  elif ! cmp -s "$1" "$2"; then
    fail "'$2' differs from '$1' ($(wc -c <"$2") vs $(wc -c <"$1") bytes)"
  fi
}

# assert_dir_holds DIR [NAME...]  DIR holds exactly these entries (no
# temporary files beside them).
assert_dir_holds ()
{
  _dir=$1
  shift
  _want=$(for _n in "$@"; do echo "$_n"; done | LC_ALL=C sort)
  _have=$(ls -A "$_dir" | LC_ALL=C sort)
  if [ "$_want" != "$_have" ]; then
    fail "'$_dir' holds [$(echo $_have)], expected [$(echo $_want)]"
  fi
}

# assert_mode FILE OCTAL  (as stat %a prints it, e.g. 600)
assert_mode ()
{
  _m=$(stat -c %a "$1" 2>/dev/null)
  [ "$_m" = "$2" ] || fail "mode of '$1' is '$_m', expected $2"
}

# now_ms: milliseconds since the epoch.
now_ms ()
{
  echo $(( $(date +%s%N) / 1000000 ))
}

# pipeline FILE STEP-XML...  Write a descriptor with the given lines
# between the pipeline tags (the first step starts on line 3).
pipeline ()
{
  _f=$1
  shift
  {
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<pipeline xmlns="urn:pgpstep:pipeline:1" name="test">'
    for _l in "$@"; do echo "$_l"; done
    echo '</pipeline>'
  } >"$_f"
}

# random_file FILE BYTES
random_file ()
{
  head -c "$2" /dev/urandom >"$1"
}

run_case ()
{
  ncases=$((ncases + 1))
  D="$T/case$ncases"
  mkdir "$D" || hard_error "cannot create $D"
  case_failed=0
  case_skipped=
  _case=$1
  shift
  "$@"
  if [ -n "$case_skipped" ]; then
    echo "SKIP: $_case ($case_skipped)"
    nskipped=$((nskipped + 1))
  elif [ "$case_failed" = 0 ]; then
    echo "PASS: $_case"
  else
    echo "FAIL: $_case"
    nfailed=$((nfailed + 1))
  fi
}

finish ()
{
  echo "$ncases cases, $nfailed failed, $nskipped skipped"
  [ "$nfailed" = 0 ] || exit 1
  [ "$ncases" -gt "$nskipped" ] || exit 77
  exit 0
}

# Refuse to run vacuously: the program must exist and the test module
# must load and offer its steps.
preflight ()
{
  [ -x "$PGPSTEP" ] || hard_error "no program at $PGPSTEP"
  [ -f "$PLUGIN_DIR/teststeps.so" ] \
    || hard_error "no test plugin at $PLUGIN_DIR/teststeps.so"
  D="$T/preflight"
  mkdir "$D" || hard_error "cannot create $D"
  cli plugins
  [ "$rc" = 0 ] || { show_file "$D/stderr" >&2;
                     hard_error "'pgpstep plugins' failed with $rc"; }
  for _s in cat fail stall spool-cat set-header typed create-fail; do
    grep -q -E "^ +$_s( |\$)" "$D/stdout" \
      || { show_file "$D/stdout" >&2;
           hard_error "the test plugin lacks step '$_s'"; }
  done
}
