# sop/local.mk - pgpstep-sop, the Stateless OpenPGP command line on
# libpgpstep and the OpenPGP step plugins.

bin_PROGRAMS += pgpstep-sop
pgpstep_sop_SOURCES = \
	sop/sop.h sop/main.c sop/args.c sop/work.c sop/engine.c \
	sop/verifs.c sop/keygen.c sop/cmd-crypt.c sop/cmd-sign.c \
	sop/cmd-armor.c sop/detach.c sop/text.c sop/sigclean.c
# The throwaway home of generate-key and extract-cert is run like the
# host's runtime homes: its agent is stopped with the host's code
# (these objects are not exported by libpgpstep).
pgpstep_sop_SOURCES += \
	host/gnupg.h host/gnupg.c host/agent.h host/agent.c \
	host/homedir.h host/homedir.c host/procfs.h host/procfs.c
pgpstep_sop_CFLAGS = $(AM_CFLAGS) $(GPGME_CFLAGS)
pgpstep_sop_LDADD = libpgpstep.la $(GPGME_LIBS) $(GPG_ERROR_LIBS) \
	$(PTHREAD_LIBS)

man_MANS += doc/pgpstep-sop.1
EXTRA_DIST += doc/pgpstep-sop.1

# End to end and the interoperability matrix against gpg, sqop, rnp
# and pgpainless-cli.
sop_tests = tests/sop/t-sop-basic.sh tests/sop/t-sop-interop.sh \
	tests/sop/t-sop-signal.sh
TESTS += $(sop_tests)
EXTRA_DIST += $(sop_tests) tests/sop/lib.sh tests/sop/peers.sh

# The installed program runs with the installed plugins (every step
# present), and its page is where man looks for it.
installcheck_targets += installcheck-sop
installcheck-sop:
	test -f '$(DESTDIR)$(man1dir)/pgpstep-sop.1'
	LD_LIBRARY_PATH='$(DESTDIR)$(libdir)' \
	PGPSTEP_PLUGIN_PATH='$(DESTDIR)$(plugindir)' \
	  '$(DESTDIR)$(bindir)/pgpstep-sop' version --extended \
	  | grep '^Plugin steps: ' | grep -v missing
	@echo "installcheck: pgpstep-sop installed"
