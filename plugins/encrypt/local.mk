# plugins/encrypt/local.mk - the encrypt step
plugin_LTLIBRARIES += plugins/encrypt/encrypt.la
plugins_encrypt_encrypt_la_SOURCES = \
	plugins/encrypt/encrypt.c \
	plugins/encrypt/sniff.h \
	plugins/encrypt/sniff.c
plugins_encrypt_encrypt_la_CFLAGS = $(plugin_cflags) $(GPGME_CFLAGS) \
	$(ZLIB_CFLAGS)
plugins_encrypt_encrypt_la_LDFLAGS = $(plugin_ldflags)
plugins_encrypt_encrypt_la_LIBADD = plugins/openpgp/libopenpgp.la \
	$(ZLIB_LIBS) $(GPGME_LIBS) $(GPG_ERROR_LIBS) $(PTHREAD_LIBS)
