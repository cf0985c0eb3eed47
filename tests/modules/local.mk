# tests/modules/local.mk - step modules for the loader tests: the good
# one and one per way of breaking the ABI, all from mod.c (see there).
# -rpath makes libtool build real shared objects although not installed.

test_module_ldflags = $(plugin_ldflags) -rpath /nowhere

check_LTLIBRARIES += \
	tests/modules/mod-good.la \
	tests/modules/mod-nosym.la \
	tests/modules/mod-initfail.la \
	tests/modules/mod-abimajor.la \
	tests/modules/mod-abiminor.la \
	tests/modules/mod-smallstruct.la \
	tests/modules/mod-smallparam.la \
	tests/modules/mod-dupstep.la \
	tests/modules/mod-ctor.la

tests_modules_mod_good_la_SOURCES = tests/modules/mod.c
tests_modules_mod_good_la_CFLAGS = $(plugin_cflags)
tests_modules_mod_good_la_LDFLAGS = $(test_module_ldflags)

# Not plugin_ldflags: its export regex would match nothing.
tests_modules_mod_nosym_la_SOURCES = tests/modules/mod.c
tests_modules_mod_nosym_la_CPPFLAGS = $(AM_CPPFLAGS) -DMOD_NO_ENTRY
tests_modules_mod_nosym_la_CFLAGS = $(plugin_cflags)
tests_modules_mod_nosym_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version \
	-shared -rpath /nowhere

tests_modules_mod_initfail_la_SOURCES = tests/modules/mod.c
tests_modules_mod_initfail_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DMOD_INIT_ERR=GPG_ERR_NOT_SUPPORTED
tests_modules_mod_initfail_la_CFLAGS = $(plugin_cflags)
tests_modules_mod_initfail_la_LDFLAGS = $(test_module_ldflags)

tests_modules_mod_abimajor_la_SOURCES = tests/modules/mod.c
tests_modules_mod_abimajor_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DMOD_ABI_MAJOR='(PGPSTEP_ABI_MAJOR + 1)'
tests_modules_mod_abimajor_la_CFLAGS = $(plugin_cflags)
tests_modules_mod_abimajor_la_LDFLAGS = $(test_module_ldflags)

tests_modules_mod_abiminor_la_SOURCES = tests/modules/mod.c
tests_modules_mod_abiminor_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DMOD_ABI_MINOR='(PGPSTEP_ABI_MINOR + 1)'
tests_modules_mod_abiminor_la_CFLAGS = $(plugin_cflags)
tests_modules_mod_abiminor_la_LDFLAGS = $(test_module_ldflags)

tests_modules_mod_smallstruct_la_SOURCES = tests/modules/mod.c
tests_modules_mod_smallstruct_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DMOD_SIZE='offsetof (struct pgpstep_module, steps)'
tests_modules_mod_smallstruct_la_CFLAGS = $(plugin_cflags)
tests_modules_mod_smallstruct_la_LDFLAGS = $(test_module_ldflags)

tests_modules_mod_smallparam_la_SOURCES = tests/modules/mod.c
tests_modules_mod_smallparam_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DMOD_PARAM_SIZE='offsetof (struct pgpstep_param, description)'
tests_modules_mod_smallparam_la_CFLAGS = $(plugin_cflags)
tests_modules_mod_smallparam_la_LDFLAGS = $(test_module_ldflags)

tests_modules_mod_dupstep_la_SOURCES = tests/modules/mod.c
tests_modules_mod_dupstep_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-DMOD_NAME='"dupstep"'
tests_modules_mod_dupstep_la_CFLAGS = $(plugin_cflags)
tests_modules_mod_dupstep_la_LDFLAGS = $(test_module_ldflags)

# Marks its loading from a constructor (signed-plugin tests: refused
# modules must not run any code).
tests_modules_mod_ctor_la_SOURCES = tests/modules/mod.c
tests_modules_mod_ctor_la_CPPFLAGS = $(AM_CPPFLAGS) -DMOD_CTOR \
	-DMOD_NAME='"ctor"'
tests_modules_mod_ctor_la_CFLAGS = $(plugin_cflags)
tests_modules_mod_ctor_la_LDFLAGS = $(test_module_ldflags)
