# peers.sh - one small interface over the OpenPGP implementations of
# the interoperability matrix (POSIX sh, sourced by t-sop-interop.sh).
#
#   op PEER gen UID                 > KEY       a new secret key
#   op PEER cert                    < KEY  > CERT
#   op PEER enc CERT [SIGNKEY]      < DATA > MSG  (armored; signed with
#                                                  SIGNKEY if given)
#   op PEER dec KEY [CERT VOUT]     < MSG  > DATA (with CERT: fails
#                                                  unless a good signature
#                                                  by CERT; VOUT gets the
#                                                  signers' fingerprints)
#   op PEER pwenc PWFILE            < DATA > MSG
#   op PEER pwdec PWFILE            < MSG  > DATA
#   op PEER sign KEY                < DATA > SIG  (detached, armored)
#   op PEER verify SIG CERT         < DATA        (exit 0: good)
#   op PEER isign KEY               < DATA > SIGNED
#   op PEER iverify CERT            < SIGNED > DATA
#   op PEER armor                   < BIN  > ASC
#   op PEER dearmor                 < ASC  > BIN
#
# Peers: ours (pgpstep-sop), sqop and pgpainless-cli (both SOP), gpg
# and rnp (their own command lines, each call in a throwaway home that
# is removed - with its agent - afterwards).  $SOP is the pgpstep-sop
# binary; $PT a private directory for scratch files.

# A Stateless OpenPGP tool TOOL in the interface above.
sop_op ()
{
  _tool=$1 _op=$2
  shift 2
  case $_op in
    gen)     "$_tool" generate-key "$1" ;;
    cert)    "$_tool" extract-cert ;;
    enc)     if [ $# -gt 1 ]; then
               "$_tool" encrypt --sign-with="$2" "$1"
             else
               "$_tool" encrypt "$1"
             fi ;;
    dec)     if [ $# -gt 1 ]; then
               "$_tool" decrypt --verify-with="$2" --verifications-out="$3" "$1" \
                 && [ -s "$3" ]
             else
               "$_tool" decrypt "$1"
             fi ;;
    pwenc)   "$_tool" encrypt --with-password="$1" ;;
    pwdec)   "$_tool" decrypt --with-password="$1" ;;
    sign)    "$_tool" sign "$1" ;;
    verify)  "$_tool" verify "$1" "$2" >/dev/null ;;
    isign)   "$_tool" inline-sign "$1" ;;
    iverify) "$_tool" inline-verify "$1" ;;
    armor)   "$_tool" armor ;;
    dearmor) "$_tool" dearmor ;;
    *)       echo "sop_op: unknown op $_op" >&2; return 2 ;;
  esac
}

# gpg in a throwaway home: GH is set, then removed by gpg_done.
gpg_home ()
{
  GH=$(mktemp -d "$PT/g.XXXXXX") || return 1
}

gpg_done ()
{
  gpgconf --homedir "$GH" --kill all >/dev/null 2>&1
  rm -rf "$GH"
}

g ()
{
  gpg --homedir "$GH" --batch --no-options --no-tty --quiet \
      --trust-model always --pinentry-mode loopback --passphrase '' "$@"
}

# The primary fingerprints of the keys of home GH.
gpg_fprs ()
{
  g --with-colons --list-keys 2>/dev/null \
    | awk -F: '$1=="pub"{p=1;next} $1=="fpr"&&p{print $10;p=0}'
}

gpg_op ()
{
  _op=$1
  shift
  gpg_home || return 1
  _rc=0
  case $_op in
    gen)
      g --quick-gen-key "$1" future-default default never >/dev/null 2>&1 \
        && g --armor --export-secret-keys || _rc=1 ;;
    cert)
      g --import 2>/dev/null && g --armor --export || _rc=1 ;;
    enc)
      g --import "$@" 2>/dev/null || _rc=1
      if [ $_rc = 0 ]; then
        _r=$(gpg --homedir "$GH" --batch --no-options --with-colons \
               --import-options show-only --import "$1" 2>/dev/null \
             | awk -F: '$1=="pub"{p=1;next} $1=="fpr"&&p{print "-r " $10;p=0}')
        if [ $# -gt 1 ]; then
          _s=$(gpg --homedir "$GH" --batch --no-options --with-colons \
                 --import-options show-only --import "$2" 2>/dev/null \
               | awk -F: '$1=="sec"{p=1;next} $1=="fpr"&&p{print "-u " $10;p=0}')
          # shellcheck disable=SC2086
          g --armor --sign $_s --encrypt $_r || _rc=1
        else
          # shellcheck disable=SC2086
          g --armor --encrypt $_r || _rc=1
        fi
      fi ;;
    dec)
      g --import "$1" ${2:+"$2"} 2>/dev/null || _rc=1
      if [ $_rc = 0 ] && [ $# -gt 1 ]; then
        g --status-fd 3 --decrypt 3>"$GH/status" || _rc=1
        grep '^\[GNUPG:\] VALIDSIG' "$GH/status" | awk '{print $12}' >"$3"
        [ -s "$3" ] || _rc=1
      elif [ $_rc = 0 ]; then
        g --decrypt || _rc=1
      fi ;;
    pwenc)
      g --armor --symmetric --cipher-algo AES256 \
        --passphrase-file "$1" || _rc=1 ;;
    pwdec)
      g --passphrase-file "$1" --decrypt || _rc=1 ;;
    sign)
      g --import "$1" 2>/dev/null && g --armor --detach-sign || _rc=1 ;;
    verify)
      g --import "$2" 2>/dev/null || _rc=1
      [ $_rc = 0 ] && { g --status-fd 3 --verify "$1" - 3>"$GH/status" \
                          2>/dev/null || _rc=1; }
      grep -q '^\[GNUPG:\] VALIDSIG' "$GH/status" 2>/dev/null || _rc=1 ;;
    isign)
      g --import "$1" 2>/dev/null && g --armor --sign || _rc=1 ;;
    iverify)
      g --import "$1" 2>/dev/null || _rc=1
      [ $_rc = 0 ] && { g --status-fd 3 --decrypt 3>"$GH/status" \
                          2>/dev/null || _rc=1; }
      grep -q '^\[GNUPG:\] VALIDSIG' "$GH/status" 2>/dev/null || _rc=1 ;;
    armor)
      # gpg armors only what it makes; the interface's armor is
      # "dearmor": see the matrix, which uses gpg for dearmor only.
      _rc=2 ;;
    dearmor)
      g --dearmor || _rc=1 ;;
  esac
  gpg_done
  return $_rc
}

# rnp with keys from files only (--keyfile); no home is written.
rnp_op ()
{
  _op=$1
  shift
  _rc=0
  _d=$(mktemp -d "$PT/r.XXXXXX") || return 1
  case $_op in
    gen)
      rnpkeys --homedir "$_d" --generate-key --userid "$1" --password '' \
        >/dev/null 2>&1 \
        && rnpkeys --homedir "$_d" --export-key --secret "$1" 2>/dev/null \
        || _rc=1 ;;
    cert)
      cat >"$_d/k" && rnpkeys --homedir "$_d" --import "$_d/k" >/dev/null 2>&1 \
        || _rc=1
      _f=$(gpg --batch --no-options --with-colons --import-options show-only \
             --homedir "$_d" --import "$_d/k" 2>/dev/null \
           | awk -F: '$1=="sec"{p=1;next} $1=="fpr"&&p{print $10;p=0}')
      [ $_rc = 0 ] && { rnpkeys --homedir "$_d" --export-key "$_f" \
                          2>/dev/null || _rc=1; } ;;
    enc)
      _r=$(gpg --batch --no-options --with-colons --import-options show-only \
             --homedir "$_d" --import "$1" 2>/dev/null \
           | awk -F: '$1=="pub"{p=1;next} $1=="fpr"&&p{print "-r " $10;p=0}')
      if [ $# -gt 1 ]; then
        cat "$1" "$2" >"$_d/kf"
        _s=$(gpg --batch --no-options --with-colons --import-options show-only \
               --homedir "$_d" --import "$2" 2>/dev/null \
             | awk -F: '$1=="sec"{p=1;next} $1=="fpr"&&p{print "-u " $10;p=0}')
        # shellcheck disable=SC2086
        rnp --keyfile "$_d/kf" --password '' --armor --sign $_s --encrypt $_r \
          2>/dev/null || _rc=1
      else
        # shellcheck disable=SC2086
        rnp --keyfile "$1" --armor --encrypt $_r 2>/dev/null || _rc=1
      fi ;;
    dec)
      if [ $# -gt 1 ]; then
        cat "$1" "$2" >"$_d/kf"
        rnp --keyfile "$_d/kf" --password '' --decrypt 2>"$_d/err" || _rc=1
        grep -q 'Good signature' "$_d/err" || _rc=1
        grep -q 'BAD signature\|Signature verification failure' "$_d/err" \
          && _rc=1
        echo rnp >"$3"
      else
        rnp --keyfile "$1" --password '' --decrypt 2>/dev/null || _rc=1
      fi ;;
    pwenc)
      rnp --armor --symmetric --password "$(cat "$1")" 2>/dev/null || _rc=1 ;;
    pwdec)
      rnp --decrypt --password "$(cat "$1")" 2>/dev/null || _rc=1 ;;
    sign)
      rnp --keyfile "$1" --password '' --armor --sign --detach \
        2>/dev/null || _rc=1 ;;
    verify)
      cat >"$_d/data"
      rnp --keyfile "$2" --verify "$1" --source "$_d/data" 2>"$_d/err" \
        || _rc=1
      grep -q 'Good signature' "$_d/err" || _rc=1 ;;
    isign)
      rnp --keyfile "$1" --password '' --armor --sign 2>/dev/null || _rc=1 ;;
    iverify)
      rnp --keyfile "$1" --decrypt 2>"$_d/err" || _rc=1
      grep -q 'Good signature' "$_d/err" || _rc=1 ;;
    armor)
      rnp --enarmor=msg 2>/dev/null || _rc=1 ;;
    dearmor)
      rnp --dearmor 2>/dev/null || _rc=1 ;;
  esac
  rm -rf "$_d"
  return $_rc
}

op ()
{
  _peer=$1
  shift
  case $_peer in
    ours)           sop_op "$SOP" "$@" ;;
    sqop)           sop_op sqop "$@" ;;
    pgpainless-cli) sop_op pgpainless-cli "$@" ;;
    gpg)            gpg_op "$@" ;;
    rnp)            rnp_op "$@" ;;
  esac
}
