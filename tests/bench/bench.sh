#!/bin/bash
# bench.sh - pgpstep against the gpg CLI (and sqop, rnp) doing the same
# work on the same data, in one run on this machine.
#
#   tests/bench/bench.sh [--quick] [--build DIR] [--sizes "1M 256M 1G"]
#                        [--runs N] [--ops "encrypt decrypt ..."]
#                        [--no-peers] [--small N] [--small-runs N]
#
# For each operation, key and size: the median wall time of RUNS
# interleaved pgpstep/gpg pairs (default 5), as MB/s; the ratio
# pgpstep/gpg (above 1: pgpstep is faster), and against gpg plus an
# fsync of its output (pgpstep commits its output durably, gpg leaves
# it in the page cache: past the disk's write speed that is the
# difference); pgpstep's peak RSS.  First, each side's fixed cost of
# one run (1-byte payload: for pgpstep the pipeline load).
# Conditions (printed too): payload in the page cache (read once
# before timing), output with -o FILE in the same directory, removed
# and synced before every timed run, AES256,
# SHA256, no compression on every side; an unprotected ed25519/cv25519
# key (alice) and a passphrase-protected RSA-3072 key (bob) as
# separate rows.  sqop and rnp run where they can do the same
# operation (binary, same key; sqop picks its own cipher).  Small
# messages: messages/second for N (default 1000) 1 KiB payloads through
# batch mode with one and with nproc workers, against as many plain gpg
# runs (one by one, and nproc at a time), and decrypting with the
# protected key; each the median of --small-runs (default 3) runs.
#
# Nothing here asserts a time: these machines are noisy, so the numbers
# are ratios from one run and are read by people (README, "Speed").
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
build="$top/_build/main"
sizes="1M 256M 1G"
runs=5
ops=""
peers=1
small=1000
small_runs=3
while [ $# -gt 0 ]; do
  case $1 in
    --quick) sizes="1M 64M"; runs=3; small=100; small_runs=1 ;;
    --build) build=$(cd "$2" && pwd); shift ;;
    --sizes) sizes=$2; shift ;;
    --runs) runs=$2; shift ;;
    --ops) ops=$2; shift ;;
    --no-peers) peers=0 ;;
    --small) small=$2; shift ;;
    --small-runs) small_runs=$2; shift ;;
    -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

PGPSTEP="$build/pgpstep"
[ -x "$PGPSTEP" ] || { echo "bench.sh: no $PGPSTEP (build first, or --build DIR)" >&2; exit 2; }
plugin_args=()
for p in encrypt decrypt sign verify armor; do
  [ -f "$build/plugins/$p/.libs/$p.so" ] && plugin_args+=(--plugin-dir "$build/plugins/$p/.libs")
done
have_step () { [ -f "$build/plugins/$1/.libs/$1.so" ]; }

K="$top/tests/data/keys"
ALICE=015ABD50EB712E873C6BB2B009037A2EDFD86C9F
BOB=37213D1976A23E2625719E022975619AFF1CDD85
BOBPASS="bob passphrase"

W=$(mktemp -d /tmp/pb.XXXXXX) || exit 1
G="$W/g"
cleanup ()
{
  gpgconf --homedir "$G" --kill all 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The gpg side: one home with both secret keys (bob protected, as it
# comes), the passphrase in a file for loopback pinentry.
mkdir -m 700 "$G" "$W/secrets"
gpg --homedir "$G" --batch -q --import "$K/alice.sec.asc" 2>/dev/null
gpg --homedir "$G" --batch -q --pinentry-mode loopback \
  --passphrase "$BOBPASS" --import "$K/bob.sec.asc" 2>/dev/null
printf '%s' "$BOBPASS" >"$W/bobpass"
printf '%s' "$BOBPASS" >"$W/secrets/bob"
chmod 600 "$W/secrets/bob" "$W/bobpass"
GPG=(gpg --homedir "$G" --batch --no-options --quiet --trust-model always
     --no-auto-key-retrieve --no-random-seed-file --no-auto-check-trustdb
     --pinentry-mode loopback --passphrase-file "$W/bobpass" --yes)

# The program itself, not libtool's wrapper script (~80 ms a start).
if [ -x "$build/.libs/pgpstep" ]; then
  export LD_LIBRARY_PATH="$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  PGPSTEP="$build/.libs/pgpstep"
fi
PGP=("$PGPSTEP" "${plugin_args[@]}" --secrets "$W/secrets" --quiet)
pgpstep () { "${PGP[@]}" "$@"; }

# Descriptors: one per operation and key, with only that key's keyring
# (each run loads it: bob's passphrase check is part of the load).
desc ()
{
  # desc NAME KEYRING STEP-XML...
  local name=$1 kr=$2
  shift 2
  {
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<pipeline xmlns="urn:pgpstep:pipeline:1" name="bench">'
    if [ "$kr" = alice ]; then
      echo '<keyring name="alice" secret="'"$K"'/alice.sec.asc"/>'
    else
      echo '<keyring name="bob" secret="'"$K"'/bob.sec.asc" passphrase="secret:bob"/>'
    fi
    for s in "$@"; do echo "${s//@KR@/$kr}"; done
    echo '</pipeline>'
  } >"$W/$name.xml"
}
fpr_of () { [ "$1" = alice ] && echo $ALICE || echo $BOB; }

for who in alice bob; do
  f=$(fpr_of $who)
  enc="<keyring>@KR@</keyring><recipient>$f</recipient><cipher>AES256</cipher><compression>none</compression>"
  desc "encrypt-$who" $who "<step type=\"encrypt\">$enc</step>"
  desc "encrypt-armor-$who" $who "<step type=\"encrypt\">$enc<armor>true</armor></step>"
  desc "decrypt-$who" $who '<step type="decrypt"><keyring>@KR@</keyring><signatures>ignore</signatures></step>'
  cp "$W/decrypt-$who.xml" "$W/decrypt-armor-$who.xml"   # Armor is detected.
  sig="<keyring>@KR@</keyring><sign-with>$f</sign-with><digest>SHA256</digest>"
  desc "sign-inline-$who" $who "<step type=\"sign\">$sig</step>"
  desc "sign-detached-$who" $who "<step type=\"sign\">$sig<mode>detached</mode><output>signature</output></step>"
  desc "verify-inline-$who" $who "<step type=\"verify\"><keyring>@KR@</keyring><allowed-signer>$f</allowed-signer></step>"
  desc "verify-detached-$who" $who "<step type=\"verify\"><keyring>@KR@</keyring><allowed-signer>$f</allowed-signer><mode>detached</mode><signature>file:$W/data.sig-$who</signature></step>"
  desc "sign-encrypt-$who" $who "<step type=\"encrypt\">$enc<sign-with>$f</sign-with><digest>SHA256</digest></step>"
  desc "sign-then-encrypt-$who" $who "<step type=\"sign\">$sig</step>" "<step type=\"encrypt\">$enc<input>openpgp</input></step>"
  desc "decrypt-verify-$who" $who "<step type=\"decrypt\"><keyring>@KR@</keyring><allowed-signer>$f</allowed-signer></step>"
done

# The gpg command for an operation into CMD: gpg_argv OP WHO IN OUT
gpg_argv ()
{
  local op=$1 who=$2 in=$3 out=$4 f
  f=$(fpr_of "$who")
  case $op in
    encrypt) CMD=("${GPG[@]}" -r "$f" --cipher-algo AES256 -z0 -o "$out" -e "$in") ;;
    encrypt-armor) CMD=("${GPG[@]}" -a -r "$f" --cipher-algo AES256 -z0 -o "$out" -e "$in") ;;
    decrypt|decrypt-armor) CMD=("${GPG[@]}" -o "$out" -d "$in") ;;
    sign-inline) CMD=("${GPG[@]}" -u "$f" --digest-algo SHA256 -z0 -o "$out" -s "$in") ;;
    sign-detached) CMD=("${GPG[@]}" -u "$f" --digest-algo SHA256 -o "$out" -b "$in") ;;
    verify-inline) CMD=("${GPG[@]}" -o "$out" -d "$in") ;;
    verify-detached) CMD=("${GPG[@]}" --verify "$W/data.sig-$who" "$in") ;;
    sign-encrypt|sign-then-encrypt)
      CMD=("${GPG[@]}" -u "$f" -r "$f" --digest-algo SHA256 --cipher-algo AES256 -z0 -o "$out" -s -e "$in") ;;
    decrypt-verify) CMD=("${GPG[@]}" -o "$out" -d "$in") ;;
  esac
}

# The step an operation needs, and its input: input_of OP WHO SIZE
step_of ()
{
  case $1 in
    encrypt*|sign-encrypt) echo encrypt ;;
    sign-then-encrypt) have_step sign && echo encrypt ;;
    decrypt*) echo decrypt ;;
    sign-*) echo sign ;;
    verify-*) echo verify ;;
  esac
}
input_of ()
{
  local op=$1 who=$2 size=$3
  case $op in
    decrypt) echo "$W/data-$size.enc-$who" ;;
    decrypt-armor) echo "$W/data-$size.asc-$who" ;;
    verify-inline) echo "$W/data-$size.signed-$who" ;;
    decrypt-verify) echo "$W/data-$size.signenc-$who" ;;
    *) echo "$W/data-$size" ;;
  esac
}

# Inputs made by gpg (so both sides read the same bytes).
prepare ()
{
  local size=$1 who f
  head -c "$size" /dev/urandom >"$W/data-$size"
  for who in alice bob; do
    f=$(fpr_of $who)
    "${GPG[@]}" -r "$f" --cipher-algo AES256 -z0 -o "$W/data-$size.enc-$who" -e "$W/data-$size"
    "${GPG[@]}" -a -r "$f" --cipher-algo AES256 -z0 -o "$W/data-$size.asc-$who" -e "$W/data-$size"
    "${GPG[@]}" -u "$f" --digest-algo SHA256 -z0 -o "$W/data-$size.signed-$who" -s "$W/data-$size"
    "${GPG[@]}" -u "$f" -r "$f" --digest-algo SHA256 --cipher-algo AES256 -z0 -o "$W/data-$size.signenc-$who" -s -e "$W/data-$size"
    "${GPG[@]}" -u "$f" --digest-algo SHA256 -o "$W/data.sig-$who" -b "$W/data-$size"
  done
  cat "$W"/data-"$size"* >/dev/null   # Into the page cache.
}

# time_ms CMD...: wall milliseconds of CMD (its output discarded);
# its peak RSS in KiB goes to $W/rss (from /usr/bin/time).
time_ms ()
{
  local t0 t1
  t0=$(date +%s%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$W/rss" "$@" >/dev/null 2>"$W/err" || { echo FAIL; return; }
  else
    echo 0 >"$W/rss"
    "$@" >/dev/null 2>"$W/err" || { echo FAIL; return; }
  fi
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 ))
}

# Before each timed run: no output file of an earlier run (ext4
# flushes a file replaced by rename or truncation on close), and no
# writeback of it in flight, so no run pays for another's output.
# pgpstep's own fsync of its output stays in its time: durability is
# part of its work (gpg does not sync).
settle () { rm -f "$W"/out.*; sync; }

median () { sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : 0)}'; }
mbps () { awk -v b="$1" -v ms="$2" 'BEGIN { if (ms <= 0) ms = 1; printf "%.0f", b / 1048576 / (ms / 1000) }'; }
bytes_of () { numfmt --from=iec "$1"; }

# Peer commands (binary, same key) where the peer can do the operation,
# into CMD (sqop reads stdin: through sh -c).  Returns 3 when it cannot.
peer_argv ()
{
  local peer=$1 op=$2 who=$3 in=$4 out=$5 f
  f=$(fpr_of "$who")
  case $peer:$op in
    sqop:encrypt) CMD=(sh -c 'exec sqop encrypt --no-armor "$1" <"$2" >"$3"' - "$K/$who.pub.asc" "$in" "$out") ;;
    sqop:decrypt) CMD=(sh -c 'exec sqop decrypt "$1" <"$2" >"$3"' - "$W/$who.sop.key" "$in" "$out") ;;
    sqop:sign-detached) CMD=(sh -c 'exec sqop sign --no-armor "$1" <"$2" >"$3"' - "$W/$who.sop.key" "$in" "$out") ;;
    sqop:verify-detached) CMD=(sh -c 'exec sqop verify "$1" "$2" <"$3"' - "$W/data.sig-$who" "$K/$who.pub.asc" "$in") ;;
    rnp:encrypt) CMD=(rnp --homedir "$W/rnp" -r "$f" --cipher AES256 -z 0 -e "$in" --output "$out" --overwrite) ;;
    rnp:decrypt) CMD=(rnp --homedir "$W/rnp" --password "$BOBPASS" -d "$in" --output "$out" --overwrite) ;;
    rnp:sign-inline) CMD=(rnp --homedir "$W/rnp" --password "$BOBPASS" -u "$f" --hash SHA256 -z 0 -s "$in" --output "$out" --overwrite) ;;
    rnp:sign-detached) CMD=(rnp --homedir "$W/rnp" --password "$BOBPASS" -u "$f" --hash SHA256 --detach -s "$in" --output "$out" --overwrite) ;;
    rnp:verify-detached) CMD=(rnp --homedir "$W/rnp" -v "$W/data.sig-$who" --source "$in") ;;
    *) return 3 ;;
  esac
}
peer_ok=""
if [ $peers = 1 ]; then
  if command -v sqop >/dev/null; then
    # sqop wants unprotected keys: bob's without passphrase via gpg.
    cp "$K/alice.sec.asc" "$W/alice.sop.key"
    if [ -f "$top/tests/data/decrypt/bob-unprotected.sec.asc" ]; then
      cp "$top/tests/data/decrypt/bob-unprotected.sec.asc" "$W/bob.sop.key"
    fi
    peer_ok="$peer_ok sqop"
  fi
  if command -v rnp >/dev/null; then
    mkdir -m 700 "$W/rnp"
    rnpkeys --homedir "$W/rnp" --import "$K/alice.sec.asc" >/dev/null 2>&1
    rnpkeys --homedir "$W/rnp" --import "$K/bob.sec.asc" >/dev/null 2>&1
    peer_ok="$peer_ok rnp"
  fi
fi

all_ops="encrypt encrypt-armor decrypt decrypt-armor sign-inline sign-detached verify-inline verify-detached sign-encrypt sign-then-encrypt decrypt-verify"
[ -n "$ops" ] || ops=$all_ops

echo "pgpstep benchmark, $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -n): $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "gpg $(gpg --version | sed -n '1s/^gpg (GnuPG) //p'), pgpstep $("$PGPSTEP" --version | sed -n '1s/^pgpstep //p'); peers:${peer_ok:- none}"
echo "median of $runs interleaved pgpstep/gpg pairs; payload in the page cache; -o FILE in $W;"
echo "each pgpstep run loads its pipeline (keyring import and passphrase check included)"
echo "AES256, SHA256, no compression; alice = ed25519/cv25519 unprotected, bob = RSA-3072 with passphrase"
echo "before each timed run: earlier outputs removed and synced (pgpstep's own fsync counts, gpg does none)"
echo "ratio = pgpstep MB/s / gpg MB/s (> 1: pgpstep faster); +sync = the same against gpg"
echo "followed by an fsync of its output (what pgpstep's commit includes); RSS = pgpstep's peak"
# The fixed cost of one run (1-byte payload, encrypt): pgpstep's
# includes loading the pipeline (keyring import, agent start, bob's
# passphrase check), which batch mode and embedders pay once.
printf x >"$W/one"
for who in alice bob; do
  : >"$W/pt"; : >"$W/gt"
  for r in $(seq "$runs"); do
    settle
    time_ms "${PGP[@]}" run "$W/encrypt-$who.xml" -i "$W/one" -o "$W/out.p" --overwrite >>"$W/pt"
    gpg_argv encrypt "$who" "$W/one" "$W/out.g"
    settle
    time_ms "${CMD[@]}" >>"$W/gt"
  done
  echo "fixed cost of one run, $who: pgpstep $(median <"$W/pt") ms, gpg $(median <"$W/gt") ms"
  eval "fixed_$who=$(median <"$W/pt")"
done
printf '\n%-18s %-6s %5s %10s %10s %7s %7s %9s' op key size "pgpstep" gpg ratio "+sync" "RSS MiB"
for p in $peer_ok; do printf ' %9s' "$p"; done
echo

for size in $sizes; do
  bytes=$(bytes_of "$size")
  prepare "$size"
  for op in $ops; do
    step=$(step_of "$op")
    if [ -z "$step" ] || ! have_step "$step"; then
      printf '%-18s (skipped: no %s step built)\n' "$op" "${step:-sign}"
      continue
    fi
    for who in alice bob; do
      in=$(input_of "$op" "$who" "$size")
      : >"$W/pt"; : >"$W/gt"; : >"$W/gst"; maxrss=0
      for r in $(seq "$runs"); do
        settle
        t=$(time_ms "${PGP[@]}" run "$W/$op-$who.xml" -i "$in" -o "$W/out.p" --overwrite)
        [ "$t" = FAIL ] && { echo "$op $who: pgpstep failed: $(tail -n 2 "$W/err")"; break; }
        echo "$t" >>"$W/pt"
        rss_kb=$(tail -n 1 "$W/rss")
        [ "${rss_kb:-0}" -gt "$maxrss" ] && maxrss=$rss_kb
        gpg_argv "$op" "$who" "$in" "$W/out.g"
        settle
        t=$(time_ms "${CMD[@]}")
        [ "$t" = FAIL ] && { echo "$op $who: gpg failed: $(tail -n 2 "$W/err")"; break; }
        echo "$t" >>"$W/gt"
        # gpg leaves its output in the page cache; what making it
        # durable (as pgpstep does) would add, for the second ratio.
        if [ -f "$W/out.g" ]; then
          echo $(( t + $(time_ms sync "$W/out.g") )) >>"$W/gst"
        else
          echo "$t" >>"$W/gst"
        fi
      done
      pm=$(median <"$W/pt"); gm=$(median <"$W/gt")
      [ -s "$W/pt" ] && [ -s "$W/gt" ] || continue
      gsm=$(median <"$W/gst")
      pr=$(mbps "$bytes" "$pm"); gr=$(mbps "$bytes" "$gm")
      printf '%-18s %-6s %5s %10s %10s %7s %7s %9s' "$op" "$who" "$size" \
        "$pr MB/s" "$gr MB/s" "$(awk -v a="$gm" -v b="$pm" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
        "$(awk -v a="$gsm" -v b="$pm" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" \
        "$(awk -v k="$maxrss" 'BEGIN { printf "%.1f", k / 1024 }')"
      for peer in $peer_ok; do
        pin=$in
        [ "$peer" = sqop ] && [ "$op" = decrypt ] && [ "$who" = bob ] && [ ! -f "$W/bob.sop.key" ] && { printf ' %9s' -; continue; }
        if peer_argv "$peer" "$op" "$who" "$pin" "$W/out.s" \
           && "${CMD[@]}" >/dev/null 2>&1; then
          : >"$W/st"
          for r in $(seq "$runs"); do
            settle
            t=$(time_ms "${CMD[@]}")
            [ "$t" = FAIL ] || echo "$t" >>"$W/st"
          done
          if [ -s "$W/st" ]; then
            printf ' %9s' "$(mbps "$bytes" "$(median <"$W/st")")"
          else
            printf ' %9s' fail
          fi
        else
          printf ' %9s' -
        fi
      done
      echo
    done
  done
  rm -f "$W/data-$size"* "$W/out".*
done

# Small messages: 1 KiB payloads, batch mode against plain gpg runs.
# Each rate is the median of SMALL_RUNS interleaved runs; a batch's
# time includes its one pipeline load (printed without it too).
if [ "$small" -gt 0 ] && have_step encrypt; then
  echo
  # gpg unlocks bob's key in every run (~0.3 s): fewer messages there.
  smallb=$(( small < 50 ? small : 50 ))
  echo "small messages: $small x 1 KiB encrypted to alice, $smallb decrypted with bob;" \
    "messages/second, median of $small_runs runs"
  mkdir -p "$W/small/in" "$W/small/encb" "$W/small/g"
  for i in $(seq "$small"); do
    head -c 1024 /dev/urandom >"$W/small/in/m$i"
  done
  for i in $(seq "$smallb"); do
    "${GPG[@]}" -r $BOB --cipher-algo AES256 -z0 -o "$W/small/encb/m$i" -e "$W/small/in/m$i"
  done
  n=$(nproc)
  # ms of one command, outputs of the previous run removed and synced.
  timed ()
  {
    local t
    rm -rf "$W/small/out" "$W/small/g"; mkdir -p "$W/small/out" "$W/small/g"; sync
    t=$(date +%s%N)
    "$@" >/dev/null
    echo $(( ($(date +%s%N) - t) / 1000000 ))
  }
  gpg_enc_one () { local i; for i in $(seq "$small"); do "${GPG[@]}" -r $ALICE --cipher-algo AES256 -z0 -o "$W/small/g/m$i" -e "$W/small/in/m$i"; done; }
  gpg_enc_par () { seq "$small" | xargs -P "$n" -I{} "${GPG[@]}" -r $ALICE --cipher-algo AES256 -z0 -o "$W/small/g/m{}" -e "$W/small/in/m{}"; }
  gpg_dec_one () { local i; for i in $(seq "$smallb"); do "${GPG[@]}" -o "$W/small/g/m$i" -d "$W/small/encb/m$i"; done; }
  : >"$W/s.p1"; : >"$W/s.pn"; : >"$W/s.g1"; : >"$W/s.gn"; : >"$W/s.pb"; : >"$W/s.gb"
  for r in $(seq "$small_runs"); do
    timed pgpstep run "$W/encrypt-alice.xml" --batch "$W/small/in" -o "$W/small/out" -j 1 >>"$W/s.p1"
    timed gpg_enc_one >>"$W/s.g1"
    timed pgpstep run "$W/encrypt-alice.xml" --batch "$W/small/in" -o "$W/small/out" -j "$n" >>"$W/s.pn"
    timed gpg_enc_par >>"$W/s.gn"
    timed pgpstep run "$W/decrypt-bob.xml" --batch "$W/small/encb" -o "$W/small/out" -j 1 >>"$W/s.pb"
    timed gpg_dec_one >>"$W/s.gb"
  done
  p1=$(median <"$W/s.p1"); pn=$(median <"$W/s.pn"); g1=$(median <"$W/s.g1")
  gn=$(median <"$W/s.gn"); pb=$(median <"$W/s.pb"); gb=$(median <"$W/s.gb")
  rate () { awk -v n="${2:-$small}" -v ms="$1" 'BEGIN { if (ms <= 0) ms = 1; printf "%.0f", n / (ms / 1000) }'; }
  printf '  pgpstep batch -j1: %5s msg/s   gpg one by one: %5s msg/s   overhead %s%%\n' \
    "$(rate $p1)" "$(rate $g1)" "$(awk -v a="$p1" -v b="$g1" 'BEGIN { printf "%+.0f", (a / b - 1) * 100 }')"
  printf '  pgpstep batch -j%s: %5s msg/s   gpg %s at once: %5s msg/s   scaling -j%s/-j1: %.2fx (gpg: %.2fx)\n' \
    "$n" "$(rate $pn)" "$n" "$(rate $gn)" "$n" "$(awk -v a="$p1" -v b="$pn" 'BEGIN { print a / b }')" \
    "$(awk -v a="$g1" -v b="$gn" 'BEGIN { print a / b }')"
  # Batch mode loads the pipeline once: the steady rate leaves that
  # out (the fixed cost of one run above stands for it).
  printf '  without the load (%s ms): batch -j1 %s msg/s, -j%s %s msg/s, scaling %.2fx, overhead %s%%\n' \
    "$fixed_alice" "$(rate $((p1 - fixed_alice)))" "$n" "$(rate $((pn - fixed_alice)))" \
    "$(awk -v a="$((p1 - fixed_alice))" -v b="$((pn - fixed_alice))" 'BEGIN { print a / b }')" \
    "$(awk -v a="$((p1 - fixed_alice))" -v b="$g1" 'BEGIN { printf "%+.0f", (a / b - 1) * 100 }')"
  printf '  decrypt, bob (protected RSA-3072), batch -j1: %5s msg/s   gpg one by one: %5s msg/s   overhead %s%%\n' \
    "$(rate $pb $smallb)" "$(rate $gb $smallb)" "$(awk -v a="$pb" -v b="$gb" 'BEGIN { printf "%+.0f", (a / b - 1) * 100 }')"
fi
