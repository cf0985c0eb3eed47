# tests/unit/run.mk - pgpstep_run: threads, pipes, spool, errors,
# deadline.  The teststeps module is linked in and registered with
# loader_register_static.  T_RUN_BIG_MB (default 64, 4 when
# PGPSTEP_TEST_VALGRIND is set) sizes the big streaming test.
check_PROGRAMS += tests/unit/t-run
TESTS += tests/unit/t-run
tests_unit_t_run_SOURCES = tests/unit/t-run.c tests/plugins/teststeps.c
tests_unit_t_run_CFLAGS = $(unit_cflags)
tests_unit_t_run_LDADD = $(unit_ldadd)
