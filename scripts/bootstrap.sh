#!/bin/sh
# bootstrap.sh - generate configure when missing or older than its inputs.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] \
   || [ -n "$(find . -name '*.am' -newer configure -o -name '*.mk' -newer configure | head -n 1)" ]; then
  ./autogen.sh >/dev/null 2>&1 || ./autogen.sh
fi
