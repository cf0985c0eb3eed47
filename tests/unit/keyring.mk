# tests/unit/keyring.mk - runtime homes, secrets, key listing.  Runs gpg,
# gpg-agent and gpgconf in throwaway directories under /tmp; every
# agent it starts is stopped.  The keys in tests/data/keys are copies
# of the shared vectors (alice, bob with passphrase "bob passphrase",
# carol, signonly, expired, revoked), alice.pub.gpg and bob.sec.gpg
# their binary (dearmored) forms, enc-to-bob.gpg a message to bob.
check_PROGRAMS += tests/unit/t-keyring
TESTS += tests/unit/t-keyring
tests_unit_t_keyring_SOURCES = tests/unit/t-keyring.c tests/plugins/teststeps.c
tests_unit_t_keyring_CFLAGS = $(unit_cflags) $(GPGME_CFLAGS) \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
tests_unit_t_keyring_LDADD = $(unit_ldadd)

EXTRA_DIST += \
	tests/data/keys/FINGERPRINTS \
	tests/data/keys/alice.pub.asc \
	tests/data/keys/alice.pub.gpg \
	tests/data/keys/alice.sec.asc \
	tests/data/keys/bob.pub.asc \
	tests/data/keys/bob.sec.asc \
	tests/data/keys/bob.sec.gpg \
	tests/data/keys/carol.pub.asc \
	tests/data/keys/carol.sec.asc \
	tests/data/keys/expired.pub.asc \
	tests/data/keys/expired.sec.asc \
	tests/data/keys/revoked.pub.asc \
	tests/data/keys/revoked.sec.asc \
	tests/data/keys/signonly.pub.asc \
	tests/data/keys/signonly.sec.asc \
	tests/data/keys/enc-to-bob.gpg \
	tests/data/keys/enc-to-alice.gpg
