/* procfs.c - read a small /proc file such as /proc/PID/cmdline or
 * /proc/PID/stat, used to find processes.  No malloc and no stdio:
 * the signal cleanup thread of pgpstep-sop calls it while the
 * interrupted thread may hold malloc's lock.  */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "procfs.h"

/* Read the file PATH into BUF of SIZE bytes (at most SIZE - 1 of them,
 * then a NUL).  Return the number of bytes read, or -1 if the file
 * could not be opened or read (the process is gone).  */
ssize_t
procfs_read (const char *path, char *buf, size_t size)
{
  size_t len = 0;
  ssize_t n = 0;
  int fd;

  if (!size || (fd = open (path, O_RDONLY | O_CLOEXEC)) < 0)
    return -1;
  /* /proc hands out at most a page per read.  */
  while (len < size - 1
         && ((n = read (fd, buf + len, size - 1 - len)) > 0
             || (n < 0 && errno == EINTR)))
    if (n > 0)
      len += n;
  close (fd);
  buf[len] = 0;
  return n < 0 ? -1 : (ssize_t) len;
}
