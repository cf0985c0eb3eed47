/* gpgop.h - run one gpg payload operation for a step.
 *
 * A step builds gpg's arguments from its validated choices, describes
 * where the payload comes from and where it goes (struct gpgop_io),
 * and calls gpgop_run.  gpgop runs gpg through gpgrun, parses the
 * status lines into a status_result_t (status.h) and hands back the
 * parsed result, gpg's exit status and the end of gpg's stderr.  It
 * decides nothing about success: the caller asks status_encrypt_ok,
 * status_decrypt_ok ... and status_error on the result.
 *
 * Input and output are symmetric.  Without a filter the step's
 * descriptor is gpg's stdin (stdout) as it is: no byte is copied.
 * With a filter, or with bytes the step already read from its input
 * (a packet peek), gpgop puts a pipe between the step's stream and
 * gpg and runs one thread per filtered side for the duration of the
 * call:
 *
 *   input:  PREFIX bytes, then the rest of the source
 *           --[GPGOP_FILTER_DEARMOR: armor decoder]--> gpg's stdin
 *   output: gpg's stdout --[GPGOP_FILTER_ARMOR: armor encoder]--> sink
 *
 * The host side of a filtered stream is read or written through the
 * step's callbacks when given (they are cancel-aware), else through
 * its descriptor.  gpg always reads and writes binary.
 *
 * A source descriptor without a filter after a prefix (or as a range
 * of a file, before a suffix) is moved into gpg's pipe with splice(2)
 * (no copy through user space).
 *
 * Cancellation: CANCEL_FD (the host's cancel_fd) kills gpg's process
 * group and stops the filter threads.  A filter that fails stops gpg
 * too.  When gpgop_run returns, no thread, descriptor or child of it
 * is left.
 *
 * (Decrypt's requirements R1-R3 in plugins/decrypt/decrypt.c are met:
 * a gpg that exits early never shows as an input EPIPE; splice after a
 * prefix; INPUT_EOF.)
 */
#ifndef OPENPGP_GPGOP_H
#define OPENPGP_GPGOP_H

#include <stddef.h>
#include <sys/types.h>
#include <gpg-error.h>

#include "armor.h"
#include "status.h"

enum gpgop_filter
  {
    GPGOP_FILTER_NONE = 0,     /* Bytes pass unchanged.  */
    GPGOP_FILTER_ARMOR,        /* Output only: armor-encode gpg's binary
                                  output with label ARMOR_TYPE.  */
    GPGOP_FILTER_DEARMOR       /* Input only: decode one armor block
                                  (armor.h) and give gpg the binary.
                                  Armor errors fail the run (41).  */
  };

/* One side of the payload.  */
struct gpgop_io
{
  /* The step's descriptor (struct pgpstep_source/sink fd); -1 for
   * none (gpg then gets /dev/null unless a callback is given).  It
   * must be in blocking mode when handed to gpg directly.  gpgop
   * never closes it.  */
  int fd;

  /* Optional callbacks of the step's stream (pgpstep_source.read or
   * pgpstep_sink.write with their handle).  Used by a filter thread
   * instead of FD when set; also make a filter thread run when FD is
   * -1.  Set READ only on input, WRITE only on output.  */
  ssize_t (*read) (void *handle, void *buffer, size_t size);
  ssize_t (*write) (void *handle, const void *buffer, size_t size);
  void *handle;

  enum gpgop_filter filter;
  enum armor_type armor_type;  /* GPGOP_FILTER_ARMOR: the label.  */

  /* Input only: bytes already read from the source (e.g. for
   * packet_peek) that come before the rest of it.  Borrowed for the
   * call.  Through the filter like the rest.  */
  const void *prefix;
  size_t prefix_len;

  /* Input only: bytes after the source (e.g. signature packets behind
   * a literal packet).  Borrowed for the call.  Not with a filter.  */
  const void *suffix;
  size_t suffix_len;

  /* Input only, USE_RANGE: the source is exactly RANGE_LEN bytes of
   * the regular file FD from RANGE_OFF (read with splice or pread: the
   * file offset does not move).  A file that ends before is an input
   * error, GPG_ERR_TRUNCATED.  Not with a filter or READ.  */
  int use_range;
  off_t range_off;
  unsigned long long range_len;
};

struct gpgop_spec
{
  const char *gpg_path;        /* Absolute; NULL: keys_gpg_path ().  */
  const char *homedir;         /* Required.  */

  /* The operation's arguments, NULL-terminated: built by the step from
   * validated choices only (gpgrun adds --no-options, --batch,
   * status/command fds etc.).  Never a secret.  */
  const char *const *args;

  struct gpgop_io input;
  struct gpgop_io output;

  int cancel_fd;               /* The host's cancel_fd, or -1.  */

  /* As gpgrun_spec.passphrase_cb (passwords and key passphrases are
   * given on the command fd, never argv or environment).  */
  gpg_error_t (*passphrase_cb) (void *opaque,
                                const char *keyid, const char *main_keyid,
                                const char **r_pass, size_t *r_len);

  /* Called with every status line after it was parsed into the
   * result (e.g. to log progress).  Non-zero aborts the run.  May be
   * NULL.  */
  gpg_error_t (*status_cb) (void *opaque, const char *line);

  void *opaque;

  /* More descriptors for gpg, as gpgrun_spec.extra_fds (gpg sees
   * EXTRA_FDS[i] as GPGRUN_EXTRA_FD + i, e.g. a detached signature for
   * "--enable-special-filenames --verify -&5 -").  Borrowed.  */
  const int *extra_fds;
  size_t n_extra_fds;
};

struct gpgop_result
{
  /* The parsed status lines, status_finish'ed with EXIT_STATUS.
   * Always set after gpgop_run returned (also on error, possibly
   * empty); freed by gpgop_result_release.  */
  status_result_t status;

  /* gpg's exit code, -1 if it did not exit on its own.  */
  int exit_status;

  /* Why the run itself failed, 0 if it did not (as from gpgrun:
   * GPG_ERR_CANCELED, GPG_ERR_EPIPE, GPG_ERR_INV_ENGINE ...).  */
  gpg_error_t run_err;

  /* A filter's failure (I/O error on the step's stream, bad armor,
   * cancelled), 0 if none.  Either makes gpgop_run fail: gpg may have
   * processed a truncated input without noticing.  */
  gpg_error_t input_err;
  gpg_error_t output_err;

  /* Payload bytes that went into gpg / came out of gpg (binary, before
   * armoring), counted where a filter thread ran, else 0.  */
  unsigned long long bytes_in;
  unsigned long long bytes_out;

  /* INPUT_FILTERED: an input thread ran (filter, prefix or callback).
   * INPUT_EOF: it fed gpg all of the source to its end (and the armor
   * decoder finished without error: an armor checksum was verified).
   * A thread stopped because gpg exited early is no error of its own
   * (INPUT_ERR stays 0, never EPIPE): the caller judges gpg's status
   * and, where it matters, INPUT_EOF.  */
  unsigned int input_filtered:1;
  unsigned int input_eof:1;

  /* Malloced: the last lines of gpg's stderr and the runner's own
   * explanation (for logs and error detail; never payload or
   * secrets), or NULL.  */
  char *diag;
};

/* Run gpg as SPEC says and fill *R_RES (which the caller releases with
 * gpgop_result_release in all cases).
 *
 * Returns 0 when gpg ran to its end and every filter completed; the
 * caller then judges R_RES->status (exit status included).  Otherwise
 * the first cause, in this order: cancellation (GPG_ERR_CANCELED), the
 * input filter's error, the output filter's error, the runner's
 * error.  */
gpg_error_t gpgop_run (const struct gpgop_spec *spec,
                       struct gpgop_result *r_res);

void gpgop_result_release (struct gpgop_result *res);

/* The error a failed operation amounts to: RC from gpgop_run if
 * non-zero, else status_error of the result (GPG_ERR_GENERAL if that
 * finds nothing wrong but gpg did not exit 0).  0 only for a run that
 * ended with exit 0 and no failure line; positive lines are the
 * caller's check.  */
gpg_error_t gpgop_error (gpg_error_t rc, const struct gpgop_result *res);

/* One line (at most SIZE-1 bytes) of RES->diag for an error text: the
 * last non-empty line of gpg's stderr with "gpg: " stripped, or "".  */
const char *gpgop_diag_line (const struct gpgop_result *res,
                             char *buf, size_t size);

#endif /* OPENPGP_GPGOP_H */
