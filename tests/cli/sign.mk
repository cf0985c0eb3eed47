# tests/cli/sign.mk - the sign step end to end (plugins/sign with the
# host's runtime keyring homes; the partner's gpg verifies every mode).
TESTS += tests/cli/t-sign.sh
EXTRA_DIST += tests/cli/t-sign.sh

# The four PGP steps across two runs (detached signature carried with
# --save-header/--header-file; inline through decrypt output=unwrapped).
TESTS += tests/cli/t-sign-pipelines.sh
EXTRA_DIST += tests/cli/t-sign-pipelines.sh
