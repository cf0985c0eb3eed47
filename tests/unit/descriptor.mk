# tests/unit/descriptor.mk - descriptors, parameter values, step config.
check_PROGRAMS += tests/unit/t-descriptor tests/unit/t-params
TESTS += tests/unit/t-descriptor tests/unit/t-params

tests_unit_t_descriptor_SOURCES = tests/unit/t-descriptor.c
tests_unit_t_descriptor_CFLAGS = $(unit_cflags) \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
tests_unit_t_descriptor_LDADD = $(unit_ldadd)

tests_unit_t_params_SOURCES = tests/unit/t-params.c
tests_unit_t_params_CFLAGS = $(unit_cflags)
tests_unit_t_params_LDADD = $(unit_ldadd)
