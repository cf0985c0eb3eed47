/* t-keyring.c - runtime homes: building, unprotecting, passphrase
 * checks, GnuPG homes as sources, removal, sweep, key listing.
 *
 * Every test gets its own runtime directory (mkdtemp under /tmp, so
 * agent socket paths stay short) and a host with the teststeps module
 * linked in; its "typed" step takes repeatable keyring parameters.
 * The homes are inspected with the gpg program.  T_KEYRING_VERBOSE=1
 * shows the host log.
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
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pgpstep/host.h>
#include "agent.h"
#include "ctx.h"
#include "loader.h"
#include "homedir.h"
#include "keyring.h"

#define KEYS TEST_DATA_DIR "/keys"

#define ALICE "015ABD50EB712E873C6BB2B009037A2EDFD86C9F"
#define BOB "37213D1976A23E2625719E022975619AFF1CDD85"
#define CAROL "2CD7BF5B19080ACFDAD9A97A0EA17B0BD56D690F"
#define SIGNONLY "06E58D2062B4E91FE0D8550CF70B9058CB9C033A"
#define EXPIRED "F241EF2770F4467D1CCFCB34757CB89B53BE88F2"
#define REVOKED "A6868A22AC315F24D8571D9CDD0A15B96E001FA3"

#define BOB_PASS "bob passphrase"

/* Everything the host logged, to look for secrets.  */
static char logbuf[65536];
static size_t loglen;

struct fixture
{
  char dir[64];         /* Scratch: descriptors, secrets, source homes.  */
  char rt[96];          /* The runtime directory.  */
  pgpstep_t host;
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* Called from every thread that runs a message.  */
static void
log_cb (void *opaque, int level, const char *step, const char *text)
{
  pthread_mutex_lock (&log_lock);
  (void) opaque;
  (void) level;
  if (getenv ("T_KEYRING_VERBOSE"))
    fprintf (stderr, "log: %s: %s\n", step ? step : "-", text);
  loglen += snprintf (logbuf + loglen, sizeof logbuf - loglen, "%s\n",
                      text);
  if (loglen >= sizeof logbuf)
    loglen = sizeof logbuf - 1;
  pthread_mutex_unlock (&log_lock);
}

static void
new_host (struct fixture *f)
{
  struct pgpstep_options opt;
  char *reason = NULL;

  memset (&opt, 0, sizeof opt);
  opt.struct_size = sizeof opt;
  opt.verbosity = PGPSTEP_LOG_DEBUG;
  opt.log_cb = log_cb;
  opt.runtime_dir = f->rt;
  opt.secrets_dir = f->dir;
  assert_int_equal (pgpstep_new (&f->host, &opt), 0);
  if (loader_register_static (f->host, "builtin:teststeps",
                              pgpstep_module_init, &reason))
    fail_msg ("registering teststeps: %s", reason ? reason : "?");
  free (reason);
}

static int
setup (void **state)
{
  struct fixture *f = calloc (1, sizeof *f);

  if (!f)
    return -1;
  strcpy (f->dir, "/tmp/tk.XXXXXX");
  if (!mkdtemp (f->dir))
    return -1;
  snprintf (f->rt, sizeof f->rt, "%s/rt", f->dir);
  if (mkdir (f->rt, 0700))
    return -1;
  loglen = 0;
  *logbuf = 0;
  new_host (f);
  *state = f;
  return 0;
}

static int
count_entries (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  int n = 0;

  if (!d)
    return -1;
  while ((e = readdir (d)))
    if (strcmp (e->d_name, ".") && strcmp (e->d_name, ".."))
      n++;
  closedir (d);
  return n;
}

static int
teardown (void **state)
{
  struct fixture *f = *state;
  char cmd[200];
  int n;

  pgpstep_release (f->host);
  /* Every home of the test is gone with its pipeline.  */
  n = count_entries (f->rt);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  if (system (cmd))
    return -1;
  free (f);
  assert_int_equal (n, 0);
  return 0;
}


/*
 * Helpers
 */

/* Write a descriptor with BODY between the pipeline tags to
 * F->dir/NAME and return its path (static buffer).  */
static const char *
write_pipeline (struct fixture *f, const char *name, const char *body)
{
  static char file[128];
  FILE *fp;

  snprintf (file, sizeof file, "%s/%s", f->dir, name);
  fp = fopen (file, "w");
  assert_non_null (fp);
  fprintf (fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<pipeline xmlns=\"urn:pgpstep:pipeline:1\" name=\"t\">\n"
           "%s</pipeline>\n", body);
  assert_int_equal (fclose (fp), 0);
  return file;
}

static void
write_file (const char *file, const char *text, mode_t mode)
{
  int fd = open (file, O_WRONLY | O_CREAT | O_TRUNC, mode);

  assert_true (fd >= 0);
  assert_int_equal (write (fd, text, strlen (text)), (int)strlen (text));
  assert_int_equal (fchmod (fd, mode), 0);
  close (fd);
}

/* Load FILE; return the error, the pipeline in *R_PL and the message
 * in *R_MESSAGE (both may be NULL).  */
static gpg_error_t
load (struct fixture *f, const char *file, pgpstep_pipeline_t *r_pl,
      char **r_message)
{
  pgpstep_pipeline_t pl = NULL;
  char *message = NULL;
  gpg_error_t err;

  err = pgpstep_pipeline_load_file (f->host, file, &pl, &message);
  if (message && !strstr (logbuf, message))
    log_cb (NULL, 0, NULL, message);  /* Checked for secrets too.  */
  if (r_pl)
    *r_pl = pl;
  else
    pgpstep_pipeline_release (pl);
  if (r_message)
    *r_message = message;
  else
    free (message);
  return err;
}

static const char *
home_of (pgpstep_pipeline_t pl, unsigned int step)
{
  const char *dir = NULL;

  assert_int_equal (host_services.config_gnupg_home (pl->steps[step], &dir),
                    0);
  assert_non_null (dir);
  return dir;
}

/* Run CMD and return its stdout (malloced).  */
static char *
run (const char *cmd)
{
  FILE *fp = popen (cmd, "r");
  char *buf = calloc (1, 65536);
  size_t n = 0, got;

  assert_non_null (fp);
  assert_non_null (buf);
  while ((got = fread (buf + n, 1, 65535 - n, fp)) > 0)
    n += got;
  pclose (fp);
  return buf;
}

/* The primary fingerprints of the public (SECRET: secret) keys of
 * HOME, as "FPR FPR ..." in listing order.  */
static char *
list_fprs (const char *home, int secret)
{
  char cmd[256], *out, *line, *save = NULL, *res, *p;
  int want = 0;

  snprintf (cmd, sizeof cmd, "gpg --homedir '%s' --batch --no-options"
            " --with-colons %s 2>/dev/null", home,
            secret ? "--list-secret-keys" : "--list-keys");
  out = run (cmd);
  res = calloc (1, 4096);
  assert_non_null (res);
  for (line = strtok_r (out, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save))
    {
      if (!strncmp (line, "pub:", 4) || !strncmp (line, "sec:", 4))
        want = 1;
      else if (want && !strncmp (line, "fpr:", 4))
        {
          p = line + strlen (line) - 1;   /* "fpr:::::::::FPR:" */
          *p = 0;
          p = strrchr (line, ':') + 1;
          if (*res)
            strcat (res, " ");
          strcat (res, p);
          want = 0;
        }
    }
  free (out);
  return res;
}

static void
assert_keys (const char *home, const char *pub, const char *sec)
{
  char *have;

  have = list_fprs (home, 0);
  if (strcmp (have, pub))
    fail_msg ("public keys of %s: [%s], expected [%s]", home, have, pub);
  free (have);
  have = list_fprs (home, 1);
  if (strcmp (have, sec))
    fail_msg ("secret keys of %s: [%s], expected [%s]", home, have, sec);
  free (have);
}

static double
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Decrypt the message to bob in HOME without any passphrase; return
 * gpg's exit status and the time in *R_MS.  */
static int
decrypt_as_bob (const char *home, double *r_ms)
{
  char cmd[512];
  double t0;
  int rc;

  snprintf (cmd, sizeof cmd, "gpg --homedir '%s' --batch --no-options"
            " --no-tty --pinentry-mode loopback --no-random-seed-file"
            " -d '%s/enc-to-bob.gpg' </dev/null >/dev/null 2>&1",
            home, KEYS);
  t0 = now_ms ();
  rc = system (cmd);
  *r_ms = now_ms () - t0;
  return rc;
}

/* Sign with bob's primary key in HOME, no passphrase and no
 * pinentry allowed; gpg's exit status.  */
static int
sign_as_bob (const char *home)
{
  char cmd[512];

  snprintf (cmd, sizeof cmd, "echo x | gpg --homedir '%s' --batch"
            " --no-options --no-tty --pinentry-mode error"
            " --no-random-seed-file -u '%s!' -s >/dev/null 2>&1",
            home, BOB);
  return system (cmd);
}

static pid_t
agent_of (const char *home)
{
  pid_t owner, agent;
  int alive;

  assert_int_equal (homedir_read_owner (home, &owner, &agent, &alive), 0);
  assert_int_equal (owner, getpid ());
  assert_true (alive);
  return agent;
}

/* Wait up to 3 s for PID to be gone (zombies count as gone).  */
static int
gone (pid_t pid)
{
  int i;

  for (i = 0; i < 600 && homedir_pid_alive (pid, 0); i++)
    usleep (5000);
  return !homedir_pid_alive (pid, 0);
}

/* Whether a process runs with "--homedir HOME" in its command line
 * (PREFIX: with a home under HOME).  */
static int
agent_running_match (const char *home, int prefix)
{
  DIR *d = opendir ("/proc");
  struct dirent *e;
  char file[300], buf[4096], *p;
  ssize_t n;
  int fd, found = 0;

  assert_non_null (d);
  while (!found && (e = readdir (d)))
    {
      if (*e->d_name < '0' || *e->d_name > '9')
        continue;
      snprintf (file, sizeof file, "/proc/%s/cmdline", e->d_name);
      if ((fd = open (file, O_RDONLY)) < 0)
        continue;
      n = read (fd, buf, sizeof buf - 1);
      close (fd);
      if (n <= 0 || !homedir_pid_alive (atoi (e->d_name), 0))
        continue;
      buf[n] = 0;
      for (p = buf; p < buf + n; p += strlen (p) + 1)
        if (!strcmp (p, "--homedir") && p + strlen (p) + 1 < buf + n
            && (prefix
                ? !strncmp (p + strlen (p) + 1, home, strlen (home))
                : !strcmp (p + strlen (p) + 1, home))
            && strstr (buf, "gpg-agent"))
          found = 1;
    }
  closedir (d);
  return found;
}

static int
agent_running_for (const char *home)
{
  return agent_running_match (home, 0);
}

/* Stop the agent of a home the test made itself and wait for it.  */
static void
stop_agent (const char *home)
{
  char cmd[300], *out;
  pid_t pid;

  snprintf (cmd, sizeof cmd, "gpg-connect-agent --homedir '%s'"
            " --no-autostart 'GETINFO pid' /bye 2>/dev/null"
            " | sed -n 's/^D //p'", home);
  out = run (cmd);
  pid = atoi (out);
  free (out);
  snprintf (cmd, sizeof cmd, "gpgconf --homedir '%s' --kill gpg-agent",
            home);
  assert_int_equal (system (cmd), 0);
  if (pid > 0)
    assert_true (gone (pid));
}

static int
file_contains (const char *file, const char *needle, size_t nlen)
{
  char buf[65536];
  ssize_t n;
  size_t i;
  int fd = open (file, O_RDONLY);

  if (fd < 0)
    return 0;
  n = read (fd, buf, sizeof buf);
  close (fd);
  for (i = 0; n > 0 && i + nlen <= (size_t)n; i++)
    if (!memcmp (buf + i, needle, nlen))
      return 1;
  return 0;
}


/*
 * Building homes
 */

static void
test_homes_per_keyring_set (void **state)
{
  struct fixture *f = *state;
  pgpstep_pipeline_t pl;
  const char *file, *h0, *h1, *h2, *dir;
  char *message = NULL, *copy;
  pgpstep_keylist_t list = NULL;
  struct stat st;

  setenv ("T_KEYRING_BOB", BOB_PASS, 1);
  file = write_pipeline
    (f, "p.xml",
     "<keyring name='ours' public='" KEYS "/alice.pub.asc' secret='"
     KEYS "/alice.sec.asc'/>\n"
     "<keyring name='partner' public='" KEYS "/bob.pub.asc'/>\n"
     "<keyring name='bin' public='" KEYS "/alice.pub.gpg' secret='"
     KEYS "/bob.sec.gpg' passphrase='env:T_KEYRING_BOB'/>\n"
     "<step type='typed' id='a'><needed>x</needed>"
     "<keyring>ours</keyring><keyring>partner</keyring></step>\n"
     "<step type='typed' id='b'><needed>x</needed>"
     "<keyring>partner</keyring></step>\n"
     "<step type='typed' id='c'><needed>x</needed>"
     "<keyring>partner</keyring><keyring>ours</keyring></step>\n"
     "<step type='typed' id='d'><needed>x</needed>"
     "<keyring>bin</keyring></step>\n"
     "<step type='typed' id='e'><needed>x</needed></step>\n");
  if (load (f, file, &pl, &message))
    fail_msg ("load: %s", message ? message : "?");
  h0 = home_of (pl, 0);
  h1 = home_of (pl, 1);
  h2 = home_of (pl, 2);
  assert_string_not_equal (h0, h1);
  assert_string_equal (h0, h2);   /* Same set, same home.  */
  assert_true (strlen (h0) < 60);
  assert_int_equal (stat (h0, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0700);
  assert_int_equal (strncmp (h0, f->rt, strlen (f->rt)), 0);

  assert_keys (h0, ALICE " " BOB, ALICE);
  assert_keys (h1, BOB, "");
  /* Armored public alice and binary secret bob.  */
  assert_keys (home_of (pl, 3), ALICE " " BOB, BOB);
  /* No keyring: an empty home of its own, not one with keys.  */
  dir = home_of (pl, 4);
  assert_string_not_equal (dir, h0);
  assert_string_not_equal (dir, h1);
  assert_string_not_equal (dir, home_of (pl, 3));
  assert_int_equal (strncmp (dir, f->rt, strlen (f->rt)), 0);
  assert_keys (dir, "", "");
  /* The listing of a loaded pipeline: keyring by keyring.  */
  assert_int_equal (pgpstep_pipeline_keys (pl, NULL, &list), 0);
  assert_int_equal (pgpstep_keylist_count (list), 4);
  assert_string_equal (pgpstep_keylist_at (list, 0)->keyring, "ours");
  assert_string_equal (pgpstep_keylist_at (list, 1)->keyring, "partner");
  assert_string_equal (pgpstep_keylist_at (list, 1)->fingerprint, BOB);
  assert_false (pgpstep_keylist_at (list, 1)->has_secret);
  assert_string_equal (pgpstep_keylist_at (list, 2)->keyring, "bin");
  assert_null (pgpstep_keylist_at (list, 4));
  pgpstep_keylist_release (list);

  copy = strdup (h0);
  pgpstep_pipeline_release (pl);
  assert_int_equal (access (copy, F_OK), -1);
  free (copy);
  free (message);
}

/* Steps without keyrings share one empty, private home that the
 * host removes at release, stopping the agent a gpg run started.  */
static void
test_empty_home (void **state)
{
  struct fixture *f = *state;
  pgpstep_pipeline_t pl;
  const char *file, *h0, *h1;
  char *message = NULL, *copy, *out, cmd[512];
  struct stat st;
  pid_t owner, agent;
  int alive;

  file = write_pipeline
    (f, "p.xml",
     "<step type='typed' id='a'><needed>x</needed></step>\n"
     "<step type='typed' id='b'><needed>y</needed></step>\n");
  if (load (f, file, &pl, &message))
    fail_msg ("load: %s", message ? message : "?");
  h0 = home_of (pl, 0);
  h1 = home_of (pl, 1);
  assert_string_equal (h0, h1);   /* One per pipeline.  */
  assert_int_equal (strncmp (h0, f->rt, strlen (f->rt)), 0);
  assert_true (strlen (h0) < 60);
  assert_int_equal (stat (h0, &st), 0);
  assert_true (S_ISDIR (st.st_mode));
  assert_int_equal (st.st_mode & 0777, 0700);
  assert_int_equal (st.st_uid, geteuid ());
  /* Empty but for the owner file of the stale sweep.  */
  assert_int_equal (count_entries (h0), 1);
  assert_int_equal (homedir_read_owner (h0, &owner, &agent, &alive), 0);
  assert_int_equal (owner, getpid ());
  assert_true (alive);
  assert_int_equal (count_entries (f->rt), 1);

  /* A password-only run there: gpg -c starts an agent.  */
  snprintf (cmd, sizeof cmd, "echo hi | gpg --homedir '%s' --batch"
            " --no-options --pinentry-mode loopback --passphrase pw"
            " --no-symkey-cache --no-random-seed-file -c >/dev/null"
            " 2>&1", h0);
  assert_int_equal (system (cmd), 0);
  snprintf (cmd, sizeof cmd, "gpg-connect-agent --homedir '%s'"
            " --no-autostart 'GETINFO pid' /bye 2>/dev/null"
            " | sed -n 's/^D //p'", h0);
  out = run (cmd);
  agent = atoi (out);
  free (out);
  assert_true (agent > 0);
  assert_true (agent_running_for (h0));

  copy = strdup (h0);
  pgpstep_pipeline_release (pl);
  assert_int_equal (access (copy, F_OK), -1);
  assert_true (gone (agent));
  assert_false (agent_running_for (copy));
  assert_int_equal (count_entries (f->rt), 0);
  free (copy);
  free (message);

  /* Released unused: nothing left either.  */
  if (load (f, file, &pl, &message))
    fail_msg ("load: %s", message ? message : "?");
  copy = strdup (home_of (pl, 0));
  pgpstep_pipeline_release (pl);
  assert_int_equal (access (copy, F_OK), -1);
  assert_int_equal (count_entries (f->rt), 0);
  free (copy);
  free (message);
}

static void
test_protected_unprotected_fast (void **state)
{
  struct fixture *f = *state;
  pgpstep_pipeline_t pl;
  const char *file, *home;
  char *message = NULL, secret[160];
  double ms;
  int i;

  /* secret: from the store (0600), and env: for the other keyring.  */
  snprintf (secret, sizeof secret, "%s/bob", f->dir);
  write_file (secret, BOB_PASS "\n", 0600);
  file = write_pipeline
    (f, "p.xml",
     "<keyring name='bob' secret='" KEYS "/bob.sec.asc'"
     " passphrase='secret:bob'/>\n"
     "<step type='typed' id='a'><needed>x</needed>"
     "<keyring>bob</keyring></step>\n");
  if (load (f, file, &pl, &message))
    fail_msg ("load: %s", message ? message : "?");
  home = home_of (pl, 0);
  assert_keys (home, BOB, BOB);
  /* No passphrase at all: only an unprotected key decrypts.  */
  for (i = 0; i < 3; i++)
    {
      assert_int_equal (decrypt_as_bob (home, &ms), 0);
      print_message ("decrypt with bob's RSA-3072 key in the runtime home:"
                     " %.1f ms\n", ms);
    }
  /* And the primary key (its own S2K, checked on its own) signs.  */
  assert_int_equal (sign_as_bob (home), 0);
  /* Speed is measured in tests/bench, never asserted here: decrypting
   * with no passphrase at all already proves the key is unprotected.  */
  pgpstep_pipeline_release (pl);
  free (message);
}

static void
test_wrong_passphrase (void **state)
{
  struct fixture *f = *state;
  pgpstep_pipeline_t good = NULL;
  const char *file;
  char *message = NULL;

  setenv ("T_KEYRING_BOB", BOB_PASS, 1);
  setenv ("T_KEYRING_WRONG", "bob passphrasX", 1);
  file = write_pipeline
    (f, "good.xml",
     "<keyring name='bob' secret='" KEYS "/bob.sec.asc'"
     " passphrase='env:T_KEYRING_BOB'/>\n"
     "<step type='typed' id='a'><needed>x</needed>"
     "<keyring>bob</keyring></step>\n");
  assert_int_equal (load (f, file, &good, NULL), 0);

  /* The correct load above must not vouch for a wrong passphrase.  */
  file = write_pipeline
    (f, "bad.xml",
     "<keyring name='partner' secret='" KEYS "/bob.sec.asc'"
     " passphrase='env:T_KEYRING_WRONG'/>\n"
     "<step type='typed' id='a'><needed>x</needed>"
     "<keyring>partner</keyring></step>\n");
  assert_int_equal (gpg_err_code (load (f, file, NULL, &message)),
                    GPG_ERR_BAD_PASSPHRASE);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_BAD_PASSPHRASE)),
                    67);
  assert_non_null (strstr (message, "keyring 'partner'"));
  assert_non_null (strstr (message, BOB));
  assert_non_null (strstr (message, "wrong passphrase"));
  assert_int_equal (count_entries (f->rt), 1);  /* Only the good one.  */
  free (message);
  pgpstep_pipeline_release (good);
  assert_null (strstr (logbuf, "bob passphras"));
}

/* The keygrips of bob's primary key and subkey in HOME into GRIPS.  */
static void
bob_grips (const char *home, char grips[2][41])
{
  char cmd[256], *out, *line, *save = NULL, *p;
  int n = 0;

  snprintf (cmd, sizeof cmd, "gpg --homedir '%s' --batch --no-options"
            " --with-colons --with-keygrip -K %s 2>/dev/null", home, BOB);
  out = run (cmd);
  for (line = strtok_r (out, "\n", &save); line && n < 2;
       line = strtok_r (NULL, "\n", &save))
    if (!strncmp (line, "grp:", 4) && (p = strchr (line, 0) - 41) > line)
      {
        memcpy (grips[n], p, 40);
        grips[n++][40] = 0;
      }
  free (out);
  assert_int_equal (n, 2);
}

/* The agent caches the passphrase of a key it unlocked for gpg; a
 * wrong passphrase is still refused for that key and leaves it
 * protected, and the right one then unprotects it.  */
static void
test_unprotect_ignores_cached_passphrase (void **state)
{
  struct fixture *f = *state;
  char home[80], cmd[1024], grips[2][41];
  gpgme_ctx_t actx = NULL;
  int i, protected;

  snprintf (home, sizeof home, "%s/h", f->dir);
  assert_int_equal (mkdir (home, 0700), 0);
  snprintf (cmd, sizeof cmd, "gpg --homedir '%s' --batch --no-options"
            " --import '%s/bob.sec.asc' >/dev/null 2>&1"
            " && gpg --homedir '%s' --batch --no-options"
            " --pinentry-mode loopback --passphrase '" BOB_PASS "'"
            " -d '%s/enc-to-bob.gpg' >/dev/null 2>&1"
            " && echo x | gpg --homedir '%s' --batch --no-options"
            " --pinentry-mode loopback --passphrase '" BOB_PASS "'"
            " -u '" BOB "!' -s >/dev/null 2>&1",
            home, KEYS, home, KEYS, home);
  assert_int_equal (system (cmd), 0);
  bob_grips (home, grips);

  assert_int_equal (agent_connect (home, &actx), 0);
  for (i = 0; i < 2; i++)
    {
      assert_int_equal (gpg_err_code (agent_unprotect
                                      (actx, grips[i], "bob passphrasX",
                                       14)),
                        GPG_ERR_BAD_PASSPHRASE);
      assert_int_equal (agent_is_protected (actx, grips[i], &protected), 0);
      assert_true (protected);
    }
  for (i = 0; i < 2; i++)
    {
      assert_int_equal (agent_unprotect (actx, grips[i], BOB_PASS,
                                         strlen (BOB_PASS)), 0);
      assert_int_equal (agent_is_protected (actx, grips[i], &protected), 0);
      assert_false (protected);
    }
  gpgme_release (actx);
  assert_int_equal (agent_stop (home, 0), 0);
}

static void
test_missing_passphrase (void **state)
{
  struct fixture *f = *state;
  const char *file;
  char *message = NULL;

  file = write_pipeline
    (f, "p.xml",
     "<keyring name='bob' secret='" KEYS "/bob.sec.asc'/>\n"
     "<step type='typed' id='a'><needed>x</needed>"
     "<keyring>bob</keyring></step>\n");
  assert_int_equal (gpg_err_code (load (f, file, NULL, &message)),
                    GPG_ERR_NO_PASSPHRASE);
  assert_non_null (strstr (message, "keyring 'bob'"));
  assert_non_null (strstr (message, BOB));
  free (message);
}

static void
test_secret_file_mode (void **state)
{
  struct fixture *f = *state;
  const char *file;
  char *message = NULL, secret[160];

  snprintf (secret, sizeof secret, "%s/bob", f->dir);
  write_file (secret, BOB_PASS, 0644);
  file = write_pipeline
    (f, "p.xml",
     "<keyring name='bob' secret='" KEYS "/bob.sec.asc'"
     " passphrase='secret:bob'/>\n"
     "<step type='typed' id='a'><needed>x</needed>"
     "<keyring>bob</keyring></step>\n");
  assert_int_equal (gpg_err_code (load (f, file, NULL, &message)),
                    GPG_ERR_CONFIGURATION);
  assert_non_null (strstr (message, "keyring 'bob'"));
  assert_non_null (strstr (message, "0644"));
  free (message);
  assert_null (strstr (logbuf, BOB_PASS));
}

static void
test_bad_key_files (void **state)
{
  struct fixture *f = *state;
  const char *file;
  char *message = NULL, garbage[160], body[512];

  file = write_pipeline
    (f, "p.xml",
     "<keyring name='partner' public='keys/none.asc'/>\n"
     "<step type='typed' id='a'><needed>x</needed>"
     "<keyring>partner</keyring></step>\n");
  assert_int_equal (gpg_err_code (load (f, file, NULL, &message)),
                    GPG_ERR_CONFIGURATION);
  assert_non_null (strstr (message, "keyring 'partner'"));
  assert_non_null (strstr (message, "public="));
  assert_non_null (strstr (message, "keys/none.asc"));
  free (message);

  snprintf (garbage, sizeof garbage, "%s/garbage.asc", f->dir);
  write_file (garbage, "this is not a key\n", 0644);
  snprintf (body, sizeof body,
            "<keyring name='partner' public='%s'/>\n"
            "<step type='typed' id='a'><needed>x</needed>"
            "<keyring>partner</keyring></step>\n", garbage);
  file = write_pipeline (f, "p.xml", body);
  assert_int_equal (gpg_err_code (load (f, file, NULL, &message)),
                    GPG_ERR_CONFIGURATION);
  assert_non_null (strstr (message, "keyring 'partner': public="));
  assert_non_null (strstr (message, "no OpenPGP key found"));
  free (message);

  /* A secret= file with public keys only.  */
  file = write_pipeline
    (f, "p.xml",
     "<keyring name='ours' secret='" KEYS "/alice.pub.asc'/>\n"
     "<step type='typed' id='a'><needed>x</needed>"
     "<keyring>ours</keyring></step>\n");
  assert_int_equal (gpg_err_code (load (f, file, NULL, &message)),
                    GPG_ERR_CONFIGURATION);
  assert_non_null (strstr (message, "no secret key found"));
  free (message);
}

/* The agent of a home that gets a secret key file starts before the
 * import (so that its pid is known to the signal cleanup throughout):
 * when the import then fails, the failed load still stops it.  */
static void
test_failed_secret_import_stops_agent (void **state)
{
  struct fixture *f = *state;
  const char *file;
  char *message = NULL;
  int i;

  file = write_pipeline
    (f, "p.xml",
     "<keyring name='ours' secret='" KEYS "/alice.pub.asc'/>\n"
     "<step type='typed' id='a'><needed>x</needed>"
     "<keyring>ours</keyring></step>\n");
  assert_int_equal (gpg_err_code (load (f, file, NULL, &message)),
                    GPG_ERR_CONFIGURATION);
  assert_non_null (strstr (message, "no secret key found"));
  for (i = 0; i < 600 && agent_running_match (f->rt, 1); i++)
    usleep (5000);
  assert_false (agent_running_match (f->rt, 1));
  free (message);
}

/* A rotated key: the secret file has a subkey the public file lacks
 * (a partner drops in the new secret key first).  */
static void
test_secret_file_with_new_subkey (void **state)
{
  struct fixture *f = *state;
  pgpstep_pipeline_t pl;
  const char *file;
  char cmd[4096], body[512], sec[160], *message = NULL, *out;

  snprintf (sec, sizeof sec, "%s/alice-rotated.sec.asc", f->dir);
  snprintf (cmd, sizeof cmd,
            "mkdir -m 700 '%s/g' && gpg --homedir '%s/g' --batch -q"
            " --import '%s/alice.sec.asc' 2>/dev/null"
            " && gpg --homedir '%s/g' --batch -q --pinentry-mode loopback"
            " --passphrase '' --quick-add-key " ALICE " cv25519 encr 2y"
            " 2>/dev/null && gpg --homedir '%s/g' --batch -q -a"
            " --export-secret-keys " ALICE " > '%s'"
            " && gpgconf --homedir '%s/g' --kill all",
            f->dir, f->dir, KEYS, f->dir, f->dir, sec, f->dir);
  assert_int_equal (system (cmd), 0);
  snprintf (body, sizeof body,
            "<keyring name='ours' public='" KEYS "/alice.pub.asc'"
            " secret='%s'/>\n"
            "<step type='typed' id='a'><needed>x</needed>"
            "<keyring>ours</keyring></step>\n", sec);
  file = write_pipeline (f, "p.xml", body);
  if (load (f, file, &pl, &message))
    fail_msg ("load: %s", message ? message : "?");
  /* Both encryption subkeys are there, with their secret parts.  */
  snprintf (cmd, sizeof cmd, "gpg --homedir '%s' --batch --with-colons"
            " -K 2>/dev/null | grep -c '^ssb:'", home_of (pl, 0));
  out = run (cmd);
  assert_string_equal (out, "2\n");
  free (out);
  pgpstep_pipeline_release (pl);
  free (message);
}


/*
 * A GnuPG home as the source
 */

/* "NAME MODE SIZE MTIME-NS" for every entry under DIR (recursively).  */
static void
snapshot (const char *dir, char *out, size_t size)
{
  char cmd[300], *s;

  snprintf (cmd, sizeof cmd, "cd '%s' && find . -printf '%%p %%m %%s %%T@ %%C@\\n'"
            " | LC_ALL=C sort", dir);
  s = run (cmd);
  snprintf (out, size, "%s", s);
  free (s);
}

static void
test_home_source (void **state)
{
  struct fixture *f = *state;
  pgpstep_pipeline_t pl;
  char src[128], cmd[600], body[1024], before[8192], after[8192];
  char *message = NULL;
  const char *file, *home;
  double ms;

  /* A user's home with alice and bob; its agent stopped again.  */
  snprintf (src, sizeof src, "%s/src", f->dir);
  assert_int_equal (mkdir (src, 0700), 0);
  snprintf (cmd, sizeof cmd,
            "gpg --homedir '%s' --batch --no-tty --import '%s/alice.sec.asc'"
            " '%s/bob.sec.asc' >/dev/null 2>&1", src, KEYS, KEYS);
  assert_int_equal (system (cmd), 0);
  stop_agent (src);
  assert_false (agent_running_for (src));
  snapshot (src, before, sizeof before);

  setenv ("T_KEYRING_BOB", BOB_PASS, 1);
  snprintf (body, sizeof body,
            "<keyring name='theirs' home='%s' keys='" BOB "'"
            " passphrase='env:T_KEYRING_BOB'/>\n"
            "<step type='typed' id='a'><needed>x</needed>"
            "<keyring>theirs</keyring></step>\n", src);
  file = write_pipeline (f, "p.xml", body);
  if (load (f, file, &pl, &message))
    fail_msg ("load: %s", message ? message : "?");
  home = home_of (pl, 0);
  assert_keys (home, BOB, BOB);
  assert_int_equal (decrypt_as_bob (home, &ms), 0);
  print_message ("decrypt in a home built from a GnuPG home: %.1f ms\n",
                 ms);

  /* The source home: untouched, and no agent was started for it.  */
  snapshot (src, after, sizeof after);
  assert_string_equal (before, after);
  assert_false (agent_running_for (src));
  pgpstep_pipeline_release (pl);
  free (message);

  /* A key the home lacks.  */
  snprintf (body, sizeof body,
            "<keyring name='theirs' home='%s' keys='" CAROL "'/>\n"
            "<step type='typed' id='a'><needed>x</needed>"
            "<keyring>theirs</keyring></step>\n", src);
  file = write_pipeline (f, "p.xml", body);
  assert_int_equal (gpg_err_code (load (f, file, NULL, &message)),
                    GPG_ERR_CONFIGURATION);
  assert_non_null (strstr (message, CAROL));
  assert_non_null (strstr (message, "not found"));
  free (message);
  snapshot (src, after, sizeof after);
  assert_string_equal (before, after);
}


/*
 * Lifetime
 */

static void
test_release_stops_agent (void **state)
{
  struct fixture *f = *state;
  pgpstep_pipeline_t pl;
  const char *file;
  char *home, *message = NULL;
  pid_t agent;

  file = write_pipeline
    (f, "p.xml",
     "<keyring name='ours' secret='" KEYS "/alice.sec.asc'/>\n"
     "<step type='typed' id='a'><needed>x</needed>"
     "<keyring>ours</keyring></step>\n");
  if (load (f, file, &pl, &message))
    fail_msg ("load: %s", message ? message : "?");
  home = strdup (home_of (pl, 0));
  agent = agent_of (home);
  assert_true (agent > 0);
  assert_true (homedir_pid_alive (agent, 0));
  pgpstep_pipeline_release (pl);
  /* Released means gone: no waiting here beyond what release did.  */
  assert_false (homedir_pid_alive (agent, 0));
  assert_int_equal (access (home, F_OK), -1);
  free (home);
  free (message);
}

static void
test_sweep_stale (void **state)
{
  struct fixture *f = *state;
  char stale[160], live[160], file[200], cmd[400], *out;
  const char *pfile;
  pid_t dead, agent;
  FILE *fp;

  /* A pid that surely is gone: a reaped child.  */
  dead = fork ();
  if (!dead)
    _exit (0);
  assert_int_equal (waitpid (dead, NULL, 0), dead);

  /* A stale home with a running agent and key material.  */
  snprintf (stale, sizeof stale, "%s/ps.stale1", f->rt);
  assert_int_equal (mkdir (stale, 0700), 0);
  snprintf (cmd, sizeof cmd, "gpg --homedir '%s' --batch --no-tty --import"
            " '%s/alice.sec.asc' >/dev/null 2>&1", stale, KEYS);
  assert_int_equal (system (cmd), 0);
  snprintf (cmd, sizeof cmd, "gpg-connect-agent --homedir '%s'"
            " 'GETINFO pid' /bye | sed -n 's/^D //p'", stale);
  out = run (cmd);
  agent = atoi (out);
  free (out);
  assert_true (agent > 0);
  snprintf (file, sizeof file, "%s/" HOMEDIR_OWNER_FILE, stale);
  fp = fopen (file, "w");
  assert_non_null (fp);
  fprintf (fp, "%ld 1\n%ld %llu\n", (long)dead, (long)agent,
           homedir_pid_start (agent));
  fclose (fp);

  /* A home of a live process (ourselves, as another host would be) and
   * a directory without owner file stay.  */
  snprintf (live, sizeof live, "%s/ps.live1", f->rt);
  assert_int_equal (mkdir (live, 0700), 0);
  snprintf (file, sizeof file, "%s/" HOMEDIR_OWNER_FILE, live);
  fp = fopen (file, "w");
  fprintf (fp, "%ld %llu\n0 0\n", (long)getppid (),
           homedir_pid_start (getppid ()));
  fclose (fp);

  /* The next host in this runtime directory sweeps before its first
   * home.  */
  pgpstep_release (f->host);
  new_host (f);
  assert_int_equal (access (stale, F_OK), 0);
  pfile = write_pipeline
    (f, "p.xml",
     "<keyring name='partner' public='" KEYS "/carol.pub.asc'/>\n"
     "<step type='typed' id='a'><needed>x</needed></step>\n");
  assert_int_equal (load (f, pfile, NULL, NULL), 0);
  assert_int_equal (access (stale, F_OK), -1);
  assert_true (gone (agent));
  assert_int_equal (access (live, F_OK), 0);
  assert_non_null (strstr (logbuf, "ps.stale1"));
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", live);
  assert_int_equal (system (cmd), 0);
}

static void
test_secret_not_leaked (void **state)
{
  struct fixture *f = *state;
  pgpstep_pipeline_t pl;
  const char *file, *home;
  char *message = NULL, secret[160], proc[64];
  pid_t agent;

  /* env: references are inherited by every child (tests only); the
   * store's secrets must not be.  */
  unsetenv ("T_KEYRING_BOB");
  unsetenv ("T_KEYRING_WRONG");
  snprintf (secret, sizeof secret, "%s/bob", f->dir);
  write_file (secret, BOB_PASS, 0600);
  file = write_pipeline
    (f, "p.xml",
     "<keyring name='bob' secret='" KEYS "/bob.sec.asc'"
     " passphrase='secret:bob'/>\n"
     "<step type='typed' id='a'><needed>x</needed>"
     "<keyring>bob</keyring></step>\n");
  if (load (f, file, &pl, &message))
    fail_msg ("load: %s", message ? message : "?");
  home = home_of (pl, 0);
  agent = agent_of (home);
  assert_true (agent > 0);
  /* The agent (a child of a child) got it neither way.  */
  snprintf (proc, sizeof proc, "/proc/%ld/cmdline", (long)agent);
  assert_true (access (proc, R_OK) == 0);
  assert_false (file_contains (proc, BOB_PASS, strlen (BOB_PASS)));
  snprintf (proc, sizeof proc, "/proc/%ld/environ", (long)agent);
  assert_false (file_contains (proc, BOB_PASS, strlen (BOB_PASS)));
  pgpstep_pipeline_release (pl);
  free (message);
  assert_null (strstr (logbuf, BOB_PASS));
}


/*
 * Listing
 */

static const struct pgpstep_keyinfo *
find_key (pgpstep_keylist_t list, const char *fpr)
{
  const struct pgpstep_keyinfo *ki;
  unsigned int i;

  for (i = 0; (ki = pgpstep_keylist_at (list, i)); i++)
    if (!strcmp (ki->fingerprint, fpr))
      return ki;
  fail_msg ("key %s not listed", fpr);
  return NULL;
}

static void
test_keylist (void **state)
{
  struct fixture *f = *state;
  struct pgpstep_keylist_options opt;
  pgpstep_keylist_t list = NULL;
  const struct pgpstep_keyinfo *ki;
  const char *file;
  char *message = NULL, *json = NULL;

  setenv ("T_KEYRING_BOB", BOB_PASS, 1);
  file = write_pipeline
    (f, "p.xml",
     "<keyring name='ours' secret='" KEYS "/alice.sec.asc'/>\n"
     "<keyring name='bob' secret='" KEYS "/bob.sec.asc'"
     " passphrase='env:T_KEYRING_BOB'/>\n"
     "<keyring name='partners' public='" KEYS "/carol.pub.asc'/>\n"
     "<keyring name='odd' public='" KEYS "/signonly.pub.asc'/>\n"
     "<keyring name='bad' public='" KEYS "/expired.pub.asc'/>\n"
     "<keyring name='worse' public='" KEYS "/revoked.pub.asc'/>\n"
     "<step type='typed' id='a'><needed>x</needed>"
     "<keyring>ours</keyring><keyring>partners</keyring></step>\n");
  memset (&opt, 0, sizeof opt);
  opt.struct_size = sizeof opt;
  if (pgpstep_keys_load_file (f->host, file, &opt, &list, &message))
    fail_msg ("keys: %s", message ? message : "?");
  assert_int_equal (pgpstep_keylist_count (list), 6);
  /* Nothing stays behind a listing.  */
  assert_int_equal (count_entries (f->rt), 0);

  ki = pgpstep_keylist_at (list, 0);
  assert_string_equal (ki->keyring, "ours");
  assert_string_equal (ki->fingerprint, ALICE);
  assert_string_equal (ki->user_ids[0], "Alice Example <alice@example.org>");
  assert_null (ki->user_ids[1]);
  assert_string_equal (ki->algorithm, "ed25519");
  assert_int_equal (ki->capabilities, PGPSTEP_KEY_CAN_ENCRYPT
                    | PGPSTEP_KEY_CAN_SIGN | PGPSTEP_KEY_CAN_CERTIFY);
  assert_true (ki->has_secret);
  assert_int_equal (ki->status, PGPSTEP_KEY_VALID);
  assert_int_equal (ki->expires, 0);

  ki = find_key (list, BOB);
  assert_string_equal (ki->algorithm, "rsa3072");
  assert_int_equal (ki->bits, 3072);
  assert_true (ki->has_secret);

  ki = find_key (list, CAROL);
  assert_string_equal (ki->keyring, "partners");
  assert_false (ki->has_secret);
  assert_int_equal (ki->status, PGPSTEP_KEY_VALID);
  assert_int_equal (ki->expires, 1890056524);
  assert_int_equal (ki->capabilities, PGPSTEP_KEY_CAN_ENCRYPT
                    | PGPSTEP_KEY_CAN_SIGN | PGPSTEP_KEY_CAN_CERTIFY);

  ki = find_key (list, SIGNONLY);
  assert_int_equal (ki->capabilities & PGPSTEP_KEY_CAN_ENCRYPT, 0);
  assert_true (ki->capabilities & PGPSTEP_KEY_CAN_SIGN);
  assert_int_equal (find_key (list, EXPIRED)->status, PGPSTEP_KEY_EXPIRED);
  assert_int_equal (find_key (list, EXPIRED)->capabilities, 0);
  assert_int_equal (find_key (list, REVOKED)->status, PGPSTEP_KEY_REVOKED);

  assert_int_equal (pgpstep_keylist_to_json (list, &json), 0);
  assert_non_null (strstr (json, "\"fingerprint\": \"" CAROL "\""));
  assert_non_null (strstr (json, "\"expires\": \"2029-11-22T"));
  assert_non_null (strstr (json, "\"status\": \"revoked\""));
  pgpstep_free (json);
  pgpstep_keylist_release (list);

  /* Carol expires in about three years: critical with 2000 days.  */
  opt.warn_days = 2000;
  assert_int_equal (pgpstep_keys_load_file (f->host, file, &opt, &list,
                                            NULL), 0);
  assert_int_equal (find_key (list, CAROL)->status, PGPSTEP_KEY_CRITICAL);
  assert_int_equal (find_key (list, ALICE)->status, PGPSTEP_KEY_VALID);
  pgpstep_keylist_release (list);
  free (message);
}

/*
 * Parallel messages
 */

struct parallel_msg
{
  pgpstep_pipeline_t pl;
  const char *meet;             /* Messages to meet in the step.  */
  gpg_error_t err;
  char *home;
};

static ssize_t
read_nothing (void *handle, void *buffer, size_t size)
{
  (void) handle;
  (void) buffer;
  (void) size;
  return 0;
}

static ssize_t
write_away (void *handle, const void *buffer, size_t size)
{
  (void) handle;
  (void) buffer;
  return size;
}

/* Run one (empty) message through PM->pl; its step's home in
 * PM->home.  */
static void *
run_message (void *arg)
{
  struct parallel_msg *pm = arg;
  struct pgpstep_input in = { sizeof in, -1, NULL, read_nothing };
  struct pgpstep_output out = { sizeof out, -1, NULL, write_away, NULL,
                                NULL };
  pgpstep_result_t res = NULL;
  pgpstep_headers_t headers = NULL;
  const char *home;

  assert_int_equal (pgpstep_headers_new (&headers), 0);
  assert_int_equal (pgpstep_headers_set (headers, "meet", pm->meet), 0);
  pm->err = pgpstep_run (pm->pl, headers, &in, &out, NULL, &res);
  pgpstep_headers_release (headers);
  home = pgpstep_headers_get (pgpstep_result_headers (res), "test.home");
  pm->home = home ? strdup (home) : NULL;
  pgpstep_result_release (res);
  return NULL;
}

/* Whether gpg decrypts enc-to-bob.gpg in HOME with no passphrase.  */
static int
decrypts_unprompted (const char *home)
{
  char cmd[400];

  snprintf (cmd, sizeof cmd, "gpg --homedir '%s' --batch --no-tty"
            " --pinentry-mode error -o - -d '%s/enc-to-bob.gpg'"
            " >/dev/null 2>&1", home, KEYS);
  return system (cmd) == 0;
}

static void
test_parallel_messages_own_homes (void **state)
{
  struct fixture *f = *state;
  struct parallel_msg pm[2];
  pthread_t thread[2];
  pgpstep_pipeline_t pl;
  const char *file;
  char *primary, *message = NULL;
  pid_t agent, copy_agent;
  int i;

  setenv ("T_KEYRING_BOB", BOB_PASS, 1);
  file = write_pipeline
    (f, "p.xml",
     "<keyring name='bob' secret='" KEYS "/bob.sec.asc'"
     " passphrase='env:T_KEYRING_BOB'/>\n"
     "<step type='home' id='h'><keyring>bob</keyring>"
     "<meet>${header.meet}</meet></step>\n");
  if (load (f, file, &pl, &message))
    fail_msg ("load: %s", message ? message : "?");
  primary = strdup (home_of (pl, 0));
  agent = agent_of (primary);

  /* Two messages in the step at once (each waits for the other):
   * each has a home and an agent of its own.  */
  for (i = 0; i < 2; i++)
    {
      memset (pm + i, 0, sizeof pm[i]);
      pm[i].pl = pl;
      pm[i].meet = "2";
      assert_int_equal (pthread_create (thread + i, NULL, run_message,
                                        pm + i), 0);
    }
  for (i = 0; i < 2; i++)
    {
      pthread_join (thread[i], NULL);
      assert_int_equal (pm[i].err, 0);
      assert_non_null (pm[i].home);
    }
  /* The host logs why it could not make a copy.  */
  if (!strcmp (pm[0].home, pm[1].home))
    fail_msg ("both messages ran in %s; log:\n%s", pm[0].home, logbuf);
  assert_true (!strcmp (pm[0].home, primary) || !strcmp (pm[1].home, primary));
  i = !strcmp (pm[0].home, primary);    /* The copy.  */
  copy_agent = agent_of (pm[i].home);
  assert_true (copy_agent > 0);
  assert_true (copy_agent != agent);
  /* The copy holds the keyring, its secret key already unprotected.  */
  {
    char *fprs = list_fprs (pm[i].home, 1);
    assert_string_equal (fprs, BOB);
    free (fprs);
  }
  assert_true (decrypts_unprompted (pm[i].home));

  /* One message at a time uses the step's home again.  */
  pm[1 - i].meet = "1";
  free (pm[1 - i].home);
  run_message (pm + 1 - i);
  assert_int_equal (pm[1 - i].err, 0);
  assert_string_equal (pm[1 - i].home, primary);

  pgpstep_pipeline_release (pl);
  /* The copy went with its agent.  */
  assert_int_equal (access (pm[i].home, F_OK), -1);
  assert_false (homedir_pid_alive (copy_agent, 0));
  for (i = 0; i < 2; i++)
    free (pm[i].home);
  free (primary);
  free (message);
}


/* Two keyrings with bob's key in one home: the second import keeps
 * the key the first unprotected, so every keyring's passphrase must be
 * checked on its own copy.  */
#define BOB_OTHER_PASS "other bob passphrase"

/* Write FILE: bob's secret key protected with BOB_OTHER_PASS.  */
static void
write_bob_other (struct fixture *f, const char *file)
{
  char home[80], cmd[1024];

  snprintf (home, sizeof home, "%s/o", f->dir);
  assert_int_equal (mkdir (home, 0700), 0);
  /* gpg --passwd asks old and new for the primary key; the subkey
   * gets the new one too (the agent keeps the old through a cache
   * nonce).  */
  snprintf (cmd, sizeof cmd,
            "gpg --homedir '%s' --batch --no-options -q --import"
            " '%s/bob.sec.asc' >/dev/null 2>&1"
            " && printf '%%s\\n' '" BOB_PASS "' '" BOB_OTHER_PASS "'"
            " '" BOB_OTHER_PASS "' '" BOB_OTHER_PASS "'"
            " | gpg --homedir '%s' --batch --no-options"
            " --pinentry-mode loopback --command-fd 0 --passwd " BOB
            " >/dev/null 2>&1"
            " && gpg --homedir '%s' --batch --no-options"
            " --pinentry-mode loopback --passphrase '" BOB_OTHER_PASS "'"
            " -a -o '%s' --export-secret-keys " BOB " >/dev/null 2>&1",
            home, KEYS, home, home, file);
  assert_int_equal (system (cmd), 0);
  assert_int_equal (agent_stop (home, 0), 0);
}

/* Load a pipeline whose step names keyrings 'first' (bob.sec.asc,
 * passphrase env:T_KEYRING_FIRST) and 'second' (SECOND_FILE,
 * env:T_KEYRING_SECOND), in one home.  */
static gpg_error_t
load_shared_bob (struct fixture *f, const char *second_file,
                 const char *first_pass, const char *second_pass,
                 pgpstep_pipeline_t *r_pl, char **r_message)
{
  char body[1024];
  const char *file;

  setenv ("T_KEYRING_FIRST", first_pass, 1);
  setenv ("T_KEYRING_SECOND", second_pass, 1);
  snprintf (body, sizeof body,
            "<keyring name='first' secret='" KEYS "/bob.sec.asc'"
            " passphrase='env:T_KEYRING_FIRST'/>\n"
            "<keyring name='second' secret='%s'"
            " passphrase='env:T_KEYRING_SECOND'/>\n"
            "<step type='typed' id='a'><needed>x</needed>"
            "<keyring>first</keyring><keyring>second</keyring></step>\n",
            second_file);
  file = write_pipeline (f, "shared.xml", body);
  return load (f, file, r_pl, r_message);
}

static void
test_shared_key_same_passphrase_loads (void **state)
{
  struct fixture *f = *state;
  pgpstep_pipeline_t pl = NULL;
  char *message = NULL;

  if (load_shared_bob (f, KEYS "/bob.sec.asc", BOB_PASS, BOB_PASS, &pl,
                       &message))
    fail_msg ("load: %s", message ? message : "?");
  assert_int_equal (count_entries (f->rt), 1);  /* One home.  */
  assert_true (decrypts_unprompted (home_of (pl, 0)));
  pgpstep_pipeline_release (pl);
  free (message);
}

static void
test_shared_key_second_wrong_passphrase_fails (void **state)
{
  struct fixture *f = *state;
  char *message = NULL;

  assert_int_equal (gpg_err_code (load_shared_bob (f, KEYS "/bob.sec.asc",
                                                   BOB_PASS,
                                                   "bob passphrasX", NULL,
                                                   &message)),
                    GPG_ERR_BAD_PASSPHRASE);
  assert_non_null (message);
  assert_non_null (strstr (message, "keyring 'second'"));
  assert_non_null (strstr (message, BOB));
  assert_non_null (strstr (message, "wrong passphrase"));
  assert_non_null (strstr (message, "env:T_KEYRING_SECOND"));
  assert_int_equal (count_entries (f->rt), 0);
  assert_null (strstr (logbuf, "bob passphras"));
  free (message);
}

static void
test_shared_key_other_protection_loads (void **state)
{
  struct fixture *f = *state;
  pgpstep_pipeline_t pl = NULL;
  char other[128], *message = NULL;

  snprintf (other, sizeof other, "%s/bob-other.asc", f->dir);
  write_bob_other (f, other);

  /* Each file's own passphrase: both right.  */
  if (load_shared_bob (f, other, BOB_PASS, BOB_OTHER_PASS, &pl, &message))
    fail_msg ("load: %s", message ? message : "?");
  assert_true (decrypts_unprompted (home_of (pl, 0)));
  pgpstep_pipeline_release (pl);
  pl = NULL;

  /* The other file with a passphrase right for neither copy.  */
  assert_int_equal (gpg_err_code (load_shared_bob (f, other, BOB_PASS,
                                                   "other bob passphrasX",
                                                   NULL, &message)),
                    GPG_ERR_BAD_PASSPHRASE);
  assert_non_null (strstr (message, "keyring 'second'"));
  assert_non_null (strstr (message, "wrong passphrase"));
  free (message);
  message = NULL;

  /* And the other way round: the first keyring brings the other
   * copy.  */
  setenv ("T_KEYRING_FIRST", BOB_OTHER_PASS, 1);
  setenv ("T_KEYRING_SECOND", "bob passphrasX", 1);
  {
    char body[1024];
    const char *file;

    snprintf (body, sizeof body,
              "<keyring name='first' secret='%s'"
              " passphrase='env:T_KEYRING_FIRST'/>\n"
              "<keyring name='second' secret='" KEYS "/bob.sec.asc'"
              " passphrase='env:T_KEYRING_SECOND'/>\n"
              "<step type='typed' id='a'><needed>x</needed>"
              "<keyring>first</keyring><keyring>second</keyring></step>\n",
              other);
    file = write_pipeline (f, "rev.xml", body);
    assert_int_equal (gpg_err_code (load (f, file, NULL, &message)),
                      GPG_ERR_BAD_PASSPHRASE);
    assert_non_null (strstr (message, "keyring 'second'"));
  }
  assert_int_equal (count_entries (f->rt), 0);
  assert_null (strstr (logbuf, "bob passphras"));
  free (message);
}


/* The second keyring copies bob's key from a GnuPG home.  */
static void
test_shared_key_from_home_checked (void **state)
{
  struct fixture *f = *state;
  pgpstep_pipeline_t pl = NULL;
  char src[128], cmd[600], body[1024], before[8192], after[8192];
  char *message = NULL;
  const char *file;

  snprintf (src, sizeof src, "%s/src", f->dir);
  assert_int_equal (mkdir (src, 0700), 0);
  snprintf (cmd, sizeof cmd,
            "gpg --homedir '%s' --batch --no-tty --import '%s/bob.sec.asc'"
            " >/dev/null 2>&1", src, KEYS);
  assert_int_equal (system (cmd), 0);
  stop_agent (src);
  snapshot (src, before, sizeof before);

  setenv ("T_KEYRING_FIRST", BOB_PASS, 1);
  snprintf (body, sizeof body,
            "<keyring name='first' secret='" KEYS "/bob.sec.asc'"
            " passphrase='env:T_KEYRING_FIRST'/>\n"
            "<keyring name='second' home='%s' keys='" BOB "'"
            " passphrase='env:T_KEYRING_SECOND'/>\n"
            "<step type='typed' id='a'><needed>x</needed>"
            "<keyring>first</keyring><keyring>second</keyring></step>\n",
            src);
  file = write_pipeline (f, "p.xml", body);

  setenv ("T_KEYRING_SECOND", "bob passphrasX", 1);
  assert_int_equal (gpg_err_code (load (f, file, NULL, &message)),
                    GPG_ERR_BAD_PASSPHRASE);
  assert_non_null (strstr (message, "keyring 'second'"));
  assert_non_null (strstr (message, "wrong passphrase"));
  free (message);
  message = NULL;

  setenv ("T_KEYRING_SECOND", BOB_PASS, 1);
  if (load (f, file, &pl, &message))
    fail_msg ("load: %s", message ? message : "?");
  assert_true (decrypts_unprompted (home_of (pl, 0)));
  pgpstep_pipeline_release (pl);
  snapshot (src, after, sizeof after);
  assert_string_equal (before, after);
  assert_int_equal (count_entries (f->rt), 0);
  free (message);
}


int
main (void)
{
  static const struct CMUnitTest tests[] =
    {
#define T(f) cmocka_unit_test_setup_teardown (f, setup, teardown)
      T (test_homes_per_keyring_set),
      T (test_empty_home),
      T (test_protected_unprotected_fast),
      T (test_wrong_passphrase),
      T (test_unprotect_ignores_cached_passphrase),
      T (test_missing_passphrase),
      T (test_secret_file_mode),
      T (test_bad_key_files),
      T (test_failed_secret_import_stops_agent),
      T (test_secret_file_with_new_subkey),
      T (test_home_source),
      T (test_release_stops_agent),
      T (test_sweep_stale),
      T (test_secret_not_leaked),
      T (test_keylist),
      T (test_parallel_messages_own_homes),
      T (test_shared_key_same_passphrase_loads),
      T (test_shared_key_second_wrong_passphrase_fails),
      T (test_shared_key_other_protection_loads),
      T (test_shared_key_from_home_checked),
#undef T
    };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
