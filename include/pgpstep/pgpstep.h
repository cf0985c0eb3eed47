/* pgpstep.h - the pgpstep plugin ABI.
 *
 * This is the only header a step plugin needs.  It depends on
 * <gpg-error.h> alone: no GPGME or libxml2 type crosses this boundary.
 *
 * A plugin is a shared object exporting exactly one symbol,
 * pgpstep_module_init.  The host calls it once after dlopen; the
 * module answers with a static description of its steps.  For each
 * pipeline that uses a step the host calls CREATE once with the
 * validated static configuration, then PROCESS once per message
 * (possibly from several threads at once on the same state), and
 * DESTROY when the pipeline is released.
 *
 * Compatibility rules:
 *  - The host accepts a module whose abi_major equals PGPSTEP_ABI_MAJOR
 *    and whose abi_minor is not newer than the host's.
 *  - Every struct starts with struct_size and only ever grows at the
 *    end.  Readers check struct_size before touching a member added in
 *    a later minor version (PGPSTEP_HAS_MEMBER).
 *  - Whoever allocates frees.  Pointers handed to a callback are
 *    borrowed for the duration of that call unless documented
 *    otherwise.
 *  - Errors are gpg_error_t values; 0 is success.
 */
#ifndef PGPSTEP_PGPSTEP_H
#define PGPSTEP_PGPSTEP_H

#include <stddef.h>
#include <sys/types.h>
#include <gpg-error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PGPSTEP_ABI_MAJOR 1
#define PGPSTEP_ABI_MINOR 0

/* Mark the entry point visible when building with -fvisibility=hidden.  */
#if defined(__GNUC__)
# define PGPSTEP_EXPORT __attribute__ ((visibility ("default")))
#else
# define PGPSTEP_EXPORT
#endif

/* True if the struct pointed to by P is large enough to hold MEMBER.  */
#define PGPSTEP_HAS_MEMBER(p, type, member)                             \
  ((p)->struct_size >= offsetof (type, member) + sizeof ((p)->member))


/*
 * Parameter tables
 */

/* The type of a parameter value.  The host checks every value written
 * in a descriptor against its type at load time, and every value
 * taken from a message header before PROCESS sees it.  */
typedef enum
  {
    PGPSTEP_TYPE_STRING   = 0,  /* Any text.  */
    PGPSTEP_TYPE_BOOL     = 1,  /* true | false | yes | no | 1 | 0 (given to
                                   the step as "true" or "false").  */
    PGPSTEP_TYPE_INT      = 2,  /* Decimal integer within [min, max].  */
    PGPSTEP_TYPE_ENUM     = 3,  /* One of ALLOWED (case-sensitive).  */
    PGPSTEP_TYPE_KEY      = 4,  /* A key: 40/64 hex digit fingerprint with
                                   optional "0x", an "<email>" or an exact
                                   user ID.  */
    PGPSTEP_TYPE_KEYRING  = 5,  /* The name of a <keyring> of the pipeline.  */
    PGPSTEP_TYPE_SECRET   = 6,  /* A secret reference "secret:NAME" or
                                   "env:NAME"; never a literal value.  */
    PGPSTEP_TYPE_TIME     = 7,  /* ISO 8601 date or date-time (UTC), or
                                   seconds since the epoch.  */
    PGPSTEP_TYPE_SIZE     = 8   /* Byte count with optional K, M, G suffix
                                   (powers of 1024) within [min, max].  */
  } pgpstep_param_type_t;

/* Flags of a parameter.  */
#define PGPSTEP_PARAM_REQUIRED    (1u << 0)  /* Must be given.  */
#define PGPSTEP_PARAM_REPEATABLE  (1u << 1)  /* May be given several times.  */
#define PGPSTEP_PARAM_HEADER_OK   (1u << 2)  /* May be "${header.NAME}".  */

/* One parameter of a step.  A table is an array terminated by an
 * entry whose NAME is NULL.  */
struct pgpstep_param
{
  size_t struct_size;           /* sizeof (struct pgpstep_param).  */
  const char *name;             /* Element name in the descriptor.  */
  pgpstep_param_type_t type;
  unsigned int flags;           /* PGPSTEP_PARAM_*.  */
  const char *default_value;    /* Used when absent; NULL for none.  */
  const char *const *allowed;   /* ENUM: NULL-terminated list.  */
  long long min;                /* INT/SIZE: inclusive bounds; both 0 */
  long long max;                /* means unbounded.  */
  const char *description;      /* One sentence for `describe` and man.  */
};


/* Entry IDX of a parameter table.  Tables are stepped by the
 * struct_size of their first entry, which every entry of the table
 * shares: a module built against an older minor keeps its smaller
 * stride after struct pgpstep_param grows.  Readers of a table use
 * this, never TABLE[IDX].  */
static inline const struct pgpstep_param *
pgpstep_param_at (const struct pgpstep_param *table, unsigned int idx)
{
  return (const struct pgpstep_param *)
    (const void *)((const char *)table + (size_t)idx * table->struct_size);
}


/*
 * Opaque handles owned by the host.
 */

/* The static configuration of one step in one pipeline (create time).  */
typedef struct pgpstep_config *pgpstep_config_t;
/* One message passing through one step (process time).  */
typedef struct pgpstep_message *pgpstep_message_t;


/*
 * Byte streams
 */

/* A source the step reads its input from.  READ has the shape of
 * GPGME's data read callback: it returns the number of bytes read, 0
 * at end of input, or -1 with errno set (ECANCELED when the message
 * was cancelled).  FD is the descriptor behind the stream; the host
 * always provides one, so a step may hand it straight to a child
 * process instead of calling READ.  The step must not close FD.  */
struct pgpstep_source
{
  size_t struct_size;
  void *handle;
  ssize_t (*read) (void *handle, void *buffer, size_t size);
  int fd;
};

/* A sink the step writes its output to.  WRITE returns the number of
 * bytes written (it writes all of them unless it fails) or -1 with
 * errno set.  FD as for the source; the step must not close it.  */
struct pgpstep_sink
{
  size_t struct_size;
  void *handle;
  ssize_t (*write) (void *handle, const void *buffer, size_t size);
  int fd;
};


/*
 * The host's services, handed to the module at init time.  Every
 * function is thread-safe.
 */

/* Log levels.  */
#define PGPSTEP_LOG_ERROR  0
#define PGPSTEP_LOG_WARN   1
#define PGPSTEP_LOG_INFO   2
#define PGPSTEP_LOG_DEBUG  3

struct pgpstep_host
{
  size_t struct_size;
  unsigned int abi_major;
  unsigned int abi_minor;
  const char *host_version;

  /* --- Create time ---------------------------------------------- */

  /* The id of the step in its pipeline (the "id" attribute, or
   * "TYPE#N" when the descriptor gives none).  */
  const char *(*config_step_id) (pgpstep_config_t cfg);

  /* Number of values given for parameter NAME (including a default;
   * 0 if absent).  */
  unsigned int (*config_count) (pgpstep_config_t cfg, const char *name);

  /* The IDX-th value of NAME as written in the descriptor (booleans
   * normalised to "true"/"false"), or NULL.  A value that depends on a
   * message header is returned as written ("${header.X}") and
   * CONFIG_IS_DYNAMIC says so; its real value comes from PARAM_VALUE
   * at process time.  */
  const char *(*config_value) (pgpstep_config_t cfg, const char *name,
                               unsigned int idx);
  int (*config_is_dynamic) (pgpstep_config_t cfg, const char *name,
                            unsigned int idx);

  /* The runtime GnuPG home of the step; a loaded step always has one.
   * With keyrings it holds exactly the keys of the step's keyrings;
   * for a step without keyrings it is an empty private home (for a
   * password alone), shared with the pipeline's other keyless steps.
   * The host stops any gpg-agent started in it and removes it when
   * the pipeline is released.  The string is owned by the host and
   * valid until then.  */
  gpg_error_t (*config_gnupg_home) (pgpstep_config_t cfg,
                                    const char **r_homedir);

  /* Look up the secret REF ("secret:NAME" or "env:NAME").  The value
   * is borrowed; it stays valid until the pipeline is released and is
   * wiped by the host then.  Never log it.  */
  gpg_error_t (*config_secret) (pgpstep_config_t cfg, const char *ref,
                                const char **r_value, size_t *r_len);

  /* Report why create failed: KEY names the parameter or key at fault
   * (may be NULL); the text should say what to do.  */
  void (*config_error) (pgpstep_config_t cfg, gpg_error_t err,
                        const char *key, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

  /* --- Process time --------------------------------------------- */

  /* Per-message parameter values, with ${header.NAME} resolved and
   * type-checked.  Counts and indexes as for CONFIG_*.  */
  unsigned int (*param_count) (pgpstep_message_t msg, const char *name);
  const char *(*param_value) (pgpstep_message_t msg, const char *name,
                              unsigned int idx);

  /* An input header of the message, or NULL.  */
  const char *(*input_header) (pgpstep_message_t msg, const char *name);

  /* Set a result header (replacing one of the same name).  Steps use
   * names of the form "pgp.NAME".  */
  gpg_error_t (*set_header) (pgpstep_message_t msg, const char *name,
                             const char *value);

  /* The runtime GnuPG home for this message (may differ per message
   * so that parallel messages do not serialize on one agent).  */
  gpg_error_t (*gnupg_home) (pgpstep_message_t msg, const char **r_homedir);

  /* Replace the message's sink by a spool: bytes written to it are
   * kept back and released downstream only after PROCESS returns 0;
   * on failure they are discarded.  When the step is the last one the
   * sink is already tentative and the spool is that sink itself (no
   * second copy).  The returned sink is owned by the host.  */
  gpg_error_t (*open_spool) (pgpstep_message_t msg,
                             struct pgpstep_sink **r_sink);

  /* Record structured detail for the error PROCESS is about to
   * return: KEY is the parameter, key or signer at fault (may be NULL),
   * the text says what happened and what to do.  The host adds the
   * step id.  The first call for a message wins.  */
  void (*error) (pgpstep_message_t msg, gpg_error_t err, const char *key,
                 const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

  /* Cancellation: CANCELLED is true once the message was cancelled
   * (another step failed, deadline, embedder request).  CANCEL_FD is a
   * descriptor that becomes readable at that moment, for poll().  */
  int (*cancelled) (pgpstep_message_t msg);
  int (*cancel_fd) (pgpstep_message_t msg);

  /* Log a line.  MSG may be NULL at create time.  Never log secrets
   * or payload bytes.  */
  void (*log) (pgpstep_message_t msg, int level, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
};


/*
 * What a module provides.
 */

/* Flags of a step.  */
#define PGPSTEP_STEP_NONE  0u

struct pgpstep_step
{
  size_t struct_size;
  const char *type;             /* Step type used in <step type="...">.  */
  const char *summary;          /* One line for `plugins`/`describe`.  */
  const struct pgpstep_param *params;  /* Terminated by name == NULL.  */
  unsigned int flags;           /* PGPSTEP_STEP_*.  */

  /* Build the step's state from its validated configuration.  Check
   * everything that can be checked now.  On error call
   * host->config_error and return the error.  */
  gpg_error_t (*create) (const struct pgpstep_host *host,
                         pgpstep_config_t cfg, void **r_state);

  /* Process one message: read SOURCE to its end, write SINK.  Must be
   * safe to call concurrently on one state.  */
  gpg_error_t (*process) (void *state, pgpstep_message_t msg,
                          struct pgpstep_source *source,
                          struct pgpstep_sink *sink);

  /* Release the state.  */
  void (*destroy) (void *state);
};

struct pgpstep_module
{
  size_t struct_size;
  unsigned int abi_major;       /* PGPSTEP_ABI_MAJOR at build time.  */
  unsigned int abi_minor;       /* PGPSTEP_ABI_MINOR at build time.  */
  const char *name;             /* Module name, e.g. "openpgp".  */
  const char *version;          /* Module version string.  */
  const char *description;
  const struct pgpstep_step *const *steps;  /* NULL-terminated.  */
};

/* The one symbol a module exports.  */
#define PGPSTEP_MODULE_INIT_SYMBOL "pgpstep_module_init"
typedef gpg_error_t (*pgpstep_module_init_t)
  (const struct pgpstep_host *host, const struct pgpstep_module **r_module);

PGPSTEP_EXPORT gpg_error_t
pgpstep_module_init (const struct pgpstep_host *host,
                     const struct pgpstep_module **r_module);

#ifdef __cplusplus
}
#endif
#endif /*PGPSTEP_PGPSTEP_H*/
