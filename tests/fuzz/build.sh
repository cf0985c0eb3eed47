#!/bin/sh
# build.sh - build the libFuzzer targets of tests/fuzz into OUTDIR.
#
#   sh tests/fuzz/build.sh OUTDIR [TARGET...]
#
# Not part of the autotools build: libFuzzer is clang-only.  Each
# target is compiled with clang -g -O1 -fsanitize=fuzzer,address,undefined
# straight from the sources it needs.  config.h comes from running
# configure (CC=clang) in OUTDIR/config, so the fuzzers see exactly the
# feature macros of a real build.  The host sources are read from
# host/local.mk, so new host files are picked up without edits here.
# Needs clang and libclang-rt-14-dev (Debian 12) besides the normal
# build dependencies.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [TARGET...]" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
shift
targets=${*:-"descriptor header-ref headers-json status armor packet"}

CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null 2>&1 \
  || { echo "build.sh: $CC not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }

# config.h, once per output directory.
cfg=$out/config
# shellcheck disable=SC3013  # -nt: dash and bash have it.
if [ ! -f "$cfg/config.h" ] || [ "$top/configure" -nt "$cfg/config.h" ]; then
  [ -x "$top/configure" ] || sh "$top/scripts/bootstrap.sh"
  mkdir -p "$cfg"
  (cd "$cfg" && "$top/configure" -q CC="$CC" >configure.out 2>&1) \
    || { cat "$cfg/configure.out" >&2;
         echo "build.sh: configure failed (see above)" >&2; exit 1; }
fi

pc () { pkg-config "$@" 2>/dev/null || true; }
XML_CFLAGS=$(pc --cflags libxml-2.0)
XML_LIBS=$(pc --libs libxml-2.0)
GE_CFLAGS=$(pc --cflags gpg-error)
GE_LIBS=$(pc --libs gpg-error)
[ -n "$XML_LIBS" ] || XML_LIBS=-lxml2
[ -n "$GE_LIBS" ] || GE_LIBS=-lgpg-error
# The host may grow a GPGME dependency (keyring back end).
GPGME_CFLAGS=$(pc --cflags gpgme)
GPGME_LIBS=$(pc --libs gpgme)

CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
  -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter
  -Wno-missing-field-initializers"

# The .c files of libpgpstep-core, from host/local.mk.
host_sources ()
{
  # shellcheck disable=SC1003,SC2020
  sed -n '/^libpgpstep_core_la_SOURCES *=/,/[^\\]$/p' "$top/host/local.mk" \
    | tr ' \t\\' '\n\n\n' | grep '\.c$' | sed "s|^|$top/|"
}

build ()
{
  name=$1; shift
  # shellcheck disable=SC2086
  if $CC $CFLAGS -I"$cfg" -I"$top/include" -I"$top/host" \
       -I"$top/plugins/openpgp" \
       -DPGPSTEP_PLUGIN_DIR='"/nonexistent/pgpstep-fuzz"' \
       -o "$out/fuzz-$name" "$top/tests/fuzz/fuzz-$name.c" "$@" \
       >"$out/fuzz-$name.build.log" 2>&1; then
    if [ -s "$out/fuzz-$name.build.log" ]; then
      cat "$out/fuzz-$name.build.log" >&2   # Warnings.
    fi
    echo "built $out/fuzz-$name"
  else
    cat "$out/fuzz-$name.build.log" >&2
    echo "build.sh: fuzz-$name failed to build" >&2
    return 1
  fi
}

o=$top/plugins/openpgp
rc=0
for t in $targets; do
  case $t in
    descriptor)
      # shellcheck disable=SC2046,SC2086
      build descriptor $(host_sources) $XML_CFLAGS $GE_CFLAGS $GPGME_CFLAGS \
        $XML_LIBS $GPGME_LIBS $GE_LIBS -ldl -pthread || rc=1 ;;
    header-ref)
      # shellcheck disable=SC2086
      build header-ref "$top/host/params.c" $GE_CFLAGS $GE_LIBS || rc=1 ;;
    headers-json)
      # shellcheck disable=SC2086
      build headers-json "$top/host/headers.c" "$top/host/json.c" \
        $GE_CFLAGS $GE_LIBS || rc=1 ;;
    status)
      # shellcheck disable=SC2086
      build status "$o/status.c" $GE_CFLAGS $GE_LIBS || rc=1 ;;
    armor)
      # shellcheck disable=SC2086
      build armor "$o/armor.c" $GE_CFLAGS $GE_LIBS || rc=1 ;;
    packet)
      # shellcheck disable=SC2086
      build packet "$o/packet.c" "$o/armor.c" $GE_CFLAGS $GE_LIBS || rc=1 ;;
    *)
      echo "build.sh: unknown target '$t'" >&2; rc=1 ;;
  esac
done
exit $rc
