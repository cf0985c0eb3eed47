/* sigclean.c - a call killed by SIGINT, SIGTERM or SIGHUP still
 * removes its work directory and stops its agents.
 *
 * The handler only writes the signal number to a pipe (removing a tree
 * needs nftw, which is not async-signal-safe); a thread that never
 * takes these signals reads it, has the host stop the agents of its
 * runtime homes and remove them (pgpstep_cleanup_on_signal), stops
 * the agent of the throwaway key generation home, removes the work
 * directory and then dies of the signal.  The interrupted thread goes
 * on meanwhile (a thread parked in the handler could hold a lock the
 * cleanup needs, such as malloc's); whatever it removes itself is
 * gone already for the cleanup, and the reverse.
 */
#include <config.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <pgpstep/host.h>

#include "sop.h"
#include "agent.h"
#include "procfs.h"

static const int watched[] = { SIGHUP, SIGINT, SIGTERM };
#define NWATCHED (sizeof watched / sizeof *watched)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int sig_pipe[2] = { -1, -1 };
static pid_t owner;                     /* Not a forked child.  */
static pthread_mutex_t dir_lock = PTHREAD_MUTEX_INITIALIZER;
static char dir[PATH_MAX];              /* The work directory, or "".  */


static void
on_signal (int sig)
{
  unsigned char c = sig;
  int saved_errno = errno;

  /* A child between fork and exec just dies, as it would have.  */
  if (getpid () != owner || write (sig_pipe[1], &c, 1) != 1)
    {
      signal (sig, SIG_DFL);
      raise (sig);
    }
  errno = saved_errno;
}

/* Stop every gpg-agent whose home lies under TOP: an agent that a gpg
 * started during the load, before the host learnt its pid, is not in
 * the host's records yet.  */
static void
stop_agents_under (const char *top)
{
  DIR *proc = opendir ("/proc");
  struct dirent *d;
  char path[300], buf[4096], *arg, *end;
  size_t toplen = strlen (top);
  ssize_t len;
  int home_next;

  if (!proc)
    return;
  while ((d = readdir (proc)))
    {
      if (*d->d_name < '1' || *d->d_name > '9')
        continue;
      snprintf (path, sizeof path, "/proc/%s/cmdline", d->d_name);
      if ((len = procfs_read (path, buf, sizeof buf)) <= 0)
        continue;
      end = buf + len;
      if (!strstr (buf, "gpg-agent"))
        continue;
      for (home_next = 0, arg = buf; arg < end; arg += strlen (arg) + 1)
        {
          if (home_next && !strncmp (arg, top, toplen) && arg[toplen] == '/')
            kill ((pid_t) atol (d->d_name), SIGINT);
          home_next = !strcmp (arg, "--homedir");
        }
    }
  closedir (proc);
}

static void *
cleanup_thread (void *unused)
{
  unsigned char c;
  char home[PATH_MAX + 8];
  struct stat st;
  sigset_t set;
  unsigned int i;
  ssize_t n;

  (void) unused;
  while ((n = read (sig_pipe[0], &c, 1)) < 0 && errno == EINTR)
    ;
  if (n != 1)
    return NULL;
  /* Runtime homes first: their agents go before their directories.  */
  pgpstep_cleanup_on_signal ();
  pthread_mutex_lock (&dir_lock);
  if (*dir)
    {
      snprintf (home, sizeof home, "%s/" SOP_KEYGEN_HOME, dir);
      if (!stat (home, &st))
        agent_stop (home, 0);
      stop_agents_under (dir);
      sop_remove_tree (dir);
    }
  /* Hold the lock: nothing is to open or close a work dir now.  */
  signal (c, SIG_DFL);
  sigemptyset (&set);
  for (i = 0; i < NWATCHED; i++)
    sigaddset (&set, watched[i]);
  pthread_sigmask (SIG_UNBLOCK, &set, NULL);
  raise (c);
  _exit (128 + c);
}

static void
install (void)
{
  struct sigaction sa, old;
  sigset_t set, saved;
  pthread_t tid;
  unsigned int i;

  owner = getpid ();
  if (pipe2 (sig_pipe, O_CLOEXEC))
    return;
  /* The thread inherits a mask that keeps the handler out of it.  */
  sigemptyset (&set);
  for (i = 0; i < NWATCHED; i++)
    sigaddset (&set, watched[i]);
  pthread_sigmask (SIG_BLOCK, &set, &saved);
  i = !pthread_create (&tid, NULL, cleanup_thread, NULL);
  pthread_sigmask (SIG_SETMASK, &saved, NULL);
  if (!i)
    return;
  pthread_detach (tid);

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset (&sa.sa_mask);
  for (i = 0; i < NWATCHED; i++)
    {
      /* A signal ignored by whoever started us (nohup) stays so.  */
      if (!sigaction (watched[i], NULL, &old) && old.sa_handler == SIG_IGN)
        continue;
      sigaction (watched[i], &sa, NULL);
    }
}

/* Only the cleanup thread and this function take DIR_LOCK (never the
 * handler), so a signal cannot deadlock on it.  */
void
sop_sigclean_watch (const char *workdir)
{
  pthread_once (&once, install);
  pthread_mutex_lock (&dir_lock);
  if (workdir && strlen (workdir) < sizeof dir)
    strcpy (dir, workdir);
  else
    *dir = 0;
  pthread_mutex_unlock (&dir_lock);
}
