# tests/plugins/local.mk - the "teststeps" module (cat, fail, stall,
# spool-cat, set-header, typed, create-fail) for unit and CLI tests.
# Built as tests/plugins/.libs/teststeps.so.
check_LTLIBRARIES += tests/plugins/teststeps.la
tests_plugins_teststeps_la_SOURCES = tests/plugins/teststeps.c
tests_plugins_teststeps_la_CFLAGS = $(plugin_cflags)
tests_plugins_teststeps_la_LDFLAGS = $(plugin_ldflags) -rpath /nowhere
tests_plugins_teststeps_la_LIBADD = $(GPG_ERROR_LIBS) $(PTHREAD_LIBS)
