/* stream.h - cancel-aware descriptor streams, pipes and pump threads.  */
#ifndef PGPSTEP_STREAM_H
#define PGPSTEP_STREAM_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <gpg-error.h>
#include <pgpstep/host.h>

/* Buffer size of the copies the host makes itself.  */
#define STREAM_CHUNK (256u * 1024)

/* Capacity asked for the pipes between steps.  */
#define STREAM_PIPE_SIZE (1024 * 1024)

struct run;

/* A descriptor and the run's cancel descriptor: the handle behind
 * the read/write callbacks a step gets.  Used by one thread at a
 * time.  */
struct stream
{
  int fd;
  int cancel_fd;
  size_t max_write;     /* Largest single write(2); 0: no limit.  */
  uint64_t count;       /* Bytes moved through the callbacks.  */
};

/* Set up S for FD.  CALLER_OWNED tells that the descriptor belongs to
 * the embedder, whose pipe may have a reader that never reads.  */
void stream_init (struct stream *s, int fd, int cancel_fd, int caller_owned);

/* The callbacks of struct pgpstep_source and pgpstep_sink (HANDLE is
 * a struct stream).  They wait in poll() on the descriptor and the
 * cancel descriptor and fail with ECANCELED once cancelled.  */
ssize_t stream_read (void *handle, void *buffer, size_t size);
ssize_t stream_write (void *handle, const void *buffer, size_t size);

/* Wait until S's descriptor is ready for EVENTS.  Returns 0, or -1
 * with errno set (ECANCELED when cancelled).  */
int stream_wait (const struct stream *s, short events);

/* A pipe with both ends close-on-exec, enlarged when allowed.  */
gpg_error_t stream_pipe (int r_fds[2]);

/* Close *FD if open and mark it closed.  */
void stream_close (int *fd);

/* Block SIGPIPE in the calling thread so that writes to a closed pipe
 * fail with EPIPE.  The process's signal handling is not touched.  */
void stream_block_sigpipe (void);


/* A pump moves bytes between an embedder's callback and a pipe end
 * of ours, in a thread of its own.  */
struct pump
{
  struct run *run;
  struct stream pipe;           /* Our end; the pump thread closes it. */
  const struct pgpstep_input *input;    /* Exactly one of these two.  */
  const struct pgpstep_output *output;
  uint64_t count;               /* Bytes pumped.  */
  pthread_t thread;
  int started;
};

/* Start P's thread.  Errors met while pumping are recorded with
 * run_fail.  */
gpg_error_t pump_start (struct pump *p);

#endif /*PGPSTEP_STREAM_H*/
