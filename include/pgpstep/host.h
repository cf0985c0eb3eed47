/* host.h - embedding API of libpgpstep.
 *
 * A runtime (an integration platform, the pgpstep CLI, a JNI shim)
 * creates one host, loads plugins into it, loads pipelines, and runs
 * messages through them.
 *
 * Threading: a host and its pipelines may be used from several threads
 * at once after loading is done; pgpstep_run may be called
 * concurrently on one pipeline.  Loading plugins and pipelines is
 * serialised internally (one load or pipeline release at a time; runs
 * on loaded pipelines go on meanwhile).  Per call are the input/output structs and their
 * handles, the input headers and the result.  The host calls
 * INPUT.read and OUTPUT.write from pump threads of its own (one each
 * per run), COMMIT/ABORT from the thread that called pgpstep_run, and
 * the log callback from any thread.
 *
 * Ownership: every object returned by a pgpstep_*_new/load function is
 * released by the matching *_release function.  Strings returned by
 * accessors are owned by the object they came from.  Strings returned
 * through out-parameters (r_message, r_json) are freed with
 * pgpstep_free.  A pipeline is released only when no run on it is in
 * flight, the host only after all its pipelines (for reloading while
 * messages run, count references: doc/embedding.md).
 *
 * Errors: gpg_error_t, 0 for success.  pgpstep_exit_code maps an error
 * to the CLI's documented exit code.
 *
 * Structs passed in start with struct_size and only grow at the end:
 * zero-initialise them and set struct_size = sizeof.
 *
 * doc/embedding.md is the guide; samples/embed/embed.c a complete
 * runtime.
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
 * to the configured verbosity.  Called from any thread (loader, steps,
 * pumps), possibly concurrently; TEXT is valid during the call only.
 * Never receives payload bytes or secrets.  */
typedef void (*pgpstep_log_cb_t) (void *opaque, int level,
                                  const char *step, const char *text);

/* Options for a new host.  Zero-initialise, set struct_size, fill
 * what you need.  */
struct pgpstep_options
{
  size_t struct_size;
  int verbosity;                /* Highest PGPSTEP_LOG_* level logged.
                                   Zero-initialised: errors only (a NULL
                                   OPT logs warnings too).  INFO adds one
                                   line per message.  */
  pgpstep_log_cb_t log_cb;      /* NULL: stderr.  */
  void *log_opaque;
  const char *secrets_dir;      /* For "secret:NAME"; NULL: $PGPSTEP_SECRETS.
                                   Secrets are read when a pipeline is
                                   loaded, never at run time.  */
  const char *spool_dir;        /* Spool files; NULL: $TMPDIR or /tmp.  */
  const char *runtime_dir;      /* Where runtime GnuPG homes are made;
                                   NULL: $PGPSTEP_RUNTIME_DIR, else
                                   $XDG_RUNTIME_DIR or /run/user/UID when
                                   ours and private, else $TMPDIR or
                                   /tmp.  Keep it short: agent sockets
                                   live there (108-byte limit).  */
  int log_format;               /* PGPSTEP_LOG_FORMAT_TEXT (default) or
                                   PGPSTEP_LOG_FORMAT_JSON: every line
                                   one JSON object with "time", "level",
                                   "text" and, where known, "step",
                                   "message_id", "pipeline", "bytes_in",
                                   "bytes_out", "duration_ms", "outcome"
                                   ("ok" or "failed").  A LOG_CB then
                                   gets that object as its TEXT.  Never
                                   payload bytes or secrets.  */
  const char *plugin_keyring;   /* A file of OpenPGP certificates: load
                                   a module NAME.so only if NAME.so.sig
                                   is a detached signature by one of
                                   them over the exact bytes loaded (a
                                   sealed in-memory copy, checked before
                                   any of its code runs).  NULL: modules
                                   load unsigned.  */
};

#define PGPSTEP_LOG_FORMAT_TEXT 0
#define PGPSTEP_LOG_FORMAT_JSON 1

/* Create a host.  OPT may be NULL (defaults); its strings are copied.
 * Usually one per process.  */
gpg_error_t pgpstep_new (pgpstep_t *r_host, const struct pgpstep_options *opt);
/* Release the host and unload its modules.  All pipelines must have
 * been released.  */
void pgpstep_release (pgpstep_t host);

/* For an embedder's fatal-signal handler (async-signal-safe): stop
 * the gpg-agents of this process's runtime homes and remove the homes
 * (they hold unprotected copies of the secret keys).  Re-raise the
 * signal afterwards; the pipelines are unusable from then on.
 * Normal exits need no call (pipeline release, and an atexit handler
 * for whatever is left); homes of a process killed without a chance
 * to run this are swept by the next pgpstep_new in the same runtime
 * directory.  */
void pgpstep_cleanup_on_signal (void);

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
 * file, line, step id and parameter.  Loading reads the key files and
 * secrets, builds the pipeline's runtime GnuPG homes, checks every
 * passphrase and creates the steps, so it takes a while (gpg runs,
 * S2K); a loaded pipeline never rereads its files.  Relative paths in
 * FILE start from the directory FILE really is in (symlinks
 * resolved); from memory, from the current directory.  To pick up
 * changed key files, load a new pipeline and swap it in
 * (doc/embedding.md, "Reloading keyrings").  */
gpg_error_t pgpstep_pipeline_load_file (pgpstep_t host, const char *file,
                                        pgpstep_pipeline_t *r_pipeline,
                                        char **r_message);
gpg_error_t pgpstep_pipeline_load_memory (pgpstep_t host, const char *name,
                                          const void *buffer, size_t length,
                                          pgpstep_pipeline_t *r_pipeline,
                                          char **r_message);
/* Destroy the steps, stop the agents and remove the runtime homes.
 * No run on PIPELINE may be in flight.  */
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
 * the host) or READ; with only READ the host pumps it into a pipe from
 * a thread of its own.  READ returns the number of bytes read, 0 at
 * the end of the message, or -1 with errno set (the run fails and is
 * cancelled).  It is never called concurrently with itself, and a
 * deadline does not interrupt it: a READ that blocks keeps the run
 * waiting.  */
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
 * WRITE.  COMMIT and ABORT may be NULL; with FD the caller decides
 * after pgpstep_run returned (e.g. rename a temporary file).
 *
 * WRITE runs in a pump thread of the host (never concurrently with
 * itself) while the steps still work; it returns the number of bytes
 * taken (fewer is fine: it is called again for the rest), or 0 or -1
 * (errno set) to fail the run.  COMMIT or ABORT is called exactly once
 * per pgpstep_run call - also when the call is refused - from the
 * calling thread, after every thread of the run has finished.  An
 * error from COMMIT fails the run ("committing the output").  */
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
  unsigned int timeout_ms;      /* Per-message deadline; 0 = none.  When
                                   it passes the run is cancelled (steps
                                   and their gpg stopped, ABORT called)
                                   and fails with GPG_ERR_TIMEOUT (exit
                                   code 75).  */
  const char *message_id;       /* For logs; NULL: generated ("PID-N").  */
};

/* Run one message.  INPUT_HEADERS may be NULL; they are borrowed for
 * the call (steps read "filename" and ${header.NAME} parameters from
 * them).  Always returns a result in R_RESULT (unless out of memory)
 * that carries the result headers on success and the error detail on
 * failure; release it in both cases.  Returns the first error (the
 * primary one; errors a cancelled neighbour caused are secondary and
 * only logged).  Blocks until the message is done; safe to call from
 * many threads at once, on the same pipeline too.  */
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
/* The failing step's id (NULL when the host itself failed, e.g. an
 * input callback), the key/parameter at fault, and the full
 * human-readable message ("step 'x': ...").  NULL when none.  */
const char *pgpstep_result_step (pgpstep_result_t result);
const char *pgpstep_result_key (pgpstep_result_t result);
const char *pgpstep_result_message (pgpstep_result_t result);

/* Keys of the keyrings of a pipeline (for listings and monitoring).  */
typedef struct pgpstep_keylist *pgpstep_keylist_t;

typedef enum
  {
    PGPSTEP_KEY_VALID    = 0,
    PGPSTEP_KEY_CRITICAL = 1,   /* Expires within the warning period.  */
    PGPSTEP_KEY_EXPIRED  = 2,
    PGPSTEP_KEY_REVOKED  = 3,
    PGPSTEP_KEY_INVALID  = 4    /* Unusable for another reason.  */
  } pgpstep_key_status_t;

#define PGPSTEP_KEY_CAN_ENCRYPT  (1u << 0)
#define PGPSTEP_KEY_CAN_SIGN     (1u << 1)
#define PGPSTEP_KEY_CAN_CERTIFY  (1u << 2)

/* One key of one keyring.  Owned by the list.  */
struct pgpstep_keyinfo
{
  size_t struct_size;
  const char *keyring;          /* The keyring's name.  */
  const char *fingerprint;      /* Primary key, uppercase hex.  */
  const char *const *user_ids;  /* NULL-terminated.  */
  const char *algorithm;        /* Primary key, e.g. "ed25519",
                                   "rsa3072".  */
  unsigned int bits;
  unsigned int capabilities;    /* PGPSTEP_KEY_CAN_*, of the usable
                                   primary key and subkeys.  */
  int has_secret;               /* A secret (sub)key is available.  */
  long long created;            /* Seconds since the epoch.  */
  long long expires;            /* Earliest expiry of the primary key and
                                   its usable subkeys; 0: never.  */
  pgpstep_key_status_t status;
};

/* Options of a listing.  Zero-initialise and set struct_size.  */
struct pgpstep_keylist_options
{
  size_t struct_size;
  unsigned int warn_days;       /* Critical when expiring within this
                                   many days; 0: 14.  */
};

/* List every key of every keyring of PIPELINE.  */
gpg_error_t pgpstep_pipeline_keys (pgpstep_pipeline_t pipeline,
                                   const struct pgpstep_keylist_options *opt,
                                   pgpstep_keylist_t *r_list);

/* Load only the keyrings of the descriptor FILE - parse and check it,
 * build its runtime homes, check every passphrase - without creating
 * the steps, list the keys and remove the homes again.  For
 * diagnostics: works even when a step would refuse one of the keys.
 * On error R_MESSAGE (optional) says which keyring, file or key.  */
gpg_error_t pgpstep_keys_load_file (pgpstep_t host, const char *file,
                                    const struct pgpstep_keylist_options
                                    *opt, pgpstep_keylist_t *r_list,
                                    char **r_message);

unsigned int pgpstep_keylist_count (pgpstep_keylist_t list);
/* Key IDX in keyring order, then file order; NULL past the end.  */
const struct pgpstep_keyinfo *pgpstep_keylist_at (pgpstep_keylist_t list,
                                                  unsigned int idx);
/* Render LIST as a JSON array of objects (malloced, free with
 * pgpstep_free).  */
gpg_error_t pgpstep_keylist_to_json (pgpstep_keylist_t list,
                                     char **r_json);
void pgpstep_keylist_release (pgpstep_keylist_t list);

/* Map an error to the CLI exit code table (0, 1, 3, 17, 29, ...).  */
int pgpstep_exit_code (gpg_error_t err);

/* Free memory returned by this library.  */
void pgpstep_free (void *p);

#ifdef __cplusplus
}
#endif
#endif /*PGPSTEP_HOST_H*/
