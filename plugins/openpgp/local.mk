# plugins/openpgp/local.mk - the OpenPGP engine (convenience library)
#
# Linked into the encrypt/decrypt/sign/verify plugins (hidden
# visibility).  Depends on libgpg-error, GPGME (keys only) and libc.
# One source per line.
noinst_LTLIBRARIES += plugins/openpgp/libopenpgp.la
plugins_openpgp_libopenpgp_la_SOURCES = \
	plugins/openpgp/status.h \
	plugins/openpgp/status.c \
	plugins/openpgp/armor.h \
	plugins/openpgp/armor.c \
	plugins/openpgp/packet.h \
	plugins/openpgp/packet.c \
	plugins/openpgp/utf8.h \
	plugins/openpgp/utf8.c \
	plugins/openpgp/gpgrun.h \
	plugins/openpgp/gpgrun.c \
	plugins/openpgp/policy.h \
	plugins/openpgp/policy.c \
	plugins/openpgp/keys.h \
	plugins/openpgp/keys.c \
	plugins/openpgp/gpgop.h \
	plugins/openpgp/gpgop.c \
	plugins/openpgp/signer.h \
	plugins/openpgp/signer.c \
	plugins/openpgp/keyref.h \
	plugins/openpgp/keyref.c \
	plugins/openpgp/sigwrap.h \
	plugins/openpgp/sigwrap.c \
	plugins/openpgp/stepio.h \
	plugins/openpgp/stepio.c \
	plugins/openpgp/fdcopy.h \
	plugins/openpgp/fdcopy.c
plugins_openpgp_libopenpgp_la_CFLAGS = $(plugin_cflags) $(GPGME_CFLAGS)
plugins_openpgp_libopenpgp_la_LIBADD = $(GPGME_LIBS) $(GPG_ERROR_LIBS) \
	$(PTHREAD_LIBS)
