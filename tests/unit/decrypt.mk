# tests/unit/decrypt.mk - the signature policy and the decrypt step.
#
# fakehost.{h,c} is a fake services table for running a plugin's steps
# in a unit test (reusable by every plugin's tests).  t-decrypt links
# the decrypt plugin's sources directly and runs real gpg in throwaway
# homes (tests/data/decrypt holds its extra fixtures).
decrypt_test_cflags = $(unit_cflags) $(GPGME_CFLAGS) \
	-I$(top_srcdir)/plugins/openpgp -I$(top_srcdir)/tests/unit \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
decrypt_test_ldadd = plugins/openpgp/libopenpgp.la $(CMOCKA_LIBS) \
	$(GPGME_LIBS) $(GPG_ERROR_LIBS) $(PTHREAD_LIBS)

check_PROGRAMS += tests/unit/t-policy
TESTS += tests/unit/t-policy
tests_unit_t_policy_SOURCES = tests/unit/t-policy.c \
	tests/unit/fakehost.h tests/unit/fakehost.c
tests_unit_t_policy_CFLAGS = $(decrypt_test_cflags)
tests_unit_t_policy_LDADD = $(decrypt_test_ldadd)

check_PROGRAMS += tests/unit/t-decrypt
TESTS += tests/unit/t-decrypt
tests_unit_t_decrypt_SOURCES = tests/unit/t-decrypt.c \
	tests/unit/fakehost.h tests/unit/fakehost.c \
	tests/unit/gpghome.h tests/unit/gpghome.c \
	host/procfs.h host/procfs.c \
	plugins/decrypt/decrypt.c \
	plugins/decrypt/explain.h plugins/decrypt/explain.c \
	plugins/decrypt/result.h plugins/decrypt/result.c
tests_unit_t_decrypt_CFLAGS = $(decrypt_test_cflags) \
	-I$(top_srcdir)/plugins/decrypt
tests_unit_t_decrypt_LDADD = $(decrypt_test_ldadd)

EXTRA_DIST += \
	tests/data/decrypt/README \
	tests/data/decrypt/bob-unprotected.sec.asc \
	tests/data/decrypt/ocb-enc-to-alice.gpg \
	tests/data/decrypt/ocb-symmetric.gpg \
	tests/data/decrypt/ocb-big-tampered.gpg \
	tests/data/decrypt/hidden-alice-bob.gpg \
	tests/data/decrypt/hidden-alice-carol.gpg \
	tests/data/decrypt/hidden-alice-bob-carol.gpg \
	tests/data/decrypt/hidden-alice-carol-signed-bob.gpg
