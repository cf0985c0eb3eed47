/* fakehost.c - a fake services table for plugin unit tests.  */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakehost.h"

#define COPY_BUFFER 65536

/* One parameter value of the configuration.  */
struct cfgval
{
  const char *name;
  const char *value;            /* As given, or the table's default.  */
  char *header;                 /* NAME of "${header.NAME}", or NULL.  */
};

struct pgpstep_config
{
  struct fakehost *fh;
  const struct pgpstep_step *step;
  struct cfgval *vals;
  unsigned int nvals;
  char id[64];                  /* "TYPE#1" when the test gives none.  */
};

/* A stream behind a source or sink callback.  */
struct fstream
{
  struct fakehost *fh;
  int fd;
};

struct pgpstep_message
{
  struct fakehost *fh;
  const char **values;          /* Resolved, parallel to cfg->vals.  */
  struct fstream in, out, spool;
  struct pgpstep_sink sink;     /* The step's sink.  */
  struct pgpstep_sink spool_sink;
  int stop_pipe[2];             /* Readable when PROCESS returned.  */
};


/* Helpers.  */

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

/* A private temporary file, already unlinked.  */
static int
temp_file (void)
{
  char name[] = "/tmp/fakehost-XXXXXX";
  int fd = mkostemp (name, O_CLOEXEC);

  if (fd >= 0)
    unlink (name);
  return fd;
}

static int
is_cancelled (struct fakehost *fh)
{
  return __atomic_load_n (&fh->cancelled, __ATOMIC_ACQUIRE);
}

/* Wait until FD is ready for EVENTS or the message is cancelled.  */
static int
wait_fd (struct fakehost *fh, int fd, short events)
{
  struct pollfd pfd[2];

  for (;;)
    {
      if (is_cancelled (fh))
        {
          errno = ECANCELED;
          return -1;
        }
      pfd[0].fd = fd;
      pfd[0].events = events;
      pfd[1].fd = fh->cancel_pipe[0];
      pfd[1].events = POLLIN;
      if (poll (pfd, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return -1;
        }
      if (pfd[1].revents)
        continue;
      if (pfd[0].revents)
        return 0;
    }
}

static ssize_t
source_read (void *handle, void *buffer, size_t size)
{
  struct fstream *s = handle;
  ssize_t n;

  for (;;)
    {
      if (wait_fd (s->fh, s->fd, POLLIN))
        return -1;
      n = read (s->fd, buffer, size);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      return n;
    }
}

static ssize_t
sink_write (void *handle, const void *buffer, size_t size)
{
  struct fstream *s = handle;
  const char *p = buffer;
  size_t done = 0;
  ssize_t n;

  while (done < size)
    {
      if (wait_fd (s->fh, s->fd, POLLOUT))
        return -1;
      n = write (s->fd, p + done, size - done);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n < 0)
        return -1;
      done += n;
    }
  return size;
}

/* Append a formatted line to the captured log.  */
static void
add_log (struct fakehost *fh, const char *prefix, const char *text)
{
  size_t n = strlen (prefix) + strlen (text) + 3;
  char *p;

  if (fh->verbose)
    fprintf (stderr, "fakehost: %s: %s\n", prefix, text);
  pthread_mutex_lock (&fh->lock);
  p = realloc (fh->log, fh->loglen + n);
  if (p)
    {
      fh->log = p;
      fh->loglen += snprintf (p + fh->loglen, n, "%s: %s\n", prefix, text);
    }
  pthread_mutex_unlock (&fh->lock);
}

static const struct cfgval *
find_cfgval (struct pgpstep_config *cfg, const char *name, unsigned int idx,
             unsigned int *r_pos)
{
  unsigned int i;

  for (i = 0; i < cfg->nvals; i++)
    if (!strcmp (cfg->vals[i].name, name) && !idx--)
      {
        if (r_pos)
          *r_pos = i;
        return cfg->vals + i;
      }
  return NULL;
}

/* "${header.NAME}" -> malloced NAME, else NULL.  */
static char *
header_ref (const char *value)
{
  size_t len = strlen (value);

  if (len < 11 || strncmp (value, "${header.", 9) || value[len - 1] != '}')
    return NULL;
  return strndup (value + 9, len - 10);
}

static const char *
lookup (const struct fakehost_value *table, const char *name)
{
  for (; table && table->name; table++)
    if (!strcmp (table->name, name))
      return table->value;
  return NULL;
}


/* The services.  */

static const char *
svc_config_step_id (pgpstep_config_t cfg)
{
  return cfg->fh->step_id ? cfg->fh->step_id : cfg->id;
}

static unsigned int
svc_config_count (pgpstep_config_t cfg, const char *name)
{
  unsigned int i, n = 0;

  for (i = 0; i < cfg->nvals; i++)
    n += !strcmp (cfg->vals[i].name, name);
  return n;
}

static const char *
svc_config_value (pgpstep_config_t cfg, const char *name, unsigned int idx)
{
  const struct cfgval *v = find_cfgval (cfg, name, idx, NULL);

  return v ? v->value : NULL;
}

static int
svc_config_is_dynamic (pgpstep_config_t cfg, const char *name,
                       unsigned int idx)
{
  const struct cfgval *v = find_cfgval (cfg, name, idx, NULL);

  return v && v->header;
}

/* Whether CFG has a value for a KEYRING parameter.  */
static int
has_keyring (pgpstep_config_t cfg)
{
  const struct pgpstep_param *p;
  unsigned int i, j;

  for (i = 0; i < cfg->nvals; i++)
    for (j = 0; (p = pgpstep_param_at (cfg->step->params, j))->name; j++)
      if (p->type == PGPSTEP_TYPE_KEYRING && !strcmp (p->name,
                                                      cfg->vals[i].name))
        return 1;
  return 0;
}

static gpg_error_t
svc_config_gnupg_home (pgpstep_config_t cfg, const char **r_homedir)
{
  /* As the host: the keyrings' home, or the empty one.  */
  *r_homedir = has_keyring (cfg) ? cfg->fh->homedir : cfg->fh->empty_homedir;
  if (*r_homedir)
    return 0;
  return gpg_error (has_keyring (cfg) ? GPG_ERR_NOT_SUPPORTED
                    : GPG_ERR_NO_DATA);
}

static gpg_error_t
svc_config_secret (pgpstep_config_t cfg, const char *ref,
                   const char **r_value, size_t *r_len)
{
  const char *v = lookup (cfg->fh->secrets, ref);

  *r_value = v;
  if (r_len)
    *r_len = v ? strlen (v) : 0;
  return v ? 0 : gpg_error (GPG_ERR_CONFIGURATION);
}

static void
svc_config_error (pgpstep_config_t cfg, gpg_error_t err, const char *key,
                  const char *fmt, ...)
{
  struct fakehost *fh = cfg->fh;
  va_list ap;
  char *text;

  va_start (ap, fmt);
  if (vasprintf (&text, fmt, ap) < 0)
    text = NULL;
  va_end (ap);
  if (fh->verbose)
    fprintf (stderr, "fakehost: config error %s [%s]: %s\n",
             gpg_strerror (err), key ? key : "-", text ? text : "?");
  if (fh->config_err_text || !text)
    {
      free (text);
      return;
    }
  fh->config_err = err;
  fh->config_err_key = key ? strdup (key) : NULL;
  fh->config_err_text = text;
}

static unsigned int
svc_param_count (pgpstep_message_t msg, const char *name)
{
  return svc_config_count (msg->fh->cfg, name);
}

static const char *
svc_param_value (pgpstep_message_t msg, const char *name, unsigned int idx)
{
  unsigned int pos;

  if (!find_cfgval (msg->fh->cfg, name, idx, &pos))
    return NULL;
  return msg->values[pos];
}

static const char *
svc_input_header (pgpstep_message_t msg, const char *name)
{
  return lookup (msg->fh->headers, name);
}

static gpg_error_t
svc_set_header (pgpstep_message_t msg, const char *name, const char *value)
{
  struct fakehost *fh = msg->fh;
  gpg_error_t err = 0;
  struct fakehost_value *p;
  char *v;
  size_t i;

  if (!name || !value)
    return gpg_error (GPG_ERR_INV_ARG);
  if (!(v = strdup (value)))
    return gpg_error_from_syserror ();
  pthread_mutex_lock (&fh->lock);
  for (i = 0; i < fh->nresult; i++)
    if (!strcmp (fh->result[i].name, name))
      {
        free ((char *) fh->result[i].value);
        fh->result[i].value = v;
        goto leave;
      }
  p = realloc (fh->result, (fh->nresult + 1) * sizeof *p);
  if (!p || !(p[fh->nresult].name = strdup (name)))
    {
      err = gpg_error_from_syserror ();
      if (p)
        fh->result = p;
      free (v);
      goto leave;
    }
  fh->result = p;
  p[fh->nresult++].value = v;
 leave:
  pthread_mutex_unlock (&fh->lock);
  return err;
}

static gpg_error_t
svc_gnupg_home (pgpstep_message_t msg, const char **r_homedir)
{
  if (msg->fh->on_gnupg_home)
    msg->fh->on_gnupg_home (msg->fh->hook_opaque);
  return svc_config_gnupg_home (msg->fh->cfg, r_homedir);
}

static gpg_error_t
svc_open_spool (pgpstep_message_t msg, struct pgpstep_sink **r_sink)
{
  struct fakehost *fh = msg->fh;
  gpg_error_t err = 0;

  *r_sink = NULL;
  pthread_mutex_lock (&fh->lock);
  fh->spool_opened++;
  if (fh->is_last)
    *r_sink = &msg->sink;
  else
    {
      if (msg->spool.fd < 0 && (msg->spool.fd = temp_file ()) < 0)
        err = gpg_error_from_syserror ();
      else
        {
          msg->spool_sink.fd = msg->spool.fd;
          *r_sink = &msg->spool_sink;
        }
    }
  pthread_mutex_unlock (&fh->lock);
  return err;
}

static void
svc_error (pgpstep_message_t msg, gpg_error_t err, const char *key,
           const char *fmt, ...)
{
  struct fakehost *fh = msg->fh;
  va_list ap;
  char *text;

  va_start (ap, fmt);
  if (vasprintf (&text, fmt, ap) < 0)
    text = NULL;
  va_end (ap);
  if (fh->verbose)
    fprintf (stderr, "fakehost: error %s [%s]: %s\n", gpg_strerror (err),
             key ? key : "-", text ? text : "?");
  pthread_mutex_lock (&fh->lock);
  if (!fh->err_text && text)
    {
      fh->err = err;
      fh->err_key = key ? strdup (key) : NULL;
      fh->err_text = text;
      text = NULL;
    }
  pthread_mutex_unlock (&fh->lock);
  free (text);
}

static int
svc_cancelled (pgpstep_message_t msg)
{
  return is_cancelled (msg->fh);
}

static int
svc_cancel_fd (pgpstep_message_t msg)
{
  return msg->fh->cancel_pipe[0];
}

static void
svc_log (pgpstep_message_t msg, int level, const char *fmt, ...)
{
  static const char *const names[] = { "error", "warn", "info", "debug" };
  va_list ap;
  char *text;

  if (!msg)
    return;  /* Create time: nothing to attach it to.  */
  va_start (ap, fmt);
  if (vasprintf (&text, fmt, ap) < 0)
    text = NULL;
  va_end (ap);
  if (!text)
    return;
  add_log (msg->fh, names[level < 0 || level > 3 ? 3 : level], text);
  free (text);
}

const struct pgpstep_host fakehost_services = {
  sizeof (struct pgpstep_host),
  PGPSTEP_ABI_MAJOR,
  PGPSTEP_ABI_MINOR,
  "fakehost",
  svc_config_step_id,
  svc_config_count,
  svc_config_value,
  svc_config_is_dynamic,
  svc_config_gnupg_home,
  svc_config_secret,
  svc_config_error,
  svc_param_count,
  svc_param_value,
  svc_input_header,
  svc_set_header,
  svc_gnupg_home,
  svc_open_spool,
  svc_error,
  svc_cancelled,
  svc_cancel_fd,
  svc_log
};


/* Create.  */

const struct pgpstep_step *
fakehost_find_step (const struct pgpstep_module *module, const char *type)
{
  unsigned int i;

  for (i = 0; module && module->steps[i]; i++)
    if (!strcmp (module->steps[i]->type, type))
      return module->steps[i];
  return NULL;
}

static void
release_cfg (struct fakehost *fh)
{
  unsigned int i;

  if (!fh->cfg)
    return;
  for (i = 0; i < fh->cfg->nvals; i++)
    free (fh->cfg->vals[i].header);
  free (fh->cfg->vals);
  free (fh->cfg);
  fh->cfg = NULL;
}

/* Build FH->CFG from the given values and the table's defaults.  */
static gpg_error_t
build_cfg (struct fakehost *fh, const struct pgpstep_step *step)
{
  const struct pgpstep_param *p;
  const struct fakehost_value *v;
  struct pgpstep_config *cfg;
  unsigned int i, n = 0;

  for (v = fh->params; v && v->name; v++)
    n++;
  for (i = 0; pgpstep_param_at (step->params, i)->name; i++)
    n++;
  if (!(cfg = calloc (1, sizeof *cfg))
      || !(cfg->vals = calloc (n + 1, sizeof *cfg->vals)))
    {
      free (cfg);
      return gpg_error_from_syserror ();
    }
  cfg->fh = fh;
  cfg->step = step;
  snprintf (cfg->id, sizeof cfg->id, "%s#1", step->type);
  fh->cfg = cfg;
  for (v = fh->params; v && v->name; v++)
    {
      for (i = 0; (p = pgpstep_param_at (step->params, i))->name; i++)
        if (!strcmp (p->name, v->name))
          break;
      if (!p->name)
        {
          fh->config_err = gpg_error (GPG_ERR_UNKNOWN_NAME);
          if (asprintf (&fh->config_err_text, "fakehost: step '%s' has"
                        " no parameter '%s'", step->type, v->name) < 0)
            fh->config_err_text = NULL;
          return fh->config_err;
        }
      cfg->vals[cfg->nvals].name = v->name;
      cfg->vals[cfg->nvals].value = v->value;
      cfg->vals[cfg->nvals++].header = header_ref (v->value);
    }
  for (i = 0; (p = pgpstep_param_at (step->params, i))->name; i++)
    if (p->default_value && !lookup (fh->params, p->name))
      {
        cfg->vals[cfg->nvals].name = p->name;
        cfg->vals[cfg->nvals++].value = p->default_value;
      }
  return 0;
}

static void
reset_captures (struct fakehost *fh)
{
  size_t i;

  free (fh->err_key);
  free (fh->err_text);
  fh->err_key = fh->err_text = NULL;
  fh->err = 0;
  for (i = 0; i < fh->nresult; i++)
    {
      free ((char *) fh->result[i].name);
      free ((char *) fh->result[i].value);
    }
  free (fh->result);
  fh->result = NULL;
  fh->nresult = 0;
  free (fh->log);
  fh->log = NULL;
  fh->loglen = 0;
  free (fh->out);
  fh->out = NULL;
  fh->outlen = 0;
  fh->spool_opened = 0;
  fh->spooled = 0;
}

gpg_error_t
fakehost_create (struct fakehost *fh, const struct pgpstep_step *step,
                 void **r_state)
{
  gpg_error_t err;

  *r_state = NULL;
  if (!fh->lock_ready)
    {
      pthread_mutex_init (&fh->lock, NULL);
      fh->lock_ready = 1;
      fh->cancel_pipe[0] = fh->cancel_pipe[1] = -1;
    }
  release_cfg (fh);
  free (fh->config_err_key);
  free (fh->config_err_text);
  fh->config_err_key = fh->config_err_text = NULL;
  fh->config_err = 0;
  err = build_cfg (fh, step);
  if (err)
    return err;
  return step->create (&fakehost_services, fh->cfg, r_state);
}


/* Process.  */

/* The thread that writes the input into the source pipe.  */
struct feeder
{
  struct fakehost *fh;
  int from;                     /* The test's input.  */
  int to;                       /* The pipe's write end (ours).  */
  int stop;                     /* Readable when PROCESS returned.  */
};

static void *
feeder_thread (void *arg)
{
  struct feeder *f = arg;
  char buf[COPY_BUFFER];
  struct pollfd pfd[2];
  sigset_t set;
  ssize_t n, w, off;

  /* A step that stops reading makes our write fail with EPIPE.  */
  sigemptyset (&set);
  sigaddset (&set, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &set, NULL);
  while ((n = read (f->from, buf, sizeof buf)) > 0)
    for (off = 0; off < n; off += w)
      {
        pfd[0].fd = f->to;
        pfd[0].events = POLLOUT;
        pfd[1].fd = f->stop;
        pfd[1].events = POLLIN;
        if (poll (pfd, 2, -1) < 0 || pfd[1].revents)
          goto leave;
        w = write (f->to, buf + off, n - off);
        if (w < 0)
          goto leave;
      }
  if (f->fh->stall_source)
    {
      pfd[0].fd = f->stop;
      pfd[0].events = POLLIN;
      while (poll (pfd, 1, -1) < 0 && errno == EINTR)
        ;
    }
 leave:
  close_fd (&f->to);
  return NULL;
}

static void *
canceller_thread (void *arg)
{
  struct fakehost *fh = arg;
  struct pollfd pfd;

  pfd.fd = fh->msg->stop_pipe[0];
  pfd.events = POLLIN;
  if (poll (&pfd, 1, fh->cancel_after_ms) == 0)
    fakehost_cancel (fh);
  return NULL;
}

void
fakehost_cancel (struct fakehost *fh)
{
  char c = 'c';

  if (__atomic_exchange_n (&fh->cancelled, 1, __ATOMIC_ACQ_REL))
    return;
  /* A full pipe is readable too: nothing to do on failure.  */
  if (write (fh->cancel_pipe[1], &c, 1) < 0)
    return;
}

/* Read all of FD from offset 0 into FH->OUT.  */
static gpg_error_t
collect_output (struct fakehost *fh, int fd)
{
  off_t size = lseek (fd, 0, SEEK_END);
  ssize_t n;

  if (size >= 0 && fh->no_collect)
    {
      fh->outlen = size;
      return 0;
    }
  if (size < 0 || !(fh->out = malloc (size + 1)))
    return gpg_error_from_syserror ();
  n = pread (fd, fh->out, size, 0);
  if (n != size)
    return gpg_error (GPG_ERR_EIO);
  fh->out[size] = 0;
  fh->outlen = size;
  return 0;
}

/* Copy spool SRC (from offset 0) to the end of DST.  */
static gpg_error_t
release_spool (int src, int dst)
{
  char buf[COPY_BUFFER];
  off_t off = 0;
  ssize_t n;

  while ((n = pread (src, buf, sizeof buf, off)) > 0)
    {
      if (write (dst, buf, n) != n)
        return gpg_error (GPG_ERR_EIO);
      off += n;
    }
  return n < 0 ? gpg_error_from_syserror () : 0;
}

gpg_error_t
fakehost_process (struct fakehost *fh, const struct pgpstep_step *step,
                  void *state, int source_fd)
{
  gpg_error_t err = 0, err2;
  struct pgpstep_message msg;
  struct pgpstep_source source;
  struct feeder feeder;
  pthread_t feeder_tid, cancel_tid;
  int have_feeder = 0, have_canceller = 0;
  int srcpipe[2] = { -1, -1 };
  unsigned int i;
  char c;

  if (!fh->cfg)
    return gpg_error (GPG_ERR_INV_STATE);
  reset_captures (fh);
  memset (&msg, 0, sizeof msg);
  msg.fh = fh;
  msg.in.fh = msg.out.fh = msg.spool.fh = fh;
  msg.in.fd = source_fd;
  msg.out.fd = msg.spool.fd = -1;
  msg.stop_pipe[0] = msg.stop_pipe[1] = -1;
  fh->msg = &msg;
  fh->cancelled = 0;

  if (!(msg.values = calloc (fh->cfg->nvals + 1, sizeof *msg.values)))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  for (i = 0; i < fh->cfg->nvals; i++)
    {
      msg.values[i] = fh->cfg->vals[i].value;
      if (fh->cfg->vals[i].header
          && !(msg.values[i] = lookup (fh->headers,
                                       fh->cfg->vals[i].header)))
        {
          err = gpg_error (GPG_ERR_MISSING_VALUE);
          fh->err = err;
          if (asprintf (&fh->err_text, "parameter '%s': input header"
                        " '%s' is missing", fh->cfg->vals[i].name,
                        fh->cfg->vals[i].header) < 0)
            fh->err_text = NULL;
          goto leave;
        }
    }

  if (pipe2 (fh->cancel_pipe, O_CLOEXEC) || pipe2 (msg.stop_pipe, O_CLOEXEC)
      || (msg.out.fd = temp_file ()) < 0)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  msg.sink.struct_size = sizeof msg.sink;
  msg.sink.handle = &msg.out;
  msg.sink.write = sink_write;
  msg.sink.fd = msg.out.fd;
  msg.spool_sink = msg.sink;
  msg.spool_sink.handle = &msg.spool;

  if (fh->source_pipe)
    {
      if (pipe2 (srcpipe, O_CLOEXEC))
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
      feeder.fh = fh;
      feeder.from = source_fd;
      feeder.to = srcpipe[1];
      feeder.stop = msg.stop_pipe[0];
      srcpipe[1] = -1;  /* The feeder closes it.  */
      if (pthread_create (&feeder_tid, NULL, feeder_thread, &feeder))
        {
          close_fd (&feeder.to);
          err = gpg_error (GPG_ERR_INTERNAL);
          goto leave;
        }
      have_feeder = 1;
      msg.in.fd = srcpipe[0];
    }
  if (fh->cancel_after_ms > 0)
    have_canceller = !pthread_create (&cancel_tid, NULL, canceller_thread,
                                      fh);

  source.struct_size = sizeof source;
  source.handle = &msg.in;
  source.read = source_read;
  source.fd = msg.in.fd;

  err = step->process (state, &msg, &source, &msg.sink);

  if (!err && is_cancelled (fh))
    err = gpg_error (GPG_ERR_CANCELED);
  if (!err && source_read (&msg.in, &c, 1) != 0)
    {
      err = gpg_error (GPG_ERR_INTERNAL);
      if (!fh->err_text)
        fh->err_text = strdup ("fakehost: returned success without"
                               " reading its input to the end");
    }
  /* What the step wrote to its spool, whatever way it wrote it.  */
  if (msg.spool.fd >= 0)
    fh->spooled = lseek (msg.spool.fd, 0, SEEK_END);
  if (!err && msg.spool.fd >= 0)
    err = release_spool (msg.spool.fd, msg.out.fd);
  if (err && ftruncate (msg.out.fd, 0))
    err = gpg_error_from_syserror ();

 leave:
  if (msg.stop_pipe[1] >= 0)
    close_fd (&msg.stop_pipe[1]);
  close_fd (&srcpipe[0]);
  if (have_feeder)
    pthread_join (feeder_tid, NULL);
  if (have_canceller)
    pthread_join (cancel_tid, NULL);
  if (msg.out.fd >= 0 && (err2 = collect_output (fh, msg.out.fd)) && !err)
    err = err2;
  close_fd (&msg.out.fd);
  close_fd (&msg.spool.fd);
  close_fd (&msg.stop_pipe[0]);
  close_fd (&fh->cancel_pipe[0]);
  close_fd (&fh->cancel_pipe[1]);
  free (msg.values);
  fh->msg = NULL;
  if (err && fh->verbose)
    fprintf (stderr, "fakehost: process: %s\n", gpg_strerror (err));
  return err;
}

gpg_error_t
fakehost_process_file (struct fakehost *fh, const struct pgpstep_step *step,
                       void *state, const char *filename)
{
  gpg_error_t err;
  int fd;

  fd = open (filename ? filename : "/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return gpg_error_from_syserror ();
  err = fakehost_process (fh, step, state, fd);
  close (fd);
  return err;
}

gpg_error_t
fakehost_process_mem (struct fakehost *fh, const struct pgpstep_step *step,
                      void *state, const void *buf, size_t len)
{
  gpg_error_t err;
  int fd = temp_file ();

  if (fd < 0)
    return gpg_error_from_syserror ();
  if (write (fd, buf, len) != (ssize_t) len || lseek (fd, 0, SEEK_SET))
    err = gpg_error (GPG_ERR_EIO);
  else
    err = fakehost_process (fh, step, state, fd);
  close (fd);
  return err;
}

const char *
fakehost_header (const struct fakehost *fh, const char *name)
{
  size_t i;

  for (i = 0; i < fh->nresult; i++)
    if (!strcmp (fh->result[i].name, name))
      return fh->result[i].value;
  return NULL;
}

void
fakehost_release (struct fakehost *fh)
{
  reset_captures (fh);
  release_cfg (fh);
  free (fh->config_err_key);
  free (fh->config_err_text);
  fh->config_err_key = fh->config_err_text = NULL;
  if (fh->lock_ready)
    pthread_mutex_destroy (&fh->lock);
  fh->lock_ready = 0;
}
