# tests/unit/sign.mk - the sign step through its entry point with the
# fake host (tests/unit/fakehost.c); its signatures are verified by gpg
# (and sqop when installed) in throwaway homes.  t-textcheck: the
# text check of cleartext mode on its own.
check_PROGRAMS += tests/unit/t-sign tests/unit/t-textcheck
TESTS += tests/unit/t-sign tests/unit/t-textcheck
tests_unit_t_sign_SOURCES = tests/unit/t-sign.c \
	tests/unit/fakehost.h tests/unit/fakehost.c \
	tests/unit/gpghome.h tests/unit/gpghome.c \
	host/procfs.h host/procfs.c \
	plugins/sign/sign.c \
	plugins/sign/feed.h plugins/sign/feed.c \
	plugins/sign/textcheck.h plugins/sign/textcheck.c
tests_unit_t_sign_CFLAGS = $(unit_cflags) $(GPGME_CFLAGS) \
	-I$(top_srcdir)/plugins/openpgp \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
tests_unit_t_sign_LDADD = plugins/openpgp/libopenpgp.la $(unit_ldadd) \
	$(GPGME_LIBS)

tests_unit_t_textcheck_SOURCES = tests/unit/t-textcheck.c \
	plugins/sign/textcheck.h plugins/sign/textcheck.c
tests_unit_t_textcheck_CFLAGS = $(unit_cflags) \
	-I$(top_srcdir)/plugins/openpgp \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
tests_unit_t_textcheck_LDADD = plugins/openpgp/libopenpgp.la $(CMOCKA_LIBS) \
	$(GPG_ERROR_LIBS)
