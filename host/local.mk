# host/local.mk - libpgpstep and the pgpstep CLI.

# Everything of the host, linked into libpgpstep (which exports only
# pgpstep_*) and directly into the unit tests (which need the rest).
noinst_LTLIBRARIES += libpgpstep-core.la
libpgpstep_core_la_SOURCES = \
	host/ctx.h host/ctx.c host/log.c \
	host/services.c \
	host/loader.h host/loader.c host/plugsig.h host/plugsig.c \
	host/descriptor.h host/descriptor.c \
	host/params.h host/params.c \
	host/stepconfig.h host/stepconfig.c \
	host/pipeline.c \
	host/message.h host/message.c \
	host/run.h host/run.c \
	host/stream.h host/stream.c \
	host/spool.h host/spool.c \
	host/result.h host/result.c \
	host/headers.h host/headers.c \
	host/json.h host/json.c \
	host/exitcode.c \
	host/gnupg.h host/gnupg.c \
	host/homedir.h host/homedir.c \
	host/agent.h host/agent.c \
	host/keyring.h host/keyring.c \
	host/keyinfo.c
libpgpstep_core_la_CFLAGS = $(AM_CFLAGS) $(XML_CFLAGS) $(GPGME_CFLAGS)
libpgpstep_core_la_LIBADD = $(XML_LIBS) $(GPGME_LIBS) $(GPG_ERROR_LIBS) \
	$(PTHREAD_LIBS) $(LIBS)

lib_LTLIBRARIES += libpgpstep.la
libpgpstep_la_SOURCES =
libpgpstep_la_LIBADD = libpgpstep-core.la
libpgpstep_la_LDFLAGS = $(AM_LDFLAGS) -version-info 0:0:0 \
	-export-symbols-regex '^pgpstep_'

bin_PROGRAMS += pgpstep
pgpstep_SOURCES = \
	host/cli.h host/main.c \
	host/cli-run.c host/cli-batch.c host/cli-progress.c \
	host/cli-writeback.c \
	host/cli-info.c host/cli-keys.c \
	host/outfile.h host/outfile.c \
	host/json.h host/json.c
pgpstep_LDADD = libpgpstep.la $(GPG_ERROR_LIBS) $(PTHREAD_LIBS)
