/* ctx.h - the host object (struct pgpstep_ctx) and its logging.  */
#ifndef PGPSTEP_CTX_H
#define PGPSTEP_CTX_H

#include <pthread.h>
#include <pgpstep/host.h>

struct loaded_module;

struct pgpstep_ctx
{
  int verbosity;
  pgpstep_log_cb_t log_cb;
  void *log_opaque;
  int log_json;                 /* PGPSTEP_LOG_FORMAT_JSON.  */
  char *plugin_keyring;         /* Load only modules signed by a key of
                                   this file; NULL: no check.  */
  struct plugsig *plugsig;      /* Its check, during one load call.  */
  char *secrets_dir;            /* May be NULL.  */
  char *spool_dir;              /* Never NULL.  */
  char *runtime_dir;            /* Where runtime homes go; never NULL.  */
  int swept;                    /* Stale homes in RUNTIME_DIR removed
                                   (keyring.c, under LOAD_LOCK).  */

  /* The services table handed to every module (host_services).  */
  const struct pgpstep_host *services;

  /* Serialises plugin and pipeline loading.  */
  pthread_mutex_t load_lock;

  /* Loaded modules (loader.c), in load order.  */
  struct loaded_module *modules;
  unsigned int nmodules;

  /* Live pipelines; pgpstep_release refuses to unload modules in use. */
  unsigned int npipelines;
};

/* Log TEXT at LEVEL for STEP (may be NULL) through the host's sink.  */
void host_log (struct pgpstep_ctx *ctx, int level, const char *step,
               const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));
void host_logv (struct pgpstep_ctx *ctx, int level, const char *step,
                const char *fmt, va_list ap);

/* What a log line is about, for structured (JSON) logs; text logs
 * show the message id as "message ID: " before the text.  Unknown
 * numbers are -1, unknown strings NULL.  */
struct log_event
{
  const char *step;
  const char *message_id;
  const char *pipeline;
  long long bytes_in;
  long long bytes_out;
  long duration_ms;
  const char *outcome;          /* "ok", "failed".  */
};
#define LOG_EVENT_INIT { NULL, NULL, NULL, -1, -1, -1, NULL }

void host_log_event (struct pgpstep_ctx *ctx, int level,
                     const struct log_event *ev, const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));

/* The services table of the process (services.c).  */
extern const struct pgpstep_host host_services;

#endif /*PGPSTEP_CTX_H*/
