/* explain.h - name the cause of a failed decryption.
 *
 * gpg's exit status and status lines (status.h), the packet peek and
 * the step's keys become one error code from pgpstep's exit table and
 * a text that says what happened and what to do.  Nothing here
 * decides success: the caller calls these only for a run it refused.
 */
#ifndef DECRYPT_EXPLAIN_H
#define DECRYPT_EXPLAIN_H

#include <gpg-error.h>

#include "packet.h"
#include "status.h"
#include "keys.h"
#include "gpgop.h"

/* What the step knew about one run.  */
struct explain_run
{
  const struct packet_peek *peek;
  int eof;                             /* The peek saw all of the input.  */
  const struct gpgop_result *res;      /* NULL: gpg did not run.  */
  gpg_error_t rc;                      /* From gpgop_run.  */
  keys_index_t index;                  /* The step's keys, or NULL.  */
  const char *keyrings;                /* "keyrings a, b" for texts.  */
  const char *password_ref;            /* "secret:x", or NULL.  */
  unsigned long long max_output;       /* max-output-bytes.  */
  unsigned long long output_size;      /* Bytes gpg wrote, or 0.  */
  int output_known;                    /* OUTPUT_SIZE is a file's size.  */
};

/* Refuse the input on the packet peek alone (before gpg runs): empty,
 * not OpenPGP, not an encrypted message, v6/SEIPDv2, malformed, legacy
 * SED without ALLOW_SED, password-only without a password, no
 * matching secret key.  Returns 0 if gpg should run; else the error,
 * a malloced text in *R_TEXT and the parameter at fault in *R_KEY.  */
gpg_error_t explain_peek (const struct explain_run *run, size_t len,
                          int allow_sed, char **r_text, const char **r_key);

/* The error of a run that did not succeed (gpg, a filter, or the
 * runner) and a malloced text in *R_TEXT.  *R_KEY names the parameter
 * at fault (e.g. "password", "keyring") or is NULL.  */
gpg_error_t explain_failure (const struct explain_run *run, char **r_text,
                             const char **r_key);

/* Whether gpg's failure looks like --max-output at work.  */
int explain_max_output_exceeded (const struct explain_run *run);

/* "0xA, 0xB" for the recipients of the message (malloced).  */
char *explain_recipients (const struct explain_run *run);

#endif /* DECRYPT_EXPLAIN_H */
