#!/bin/sh
# check-reload.sh - run the embedding sample like a runtime and rotate
# a key under it:
#
#   sh check-reload.sh EMBED SAMPLES_DIR [EMBED OPTIONS...]
#
# EMBED is the built sample (./embed), SAMPLES_DIR the source tree's
# samples/, the options are passed on (--plugin-dir ...).  Used by
# tests/samples/t-embed.sh (build tree) and by `make installcheck`
# (the sample built against the install).
#
#  1. a fixed batch on 4 threads: every round trip correct, the rate;
#  2. a running instance (4 threads, messages without end, paced) on copies
#     of the bundled pipelines and demo keys, while the partner rotates
#     its encryption subkey: the partner's side gets the new key files
#     first (the inbound pipeline reloads), then ACME's side the new
#     certificate (the outbound one reloads).  Messages sent after the
#     outbound reload are
#     encrypted to the new subkey (the inbound result headers
#     pgp.decryption.key / pgp.recipients show it), earlier ones to the
#     old one; superseded generations are released while the instance
#     runs on; a corrupt key file is refused and the running generation
#     keeps serving until the file is fixed;
#  3. SIGTERM stops it cleanly: exit 0, every generation released, the
#     runtime directory empty.
set -u
embed=${1:?usage: check-reload.sh EMBED SAMPLES_DIR [OPTIONS]}
samples=$(cd "${2:?}" && pwd) || exit 1
shift 2
fail=0
start=$(date +%s)
ok () { echo "ok - $1 [$(( $(date +%s) - start )) s]"; }
bad () { echo "FAIL - $1"; fail=1; }

partner=EF19EDF963077269D9196D3B6B9000118D2A6FE0
old_sub=714AE2300A55433883DF4DE5B7512CDE2F0CCF13

tmp=$(mktemp -d /tmp/emb.XXXXXX) || exit 1
pid=
cleanup () {
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
  gpgconf --homedir "$tmp/g" --kill all 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# Two sides, each with its copy of the descriptors and demo keys (in
# life ACME and the partner are different companies): ACME runs the
# outbound pipeline from acme/, the partner the inbound one from
# partner/.  The key files are replaced under the running instance.
mkdir "$tmp/g" "$tmp/rt" "$tmp/secrets"
for side in acme partner; do
  mkdir -p "$tmp/$side/pipelines" "$tmp/$side/keys"
  cp "$samples/pipelines/outbound-invoice.xml" \
     "$samples/pipelines/inbound-invoice.xml" "$tmp/$side/pipelines/"
  cp "$samples"/keys/*.asc "$tmp/$side/keys/"
done
chmod -R u+w "$tmp"
chmod 0700 "$tmp/g" "$tmp/rt" "$tmp/secrets"
( umask 077
  printf 'acme demo passphrase' > "$tmp/secrets/acme-key"
  printf 'partner demo passphrase' > "$tmp/secrets/partner-key" )
PGPSTEP_RUNTIME_DIR="$tmp/rt"
export PGPSTEP_RUNTIME_DIR

# Run the sample (in a subshell: exec, so that $! is the sample).
# EMBED_PREFIX may name a wrapper such as valgrind.
embed_exec () {
  # shellcheck disable=SC2086
  exec ${EMBED_PREFIX:-} "$embed" --secrets "$tmp/secrets" \
    --payload "$samples/data/invoice.xml" "$@" \
    "$tmp/acme/pipelines/outbound-invoice.xml" \
    "$tmp/partner/pipelines/inbound-invoice.xml"
}

# 1. A fixed batch.
n=${EMBED_MESSAGES:-48}
if (embed_exec "$@" --threads 4 --messages "$n" --quiet) >"$tmp/batch" \
     2>"$tmp/batch.err" \
   && grep -q "\"event\": \"done\", \"messages\": $n," "$tmp/batch"
then
  ok "batch: $n round trips (sign+encrypt, decrypt+verify) on 4 threads: $(sed -n 's/.*"seconds": \([0-9.]*\), "messages_per_second": \([0-9.]*\).*/\1 s, \2 messages\/s/p' "$tmp/batch")"
else
  bad "batch run"; cat "$tmp/batch" "$tmp/batch.err"
fi
[ -z "$(ls -A "$tmp/rt")" ] || bad "batch: runtime homes left: $(ls "$tmp/rt")"

# The partner's rotated key: the same primary key with a new
# encryption subkey (the newest is used), same passphrase.
gpg_p () {
  gpg --homedir "$tmp/g" --batch --pinentry-mode loopback \
    --passphrase 'partner demo passphrase' "$@"
}
gpg_p --import "$samples/keys/partner.sec.asc" 2>/dev/null \
  && gpg_p --quick-add-key "$partner" cv25519 encr 2>/dev/null \
  && gpg_p --armor --export-secret-keys "$partner" >"$tmp/new.sec.asc" \
  && gpg_p --armor --export "$partner" >"$tmp/new.pub.asc" \
  || { bad "cannot make the rotated key"; exit 1; }
new_sub=$(gpg --homedir "$tmp/g" --with-colons --with-subkey-fingerprints \
            -k "$partner" | awk -F: '$1 == "sub" { s = 1; next }
                                     s && $1 == "fpr" { f = $10; s = 0 }
                                     END { print f }')
[ -n "$new_sub" ] && [ "$new_sub" != "$old_sub" ] \
  || { bad "no new subkey ($new_sub)"; exit 1; }
gpgconf --homedir "$tmp/g" --kill all 2>/dev/null

# Replace a file the way a deployment should: write aside, rename.
replace () {
  cp "$1" "$2.new" && mv -f "$2.new" "$2"
}

log="$tmp/log"
# wait_for SECONDS WHAT COMMAND...: until COMMAND succeeds; fail when
# the instance died or the time is up.
wait_for () {
  _t=$(( $1 * 5 )); _what=$2; shift 2
  while ! "$@"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      bad "$_what: the instance exited"; return 1
    fi
    _t=$((_t - 1))
    if [ $_t -le 0 ]; then bad "$_what: timed out"; return 1; fi
    sleep 0.2
  done
}
count () { grep -c "$1" "$log"; }
at_least () { [ "$(count "$1")" -ge "$2" ]; }
inb='"pipeline": "inbound-invoice", "generation": [0-9]*, "status": "ok"'
reloaded_out='"event": "reloaded", "file": "[^"]*outbound-invoice.xml"'
reloaded_in='"event": "reloaded", "file": "[^"]*inbound-invoice.xml"'

# 2. A running instance.
: >"$log"
(embed_exec "$@" --threads 4 --interval-ms 50 --poll-ms 100 \
   --max-seconds 300) \
  >"$log" 2>"$tmp/err" &
pid=$!
step=0
wait_for 120 "first messages" at_least "$inb" 8 && step=1
if [ $step = 1 ]; then
  # The partner deploys its rotated key (certificate and secret key)...
  replace "$tmp/new.pub.asc" "$tmp/partner/keys/partner.pub.asc"
  replace "$tmp/new.sec.asc" "$tmp/partner/keys/partner.sec.asc"
  wait_for 60 "inbound reload (rotated secret key)" \
    at_least "$reloaded_in" 1 && step=2
fi
if [ $step = 2 ]; then
  # ... then ACME gets the new certificate.
  replace "$tmp/new.pub.asc" "$tmp/acme/keys/partner.pub.asc"
  wait_for 60 "outbound reload (new certificate)" \
    at_least "$reloaded_out" 1 \
    && wait_for 120 "messages to the new subkey" \
    at_least "\"pgp.decryption.key\": \"$new_sub\"" 8 \
    && step=3
fi
if [ $step = 3 ]; then
  ok "key rotation picked up without a restart: messages go to the new subkey"
  # A corrupt key file: refused, the running generation serves on.
  cp "$tmp/partner/keys/acme.pub.asc" "$tmp/acme.pub.asc.good"
  printf 'not a key\n' >"$tmp/bad.asc"
  reloads=$(count "$reloaded_in")
  replace "$tmp/bad.asc" "$tmp/partner/keys/acme.pub.asc"
  wait_for 60 "refused reload" at_least '"event": "reload-failed"' 1 \
    && before=$(count "$inb") \
    && wait_for 120 "messages after the refused reload" \
         at_least "$inb" $((before + 8)) \
    && replace "$tmp/acme.pub.asc.good" "$tmp/partner/keys/acme.pub.asc" \
    && wait_for 60 "reload after the fix" \
         at_least "$reloaded_in" $((reloads + 1)) \
    && ok "a corrupt key file is refused (exit $(sed -n 's/.*"reload-failed".*"exit": \([0-9]*\).*/\1/p' "$log" | head -n 1)), the running generation serves on, the fixed file loads" \
    && step=4
fi

# 3. Stop.
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
pid=
if [ $rc -eq 0 ] && at_least '"event": "done"' 1; then
  ok "SIGTERM: in-flight messages finished, exit 0 ($(sed -n 's/.*"messages": \([0-9]*\), .*"messages_per_second": \([0-9.]*\).*/\1 messages, \2 messages\/s/p' "$log"))"
else
  bad "instance exit status $rc"
fi
done_n=$(sed -n 's/.*"event": "done", "messages": \([0-9]*\),.*/\1/p' "$log")
if [ "$(count "$inb")" != "${done_n:-x}" ]; then
  bad "$(count "$inb") inbound result lines for ${done_n:-no} messages done"
fi
if grep -q '"status": "failed"\|"error":' "$log"; then
  bad "failed messages:"; grep '"status": "failed"\|"error":' "$log" | head -n 5
fi

# Every message went to the subkey of the outbound generation it was
# sent with: generation 1 the old one, later ones the new one.
if awk -v old="$old_sub" -v new="$new_sub" '
    function field(name,   r, v) {
      r = "\"" name "\": \"?[^,\"}]*"
      if (!match($0, r)) return ""
      v = substr($0, RSTART, RLENGTH); sub(/^"[^"]*": "?/, "", v); return v
    }
    /"pipeline": "outbound-invoice"/ { gen[field("message")] = field("generation") }
    /"pipeline": "inbound-invoice".*"status": "ok"/ {
      m = field("message"); k = field("pgp.decryption.key")
      want = gen[m] == 1 ? old : new
      if (k != want) { print "# message " m ": outbound generation " gen[m] ", decrypted with " k; bad++ }
      if (gen[m] == 1) nold++; else nnew++
    }
    END { printf "# %d messages to the old subkey, %d to the new one\n", nold, nnew
          exit bad || !nold || !nnew }' "$log"
then ok "each message used the key of its outbound generation"
else bad "messages and keys do not match"
fi

# Superseded generations were released while the instance ran (before
# the final "done"), the current ones at exit: all that were loaded.
gens=$(sed -n 's/.*"generations": \[\([0-9]*\), \([0-9]*\)\].*/\1 \2/p' "$log")
# shellcheck disable=SC2086
[ -n "$gens" ] && gens=$(set -- $gens; echo $(($1 + $2)))
released_early=$(sed -n '/"event": "done"/q; /"event": "released"/p' "$log" | wc -l)
released=$(count '"event": "released"')
if [ $step -ge 4 ] && [ -n "$gens" ] && [ "$released" -eq "$gens" ] \
   && [ "$released_early" -eq $((gens - 2)) ]
then ok "superseded generations released while running ($released_early), the current ones at exit (2)"
elif [ $step -ge 4 ]; then
  bad "released: $released_early while running, $released of $gens in all"
fi
if [ -z "$(ls -A "$tmp/rt")" ]; then ok "runtime directory empty"
else bad "runtime homes left: $(ls "$tmp/rt")"
fi
if [ $fail != 0 ]; then
  echo "# log tail:"; tail -n 5 "$log" | cut -c1-300 | sed 's/^/# /'
  echo "# stderr:"; head -n 20 "$tmp/err" | sed 's/^/# /'
fi
exit $fail
