# samples/jvm/local.mk - the JNI binding sample: org.pgpstep.{Host,
# Pipeline,PgpstepException} over libpgpstep_jni (pgpstep_jni.c), and
# org.pgpstep.sample.RoundTrip, a processor running the sample
# pipelines from a thread pool.  Built and run by `make check` when
# configure found a JDK (HAVE_JDK); tests/samples/t-jvm.sh skips
# otherwise.

jvm_java_sources = \
	samples/jvm/src/org/pgpstep/Native.java \
	samples/jvm/src/org/pgpstep/PgpstepException.java \
	samples/jvm/src/org/pgpstep/Host.java \
	samples/jvm/src/org/pgpstep/Pipeline.java \
	samples/jvm/src/org/pgpstep/sample/RoundTrip.java

TESTS += tests/samples/t-jvm.sh
EXTRA_DIST += tests/samples/t-jvm.sh samples/jvm/pgpstep_jni.c \
	$(jvm_java_sources)

if HAVE_JDK
check_LTLIBRARIES += samples/jvm/libpgpstep_jni.la
samples_jvm_libpgpstep_jni_la_SOURCES = samples/jvm/pgpstep_jni.c
samples_jvm_libpgpstep_jni_la_CFLAGS = $(AM_CFLAGS) $(JNI_CFLAGS)
samples_jvm_libpgpstep_jni_la_LDFLAGS = $(AM_LDFLAGS) -module \
	-avoid-version -shared -rpath /nowhere
samples_jvm_libpgpstep_jni_la_LIBADD = libpgpstep.la $(GPG_ERROR_LIBS) \
	$(PTHREAD_LIBS)
# The classes are built with the library; jdk.env tells the test which
# java goes with the javac configure found.
EXTRA_samples_jvm_libpgpstep_jni_la_DEPENDENCIES = \
	samples/jvm/pgpstep-sample.jar
samples/jvm/pgpstep-sample.jar: $(jvm_java_sources)
	$(AM_V_GEN)d=samples/jvm/classes.tmp; rm -rf $$d \
	&& $(MKDIR_P) $$d \
	&& '$(JAVAC)' --release 11 -Xlint:all -Werror -d $$d \
	   $(addprefix $(srcdir)/,$(jvm_java_sources)) \
	&& '$(JAR)' cf $@ -C $$d . \
	&& rm -rf $$d \
	&& echo "JAVA='$(JAVA)'" > samples/jvm/jdk.env
CLEANFILES += samples/jvm/pgpstep-sample.jar samples/jvm/jdk.env
endif
