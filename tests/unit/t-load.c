/* t-load.c - load through the embedding API: 8 threads run messages of
 * mixed operations through shared pipelines (the real encrypt and
 * decrypt plugins, unprotected keys), every output is checked, and the
 * process's descriptors, threads and child processes are back to
 * their starting values afterwards.
 *
 * Messages per thread: 250; 40 with PGPSTEP_TEST_SANITIZERS=yes or
 * =thread, 4 under valgrind (PGPSTEP_TEST_VALGRIND); PGPSTEP_LOAD_MESSAGES
 * overrides.  Operations: encrypt then decrypt (binary), encrypt armored
 * then decrypt, sign+encrypt then decrypt requiring the signature, and
 * a decrypt of a message for another key that must fail with exit 29
 * and release nothing.
 */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pgpstep/host.h>

#define KEYS TEST_DATA_DIR "/keys"
#define ALICE "015ABD50EB712E873C6BB2B009037A2EDFD86C9F"
#define NTHREADS 8

static pgpstep_t host;
static pgpstep_pipeline_t p_enc, p_enc_armor, p_sign_enc, p_dec, p_dec_sig,
  p_enc_bob;
static unsigned int per_thread;
static char rtdir[64];

/* A growing memory buffer as a message's input or output.  */
struct membuf
{
  unsigned char *data;
  size_t len, size, pos;
};

static ssize_t
mem_read (void *handle, void *buffer, size_t size)
{
  struct membuf *m = handle;
  size_t n = m->len - m->pos;

  if (n > size)
    n = size;
  memcpy (buffer, m->data + m->pos, n);
  m->pos += n;
  return n;
}

static ssize_t
mem_write (void *handle, const void *buffer, size_t size)
{
  struct membuf *m = handle;
  unsigned char *tmp;

  if (m->len + size > m->size)
    {
      m->size = (m->len + size) * 2;
      tmp = realloc (m->data, m->size);
      if (!tmp)
        return -1;
      m->data = tmp;
    }
  memcpy (m->data + m->len, buffer, size);
  m->len += size;
  return size;
}

/* Run IN through PL into *OUT (reset first); return the error and
 * the result in *R_RES (may be NULL).  */
static gpg_error_t
run (pgpstep_pipeline_t pl, struct membuf *in, struct membuf *out,
     pgpstep_result_t *r_res)
{
  struct pgpstep_input input = { sizeof input, -1, in, mem_read };
  struct pgpstep_output output = { sizeof output, -1, out, mem_write, NULL,
                                   NULL };
  pgpstep_result_t res = NULL;
  gpg_error_t err;

  in->pos = 0;
  out->len = 0;
  err = pgpstep_run (pl, NULL, &input, &output, NULL, &res);
  if (r_res)
    *r_res = res;
  else
    pgpstep_result_release (res);
  return err;
}

struct worker
{
  unsigned int id;
  unsigned int done;
  char failure[512];
};

static void
set_failure (struct worker *w, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

static void
set_failure (struct worker *w, const char *fmt, ...)
{
  va_list ap;

  if (*w->failure)
    return;
  va_start (ap, fmt);
  vsnprintf (w->failure, sizeof w->failure, fmt, ap);
  va_end (ap);
}

static void *
work (void *arg)
{
  struct worker *w = arg;
  struct membuf plain = { 0 }, cipher = { 0 }, back = { 0 };
  pgpstep_result_t res = NULL;
  const char *status;
  unsigned int seed = 1234 + w->id, i, op;
  size_t size, k;
  gpg_error_t err;

  plain.data = malloc (300000);
  if (!plain.data)
    {
      set_failure (w, "out of memory");
      return NULL;
    }
  for (i = 0; i < per_thread && !*w->failure; i++)
    {
      op = rand_r (&seed) % 4;
      /* Mostly small messages, now and then an empty or a larger one.  */
      size = rand_r (&seed) % 8 ? rand_r (&seed) % 4096
        : rand_r (&seed) % 2 ? 0 : 300000;
      for (k = 0; k < size; k++)
        plain.data[k] = rand_r (&seed);
      plain.len = size;

      err = run (op == 0 ? p_enc : op == 1 ? p_enc_armor
                 : op == 2 ? p_sign_enc : p_enc_bob, &plain, &cipher, NULL);
      if (err)
        {
          set_failure (w, "thread %u message %u: encrypt (op %u): %s",
                       w->id, i, op, gpg_strerror (err));
          break;
        }
      if (op == 1 && (cipher.len < 27
                      || memcmp (cipher.data, "-----BEGIN PGP MESSAGE-----",
                                 27)))
        {
          set_failure (w, "thread %u message %u: not armored", w->id, i);
          break;
        }
      err = run (op == 2 ? p_dec_sig : p_dec, &cipher, &back, &res);
      if (op == 3)
        {
          /* For bob only: no secret key here, nothing released.  */
          if (gpg_err_code (err) != GPG_ERR_NO_SECKEY || back.len)
            set_failure (w, "thread %u message %u: decrypt for another"
                         " key: %s, %zu bytes out", w->id, i,
                         gpg_strerror (err), back.len);
        }
      else if (err)
        set_failure (w, "thread %u message %u: decrypt (op %u, %zu bytes"
                     " in %zu out): %s", w->id, i, op, size, cipher.len,
                     pgpstep_result_message (res));
      else if (back.len != plain.len
               || (size && memcmp (back.data, plain.data, size)))
        set_failure (w, "thread %u message %u: output differs (%zu of %zu"
                     " bytes)", w->id, i, back.len, plain.len);
      else if (op == 2
               && (!(status = pgpstep_headers_get
                     (pgpstep_result_headers (res), "pgp.signature.status"))
                   || strcmp (status, "valid")))
        set_failure (w, "thread %u message %u: signature status %s", w->id,
                     i, status ? status : "(none)");
      pgpstep_result_release (res);
      res = NULL;
      w->done++;
    }
  free (plain.data);
  free (cipher.data);
  free (back.data);
  return NULL;
}


static void *
no_op (void *arg)
{
  return arg;
}

/* Entries of a /proc directory of ours.  */
static int
count_dir (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  int n = 0;

  if (!d)
    return -1;
  while ((e = readdir (d)))
    if (*e->d_name != '.')
      n++;
  closedir (d);
  return n;
}

/* Processes whose parent is this process.  */
static int
count_children (void)
{
  DIR *d = opendir ("/proc");
  struct dirent *e;
  char file[64], buf[512], *p;
  FILE *fp;
  long ppid;
  int n = 0;

  if (!d)
    return -1;
  while ((e = readdir (d)))
    {
      if (*e->d_name < '1' || *e->d_name > '9')
        continue;
      snprintf (file, sizeof file, "/proc/%s/stat", e->d_name);
      if (!(fp = fopen (file, "r")))
        continue;
      if (fgets (buf, sizeof buf, fp)
          && (p = strrchr (buf, ')'))
          && sscanf (p + 2, "%*c %ld", &ppid) == 1 && ppid == getpid ())
        n++;
      fclose (fp);
    }
  closedir (d);
  return n;
}

static pgpstep_pipeline_t
load (const char *name, const char *body)
{
  pgpstep_pipeline_t pl = NULL;
  char *xml = NULL, *message = NULL;

  assert_true (asprintf (&xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<pipeline xmlns=\"urn:pgpstep:pipeline:1\""
                         " name=\"%s\">\n"
                         "<keyring name=\"alice\" secret=\"" KEYS
                         "/alice.sec.asc\"/>\n"
                         "<keyring name=\"bob\" public=\"" KEYS
                         "/bob.pub.asc\"/>\n%s</pipeline>\n",
                         name, body) > 0);
  if (pgpstep_pipeline_load_memory (host, name, xml, strlen (xml), &pl,
                                    &message))
    fail_msg ("loading %s: %s", name, message ? message : "?");
  free (xml);
  pgpstep_free (message);
  return pl;
}

static int
setup (void **state)
{
  struct pgpstep_options opt;
  const char *s;
  char *message = NULL;

  (void) state;
  if ((s = getenv ("PGPSTEP_LOAD_MESSAGES")))
    per_thread = atoi (s);
  else if (getenv ("PGPSTEP_TEST_VALGRIND"))
    per_thread = 4;
  else if ((s = getenv ("PGPSTEP_TEST_SANITIZERS")) && strcmp (s, "no"))
    per_thread = 40;
  else
    per_thread = 250;

  strcpy (rtdir, "/tmp/tl.XXXXXX");
  if (!mkdtemp (rtdir))
    return -1;
  memset (&opt, 0, sizeof opt);
  opt.struct_size = sizeof opt;
  opt.runtime_dir = rtdir;
  if (pgpstep_new (&host, &opt))
    return -1;
  if (pgpstep_load_plugins (host, BUILD_DIR "/plugins/encrypt/.libs:"
                            BUILD_DIR "/plugins/decrypt/.libs", &message))
    {
      fprintf (stderr, "loading plugins: %s\n", message ? message : "?");
      return -1;
    }
  p_enc = load ("enc", "<step type=\"encrypt\"><keyring>alice</keyring>"
                "<recipient>" ALICE "</recipient></step>\n");
  p_enc_armor = load ("enc-armor", "<step type=\"encrypt\">"
                      "<keyring>alice</keyring><recipient>" ALICE
                      "</recipient><armor>true</armor></step>\n");
  p_sign_enc = load ("sign-enc", "<step type=\"encrypt\">"
                     "<keyring>alice</keyring><recipient>" ALICE
                     "</recipient><sign-with>" ALICE "</sign-with>"
                     "</step>\n");
  p_enc_bob = load ("enc-bob", "<step type=\"encrypt\">"
                    "<keyring>bob</keyring><recipient>"
                    "<![CDATA[<bob@example.org>]]></recipient></step>\n");
  p_dec = load ("dec", "<step type=\"decrypt\"><keyring>alice</keyring>"
                "<signatures>ignore</signatures></step>\n");
  p_dec_sig = load ("dec-sig", "<step type=\"decrypt\">"
                    "<keyring>alice</keyring><allowed-signer>" ALICE
                    "</allowed-signer></step>\n");
  return 0;
}

static int
teardown (void **state)
{
  char cmd[128];

  (void) state;
  pgpstep_pipeline_release (p_enc);
  pgpstep_pipeline_release (p_enc_armor);
  pgpstep_pipeline_release (p_sign_enc);
  pgpstep_pipeline_release (p_enc_bob);
  pgpstep_pipeline_release (p_dec);
  pgpstep_pipeline_release (p_dec_sig);
  pgpstep_release (host);
  /* Every runtime home went with its pipeline.  */
  if (count_dir (rtdir) != 0)
    return -1;
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", rtdir);
  return system (cmd) ? -1 : 0;
}


static void
test_parallel_mixed_messages_all_correct_nothing_left (void **state)
{
  struct worker w[NTHREADS];
  pthread_t t[NTHREADS];
  int fds, threads, children;
  unsigned int i, total = 0;

  (void) state;
  memset (w, 0, sizeof w);
  /* ThreadSanitizer starts a thread of its own with the first
   * pthread_create: let that happen before the baseline.  */
  assert_int_equal (pthread_create (t, NULL, no_op, NULL), 0);
  pthread_join (t[0], NULL);
  fds = count_dir ("/proc/self/fd");
  threads = count_dir ("/proc/self/task");
  children = count_children ();

  for (i = 0; i < NTHREADS; i++)
    {
      w[i].id = i;
      assert_int_equal (pthread_create (t + i, NULL, work, w + i), 0);
    }
  for (i = 0; i < NTHREADS; i++)
    {
      pthread_join (t[i], NULL);
      if (*w[i].failure)
        fail_msg ("%s", w[i].failure);
      total += w[i].done;
    }
  assert_int_equal (total, NTHREADS * per_thread);
  print_message ("%u messages (x2 runs) on %d threads\n", total, NTHREADS);

  /* Nothing left behind by 2 x TOTAL runs.  */
  assert_int_equal (count_dir ("/proc/self/fd"), fds);
  assert_int_equal (count_dir ("/proc/self/task"), threads);
  assert_int_equal (count_children (), children);
}


int
main (void)
{
  static const struct CMUnitTest tests[] =
    {
      cmocka_unit_test (test_parallel_mixed_messages_all_correct_nothing_left),
    };

  return cmocka_run_group_tests (tests, setup, teardown);
}
