# doc/local.mk - manual pages.
#
# pgpstep.1 and pgpstep-pipeline.5 are shipped as written: nothing is
# generated at build time.  The STEPS section of pgpstep-pipeline.5
# comes from the plugins' parameter tables; after a change to a table
# or a new step plugin, rebuild it with `sh doc/gen-steps.sh [BUILDDIR]`
# (tests/cli/t-man.sh fails, naming that command, until then).
man_MANS += doc/pgpstep.1 doc/pgpstep-pipeline.5
EXTRA_DIST += doc/pgpstep.1 doc/pgpstep-pipeline.5 doc/gen-steps.sh

TESTS += tests/cli/t-man.sh
EXTRA_DIST += tests/cli/t-man.sh

# The pages are where man looks for them.
installcheck_targets += installcheck-man
installcheck-man:
	test -f '$(DESTDIR)$(man1dir)/pgpstep.1'
	test -f '$(DESTDIR)$(man5dir)/pgpstep-pipeline.5'
	@echo "installcheck: manual pages installed"
