/* agent.c - the gpg-agent of a runtime home, over Assuan.
 *
 * Unprotecting a key (found with gpg 2.2.40 / GPGME 1.18): the agent
 * command "PASSWD KEYGRIP" in loopback pinentry mode inquires
 * PASSPHRASE (the current one) and then NEW_PASSPHRASE; answering the
 * latter with no data stores the key unprotected (KEYINFO then shows
 * protection "C"), for keys the agent holds natively as well as for
 * freshly imported "openpgp-native" ones.  A wrong current passphrase
 * fails with GPG_ERR_BAD_PASSPHRASE after a single inquiry.
 *
 * What did not work: "gpg --passwd" / gpgme_op_passwd in loopback
 * mode.  gpg asks every question as the same GET_HIDDEN
 * passphrase.enter (no NEED_PASSPHRASE, no hint whether the old or
 * the new passphrase is wanted), and the number and order of
 * questions depend on the key: old+new for the primary key, then only
 * new for subkeys (the agent reuses the old one through a cache
 * nonce), and only "new" questions for a key that is not protected -
 * where answering with the passphrase would protect it.  Answering by
 * position is therefore a guess; the Assuan inquiries are named.
 *
 * Cost (gpg-agent 2.2 sources, agent/command.c cmd_passwd,
 * cvt-openpgp.c convert_from_openpgp_native): gpg imports in batch
 * mode, so the agent stores a protected key "openpgp-native" without
 * any S2K.  PASSWD then derives the key once from PASSPHRASE with the
 * key's own S2K (the check, unavoidable), re-protects it in the
 * agent's format and writes it, and finally stores it unprotected.
 * The re-protection uses the connection's s2k-count, or else the
 * agent's calibrated count, whose calibration alone runs S2K for
 * ~200 ms before another ~100 ms derivation: "OPTION s2k-count" at
 * the minimum makes it negligible.  The file so weakly protected
 * lives only until the same PASSWD stores the key unprotected, in a
 * private runtime home.  No CLEAR_PASSPHRASE: PASSWD without
 * --cache-nonce reads no cache (CACHE_MODE_IGNORE; t-keyring checks a
 * wrong passphrase against a cached right one), and CLEAR_PASSPHRASE
 * spawns a pinentry to clear its external cache, even in loopback
 * mode.
 */
#include <config.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "gnupg.h"
#include "homedir.h"

/* How long an agent may take to exit after KILLAGENT.  */
#define AGENT_EXIT_TIMEOUT_MS 3000

/* The agent's lowest S2K count (a lower one means "calibrate").  */
#define AGENT_MIN_S2K_COUNT "65536"

static gpg_error_t
transact (gpgme_ctx_t actx, const char *command,
          gpgme_assuan_data_cb_t data_cb, void *data_value,
          gpgme_assuan_inquire_cb_t inq_cb, void *inq_value,
          gpgme_assuan_status_cb_t status_cb, void *status_value)
{
  gpg_error_t err, op_err = 0;

  err = gpgme_op_assuan_transact_ext (actx, command, data_cb, data_value,
                                      inq_cb, inq_value, status_cb,
                                      status_value, &op_err);
  return err ? err : op_err;
}

/* The agent socket of each home asked about, so that a home costs
 * one gpgconf run (about 2 ms) and not one per connect; agent_stop
 * forgets it.  The path depends only on the home and on whether
 * /run/user/UID exists, which does not change under a running
 * agent.  */
struct socket_entry
{
  struct socket_entry *next;
  char *home;
  char *socket;
};
static struct socket_entry *sockets;
static pthread_mutex_t sockets_lock = PTHREAD_MUTEX_INITIALIZER;

static gpg_error_t
socket_of (const char *home, char **r_socket)
{
  gpg_error_t err = 0;
  struct socket_entry *e;
  char *socket = NULL;

  *r_socket = NULL;
  pthread_mutex_lock (&sockets_lock);
  for (e = sockets; e && strcmp (e->home, home); e = e->next)
    ;
  if (e && !(*r_socket = strdup (e->socket)))
    err = gpg_error_from_syserror ();
  pthread_mutex_unlock (&sockets_lock);
  if (e)
    return *r_socket ? 0 : err;

  err = gnupg_gpgconf (home, "--list-dirs", "agent-socket", &socket);
  if (err)
    return err;
  /* Best effort: without an entry the next call asks gpgconf again.  */
  if ((e = calloc (1, sizeof *e)) && (e->home = strdup (home))
      && (e->socket = strdup (socket)))
    {
      pthread_mutex_lock (&sockets_lock);
      e->next = sockets;
      sockets = e;
      pthread_mutex_unlock (&sockets_lock);
    }
  else if (e)
    {
      free (e->home);
      free (e);
    }
  *r_socket = socket;
  return 0;
}

/* Forget the socket of HOME (about to be removed).  */
static void
forget_socket (const char *home)
{
  struct socket_entry *e, **tail;

  pthread_mutex_lock (&sockets_lock);
  for (tail = &sockets; (e = *tail); tail = &e->next)
    if (!strcmp (e->home, home))
      {
        *tail = e->next;
        free (e->home);
        free (e->socket);
        free (e);
        break;
      }
  pthread_mutex_unlock (&sockets_lock);
}

static gpg_error_t
open_ctx (const char *socket, gpgme_ctx_t *r_actx)
{
  gpg_error_t err;
  gpgme_ctx_t actx = NULL;

  *r_actx = NULL;
  err = gpgme_new (&actx);
  if (!err)
    err = gpgme_set_protocol (actx, GPGME_PROTOCOL_ASSUAN);
  if (!err)
    err = gpgme_ctx_set_engine_info (actx, GPGME_PROTOCOL_ASSUAN, socket,
                                     NULL);
  if (!err)
    err = transact (actx, "OPTION pinentry-mode=loopback", NULL, NULL,
                    NULL, NULL, NULL, NULL);
  if (err)
    gpgme_release (actx);
  else
    *r_actx = actx;
  return err;
}

gpg_error_t
agent_connect (const char *home, gpgme_ctx_t *r_actx)
{
  gpg_error_t err;
  char *socket = NULL;

  *r_actx = NULL;
  if ((err = gnupg_init ()) || (err = socket_of (home, &socket)))
    goto leave;
  if (!access (socket, F_OK) && !open_ctx (socket, r_actx))
    goto leave;
  err = gnupg_gpgconf (home, "--launch", "gpg-agent", NULL);
  if (!err)
    err = open_ctx (socket, r_actx);
 leave:
  free (socket);
  return err;
}

/* How long a just started agent may take to create its socket.  */
#define AGENT_SOCKET_TIMEOUT_MS 2000

gpg_error_t
agent_start (const char *home, gpgme_ctx_t *r_actx)
{
  gpg_error_t err;
  const char *agent = gpgme_get_dirinfo ("agent-name");
  const char *argv[] = { "gpg-agent", "--homedir", home,
                         "--use-standard-socket", "--daemon", NULL };
  gpgme_ctx_t ctx = NULL;
  char *socket = NULL;
  struct timespec ts = { 0, 1000000 };
  int ms, spawned = 0;

  *r_actx = NULL;
  if ((err = gnupg_init ()) || (err = socket_of (home, &socket)))
    goto leave;
  if (!access (socket, F_OK) && !open_ctx (socket, r_actx))
    goto leave;                 /* It runs already.  */
  if (agent && !gpgme_new (&ctx)
      && !gpgme_set_protocol (ctx, GPGME_PROTOCOL_SPAWN))
    spawned = !gpgme_op_spawn (ctx, agent, argv, NULL, NULL, NULL,
                               GPGME_SPAWN_DETACHED);
  gpgme_release (ctx);
  /* Waiting for the socket costs less than agent_connect's "gpgconf
   * --launch" (several process starts, about 80 ms).  */
  for (ms = 0; spawned && access (socket, F_OK)
         && ms < AGENT_SOCKET_TIMEOUT_MS; ms++)
    nanosleep (&ts, NULL);
  err = agent_connect (home, r_actx);
 leave:
  free (socket);
  return err;
}


static gpgme_error_t
collect_data (void *opaque, const void *data, size_t len)
{
  char *buf = opaque;           /* 32 bytes.  */
  size_t have = strlen (buf);

  if (data && len < 31 - have)
    {
      memcpy (buf + have, data, len);
      buf[have + len] = 0;
    }
  return 0;
}

gpg_error_t
agent_get_pid (gpgme_ctx_t actx, pid_t *r_pid)
{
  gpg_error_t err;
  char buf[32] = "";
  long pid;

  *r_pid = 0;
  err = transact (actx, "GETINFO pid", collect_data, buf, NULL, NULL,
                  NULL, NULL);
  if (err)
    return err;
  pid = strtol (buf, NULL, 10);
  if (pid <= 0)
    return gpg_error (GPG_ERR_INV_RESPONSE);
  *r_pid = pid;
  return 0;
}


/* KEYINFO status: "GRIP TYPE SERIALNO IDSTR CACHED PROTECTION ...".  */
static gpgme_error_t
keyinfo_status (void *opaque, const char *status, const char *args)
{
  char *protection = opaque;
  const char *p = args;
  int i;

  if (strcmp (status, "KEYINFO"))
    return 0;
  for (i = 0; i < 5 && p; i++)
    if ((p = strchr (p, ' ')))
      p++;
  if (p)
    *protection = *p;
  return 0;
}

gpg_error_t
agent_is_protected (gpgme_ctx_t actx, const char *grip, int *r_protected)
{
  gpg_error_t err;
  char command[100];
  char protection = 0;

  *r_protected = 0;
  snprintf (command, sizeof command, "KEYINFO %s", grip);
  err = transact (actx, command, NULL, NULL, NULL, NULL, keyinfo_status,
                  &protection);
  if (gpg_err_code (err) == GPG_ERR_NOT_FOUND)
    return gpg_error (GPG_ERR_NO_SECKEY);
  if (err)
    return err;
  if (!protection)
    return gpg_error (GPG_ERR_INV_RESPONSE);
  /* 'C' clear, 'P' protected, '-' unknown: only clear counts as
   * unprotected.  */
  *r_protected = protection != 'C';
  return 0;
}


struct answers
{
  const char *pass;
  size_t len;
  int asked;
};

static gpgme_error_t
passwd_inquire (void *opaque, const char *name, const char *args,
                gpgme_data_t *r_data)
{
  struct answers *a = opaque;

  (void) args;
  if (!name)                    /* GPGME is done with *R_DATA.  */
    {
      gpgme_data_release (*r_data);
      *r_data = NULL;
      return 0;
    }
  if (!strcmp (name, "NEW_PASSPHRASE"))
    return 0;                   /* No data: store unprotected.  */
  /* One try: a second question means the first answer was wrong.  */
  if (strcmp (name, "PASSPHRASE") || a->asked++)
    return gpg_error (GPG_ERR_ASS_CANCELED);
  /* Borrowed, not copied: nothing to wipe afterwards.  */
  return gpgme_data_new_from_mem (r_data, a->pass, a->len, 0);
}

gpg_error_t
agent_unprotect (gpgme_ctx_t actx, const char *grip, const char *pass,
                 size_t len)
{
  gpg_error_t err;
  char command[120];
  struct answers a = { pass, len, 0 };
  int protected;

  err = transact (actx, "OPTION s2k-count=" AGENT_MIN_S2K_COUNT, NULL, NULL,
                  NULL, NULL, NULL, NULL);
  if (err)
    return err;
  /* Without --cache-nonce nothing cached vouches for PASS.  */
  snprintf (command, sizeof command, "PASSWD %s", grip);
  err = transact (actx, command, NULL, NULL, passwd_inquire, &a,
                  NULL, NULL);
  if (gpg_err_code (err) == GPG_ERR_ASS_CANCELED
      || gpg_err_code (err) == GPG_ERR_CANCELED)
    err = gpg_error (GPG_ERR_BAD_PASSPHRASE);
  if (err)
    return gpg_error (gpg_err_code (err));
  err = agent_is_protected (actx, grip, &protected);
  if (!err && protected)
    err = gpg_error (GPG_ERR_INTERNAL);
  return err;
}


gpg_error_t
agent_stop (const char *home, pid_t known_pid)
{
  gpg_error_t err;
  gpgme_ctx_t actx = NULL;
  char *socket = NULL, *sockdir = NULL, *slash;
  pid_t pid = known_pid;
  unsigned long long start = 0;

  if ((err = gnupg_init ()) || (err = socket_of (home, &socket)))
    return err;
  if (!access (socket, F_OK) && !open_ctx (socket, &actx))
    {
      if (agent_get_pid (actx, &pid))
        pid = known_pid;
      start = homedir_pid_start (pid);
      transact (actx, "KILLAGENT", NULL, NULL, NULL, NULL, NULL, NULL);
      gpgme_release (actx);   /* The agent exits once we hang up.  */
    }
  else if (pid > 0)
    kill (pid, SIGTERM);
  /* gpgconf --kill returns before the agent is gone; so would we.  */
  if (pid > 0)
    err = homedir_wait_gone (pid, start, AGENT_EXIT_TIMEOUT_MS);

  /* With /run/user/UID the sockets live in a directory of their own.  */
  sockdir = strdup (socket);
  if (sockdir && (slash = strrchr (sockdir, '/')))
    {
      *slash = 0;
      if (strcmp (sockdir, home))
        gnupg_gpgconf (home, "--remove-socketdir", NULL, NULL);
    }
  free (sockdir);
  free (socket);
  forget_socket (home);
  return err;
}
