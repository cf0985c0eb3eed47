/* pgpstep_jni.c - JNI shim of the JVM binding (org.pgpstep.Native).
 *
 * Streams a message from a java.io.InputStream through a pipeline into
 * a java.io.OutputStream:
 *
 *  - input: the host calls our READ callback from a pump thread of its
 *    own.  That thread is attached to the JVM on its first call (as a
 *    daemon, so a stuck stream cannot hold up the JVM's exit) and
 *    detached by a thread-specific destructor when the host's thread
 *    ends.  It calls InputStream.read into a byte[] of the run.
 *  - output: WRITE spools into an unlinked temporary file (constant
 *    memory); COMMIT - called on the Java thread that called run, only
 *    when every step succeeded - copies the spool to the OutputStream;
 *    ABORT throws it away.  So a failed run writes nothing to the
 *    OutputStream.
 *  - errors: a PgpstepException with the exit code, step, key and
 *    message of the result; an exception of the caller's streams
 *    becomes its cause.
 *
 * Strings cross as UTF-8 byte arrays (see Native.java).
 */

#define _GNU_SOURCE 1           /* O_TMPFILE.  */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jni.h>
#include <pgpstep/host.h>

#define CHUNK 65536

static JavaVM *jvm;
static pthread_key_t detach_key;
static jclass exception_class;  /* org.pgpstep.PgpstepException */
static jmethodID exception_ctor;
static jmethodID is_read;       /* InputStream.read([BII)I */
static jmethodID os_write;      /* OutputStream.write([BII)V */
static jmethodID os_flush;      /* OutputStream.flush()V */

/* JNI_OnLoad and the exported functions need prototypes for
 * -Wmissing-prototypes: jni.h declares only JNI_OnLoad.  */
JNIEXPORT jlong JNICALL Java_org_pgpstep_Native_hostNew
  (JNIEnv *, jclass, jbyteArray, jbyteArray, jbyteArray, jint);
JNIEXPORT void JNICALL Java_org_pgpstep_Native_hostRelease
  (JNIEnv *, jclass, jlong);
JNIEXPORT jlong JNICALL Java_org_pgpstep_Native_pipelineLoad
  (JNIEnv *, jclass, jlong, jbyteArray);
JNIEXPORT void JNICALL Java_org_pgpstep_Native_pipelineRelease
  (JNIEnv *, jclass, jlong);
JNIEXPORT jbyteArray JNICALL Java_org_pgpstep_Native_pipelineName
  (JNIEnv *, jclass, jlong);
JNIEXPORT jbyteArray JNICALL Java_org_pgpstep_Native_run
  (JNIEnv *, jclass, jlong, jobject, jobject, jbyteArray, jint, jbyteArray);


/* The thread-specific destructor: the host's pump thread ends.  */
static void
detach_thread (void *arg)
{
  (void) arg;
  (*jvm)->DetachCurrentThread (jvm);
}

JNIEXPORT jint JNICALL
JNI_OnLoad (JavaVM *vm, void *reserved)
{
  JNIEnv *env;
  jclass c;

  (void) reserved;
  jvm = vm;
  if ((*vm)->GetEnv (vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK)
    return JNI_ERR;
  if (pthread_key_create (&detach_key, detach_thread))
    return JNI_ERR;
  c = (*env)->FindClass (env, "org/pgpstep/PgpstepException");
  if (!c || !(exception_class = (*env)->NewGlobalRef (env, c)))
    return JNI_ERR;
  exception_ctor = (*env)->GetMethodID (env, c, "<init>",
                                        "(I[B[B[BLjava/lang/Throwable;)V");
  c = (*env)->FindClass (env, "java/io/InputStream");
  if (c)
    is_read = (*env)->GetMethodID (env, c, "read", "([BII)I");
  c = (*env)->FindClass (env, "java/io/OutputStream");
  if (c)
    {
      os_write = (*env)->GetMethodID (env, c, "write", "([BII)V");
      os_flush = (*env)->GetMethodID (env, c, "flush", "()V");
    }
  if (!exception_ctor || !is_read || !os_write || !os_flush)
    return JNI_ERR;
  return JNI_VERSION_1_8;
}

/* The JNIEnv of the calling thread, attaching a thread of the host on
 * its first call.  NULL if that fails.  */
static JNIEnv *
thread_env (void)
{
  JavaVMAttachArgs args;
  JNIEnv *env;
  jint rc;

  rc = (*jvm)->GetEnv (jvm, (void **) &env, JNI_VERSION_1_8);
  if (rc == JNI_OK)
    return env;
  if (rc != JNI_EDETACHED)
    return NULL;
  args.version = JNI_VERSION_1_8;
  args.name = (char *) "pgpstep-pump";
  args.group = NULL;
  if ((*jvm)->AttachCurrentThreadAsDaemon (jvm, (void **) &env, &args)
      != JNI_OK)
    return NULL;
  /* Any non-NULL value makes the destructor run at thread exit.  */
  pthread_setspecific (detach_key, jvm);
  return env;
}


/*
 * Strings
 */

/* A malloced C string from the UTF-8 bytes of ARRAY (NULL: NULL).  */
static char *
cstring (JNIEnv *env, jbyteArray array, int *r_oom)
{
  jsize n;
  char *s;

  *r_oom = 0;
  if (!array)
    return NULL;
  n = (*env)->GetArrayLength (env, array);
  if (!(s = malloc (n + 1)))
    {
      *r_oom = 1;
      return NULL;
    }
  (*env)->GetByteArrayRegion (env, array, 0, n, (jbyte *) s);
  s[n] = 0;
  return s;
}

/* A byte[] of the UTF-8 string S (NULL: NULL).  */
static jbyteArray
jbytes (JNIEnv *env, const char *s)
{
  jbyteArray a;
  jsize n;

  if (!s)
    return NULL;
  n = strlen (s);
  a = (*env)->NewByteArray (env, n);
  if (a)
    (*env)->SetByteArrayRegion (env, a, 0, n, (const jbyte *) s);
  return a;
}

/* Throw a PgpstepException for ERR with the detail of RES (may be
 * NULL) or TEXT, and CAUSE (may be NULL).  */
static void
throw_error (JNIEnv *env, gpg_error_t err, pgpstep_result_t res,
             const char *text, jthrowable cause)
{
  jobject e;
  const char *msg = res ? pgpstep_result_message (res) : NULL;

  if ((*env)->ExceptionCheck (env))
    return;                     /* One is pending already.  */
  e = (*env)->NewObject (env, exception_class, exception_ctor,
                         (jint) pgpstep_exit_code (err),
                         jbytes (env, res ? pgpstep_result_step (res) : NULL),
                         jbytes (env, res ? pgpstep_result_key (res) : NULL),
                         jbytes (env, msg ? msg
                                 : text ? text : gpg_strerror (err)),
                         cause);
  if (e)
    (*env)->Throw (env, e);
}


/*
 * Host and pipelines
 */

JNIEXPORT jlong JNICALL
Java_org_pgpstep_Native_hostNew (JNIEnv *env, jclass cls,
                                 jbyteArray jplugins, jbyteArray jsecrets,
                                 jbyteArray jruntime, jint verbosity)
{
  struct pgpstep_options opt;
  gpg_error_t err;
  pgpstep_t host = NULL;
  char *plugins, *secrets, *runtime, *message = NULL;
  int oom1, oom2, oom3;

  (void) cls;
  plugins = cstring (env, jplugins, &oom1);
  secrets = cstring (env, jsecrets, &oom2);
  runtime = cstring (env, jruntime, &oom3);
  if (oom1 || oom2 || oom3)
    {
      err = gpg_error (GPG_ERR_ENOMEM);
      throw_error (env, err, NULL, NULL, NULL);
      goto leave;
    }
  memset (&opt, 0, sizeof opt);
  opt.struct_size = sizeof opt;
  opt.verbosity = verbosity;
  opt.secrets_dir = secrets;
  opt.runtime_dir = runtime;
  err = pgpstep_new (&host, &opt);
  if (!err)
    err = pgpstep_load_plugins (host, plugins ? plugins
                                : pgpstep_default_plugin_dir (), &message);
  if (err)
    {
      throw_error (env, err, NULL, message, NULL);
      if (host)
        pgpstep_release (host);
      host = NULL;
    }

 leave:
  pgpstep_free (message);
  free (plugins);
  free (secrets);
  free (runtime);
  return (jlong) (intptr_t) host;
}

JNIEXPORT void JNICALL
Java_org_pgpstep_Native_hostRelease (JNIEnv *env, jclass cls, jlong host)
{
  (void) env;
  (void) cls;
  pgpstep_release ((pgpstep_t) (intptr_t) host);
}

JNIEXPORT jlong JNICALL
Java_org_pgpstep_Native_pipelineLoad (JNIEnv *env, jclass cls, jlong host,
                                      jbyteArray jfile)
{
  pgpstep_pipeline_t pl = NULL;
  gpg_error_t err;
  char *file, *message = NULL;
  int oom;

  (void) cls;
  file = cstring (env, jfile, &oom);
  if (!file)
    {
      throw_error (env, gpg_error (oom ? GPG_ERR_ENOMEM : GPG_ERR_INV_ARG),
                   NULL, NULL, NULL);
      return 0;
    }
  err = pgpstep_pipeline_load_file ((pgpstep_t) (intptr_t) host, file, &pl,
                                    &message);
  if (err)
    throw_error (env, err, NULL, message, NULL);
  pgpstep_free (message);
  free (file);
  return (jlong) (intptr_t) pl;
}

JNIEXPORT void JNICALL
Java_org_pgpstep_Native_pipelineRelease (JNIEnv *env, jclass cls,
                                         jlong pl)
{
  (void) env;
  (void) cls;
  pgpstep_pipeline_release ((pgpstep_pipeline_t) (intptr_t) pl);
}

JNIEXPORT jbyteArray JNICALL
Java_org_pgpstep_Native_pipelineName (JNIEnv *env, jclass cls, jlong pl)
{
  (void) cls;
  return jbytes (env, pgpstep_pipeline_name ((pgpstep_pipeline_t)
                                             (intptr_t) pl));
}


/*
 * Running a message
 */

struct jrun
{
  jobject in;                   /* Global refs: used from the pump.  */
  jbyteArray inbuf;
  JNIEnv *env;                  /* Of the calling thread (commit).  */
  jobject out;                  /* Local ref of the calling thread.  */
  jthrowable failure;           /* Global ref: the first exception a
                                   callback got from Java.  */
  int spool;                    /* Unlinked temporary file.  */
};

/* Keep the pending exception of ENV (the first one) and clear it.  */
static void
keep_exception (JNIEnv *env, struct jrun *r)
{
  jthrowable t = (*env)->ExceptionOccurred (env);

  (*env)->ExceptionClear (env);
  if (t && !r->failure)
    r->failure = (*env)->NewGlobalRef (env, t);
  if (t)
    (*env)->DeleteLocalRef (env, t);
}

/* INPUT.read: on a pump thread of the host.  */
static ssize_t
jin_read (void *handle, void *buffer, size_t size)
{
  struct jrun *r = handle;
  JNIEnv *env = thread_env ();
  jint n;

  if (!env)
    {
      errno = EIO;
      return -1;
    }
  if (size > CHUNK)
    size = CHUNK;
  /* read(b, off, len) blocks for at least one byte; 0 only if len is.  */
  do
    n = (*env)->CallIntMethod (env, r->in, is_read, r->inbuf, 0,
                               (jint) size);
  while (!n && !(*env)->ExceptionCheck (env));
  if ((*env)->ExceptionCheck (env))
    {
      keep_exception (env, r);
      errno = EIO;
      return -1;
    }
  if (n < 0)
    return 0;                   /* End of stream.  */
  (*env)->GetByteArrayRegion (env, r->inbuf, 0, n, buffer);
  return n;
}

/* OUTPUT.write: on another pump thread; tentative bytes to the spool.  */
static ssize_t
jout_write (void *handle, const void *buffer, size_t size)
{
  struct jrun *r = handle;
  ssize_t n;

  while ((n = write (r->spool, buffer, size)) < 0 && errno == EINTR)
    ;
  return n;
}

/* OUTPUT.commit: on the calling Java thread, every step succeeded.  */
static gpg_error_t
jout_commit (void *handle)
{
  struct jrun *r = handle;
  JNIEnv *env = r->env;
  jbyteArray buf;
  char *chunk;
  ssize_t n;
  gpg_error_t err = 0;

  if (lseek (r->spool, 0, SEEK_SET) < 0)
    return gpg_error_from_syserror ();
  chunk = malloc (CHUNK);
  buf = (*env)->NewByteArray (env, CHUNK);
  if (!chunk || !buf)
    {
      err = gpg_error (GPG_ERR_ENOMEM);
      goto leave;
    }
  for (;;)
    {
      n = read (r->spool, chunk, CHUNK);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          err = gpg_error_from_syserror ();
          break;
        }
      if (!n)
        break;
      (*env)->SetByteArrayRegion (env, buf, 0, n, (jbyte *) chunk);
      (*env)->CallVoidMethod (env, r->out, os_write, buf, 0, (jint) n);
      if ((*env)->ExceptionCheck (env))
        break;
    }
  if (!err && !(*env)->ExceptionCheck (env))
    (*env)->CallVoidMethod (env, r->out, os_flush);
  if ((*env)->ExceptionCheck (env))
    {
      keep_exception (env, r);
      err = gpg_error (GPG_ERR_EIO);
    }

 leave:
  if ((*env)->ExceptionCheck (env))
    keep_exception (env, r);    /* An OutOfMemoryError.  */
  if (buf)
    (*env)->DeleteLocalRef (env, buf);
  free (chunk);
  return err;
}

/* OUTPUT.abort: nothing reached the OutputStream; the spool goes when
 * the run closes it (it has no name).  */
static void
jout_abort (void *handle)
{
  (void) handle;
}

/* An unlinked temporary file in $TMPDIR or /tmp.  */
static int
open_spool (void)
{
  const char *dir = getenv ("TMPDIR");
  char *tmpl = NULL;
  int fd;

  if (!dir || !*dir)
    dir = "/tmp";
  fd = open (dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
    return fd;
  if (asprintf (&tmpl, "%s/pgpstep-jni.XXXXXX", dir) < 0)
    return -1;
  fd = mkostemp (tmpl, O_CLOEXEC);
  if (fd >= 0)
    unlink (tmpl);
  free (tmpl);
  return fd;
}

/* Parse "name\0value\0..." into a new header set.  */
static gpg_error_t
make_headers (JNIEnv *env, jbyteArray jheaders, pgpstep_headers_t *r_h)
{
  gpg_error_t err;
  jsize n;
  char *buf, *p, *end, *value;

  *r_h = NULL;
  if (!jheaders)
    return 0;
  n = (*env)->GetArrayLength (env, jheaders);
  if (!(buf = malloc (n + 1)))
    return gpg_error_from_syserror ();
  (*env)->GetByteArrayRegion (env, jheaders, 0, n, (jbyte *) buf);
  buf[n] = 0;
  err = pgpstep_headers_new (r_h);
  for (p = buf, end = buf + n; !err && p < end; p = value + strlen (value) + 1)
    {
      value = p + strlen (p) + 1;
      if (value >= end)
        break;
      err = pgpstep_headers_set (*r_h, p, value);
    }
  free (buf);
  return err;
}

/* The result headers as "name\0value\0...".  */
static jbyteArray
result_headers (JNIEnv *env, pgpstep_result_t res)
{
  pgpstep_headers_t h = pgpstep_result_headers (res);
  const char *name, *value;
  size_t len = 0, off = 0;
  unsigned int i;
  jbyteArray a;
  char *buf;

  for (i = 0; h && (name = pgpstep_headers_name_at (h, i, &value)); i++)
    len += strlen (name) + strlen (value) + 2;
  if (!(buf = malloc (len ? len : 1)))
    return NULL;
  for (i = 0; h && (name = pgpstep_headers_name_at (h, i, &value)); i++)
    {
      memcpy (buf + off, name, strlen (name) + 1);
      off += strlen (name) + 1;
      memcpy (buf + off, value, strlen (value) + 1);
      off += strlen (value) + 1;
    }
  a = (*env)->NewByteArray (env, len);
  if (a)
    (*env)->SetByteArrayRegion (env, a, 0, len, (const jbyte *) buf);
  free (buf);
  return a;
}

JNIEXPORT jbyteArray JNICALL
Java_org_pgpstep_Native_run (JNIEnv *env, jclass cls, jlong jpl,
                             jobject in, jobject out, jbyteArray jheaders,
                             jint timeout_ms, jbyteArray jid)
{
  struct jrun r;
  struct pgpstep_input input;
  struct pgpstep_output output;
  struct pgpstep_run_options ro;
  pgpstep_headers_t headers = NULL;
  pgpstep_result_t res = NULL;
  jbyteArray ret = NULL;
  gpg_error_t err;
  char *id = NULL;
  int oom;

  (void) cls;
  memset (&r, 0, sizeof r);
  r.spool = -1;
  r.env = env;
  r.out = out;
  id = cstring (env, jid, &oom);
  if (oom)
    {
      err = gpg_error (GPG_ERR_ENOMEM);
      goto fail;
    }
  if ((err = make_headers (env, jheaders, &headers)))
    goto fail;
  r.in = (*env)->NewGlobalRef (env, in);
  r.inbuf = (*env)->NewByteArray (env, CHUNK);
  if (r.inbuf)
    {
      jbyteArray local = r.inbuf;

      r.inbuf = (*env)->NewGlobalRef (env, local);
      (*env)->DeleteLocalRef (env, local);
    }
  if (!r.in || !r.inbuf)
    {
      err = gpg_error (GPG_ERR_ENOMEM);
      goto fail;
    }
  if ((r.spool = open_spool ()) < 0)
    {
      err = gpg_error_from_syserror ();
      goto fail;
    }

  memset (&input, 0, sizeof input);
  input.struct_size = sizeof input;
  input.fd = -1;
  input.handle = &r;
  input.read = jin_read;
  memset (&output, 0, sizeof output);
  output.struct_size = sizeof output;
  output.fd = -1;
  output.handle = &r;
  output.write = jout_write;
  output.commit = jout_commit;
  output.abort = jout_abort;
  memset (&ro, 0, sizeof ro);
  ro.struct_size = sizeof ro;
  ro.timeout_ms = timeout_ms > 0 ? (unsigned int) timeout_ms : 0;
  ro.message_id = id;

  /* Blocks this Java thread; the host's threads call back into Java.  */
  err = pgpstep_run ((pgpstep_pipeline_t) (intptr_t) jpl, headers, &input,
                     &output, &ro, &res);
  if (err)
    throw_error (env, err, res, NULL, r.failure);
  else
    ret = result_headers (env, res);
  goto leave;

 fail:
  throw_error (env, err, NULL, "cannot start the run", NULL);

 leave:
  if (r.spool >= 0)
    close (r.spool);
  if (r.failure)
    (*env)->DeleteGlobalRef (env, r.failure);
  if (r.inbuf)
    (*env)->DeleteGlobalRef (env, r.inbuf);
  if (r.in)
    (*env)->DeleteGlobalRef (env, r.in);
  pgpstep_result_release (res);
  pgpstep_headers_release (headers);
  free (id);
  return ret;
}
