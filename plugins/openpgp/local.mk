# plugins/openpgp/local.mk - the OpenPGP engine (convenience library)
#
# Linked into the encrypt/decrypt/sign/verify plugins (hidden
# visibility).  Depends on libgpg-error and libc only.  One source per
# line.
noinst_LTLIBRARIES += plugins/openpgp/libopenpgp.la
plugins_openpgp_libopenpgp_la_SOURCES = \
	plugins/openpgp/status.h \
	plugins/openpgp/status.c \
	plugins/openpgp/armor.h \
	plugins/openpgp/armor.c \
	plugins/openpgp/packet.h \
	plugins/openpgp/packet.c \
	plugins/openpgp/gpgrun.h \
	plugins/openpgp/gpgrun.c
plugins_openpgp_libopenpgp_la_CFLAGS = $(plugin_cflags)
plugins_openpgp_libopenpgp_la_LIBADD = $(GPG_ERROR_LIBS)
