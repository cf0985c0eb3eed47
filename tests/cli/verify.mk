# tests/cli/verify.mk - the verify step end to end (plugins/verify with
# the host's runtime keyring homes, --header-file for signatures).
TESTS += tests/cli/t-verify.sh
EXTRA_DIST += tests/cli/t-verify.sh
