# plugins/armor/local.mk - the armor step (ASCII armor and dearmor on
# the engine's codec; no gpg).
plugin_LTLIBRARIES += plugins/armor/armor.la
plugins_armor_armor_la_SOURCES = plugins/armor/armor.c
plugins_armor_armor_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/plugins/openpgp
plugins_armor_armor_la_CFLAGS = $(plugin_cflags)
plugins_armor_armor_la_LDFLAGS = $(plugin_ldflags)
plugins_armor_armor_la_LIBADD = plugins/openpgp/libopenpgp.la \
	$(GPGME_LIBS) $(GPG_ERROR_LIBS) $(PTHREAD_LIBS)
