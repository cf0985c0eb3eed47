# tests/local.mk - the test suite.  Each area keeps its own fragment.

# Unit tests link the whole host directly (internal functions too).
unit_cflags = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(XML_CFLAGS)
unit_ldadd = libpgpstep-core.la $(CMOCKA_LIBS) $(GPG_ERROR_LIBS) \
	$(PTHREAD_LIBS)

include tests/unit/local.mk
include tests/modules/local.mk
include tests/plugins/local.mk
include tests/cli/local.mk
include tests/hostile/local.mk

# Shipped for those who build from the tarball: the fuzz targets with
# their seed corpora (scripts/test-all.sh runs them) and the benchmark.
EXTRA_DIST += tests/fuzz tests/bench
