# samples/local.mk - sample plugins, pipelines and data.

# The base64 sample plugin, built in the tree for the tests and the
# demo.  (Its own Makefile builds it out of tree against an installed
# pgpstep: see installcheck-local.)
noinst_LTLIBRARIES += samples/plugins/base64/base64.la
samples_plugins_base64_base64_la_SOURCES = samples/plugins/base64/base64.c
samples_plugins_base64_base64_la_CFLAGS = $(plugin_cflags)
samples_plugins_base64_base64_la_LDFLAGS = $(plugin_ldflags) -rpath /nowhere
samples_plugins_base64_base64_la_LIBADD = $(GPG_ERROR_LIBS)

EXTRA_DIST += samples/plugins/base64/Makefile \
	samples/pipelines/base64-roundtrip.xml \
	samples/pipelines/outbound-invoice.xml \
	samples/pipelines/inbound-invoice.xml \
	samples/pipelines/README.md \
	samples/pipelines/outbound-partner.xml \
	samples/pipelines/inbound-partner.xml \
	samples/pipelines/detached-send.xml \
	samples/pipelines/detached-receive.xml \
	samples/pipelines/password-send.xml \
	samples/pipelines/password-receive.xml \
	samples/pipelines/rollover-inbound.xml \
	samples/pipelines/base64-pgp-send.xml \
	samples/pipelines/base64-pgp-receive.xml \
	samples/keys/README.md samples/keys/FINGERPRINTS \
	samples/keys/acme.pub.asc samples/keys/acme.sec.asc \
	samples/keys/partner.pub.asc samples/keys/partner.sec.asc \
	samples/keys/acme-new.pub.asc samples/keys/acme-new.sec.asc \
	samples/keys/partner-new.pub.asc samples/keys/partner-new.sec.asc \
	samples/data/invoice.xml

TESTS += tests/samples/t-base64.sh tests/samples/t-invoice-exchange.sh \
	tests/samples/t-sample-flows.sh
EXTRA_DIST += tests/samples/t-base64.sh tests/samples/t-invoice-exchange.sh \
	tests/samples/t-sample-flows.sh

include samples/embed/local.mk
include samples/jvm/local.mk

# Build the sample plugin out of tree with its own Makefile against the
# installed header and pkg-config file, then run the installed CLI with
# it.  Works for `make installcheck` after `make install DESTDIR=...`
# and inside `make distcheck` (no DESTDIR).
installcheck_targets += installcheck-sample-sdk
installcheck-sample-sdk:
	rm -rf sample-sdk && mkdir sample-sdk && chmod 0755 sample-sdk
	cp $(srcdir)/samples/plugins/base64/base64.c \
	   $(srcdir)/samples/plugins/base64/Makefile sample-sdk/
	PKG_CONFIG_PATH='$(DESTDIR)$(pkgconfigdir)' \
	PKG_CONFIG_SYSROOT_DIR='$(DESTDIR)' \
	  $(MAKE) -C sample-sdk CC='$(CC)' CFLAGS='-O2 $(SANITIZER_CFLAGS)'
	test -f '$(DESTDIR)$(includedir)/pgpstep/pgpstep.h'
	test "`PKG_CONFIG_PATH='$(DESTDIR)$(pkgconfigdir)' $(PKG_CONFIG) --variable=plugindir pgpstep`" = '$(plugindir)'
	printf 'installcheck payload\n' > sample-sdk/in.txt
	LD_LIBRARY_PATH='$(DESTDIR)$(libdir)' \
	  '$(DESTDIR)$(bindir)/pgpstep' --plugin-dir "`pwd`/sample-sdk" \
	  run $(srcdir)/samples/pipelines/base64-roundtrip.xml \
	  -i sample-sdk/in.txt -o sample-sdk/out.txt
	test "`cat sample-sdk/out.txt`" = "`base64 sample-sdk/in.txt`"
	rm -rf sample-sdk
	@echo "installcheck: out-of-tree plugin built and run against the install"
