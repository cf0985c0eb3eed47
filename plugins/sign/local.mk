# plugins/sign/local.mk - the sign step
plugin_LTLIBRARIES += plugins/sign/sign.la
plugins_sign_sign_la_SOURCES = \
	plugins/sign/sign.c \
	plugins/sign/feed.h \
	plugins/sign/feed.c \
	plugins/sign/textcheck.h \
	plugins/sign/textcheck.c
plugins_sign_sign_la_CFLAGS = $(plugin_cflags) $(GPGME_CFLAGS)
plugins_sign_sign_la_LDFLAGS = $(plugin_ldflags)
plugins_sign_sign_la_LIBADD = plugins/openpgp/libopenpgp.la \
	$(GPGME_LIBS) $(GPG_ERROR_LIBS) $(PTHREAD_LIBS)

# The step's page (parameters, modes, what a verifier gets back).
EXTRA_DIST += doc/sign.md
