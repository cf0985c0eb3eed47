# tests/hostile/local.mk - hostile input through the CLI (descriptors:
# XXE, entity expansion, external DTDs, XInclude, gzip, size, nesting,
# bad encodings).  Runs the built pgpstep with the test plugins.

hostile_tests = tests/hostile/t-descriptors.sh tests/hostile/t-faults.sh \
	tests/hostile/t-messages.sh tests/hostile/t-no-secrets.sh

TESTS += $(hostile_tests)
EXTRA_DIST += $(hostile_tests)
