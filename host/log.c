/* log.c - the host's log lines: text ("pgpstep: LEVEL: [step 'S':]
 * [message ID:] TEXT") or one JSON object per line, to the embedder's
 * callback or stderr.  Callers never pass payload bytes or secrets.  */
#include <config.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctx.h"
#include "json.h"

static const char *
level_name (int level)
{
  switch (level)
    {
    case PGPSTEP_LOG_ERROR: return "error";
    case PGPSTEP_LOG_WARN:  return "warning";
    case PGPSTEP_LOG_INFO:  return "info";
    default:                return "debug";
    }
}

static void
put_field (FILE *fp, const char *name, const char *value)
{
  if (!value)
    return;
  fprintf (fp, ", \"%s\": ", name);
  json_put_string (fp, value);
}

static void
put_number (FILE *fp, const char *name, long long value)
{
  if (value >= 0)
    fprintf (fp, ", \"%s\": %lld", name, value);
}

/* The JSON object of one line (malloced), or NULL.  */
static char *
json_line (int level, const struct log_event *ev, const char *text)
{
  struct timespec now;
  struct tm tm;
  char stamp[32], *buf = NULL;
  size_t len = 0;
  FILE *fp;

  clock_gettime (CLOCK_REALTIME, &now);
  gmtime_r (&now.tv_sec, &tm);
  strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  fp = open_memstream (&buf, &len);
  if (!fp)
    return NULL;
  fprintf (fp, "{\"time\": \"%s.%03ldZ\", \"level\": \"%s\"", stamp,
           now.tv_nsec / 1000000, level_name (level));
  put_field (fp, "step", ev->step);
  put_field (fp, "message_id", ev->message_id);
  put_field (fp, "pipeline", ev->pipeline);
  put_number (fp, "bytes_in", ev->bytes_in);
  put_number (fp, "bytes_out", ev->bytes_out);
  put_number (fp, "duration_ms", ev->duration_ms);
  put_field (fp, "outcome", ev->outcome);
  put_field (fp, "text", text);
  fputc ('}', fp);
  if (fclose (fp))
    {
      free (buf);
      return NULL;
    }
  return buf;
}

static void
log_eventv (struct pgpstep_ctx *ctx, int level, const struct log_event *ev,
            const char *fmt, va_list ap)
{
  static const struct log_event none = LOG_EVENT_INIT;
  char *text = NULL, *line = NULL;

  if (ctx && level > ctx->verbosity)
    return;
  if (!ev)
    ev = &none;
  if (vasprintf (&text, fmt, ap) < 0)
    return;
  if (ctx && ctx->log_json)
    line = json_line (level, ev, text);
  else if (ev->message_id
           && asprintf (&line, "message %s: %s", ev->message_id, text) < 0)
    line = NULL;

  if (ctx && ctx->log_cb)
    ctx->log_cb (ctx->log_opaque, level, ev->step, line ? line : text);
  else if (ctx && ctx->log_json && line)
    fprintf (stderr, "%s\n", line);
  else if (ev->step)
    fprintf (stderr, "pgpstep: %s: step '%s': %s\n",
             level_name (level), ev->step, line ? line : text);
  else
    fprintf (stderr, "pgpstep: %s: %s\n", level_name (level),
             line ? line : text);
  free (line);
  free (text);
}

void
host_logv (struct pgpstep_ctx *ctx, int level, const char *step,
           const char *fmt, va_list ap)
{
  struct log_event ev = LOG_EVENT_INIT;

  ev.step = step;
  log_eventv (ctx, level, &ev, fmt, ap);
}

void
host_log (struct pgpstep_ctx *ctx, int level, const char *step,
          const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  host_logv (ctx, level, step, fmt, ap);
  va_end (ap);
}

void
host_log_event (struct pgpstep_ctx *ctx, int level,
                const struct log_event *ev, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  log_eventv (ctx, level, ev, fmt, ap);
  va_end (ap);
}
