/* work.c - the private work directory of one call: copies of the key
 * and certificate files, secret files for the host's secret store,
 * the host's runtime homes, spooled input and output.  0700, short
 * path (agent sockets live below it), removed at the end.  */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sop.h"

/* Longest $TMPDIR used: agent sockets must fit in 108 bytes below
 * DIR/r/ps.XXXXXX/.  */
#define TMPDIR_MAX 48

int
sop_write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  ssize_t n;

  while (len)
    {
      n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return -1;
      p += n;
      len -= n;
    }
  return 0;
}

int
sop_work_open (struct sop_work *w)
{
  const char *base = getenv ("TMPDIR");

  memset (w, 0, sizeof *w);
  if (!base || *base != '/' || strlen (base) > TMPDIR_MAX)
    base = "/tmp";
  if (asprintf (&w->dir, "%s/sop.XXXXXX", base) < 0)
    {
      w->dir = NULL;
      goto oom;
    }
  if (!mkdtemp (w->dir))
    {
      sop_error ("cannot create a work directory in %s: %s", base,
                 strerror (errno));
      free (w->dir);
      w->dir = NULL;
      return SOP_GENERIC;
    }
  sop_sigclean_watch (w->dir);
  if (asprintf (&w->secrets, "%s/s", w->dir) < 0)
    {
      w->secrets = NULL;
      goto oom;
    }
  if (asprintf (&w->runtime, "%s/r", w->dir) < 0)
    {
      w->runtime = NULL;
      goto oom;
    }
  if (mkdir (w->secrets, 0700) || mkdir (w->runtime, 0700))
    {
      sop_error ("cannot create %s: %s", w->dir, strerror (errno));
      return SOP_GENERIC;
    }
  return 0;

 oom:
  sop_error ("out of core");
  return SOP_GENERIC;
}

static int
remove_one (const char *path, const struct stat *st, int flag,
            struct FTW *ftw)
{
  (void) st;
  (void) ftw;
  if (flag == FTW_DP)
    rmdir (path);
  else
    unlink (path);
  return 0;
}

void
sop_remove_tree (const char *dir)
{
  nftw (dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
sop_work_close (struct sop_work *w)
{
  if (w->dir)
    {
      sop_remove_tree (w->dir);
      /* Only now: a signal meanwhile still has the cleanup remove it.  */
      sop_sigclean_watch (NULL);
    }
  free (w->dir);
  free (w->secrets);
  free (w->runtime);
  memset (w, 0, sizeof *w);
}

/* Create the new file PATH (0600) holding BUF, then SUFFIX.  */
static int
store (const char *path, const void *buf, size_t len, const char *suffix)
{
  int fd, rc = 0;

  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
             0600);
  if (fd == -1)
    {
      sop_error ("cannot create %s: %s", path, strerror (errno));
      return SOP_GENERIC;
    }
  if (sop_write_all (fd, buf, len)
      || (suffix && sop_write_all (fd, suffix, strlen (suffix))))
    {
      sop_error ("cannot write %s: %s", path, strerror (errno));
      rc = SOP_GENERIC;
    }
  if (close (fd) && !rc)
    {
      sop_error ("cannot write %s: %s", path, strerror (errno));
      rc = SOP_GENERIC;
    }
  return rc;
}

int
sop_work_store (struct sop_work *w, const char *prefix, const void *buf,
                size_t len, char **r_path)
{
  int rc;

  if (asprintf (r_path, "%s/%s.%u", w->dir, prefix, w->nfiles++) < 0)
    {
      *r_path = NULL;
      sop_error ("out of core");
      return SOP_GENERIC;
    }
  rc = store (*r_path, buf, len, NULL);
  if (rc)
    {
      free (*r_path);
      *r_path = NULL;
    }
  return rc;
}

int
sop_work_secret (struct sop_work *w, const char *name, const void *buf,
                 size_t len)
{
  char *path;
  int rc;

  if (asprintf (&path, "%s/%s", w->secrets, name) < 0)
    {
      sop_error ("out of core");
      return SOP_GENERIC;
    }
  /* The host strips one trailing newline: the stored value is BUF
   * exactly, even when it ends in a newline itself.  */
  rc = store (path, buf, len, "\n");
  free (path);
  return rc;
}

int
sop_work_tmpfile (struct sop_work *w, int *r_fd)
{
  *r_fd = open (w->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (*r_fd == -1)
    {
      sop_error ("cannot create a temporary file in %s: %s", w->dir,
                 strerror (errno));
      return SOP_GENERIC;
    }
  return 0;
}

int
sop_copy_fd (int fd, int outfd)
{
  char buf[65536];
  ssize_t n;

  if (lseek (fd, 0, SEEK_SET) == (off_t)-1)
    {
      sop_error ("cannot rewind: %s", strerror (errno));
      return SOP_GENERIC;
    }
  for (;;)
    {
      n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          sop_error ("read error: %s", strerror (errno));
          return SOP_GENERIC;
        }
      if (!n)
        return 0;
      if (sop_write_all (outfd, buf, n))
        {
          sop_error ("write error: %s", strerror (errno));
          return SOP_GENERIC;
        }
    }
}
