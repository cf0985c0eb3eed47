/* host.h - embedding API of libpgpstep.
 *
 * A runtime (an integration platform, the pgpstep CLI, a JNI shim)
 * creates one host, loads plugins into it, loads pipelines, and runs
 * messages through them.
 *
 * Threading: a host and its pipelines may be used from several threads
 * at once after loading is done; pgpstep_run may be called
 * concurrently on one pipeline.  Loading plugins and pipelines is
 * serialised internally.
 *
 * Ownership: every object returned by a pgpstep_*_new/load function is
 * released by the matching *_release function.  Strings returned by
 * accessors are owned by the object they came from.
 *
 * Errors: gpg_error_t, 0 for success.  pgpstep_exit_code maps an error
 * to the CLI's documented exit code.
 */
#ifndef PGPSTEP_HOST_H
#define PGPSTEP_HOST_H

#include <stddef.h>
#include <sys/types.h>
#include <gpg-error.h>
#include <pgpstep/pgpstep.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pgpstep_ctx *pgpstep_t;
typedef struct pgpstep_pipeline *pgpstep_pipeline_t;
typedef struct pgpstep_headers *pgpstep_headers_t;
typedef struct pgpstep_result *pgpstep_result_t;

/* Version of the library, e.g. "0.1.0".  */
const char *pgpstep_version (void);

/* Where log lines go.  LEVEL is PGPSTEP_LOG_*; STEP may be NULL.  The
 * default sink writes "pgpstep: [step] text" to stderr for levels up
 * to the configured verbosity.  */
typedef void (*pgpstep_log_cb_t) (void *opaque, int level,
                                  const char *step, const char *text);

/* Options for a new host.  Zero-initialise, set struct_size, fill
 * what you need.  */
struct pgpstep_options
{
  size_t struct_size;
  int verbosity;                /* Highest PGPSTEP_LOG_* level logged.  */
  pgpstep_log_cb_t log_cb;      /* NULL: stderr.  */
  void *log_opaque;
  const char *secrets_dir;      /* For "secret:NAME"; NULL: $PGPSTEP_SECRETS. */
  const char *spool_dir;        /* Spool files; NULL: $TMPDIR or /tmp.  */
};

gpg_error_t pgpstep_new (pgpstep_t *r_host, const struct pgpstep_options *opt);
/* Release the host.  All pipelines must have been released.  */
void pgpstep_release (pgpstep_t host);

/* Load every "*.so" module found in the colon-separated list of
 * absolute directories PATH.  Each refused module is logged with the
 * reason; R_MESSAGE (optional, free with pgpstep_free) receives the
 * first refusal.  Returns an error if any module was refused.  */
gpg_error_t pgpstep_load_plugins (pgpstep_t host, const char *path,
                                  char **r_message);

/* The plugin directory compiled into the library.  */
const char *pgpstep_default_plugin_dir (void);

/* Iterate over loaded modules and steps (for listings).  Return NULL
 * past the end.  */
const struct pgpstep_module *pgpstep_module_at (pgpstep_t host,
                                                unsigned int idx,
                                                const char **r_file);
const struct pgpstep_step *pgpstep_step_lookup (pgpstep_t host,
                                                const char *type,
                                                const struct pgpstep_module
                                                **r_module);

/* The name of a parameter type ("string", "boolean", "integer", ...),
 * as used in messages and in `pgpstep describe`.  */
const char *pgpstep_param_type_name (pgpstep_param_type_t type);

/* Load a pipeline descriptor from FILE or from memory (NAME is used in
 * messages).  On error R_MESSAGE (optional) receives a text naming the
 * file, line, step id and parameter.  */
gpg_error_t pgpstep_pipeline_load_file (pgpstep_t host, const char *file,
                                        pgpstep_pipeline_t *r_pipeline,
                                        char **r_message);
gpg_error_t pgpstep_pipeline_load_memory (pgpstep_t host, const char *name,
                                          const void *buffer, size_t length,
                                          pgpstep_pipeline_t *r_pipeline,
                                          char **r_message);
void pgpstep_pipeline_release (pgpstep_pipeline_t pipeline);
/* The name attribute, or the file/memory name when there is none.  */
const char *pgpstep_pipeline_name (pgpstep_pipeline_t pipeline);
/* The steps in run order: their number, and the id (returned) and
 * type (R_TYPE, optional) of step IDX; NULL past the end.  */
unsigned int pgpstep_pipeline_step_count (pgpstep_pipeline_t pipeline);
const char *pgpstep_pipeline_step_at (pgpstep_pipeline_t pipeline,
                                      unsigned int idx, const char **r_type);


/* Header sets: ordered name/value pairs (names unique).  */
gpg_error_t pgpstep_headers_new (pgpstep_headers_t *r_headers);
void pgpstep_headers_release (pgpstep_headers_t headers);
gpg_error_t pgpstep_headers_set (pgpstep_headers_t headers,
                                 const char *name, const char *value);
const char *pgpstep_headers_get (pgpstep_headers_t headers,
                                 const char *name);
unsigned int pgpstep_headers_count (pgpstep_headers_t headers);
const char *pgpstep_headers_name_at (pgpstep_headers_t headers,
                                     unsigned int idx,
                                     const char **r_value);
/* Merge a flat JSON object of strings ({"a":"b",...}) into HEADERS.  */
gpg_error_t pgpstep_headers_parse_json (pgpstep_headers_t headers,
                                        const char *json, size_t length,
                                        char **r_message);
/* Render HEADERS as a JSON object (malloced, free with pgpstep_free).  */
gpg_error_t pgpstep_headers_to_json (pgpstep_headers_t headers,
                                     char **r_json);


/* Where a message comes from.  Give FD (a file or pipe; not closed by
 * the host) or READ; with only READ the host pumps it into a pipe.  */
struct pgpstep_input
{
  size_t struct_size;
  int fd;                       /* -1 when READ is used.  */
  void *handle;
  ssize_t (*read) (void *handle, void *buffer, size_t size);
};

/* Where a message goes.  Bytes written are tentative: the host calls
 * COMMIT once every step succeeded, otherwise ABORT; nothing written
 * may be released before COMMIT.  Give FD (not closed by the host) or
 * WRITE.  COMMIT and ABORT may be NULL.  */
struct pgpstep_output
{
  size_t struct_size;
  int fd;                       /* -1 when WRITE is used.  */
  void *handle;
  ssize_t (*write) (void *handle, const void *buffer, size_t size);
  gpg_error_t (*commit) (void *handle);
  void (*abort) (void *handle);
};

/* Per-run options.  */
struct pgpstep_run_options
{
  size_t struct_size;
  unsigned int timeout_ms;      /* Per-message deadline; 0 = none.  */
  const char *message_id;       /* For logs; NULL: generated.  */
};

/* Run one message.  INPUT_HEADERS may be NULL.  Always returns a
 * result in R_RESULT (unless out of memory) that carries the result
 * headers on success and the error detail on failure.  Returns the
 * first error (the primary one; errors a cancelled neighbour caused
 * are secondary and only logged).  */
gpg_error_t pgpstep_run (pgpstep_pipeline_t pipeline,
                         pgpstep_headers_t input_headers,
                         const struct pgpstep_input *input,
                         const struct pgpstep_output *output,
                         const struct pgpstep_run_options *options,
                         pgpstep_result_t *r_result);

void pgpstep_result_release (pgpstep_result_t result);
gpg_error_t pgpstep_result_error (pgpstep_result_t result);
/* Result headers (valid also after failure, possibly partial).  */
pgpstep_headers_t pgpstep_result_headers (pgpstep_result_t result);
/* The failing step's id, the key/parameter at fault, and the full
 * human-readable message ("step 'x': ...").  NULL when none.  */
const char *pgpstep_result_step (pgpstep_result_t result);
const char *pgpstep_result_key (pgpstep_result_t result);
const char *pgpstep_result_message (pgpstep_result_t result);

/* Map an error to the CLI exit code table (0, 1, 3, 17, 29, ...).  */
int pgpstep_exit_code (gpg_error_t err);

/* Free memory returned by this library.  */
void pgpstep_free (void *p);

#ifdef __cplusplus
}
#endif
#endif /*PGPSTEP_HOST_H*/
