# tests/unit/verify.mk - the verify step and its one-pass wrap.
#
# t-sigwrap tests the packet building of plugins/openpgp/sigwrap.c on
# buffers; t-verify links the verify plugin's sources and runs real
# gpg (and sqop) in throwaway homes through the fake host.
check_PROGRAMS += tests/unit/t-sigwrap
TESTS += tests/unit/t-sigwrap
tests_unit_t_sigwrap_SOURCES = tests/unit/t-sigwrap.c
tests_unit_t_sigwrap_CFLAGS = $(unit_cflags) \
	-I$(top_srcdir)/plugins/openpgp \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
tests_unit_t_sigwrap_LDADD = plugins/openpgp/libopenpgp.la $(CMOCKA_LIBS) \
	$(GPG_ERROR_LIBS)

check_PROGRAMS += tests/unit/t-verify
TESTS += tests/unit/t-verify
tests_unit_t_verify_SOURCES = tests/unit/t-verify.c \
	tests/unit/fakehost.h tests/unit/fakehost.c \
	tests/unit/gpghome.h tests/unit/gpghome.c \
	host/procfs.h host/procfs.c \
	plugins/verify/verify.h plugins/verify/verify.c \
	plugins/verify/detached.c \
	plugins/verify/sigparam.h plugins/verify/sigparam.c \
	plugins/verify/feed.h plugins/verify/feed.c \
	plugins/verify/outcome.h plugins/verify/outcome.c
tests_unit_t_verify_CFLAGS = $(unit_cflags) $(GPGME_CFLAGS) \
	-I$(top_srcdir)/plugins/openpgp -I$(top_srcdir)/plugins/verify \
	-I$(top_srcdir)/tests/unit \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
tests_unit_t_verify_LDADD = plugins/openpgp/libopenpgp.la $(CMOCKA_LIBS) \
	$(GPGME_LIBS) $(GPG_ERROR_LIBS) $(PTHREAD_LIBS)

# t-fdcopy: the in-kernel copy of the detached fast path.
check_PROGRAMS += tests/unit/t-fdcopy
TESTS += tests/unit/t-fdcopy
tests_unit_t_fdcopy_SOURCES = tests/unit/t-fdcopy.c
tests_unit_t_fdcopy_CFLAGS = $(unit_cflags) -I$(top_srcdir)/plugins/openpgp
tests_unit_t_fdcopy_LDADD = plugins/openpgp/libopenpgp.la $(CMOCKA_LIBS) \
	$(GPG_ERROR_LIBS) $(PTHREAD_LIBS)
