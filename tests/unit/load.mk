# tests/unit/load.mk - 8 threads of mixed encrypt/decrypt messages
# through shared pipelines with the built plugins (embedding API);
# descriptors, threads and children must be back where they started.
check_PROGRAMS += tests/unit/t-load
TESTS += tests/unit/t-load
tests_unit_t_load_SOURCES = tests/unit/t-load.c
tests_unit_t_load_CFLAGS = $(unit_cflags) \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"' \
	-DBUILD_DIR='"$(abs_top_builddir)"'
tests_unit_t_load_LDADD = $(unit_ldadd)

# The encrypt step's OpenPGP-input test over recorded messages and
# random payloads (found by t-load: a payload taken for a signed
# message).
check_PROGRAMS += tests/unit/t-sniff
TESTS += tests/unit/t-sniff
tests_unit_t_sniff_SOURCES = tests/unit/t-sniff.c \
	plugins/encrypt/sniff.h plugins/encrypt/sniff.c
tests_unit_t_sniff_CFLAGS = $(unit_cflags) \
	-I$(top_srcdir)/plugins/openpgp -I$(top_srcdir)/plugins/encrypt \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
tests_unit_t_sniff_LDADD = plugins/openpgp/libopenpgp.la $(unit_ldadd) \
	$(ZLIB_LIBS)
