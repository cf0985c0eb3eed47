#!/bin/sh
# gen-steps.sh - rebuild the STEPS section of doc/pgpstep-pipeline.5
# from the parameter tables of the built step plugins.
#
#   sh doc/gen-steps.sh [BUILDDIR]           rewrite the page in place
#   sh doc/gen-steps.sh --print [BUILDDIR]   print the page as it should
#                                            be (the test diffs this)
#
# BUILDDIR is the build tree (default: the source tree, for an in-tree
# build).  Every plugin built there, BUILDDIR/plugins/*/.libs/*.so, is
# loaded and `pgpstep describe --man` prints its steps, sorted by type;
# the output replaces what lies between the BEGIN and END GENERATED
# STEPS comments of the page.  So after a new step plugin (such as
# plugins/sign) is built, documenting its parameters is
#
#   make && sh doc/gen-steps.sh            (in-tree build), or
#   sh /path/to/src/doc/gen-steps.sh .     (from an out-of-tree build)
#
# and tests/cli/t-man.sh fails, showing the diff and this command,
# while the shipped page differs from what the tables produce.  The
# hand-written parts of the page (result headers, policy) are edited
# by hand as usual.
set -eu

print=no
if [ "${1:-}" = --print ]; then
  print=yes
  shift
fi
if [ $# -gt 1 ]; then
  echo "usage: $0 [--print] [BUILDDIR]" >&2
  exit 2
fi
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "${1:-$srcdir}" && pwd)
page="$srcdir/doc/pgpstep-pipeline.5"
pgpstep="$builddir/pgpstep"

[ -x "$pgpstep" ] || { echo "$0: no pgpstep at $pgpstep (build first)" >&2;
                       exit 1; }
[ -f "$page" ] || { echo "$0: no page at $page" >&2; exit 1; }

# Every built plugin (lower-case names: the same order in any locale).
set --
names=
last=
for so in "$builddir"/plugins/*/.libs/*.so; do
  [ -f "$so" ] || continue
  dir=$(dirname "$so")
  [ "$dir" = "$last" ] || set -- "$@" --plugin-dir "$dir"
  last=$dir
  names="$names $(basename "$so" .so)"
done
[ $# -gt 0 ] || { echo "$0: no plugin built in $builddir/plugins" >&2;
                  exit 1; }

tmp=$(mktemp "${TMPDIR:-/tmp}/gen-steps.XXXXXX")
trap 'rm -f "$tmp" "$tmp.page"' EXIT
trap 'exit 130' HUP INT TERM
{
  echo '.\" BEGIN GENERATED STEPS'
  echo '.\" Made by doc/gen-steps.sh from the parameter tables of the'
  echo '.\" plugins'"$names"'.  Do not edit: run the script instead.'
  LC_ALL=C "$pgpstep" -q "$@" describe --man
  echo '.\" END GENERATED STEPS'
} >"$tmp"

# Replace the block; both markers must be there exactly once.
awk -v gen="$tmp" '
  $0 == ".\\\" BEGIN GENERATED STEPS" { nb++; skip = 1;
    while ((getline line < gen) > 0) print line; next }
  $0 == ".\\\" END GENERATED STEPS" { ne++; bad += !skip; skip = 0; next }
  !skip { print }
  END { if (nb != 1 || ne != 1 || bad) exit 3 }
' "$page" >"$tmp.page" || {
  echo "$0: $page needs one BEGIN and then one END GENERATED STEPS" \
       "comment line" >&2
  exit 1
}

if [ "$print" = yes ]; then
  cat "$tmp.page"
elif cmp -s "$tmp.page" "$page"; then
  echo "$page: up to date"
else
  cat "$tmp.page" >"$page"
  echo "$page: STEPS section regenerated from:$names"
fi
