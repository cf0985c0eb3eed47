/* run.h - one message running through a pipeline (struct run) and
 * the per-step message handle (struct pgpstep_message).  */
#ifndef PGPSTEP_RUN_H
#define PGPSTEP_RUN_H

#include <pthread.h>
#include <stdint.h>

#include "ctx.h"
#include "descriptor.h"
#include "result.h"
#include "stream.h"

struct run;

/* One message passing through one step (pgpstep_message_t).  Touched
 * by the step's thread only, except where noted.  */
struct pgpstep_message
{
  struct run *run;
  struct pgpstep_config *cfg;
  int is_last;                  /* The sink is the tentative output.  */

  /* Per-message parameter values, parallel to CFG->VALUES: the
   * resolved, normalised header value (malloced), or NULL to use the
   * literal value of the configuration.  */
  char **values;

  /* The step's streams.  OWN_* says whether the descriptor is ours to
   * close (pipes) or the caller's (input/output fds).  */
  struct stream in;
  struct stream out;
  int own_in;
  int own_out;
  struct pgpstep_source source;
  struct pgpstep_sink sink;

  /* The spool, once opened (intermediate steps only).  */
  struct stream spool;          /* fd -1 when none.  */
  struct pgpstep_sink spool_sink;

  /* Detail from the error service; the first call wins.  Under the
   * run's lock because a step may report from a helper thread.  */
  int have_detail;
  char *error_key;
  char *error_text;

  /* The runtime home the message got (keyring.c), once asked for.  */
  const char *home_dir;
  struct home_copy *home_slot;

  pthread_t thread;
  int started;
};

/* The state of one pgpstep_run call.  */
struct run
{
  struct pgpstep_pipeline *pipeline;
  struct pgpstep_ctx *ctx;
  pgpstep_headers_t input_headers;      /* Borrowed; may be NULL.  */
  char *message_id;

  /* LOCK protects RESULT (error and headers), NRUNNING and the
   * messages' error detail.  COND is signalled when NRUNNING drops to
   * zero.  */
  pthread_mutex_t lock;
  pthread_cond_t cond;
  unsigned int nrunning;
  struct pgpstep_result *result;

  /* Set once (atomically) by the primary error; CANCEL_FD (an
   * eventfd) becomes readable at the same moment.  */
  int cancelled;
  int cancel_fd;

  struct pgpstep_message *msgs;
  unsigned int nsteps;
  struct pump in_pump;          /* Used when the input is a callback.  */
  struct pump out_pump;         /* Used when the output is a callback.  */
  /* The caller's descriptors when they are regular files, and their
   * offsets at the start (else -1): a step may hand them to gpg, which
   * moves the offset but no byte through our callbacks.  */
  int in_file, out_file;
  off_t in_start, out_start;
};

/* Record an error of STEP (a step id, or NULL for the host's own
 * work).  The first error is the primary one: it goes into the result
 * and cancels the run, before the caller closes any descriptor.  Any
 * later one is secondary and only logged.  KEY may be NULL.  */
void run_fail (struct run *run, const char *step, gpg_error_t err,
               const char *key, const char *text);

/* Like run_fail with a printf-style text.  */
void run_failf (struct run *run, const char *step, gpg_error_t err,
                const char *key, const char *fmt, ...)
  __attribute__ ((format (printf, 5, 6)));

/* Start a thread of RUN that calls run_thread_done when finished.  */
gpg_error_t run_thread_start (struct run *run, pthread_t *r_thread,
                              void *(*fn) (void *), void *arg);
void run_thread_done (struct run *run);


/* message.c: per-message helpers used by run.c.  */

/* Resolve the message's ${header.NAME} parameter values from the input
 * headers and check them; errors are recorded with run_fail.  */
gpg_error_t message_resolve_params (struct pgpstep_message *msg);

/* PROCESS returned ERR.  Record it, or on success check that the
 * step read its input to the end and release its spool downstream
 * (errors recorded as the step's).  */
void message_finish (struct pgpstep_message *msg, gpg_error_t err);

/* Close the descriptors the step owns: downstream sees EOF, upstream
 * gets EPIPE; and the spool.  */
void message_close_streams (struct pgpstep_message *msg);

/* Release everything else of MSG (spool, values, detail).  */
void message_cleanup (struct pgpstep_message *msg);

#endif /*PGPSTEP_RUN_H*/
