/* message.c - process-time services over struct pgpstep_message.  */
#include <config.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyring.h"
#include "message.h"
#include "params.h"
#include "run.h"
#include "spool.h"

/* Index into CFG->VALUES of the IDX-th value of parameter NAME, or -1. */
static int
find_value (struct pgpstep_config *cfg, const char *name, unsigned int idx)
{
  unsigned int i;

  for (i = 0; i < cfg->nvalues; i++)
    if (!strcmp (cfg->values[i].spec->name, name) && !idx--)
      return i;
  return -1;
}

unsigned int
message_param_count (pgpstep_message_t msg, const char *name)
{
  unsigned int i, n = 0;

  if (!msg || !name)
    return 0;
  for (i = 0; i < msg->cfg->nvalues; i++)
    if (!strcmp (msg->cfg->values[i].spec->name, name))
      n++;
  return n;
}

const char *
message_param_value (pgpstep_message_t msg, const char *name,
                     unsigned int idx)
{
  int i;

  if (!msg || !name || (i = find_value (msg->cfg, name, idx)) < 0)
    return NULL;
  return msg->values[i] ? msg->values[i] : msg->cfg->values[i].value;
}

gpg_error_t
message_resolve_params (struct pgpstep_message *msg)
{
  gpg_error_t err = 0;
  struct pgpstep_config *cfg = msg->cfg;
  struct config_value *cv = NULL;
  const char *hvalue;
  char *reason = NULL;
  unsigned int i;

  msg->values = calloc (cfg->nvalues + 1, sizeof *msg->values);
  if (!msg->values)
    {
      err = gpg_error_from_syserror ();
      run_fail (msg->run, cfg->id, err, NULL, NULL);
      goto leave;
    }
  for (i = 0; i < cfg->nvalues; i++)
    {
      cv = cfg->values + i;
      if (!cv->header)
        continue;
      hvalue = NULL;
      if (msg->run->input_headers)
        hvalue = pgpstep_headers_get (msg->run->input_headers, cv->header);
      if (!hvalue)
        {
          err = gpg_error (GPG_ERR_MISSING_VALUE);
          run_failf (msg->run, cfg->id, err, cv->spec->name,
                     "parameter '%s': input header '%s' is missing",
                     cv->spec->name, cv->header);
          goto leave;
        }
      err = param_check (cv->spec, hvalue, msg->values + i, &reason);
      if (err)
        {
          run_failf (msg->run, cfg->id, err, cv->spec->name,
                     "parameter '%s': input header '%s': %s",
                     cv->spec->name, cv->header,
                     reason ? reason : gpg_strerror (err));
          goto leave;
        }
    }

 leave:
  free (reason);
  return err;
}

const char *
message_input_header (pgpstep_message_t msg, const char *name)
{
  if (!msg || !name || !msg->run->input_headers)
    return NULL;
  return pgpstep_headers_get (msg->run->input_headers, name);
}

gpg_error_t
message_set_header (pgpstep_message_t msg, const char *name,
                    const char *value)
{
  gpg_error_t err;

  if (!msg || !name || !value)
    return gpg_error (GPG_ERR_INV_ARG);
  pthread_mutex_lock (&msg->run->lock);
  err = pgpstep_headers_set (msg->run->result->headers, name, value);
  pthread_mutex_unlock (&msg->run->lock);
  return err;
}

gpg_error_t
message_gnupg_home (pgpstep_message_t msg, const char **r_homedir)
{
  gpg_error_t err;

  if (r_homedir)
    *r_homedir = NULL;
  if (!msg || !r_homedir)
    return gpg_error (GPG_ERR_INV_ARG);
  /* One home for the whole message: its step may run gpg more than
   * once.  Only the step's thread asks.  */
  if (!msg->home_dir
      && (err = keyring_message_home (msg->cfg, &msg->home_slot,
                                      &msg->home_dir)))
    return err;
  *r_homedir = msg->home_dir;
  return 0;
}

gpg_error_t
message_open_spool (pgpstep_message_t msg, struct pgpstep_sink **r_sink)
{
  gpg_error_t err;
  int fd;

  if (!r_sink)
    return gpg_error (GPG_ERR_INV_ARG);
  *r_sink = NULL;
  if (!msg)
    return gpg_error (GPG_ERR_INV_ARG);
  /* The last step's sink is already tentative: no second copy.  */
  if (msg->is_last)
    {
      *r_sink = &msg->sink;
      return 0;
    }
  if (msg->spool.fd < 0)
    {
      err = spool_create (msg->run->ctx->spool_dir, &fd);
      if (err)
        {
          message_log (msg, PGPSTEP_LOG_ERROR,
                       "cannot create a spool file in '%s': %s",
                       msg->run->ctx->spool_dir, gpg_strerror (err));
          return err;
        }
      stream_init (&msg->spool, fd, msg->run->cancel_fd, 0);
      msg->spool_sink.struct_size = sizeof msg->spool_sink;
      msg->spool_sink.handle = &msg->spool;
      msg->spool_sink.write = stream_write;
      msg->spool_sink.fd = fd;
    }
  *r_sink = &msg->spool_sink;
  return 0;
}

void
message_error (pgpstep_message_t msg, gpg_error_t err, const char *key,
               const char *fmt, ...)
{
  va_list ap;
  char *text = NULL;
  char *keycopy = NULL;
  int rc;

  (void) err;  /* The code PROCESS returns is the one reported.  */
  if (!msg || !fmt)
    return;
  va_start (ap, fmt);
  rc = vasprintf (&text, fmt, ap);
  va_end (ap);
  if (rc < 0)
    text = NULL;
  if (key)
    keycopy = strdup (key);

  pthread_mutex_lock (&msg->run->lock);
  if (!msg->have_detail)
    {
      msg->have_detail = 1;
      msg->error_text = text;
      msg->error_key = keycopy;
      text = keycopy = NULL;
    }
  pthread_mutex_unlock (&msg->run->lock);
  free (text);
  free (keycopy);
}

int
message_cancelled (pgpstep_message_t msg)
{
  return msg ? __atomic_load_n (&msg->run->cancelled, __ATOMIC_ACQUIRE) : 0;
}

int
message_cancel_fd (pgpstep_message_t msg)
{
  return msg ? msg->run->cancel_fd : -1;
}

void
message_log (pgpstep_message_t msg, int level, const char *fmt, ...)
{
  struct log_event ev = LOG_EVENT_INIT;
  va_list ap;
  char *text;
  int rc;

  if (!fmt)
    return;
  if (!msg)
    {
      /* Create time: no host at hand; keep the default sink's noise
       * down to warnings and errors.  */
      if (level > PGPSTEP_LOG_WARN)
        return;
      va_start (ap, fmt);
      host_logv (NULL, level, NULL, fmt, ap);
      va_end (ap);
      return;
    }
  if (level > msg->run->ctx->verbosity)
    return;
  va_start (ap, fmt);
  rc = vasprintf (&text, fmt, ap);
  va_end (ap);
  if (rc < 0)
    return;
  ev.step = msg->cfg->id;
  ev.message_id = msg->run->message_id;
  host_log_event (msg->run->ctx, level, &ev, "%s", text);
  free (text);
}

/* PROCESS returned success: the step must have read its source to
 * the end, or the step upstream would see EPIPE and be blamed.  */
static void
check_input_consumed (struct pgpstep_message *msg)
{
  gpg_error_t err;
  char c;
  ssize_t n;

  n = stream_read (&msg->in, &c, 1);
  if (n < 0)
    {
      err = gpg_error_from_syserror ();
      run_failf (msg->run, msg->cfg->id, err, NULL,
                 "checking the end of the input: %s", gpg_strerror (err));
    }
  else if (n > 0)
    run_fail (msg->run, msg->cfg->id, gpg_error (GPG_ERR_INTERNAL), NULL,
              "returned success without reading its input to the end");
}

void
message_finish (struct pgpstep_message *msg, gpg_error_t err)
{
  const char *id = msg->cfg->id;

  if (err)
    {
      /* Reading the detail needs no lock: the step has returned.  */
      run_fail (msg->run, id, err, msg->error_key, msg->error_text);
      return;
    }
  if (message_cancelled (msg))
    return;
  check_input_consumed (msg);
  if (msg->spool.fd >= 0 && !message_cancelled (msg))
    {
      err = spool_copy (msg->spool.fd, &msg->out);
      if (err)
        run_failf (msg->run, id, err, NULL,
                   "releasing the spooled output: %s", gpg_strerror (err));
    }
}

void
message_close_streams (struct pgpstep_message *msg)
{
  /* Released or thrown away by now; free its disk space early.  */
  stream_close (&msg->spool.fd);
  if (msg->own_out)
    stream_close (&msg->out.fd);
  if (msg->own_in)
    stream_close (&msg->in.fd);
}

void
message_cleanup (struct pgpstep_message *msg)
{
  unsigned int i;

  stream_close (&msg->spool.fd);
  if (msg->home_dir)
    keyring_message_home_done (msg->cfg, msg->home_slot);
  msg->home_dir = NULL;
  msg->home_slot = NULL;
  if (msg->values)
    for (i = 0; i < msg->cfg->nvalues; i++)
      free (msg->values[i]);
  free (msg->values);
  msg->values = NULL;
  free (msg->error_key);
  free (msg->error_text);
  msg->error_key = msg->error_text = NULL;
}
