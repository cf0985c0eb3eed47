# tests/unit/encrypt.mk - the encrypt step through its entry point with
# the fake host (tests/unit/fakehost.c); its output is decrypted by gpg
# (and sqop when installed) in throwaway homes.
check_PROGRAMS += tests/unit/t-encrypt
TESTS += tests/unit/t-encrypt
tests_unit_t_encrypt_SOURCES = tests/unit/t-encrypt.c \
	tests/unit/fakehost.h tests/unit/fakehost.c \
	tests/unit/gpghome.h tests/unit/gpghome.c \
	host/procfs.h host/procfs.c \
	plugins/encrypt/encrypt.c \
	plugins/encrypt/sniff.h plugins/encrypt/sniff.c
tests_unit_t_encrypt_CFLAGS = $(unit_cflags) $(GPGME_CFLAGS) \
	-I$(top_srcdir)/plugins/openpgp \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
tests_unit_t_encrypt_LDADD = plugins/openpgp/libopenpgp.la $(unit_ldadd) \
	$(GPGME_LIBS) $(ZLIB_LIBS)
