# tests/cli/local.mk - end-to-end tests of the pgpstep program.  They
# run the built program with the test plugins of tests/plugins.

cli_tests = \
	tests/cli/t-cli-basic.sh \
	tests/cli/t-cli-run.sh \
	tests/cli/t-cli-errors.sh \
	tests/cli/t-cli-headers.sh \
	tests/cli/t-cli-info.sh \
	tests/cli/t-cli-keys.sh \
	tests/cli/t-cli-batch.sh \
	tests/cli/t-signed-plugins.sh

TESTS += $(cli_tests)
dist_check_SCRIPTS += $(cli_tests)
EXTRA_DIST += tests/cli/lib.sh

# The encrypt step end to end (runs plugins/encrypt with the host's
# runtime keyring homes).
TESTS += tests/cli/t-encrypt.sh
EXTRA_DIST += tests/cli/t-encrypt.sh

# The decrypt step end to end (plugins/decrypt with the host's runtime
# keyring homes, after the teststeps' cat for the spool case).
TESTS += tests/cli/t-decrypt.sh
EXTRA_DIST += tests/cli/t-decrypt.sh

# The sign, verify and armor steps end to end, and the CLI's
# --header-file/--save-header.
include tests/cli/sign.mk
include tests/cli/verify.mk
include tests/cli/armor.mk
