# tests/cli/armor.mk - the armor step end to end: pgpstep run with
# plugins/armor in both modes, bytes, exit codes, --headers-out.
TESTS += tests/cli/t-armor.sh
EXTRA_DIST += tests/cli/t-armor.sh
