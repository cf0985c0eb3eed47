# tests/unit/loader.mk - the module loader, against tests/modules.
# Not behind HAVE_CMOCKA: without CMocka make check must fail loudly.
check_PROGRAMS += tests/unit/t-loader
TESTS += tests/unit/t-loader
tests_unit_t_loader_SOURCES = tests/unit/t-loader.c
tests_unit_t_loader_CPPFLAGS = $(AM_CPPFLAGS) \
	-DMODULES_DIR='"$(abs_top_builddir)/tests/modules/.libs"'
tests_unit_t_loader_CFLAGS = $(unit_cflags)
tests_unit_t_loader_LDADD = $(unit_ldadd)
