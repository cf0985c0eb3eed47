/* run.c - run one message through a pipeline (pgpstep_run).
 *
 * Every step runs PROCESS in a thread of its own; neighbours are
 * joined by kernel pipes, so the message streams through all steps at
 * once in constant memory.  The first error wins: it is recorded, the
 * run is cancelled (cancel fd readable), and only then does the
 * failing thread close its pipe ends, so whatever the neighbours see
 * afterwards (EOF, EPIPE, ECANCELED) is secondary.  */
#include <config.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

/* For generated message ids.  */
static unsigned long message_counter;


static void
cancel (struct run *run)
{
  uint64_t one = 1;

  __atomic_store_n (&run->cancelled, 1, __ATOMIC_RELEASE);
  if (run->cancel_fd >= 0)
    while (write (run->cancel_fd, &one, sizeof one) < 0 && errno == EINTR)
      ;
}

void
run_fail (struct run *run, const char *step, gpg_error_t err,
          const char *key, const char *text)
{
  int primary = 0;

  if (!err)
    err = gpg_error (GPG_ERR_INTERNAL);
  pthread_mutex_lock (&run->lock);
  if (!__atomic_load_n (&run->cancelled, __ATOMIC_ACQUIRE))
    {
      result_set_error (run->result, err, step, key, text);
      cancel (run);
      primary = 1;
    }
  pthread_mutex_unlock (&run->lock);
  if (!primary)
    host_log (run->ctx, PGPSTEP_LOG_DEBUG, step,
              "message %s: secondary error: %s", run->message_id,
              text ? text : gpg_strerror (err));
}

void
run_failf (struct run *run, const char *step, gpg_error_t err,
           const char *key, const char *fmt, ...)
{
  va_list ap;
  char *text;
  int rc;

  va_start (ap, fmt);
  rc = vasprintf (&text, fmt, ap);
  va_end (ap);
  run_fail (run, step, err, key, rc < 0 ? NULL : text);
  if (rc >= 0)
    free (text);
}

gpg_error_t
run_thread_start (struct run *run, pthread_t *r_thread,
                  void *(*fn) (void *), void *arg)
{
  int rc;

  pthread_mutex_lock (&run->lock);
  run->nrunning++;
  pthread_mutex_unlock (&run->lock);
  rc = pthread_create (r_thread, NULL, fn, arg);
  if (rc)
    {
      run_thread_done (run);
      return gpg_error_from_errno (rc);
    }
  return 0;
}

void
run_thread_done (struct run *run)
{
  pthread_mutex_lock (&run->lock);
  if (!--run->nrunning)
    pthread_cond_broadcast (&run->cond);
  pthread_mutex_unlock (&run->lock);
}


static void *
step_thread (void *arg)
{
  struct pgpstep_message *msg = arg;
  gpg_error_t err;

  stream_block_sigpipe ();
  err = msg->cfg->step->process (msg->cfg->state, msg,
                                 &msg->source, &msg->sink);
  message_finish (msg, err);
  /* Any error of ours is recorded: what the neighbours see from now on
   * is secondary.  */
  message_close_streams (msg);
  run_thread_done (msg->run);
  return NULL;
}

static void
run_release (struct run *run)
{
  unsigned int i;

  if (!run)
    return;
  for (i = 0; run->msgs && i < run->nsteps; i++)
    message_cleanup (run->msgs + i);
  free (run->msgs);
  stream_close (&run->cancel_fd);
  pgpstep_result_release (run->result);
  free (run->message_id);
  pthread_cond_destroy (&run->cond);
  pthread_mutex_destroy (&run->lock);
  free (run);
}

/* The lock and the condition (on the monotonic clock, for the
 * deadline) of RUN.  */
static gpg_error_t
init_sync (struct run *run)
{
  pthread_condattr_t attr;
  int rc;

  rc = pthread_condattr_init (&attr);
  if (!rc)
    {
      rc = pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
      if (!rc)
        rc = pthread_cond_init (&run->cond, &attr);
      pthread_condattr_destroy (&attr);
    }
  if (rc)
    return gpg_error_from_errno (rc);
  rc = pthread_mutex_init (&run->lock, NULL);
  if (rc)
    {
      pthread_cond_destroy (&run->cond);
      return gpg_error_from_errno (rc);
    }
  return 0;
}

/* A new run of PIPELINE.  Fails only when out of resources for the
 * result itself; other trouble is recorded in the result.  */
static gpg_error_t
run_new (pgpstep_pipeline_t pipeline, pgpstep_headers_t input_headers,
         const char *message_id, struct run **r_run)
{
  gpg_error_t err;
  struct run *run;
  struct pgpstep_message *msg;
  unsigned int i;
  int rc;

  *r_run = NULL;
  run = calloc (1, sizeof *run);
  if (!run)
    return gpg_error_from_syserror ();
  err = init_sync (run);
  if (err)
    {
      free (run);
      return err;
    }
  run->pipeline = pipeline;
  run->ctx = pipeline->ctx;
  run->input_headers = input_headers;
  run->cancel_fd = -1;
  run->nsteps = pipeline->nsteps;
  run->in_pump.run = run->out_pump.run = run;
  run->in_pump.pipe.fd = run->out_pump.pipe.fd = -1;
  run->in_file = run->out_file = -1;
  if (message_id)
    rc = (run->message_id = strdup (message_id)) ? 0 : -1;
  else
    rc = asprintf (&run->message_id, "%ld-%lu", (long) getpid (),
                   __atomic_add_fetch (&message_counter, 1,
                                       __ATOMIC_RELAXED));
  if (rc < 0)
    run->message_id = NULL;
  run->msgs = calloc (run->nsteps, sizeof *run->msgs);
  if (!run->message_id || !run->msgs)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  err = result_new (&run->result);
  if (err)
    goto leave;
  for (i = 0; i < run->nsteps; i++)
    {
      msg = run->msgs + i;
      msg->run = run;
      msg->cfg = pipeline->steps[i];
      msg->is_last = i + 1 == run->nsteps;
      msg->in.fd = msg->out.fd = msg->spool.fd = -1;
    }

  run->cancel_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (run->cancel_fd < 0)
    {
      err = gpg_error_from_syserror ();
      result_set_error (run->result, err, NULL, NULL,
                        "cannot create the cancel descriptor");
      __atomic_store_n (&run->cancelled, 1, __ATOMIC_RELEASE);
      err = 0;
    }
  *r_run = run;
  run = NULL;

 leave:
  run_release (run);
  return err;
}


/* Give stream S the descriptor FD; *R_OWN tells whether the step's
 * thread closes it.  */
static void
attach (struct run *run, struct stream *s, int *r_own, int fd,
        int caller_owned)
{
  stream_init (s, fd, run->cancel_fd, caller_owned);
  *r_own = !caller_owned;
}

/* Remember FD and its offset if it is a regular file.  */
static void
note_file (int fd, int *r_fd, off_t *r_start)
{
  struct stat st;

  *r_fd = -1;
  *r_start = -1;
  if (fd >= 0 && !fstat (fd, &st) && S_ISREG (st.st_mode)
      && (*r_start = lseek (fd, 0, SEEK_CUR)) >= 0)
    *r_fd = fd;
}

/* The bytes that passed FD: what our callbacks COUNTED, or how far
 * the offset moved from START if a child moved it further.  */
static uint64_t
file_moved (int fd, off_t start, uint64_t counted)
{
  off_t pos;

  if (fd < 0 || (pos = lseek (fd, 0, SEEK_CUR)) < start)
    return counted;
  return (uint64_t) (pos - start) > counted ? (uint64_t) (pos - start)
    : counted;
}

/* Wire the steps: the input (or a pump's pipe) into the first, pipes
 * between them, the last into the output (or a pump's pipe).  */
static gpg_error_t
connect_streams (struct run *run, const struct pgpstep_input *input,
                 const struct pgpstep_output *output)
{
  gpg_error_t err;
  struct pgpstep_message *first = run->msgs;
  struct pgpstep_message *last = run->msgs + run->nsteps - 1;
  struct pgpstep_message *msg;
  int fds[2];
  unsigned int i;

  note_file (input->fd, &run->in_file, &run->in_start);
  note_file (output->fd, &run->out_file, &run->out_start);
  if (input->fd >= 0)
    attach (run, &first->in, &first->own_in, input->fd, 1);
  else
    {
      if ((err = stream_pipe (fds)))
        return err;
      attach (run, &first->in, &first->own_in, fds[0], 0);
      stream_init (&run->in_pump.pipe, fds[1], run->cancel_fd, 0);
      run->in_pump.input = input;
    }
  for (i = 0; i + 1 < run->nsteps; i++)
    {
      if ((err = stream_pipe (fds)))
        return err;
      attach (run, &run->msgs[i].out, &run->msgs[i].own_out, fds[1], 0);
      attach (run, &run->msgs[i + 1].in, &run->msgs[i + 1].own_in,
              fds[0], 0);
    }
  if (output->fd >= 0)
    attach (run, &last->out, &last->own_out, output->fd, 1);
  else
    {
      if ((err = stream_pipe (fds)))
        return err;
      attach (run, &last->out, &last->own_out, fds[1], 0);
      stream_init (&run->out_pump.pipe, fds[0], run->cancel_fd, 0);
      run->out_pump.output = output;
    }

  for (i = 0; i < run->nsteps; i++)
    {
      msg = run->msgs + i;
      msg->source.struct_size = sizeof msg->source;
      msg->source.handle = &msg->in;
      msg->source.read = stream_read;
      msg->source.fd = msg->in.fd;
      msg->sink.struct_size = sizeof msg->sink;
      msg->sink.handle = &msg->out;
      msg->sink.write = stream_write;
      msg->sink.fd = msg->out.fd;
    }
  return 0;
}

/* Resolve the parameters, wire the streams and start the threads.
 * Errors are recorded in RUN's result.  */
static void
start_run (struct run *run, const struct pgpstep_input *input,
           const struct pgpstep_output *output)
{
  gpg_error_t err;
  struct pgpstep_message *msg;
  unsigned int i;

  /* Nothing starts, and nothing is read or written, unless every
   * step's values are good.  */
  for (i = 0; i < run->nsteps; i++)
    if (message_resolve_params (run->msgs + i))
      return;

  err = connect_streams (run, input, output);
  if (err)
    {
      run_failf (run, NULL, err, NULL, "cannot create pipes: %s",
                 gpg_strerror (err));
      return;
    }
  if (run->in_pump.input && (err = pump_start (&run->in_pump)))
    goto fail;
  if (run->out_pump.output && (err = pump_start (&run->out_pump)))
    goto fail;
  for (i = 0; i < run->nsteps; i++)
    {
      msg = run->msgs + i;
      err = run_thread_start (run, &msg->thread, step_thread, msg);
      if (err)
        goto fail;
      msg->started = 1;
    }
  return;

 fail:
  run_failf (run, NULL, err, NULL, "cannot start a thread: %s",
             gpg_strerror (err));
}

/* Close what threads that never started would have closed; the run
 * is cancelled by then, so the neighbours take it as secondary.  */
static void
close_unstarted (struct run *run)
{
  unsigned int i;

  for (i = 0; i < run->nsteps; i++)
    if (!run->msgs[i].started)
      message_close_streams (run->msgs + i);
  if (!run->in_pump.started)
    stream_close (&run->in_pump.pipe.fd);
  if (!run->out_pump.started)
    stream_close (&run->out_pump.pipe.fd);
}

/* Wait until every thread is done or the deadline of TIMEOUT_MS
 * passed; in the latter case cancel the run.  */
static void
wait_deadline (struct run *run, unsigned int timeout_ms)
{
  struct timespec deadline;
  int rc = 0;
  int expired;

  if (!timeout_ms)
    return;
  clock_gettime (CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += timeout_ms / 1000;
  deadline.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L)
    {
      deadline.tv_sec++;
      deadline.tv_nsec -= 1000000000L;
    }
  pthread_mutex_lock (&run->lock);
  while (run->nrunning && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait (&run->cond, &run->lock, &deadline);
  expired = run->nrunning > 0;
  pthread_mutex_unlock (&run->lock);
  if (expired)
    run_failf (run, NULL, gpg_error (GPG_ERR_TIMEOUT), NULL,
               "deadline of %u ms exceeded", timeout_ms);
}

static void
join_threads (struct run *run)
{
  unsigned int i;

  for (i = 0; i < run->nsteps; i++)
    if (run->msgs[i].started)
      {
        pthread_join (run->msgs[i].thread, NULL);
        run->msgs[i].started = 0;
      }
  if (run->in_pump.started)
    pthread_join (run->in_pump.thread, NULL);
  if (run->out_pump.started)
    pthread_join (run->out_pump.thread, NULL);
  run->in_pump.started = run->out_pump.started = 0;
}

static void
abort_output (const struct pgpstep_output *output)
{
  if (output && PGPSTEP_HAS_MEMBER (output, struct pgpstep_output, abort)
      && output->abort)
    output->abort (output->handle);
}

/* All threads are joined: release the output or throw it away.  */
static void
finish_output (struct run *run, const struct pgpstep_output *output)
{
  gpg_error_t err;

  if (run->result->err)
    abort_output (output);
  else if (PGPSTEP_HAS_MEMBER (output, struct pgpstep_output, commit)
           && output->commit)
    {
      err = output->commit (output->handle);
      if (err)
        run_failf (run, NULL, err, NULL, "committing the output: %s",
                   gpg_strerror (err));
    }
}

/* The one info line per message: no payload, no secrets.  */
/* Bytes that passed either end: through the host's callbacks, or read
 * or written by a child on a regular file of the caller (a child that
 * reads or writes a pipe of the caller itself is not seen).  Called once
 * the steps are done and before the output is committed (which may
 * close its descriptor).  */
static void
count_bytes (struct run *run, uint64_t *r_in, uint64_t *r_out)
{
  *r_in = run->in_pump.input ? run->in_pump.count
    : file_moved (run->in_file, run->in_start, run->msgs[0].in.count);
  *r_out = run->out_pump.output ? run->out_pump.count
    : file_moved (run->out_file, run->out_start,
                  run->msgs[run->nsteps - 1].out.count);
}

static void
log_outcome (struct run *run, const struct timespec *start, uint64_t in,
             uint64_t out)
{
  struct log_event ev = LOG_EVENT_INIT;
  struct timespec now;
  long ms;

  clock_gettime (CLOCK_MONOTONIC, &now);
  ms = (now.tv_sec - start->tv_sec) * 1000
    + (now.tv_nsec - start->tv_nsec) / 1000000;
  ev.message_id = run->message_id;
  ev.pipeline = pgpstep_pipeline_name (run->pipeline);
  ev.bytes_in = in;
  ev.bytes_out = out;
  ev.duration_ms = ms;
  ev.outcome = run->result->err ? "failed" : "ok";
  if (run->ctx->log_json)
    host_log_event (run->ctx, PGPSTEP_LOG_INFO, &ev, "%s",
                    run->result->err ? (run->result->message
                                        ? run->result->message : "failed")
                    : "ok");
  else
    host_log_event (run->ctx, PGPSTEP_LOG_INFO, &ev,
                    "pipeline '%s', %u step(s), %llu bytes in,"
                    " %llu bytes out, %ld ms: %s",
                    ev.pipeline, run->nsteps, (unsigned long long) in,
                    (unsigned long long) out, ms,
                    run->result->err ? (run->result->message
                                        ? run->result->message : "failed")
                    : "ok");
}

/* Refuse a call before any run exists.  */
static gpg_error_t
refuse (const char *text, const struct pgpstep_output *output,
        pgpstep_result_t *r_result)
{
  gpg_error_t err = gpg_error (GPG_ERR_INV_ARG);

  abort_output (output);
  if (!result_new (r_result))
    result_set_error (*r_result, err, NULL, NULL, text);
  return err;
}

gpg_error_t
pgpstep_run (pgpstep_pipeline_t pipeline, pgpstep_headers_t input_headers,
             const struct pgpstep_input *input,
             const struct pgpstep_output *output,
             const struct pgpstep_run_options *options,
             pgpstep_result_t *r_result)
{
  gpg_error_t err;
  struct run *run = NULL;
  struct timespec start;
  unsigned int timeout_ms = 0;
  const char *message_id = NULL;
  uint64_t in, out;

  if (!r_result)
    {
      abort_output (output);
      return gpg_error (GPG_ERR_INV_ARG);
    }
  *r_result = NULL;
  if (!pipeline || !pipeline->nsteps)
    return refuse ("no pipeline or an empty one", output, r_result);
  if (!input || (input->fd < 0
                 && (!PGPSTEP_HAS_MEMBER (input, struct pgpstep_input, read)
                     || !input->read)))
    return refuse ("input without descriptor or read callback",
                   output, r_result);
  if (!output || (output->fd < 0
                  && (!PGPSTEP_HAS_MEMBER (output, struct pgpstep_output,
                                           write)
                      || !output->write)))
    return refuse ("output without descriptor or write callback",
                   output, r_result);
  if (options
      && PGPSTEP_HAS_MEMBER (options, struct pgpstep_run_options, timeout_ms))
    timeout_ms = options->timeout_ms;
  if (options
      && PGPSTEP_HAS_MEMBER (options, struct pgpstep_run_options, message_id))
    message_id = options->message_id;

  clock_gettime (CLOCK_MONOTONIC, &start);
  err = run_new (pipeline, input_headers, message_id, &run);
  if (err)
    {
      abort_output (output);
      return err;
    }
  if (!run->result->err)
    start_run (run, input, output);
  close_unstarted (run);
  wait_deadline (run, timeout_ms);
  join_threads (run);
  count_bytes (run, &in, &out);
  finish_output (run, output);
  log_outcome (run, &start, in, out);

  *r_result = run->result;
  run->result = NULL;
  err = (*r_result)->err;
  run_release (run);
  return err;
}
