#!/bin/sh
# deps.sh - install the Debian 12 packages pgpstep needs to build and
# test.  As root, missing ones are installed with apt-get; otherwise
# the missing ones are listed and the script fails.
set -eu
pkgs="gcc make autoconf automake libtool pkg-config xz-utils
      libgpg-error-dev libgpgme-dev libxml2-dev libcmocka-dev zlib1g-dev
      gnupg valgrind time util-linux strace clang libclang-rt-14-dev sqop
      groff-base default-jdk-headless rnp pgpainless-cli"
missing=
for p in $pkgs; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
    || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: missing Debian packages:$missing" >&2
  echo "deps.sh: run as root or: sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
