#!/bin/sh
# demo.sh - build pgpstep and run the main job on the bundled samples.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh scripts/deps.sh
sh scripts/bootstrap.sh
mkdir -p _build/main
cd _build/main
[ -f Makefile ] || "$top/configure" -q
make -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
echo "== pgpstep $(./pgpstep --version | head -n 1 | sed 's/^pgpstep //')"
echo "== running samples/pipelines/base64-roundtrip.xml on samples/data/invoice.xml"
./pgpstep --plugin-dir "$(pwd)/samples/plugins/base64/.libs" \
  run "$top/samples/pipelines/base64-roundtrip.xml" \
  -i "$top/samples/data/invoice.xml" --headers-out /dev/stderr
