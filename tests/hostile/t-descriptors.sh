#!/bin/sh
# t-descriptors.sh - hostile pipeline descriptors through the CLI.
#
# Each descriptor must be refused by "pgpstep validate" with exit code
# 78, a message naming the cause, within a second, without reading any
# file but the descriptor (and the program's libraries, plugins and
# locale data) and without creating a socket.  The file and network
# checks run under strace when it is available; without it only the
# output (never any of /etc/passwd) and the time are checked.

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

PASSWD_LINE=$(head -n 1 /etc/passwd 2>/dev/null)
[ -n "$PASSWD_LINE" ] || PASSWD_LINE="root:x:0:0"

have_strace=no
if command -v strace >/dev/null 2>&1 \
   && strace -f -qq -e trace=openat -o /dev/null true >/dev/null 2>&1; then
  have_strace=yes
fi

# validate_hostile FILE TEXT...  Validate FILE: exit 78, stderr naming
# FILE and holding every TEXT, in time, nothing of /etc/passwd, and
# (under strace) no other file opened and no socket.
validate_hostile ()
{
  _file=$1
  shift
  _t0=$(now_ms)
  cli validate "$_file" </dev/null
  _ms=$(( $(now_ms) - _t0 ))
  assert_exit 78
  assert_empty "$D/stdout"
  assert_contains "$D/stderr" "$_file"
  for _text in "$@"; do
    assert_contains "$D/stderr" "$_text"
  done
  assert_not_contains "$D/stderr" "$PASSWD_LINE"
  [ "$(wc -l <"$D/stderr")" -le 1 ] \
    || { fail "more than one line on stderr:"; show_file "$D/stderr"; }
  [ "$_ms" -lt $((1000 * slow)) ] \
    || fail "took $_ms ms (limit $((1000 * slow)) ms)"
  [ "$have_strace" = yes ] && trace_check "$_file"
}

# trace_check FILE  Run the validation again under strace and look at
# what the program itself (after the libtool wrapper's last exec) did.
trace_check ()
{
  # LeakSanitizer cannot run under ptrace (sanitizer builds).
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -qq -e trace=network,openat,open,creat,read,execve \
    -o "$D/trace.all" "$PGPSTEP" --plugin-dir "$PLUGIN_DIR" validate "$1" \
    </dev/null >"$D/trace.stdout" 2>"$D/trace.stderr"
  _rc=$?
  [ "$_rc" = 78 ] || { fail "exit code $_rc under strace"; return; }
  # From the last successful execve on: the real program.
  awk '/ execve\(/ && / = 0$/ { n = 0; delete keep } { keep[n++] = $0 }
       END { for (i = 0; i < n; i++) print keep[i] }' \
    "$D/trace.all" >"$D/trace"
  grep -q . "$D/trace" || { fail "empty strace output"; return; }
  if grep -E -q '(socket|connect|bind|sendto|sendmsg)\(' "$D/trace"; then
    fail "network calls:"
    grep -E '(socket|connect|bind|sendto|sendmsg)\(' "$D/trace" \
      | head -n 5 | sed 's/^/    | /'
  fi
  # Files opened: the descriptor, libraries, plugins, locale, /dev/null,
  # /proc (sanitizer runtimes).
  sed -n 's/.*open[a-z]*([^"]*"\([^"]*\)".*/\1/p' "$D/trace" \
    | while IFS= read -r _p; do
        case $_p in
          "$1"|/etc/ld.so.cache|/etc/ld.so.preload|/lib/*|/lib64/*|/usr/lib/*|\
          /usr/lib64/*|/usr/share/locale/*|/dev/null|/dev/urandom|\
          /proc/*|/sys/*|"$PLUGIN_DIR"|"$PLUGIN_DIR"/*|"$top_builddir"/*) ;;
          # Shared libraries wherever the dynamic loader searches (an
          # install prefix under distcheck, LD_LIBRARY_PATH, ...).
          */*.so|*/*.so.[0-9]*) ;;
          *) echo "$_p" ;;
        esac
      done >"$D/unexpected"
  if [ -s "$D/unexpected" ]; then
    fail "opened files other than the descriptor:"
    show_file "$D/unexpected"
  fi
  assert_not_contains "$D/trace.stderr" "$PASSWD_LINE"
}

t_xxe ()
{
  cat >"$D/p.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<pipeline xmlns="urn:pgpstep:pipeline:1" name="xxe">
  <step type="typed"><needed>&x;</needed><text>&x;</text></step>
</pipeline>
XML
  validate_hostile "$D/p.xml" "DOCTYPE declarations are not accepted"
}

t_billion_laughs ()
{
  {
    echo '<?xml version="1.0"?>'
    echo '<!DOCTYPE lolz ['
    echo ' <!ENTITY lol "lol">'
    _prev=lol
    for _i in 1 2 3 4 5 6 7 8 9; do
      printf ' <!ENTITY lol%s "' "$_i"
      for _j in 1 2 3 4 5 6 7 8 9 10; do printf '&%s;' "$_prev"; done
      echo '">'
      _prev=lol$_i
    done
    echo ']>'
    echo '<pipeline xmlns="urn:pgpstep:pipeline:1">'
    echo '  <step type="typed"><needed>&lol9;</needed></step>'
    echo '</pipeline>'
  } >"$D/p.xml"
  validate_hostile "$D/p.xml" "DOCTYPE declarations are not accepted"
}

t_external_dtd ()
{
  cat >"$D/p.xml" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE p SYSTEM "http://127.0.0.1:9/x.dtd">
<pipeline xmlns="urn:pgpstep:pipeline:1"><step type="cat"/></pipeline>
XML
  validate_hostile "$D/p.xml" "DOCTYPE declarations are not accepted"
}

t_external_dtd_file ()
{
  # A local external subset is not read either.
  echo '<!ENTITY x "from the DTD">' >"$D/x.dtd"
  cat >"$D/p.xml" <<XML
<?xml version="1.0"?>
<!DOCTYPE p SYSTEM "file://$D/x.dtd">
<pipeline xmlns="urn:pgpstep:pipeline:1"><step type="typed"><needed>&x;</needed></step></pipeline>
XML
  validate_hostile "$D/p.xml" "DOCTYPE declarations are not accepted"
}

t_xinclude ()
{
  cat >"$D/p.xml" <<'XML'
<?xml version="1.0"?>
<pipeline xmlns="urn:pgpstep:pipeline:1">
  <step type="typed">
    <needed>x</needed>
    <xi:include href="/etc/passwd" parse="text" xmlns:xi="http://www.w3.org/2001/XInclude"/>
  </step>
</pipeline>
XML
  validate_hostile "$D/p.xml" ":5:" "unexpected element" \
    "{http://www.w3.org/2001/XInclude}include"
}

t_gzip ()
{
  pipeline "$D/plain.xml" '<step type="cat"/>'
  gzip -c "$D/plain.xml" >"$D/p.xml" || { skip "no gzip"; return; }
  validate_hostile "$D/p.xml" "compressed descriptors are not accepted"
}

t_huge_sparse ()
{
  # 100 MB of holes: refused by its size before anything is read.
  truncate -s 100M "$D/p.xml" 2>/dev/null \
    || dd if=/dev/null of="$D/p.xml" bs=1 seek=100M 2>/dev/null \
    || { skip "cannot make a sparse file"; return; }
  validate_hostile "$D/p.xml" "descriptor larger than"
  if [ "$have_strace" = yes ] && [ -s "$D/trace" ]; then
    _fd=$(sed -n "s|.*open[a-z]*(.*\"$D/p.xml\".*= \\([0-9][0-9]*\\)\$|\\1|p" \
            "$D/trace" | head -n 1)
    if [ -z "$_fd" ]; then
      fail "the descriptor was never opened?"
    else
      # Reads of that descriptor after it was opened (the number may
      # have served a library before).
      awk -v f="$D/p.xml" -v r="read($_fd," \
        'index($0, "\"" f "\"") { on = 1; next } on && index($0, r)' \
        "$D/trace" >"$D/reads"
      if [ -s "$D/reads" ]; then
        fail "the descriptor was read:"
        show_file "$D/reads"
      fi
    fi
  fi
}

t_huge_real ()
{
  # Just over the bound with real content (a comment that never ends
  # would be read in full otherwise).
  {
    echo '<pipeline xmlns="urn:pgpstep:pipeline:1"><!--'
    head -c 5000000 /dev/zero | tr '\0' 'a'
    echo '--><step type="cat"/></pipeline>'
  } >"$D/p.xml"
  validate_hostile "$D/p.xml" "descriptor larger than"
}

t_deep_nesting ()
{
  {
    echo '<pipeline xmlns="urn:pgpstep:pipeline:1"><step type="typed"><needed>'
    _i=0
    _open='<a><a><a><a><a><a><a><a><a><a>'
    _close='</a></a></a></a></a></a></a></a></a></a>'
    while [ $_i -lt 1000 ]; do printf '%s' "$_open"; _i=$((_i + 1)); done
    _i=0
    while [ $_i -lt 1000 ]; do printf '%s' "$_close"; _i=$((_i + 1)); done
    echo '</needed></step></pipeline>'
  } >"$D/p.xml"
  validate_hostile "$D/p.xml" "malformed XML"
}

t_invalid_utf8 ()
{
  printf '<?xml version="1.0" encoding="UTF-8"?>\n<pipeline xmlns="urn:pgpstep:pipeline:1">\n<step type="typed"><needed>caf\351 \300\257</needed></step>\n</pipeline>\n' \
    >"$D/p.xml"
  validate_hostile "$D/p.xml" ":3:" "malformed XML"
}

t_nul_byte ()
{
  printf '<pipeline xmlns="urn:pgpstep:pipeline:1">\n<step type="typed"><needed>a\000b</needed></step>\n</pipeline>\n' \
    >"$D/p.xml"
  validate_hostile "$D/p.xml" ":2:" "NUL byte in descriptor"
}

t_control_in_type ()
{
  # A value that carries a line break must not break the message line.
  printf '<pipeline xmlns="urn:pgpstep:pipeline:1">\n<step id="s" type="ca&#10;pgpstep: forged line"/>\n</pipeline>\n' \
    >"$D/p.xml"
  validate_hostile "$D/p.xml" "unknown step type"
}

preflight
run_case "XXE: external entity in a value" t_xxe
run_case "billion laughs" t_billion_laughs
run_case "external DTD over the network" t_external_dtd
run_case "external DTD from a file" t_external_dtd_file
run_case "XInclude is an unknown element, never processed" t_xinclude
run_case "gzip-compressed descriptor" t_gzip
run_case "100 MB sparse descriptor refused before reading" t_huge_sparse
run_case "descriptor just over the size bound" t_huge_real
run_case "10 000-deep nesting" t_deep_nesting
run_case "invalid UTF-8" t_invalid_utf8
run_case "NUL byte" t_nul_byte
run_case "line break in a quoted value" t_control_in_type
finish
