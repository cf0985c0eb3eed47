/* homedir.c - runtime GnuPG home directories on disk.
 *
 * A runtime home is a private directory BASE/ps.XXXXXX.  Its owner
 * file names the creating process (pid and start time, so that a
 * reused pid does not keep a stale home alive) and, once known, the
 * home's gpg-agent.  Live homes of this process are also kept in a
 * fixed table that a fatal-signal handler can walk without locks or
 * allocation.
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "homedir.h"

/* The agent socket path must fit sockaddr_un.sun_path (108 bytes);
 * the longest name gpg-agent puts into a home is this one.  */
#define SOCKET_PATH_MAX 108
#define LONGEST_SOCKET "/S.gpg-agent.browser"

/* Homes of one process that a signal handler can clean up.  More live
 * homes than this are still removed normally and swept after a
 * crash.  */
#define MAX_SLOTS 256
#define SLOT_PATH_MAX 256

struct slot
{
  volatile sig_atomic_t used;
  pid_t owner;                  /* getpid () when registered.  */
  volatile pid_t agent;
  char path[SLOT_PATH_MAX];
};

static struct slot slots[MAX_SLOTS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;


/*
 * Processes
 */

/* Read /proc/PID/stat: its state letter and start time.  */
static int
read_stat (pid_t pid, char *r_state, unsigned long long *r_start)
{
  char file[64], buf[1024], *p;
  ssize_t n;
  int fd, field;

  snprintf (file, sizeof file, "/proc/%ld/stat", (long)pid);
  fd = open (file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return -1;
  buf[n] = 0;
  /* The command name may hold spaces and parentheses.  */
  p = strrchr (buf, ')');
  if (!p || p[1] != ' ')
    return -1;
  p += 2;
  *r_state = *p;
  /* Field 3 is the state; the start time is field 22.  */
  for (field = 3; field < 22 && p; field++)
    if ((p = strchr (p, ' ')))
      p++;
  *r_start = p ? strtoull (p, NULL, 10) : 0;
  return 0;
}

unsigned long long
homedir_pid_start (pid_t pid)
{
  char state;
  unsigned long long start;

  if (pid <= 0 || read_stat (pid, &state, &start))
    return 0;
  return start;
}

int
homedir_pid_alive (pid_t pid, unsigned long long start)
{
  char state;
  unsigned long long now_start;

  if (pid <= 0 || read_stat (pid, &state, &now_start))
    return 0;
  /* A zombie has exited; whoever reaps it is not our business.  */
  if (state == 'Z' || state == 'X')
    return 0;
  return !start || start == now_start;
}

static void
sleep_ms (unsigned int ms)
{
  struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

  while (nanosleep (&ts, &ts) && errno == EINTR)
    ;
}

gpg_error_t
homedir_wait_gone (pid_t pid, unsigned long long start,
                   unsigned int timeout_ms)
{
  unsigned int waited;

  /* Fine-grained: an agent told to stop is gone within a few ms, and
   * every run of the CLI waits for it at exit.  */
  for (waited = 0; homedir_pid_alive (pid, start); waited++)
    {
      if (waited == timeout_ms)
        kill (pid, SIGKILL);
      else if (waited > timeout_ms + 1000)
        return gpg_error (GPG_ERR_TIMEOUT);
      sleep_ms (1);
    }
  return 0;
}


/*
 * Removal (async-signal-safe: raw system calls only)
 */

struct dirent64_raw
{
  unsigned long long d_ino;
  long long d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

static void
remove_at (int parent, const char *name, int depth)
{
  char buf[4096];
  struct dirent64_raw *d;
  long n, off;
  int fd, pass, saved_errno = errno;

  if (!unlinkat (parent, name, 0) || errno == ENOENT || depth > 4)
    goto leave;
  for (pass = 0; pass < 3; pass++)
    {
      fd = openat (parent, name,
                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        goto leave;
      while ((n = syscall (SYS_getdents64, fd, buf, sizeof buf)) > 0)
        for (off = 0; off < n; off += d->d_reclen)
          {
            d = (struct dirent64_raw *)(void *)(buf + off);
            if (d->d_name[0] == '.' && (!d->d_name[1]
                                        || (d->d_name[1] == '.'
                                            && !d->d_name[2])))
              continue;
            remove_at (fd, d->d_name, depth + 1);
          }
      close (fd);
      /* An agent may still be writing: scan again if not empty.  */
      if (!unlinkat (parent, name, AT_REMOVEDIR) || errno == ENOENT)
        break;
    }
 leave:
  errno = saved_errno;
}

static int
same_path (const char *a, const char *b)
{
  while (*a && *a == *b)
    a++, b++;
  return *a == *b;
}

void
homedir_remove (const char *dir)
{
  pid_t self = getpid ();
  int i;

  if (!dir)
    return;
  remove_at (AT_FDCWD, dir, 0);
  /* Copies of homes come and go while messages run (keyring.c).  */
  pthread_mutex_lock (&slots_lock);
  for (i = 0; i < MAX_SLOTS; i++)
    if (slots[i].used && slots[i].owner == self
        && same_path (slots[i].path, dir))
      slots[i].used = 0;
  pthread_mutex_unlock (&slots_lock);
}

void
homedir_cleanup_on_signal (void)
{
  pid_t self = getpid ();
  int i;

  for (i = 0; i < MAX_SLOTS; i++)
    {
      if (!slots[i].used || slots[i].owner != self)
        continue;
      /* SIGINT makes gpg-agent quit at once (SIGTERM waits for its
       * clients); it also quits when its socket goes away.  */
      if (slots[i].agent > 0)
        kill (slots[i].agent, SIGINT);
      remove_at (AT_FDCWD, slots[i].path, 0);
      slots[i].used = 0;
    }
}


/*
 * Creation and the owner file
 */

static int
private_dir_of_ours (const char *dir)
{
  struct stat st;

  return dir && *dir == '/' && !stat (dir, &st) && S_ISDIR (st.st_mode)
    && st.st_uid == geteuid () && !(st.st_mode & 077);
}

gpg_error_t
homedir_base (const char *base, char **r_dir)
{
  char run[64];
  const char *s;

  *r_dir = NULL;
  if (base && *base)
    s = base;
  else if (private_dir_of_ours ((s = getenv ("XDG_RUNTIME_DIR"))))
    ;
  else if (snprintf (run, sizeof run, "/run/user/%lu",
                     (unsigned long)geteuid ()) > 0
           && private_dir_of_ours (run))
    s = run;
  else if (!(s = getenv ("TMPDIR")) || *s != '/')
    s = "/tmp";
  *r_dir = strdup (s);
  return *r_dir ? 0 : gpg_error_from_syserror ();
}

/* Write the owner file of DIR atomically.  */
static gpg_error_t
write_owner (const char *dir, pid_t agent)
{
  gpg_error_t err = 0;
  char *file = NULL, *tmp = NULL;
  FILE *fp;
  int fd;

  if (asprintf (&file, "%s/%s", dir, HOMEDIR_OWNER_FILE) < 0
      || asprintf (&tmp, "%s/%s.tmp", dir, HOMEDIR_OWNER_FILE) < 0)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  unlink (tmp);
  fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  fp = fd < 0 ? NULL : fdopen (fd, "w");
  if (!fp && fd >= 0)
    close (fd);
  if (!fp)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  fprintf (fp, "%ld %llu\n%ld %llu\n", (long)getpid (),
           homedir_pid_start (getpid ()), (long)agent,
           agent > 0 ? homedir_pid_start (agent) : 0ULL);
  if (fclose (fp) || rename (tmp, file))
    err = gpg_error_from_syserror ();

 leave:
  if (err && tmp)
    unlink (tmp);
  free (file);
  free (tmp);
  return err;
}

/* An embedder that exits without releasing its pipelines still
 * leaves no home and no agent behind.  */
static void
cleanup_at_exit (void)
{
  homedir_cleanup_on_signal ();
}

static void
register_atexit (void)
{
  atexit (cleanup_at_exit);
}

static void
register_slot (const char *dir)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  int i;

  pthread_once (&once, register_atexit);

  if (strlen (dir) >= SLOT_PATH_MAX)
    return;
  pthread_mutex_lock (&slots_lock);
  for (i = 0; i < MAX_SLOTS; i++)
    if (!slots[i].used)
      {
        strcpy (slots[i].path, dir);
        slots[i].owner = getpid ();
        slots[i].agent = 0;
        slots[i].used = 1;     /* Last: the path is complete now.  */
        break;
      }
  pthread_mutex_unlock (&slots_lock);
}

gpg_error_t
homedir_create (const char *base, char **r_dir)
{
  gpg_error_t err;
  char *dir = NULL;

  *r_dir = NULL;
  if (asprintf (&dir, "%s/%sXXXXXX", base, HOMEDIR_PREFIX) < 0)
    return gpg_error_from_syserror ();
  if (strlen (dir) + strlen (LONGEST_SOCKET) >= SOCKET_PATH_MAX)
    {
      free (dir);
      return gpg_error (GPG_ERR_TOO_LARGE);
    }
  if (!mkdtemp (dir))   /* Mode 0700.  */
    {
      err = gpg_error_from_syserror ();
      free (dir);
      return err;
    }
  register_slot (dir);
  err = write_owner (dir, 0);
  if (err)
    {
      homedir_remove (dir);
      free (dir);
      return err;
    }
  *r_dir = dir;
  return 0;
}

void
homedir_set_agent (const char *dir, pid_t agent)
{
  pid_t self = getpid ();
  int i;

  pthread_mutex_lock (&slots_lock);
  for (i = 0; i < MAX_SLOTS; i++)
    if (slots[i].used && slots[i].owner == self
        && same_path (slots[i].path, dir))
      slots[i].agent = agent;
  pthread_mutex_unlock (&slots_lock);
  write_owner (dir, agent);
}

gpg_error_t
homedir_read_owner (const char *dir, pid_t *r_owner, pid_t *r_agent,
                    int *r_owner_alive)
{
  char *file = NULL;
  long owner = 0, agent = 0;
  unsigned long long owner_start = 0, agent_start = 0;
  FILE *fp;
  int n;

  *r_owner = *r_agent = 0;
  *r_owner_alive = 0;
  if (asprintf (&file, "%s/%s", dir, HOMEDIR_OWNER_FILE) < 0)
    return gpg_error_from_syserror ();
  fp = fopen (file, "re");
  free (file);
  if (!fp)
    return gpg_error_from_syserror ();
  n = fscanf (fp, "%ld %llu %ld %llu", &owner, &owner_start, &agent,
              &agent_start);
  fclose (fp);
  if (n < 2 || owner <= 0)
    return gpg_error (GPG_ERR_INV_DATA);
  *r_owner = owner;
  *r_owner_alive = homedir_pid_alive (owner, owner_start);
  if (n == 4 && agent > 0 && homedir_pid_alive (agent, agent_start))
    *r_agent = agent;
  return 0;
}

void
homedir_foreach_stale (const char *base,
                       void (*fn) (void *opaque, const char *dir),
                       void *opaque)
{
  DIR *d;
  struct dirent *e;
  struct stat st;
  char *dir;
  pid_t owner, agent;
  int alive;

  d = opendir (base);
  if (!d)
    return;
  while ((e = readdir (d)))
    {
      if (strncmp (e->d_name, HOMEDIR_PREFIX, strlen (HOMEDIR_PREFIX)))
        continue;
      if (asprintf (&dir, "%s/%s", base, e->d_name) < 0)
        break;
      /* Only our own homes, and only with an owner file: a home being
       * created right now has none yet for a moment.  */
      if (!lstat (dir, &st) && S_ISDIR (st.st_mode)
          && st.st_uid == geteuid ()
          && !homedir_read_owner (dir, &owner, &agent, &alive)
          && !alive && owner != getpid ())
        fn (opaque, dir);
      free (dir);
    }
  closedir (d);
}
