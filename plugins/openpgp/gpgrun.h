/* gpgrun.h - run gpg on payload descriptors through its machine interface.
 *
 * The runner spawns gpg with the caller's payload descriptors as its
 * stdin and stdout (it never touches a payload byte), reads the
 * --status-fd lines in the calling thread while gpg works, answers
 * passphrase prompts on --command-fd, and reaps the child before it
 * returns.  It runs no thread and leaves no descriptor or process
 * behind, whatever the outcome.
 *
 * The runner never decides whether an operation succeeded: the caller
 * combines exit status 0 AND the positive status lines it requires.
 */
#ifndef PGPSTEP_OPENPGP_GPGRUN_H
#define PGPSTEP_OPENPGP_GPGRUN_H

#include <stddef.h>
#include <gpg-error.h>

/* The gpg binary used when the spec names none.  */
#define GPGRUN_DEFAULT_GPG "/usr/bin/gpg"

/* Descriptor numbers inside gpg.  EXTRA_FDS[i] of the spec becomes
 * descriptor GPGRUN_EXTRA_FD + i (e.g. for "--enable-special-filenames
 * --verify -&5 -").  */
#define GPGRUN_STATUS_FD  3
#define GPGRUN_COMMAND_FD 4
#define GPGRUN_EXTRA_FD   5
#define GPGRUN_MAX_EXTRA_FDS 4

/* Longest status line accepted (bytes, including "[GNUPG:] ").  */
#define GPGRUN_STATUS_LINE_MAX 65536

/* Longest passphrase handed to gpg.  */
#define GPGRUN_PASSPHRASE_MAX 4096

struct gpgrun_spec
{
  /* Absolute path of gpg; NULL for GPGRUN_DEFAULT_GPG.  */
  const char *gpg_path;

  /* The GnuPG home (required).  Also the child's HOME.  */
  const char *homedir;

  /* The operation's arguments, NULL-terminated (NULL for none), e.g.
   * {"--decrypt", NULL}.  They follow the runner's fixed options.
   * Never put a secret here.  */
  const char *const *args;

  /* Payload descriptors, handed to gpg as they are (-1: /dev/null).
   * They must be in blocking mode; the runner neither closes nor
   * reads nor writes them.  */
  int stdin_fd;
  int stdout_fd;

  /* More descriptors for gpg, which sees EXTRA_FDS[i] as
   * GPGRUN_EXTRA_FD + i.  At most GPGRUN_MAX_EXTRA_FDS.  */
  const int *extra_fds;
  size_t n_extra_fds;

  /* Becomes readable when the run is to be cancelled; -1 for none.
   * Only polled, never read.  */
  int cancel_fd;

  /* Called with every status line, in order, without the "[GNUPG:] "
   * prefix and the newline.  A non-zero return aborts the run (gpg is
   * killed) and becomes the result.  May be NULL.  */
  gpg_error_t (*status_cb) (void *opaque, const char *line);

  /* Called when gpg asks for a passphrase (GET_HIDDEN passphrase.enter).
   * KEYID and MAIN_KEYID are the first two fields of the preceding
   * NEED_PASSPHRASE line (16 hex digits: the key gpg is about to use,
   * which may be a subkey, and its primary key); both are NULL after
   * NEED_PASSPHRASE_SYM (a password for symmetric encryption).  Set
   * *R_PASS and *R_LEN to a passphrase that stays valid until the callback
   * is called again or the run ends (the runner does not copy it), or
   * return an error to abort the run.  NULL: every prompt fails the
   * run with GPG_ERR_NO_PASSPHRASE.  */
  gpg_error_t (*passphrase_cb) (void *opaque,
                                const char *keyid, const char *main_keyid,
                                const char **r_pass, size_t *r_len);

  void *opaque;
};


/* Run gpg as described by SPEC and wait for it to end.
 *
 * Returns 0 when gpg ran to its end on its own; *R_EXIT_STATUS is then
 * its exit code, and the status callback has seen every line.
 * Otherwise *R_EXIT_STATUS is -1 (or the exit code, if the error was
 * found only after gpg exited) and the error says why:
 *   GPG_ERR_CANCELED      CANCEL_FD became readable (gpg was killed).
 *   GPG_ERR_ENOENT        GPG_PATH does not exist.
 *   GPG_ERR_INV_ENGINE    GPG_PATH cannot be executed, gpg died on a
 *                         signal, or wrote a garbled status line.
 *   GPG_ERR_EPIPE         gpg died of SIGPIPE (its output went away).
 *   GPG_ERR_UNEXPECTED_MSG gpg asked a question other than a passphrase
 *                         (GET_BOOL, GET_LINE, ...): refused, killed.
 *   GPG_ERR_NO_PASSPHRASE a passphrase was asked and PASSPHRASE_CB is
 *                         NULL or gave none.
 *   GPG_ERR_LINE_TOO_LONG a status line exceeded GPGRUN_STATUS_LINE_MAX.
 *   GPG_ERR_TRUNCATED     the last status line had no newline.
 *   GPG_ERR_INV_ARG       a bad SPEC (e.g. relative GPG_PATH,
 *                         non-blocking payload descriptor).
 *   any error returned by a callback.
 *
 * If R_DIAG is not NULL it receives a malloced string (or NULL when
 * there is nothing to say) with the last lines gpg wrote to stderr
 * (at most ~4 KiB) followed by the runner's own explanation of an
 * error, for logs.  It never holds payload or passphrases.
 *
 * The caller must not reap children with waitpid(-1) in other threads
 * nor set SIGCHLD to SIG_IGN.  */
gpg_error_t gpgrun (const struct gpgrun_spec *spec, int *r_exit_status,
                    char **r_diag);

#endif /*PGPSTEP_OPENPGP_GPGRUN_H*/
