# tests/unit/armorstep.mk - the armor step through its entry point with
# the fake host (tests/unit/fakehost.c).  Its armor is read back by gpg
# and sqop (when installed) in a throwaway home; tests/data/armor holds
# the step's own broken-armor fixtures.
check_PROGRAMS += tests/unit/t-armorstep
TESTS += tests/unit/t-armorstep
tests_unit_t_armorstep_SOURCES = tests/unit/t-armorstep.c \
	tests/unit/fakehost.h tests/unit/fakehost.c \
	tests/unit/gpghome.h tests/unit/gpghome.c \
	host/procfs.h host/procfs.c \
	plugins/armor/armor.c
tests_unit_t_armorstep_CFLAGS = $(unit_cflags) \
	-I$(top_srcdir)/plugins/openpgp \
	-DTEST_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
tests_unit_t_armorstep_LDADD = plugins/openpgp/libopenpgp.la $(unit_ldadd) \
	$(GPGME_LIBS)

EXTRA_DIST += \
	tests/data/armor/README \
	tests/data/armor/empty-body.asc \
	tests/data/armor/gpg-enarmor.asc \
	tests/data/armor/multipart.asc \
	tests/data/armor/not-openpgp.asc
