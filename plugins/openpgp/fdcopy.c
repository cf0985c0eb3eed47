/* fdcopy.c - copy a byte range between fds inside the kernel.
 * See fdcopy.h.  */
#include <config.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "fdcopy.h"

/* Chunk size: small enough to notice a cancel quickly, large enough
 * that the syscall overhead does not matter.  */
#define FDCOPY_CHUNK (8u * 1024 * 1024)

enum fdcopy_mode { MODE_CFR, MODE_SENDFILE, MODE_RW };

static int
cancelled (int cancel_fd)
{
  struct pollfd pfd;

  if (cancel_fd < 0)
    return 0;
  pfd.fd = cancel_fd;
  pfd.events = POLLIN;
  pfd.revents = 0;
  return poll (&pfd, 1, 0) > 0;
}

/* A non-blocking OUT_FD (a pipe) is full: wait until it takes more or
 * CANCEL_FD fires.  */
static void
wait_writable (int out_fd, int cancel_fd)
{
  struct pollfd pfd[2];

  pfd[0].fd = out_fd;
  pfd[0].events = POLLOUT;
  pfd[1].fd = cancel_fd;
  pfd[1].events = POLLIN;
  pfd[0].revents = pfd[1].revents = 0;
  poll (pfd, cancel_fd < 0 ? 1 : 2, -1);
}

/* Fallback: pread into a buffer and write it out.  */
static ssize_t
copy_rw (int in_fd, off_t *off, int out_fd, size_t n, unsigned char *buf,
         int cancel_fd)
{
  ssize_t got, put, done;

  got = pread (in_fd, buf, n, *off);
  if (got <= 0)
    return got;
  for (done = 0; done < got; done += put)
    {
      put = write (out_fd, buf + done, got - done);
      if (put < 0 && errno == EINTR)
        put = 0;
      else if (put < 0 && errno == EAGAIN)
        {
          /* A partial chunk cannot be undone: finish it unless
           * cancelled (then the error tells the caller).  */
          if (cancelled (cancel_fd))
            {
              errno = ECANCELED;
              return -1;
            }
          wait_writable (out_fd, cancel_fd);
          put = 0;
        }
      else if (put < 0)
        return -1;
    }
  *off += got;
  return got;
}

static int
fallback_errno (int e)
{
  return e == EXDEV || e == EINVAL || e == ENOSYS || e == EOPNOTSUPP
    || e == EBADF || e == ESPIPE;
}

gpg_error_t
fdcopy (int in_fd, off_t in_off, int out_fd, uint64_t len,
        int cancel_fd, uint64_t *r_copied)
{
  gpg_error_t err = 0;
  enum fdcopy_mode mode = MODE_CFR;
  unsigned char *buf = NULL;
  uint64_t copied = 0;
  off_t off = in_off;
  size_t n;
  ssize_t got;

  while (copied < len)
    {
      if (cancelled (cancel_fd))
        {
          err = gpg_error (GPG_ERR_CANCELED);
          goto leave;
        }
      n = len - copied > FDCOPY_CHUNK ? FDCOPY_CHUNK : (size_t)(len - copied);
      if (mode == MODE_CFR)
        got = copy_file_range (in_fd, &off, out_fd, NULL, n, 0);
      else if (mode == MODE_SENDFILE)
        got = sendfile (out_fd, in_fd, &off, n);
      else
        {
          if (!buf && !(buf = malloc (256 * 1024)))
            {
              err = gpg_error_from_syserror ();
              goto leave;
            }
          got = copy_rw (in_fd, &off, out_fd, n > 256 * 1024 ? 256 * 1024 : n,
                         buf, cancel_fd);
        }
      if (got < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN)
            {
              wait_writable (out_fd, cancel_fd);
              continue;
            }
          if (errno == ECANCELED)
            {
              err = gpg_error (GPG_ERR_CANCELED);
              goto leave;
            }
          /* A failing first call of a kernel method says nothing
           * was copied: try the next method.  */
          if (mode != MODE_RW && fallback_errno (errno))
            {
              mode = mode == MODE_CFR ? MODE_SENDFILE : MODE_RW;
              continue;
            }
          err = gpg_error_from_syserror ();
          goto leave;
        }
      if (!got)
        {
          err = gpg_error (GPG_ERR_TRUNCATED);
          goto leave;
        }
      copied += got;
    }

 leave:
  free (buf);
  if (r_copied)
    *r_copied = copied;
  return err;
}


static void *
job_thread (void *arg)
{
  struct fdcopy_job *job = arg;

  job->err = fdcopy (job->in_fd, job->in_off, job->out_fd, job->len,
                     job->cancel_fd, &job->copied);
  return NULL;
}

gpg_error_t
fdcopy_start (struct fdcopy_job *job)
{
  int rc = pthread_create (&job->thread, NULL, job_thread, job);

  if (rc)
    return gpg_error_from_errno (rc);
  job->started = 1;
  return 0;
}

gpg_error_t
fdcopy_join (struct fdcopy_job *job)
{
  if (job->started)
    {
      pthread_join (job->thread, NULL);
      job->started = 0;
    }
  return job->err;
}
