# samples/embed/local.mk - the C embedding sample: a runtime that
# loads the sample pipelines once, runs messages from several threads
# and reloads its keyrings when the key files change.

# `make check`: built against the build tree's libpgpstep and run by
# tests/samples/t-embed.sh (with samples/embed/check-reload.sh).
check_PROGRAMS += samples/embed/embed
samples_embed_embed_SOURCES = samples/embed/embed.c
samples_embed_embed_LDADD = libpgpstep.la $(GPG_ERROR_LIBS) $(PTHREAD_LIBS)

TESTS += tests/samples/t-embed.sh
EXTRA_DIST += tests/samples/t-embed.sh samples/embed/Makefile \
	samples/embed/check-reload.sh

# `make installcheck` (and so `make distcheck`): built out of tree with
# its own Makefile against the installed header, library and
# pkg-config file, then run with the installed plugins.
installcheck_targets += installcheck-embed
installcheck-embed:
	rm -rf sample-embed && mkdir sample-embed && chmod 0755 sample-embed
	cp $(srcdir)/samples/embed/embed.c $(srcdir)/samples/embed/Makefile \
	   sample-embed/
	PKG_CONFIG_PATH='$(DESTDIR)$(pkgconfigdir)' \
	PKG_CONFIG_SYSROOT_DIR='$(DESTDIR)' \
	  $(MAKE) -C sample-embed CC='$(CC)' \
	  CFLAGS='-O2 -Werror $(SANITIZER_CFLAGS)'
	LD_LIBRARY_PATH='$(DESTDIR)$(libdir)' \
	  $(SHELL) $(srcdir)/samples/embed/check-reload.sh sample-embed/embed \
	  $(srcdir)/samples --plugin-dir '$(DESTDIR)$(plugindir)'
	rm -rf sample-embed
	@echo "installcheck: embedding sample built and run against the install"

# The embedding guide these samples illustrate.
EXTRA_DIST += doc/embedding.md
