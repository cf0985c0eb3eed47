/* stream.c - cancel-aware descriptor streams, pipes and pump threads.  */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stream.h"
#include "run.h"

void
stream_init (struct stream *s, int fd, int cancel_fd, int caller_owned)
{
  struct stat st;

  s->fd = fd;
  s->cancel_fd = cancel_fd;
  s->count = 0;
  s->max_write = 0;
  /* Our own pipes are drained or closed by the neighbour thread, which
   * always ends once cancelled, so big blocking writes are safe.  A
   * caller's pipe or socket may have a reader that stalls; writing no
   * more than poll() promised keeps the writer cancellable there.  */
  if (caller_owned && fd >= 0 && !fstat (fd, &st)
      && (S_ISFIFO (st.st_mode) || S_ISSOCK (st.st_mode)))
    s->max_write = PIPE_BUF;
}

int
stream_wait (const struct stream *s, short events)
{
  struct pollfd pfd[2];

  for (;;)
    {
      pfd[0].fd = s->cancel_fd;
      pfd[0].events = POLLIN;
      pfd[0].revents = 0;
      pfd[1].fd = s->fd;
      pfd[1].events = events;
      pfd[1].revents = 0;
      if (poll (pfd, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      /* Cancellation wins even when data is ready: the message failed.  */
      if (pfd[0].revents)
        {
          errno = ECANCELED;
          return -1;
        }
      if (pfd[1].revents & POLLNVAL)
        {
          errno = EBADF;
          return -1;
        }
      /* POLLHUP/POLLERR too: the read or write reports what it is.  */
      if (pfd[1].revents)
        return 0;
    }
}

ssize_t
stream_read (void *handle, void *buffer, size_t size)
{
  struct stream *s = handle;
  ssize_t n;

  if (!size)
    return 0;
  for (;;)
    {
      if (stream_wait (s, POLLIN))
        return -1;
      n = read (s->fd, buffer, size);
      if (n >= 0)
        {
          s->count += n;
          return n;
        }
      /* EAGAIN: a caller's non-blocking descriptor raced with poll.  */
      if (errno != EINTR && errno != EAGAIN)
        return -1;
    }
}

ssize_t
stream_write (void *handle, const void *buffer, size_t size)
{
  struct stream *s = handle;
  const char *p = buffer;
  size_t left = size;
  size_t chunk;
  ssize_t n;

  while (left)
    {
      if (stream_wait (s, POLLOUT))
        return -1;
      chunk = s->max_write && left > s->max_write ? s->max_write : left;
      n = write (s->fd, p, chunk);
      if (n < 0)
        {
          if (errno == EINTR || errno == EAGAIN)
            continue;
          return -1;
        }
      p += n;
      left -= n;
      s->count += n;
    }
  return size;
}

gpg_error_t
stream_pipe (int r_fds[2])
{
  if (pipe2 (r_fds, O_CLOEXEC))
    {
      r_fds[0] = r_fds[1] = -1;
      return gpg_error_from_syserror ();
    }
  /* Best effort: a larger pipe means fewer context switches, but the
   * per-user pipe quota may refuse it.  */
  (void) fcntl (r_fds[1], F_SETPIPE_SZ, STREAM_PIPE_SIZE);
  return 0;
}

void
stream_close (int *fd)
{
  if (*fd >= 0)
    {
      close (*fd);
      *fd = -1;
    }
}

void
stream_block_sigpipe (void)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &set, NULL);
}


/* Record the current errno as a failure of the pump while doing WHAT.  */
static void
pump_fail (struct pump *p, const char *what)
{
  gpg_error_t err = gpg_error_from_syserror ();

  run_failf (p->run, NULL, err, NULL, "%s: %s", what, gpg_strerror (err));
}

/* Callback input -> pipe to the first step.  */
static void
pump_in (struct pump *p, char *buffer)
{
  const struct pgpstep_input *input = p->input;
  ssize_t n;

  for (;;)
    {
      n = input->read (input->handle, buffer, STREAM_CHUNK);
      if (!n)
        return;
      if (n < 0)
        {
          pump_fail (p, "reading the input");
          return;
        }
      /* A failure here means the first step stopped reading: it
       * failed or was cancelled, so the error is secondary.  */
      if (stream_write (&p->pipe, buffer, n) < 0)
        {
          pump_fail (p, "passing the input on");
          return;
        }
      p->count += n;
    }
}

/* Pipe from the last step -> callback output.  */
static void
pump_out (struct pump *p, char *buffer)
{
  const struct pgpstep_output *output = p->output;
  ssize_t n, m;
  size_t off;

  for (;;)
    {
      n = stream_read (&p->pipe, buffer, STREAM_CHUNK);
      if (!n)
        return;
      if (n < 0)
        {
          pump_fail (p, "taking the output of the last step");
          return;
        }
      for (off = 0; off < (size_t) n; off += m)
        {
          m = output->write (output->handle, buffer + off, n - off);
          if (m <= 0)
            {
              if (!m)
                errno = EIO;
              pump_fail (p, "writing the output");
              return;
            }
          p->count += m;
        }
    }
}

static void *
pump_thread (void *arg)
{
  struct pump *p = arg;
  char *buffer;

  stream_block_sigpipe ();
  buffer = malloc (STREAM_CHUNK);
  if (!buffer)
    run_fail (p->run, NULL, gpg_error_from_syserror (), NULL,
              "no memory for the pump buffer");
  else if (p->input)
    pump_in (p, buffer);
  else
    pump_out (p, buffer);
  free (buffer);
  /* Errors are recorded above, before the neighbour sees EOF/EPIPE.  */
  stream_close (&p->pipe.fd);
  run_thread_done (p->run);
  return NULL;
}

gpg_error_t
pump_start (struct pump *p)
{
  gpg_error_t err;

  err = run_thread_start (p->run, &p->thread, pump_thread, p);
  if (!err)
    p->started = 1;
  return err;
}
