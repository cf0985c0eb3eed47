# tests/unit/headers.mk - header sets, JSON and exit codes.
check_PROGRAMS += tests/unit/t-headers
TESTS += tests/unit/t-headers
tests_unit_t_headers_SOURCES = tests/unit/t-headers.c \
	host/headers.c host/json.c host/exitcode.c
tests_unit_t_headers_CFLAGS = $(unit_cflags)
tests_unit_t_headers_LDADD = $(CMOCKA_LIBS) $(GPG_ERROR_LIBS)
