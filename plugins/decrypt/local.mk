# plugins/decrypt/local.mk - the decrypt step
plugin_LTLIBRARIES += plugins/decrypt/decrypt.la
plugins_decrypt_decrypt_la_SOURCES = \
	plugins/decrypt/decrypt.c \
	plugins/decrypt/explain.h \
	plugins/decrypt/explain.c \
	plugins/decrypt/result.h \
	plugins/decrypt/result.c
plugins_decrypt_decrypt_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/plugins/openpgp
plugins_decrypt_decrypt_la_CFLAGS = $(plugin_cflags) $(GPGME_CFLAGS)
plugins_decrypt_decrypt_la_LDFLAGS = $(plugin_ldflags)
plugins_decrypt_decrypt_la_LIBADD = plugins/openpgp/libopenpgp.la \
	$(GPGME_LIBS) $(GPG_ERROR_LIBS) $(PTHREAD_LIBS)
