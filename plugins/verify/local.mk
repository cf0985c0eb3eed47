# plugins/verify/local.mk - the verify step
plugin_LTLIBRARIES += plugins/verify/verify.la
plugins_verify_verify_la_SOURCES = \
	plugins/verify/verify.h \
	plugins/verify/verify.c \
	plugins/verify/detached.c \
	plugins/verify/sigparam.h \
	plugins/verify/sigparam.c \
	plugins/verify/feed.h \
	plugins/verify/feed.c \
	plugins/verify/outcome.h \
	plugins/verify/outcome.c
plugins_verify_verify_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/plugins/openpgp
plugins_verify_verify_la_CFLAGS = $(plugin_cflags) $(GPGME_CFLAGS)
plugins_verify_verify_la_LDFLAGS = $(plugin_ldflags)
plugins_verify_verify_la_LIBADD = plugins/openpgp/libopenpgp.la \
	$(GPGME_LIBS) $(GPG_ERROR_LIBS) $(PTHREAD_LIBS)
