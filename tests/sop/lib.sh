# lib.sh - shared setup of the pgpstep-sop tests (POSIX sh): the built
# program with the built step plugins, and a private scratch directory
# $PT that a trap removes (every gpg home below it has its agent
# stopped by whoever made it).

set -u

: "${top_builddir:?top_builddir is not set; run the tests with make check}"
: "${top_srcdir:?top_srcdir is not set; run the tests with make check}"

SOP="$top_builddir/pgpstep-sop"
# The step plugins of the build tree, not the installed ones.
PGPSTEP_PLUGIN_PATH=
for _p in armor decrypt encrypt sign verify; do
  if [ -d "$top_builddir/plugins/$_p/.libs" ]; then
    PGPSTEP_PLUGIN_PATH="$PGPSTEP_PLUGIN_PATH${PGPSTEP_PLUGIN_PATH:+:}$top_builddir/plugins/$_p/.libs"
  fi
done
export PGPSTEP_PLUGIN_PATH

# Whether the sign plugin was built: the signing cells need it.
have_sign=no
[ -f "$top_builddir/plugins/sign/.libs/sign.so" ] && have_sign=yes

PT=$(mktemp -d /tmp/sopt.XXXXXX) || exit 99
trap 'rm -rf "$PT"' EXIT
# pgpstep-sop makes its work directories in $TMPDIR: here, so that a
# test sees what is left.
TMPDIR=$PT
export TMPDIR
trap 'exit 130' HUP INT TERM

npass=0
nfail=0
nskip=0

# cell NAME FUNCTION ARGS...: run one cell, print one line.
cell ()
{
  _name=$1
  shift
  if "$@" >"$PT/cell.log" 2>&1; then
    echo "PASS: $_name"
    npass=$((npass + 1))
  else
    echo "FAIL: $_name"
    sed -e 's/^/    | /' "$PT/cell.log" | head -n 15
    nfail=$((nfail + 1))
  fi
}

skip_cell ()
{
  echo "SKIP: $1 ($2)"
  nskip=$((nskip + 1))
}

finish ()
{
  echo "$((npass + nfail + nskip)) cells: $npass passed, $nfail failed," \
       "$nskip skipped"
  [ "$nfail" -eq 0 ]
}
