/* fakehost.h - a fake services table for plugin unit tests.
 *
 * Runs one step of a plugin (compiled into the test) the way the host
 * would, without descriptors, loader or pipeline:
 *
 *   struct fakehost fh = { 0 };
 *   const struct fakehost_value params[] = {
 *     { "keyring", "ours" }, { "signatures", "required" },
 *     { "allowed-signer", "${header.partner}" },   (dynamic)
 *     { NULL, NULL } };
 *   fh.params = params;  fh.homedir = "/tmp/h.XXXX";
 *   fh.empty_homedir = "/tmp/e.XXXX";   (for steps without keyring)
 *   err = fakehost_create (&fh, step, &state);
 *   err = fakehost_process_file (&fh, step, state, "in.gpg");
 *   ... fh.out / fh.outlen, fh.err_text, fakehost_header (&fh, "pgp.x")
 *   step->destroy (state);  fakehost_release (&fh);
 *
 * Semantics copied from the host (host/message.c, host/stepconfig.c):
 *  - Parameters absent from PARAMS get the default of the step's table;
 *    a name the table does not know fails create (a typo in a test).
 *    Values are passed as written: give them normalised (booleans
 *    "true"/"false", sizes in bytes, times in seconds since the epoch,
 *    fingerprints upper-case without "0x").
 *  - A value "${header.NAME}" is dynamic at create time and resolved
 *    from HEADERS at process time; a missing header fails the message
 *    with GPG_ERR_MISSING_VALUE before PROCESS runs.
 *  - open_spool gives a temporary file whose content is copied to the
 *    sink only when PROCESS returns 0; with IS_LAST it gives the sink
 *    itself, which is then emptied when PROCESS fails (as the host
 *    removes its temporary output).  Either way, after a failure OUT
 *    is empty, and OUT holds bytes only the step released.
 *  - After PROCESS returned 0 the source must be at its end (else
 *    GPG_ERR_INTERNAL, as the host does).
 *  - config_error and error: the first report wins.
 *
 * Not thread-safe across fakehost_process calls on one struct; the
 * services themselves may be called from the step's own threads.
 */
#ifndef PGPSTEP_TESTS_FAKEHOST_H
#define PGPSTEP_TESTS_FAKEHOST_H

#include <stddef.h>
#include <pthread.h>
#include <gpg-error.h>
#include <pgpstep/pgpstep.h>

/* A name and a value: parameters, secrets (ref -> value), headers.
 * Arrays end with NAME == NULL.  */
struct fakehost_value
{
  const char *name;
  const char *value;
};

struct fakehost
{
  /* --- Set by the test ------------------------------------------ */
  const struct fakehost_value *params;
  const struct fakehost_value *secrets;   /* "secret:x" -> value.  */
  const struct fakehost_value *headers;   /* Input headers.  */
  const char *homedir;      /* GnuPG home of a step with keyring
                               parameter values; NULL:
                               GPG_ERR_NOT_SUPPORTED.  */
  const char *empty_homedir; /* The home of a step without keyring
                               values, as the host's empty runtime
                               home (the test makes it, stops its
                               agent and removes it); NULL:
                               GPG_ERR_NO_DATA.  */
  const char *step_id;      /* NULL: "TYPE#1".  */
  int is_last;              /* open_spool returns the sink itself.  */
  int source_pipe;          /* Feed the source through a pipe (a thread
                               writes it) instead of the file itself.  */
  int stall_source;         /* With SOURCE_PIPE: keep the pipe open after
                               the data until PROCESS returns.  */
  int cancel_after_ms;      /* > 0: cancel the message that many ms
                               after PROCESS started.  */
  int verbose;              /* Print logs and errors to stderr.  */
  int no_collect;           /* Leave OUT NULL (big outputs); OUTLEN
                               still tells the size.  */
  void (*on_gnupg_home) (void *opaque);  /* Called when PROCESS asks
                               for its home (in the middle of a run:
                               e.g. to change the input file).  */
  void *hook_opaque;

  /* --- Captured (reset by each create / process) ---------------- */
  gpg_error_t config_err;   /* config_error: code, key, text.  */
  char *config_err_key;
  char *config_err_text;
  gpg_error_t err;          /* error: code, key, text.  */
  char *err_key;
  char *err_text;
  struct fakehost_value *result;   /* Result headers (malloced).  */
  size_t nresult;
  char *log;                /* "LEVEL: text\n" lines, or NULL.  */
  size_t loglen;
  unsigned int spool_opened;
  unsigned long long spooled;      /* Size of the spool when PROCESS
                                      returned (0 when IS_LAST).  */
  char *out;                /* What reached the sink (NUL-terminated).  */
  size_t outlen;

  /* --- Private -------------------------------------------------- */
  struct pgpstep_config *cfg;
  struct pgpstep_message *msg;
  int cancel_pipe[2];
  int cancelled;
  pthread_mutex_t lock;
  int lock_ready;
};

/* The services table (the same for every fake host).  */
extern const struct pgpstep_host fakehost_services;

/* Look up step TYPE of MODULE (as returned by pgpstep_module_init).  */
const struct pgpstep_step *fakehost_find_step
  (const struct pgpstep_module *module, const char *type);

/* Call STEP's create with FH's parameters.  Returns what create
 * returned (or the fake host's own error).  */
gpg_error_t fakehost_create (struct fakehost *fh,
                             const struct pgpstep_step *step,
                             void **r_state);

/* Run STEP's process once on the input SOURCE_FD (read from its
 * current offset; with SOURCE_PIPE copied into a pipe first) and
 * collect what is released into FH->OUT.  Returns PROCESS's error.  */
gpg_error_t fakehost_process (struct fakehost *fh,
                              const struct pgpstep_step *step,
                              void *state, int source_fd);

/* Likewise with the file FILENAME (or an empty input for NULL) or a
 * memory buffer.  */
gpg_error_t fakehost_process_file (struct fakehost *fh,
                                   const struct pgpstep_step *step,
                                   void *state, const char *filename);
gpg_error_t fakehost_process_mem (struct fakehost *fh,
                                  const struct pgpstep_step *step,
                                  void *state, const void *buf, size_t len);

/* Cancel the running message (thread-safe).  */
void fakehost_cancel (struct fakehost *fh);

/* A result header of the last message, or NULL.  */
const char *fakehost_header (const struct fakehost *fh, const char *name);

/* Free everything captured.  */
void fakehost_release (struct fakehost *fh);

#endif /*PGPSTEP_TESTS_FAKEHOST_H*/
