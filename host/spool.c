/* spool.c - unnamed spool files for tentative step output.  */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "spool.h"

gpg_error_t
spool_create (const char *dir, int *r_fd)
{
  gpg_error_t err = 0;
  char *name = NULL;
  int fd;

  *r_fd = -1;
  fd = open (dir, O_TMPFILE | O_RDWR | O_CLOEXEC | O_EXCL, 0600);
  /* EOPNOTSUPP: the file system lacks O_TMPFILE; EISDIR/EINVAL: the
   * kernel does.  */
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
    {
      if (asprintf (&name, "%s/pgpstep-spool-XXXXXX", dir) < 0)
        {
          name = NULL;
          err = gpg_error_from_syserror ();
          goto leave;
        }
      fd = mkostemp (name, O_CLOEXEC);
      if (fd >= 0)
        unlink (name);
    }
  if (fd < 0)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  *r_fd = fd;

 leave:
  free (name);
  return err;
}

/* spool_copy for a destination sendfile cannot serve.  */
static gpg_error_t
copy_loop (int fd, off_t offset, struct stream *dest)
{
  gpg_error_t err = 0;
  char *buffer;
  ssize_t n;

  buffer = malloc (STREAM_CHUNK);
  if (!buffer)
    return gpg_error_from_syserror ();
  for (;;)
    {
      n = pread (fd, buffer, STREAM_CHUNK, offset);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || (n && stream_write (dest, buffer, n) < 0))
        {
          err = gpg_error_from_syserror ();
          break;
        }
      if (!n)
        break;
      offset += n;
    }
  free (buffer);
  return err;
}

gpg_error_t
spool_copy (int fd, struct stream *dest)
{
  size_t chunk = dest->max_write ? dest->max_write : STREAM_CHUNK;
  off_t offset = 0;
  ssize_t n;

  for (;;)
    {
      if (stream_wait (dest, POLLOUT))
        return gpg_error_from_syserror ();
      n = sendfile (dest->fd, fd, &offset, chunk);
      if (n > 0)
        dest->count += n;
      else if (!n)
        return 0;
      else if (errno == EINVAL || errno == ENOSYS)
        return copy_loop (fd, offset, dest);
      else if (errno != EINTR && errno != EAGAIN)
        return gpg_error_from_syserror ();
    }
}
