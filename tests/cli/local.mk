# tests/cli/local.mk - end-to-end tests of the pgpstep program.  They
# run the built program with the test plugins of tests/plugins.

cli_tests = \
	tests/cli/t-cli-basic.sh \
	tests/cli/t-cli-run.sh \
	tests/cli/t-cli-errors.sh \
	tests/cli/t-cli-headers.sh \
	tests/cli/t-cli-info.sh \
	tests/cli/t-cli-keys.sh

TESTS += $(cli_tests)
dist_check_SCRIPTS += $(cli_tests)
EXTRA_DIST += tests/cli/lib.sh

