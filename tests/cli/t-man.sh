#!/bin/sh
# t-man.sh - the manual pages: pgpstep-pipeline(5)'s parameter
# reference is what the built plugins' tables produce, both pages
# format without a warning, pgpstep(1) documents every command,
# option, environment variable and exit code the --help texts name,
# and `describe --man` writes sound roff.

. "${top_srcdir:?top_srcdir is not set; run the tests with make check}/tests/cli/lib.sh"

PAGE1="$top_srcdir/doc/pgpstep.1"
PAGE5="$top_srcdir/doc/pgpstep-pipeline.5"
GEN="$top_srcdir/doc/gen-steps.sh"

# roff source to plain text, enough to compare names: font and
# no-hyphenation escapes dropped, \- a hyphen.
unroff ()
{
  sed -e 's/\\f[BIRP]//g' -e 's/\\%//g' -e 's/\\&//g' -e 's/\\-/-/g' \
      -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g' "$@"
}

# tags PAGE: one line "SECTION/SUBSECTION<TAB>TAG" per .TP item of PAGE
# (the tag line, its macro name and quotes removed), and one line
# "SECTION/SUBSECTION<TAB>" per heading.
tags ()
{
  unroff "$1" | awk '
    /^\.SH/ { sh = $0; sub(/^\.SH */, "", sh); gsub(/"/, "", sh); ss = "";
              print sh "/\t"; tag = 0; next }
    /^\.SS/ { ss = $0; sub(/^\.SS */, "", ss); gsub(/"/, "", ss);
              print sh "/" ss "\t"; tag = 0; next }
    /^\.TP/ { tag = 1; next }
    tag { t = $0; sub(/^\.[A-Z]+ */, "", t); gsub(/"/, "", t);
          gsub(/ +,/, ",", t); print sh "/" ss "\t" t; tag = 0 }'
}

# options HELPFILE: the options of the option lines of a --help text
# (indented at most 8 columns, so continuation lines do not count).
options ()
{
  awk '/^ +-/ && index($0, "-") <= 9 {
         for (i = 1; i <= NF && $i ~ /^-/; i++) {
           o = $i; sub(/,$/, "", o); sub(/=.*/, "", o); print o } }' "$1"
}

# has_tag SECTION WORD: a tag of SECTION in $D/tags holds WORD.
has_tag ()
{
  awk -F '\t' -v s="$1" -v w="$2" '
    function isword(c) { return c ~ /[A-Za-z0-9_-]/ }
    $1 == s { t = $2
      while ((i = index(t, w)) > 0) {
        if ((i == 1 || !isword(substr(t, i - 1, 1))) &&
            !isword(substr(t, i + length(w), 1))) { found = 1; exit }
        t = substr(t, i + 1) } }
    END { exit !found }' "$D/tags"
}

# help_block HELPFILE HEADING: the lines under HEADING up to a blank one.
help_block ()
{
  awk -v h="$2" '$0 == h { on = 1; next } on && /^$/ { exit } on' "$1"
}

t_steps_generated ()
{
  if ! sh "$GEN" --print "$top_builddir" >"$D/page" 2>"$D/stderr"; then
    fail "doc/gen-steps.sh failed:"
    show_file "$D/stderr"
    return
  fi
  if ! diff -u "$PAGE5" "$D/page" >"$D/diff"; then
    fail "doc/pgpstep-pipeline.5 differs from the plugins' parameter tables:"
    sed -e 's/^/    /' "$D/diff" | head -n 200
    fail "regenerate it with: (cd '$top_srcdir' && sh doc/gen-steps.sh" \
         "'$top_builddir')"
  fi
  # Every shipped step is there (a vacuous table would match itself).
  for s in encrypt decrypt verify armor; do
    assert_matches "$PAGE5" "^\.SS $s\$"
  done
}

t_describe_man ()
{
  cli describe --man
  assert_exit 0
  assert_empty "$D/stderr"
  cp "$D/stdout" "$D/all"
  grep '^\.SS ' "$D/all" >"$D/order"
  LC_ALL=C sort "$D/order" >"$D/sorted"
  cmp -s "$D/order" "$D/sorted" || fail "steps are not sorted by type"
  for s in cat fail typed; do
    assert_matches "$D/all" "^\.SS $s\$"
  done
  assert_contains "$D/all" '\fB\%count\fR (\fI\%integer\fR)'
  assert_contains "$D/all" 'From 1 to 10.'
  assert_contains "$D/all" 'One of \fB\%red\fR, \fB\%green\fR, \fB\%blue\fR.'
  assert_contains "$D/all" 'Default: \fB\%bad\-data\fR.'
  assert_contains "$D/all" 'May be \fB${header.\fINAME\fB}\fR.'
  assert_contains "$D/all" 'Repeatable.'
  assert_contains "$D/all" 'Required.'
  assert_contains "$D/all" 'No parameters.'
  # Hyphens are escaped; no text line can turn into a request.
  assert_not_contains "$D/all" 'bad-data'
  if grep -n -v -E '^(\.(SS|TP|PP|br)( |$)|[^.'"'"'])' "$D/all" >"$D/bad"; then
    fail "unexpected requests or lines:"
    show_file "$D/bad"
  fi
  # Deterministic: the same twice.
  cli describe --man
  cmp -s "$D/all" "$D/stdout" || fail "a second run differs"

  # Named steps come in the order given.
  cli describe --man typed cat
  assert_exit 0
  [ "$(grep '^\.SS ' "$D/stdout" | tr '\n' ' ')" = ".SS typed .SS cat " ] \
    || fail "describe --man typed cat printed $(grep '^\.SS ' "$D/stdout")"
  # An unknown step prints nothing and is a usage error.
  cli describe --man typed nosuchstep
  assert_exit 2
  assert_empty "$D/stdout"
  assert_contains "$D/stderr" "unknown step 'nosuchstep'"
  # Plain describe still takes exactly one step.
  cli describe typed cat
  assert_exit 2

  # It formats without a warning.
  if command -v groff >/dev/null 2>&1; then
    { echo '.TH T 7'; echo '.SH STEPS'; cat "$D/all"; } >"$D/t.7"
    groff -ww -z -man "$D/t.7" >"$D/groff" 2>&1
    assert_empty "$D/groff"
  fi
}

t_groff ()
{
  if ! command -v groff >/dev/null 2>&1; then
    skip "no groff (Debian package groff-base)"
    return
  fi
  for p in "$PAGE1" "$PAGE5"; do
    for dev in ps utf8; do
      groff -ww -z -man -T"$dev" "$p" >"$D/out" 2>&1 \
        || fail "groff -T$dev failed on $(basename "$p")"
      assert_empty "$D/out"
    done
  done
}

t_man ()
{
  if ! command -v man >/dev/null 2>&1; then
    skip "no man (Debian package man-db)"
    return
  fi
  # A UTF-8 locale where there is one (Debian's libc always has
  # C.UTF-8), so that the page is formatted for a UTF-8 terminal.
  loc=C
  locale -a 2>/dev/null | grep -q -i -x 'c\.utf-\{0,1\}8' && loc=C.UTF-8
  for p in "$PAGE1" "$PAGE5"; do
    # man exits 0 even when it warns: only stderr tells.
    LC_ALL=$loc LANGUAGE= MANWIDTH=80 MANPAGER=cat PAGER=cat \
      man --warnings -l "$p" >"$D/out" 2>"$D/err"
    rc=$?
    assert_exit 0
    assert_empty "$D/err"
    assert_matches "$D/out" "^NAME\$"
  done
  assert_contains "$D/out" "PGPSTEP-PIPELINE(5)"
}

t_ascii ()
{
  # ASCII only: no preconv or encoding declaration needed.
  for p in "$PAGE1" "$PAGE5"; do
    if LC_ALL=C grep -n '[^ -~	]' "$p" >"$D/bad"; then
      fail "$(basename "$p") has bytes outside printable ASCII:"
      show_file "$D/bad"
    fi
  done
}

t_options ()
{
  tags "$PAGE1" >"$D/tags"
  "$PGPSTEP" --help >"$D/help" 2>&1 || { fail "pgpstep --help failed"; return; }

  # Global options, in OPTIONS.
  options "$D/help" >"$D/opts"
  [ "$(wc -l <"$D/opts")" -ge 8 ] || fail "only $(wc -l <"$D/opts") global options found"
  for o in $(cat "$D/opts"); do
    has_tag "OPTIONS/" "$o" || fail "global option $o is not an item of OPTIONS in pgpstep.1"
  done

  # Each command has a subsection of COMMANDS with its options.
  help_block "$D/help" "Commands:" | awk '{ print $1 }' >"$D/commands"
  [ "$(wc -l <"$D/commands")" -ge 6 ] || fail "only $(wc -l <"$D/commands") commands found"
  for c in $(cat "$D/commands"); do
    grep -q "^COMMANDS/$c	\$" "$D/tags" \
      || { fail "command $c has no subsection (.SS $c) in COMMANDS"; continue; }
    [ "$c" = help ] && continue
    "$PGPSTEP" "$c" --help >"$D/chelp" 2>&1 \
      || { fail "pgpstep $c --help failed"; continue; }
    # -h/--help: every command has them, said once for all.
    for o in $(options "$D/chelp"); do
      case $o in -h|--help) continue ;; esac
      has_tag "COMMANDS/$c" "$o" \
        || fail "option $o of '$c' is not an item of COMMANDS/$c in pgpstep.1"
    done
  done

  # No stale option: every option item of the page is in some --help.
  for c in $(cat "$D/commands"); do
    [ "$c" = help ] || "$PGPSTEP" "$c" --help
  done >>"$D/help" 2>&1
  options "$D/help" | sort -u >"$D/known"
  awk -F '\t' '$1 == "OPTIONS/" || $1 ~ /^COMMANDS\// { print $2 }' "$D/tags" \
    | awk '{ for (i = 1; i <= NF && $i ~ /^-/; i++) {
               o = $i; sub(/,$/, "", o); print o } }' | sort -u >"$D/documented"
  comm -13 "$D/known" "$D/documented" >"$D/stale"
  if [ -s "$D/stale" ]; then
    fail "pgpstep.1 documents options that no --help knows:"
    show_file "$D/stale"
  fi

  # Environment variables and exit codes.
  "$PGPSTEP" --help >"$D/help" 2>&1
  help_block "$D/help" "Environment:" | awk '/^  [A-Z]/ { print $1 }' >"$D/env"
  [ "$(wc -l <"$D/env")" -ge 4 ] || fail "only $(wc -l <"$D/env") variables found"
  for v in $(cat "$D/env") PGPSTEP_GPG; do
    has_tag "ENVIRONMENT/" "$v" || fail "variable $v is not an item of ENVIRONMENT"
  done
  help_block "$D/help" "Exit status:" | awk '/^ +[0-9]+  / { print $1 }' >"$D/codes"
  [ "$(wc -l <"$D/codes")" -ge 15 ] || fail "only $(wc -l <"$D/codes") exit codes found"
  for x in $(cat "$D/codes"); do
    awk -F '\t' -v x="$x" '$1 == "EXIT STATUS/" && $2 == x { f = 1 }
                           END { exit !f }' "$D/tags" \
      || fail "exit code $x is not an item of EXIT STATUS"
  done
  for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS "EXIT STATUS" \
           ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
    grep -q "^$s/	\$" "$D/tags" || fail "pgpstep.1 has no section $s"
  done
}

preflight
run_case "pgpstep-pipeline.5: STEPS is what the built plugins' tables give" \
  t_steps_generated
run_case "describe --man: sorted, escaped, deterministic roff" t_describe_man
run_case "groff -ww -z: both pages format without a warning" t_groff
run_case "man --warnings -l: both pages render without a warning" t_man
run_case "both pages are plain ASCII" t_ascii
run_case "pgpstep.1: every command, option, variable and exit code of --help" \
  t_options
finish
