# tests/cli/sign.mk - the sign step end to end (plugins/sign with the
# host's runtime keyring homes; the partner's gpg verifies every mode).
TESTS += tests/cli/t-sign.sh
EXTRA_DIST += tests/cli/t-sign.sh
