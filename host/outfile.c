/* outfile.c - output that becomes visible only when committed.  */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "outfile.h"

struct outfile
{
  int fd;
  char *file;           /* Destination; NULL for a spool.  */
  char *dir;            /* Directory of FILE, or the spool directory.  */
  const char *base;     /* Last component of FILE (points into FILE).  */
  char *tmpname;        /* Visible temporary file (no O_TMPFILE), or NULL. */
  int slot;             /* Index of TMPNAME in PENDING, or -1.  */
  int dest_fd;          /* Spool: where the content is copied to.  */
  int own_dest;         /* DEST_FD was opened here (a device or FIFO).  */
  mode_t mode;
  int overwrite;
  int synced;
  int committed;
};

/* Visible temporary files, removed by outfile_cleanup_on_signal.  Only
 * the main thread changes this; a handler only reads it.  */
#define MAX_PENDING 8
static char *volatile pending[MAX_PENDING];


static char *
make_message (const char *fmt, ...)
{
  va_list ap;
  char *text;

  va_start (ap, fmt);
  if (vasprintf (&text, fmt, ap) < 0)
    text = NULL;
  va_end (ap);
  return text;
}


static void
pending_add (struct outfile *of)
{
  int i;

  for (i = 0; i < MAX_PENDING; i++)
    if (!pending[i])
      {
        pending[i] = of->tmpname;
        of->slot = i;
        return;
      }
}


static void
pending_remove (struct outfile *of)
{
  if (of->slot >= 0)
    pending[of->slot] = NULL;
  of->slot = -1;
}


void
outfile_cleanup_on_signal (void)
{
  int i;

  for (i = 0; i < MAX_PENDING; i++)
    if (pending[i])
      unlink (pending[i]);
}


static struct outfile *
new_outfile (void)
{
  struct outfile *of = calloc (1, sizeof *of);

  if (of)
    {
      of->fd = -1;
      of->slot = -1;
      of->dest_fd = -1;
    }
  return of;
}


/* Set OF->dir and OF->base from OF->file.  */
static gpg_error_t
split_file (struct outfile *of)
{
  const char *slash = strrchr (of->file, '/');

  if (!slash)
    {
      of->dir = strdup (".");
      of->base = of->file;
    }
  else
    {
      of->dir = slash == of->file ? strdup ("/")
                                  : strndup (of->file, slash - of->file);
      of->base = slash + 1;
    }
  if (!of->dir)
    return gpg_error_from_syserror ();
  return 0;
}


/* Create an unnamed file in OF->dir; where the file system cannot,
 * fall back to a hidden named one (registered for signal cleanup).
 * With KEEP_NAME false the fallback file is unlinked at once.  */
static gpg_error_t
create_temp (struct outfile *of, int keep_name)
{
  of->fd = open (of->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (of->fd != -1)
    return 0;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
    return gpg_error_from_syserror ();

  of->tmpname = make_message ("%s/.%.200s.XXXXXX", of->dir,
                              of->file ? of->base : "pgpstep-spool");
  if (!of->tmpname)
    return gpg_error_from_syserror ();
  of->fd = mkostemp (of->tmpname, O_CLOEXEC);
  if (of->fd == -1)
    return gpg_error_from_syserror ();
  if (keep_name)
    pending_add (of);
  else
    {
      unlink (of->tmpname);
      free (of->tmpname);
      of->tmpname = NULL;
    }
  return 0;
}


gpg_error_t
outfile_open (const char *file, mode_t mode, int overwrite,
              struct outfile **r_of, char **r_message)
{
  gpg_error_t err;
  struct outfile *of;
  struct stat st;

  *r_of = NULL;
  *r_message = NULL;
  of = new_outfile ();
  if (!of || !(of->file = strdup (file)))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  of->mode = mode & 07777;
  of->overwrite = overwrite;
  err = split_file (of);
  if (err)
    goto leave;

  if (!*of->base || (!lstat (file, &st) && S_ISDIR (st.st_mode)))
    {
      err = gpg_error (GPG_ERR_EISDIR);
      *r_message = make_message ("output file '%s' is a directory", file);
      goto leave;
    }
  /* A device or FIFO (-o /dev/null, a named pipe) is written in
   * place like stdout: spooled, copied on commit.  Renaming a file over
   * it would replace the device node.  */
  if (!stat (file, &st) && !S_ISREG (st.st_mode))
    {
      int dest = open (file, O_WRONLY | O_CLOEXEC | O_NOCTTY);

      if (dest == -1)
        {
          err = gpg_error_from_syserror ();
          *r_message = make_message ("cannot open output '%s': %s",
                                     file, gpg_strerror (err));
          goto leave;
        }
      outfile_release (of);
      of = NULL;
      err = outfile_open_spool (dest, r_of, r_message);
      if (err)
        close (dest);
      else
        (*r_of)->own_dest = 1;
      goto leave;
    }
  if (!overwrite && !lstat (file, &st))
    {
      err = gpg_error (GPG_ERR_EEXIST);
      *r_message = make_message ("output file '%s' exists"
                                 " (use --overwrite to replace it)", file);
      goto leave;
    }

  err = create_temp (of, 1);
  if (err)
    {
      *r_message = make_message ("cannot create output file '%s'"
                                 " in directory '%s': %s",
                                 file, of->dir, gpg_strerror (err));
      goto leave;
    }
  *r_of = of;
  of = NULL;

 leave:
  outfile_release (of);
  return err;
}


gpg_error_t
outfile_open_spool (int dest, struct outfile **r_of, char **r_message)
{
  gpg_error_t err;
  struct outfile *of;
  const char *tmpdir = getenv ("TMPDIR");

  *r_of = NULL;
  *r_message = NULL;
  if (!tmpdir || !*tmpdir)
    tmpdir = "/tmp";
  of = new_outfile ();
  if (!of || !(of->dir = strdup (tmpdir)))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  of->dest_fd = dest;
  err = create_temp (of, 0);
  if (err)
    {
      *r_message = make_message ("cannot create a spool file in '%s': %s",
                                 tmpdir, gpg_strerror (err));
      goto leave;
    }
  *r_of = of;
  of = NULL;

 leave:
  outfile_release (of);
  return err;
}


int
outfile_fd (struct outfile *of)
{
  return of->fd;
}


gpg_error_t
outfile_sync (struct outfile *of)
{
  if (of->synced || !of->file)
    return 0;
  /* The mode is set only now so that the file is private while it is
   * written, even where it has a temporary name.  */
  if (fchmod (of->fd, of->mode) || fsync (of->fd))
    return gpg_error_from_syserror ();
  of->synced = 1;
  return 0;
}


/* Give the unnamed file of OF the name NEWPATH (fails if it exists).  */
static int
link_unnamed (struct outfile *of, const char *newpath)
{
  char procpath[64];

  snprintf (procpath, sizeof procpath, "/proc/self/fd/%d", of->fd);
  if (!linkat (AT_FDCWD, procpath, AT_FDCWD, newpath, AT_SYMLINK_FOLLOW))
    return 0;
  if (errno != ENOENT)
    return -1;
  /* No /proc: this works with CAP_DAC_READ_SEARCH only.  */
  return linkat (of->fd, "", AT_FDCWD, newpath, AT_EMPTY_PATH);
}


/* Replace OF->file by the unnamed file atomically: link it under a
 * fresh name beside the destination, then rename that over it.  */
static int
replace_with_unnamed (struct outfile *of)
{
  char *name = NULL;
  int i, rc;

  for (i = 0; i < 1000; i++)
    {
      name = make_message ("%s/.%.200s.%ld.%d", of->dir, of->base,
                           (long)getpid (), i);
      if (!name)
        return -1;
      if (!link_unnamed (of, name))
        break;
      free (name);
      name = NULL;
      if (errno != EEXIST)
        return -1;
    }
  if (!name)
    {
      errno = EEXIST;
      return -1;
    }
  of->tmpname = name;
  pending_add (of);
  rc = rename (name, of->file);
  if (rc)
    {
      int saved = errno;
      unlink (name);
      errno = saved;
    }
  pending_remove (of);
  free (of->tmpname);
  of->tmpname = NULL;
  return rc;
}


/* Move the named temporary file of OF into place.  */
static int
rename_named (struct outfile *of)
{
  if (of->overwrite)
    return rename (of->tmpname, of->file);
  if (!renameat2 (AT_FDCWD, of->tmpname, AT_FDCWD, of->file,
                  RENAME_NOREPLACE))
    return 0;
  if (errno != EINVAL)
    return -1;
  /* The file system lacks RENAME_NOREPLACE; link does not replace.  */
  if (link (of->tmpname, of->file))
    return -1;
  unlink (of->tmpname);
  return 0;
}


/* Best effort: make the new directory entry durable.  */
static void
sync_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (fd != -1)
    {
      fsync (fd);
      close (fd);
    }
}


static int
wait_writable (int fd)
{
  struct pollfd pfd = { .fd = fd, .events = POLLOUT };

  return poll (&pfd, 1, -1) < 0 && errno != EINTR ? -1 : 0;
}


/* Copy the content of the spool SRC from its start to DEST.  */
static int
copy_spool (int src, int dest)
{
  off_t off = 0;
  ssize_t n, w, done;
  char buffer[65536];

  for (;;)
    {
      n = sendfile (dest, src, &off, 1u << 30);
      if (n > 0)
        continue;
      if (!n)
        return 0;
      if (errno == EINTR)
        continue;
      if (errno == EAGAIN)
        {
          if (wait_writable (dest))
            return -1;
          continue;
        }
      if (errno == EINVAL || errno == ENOSYS)
        break;
      return -1;
    }

  /* DEST does not take sendfile (e.g. opened with O_APPEND).  */
  for (;;)
    {
      n = pread (src, buffer, sizeof buffer, off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return n;
      for (done = 0; done < n; done += w)
        {
          w = write (dest, buffer + done, n - done);
          if (w < 0 && errno == EAGAIN && !wait_writable (dest))
            w = 0;
          else if (w < 0 && errno == EINTR)
            w = 0;
          else if (w < 0)
            return -1;
        }
      off += n;
    }
}


/* Publish OF; with DIR_SYNC also make the new entry durable.  */
static gpg_error_t
commit_output (struct outfile *of, int dir_sync, char **r_message)
{
  gpg_error_t err;
  int rc;

  *r_message = NULL;
  if (of->committed)
    return 0;

  if (!of->file)
    {
      if (copy_spool (of->fd, of->dest_fd))
        {
          err = gpg_error_from_syserror ();
          *r_message = make_message ("writing the output: %s",
                                     gpg_strerror (err));
          return err;
        }
      of->committed = 1;
      return 0;
    }

  err = outfile_sync (of);
  if (err)
    {
      *r_message = make_message ("writing output file '%s': %s",
                                 of->file, gpg_strerror (err));
      return err;
    }
  if (of->tmpname)
    rc = rename_named (of);
  else if (of->overwrite)
    rc = replace_with_unnamed (of);
  else
    rc = link_unnamed (of, of->file);
  if (rc)
    {
      err = gpg_error_from_syserror ();
      if (gpg_err_code (err) == GPG_ERR_EEXIST)
        *r_message = make_message ("output file '%s' exists"
                                   " (use --overwrite to replace it)",
                                   of->file);
      else
        *r_message = make_message ("cannot create output file '%s': %s",
                                   of->file, gpg_strerror (err));
      return err;
    }
  pending_remove (of);
  free (of->tmpname);
  of->tmpname = NULL;
  of->committed = 1;
  if (dir_sync)
    sync_dir (of->dir);
  return 0;
}


gpg_error_t
outfile_commit (struct outfile *of, char **r_message)
{
  return commit_output (of, 1, r_message);
}


gpg_error_t
outfile_commit_nodirsync (struct outfile *of, char **r_message)
{
  return commit_output (of, 0, r_message);
}


void
outfile_release (struct outfile *of)
{
  if (!of)
    return;
  if (of->tmpname)
    unlink (of->tmpname);
  pending_remove (of);
  if (of->fd != -1)
    close (of->fd);
  if (of->own_dest)
    close (of->dest_fd);
  free (of->tmpname);
  free (of->file);
  free (of->dir);
  free (of);
}
