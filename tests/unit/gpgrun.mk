# tests/unit/gpgrun.mk - gpg runner tests.  The runner is compiled in
# directly: it needs nothing but libc and libgpg-error.
check_PROGRAMS += tests/unit/t-gpgrun
TESTS += tests/unit/t-gpgrun
tests_unit_t_gpgrun_SOURCES = tests/unit/t-gpgrun.c \
	host/procfs.h host/procfs.c \
	plugins/openpgp/gpgrun.h plugins/openpgp/gpgrun.c
tests_unit_t_gpgrun_CFLAGS = $(unit_cflags) \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
tests_unit_t_gpgrun_LDADD = $(CMOCKA_LIBS) $(GPG_ERROR_LIBS) $(PTHREAD_LIBS)
EXTRA_DIST += tests/data/gpgrun/README \
	tests/data/gpgrun/alice.sec.asc tests/data/gpgrun/bob.sec.asc \
	tests/data/gpgrun/invoice.xml tests/data/gpgrun/gpg-enc-to-bob.gpg \
	tests/data/gpgrun/gpg-alice-detached.asc
