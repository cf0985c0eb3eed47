/* t-gpgrun.c - the gpg runner against the real gpg and against fake
 * gpg scripts that misbehave on purpose.
 *
 * Every test gets a throwaway GnuPG home under /tmp (short: the agent
 * socket path is limited) with alice's and bob's secret keys, and
 * every run checks that no descriptor and no child is left over.  */
#include <config.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../plugins/openpgp/gpgrun.h"
#include "procfs.h"

#define DATA TEST_DATA_DIR "/gpgrun/"
#define ALICE_FPR "015ABD50EB712E873C6BB2B009037A2EDFD86C9F"
#define BOB_FPR   "37213D1976A23E2625719E022975619AFF1CDD85"
#define BOB_PASS  "bob passphrase"
#define SYM_PASS  "correct horse"

struct home
{
  char dir[64];
};

/* What the callbacks saw, and how they behave.  */
struct ctx
{
  char **lines;
  size_t n_lines;
  const char *fail_on;          /* Status keyword whose line fails...  */
  gpg_error_t fail_err;         /* ...with this error.  */
  int cancel_on_write;          /* Write a byte here on fail_on instead.  */

  const char *key_pass;         /* Answer for NEED_PASSPHRASE.  */
  const char *sym_pass;         /* Answer for NEED_PASSPHRASE_SYM.  */
  gpg_error_t pass_err;         /* Error instead of an answer.  */
  int n_prompts;
  char keyid[4][17];            /* "" for a symmetric prompt.  */
  char main_keyid[4][17];
};


/*
 * Helpers
 */

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
count_fds (void)
{
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *d;
  int n = 0;

  assert_non_null (dir);
  while ((d = readdir (dir)))
    if (d->d_name[0] != '.')
      n++;
  closedir (dir);
  return n - 1;                 /* The directory's own descriptor.  */
}

/* Pids of processes whose command line mentions NEEDLE (but not us).  */
static int
find_procs (const char *needle, pid_t *pids, int max)
{
  DIR *dir = opendir ("/proc");
  struct dirent *d;
  char path[64], buf[4096];
  int n = 0;
  ssize_t len, i;

  assert_non_null (dir);
  while ((d = readdir (dir)) && n < max)
    {
      if (d->d_name[0] < '1' || d->d_name[0] > '9'
          || atoi (d->d_name) == getpid ())
        continue;
      snprintf (path, sizeof path, "/proc/%d/cmdline", atoi (d->d_name));
      if ((len = procfs_read (path, buf, sizeof buf)) <= 0)
        continue;
      for (i = 0; i < len; i++)
        if (!buf[i])
          buf[i] = ' ';
      if (strstr (buf, needle))
        pids[n++] = atoi (d->d_name);
    }
  closedir (dir);
  return n;
}

/* True if PID is gone or a zombie (our container's init may be slow
 * to reap what it inherits).  */
static int
process_gone (pid_t pid)
{
  char path[64], buf[256], *p;

  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  if (procfs_read (path, buf, sizeof buf) <= 0)
    return 1;
  p = strrchr (buf, ')');
  return p && p[1] == ' ' && p[2] == 'Z';
}

static void
wait_gone (pid_t pid)
{
  int i;

  for (i = 0; i < 200 && !process_gone (pid); i++)
    usleep (10000);
  if (!process_gone (pid))
    fail_msg ("process %d survived the run", (int) pid);
}

static char *
read_file (const char *path, size_t *r_len)
{
  FILE *fp = fopen (path, "rbe");
  char *buf;
  long len;

  if (!fp)
    return NULL;
  fseek (fp, 0, SEEK_END);
  len = ftell (fp);
  fseek (fp, 0, SEEK_SET);
  buf = malloc (len + 1);
  assert_non_null (buf);
  assert_int_equal (fread (buf, 1, len, fp), (size_t) len);
  buf[len] = 0;
  fclose (fp);
  if (r_len)
    *r_len = len;
  return buf;
}

static void
assert_same_files (const char *a, const char *b)
{
  size_t alen, blen;
  char *abuf = read_file (a, &alen);
  char *bbuf = read_file (b, &blen);

  assert_non_null (abuf);
  assert_non_null (bbuf);
  assert_int_equal (alen, blen);
  assert_memory_equal (abuf, bbuf, alen);
  free (abuf);
  free (bbuf);
}

static char *
home_path (const struct home *h, const char *name)
{
  char *path;

  assert_true (asprintf (&path, "%s/%s", h->dir, name) > 0);
  return path;
}

static int
open_in (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    fail_msg ("open %s: %s", path, strerror (errno));
  return fd;
}

static int
open_out (const char *path)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  if (fd < 0)
    fail_msg ("create %s: %s", path, strerror (errno));
  return fd;
}

/* Write an executable fake gpg NAME into the home.  It sees the
 * home as $2 (the runner passes --homedir first), status on fd 3 and
 * commands on fd 4.  */
static char *
fake_gpg (const struct home *h, const char *name, const char *body)
{
  char *path = home_path (h, name);
  FILE *fp = fopen (path, "we");

  assert_non_null (fp);
  fprintf (fp, "#!/bin/sh\nhome=$2\n%s", body);
  assert_int_equal (fclose (fp), 0);
  assert_int_equal (chmod (path, 0700), 0);
  return path;
}

static int
has_line (const struct ctx *c, const char *prefix)
{
  size_t i, len = strlen (prefix);

  for (i = 0; i < c->n_lines; i++)
    if (!strncmp (c->lines[i], prefix, len)
        && (!c->lines[i][len] || c->lines[i][len] == ' '
            || prefix[len - 1] == ' '))
      return 1;
  return 0;
}

static void
ctx_release (struct ctx *c)
{
  size_t i;

  for (i = 0; i < c->n_lines; i++)
    free (c->lines[i]);
  free (c->lines);
  c->lines = NULL;
  c->n_lines = 0;
}

static gpg_error_t
status_cb (void *opaque, const char *line)
{
  struct ctx *c = opaque;
  char **v;

  v = realloc (c->lines, (c->n_lines + 1) * sizeof *v);
  assert_non_null (v);
  c->lines = v;
  c->lines[c->n_lines] = strdup (line);
  assert_non_null (c->lines[c->n_lines]);
  c->n_lines++;
  if (c->fail_on && !strncmp (line, c->fail_on, strlen (c->fail_on)))
    {
      if (c->cancel_on_write >= 0)
        {
          assert_int_equal (write (c->cancel_on_write, "x", 1), 1);
          return 0;
        }
      return c->fail_err;
    }
  return 0;
}

static gpg_error_t
passphrase_cb (void *opaque, const char *keyid, const char *main_keyid,
               const char **r_pass, size_t *r_len)
{
  struct ctx *c = opaque;

  assert_true ((keyid && main_keyid) || (!keyid && !main_keyid));
  if (c->n_prompts < 4)
    {
      snprintf (c->keyid[c->n_prompts], 17, "%s", keyid ? keyid : "");
      snprintf (c->main_keyid[c->n_prompts], 17, "%s",
                main_keyid ? main_keyid : "");
    }
  c->n_prompts++;
  if (c->pass_err)
    return c->pass_err;
  *r_pass = keyid ? c->key_pass : c->sym_pass;
  *r_len = *r_pass ? strlen (*r_pass) : 0;
  return 0;
}

static void
init (struct gpgrun_spec *spec, struct ctx *c, const struct home *h)
{
  memset (spec, 0, sizeof *spec);
  memset (c, 0, sizeof *c);
  c->cancel_on_write = -1;
  spec->homedir = h->dir;
  spec->stdin_fd = -1;
  spec->stdout_fd = -1;
  spec->cancel_fd = -1;
  spec->status_cb = status_cb;
  spec->passphrase_cb = passphrase_cb;
  spec->opaque = c;
}

/* Run and check that the runner left nothing behind.  */
static gpg_error_t
run (const struct gpgrun_spec *spec, int *r_exit, char **r_diag)
{
  int before = count_fds ();
  gpg_error_t err;

  err = gpgrun (spec, r_exit, r_diag);
  assert_int_equal (count_fds (), before);
  errno = 0;
  assert_int_equal (waitpid (-1, NULL, WNOHANG), -1);
  assert_int_equal (errno, ECHILD);
  return err;
}

static void
assert_diag (const char *diag, const char *text)
{
  if (!diag || !strstr (diag, text))
    fail_msg ("diagnostics lack '%s':\n%s", text, diag ? diag : "(none)");
}


/*
 * Fixture
 */

static int
setup_home (void **state)
{
  struct home *h = calloc (1, sizeof *h);
  char cmd[512];

  assert_non_null (h);
  strcpy (h->dir, "/tmp/gr.XXXXXX");
  assert_non_null (mkdtemp (h->dir));
  snprintf (cmd, sizeof cmd,
            "gpg --homedir %s --no-options --batch --quiet --import "
            DATA "alice.sec.asc " DATA "bob.sec.asc >/dev/null 2>&1",
            h->dir);
  assert_int_equal (system (cmd), 0);
  *state = h;
  return 0;
}

static int
teardown_home (void **state)
{
  struct home *h = *state;
  char cmd[512];
  pid_t pids[16];
  int i, n;

  /* gpgconf returns before the agent is gone (and it is no child of
   * ours): wait until nothing runs on the home any more.  */
  snprintf (cmd, sizeof cmd, "gpgconf --homedir %s --kill all", h->dir);
  if (system (cmd))
    return -1;
  for (i = 0; i < 500; i++)
    {
      n = find_procs (h->dir, pids, 16);
      if (!n)
        break;
      usleep (10000);
    }
  if (n)
    {
      fprintf (stderr, "process %d still uses %s\n", (int) pids[0], h->dir);
      return -1;
    }
  snprintf (cmd, sizeof cmd, "rm -rf %s", h->dir);
  if (system (cmd))
    return -1;
  free (h);
  return 0;
}


/*
 * With the real gpg
 */

/* Encrypt a file to alice and decrypt it back; the payload descriptors
 * sit on 3 and 4, where the child's status and command channels go.  */
static void
t_roundtrip (void **state)
{
  const struct home *h = *state;
  const char *enc_args[] = { "--encrypt", "--trust-model", "always",
                             "-r", ALICE_FPR, NULL };
  const char *dec_args[] = { "--decrypt", NULL };
  struct gpgrun_spec spec;
  struct ctx c;
  char *cipher = home_path (h, "cipher.gpg");
  char *plain = home_path (h, "plain.xml");
  char *diag = NULL;
  int in, out, status;
  int fd3_free = fcntl (3, F_GETFD) < 0 && fcntl (4, F_GETFD) < 0;

  init (&spec, &c, h);
  spec.args = enc_args;
  in = open_in (DATA "invoice.xml");
  out = open_out (cipher);
  if (fd3_free)
    {
      /* They are likely 3 and 4 already: swap them via high numbers.  */
      int hin = fcntl (in, F_DUPFD_CLOEXEC, 100);
      int hout = fcntl (out, F_DUPFD_CLOEXEC, 100);

      close (in);
      close (out);
      assert_int_equal (dup3 (hout, 3, O_CLOEXEC), 3);
      assert_int_equal (dup3 (hin, 4, O_CLOEXEC), 4);
      close (hin);
      close (hout);
      out = 3;
      in = 4;
    }
  spec.stdin_fd = in;
  spec.stdout_fd = out;
  if (run (&spec, &status, &diag))
    fail_msg ("%s", diag);
  assert_int_equal (status, 0);
  assert_true (has_line (&c, "BEGIN_ENCRYPTION"));
  assert_true (has_line (&c, "END_ENCRYPTION"));
  assert_int_equal (c.n_prompts, 0);
  free (diag);
  close (in);
  close (out);
  ctx_release (&c);

  init (&spec, &c, h);
  spec.args = dec_args;
  spec.stdin_fd = open_in (cipher);
  spec.stdout_fd = open_out (plain);
  assert_int_equal (run (&spec, &status, &diag), 0);
  assert_int_equal (status, 0);
  assert_true (has_line (&c, "DECRYPTION_OKAY"));
  assert_true (has_line (&c, "END_DECRYPTION"));
  assert_true (has_line (&c, "PLAINTEXT"));
  /* gpg's stderr, untranslated.  */
  assert_diag (diag, "gpg: encrypted with");
  assert_null (strstr (diag, "gpgrun:"));
  close (spec.stdin_fd);
  close (spec.stdout_fd);
  assert_same_files (DATA "invoice.xml", plain);
  free (diag);
  ctx_release (&c);
  free (cipher);
  free (plain);
}

/* Bob's key is protected: the callback is asked with the key ids
 * from NEED_PASSPHRASE.  */
static void
t_protected_key (void **state)
{
  const struct home *h = *state;
  const char *args[] = { "--decrypt", NULL };
  struct gpgrun_spec spec;
  struct ctx c;
  char *plain = home_path (h, "plain.xml");
  int status;

  init (&spec, &c, h);
  c.key_pass = BOB_PASS;
  spec.args = args;
  spec.stdin_fd = open_in (DATA "gpg-enc-to-bob.gpg");
  spec.stdout_fd = open_out (plain);
  assert_int_equal (run (&spec, &status, NULL), 0);
  assert_int_equal (status, 0);
  assert_int_equal (c.n_prompts, 1);
  assert_string_equal (c.keyid[0], "474167794C894B1B");    /* Subkey.  */
  assert_string_equal (c.main_keyid[0], "2975619AFF1CDD85");
  assert_true (has_line (&c, "NEED_PASSPHRASE 474167794C894B1B"));
  assert_true (has_line (&c, "GET_HIDDEN passphrase.enter"));
  assert_true (has_line (&c, "GOT_IT"));
  assert_true (has_line (&c, "DECRYPTION_OKAY"));
  assert_true (has_line (&c, "END_DECRYPTION"));
  close (spec.stdin_fd);
  close (spec.stdout_fd);
  assert_same_files (DATA "invoice.xml", plain);
  ctx_release (&c);
  free (plain);
}

/* A wrong passphrase is gpg's failure, not the runner's: exit 2 and
 * the error in the status lines (gpg 2.2 in loopback mode prints no
 * BAD_PASSPHRASE line).  */
static void
t_wrong_passphrase (void **state)
{
  const struct home *h = *state;
  const char *dec_args[] = { "--decrypt", NULL };
  const char *sign_args[] = { "--sign", "-u", BOB_FPR, NULL };
  struct gpgrun_spec spec;
  struct ctx c;
  char *expect;
  int status;

  assert_true (asprintf (&expect, "ERROR pkdecrypt_failed %u",
                         gpg_err_make (GPG_ERR_SOURCE_GPGAGENT,
                                       GPG_ERR_BAD_PASSPHRASE)) > 0);
  init (&spec, &c, h);
  c.key_pass = "not " BOB_PASS;
  spec.args = dec_args;
  spec.stdin_fd = open_in (DATA "gpg-enc-to-bob.gpg");
  assert_int_equal (run (&spec, &status, NULL), 0);
  assert_int_equal (status, 2);
  assert_int_equal (c.n_prompts, 1);
  assert_true (has_line (&c, expect));
  assert_true (has_line (&c, "DECRYPTION_FAILED"));
  assert_false (has_line (&c, "DECRYPTION_OKAY"));
  close (spec.stdin_fd);
  ctx_release (&c);
  free (expect);

  assert_true (asprintf (&expect, "FAILURE sign %u",
                         gpg_err_make (GPG_ERR_SOURCE_GPGAGENT,
                                       GPG_ERR_BAD_PASSPHRASE)) > 0);
  init (&spec, &c, h);
  c.key_pass = "not " BOB_PASS;
  spec.args = sign_args;
  spec.stdin_fd = open_in (DATA "invoice.xml");
  assert_int_equal (run (&spec, &status, NULL), 0);
  assert_int_equal (status, 2);
  assert_int_equal (c.n_prompts, 1);
  assert_true (has_line (&c, expect));
  assert_false (has_line (&c, "SIG_CREATED"));
  close (spec.stdin_fd);
  ctx_release (&c);
  free (expect);
}

/* Sign with bob and encrypt with a password in one run: two prompts,
 * each answered with its own secret; then decrypt and verify.  */
static void
t_two_passphrases (void **state)
{
  const struct home *h = *state;
  const char *enc_args[] = { "--sign", "--symmetric", "-u", BOB_FPR, NULL };
  const char *dec_args[] = { "--decrypt", NULL };
  struct gpgrun_spec spec;
  struct ctx c;
  char *cipher = home_path (h, "cipher.gpg");
  char *plain = home_path (h, "plain.xml");
  int status;

  init (&spec, &c, h);
  c.key_pass = BOB_PASS;
  c.sym_pass = SYM_PASS;
  spec.args = enc_args;
  spec.stdin_fd = open_in (DATA "invoice.xml");
  spec.stdout_fd = open_out (cipher);
  assert_int_equal (run (&spec, &status, NULL), 0);
  assert_int_equal (status, 0);
  assert_int_equal (c.n_prompts, 2);
  assert_string_equal (c.keyid[0], "");                    /* Password.  */
  assert_string_equal (c.keyid[1], "2975619AFF1CDD85");    /* Signing.  */
  assert_string_equal (c.main_keyid[1], "2975619AFF1CDD85");
  assert_true (has_line (&c, "SIG_CREATED S 1 10 00"));
  assert_true (has_line (&c, "END_ENCRYPTION"));
  close (spec.stdin_fd);
  close (spec.stdout_fd);
  ctx_release (&c);

  init (&spec, &c, h);
  c.sym_pass = SYM_PASS;
  spec.args = dec_args;
  spec.stdin_fd = open_in (cipher);
  spec.stdout_fd = open_out (plain);
  assert_int_equal (run (&spec, &status, NULL), 0);
  assert_int_equal (status, 0);
  assert_int_equal (c.n_prompts, 1);
  assert_string_equal (c.keyid[0], "");
  assert_true (has_line (&c, "NEED_PASSPHRASE_SYM"));
  assert_true (has_line (&c, "DECRYPTION_OKAY"));
  assert_true (has_line (&c, "GOODSIG 2975619AFF1CDD85"));
  assert_true (has_line (&c, "VALIDSIG"));
  close (spec.stdin_fd);
  close (spec.stdout_fd);
  assert_same_files (DATA "invoice.xml", plain);
  ctx_release (&c);
  free (cipher);
  free (plain);
}

/* A real question gpg asks on the command fd (--edit-key) is refused
 * at once instead of hanging.  */
static void
t_real_get_line (void **state)
{
  const struct home *h = *state;
  const char *args[] = { "--edit-key", ALICE_FPR, NULL };
  struct gpgrun_spec spec;
  struct ctx c;
  char *diag = NULL;
  int status;
  double t0 = now ();

  init (&spec, &c, h);
  spec.args = args;
  assert_int_equal (gpg_err_code (run (&spec, &status, &diag)),
                    GPG_ERR_UNEXPECTED_MSG);
  assert_true (now () - t0 < 5);
  assert_int_equal (status, -1);
  assert_true (has_line (&c, "GET_LINE keyedit.prompt"));
  assert_diag (diag, "gpgrun: gpg asked 'GET_LINE keyedit.prompt'");
  free (diag);
  ctx_release (&c);
}

/* Cancel while gpg waits for more input from a pipe that never ends.  */
static void
t_cancel_midstream (void **state)
{
  const struct home *h = *state;
  const char *args[] = { "--encrypt", "--trust-model", "always",
                         "-r", ALICE_FPR, NULL };
  struct itimerspec its = { { 0, 0 }, { 0, 300 * 1000000L } };
  struct gpgrun_spec spec;
  struct ctx c;
  static char buf[65536];
  char *cipher = home_path (h, "cipher.gpg");
  int in[2], status, tfd;
  double t0, took;

  init (&spec, &c, h);
  spec.args = args;
  assert_int_equal (pipe2 (in, O_CLOEXEC), 0);
  assert_int_equal (write (in[1], buf, sizeof buf), sizeof buf);
  spec.stdin_fd = in[0];
  spec.stdout_fd = open_out (cipher);
  tfd = timerfd_create (CLOCK_MONOTONIC, TFD_CLOEXEC);
  assert_true (tfd >= 0);
  assert_int_equal (timerfd_settime (tfd, 0, &its, NULL), 0);
  spec.cancel_fd = tfd;
  t0 = now ();
  assert_int_equal (gpg_err_code (run (&spec, &status, NULL)),
                    GPG_ERR_CANCELED);
  took = now () - t0;
  print_message ("[ info     ] cancelled after %.3f s\n", took);
  assert_true (took >= 0.29 && took < 2);
  assert_int_equal (status, -1);
  assert_true (has_line (&c, "BEGIN_ENCRYPTION"));
  close (tfd);
  close (in[0]);
  close (in[1]);
  close (spec.stdout_fd);
  ctx_release (&c);
  free (cipher);
}

/* A detached signature on an extra descriptor, the data on stdin.  */
static void
t_extra_fd (void **state)
{
  const struct home *h = *state;
  const char *args[] = { "--enable-special-filenames",
                         "--verify", "--", "-&5", "-", NULL };
  struct gpgrun_spec spec;
  struct ctx c;
  int sig, status;

  init (&spec, &c, h);
  spec.args = args;
  sig = open_in (DATA "gpg-alice-detached.asc");
  spec.extra_fds = &sig;
  spec.n_extra_fds = 1;
  spec.stdin_fd = open_in (DATA "invoice.xml");
  assert_int_equal (run (&spec, &status, NULL), 0);
  assert_int_equal (status, 0);
  assert_true (has_line (&c, "GOODSIG 09037A2EDFD86C9F"));
  assert_true (has_line (&c, "VALIDSIG"));
  close (sig);
  close (spec.stdin_fd);
  ctx_release (&c);
}

/* Callbacks that fail abort the run with their error.  */
static void
t_callback_errors (void **state)
{
  const struct home *h = *state;
  const char *args[] = { "--decrypt", NULL };
  struct gpgrun_spec spec;
  struct ctx c;
  char *diag = NULL;
  int status;

  init (&spec, &c, h);
  c.key_pass = BOB_PASS;
  c.fail_on = "USERID_HINT";
  c.fail_err = gpg_error (GPG_ERR_WRONG_SECKEY);
  spec.args = args;
  spec.stdin_fd = open_in (DATA "gpg-enc-to-bob.gpg");
  assert_int_equal (gpg_err_code (run (&spec, &status, &diag)),
                    GPG_ERR_WRONG_SECKEY);
  assert_false (has_line (&c, "BEGIN_DECRYPTION"));
  assert_diag (diag, "gpgrun: status line refused");
  close (spec.stdin_fd);
  free (diag);
  ctx_release (&c);

  init (&spec, &c, h);
  c.pass_err = gpg_error (GPG_ERR_NOT_FOUND);
  spec.args = args;
  spec.stdin_fd = open_in (DATA "gpg-enc-to-bob.gpg");
  assert_int_equal (gpg_err_code (run (&spec, &status, &diag)),
                    GPG_ERR_NOT_FOUND);
  assert_int_equal (c.n_prompts, 1);
  assert_diag (diag, "no passphrase for 474167794C894B1B");
  close (spec.stdin_fd);
  free (diag);
  ctx_release (&c);

  init (&spec, &c, h);
  spec.passphrase_cb = NULL;
  spec.args = args;
  spec.stdin_fd = open_in (DATA "gpg-enc-to-bob.gpg");
  assert_int_equal (gpg_err_code (run (&spec, &status, &diag)),
                    GPG_ERR_NO_PASSPHRASE);
  close (spec.stdin_fd);
  free (diag);
  ctx_release (&c);

  /* A passphrase with a newline would smuggle in a second answer.  */
  init (&spec, &c, h);
  c.key_pass = BOB_PASS "\nmore";
  spec.args = args;
  spec.stdin_fd = open_in (DATA "gpg-enc-to-bob.gpg");
  assert_int_equal (gpg_err_code (run (&spec, &status, &diag)),
                    GPG_ERR_INV_PASSPHRASE);
  close (spec.stdin_fd);
  free (diag);
  ctx_release (&c);
}

/* Bad specs are refused before anything runs.  */
static void
t_bad_spec (void **state)
{
  const struct home *h = *state;
  struct gpgrun_spec spec;
  struct ctx c;
  char *diag = NULL;
  int status, fds[2], flags;

  init (&spec, &c, h);
  spec.gpg_path = "/nonexistent/gpg";
  assert_int_equal (gpg_err_code (run (&spec, &status, &diag)),
                    GPG_ERR_ENOENT);
  assert_int_equal (status, -1);
  assert_diag (diag, "'/nonexistent/gpg'");
  free (diag);

  spec.gpg_path = DATA "invoice.xml";       /* Not executable.  */
  assert_int_equal (gpg_err_code (run (&spec, &status, &diag)),
                    GPG_ERR_INV_ENGINE);
  assert_diag (diag, DATA "invoice.xml");
  free (diag);

  spec.gpg_path = "/tmp";
  assert_int_equal (gpg_err_code (run (&spec, &status, &diag)),
                    GPG_ERR_INV_ENGINE);
  free (diag);

  spec.gpg_path = "gpg";
  assert_int_equal (gpg_err_code (run (&spec, &status, &diag)),
                    GPG_ERR_INV_ARG);
  assert_diag (diag, "not absolute");
  free (diag);

  init (&spec, &c, h);
  spec.homedir = NULL;
  assert_int_equal (gpg_err_code (run (&spec, &status, NULL)),
                    GPG_ERR_INV_ARG);

  init (&spec, &c, h);
  assert_int_equal (pipe2 (fds, O_CLOEXEC), 0);
  flags = fcntl (fds[0], F_GETFL);
  assert_int_equal (fcntl (fds[0], F_SETFL, flags | O_NONBLOCK), 0);
  spec.stdin_fd = fds[0];
  assert_int_equal (gpg_err_code (run (&spec, &status, &diag)),
                    GPG_ERR_INV_ARG);
  assert_diag (diag, "non-blocking");
  free (diag);
  spec.stdin_fd = fds[1];                   /* Write end as input.  */
  assert_int_equal (gpg_err_code (run (&spec, &status, &diag)),
                    GPG_ERR_INV_ARG);
  assert_diag (diag, "not open for reading");
  free (diag);
  close (fds[0]);
  close (fds[1]);
  spec.stdin_fd = 1000;
  assert_int_equal (gpg_err_code (run (&spec, &status, NULL)),
                    GPG_ERR_INV_ARG);
}


/*
 * With fake gpg scripts
 */

/* Neither argv nor the environment of gpg holds a secret or anything
 * of ours; the passphrase arrives on the command fd, and no stray
 * descriptor of ours reaches the child.  */
static void
t_child_argv_env (void **state)
{
  const struct home *h = *state;
  const char *secret = "s3cret-Passphrase";
  const char *args[] = { "--decrypt", NULL };
  struct gpgrun_spec spec;
  struct ctx c;
  char *gpg, *path, *text, *expect;
  int status, fd, stray;

  gpg = fake_gpg (h, "gpg-env",
    "tr '\\0' '\\n' < /proc/$$/cmdline > \"$home/cmdline\"\n"
    "tr '\\0' '\\n' < /proc/$$/environ > \"$home/environ\"\n"
    "for f in 0 1 2 3 4 42; do [ -e /proc/$$/fd/$f ] && echo $f; done"
    " > \"$home/fds\"\n"
    "echo '[GNUPG:] NEED_PASSPHRASE 1122334455667788 8877665544332211 1 0'"
    " >&3\n"
    "echo '[GNUPG:] GET_HIDDEN passphrase.enter' >&3\n"
    "IFS= read -r answer <&4\n"
    "printf '%s\\n' \"$answer\" > \"$home/answer\"\n"
    "echo '[GNUPG:] GOT_IT' >&3\n");
  assert_int_equal (setenv ("GPG_AGENT_INFO", "/tmp/nope:1:1", 1), 0);
  assert_int_equal (setenv ("GPGRUN_TEST_SECRET", secret, 1), 0);
  fd = open_in (DATA "invoice.xml");
  stray = dup2 (fd, 42);                    /* Without O_CLOEXEC.  */
  assert_int_equal (stray, 42);
  close (fd);

  init (&spec, &c, h);
  c.key_pass = secret;
  spec.gpg_path = gpg;
  spec.args = args;
  assert_int_equal (run (&spec, &status, NULL), 0);
  assert_int_equal (status, 0);
  assert_int_equal (c.n_prompts, 1);
  assert_string_equal (c.keyid[0], "1122334455667788");
  assert_string_equal (c.main_keyid[0], "8877665544332211");
  assert_true (has_line (&c, "GOT_IT"));
  close (stray);
  unsetenv ("GPG_AGENT_INFO");
  unsetenv ("GPGRUN_TEST_SECRET");

  path = home_path (h, "answer");
  text = read_file (path, NULL);
  assert_non_null (text);
  assert_string_equal (text, "s3cret-Passphrase\n");
  free (text);
  free (path);

  path = home_path (h, "environ");
  text = read_file (path, NULL);
  assert_true (asprintf (&expect, "LC_ALL=C\nPATH=/usr/bin:/bin\nHOME=%s\n",
                         h->dir) > 0);
  assert_string_equal (text, expect);
  free (expect);
  free (text);
  free (path);

  path = home_path (h, "cmdline");
  text = read_file (path, NULL);
  assert_non_null (text);
  assert_null (strstr (text, secret));
  assert_non_null (strstr (text, "\n--homedir\n"));
  assert_non_null (strstr (text, "\n--no-options\n--batch\n--no-tty\n"
                           "--status-fd\n3\n--command-fd\n4\n"
                           "--pinentry-mode\nloopback\n"));
  assert_non_null (strstr (text, "\n--exit-on-status-write-error\n"
                           "--decrypt\n"));
  free (text);
  free (path);

  /* 0 and 1 are /dev/null, 2..4 ours; the stray 42 stayed here.  */
  path = home_path (h, "fds");
  text = read_file (path, NULL);
  assert_string_equal (text, "0\n1\n2\n3\n4\n");
  free (text);
  free (path);
  ctx_release (&c);
  free (gpg);
}

/* An unexpected question never hangs: gpg is killed, the error names
 * the prompt, and the script never got an answer.  */
static void
t_fake_get_bool (void **state)
{
  const struct home *h = *state;
  struct gpgrun_spec spec;
  struct ctx c;
  char *gpg, *answered, *diag = NULL;
  int status;
  double t0 = now ();

  gpg = fake_gpg (h, "gpg-bool",
    "echo '[GNUPG:] GET_BOOL untrusted_key.override' >&3\n"
    "read answer <&4\n"
    "echo \"$answer\" > \"$home/answered\"\n");
  init (&spec, &c, h);
  spec.gpg_path = gpg;
  assert_int_equal (gpg_err_code (run (&spec, &status, &diag)),
                    GPG_ERR_UNEXPECTED_MSG);
  assert_true (now () - t0 < 2);
  assert_diag (diag, "GET_BOOL untrusted_key.override");
  answered = home_path (h, "answered");
  assert_int_equal (access (answered, F_OK), -1);
  free (answered);
  free (diag);
  free (gpg);
  ctx_release (&c);

  /* Nor is a passphrase given blind, without NEED_PASSPHRASE first.  */
  gpg = fake_gpg (h, "gpg-blind",
    "echo '[GNUPG:] GET_HIDDEN passphrase.enter' >&3\n"
    "read answer <&4\n");
  init (&spec, &c, h);
  c.key_pass = c.sym_pass = "x";
  spec.gpg_path = gpg;
  assert_int_equal (gpg_err_code (run (&spec, &status, &diag)),
                    GPG_ERR_UNEXPECTED_MSG);
  assert_int_equal (c.n_prompts, 0);
  free (diag);
  free (gpg);
  ctx_release (&c);
}

/* Status lines split across reads, a long one, and stderr.  */
static void
t_status_framing (void **state)
{
  const struct home *h = *state;
  struct gpgrun_spec spec;
  struct ctx c;
  char *gpg, *diag = NULL;
  int status;
  size_t i;

  gpg = fake_gpg (h, "gpg-split",
    "printf '[GNUPG:] SPL' >&3\n"
    "sleep 0.1\n"
    "printf 'IT one\\n[GNUPG:] SECOND' >&3\n"
    "sleep 0.1\n"
    "printf ' two\\n' >&3\n"
    "long=$(head -c 65000 /dev/zero | tr '\\0' A)\n"
    "printf '[GNUPG:] LONG %s\\n' \"$long\" >&3\n"
    "printf '[GNUPG:] LAST\\n' >&3\n"
    "echo 'gpg: some diagnostics' >&2\n"
    "exit 3\n");
  init (&spec, &c, h);
  spec.gpg_path = gpg;
  assert_int_equal (run (&spec, &status, &diag), 0);
  assert_int_equal (status, 3);
  assert_int_equal (c.n_lines, 4);
  assert_string_equal (c.lines[0], "SPLIT one");
  assert_string_equal (c.lines[1], "SECOND two");
  assert_int_equal (strlen (c.lines[2]), 5 + 65000);
  for (i = 5; i < 5 + 65000; i++)
    if (c.lines[2][i] != 'A')
      fail ();
  assert_string_equal (c.lines[3], "LAST");
  assert_string_equal (diag, "gpg: some diagnostics\n");
  free (diag);
  free (gpg);
  ctx_release (&c);

  /* Only the last ~4 KiB of stderr are kept, from a line start.  */
  gpg = fake_gpg (h, "gpg-chatty",
    "i=0; while [ $i -lt 2000 ]; do echo \"gpg: line $i\" >&2;"
    " i=$((i+1)); done\n");
  init (&spec, &c, h);
  spec.gpg_path = gpg;
  assert_int_equal (run (&spec, &status, &diag), 0);
  assert_true (strlen (diag) <= 4096);
  assert_true (strlen (diag) > 3000);
  assert_int_equal (strncmp (diag, "gpg: line ", 10), 0);
  assert_diag (diag, "gpg: line 1999\n");
  free (diag);
  free (gpg);
  ctx_release (&c);
}

/* Misbehaving status output fails the run promptly.  */
static void
t_status_errors (void **state)
{
  const struct home *h = *state;
  static const struct
  {
    const char *body;
    gpg_err_code_t code;
    int exit_status;
    const char *diag;
  } cases[] =
    {
      { "head -c 70000 /dev/zero | tr '\\0' A >&3\nsleep 30\n",
        GPG_ERR_LINE_TOO_LONG, -1, "longer than 65536" },
      { "echo 'garbage' >&3\nsleep 30\n",
        GPG_ERR_INV_ENGINE, -1, "garbled status line: garbage" },
      { "printf '[GNUPG:] OK\\0\\n' >&3\nsleep 30\n",
        GPG_ERR_INV_ENGINE, -1, "garbled" },
      { "echo '[GNUPG:] NEED_PASSPHRASE 12 34 1 0' >&3\nsleep 30\n",
        GPG_ERR_INV_ENGINE, -1, "garbled" },
      { "printf '[GNUPG:] PARTIAL' >&3\n",
        GPG_ERR_TRUNCATED, 0, "no end" },
      { "echo '[GNUPG:] BEGIN' >&3\nkill -9 $$\n",
        GPG_ERR_INV_ENGINE, -1, "killed by signal 9" },
      { "kill -PIPE $$\n",
        GPG_ERR_EPIPE, -1, "signal 13" },
    };
  struct gpgrun_spec spec;
  struct ctx c;
  char *gpg, *diag;
  int status;
  size_t i;
  double t0;

  for (i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      gpg = fake_gpg (h, "gpg-bad", cases[i].body);
      init (&spec, &c, h);
      spec.gpg_path = gpg;
      diag = NULL;
      t0 = now ();
      assert_int_equal (gpg_err_code (run (&spec, &status, &diag)),
                        cases[i].code);
      assert_true (now () - t0 < 5);
      assert_int_equal (status, cases[i].exit_status);
      assert_diag (diag, cases[i].diag);
      free (diag);
      free (gpg);
      ctx_release (&c);
    }
}

/* A gpg that ignores SIGTERM gets SIGKILL after the grace period, and
 * its whole process group goes with it.  */
static void
t_cancel_stubborn (void **state)
{
  const struct home *h = *state;
  struct gpgrun_spec spec;
  struct ctx c;
  char *gpg, *path, *text;
  int cancel[2], status;
  double t0, took;

  gpg = fake_gpg (h, "gpg-stubborn",
    "trap '' TERM\n"
    "sleep 1000 &\n"
    "echo $! > \"$home/sleeper\"\n"
    "echo '[GNUPG:] STARTED' >&3\n"
    "while :; do sleep 1; done\n");
  assert_int_equal (pipe2 (cancel, O_CLOEXEC), 0);
  init (&spec, &c, h);
  c.fail_on = "STARTED";
  c.cancel_on_write = cancel[1];
  spec.gpg_path = gpg;
  spec.cancel_fd = cancel[0];
  t0 = now ();
  assert_int_equal (gpg_err_code (run (&spec, &status, NULL)),
                    GPG_ERR_CANCELED);
  took = now () - t0;
  print_message ("[ info     ] stubborn child gone after %.3f s\n", took);
  assert_true (took < 2);
  path = home_path (h, "sleeper");
  text = read_file (path, NULL);
  assert_non_null (text);
  wait_gone (atoi (text));
  free (text);
  free (path);

  /* Already cancelled: nothing is started.  */
  ctx_release (&c);
  init (&spec, &c, h);
  spec.gpg_path = gpg;
  spec.cancel_fd = cancel[0];
  assert_int_equal (gpg_err_code (run (&spec, &status, NULL)),
                    GPG_ERR_CANCELED);
  assert_int_equal (c.n_lines, 0);
  close (cancel[0]);
  close (cancel[1]);
  free (gpg);
}

/* A descendant that keeps the status pipe open does not keep the run
 * going after gpg exited, and does not survive it.  */
static void
t_lingering_descendant (void **state)
{
  const struct home *h = *state;
  struct gpgrun_spec spec;
  struct ctx c;
  char *gpg, *path, *text;
  int status;
  double t0;

  gpg = fake_gpg (h, "gpg-linger",
    "sleep 30 &\n"
    "echo $! > \"$home/sleeper\"\n"
    "echo '[GNUPG:] DONE' >&3\n");
  init (&spec, &c, h);
  spec.gpg_path = gpg;
  t0 = now ();
  assert_int_equal (run (&spec, &status, NULL), 0);
  assert_true (now () - t0 < 5);
  assert_int_equal (status, 0);
  assert_true (has_line (&c, "DONE"));
  path = home_path (h, "sleeper");
  text = read_file (path, NULL);
  assert_non_null (text);
  wait_gone (atoi (text));
  free (text);
  free (path);
  free (gpg);
  ctx_release (&c);
}


/*
 * A large payload through pipes
 */

#define CHUNK (1024 * 1024)

struct pump
{
  int fd;
  size_t chunks;
  const unsigned char *pattern;
  size_t done;                  /* Chunks moved (and matched).  */
  int bad;
};

/* Chunk I is the pattern with I in its first bytes.  */
static void
make_chunk (unsigned char *buf, const unsigned char *pattern, size_t i)
{
  memcpy (buf, pattern, CHUNK);
  memcpy (buf, &i, sizeof i);
}

static void *
feeder (void *arg)
{
  struct pump *p = arg;
  unsigned char *buf = malloc (CHUNK);
  size_t i, off;
  ssize_t n;

  for (i = 0; buf && i < p->chunks; i++)
    {
      make_chunk (buf, p->pattern, i);
      for (off = 0; off < CHUNK; off += n)
        if ((n = write (p->fd, buf + off, CHUNK - off)) <= 0)
          goto leave;
      p->done++;
    }
 leave:
  close (p->fd);
  free (buf);
  return NULL;
}

static void *
checker (void *arg)
{
  struct pump *p = arg;
  unsigned char *buf = malloc (CHUNK);
  unsigned char *want = malloc (CHUNK);
  size_t off;
  ssize_t n;

  for (;;)
    {
      for (off = 0; off < CHUNK; off += n)
        if ((n = read (p->fd, buf + off, CHUNK - off)) <= 0)
          break;
      if (off == 0)
        break;
      make_chunk (want, p->pattern, p->done);
      if (off != CHUNK || memcmp (buf, want, CHUNK))
        {
          p->bad = 1;
          break;
        }
      p->done++;
    }
  free (buf);
  free (want);
  return NULL;
}

static double
thread_cpu (void)
{
  struct rusage ru;

  getrusage (RUSAGE_THREAD, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
    + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double
children_cpu (void)
{
  struct rusage ru;

  getrusage (RUSAGE_CHILDREN, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6
    + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
t_large_payload (void **state)
{
  const struct home *h = *state;
  const char *enc_args[] = { "--encrypt", "--trust-model", "always",
                             "--compress-algo", "none", "-r", ALICE_FPR,
                             NULL };
  const char *dec_args[] = { "--decrypt", NULL };
  const char *env = getenv ("GPGRUN_TEST_MIB");
  size_t mib = env ? strtoul (env, NULL, 10) : 256;
  unsigned char *pattern = malloc (CHUNK);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  struct gpgrun_spec spec;
  struct ctx c;
  struct pump pump;
  pthread_t thread;
  char *cipher = home_path (h, "large.gpg");
  int fds[2], status, nfds;
  double t0, cpu0, kids0, t_enc, t_dec, cpu_enc, cpu_dec, kids;
  size_t i;

  assert_non_null (pattern);
  for (i = 0; i < CHUNK; i++)   /* xorshift: incompressible.  */
    {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      pattern[i] = x >> 32;
    }

  /* Encrypt from a pipe fed by a thread into a file.  */
  nfds = count_fds ();
  init (&spec, &c, h);
  spec.args = enc_args;
  assert_int_equal (pipe2 (fds, O_CLOEXEC), 0);
  fcntl (fds[1], F_SETPIPE_SZ, CHUNK);
  memset (&pump, 0, sizeof pump);
  pump.fd = fds[1];
  pump.chunks = mib;
  pump.pattern = pattern;
  spec.stdin_fd = fds[0];
  spec.stdout_fd = open_out (cipher);
  kids0 = children_cpu ();
  t0 = now ();
  cpu0 = thread_cpu ();
  /* The feeder closes its end when done, so count around the run.  */
  assert_int_equal (pthread_create (&thread, NULL, feeder, &pump), 0);
  assert_int_equal (gpgrun (&spec, &status, NULL), 0);
  t_enc = now () - t0;
  cpu_enc = thread_cpu () - cpu0;
  close (fds[0]);               /* Unblocks the feeder if gpg failed.  */
  pthread_join (thread, NULL);
  close (spec.stdout_fd);
  assert_int_equal (count_fds (), nfds);
  assert_int_equal (waitpid (-1, NULL, WNOHANG), -1);
  assert_int_equal (status, 0);
  assert_int_equal (pump.done, mib);
  assert_true (has_line (&c, "END_ENCRYPTION"));
  ctx_release (&c);

  /* Decrypt from the file into a pipe read and checked by a thread.  */
  init (&spec, &c, h);
  spec.args = dec_args;
  assert_int_equal (pipe2 (fds, O_CLOEXEC), 0);
  fcntl (fds[1], F_SETPIPE_SZ, CHUNK);
  memset (&pump, 0, sizeof pump);
  pump.fd = fds[0];
  pump.pattern = pattern;
  spec.stdin_fd = open_in (cipher);
  spec.stdout_fd = fds[1];
  t0 = now ();
  cpu0 = thread_cpu ();
  assert_int_equal (pthread_create (&thread, NULL, checker, &pump), 0);
  assert_int_equal (run (&spec, &status, NULL), 0);
  t_dec = now () - t0;
  cpu_dec = thread_cpu () - cpu0;
  close (fds[1]);               /* Our copy: now the checker sees EOF.  */
  pthread_join (thread, NULL);
  close (fds[0]);
  close (spec.stdin_fd);
  kids = children_cpu () - kids0;
  assert_int_equal (status, 0);
  assert_true (has_line (&c, "DECRYPTION_OKAY"));
  assert_false (pump.bad);
  assert_int_equal (pump.done, mib);
  print_message ("[ info     ] %zu MiB: encrypt %.2f s (%.0f MiB/s), "
                 "decrypt %.2f s (%.0f MiB/s); runner thread CPU "
                 "%.3f + %.3f s, gpg CPU %.2f s\n",
                 mib, t_enc, mib / t_enc, t_dec, mib / t_dec,
                 cpu_enc, cpu_dec, kids);
  /* The runner only polls: its CPU time is a sliver of gpg's.  */
  assert_true (cpu_enc + cpu_dec < kids / 10 + 0.5);
  unlink (cipher);
  ctx_release (&c);
  free (cipher);
  free (pattern);
}


int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, setup_home, \
                                                 teardown_home)
  const struct CMUnitTest tests[] =
    {
      T (t_roundtrip),
      T (t_protected_key),
      T (t_wrong_passphrase),
      T (t_two_passphrases),
      T (t_real_get_line),
      T (t_cancel_midstream),
      T (t_extra_fd),
      T (t_callback_errors),
      T (t_bad_spec),
      T (t_child_argv_env),
      T (t_fake_get_bool),
      T (t_status_framing),
      T (t_status_errors),
      T (t_cancel_stubborn),
      T (t_lingering_descendant),
      T (t_large_payload),
    };
#undef T

  /* The child must get default dispositions whatever ours are; and a
   * feeder writing to a closed pipe must not kill the test.  */
  signal (SIGPIPE, SIG_IGN);
  return cmocka_run_group_tests (tests, NULL, NULL);
}
