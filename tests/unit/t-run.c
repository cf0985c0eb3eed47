/* t-run.c - tests of pgpstep_run with the teststeps module linked in.
 *
 * Every test runs in a fixture that counts the process's descriptors
 * (/proc/self/fd) and threads (/proc/self/task) before and after and
 * checks that the spool directory is empty afterwards: no thread, fd
 * or spool file may survive a run, failed or not.
 *
 * T_RUN_BIG_MB sizes the big streaming test: 64 by default, 4 when
 * PGPSTEP_TEST_VALGRIND is set.  T_RUN_VERBOSE=1 shows the host log.
 */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pgpstep/host.h>
#include "ctx.h"
#include "loader.h"

#define MiB (1024 * 1024)


/*
 * Fixture
 */

static pgpstep_t host;
static char spool_dir[] = "/tmp/t-run-spool-XXXXXX";

/* What a test starts with.  */
struct baseline
{
  int fds;
  int threads;
};

static int
count_entries (const char *dir)
{
  DIR *d;
  struct dirent *e;
  int n = 0;

  d = opendir (dir);
  if (!d)
    return -1;
  while ((e = readdir (d)))
    if (e->d_name[0] != '.')
      n++;
  closedir (d);
  return n;
}

/* A joined thread may linger in /proc for a moment after join.  */
static int
settled_count (const char *dir, int want)
{
  int n = -1, i;

  for (i = 0; i < 200; i++)
    {
      n = count_entries (dir);
      if (n == want)
        break;
      usleep (5000);
    }
  return n;
}

/* The teststeps entry point, linked in from tests/plugins/teststeps.c.  */
gpg_error_t pgpstep_module_init (const struct pgpstep_host *h,
                                 const struct pgpstep_module **r_module);

/* A module of this file: "raw-cat" copies with plain read(2) and
 * write(2) on the descriptors, ignoring the callbacks and cancellation,
 * as a child process handed the descriptors would.  Only EOF and EPIPE
 * reach it.  */
static gpg_error_t
raw_create (const struct pgpstep_host *h, pgpstep_config_t cfg,
            void **r_state)
{
  (void) h;
  (void) cfg;
  *r_state = NULL;
  return 0;
}

static void
raw_destroy (void *state)
{
  (void) state;
}

static gpg_error_t
raw_process (void *state, pgpstep_message_t msg,
             struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  char buffer[65536];
  ssize_t n, m, off;

  (void) state;
  (void) msg;
  while ((n = read (source->fd, buffer, sizeof buffer)) > 0)
    for (off = 0; off < n; off += m)
      if ((m = write (sink->fd, buffer + off, n - off)) < 0)
        return gpg_error_from_syserror ();
  return n < 0 ? gpg_error_from_syserror () : 0;
}

static const struct pgpstep_param raw_params[] = {
  { 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL }
};

static const struct pgpstep_step raw_step = {
  sizeof (struct pgpstep_step), "raw-cat", "Copy with read/write on fds.",
  raw_params, PGPSTEP_STEP_NONE, raw_create, raw_process, raw_destroy
};

static const struct pgpstep_step *const raw_steps[] = { &raw_step, NULL };

static const struct pgpstep_module raw_module = {
  sizeof (struct pgpstep_module), PGPSTEP_ABI_MAJOR, PGPSTEP_ABI_MINOR,
  "t-run-raw", "1.0", "Steps of t-run.", raw_steps
};

static gpg_error_t
raw_init (const struct pgpstep_host *h, const struct pgpstep_module **r_mod)
{
  (void) h;
  *r_mod = &raw_module;
  return 0;
}

static void
new_host (pgpstep_t *r_host, const char *spool, int verbosity,
          pgpstep_log_cb_t log_cb, void *log_opaque)
{
  struct pgpstep_options opt;
  char *reason = NULL;

  memset (&opt, 0, sizeof opt);
  opt.struct_size = sizeof opt;
  opt.verbosity = getenv ("T_RUN_VERBOSE") ? PGPSTEP_LOG_DEBUG : verbosity;
  opt.log_cb = log_cb;
  opt.log_opaque = log_opaque;
  opt.spool_dir = spool;
  assert_int_equal (pgpstep_new (r_host, &opt), 0);
  if (loader_register_static (*r_host, "builtin:teststeps",
                              pgpstep_module_init, &reason))
    fail_msg ("registering teststeps: %s", reason ? reason : "?");
  free (reason);
  reason = NULL;
  if (loader_register_static (*r_host, "builtin:t-run-raw", raw_init,
                              &reason))
    fail_msg ("registering t-run-raw: %s", reason ? reason : "?");
  free (reason);
}

static void *
no_op (void *arg)
{
  return arg;
}

static int
group_setup (void **state)
{
  pthread_t t;

  (void) state;
  /* ThreadSanitizer starts a thread of its own with the first
   * pthread_create: let that happen before any thread baseline.  */
  if (!pthread_create (&t, NULL, no_op, NULL))
    pthread_join (t, NULL);
  if (!mkdtemp (spool_dir))
    return -1;
  new_host (&host, spool_dir, PGPSTEP_LOG_WARN, NULL, NULL);
  return 0;
}

static int
group_teardown (void **state)
{
  (void) state;
  pgpstep_release (host);
  rmdir (spool_dir);
  return 0;
}

static int
setup (void **state)
{
  static struct baseline base;

  base.fds = count_entries ("/proc/self/fd");
  base.threads = count_entries ("/proc/self/task");
  *state = &base;
  return 0;
}

static int
teardown (void **state)
{
  struct baseline *base = *state;

  assert_int_equal (settled_count ("/proc/self/fd", base->fds), base->fds);
  assert_int_equal (settled_count ("/proc/self/task", base->threads),
                    base->threads);
  assert_int_equal (count_entries (spool_dir), 0);
  return 0;
}


/*
 * Payload: a position-dependent pattern, so lost, doubled or
 * reordered bytes show.
 */

static unsigned char
pattern_at (uint64_t off)
{
  return (unsigned char) (off ^ (off >> 8) ^ ((off >> 16) * 31));
}

static void
fill_pattern (unsigned char *buf, uint64_t off, size_t len)
{
  size_t i;

  for (i = 0; i < len; i++)
    buf[i] = pattern_at (off + i);
}

static size_t
big_size (void)
{
  const char *s = getenv ("T_RUN_BIG_MB");

  if (s && atoi (s) > 0)
    return (size_t) atoi (s) * MiB;
  return (getenv ("PGPSTEP_TEST_VALGRIND") ? 4 : 64) * MiB;
}

/* An in-memory file holding SIZE bytes of pattern, positioned at 0.  */
static int
pattern_file (size_t size)
{
  unsigned char *buf = malloc (MiB);
  size_t off, n;
  int fd;

  assert_non_null (buf);
  fd = memfd_create ("t-run-input", MFD_CLOEXEC);
  assert_true (fd >= 0);
  for (off = 0; off < size; off += n)
    {
      n = size - off < MiB ? size - off : MiB;
      fill_pattern (buf, off, n);
      assert_int_equal (write (fd, buf, n), (ssize_t) n);
    }
  assert_int_equal (lseek (fd, 0, SEEK_SET), 0);
  free (buf);
  return fd;
}

static int
empty_file (void)
{
  int fd = memfd_create ("t-run-output", MFD_CLOEXEC);

  assert_true (fd >= 0);
  return fd;
}

/* Assert that FD holds exactly SIZE bytes of pattern.  */
static void
assert_pattern_file (int fd, size_t size)
{
  unsigned char *buf = malloc (MiB);
  struct stat st;
  size_t off, i;
  ssize_t n;

  assert_non_null (buf);
  assert_int_equal (fstat (fd, &st), 0);
  assert_int_equal (st.st_size, size);
  for (off = 0; off < size; off += n)
    {
      n = pread (fd, buf, MiB, off);
      assert_true (n > 0);
      for (i = 0; i < (size_t) n; i++)
        if (buf[i] != pattern_at (off + i))
          fail_msg ("byte %zu differs", off + i);
    }
  free (buf);
}

static off_t
file_size (int fd)
{
  struct stat st;

  assert_int_equal (fstat (fd, &st), 0);
  return st.st_size;
}


/*
 * Inputs and outputs with callbacks
 */

struct mem_input
{
  size_t size;
  size_t pos;
  size_t chunk;         /* Largest read; odd sizes stir the pumps.  */
  size_t fail_at;       /* Fail with EIO at this offset; 0: never.  */
  int reads;
};

static ssize_t
mem_read (void *handle, void *buffer, size_t size)
{
  struct mem_input *in = handle;
  size_t n = in->size - in->pos;

  in->reads++;
  if (in->fail_at && in->pos >= in->fail_at)
    {
      errno = EIO;
      return -1;
    }
  if (n > size)
    n = size;
  if (in->chunk && n > in->chunk)
    n = in->chunk;
  fill_pattern (buffer, in->pos, n);
  in->pos += n;
  return n;
}

/* An output checking the pattern as it comes, counting commit and
 * abort.  Used with an fd too (for commit/abort only).  */
struct mem_output
{
  uint64_t len;
  uint64_t bad_at;      /* First wrong byte + 1; 0: none.  */
  int commits;
  int aborts;
  gpg_error_t commit_err;
};

static ssize_t
mem_write (void *handle, const void *buffer, size_t size)
{
  struct mem_output *out = handle;
  const unsigned char *p = buffer;
  size_t i;

  for (i = 0; i < size; i++)
    if (!out->bad_at && p[i] != pattern_at (out->len + i))
      out->bad_at = out->len + i + 1;
  out->len += size;
  return size;
}

static gpg_error_t
mem_commit (void *handle)
{
  struct mem_output *out = handle;

  out->commits++;
  return out->commit_err;
}

static void
mem_abort (void *handle)
{
  struct mem_output *out = handle;

  out->aborts++;
}

static struct pgpstep_input
fd_input (int fd)
{
  struct pgpstep_input in;

  memset (&in, 0, sizeof in);
  in.struct_size = sizeof in;
  in.fd = fd;
  return in;
}

static struct pgpstep_input
cb_input (struct mem_input *mem)
{
  struct pgpstep_input in = fd_input (-1);

  in.handle = mem;
  in.read = mem_read;
  return in;
}

/* FD >= 0: write there; else to MEM's write callback.  Commit/abort
 * always go to MEM.  */
static struct pgpstep_output
make_output (int fd, struct mem_output *mem)
{
  struct pgpstep_output out;

  memset (&out, 0, sizeof out);
  out.struct_size = sizeof out;
  out.fd = fd;
  out.handle = mem;
  if (fd < 0)
    out.write = mem_write;
  out.commit = mem_commit;
  out.abort = mem_abort;
  return out;
}


/*
 * Pipelines
 */

static pgpstep_pipeline_t
load_on (pgpstep_t h, const char *steps)
{
  pgpstep_pipeline_t pl = NULL;
  char *xml, *message = NULL;
  gpg_error_t err;

  assert_true (asprintf (&xml, "<pipeline xmlns=\"urn:pgpstep:pipeline:1\""
                         " name=\"t\">%s</pipeline>", steps) > 0);
  err = pgpstep_pipeline_load_memory (h, "t-run", xml, strlen (xml), &pl,
                                      &message);
  if (err)
    fail_msg ("loading pipeline: %s: %s", gpg_strerror (err),
              message ? message : "");
  free (xml);
  free (message);
  return pl;
}

static pgpstep_pipeline_t
load (const char *steps)
{
  return load_on (host, steps);
}

static gpg_error_t
run_simple (pgpstep_pipeline_t pl, pgpstep_headers_t headers,
            const struct pgpstep_input *in, const struct pgpstep_output *out,
            unsigned int timeout_ms, pgpstep_result_t *r_result)
{
  struct pgpstep_run_options opt;

  memset (&opt, 0, sizeof opt);
  opt.struct_size = sizeof opt;
  opt.timeout_ms = timeout_ms;
  return pgpstep_run (pl, headers, in, out, &opt, r_result);
}

/* Run PL from an input file of SIZE pattern bytes into an output file,
 * expect success and the same bytes out.  */
static void
run_file_to_file (pgpstep_pipeline_t pl, size_t size)
{
  struct mem_output mem = { 0 };
  struct pgpstep_input in;
  struct pgpstep_output out;
  pgpstep_result_t res = NULL;
  int ifd = pattern_file (size);
  int ofd = empty_file ();

  in = fd_input (ifd);
  out = make_output (ofd, &mem);
  if (run_simple (pl, NULL, &in, &out, 0, &res))
    fail_msg ("run failed: %s", pgpstep_result_message (res));
  assert_non_null (res);
  assert_int_equal (pgpstep_result_error (res), 0);
  assert_null (pgpstep_result_message (res));
  assert_null (pgpstep_result_step (res));
  assert_int_equal (mem.commits, 1);
  assert_int_equal (mem.aborts, 0);
  assert_pattern_file (ofd, size);
  pgpstep_result_release (res);
  close (ifd);
  close (ofd);
}


/*
 * Tests
 */

static void
single_cat_copies_input_to_output (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"cat\"/>");

  (void) state;
  run_file_to_file (pl, MiB + 123);
  run_file_to_file (pl, 0);
  pgpstep_pipeline_release (pl);
}

static void
three_cats_stream_big_input_exactly (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"cat\"/><step type=\"cat\"/>"
                                "<step type=\"cat\"/>");

  (void) state;
  run_file_to_file (pl, big_size () + 17);
  pgpstep_pipeline_release (pl);
}

static void
callback_input_and_output_are_pumped (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"cat\"/><step type=\"cat\"/>");
  struct mem_input min = { 3 * MiB + 7, 0, 10007, 0, 0 };
  struct mem_output mout = { 0 };
  struct pgpstep_input in = cb_input (&min);
  struct pgpstep_output out = make_output (-1, &mout);
  pgpstep_result_t res = NULL;

  (void) state;
  assert_int_equal (run_simple (pl, NULL, &in, &out, 0, &res), 0);
  assert_int_equal (pgpstep_result_error (res), 0);
  assert_int_equal (mout.len, min.size);
  assert_int_equal (mout.bad_at, 0);
  assert_int_equal (mout.commits, 1);
  assert_int_equal (mout.aborts, 0);
  pgpstep_result_release (res);
  pgpstep_pipeline_release (pl);
}

static void
failing_step_reports_code_step_key_and_text_and_aborts (void **state)
{
  pgpstep_pipeline_t pl = load
    ("<step type=\"cat\"/>"
     "<step type=\"fail\" id=\"f\"><after>1000</after><code>io</code>"
     "<message>disk on fire</message><key>k1</key></step>"
     "<step type=\"cat\"/>");
  struct mem_input min = { 2 * MiB, 0, 0, 0, 0 };
  struct mem_output mout = { 0 };
  struct pgpstep_input in = cb_input (&min);
  struct pgpstep_output out = make_output (-1, &mout);
  pgpstep_result_t res = NULL;
  gpg_error_t err;

  (void) state;
  err = run_simple (pl, NULL, &in, &out, 0, &res);
  assert_int_equal (gpg_err_code (err), GPG_ERR_EIO);
  assert_int_equal (pgpstep_result_error (res), err);
  assert_string_equal (pgpstep_result_step (res), "f");
  assert_string_equal (pgpstep_result_key (res), "k1");
  assert_string_equal (pgpstep_result_message (res),
                       "step 'f': disk on fire");
  assert_int_equal (mout.commits, 0);
  assert_int_equal (mout.aborts, 1);
  /* Tentative bytes reach the output at most up to the failure.  */
  assert_true (mout.len <= 1000);
  assert_int_equal (mout.bad_at, 0);
  pgpstep_result_release (res);
  pgpstep_pipeline_release (pl);
}

static void
failing_step_with_defaults_reports_default_text_and_no_key (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"fail\" id=\"f\">"
                                "<code>no-seckey</code></step>");
  struct mem_output mout = { 0 };
  struct pgpstep_input in;
  struct pgpstep_output out = make_output (-1, &mout);
  pgpstep_result_t res = NULL;
  int ifd = pattern_file (10);

  (void) state;
  in = fd_input (ifd);
  assert_int_equal (gpg_err_code (run_simple (pl, NULL, &in, &out, 0, &res)),
                    GPG_ERR_NO_SECKEY);
  /* The step gave its default text and no key.  */
  assert_string_equal (pgpstep_result_message (res),
                       "step 'f': test failure");
  assert_null (pgpstep_result_key (res));
  pgpstep_result_release (res);
  pgpstep_pipeline_release (pl);
  close (ifd);
}

/* spool-cat cannot open its spool in a directory that does not exist
 * and returns the error without calling the error service.  */
static void
step_error_without_detail_reports_strerror (void **state)
{
  pgpstep_t h2;
  pgpstep_pipeline_t pl;
  struct mem_input min = { 1000, 0, 0, 0, 0 };
  struct mem_output mout = { 0 };
  struct pgpstep_input in = cb_input (&min);
  struct pgpstep_output out = make_output (-1, &mout);
  pgpstep_result_t res = NULL;

  (void) state;
  new_host (&h2, "/nonexistent/t-run-spool", -1 /* quiet */,
            NULL, NULL);
  pl = load_on (h2, "<step type=\"spool-cat\" id=\"s\"/>"
                "<step type=\"cat\"/>");
  assert_int_equal (gpg_err_code (run_simple (pl, NULL, &in, &out, 0, &res)),
                    GPG_ERR_ENOENT);
  assert_string_equal (pgpstep_result_message (res),
                       "step 's': No such file or directory");
  assert_null (pgpstep_result_key (res));
  assert_int_equal (mout.aborts, 1);
  pgpstep_result_release (res);
  pgpstep_pipeline_release (pl);
  pgpstep_release (h2);
}

/* Upstream cats see EPIPE (or ECANCELED) after the last step failed;
 * the result must be the last step's error.  Repeated because the
 * order of events differs from run to run.  */
static void
error_of_last_step_wins_over_upstream_epipe (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"cat\"/><step type=\"cat\"/>"
                                "<step type=\"fail\" id=\"last\">"
                                "<after>70000</after>"
                                "<code>bad-signature</code></step>");
  int ifd = pattern_file (8 * MiB);
  int i;

  (void) state;
  for (i = 0; i < 20; i++)
    {
      struct mem_output mout = { 0 };
      struct pgpstep_input in = fd_input (ifd);
      struct pgpstep_output out = make_output (-1, &mout);
      pgpstep_result_t res = NULL;

      assert_int_equal (lseek (ifd, 0, SEEK_SET), 0);
      assert_int_equal (gpg_err_code (run_simple (pl, NULL, &in, &out, 0,
                                                  &res)),
                        GPG_ERR_BAD_SIGNATURE);
      assert_string_equal (pgpstep_result_step (res), "last");
      assert_int_equal (mout.aborts, 1);
      pgpstep_result_release (res);
    }
  pgpstep_pipeline_release (pl);
  close (ifd);
}

/* Steps using the descriptors directly get a real EPIPE (SIGPIPE is
 * blocked in step threads, or this test would die) or EOF.  */
static void
errors_seen_by_descriptor_users_are_secondary (void **state)
{
  pgpstep_pipeline_t last = load ("<step type=\"raw-cat\"/>"
                                  "<step type=\"raw-cat\"/>"
                                  "<step type=\"fail\" id=\"f\">"
                                  "<after>70000</after></step>");
  pgpstep_pipeline_t first = load ("<step type=\"fail\" id=\"f\">"
                                   "<after>70000</after></step>"
                                   "<step type=\"raw-cat\"/>"
                                   "<step type=\"raw-cat\"/>");
  pgpstep_pipeline_t pl;
  int ifd = pattern_file (8 * MiB);
  int ofd = empty_file ();
  int i;

  (void) state;
  for (i = 0; i < 20; i++)
    {
      struct mem_output mout = { 0 };
      struct pgpstep_input in = fd_input (ifd);
      struct pgpstep_output out = make_output (ofd, &mout);
      pgpstep_result_t res = NULL;

      pl = i % 2 ? first : last;
      assert_int_equal (lseek (ifd, 0, SEEK_SET), 0);
      assert_int_equal (gpg_err_code (run_simple (pl, NULL, &in, &out, 0,
                                                  &res)),
                        GPG_ERR_BAD_DATA);
      assert_string_equal (pgpstep_result_step (res), "f");
      assert_int_equal (mout.aborts, 1);
      pgpstep_result_release (res);
    }
  pgpstep_pipeline_release (first);
  pgpstep_pipeline_release (last);
  close (ifd);
  close (ofd);
}

/* Downstream steps see EOF or ECANCELED after the first one failed.  */
static void
error_of_first_step_wins_over_downstream_eof (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"fail\" id=\"first\">"
                                "<after>5000</after></step>"
                                "<step type=\"cat\"/><step type=\"cat\"/>");
  int ifd = pattern_file (MiB);
  int i;

  (void) state;
  for (i = 0; i < 20; i++)
    {
      struct mem_output mout = { 0 };
      struct pgpstep_input in = fd_input (ifd);
      struct pgpstep_output out = make_output (-1, &mout);
      pgpstep_result_t res = NULL;

      assert_int_equal (lseek (ifd, 0, SEEK_SET), 0);
      assert_int_equal (gpg_err_code (run_simple (pl, NULL, &in, &out, 0,
                                                  &res)),
                        GPG_ERR_BAD_DATA);
      assert_string_equal (pgpstep_result_step (res), "first");
      assert_int_equal (mout.commits, 0);
      pgpstep_result_release (res);
    }
  pgpstep_pipeline_release (pl);
  close (ifd);
}

static void
spool_in_the_middle_releases_everything_after_success (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"cat\"/>"
                                "<step type=\"spool-cat\"/>"
                                "<step type=\"cat\"/>");

  (void) state;
  run_file_to_file (pl, 4 * MiB + 1);
  run_file_to_file (pl, 0);
  pgpstep_pipeline_release (pl);
}

static void
spool_in_the_middle_passes_nothing_on_failure (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"cat\"/>"
                                "<step type=\"spool-cat\" id=\"s\">"
                                "<fail-at-end>true</fail-at-end></step>"
                                "<step type=\"set-header\"><name>seen</name>"
                                "<value>yes</value></step>");
  struct mem_output mout = { 0 };
  struct pgpstep_input in;
  struct pgpstep_output out;
  pgpstep_result_t res = NULL;
  int ifd = pattern_file (3 * MiB);
  int ofd = empty_file ();

  (void) state;
  in = fd_input (ifd);
  out = make_output (ofd, &mout);
  assert_int_equal (gpg_err_code (run_simple (pl, NULL, &in, &out, 0, &res)),
                    GPG_ERR_BAD_DATA);
  assert_string_equal (pgpstep_result_step (res), "s");
  assert_string_equal (pgpstep_result_message (res),
                       "step 's': spooled data rejected");
  /* Not one byte went downstream, and the step there did not finish.  */
  assert_int_equal (file_size (ofd), 0);
  assert_null (pgpstep_headers_get (pgpstep_result_headers (res), "seen"));
  assert_int_equal (mout.aborts, 1);
  assert_int_equal (mout.commits, 0);
  pgpstep_result_release (res);
  pgpstep_pipeline_release (pl);
  close (ifd);
  close (ofd);
}

/* A spool directory that does not exist proves that no spool file is
 * made when the spooling step is the last one.  */
static void
spool_in_the_last_step_is_the_sink_itself (void **state)
{
  pgpstep_t h2;
  pgpstep_pipeline_t ok, bad;
  struct mem_input min = { 2 * MiB + 5, 0, 0, 0, 0 };
  struct mem_output mout = { 0 };
  struct pgpstep_input in = cb_input (&min);
  struct pgpstep_output out = make_output (-1, &mout);
  pgpstep_result_t res = NULL;

  (void) state;
  new_host (&h2, "/nonexistent/t-run-spool", PGPSTEP_LOG_WARN, NULL, NULL);
  ok = load_on (h2, "<step type=\"cat\"/><step type=\"spool-cat\"/>");
  bad = load_on (h2, "<step type=\"cat\"/><step type=\"spool-cat\" id=\"s\">"
                 "<fail-at-end>true</fail-at-end></step>");

  assert_int_equal (run_simple (ok, NULL, &in, &out, 0, &res), 0);
  assert_int_equal (mout.len, min.size);
  assert_int_equal (mout.bad_at, 0);
  assert_int_equal (mout.commits, 1);
  pgpstep_result_release (res);

  /* On failure the bytes went to the tentative sink, which is aborted. */
  memset (&mout, 0, sizeof mout);
  min.pos = 0;
  assert_int_equal (gpg_err_code (run_simple (bad, NULL, &in, &out, 0,
                                              &res)),
                    GPG_ERR_BAD_DATA);
  assert_int_equal (mout.commits, 0);
  assert_int_equal (mout.aborts, 1);
  pgpstep_result_release (res);

  pgpstep_pipeline_release (ok);
  pgpstep_pipeline_release (bad);
  pgpstep_release (h2);
}

/* The first cat waits on a pipe nobody writes to, the middle step
 * never reads: only cancellation ends this run.  */
static void
deadline_cancels_stalled_steps_promptly (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"cat\"/><step type=\"stall\"/>"
                                "<step type=\"cat\"/>");
  struct mem_output mout = { 0 };
  struct pgpstep_input in;
  struct pgpstep_output out;
  pgpstep_result_t res = NULL;
  struct timespec t0, t1;
  long ms;
  int p[2];

  (void) state;
  assert_int_equal (pipe2 (p, O_CLOEXEC), 0);
  in = fd_input (p[0]);
  out = make_output (-1, &mout);
  clock_gettime (CLOCK_MONOTONIC, &t0);
  assert_int_equal (gpg_err_code (run_simple (pl, NULL, &in, &out, 200,
                                              &res)),
                    GPG_ERR_TIMEOUT);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  assert_true (ms >= 190);
  assert_true (ms < 5000);
  assert_string_equal (pgpstep_result_message (res),
                       "deadline of 200 ms exceeded");
  assert_null (pgpstep_result_step (res));
  assert_int_equal (mout.aborts, 1);
  assert_int_equal (mout.commits, 0);
  pgpstep_result_release (res);
  pgpstep_pipeline_release (pl);
  close (p[0]);
  close (p[1]);
}

static void
deadline_not_reached_changes_nothing (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"cat\"/>");
  struct mem_input min = { MiB, 0, 0, 0, 0 };
  struct mem_output mout = { 0 };
  struct pgpstep_input in = cb_input (&min);
  struct pgpstep_output out = make_output (-1, &mout);
  pgpstep_result_t res = NULL;

  (void) state;
  assert_int_equal (run_simple (pl, NULL, &in, &out, 60000, &res), 0);
  assert_int_equal (mout.len, MiB);
  assert_int_equal (mout.commits, 1);
  pgpstep_result_release (res);
  pgpstep_pipeline_release (pl);
}

static const char header_pipeline[] =
  "<step type=\"cat\"/>"
  "<step type=\"set-header\" id=\"h\"><name>out</name>"
  "<value>${header.in}</value></step>";

static void
header_reference_resolves_into_result_header (void **state)
{
  pgpstep_pipeline_t pl = load (header_pipeline);
  pgpstep_headers_t headers;
  struct mem_input min = { 1000, 0, 0, 0, 0 };
  struct mem_output mout = { 0 };
  struct pgpstep_input in = cb_input (&min);
  struct pgpstep_output out = make_output (-1, &mout);
  pgpstep_result_t res = NULL;

  (void) state;
  assert_int_equal (pgpstep_headers_new (&headers), 0);
  assert_int_equal (pgpstep_headers_set (headers, "in", "hello world"), 0);
  assert_int_equal (run_simple (pl, headers, &in, &out, 0, &res), 0);
  assert_string_equal (pgpstep_headers_get (pgpstep_result_headers (res),
                                            "out"), "hello world");
  assert_int_equal (mout.len, 1000);
  pgpstep_result_release (res);
  pgpstep_headers_release (headers);
  pgpstep_pipeline_release (pl);
}

static void
missing_header_fails_before_anything_runs (void **state)
{
  pgpstep_pipeline_t pl = load (header_pipeline);
  pgpstep_headers_t headers;
  struct mem_input min = { 1000, 0, 0, 0, 0 };
  struct mem_output mout = { 0 };
  struct pgpstep_input in = cb_input (&min);
  struct pgpstep_output out = make_output (-1, &mout);
  pgpstep_result_t res = NULL;
  int pass;

  (void) state;
  assert_int_equal (pgpstep_headers_new (&headers), 0);
  assert_int_equal (pgpstep_headers_set (headers, "other", "x"), 0);
  /* Once with a header set lacking it, once without any headers.  */
  for (pass = 0; pass < 2; pass++)
    {
      assert_int_equal (gpg_err_code (run_simple (pl, pass ? NULL : headers,
                                                  &in, &out, 0, &res)),
                        GPG_ERR_MISSING_VALUE);
      assert_string_equal (pgpstep_result_message (res),
                           "step 'h': parameter 'value': input header 'in'"
                           " is missing");
      assert_string_equal (pgpstep_result_step (res), "h");
      assert_string_equal (pgpstep_result_key (res), "value");
      pgpstep_result_release (res);
    }
  assert_int_equal (min.reads, 0);
  assert_int_equal (mout.len, 0);
  assert_int_equal (mout.commits, 0);
  assert_int_equal (mout.aborts, 2);
  pgpstep_headers_release (headers);
  pgpstep_pipeline_release (pl);
}

static void
header_value_is_type_checked (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"typed\" id=\"t\">"
                                "<needed>x</needed>"
                                "<key>${header.k}</key></step>");
  pgpstep_headers_t headers;
  struct mem_input min = { 10, 0, 0, 0, 0 };
  struct mem_output mout = { 0 };
  struct pgpstep_input in = cb_input (&min);
  struct pgpstep_output out = make_output (-1, &mout);
  pgpstep_result_t res = NULL;
  const char *msg;

  (void) state;
  assert_int_equal (pgpstep_headers_new (&headers), 0);

  /* A key ID is no way to name a key.  */
  assert_int_equal (pgpstep_headers_set (headers, "k", "DEADBEEFDEADBEEF"),
                    0);
  assert_int_equal (gpg_err_code (run_simple (pl, headers, &in, &out, 0,
                                              &res)),
                    GPG_ERR_INV_VALUE);
  msg = pgpstep_result_message (res);
  assert_non_null (msg);
  assert_non_null (strstr (msg, "step 't': parameter 'key'"));
  assert_non_null (strstr (msg, "input header 'k'"));
  assert_non_null (strstr (msg, "fingerprint"));
  assert_int_equal (min.reads, 0);
  assert_int_equal (mout.aborts, 1);
  pgpstep_result_release (res);

  /* A fingerprint passes, normalised.  */
  assert_int_equal (pgpstep_headers_set
                    (headers, "k",
                     "0xabcdef0123456789abcdef0123456789abcdef01"), 0);
  assert_int_equal (run_simple (pl, headers, &in, &out, 0, &res), 0);
  assert_string_equal (pgpstep_headers_get (pgpstep_result_headers (res),
                                            "typed.key"),
                       "ABCDEF0123456789ABCDEF0123456789ABCDEF01");
  pgpstep_result_release (res);

  pgpstep_headers_release (headers);
  pgpstep_pipeline_release (pl);
}

static void
typed_step_takes_a_value_of_every_type (void **state)
{
  pgpstep_pipeline_t pl = load
    ("<step type=\"typed\"><text>t</text><flag>yes</flag><count>10</count>"
     "<choice>blue</choice><key>&lt;a@example.org&gt;</key>"
     "<list>a</list><list>b</list><needed>n</needed><size>4K</size>"
     "<when>2024-01-02</when><secret>env:T_RUN_NONE</secret></step>");
  struct mem_input min = { 10, 0, 0, 0, 0 };
  struct mem_output mout = { 0 };
  struct pgpstep_input in = cb_input (&min);
  struct pgpstep_output out = make_output (-1, &mout);
  pgpstep_result_t res = NULL;

  (void) state;
  assert_int_equal (run_simple (pl, NULL, &in, &out, 0, &res), 0);
  assert_string_equal (pgpstep_headers_get (pgpstep_result_headers (res),
                                            "typed.key"),
                       "<a@example.org>");
  assert_int_equal (mout.len, 10);
  pgpstep_result_release (res);
  pgpstep_pipeline_release (pl);
}

static void
commit_error_becomes_result_error (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"cat\"/>");
  struct mem_input min = { 100, 0, 0, 0, 0 };
  struct mem_output mout = { 0 };
  struct pgpstep_input in = cb_input (&min);
  struct pgpstep_output out = make_output (-1, &mout);
  pgpstep_result_t res = NULL;

  (void) state;
  mout.commit_err = gpg_error (GPG_ERR_ENOSPC);
  assert_int_equal (gpg_err_code (run_simple (pl, NULL, &in, &out, 0, &res)),
                    GPG_ERR_ENOSPC);
  assert_non_null (strstr (pgpstep_result_message (res),
                           "committing the output"));
  assert_int_equal (mout.commits, 1);
  assert_int_equal (mout.aborts, 0);
  pgpstep_result_release (res);
  pgpstep_pipeline_release (pl);
}

static void
input_read_error_fails_the_message (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"cat\"/><step type=\"cat\"/>");
  struct mem_input min = { 4 * MiB, 0, 4096, MiB, 0 };
  struct mem_output mout = { 0 };
  struct pgpstep_input in = cb_input (&min);
  struct pgpstep_output out = make_output (-1, &mout);
  pgpstep_result_t res = NULL;

  (void) state;
  assert_int_equal (gpg_err_code (run_simple (pl, NULL, &in, &out, 0, &res)),
                    GPG_ERR_EIO);
  assert_null (pgpstep_result_step (res));
  assert_non_null (strstr (pgpstep_result_message (res),
                           "reading the input"));
  assert_int_equal (mout.aborts, 1);
  pgpstep_result_release (res);
  pgpstep_pipeline_release (pl);
}

static void
run_refuses_output_without_fd_or_callback (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"cat\"/>");
  struct mem_input min = { 100, 0, 0, 0, 0 };
  struct mem_output mout = { 0 };
  struct pgpstep_input in = cb_input (&min);
  struct pgpstep_output out = make_output (-1, &mout);
  pgpstep_result_t res = NULL;

  (void) state;
  out.write = NULL;
  assert_int_equal (gpg_err_code (run_simple (pl, NULL, &in, &out, 0, &res)),
                    GPG_ERR_INV_ARG);
  assert_non_null (res);
  assert_int_equal (mout.aborts, 1);
  assert_int_equal (min.reads, 0);
  pgpstep_result_release (res);
  pgpstep_pipeline_release (pl);
}

struct worker
{
  pgpstep_pipeline_t pl;
  int failures;
};

static void *
worker_thread (void *arg)
{
  struct worker *w = arg;
  int i;

  for (i = 0; i < 3; i++)
    {
      struct mem_input min = { 2 * MiB + i, 0, 30000, 0, 0 };
      struct mem_output mout = { 0 };
      struct pgpstep_input in = cb_input (&min);
      struct pgpstep_output out = make_output (-1, &mout);
      pgpstep_result_t res = NULL;

      if (run_simple (w->pl, NULL, &in, &out, 0, &res)
          || mout.len != min.size || mout.bad_at || mout.commits != 1
          || !pgpstep_headers_get (pgpstep_result_headers (res), "done"))
        w->failures++;
      pgpstep_result_release (res);
    }
  return NULL;
}

static void
concurrent_runs_share_one_pipeline (void **state)
{
  pgpstep_pipeline_t pl = load ("<step type=\"cat\"/>"
                                "<step type=\"spool-cat\"/>"
                                "<step type=\"set-header\"><name>done</name>"
                                "<value>yes</value></step>");
  struct worker w[4];
  pthread_t t[4];
  int i;

  (void) state;
  for (i = 0; i < 4; i++)
    {
      w[i].pl = pl;
      w[i].failures = 0;
      assert_int_equal (pthread_create (t + i, NULL, worker_thread, w + i),
                        0);
    }
  for (i = 0; i < 4; i++)
    {
      pthread_join (t[i], NULL);
      assert_int_equal (w[i].failures, 0);
    }
  pgpstep_pipeline_release (pl);
}

struct log_capture
{
  pthread_mutex_t lock;
  char text[4096];
};

static void
capture_log (void *opaque, int level, const char *step, const char *text)
{
  struct log_capture *cap = opaque;
  size_t used;

  (void) step;
  if (level != PGPSTEP_LOG_INFO)
    return;
  pthread_mutex_lock (&cap->lock);
  used = strlen (cap->text);
  snprintf (cap->text + used, sizeof cap->text - used, "%s\n", text);
  pthread_mutex_unlock (&cap->lock);
}

static void
outcome_is_logged_once_without_payload (void **state)
{
  static struct log_capture cap = { PTHREAD_MUTEX_INITIALIZER, "" };
  static const char payload[] = "PAYLOAD-BYTES-NEVER-LOGGED";
  struct pgpstep_run_options opt;
  pgpstep_t h2;
  pgpstep_pipeline_t pl;
  struct mem_output mout = { 0 };
  struct pgpstep_input in;
  struct pgpstep_output out;
  pgpstep_result_t res = NULL;
  int ifd = empty_file ();
  int ofd = empty_file ();

  (void) state;
  assert_int_equal (write (ifd, payload, sizeof payload), sizeof payload);
  assert_int_equal (lseek (ifd, 0, SEEK_SET), 0);
  new_host (&h2, spool_dir, PGPSTEP_LOG_INFO, capture_log, &cap);
  pl = load_on (h2, "<step type=\"cat\"/><step type=\"cat\"/>");
  memset (&opt, 0, sizeof opt);
  opt.struct_size = sizeof opt;
  opt.message_id = "m-42";
  in = fd_input (ifd);
  out = make_output (ofd, &mout);
  assert_int_equal (pgpstep_run (pl, NULL, &in, &out, &opt, &res), 0);
  pgpstep_result_release (res);

  assert_non_null (strstr (cap.text, "message m-42: "));
  assert_non_null (strstr (cap.text, ": ok\n"));
  assert_non_null (strstr (cap.text, "27 bytes in, 27 bytes out"));
  assert_null (strstr (cap.text, payload));
  assert_null (strstr (strstr (cap.text, "message m-42: ") + 1,
                       "message m-42: "));
  pgpstep_pipeline_release (pl);
  pgpstep_release (h2);
  close (ifd);
  close (ofd);
}

static void
create_failure_refuses_the_pipeline (void **state)
{
  static const char xml[] =
    "<pipeline xmlns=\"urn:pgpstep:pipeline:1\">"
    "<step type=\"create-fail\"><reason>nope</reason></step></pipeline>";
  pgpstep_pipeline_t pl = NULL;
  char *message = NULL;

  (void) state;
  assert_int_equal (gpg_err_code (pgpstep_pipeline_load_memory
                                  (host, "cf", xml, strlen (xml), &pl,
                                   &message)),
                    GPG_ERR_CONFIGURATION);
  assert_null (pl);
  assert_non_null (message);
  assert_non_null (strstr (message, "create refused: nope"));
  free (message);
}


int
main (void)
{
#define T(f) cmocka_unit_test_setup_teardown (f, setup, teardown)
  const struct CMUnitTest tests[] = {
    T (single_cat_copies_input_to_output),
    T (three_cats_stream_big_input_exactly),
    T (callback_input_and_output_are_pumped),
    T (failing_step_reports_code_step_key_and_text_and_aborts),
    T (failing_step_with_defaults_reports_default_text_and_no_key),
    T (step_error_without_detail_reports_strerror),
    T (error_of_last_step_wins_over_upstream_epipe),
    T (error_of_first_step_wins_over_downstream_eof),
    T (errors_seen_by_descriptor_users_are_secondary),
    T (spool_in_the_middle_releases_everything_after_success),
    T (spool_in_the_middle_passes_nothing_on_failure),
    T (spool_in_the_last_step_is_the_sink_itself),
    T (deadline_cancels_stalled_steps_promptly),
    T (deadline_not_reached_changes_nothing),
    T (header_reference_resolves_into_result_header),
    T (missing_header_fails_before_anything_runs),
    T (header_value_is_type_checked),
    T (typed_step_takes_a_value_of_every_type),
    T (commit_error_becomes_result_error),
    T (input_read_error_fails_the_message),
    T (run_refuses_output_without_fd_or_callback),
    T (concurrent_runs_share_one_pipeline),
    T (outcome_is_logged_once_without_payload),
    T (create_failure_refuses_the_pipeline),
  };
#undef T

  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
