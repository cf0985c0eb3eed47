/* outcome.h - whether a gpg verification run can be judged, and why
 * not.
 *
 * The policy (policy.h) judges signatures; before that the run itself
 * must have checked the whole input: gpg ran to its end, its exit
 * code is 0 or explained by a signature it did not accept, no status
 * line shows a failure, decryption or a second literal, and gpg got
 * all of the input.  Otherwise nothing is released and the error is
 * named here.
 */
#ifndef VERIFY_OUTCOME_H
#define VERIFY_OUTCOME_H

#include <gpg-error.h>

#include <pgpstep/pgpstep.h>

#include "gpgop.h"
#include "policy.h"

/* What the step knew about one run.  */
struct outcome_run
{
  int detached;                       /* Detached signature mode.  */
  unsigned int nsigs;                 /* Detached: signatures given.  */
  const struct gpgop_result *res;     /* NULL: gpg did not run.  */
  gpg_error_t rc;                     /* From gpgop_run.  */
  int input_complete;                 /* gpg got all of the input.  */
  gpg_error_t source_err;             /* Detached: reading the data, ...  */
  gpg_error_t spool_err;              /* ... spooling it.  */
  int source_changed;                 /* Detached: the payload file changed
                                       * (size, mtime) or ended early.  */
  unsigned long long max_output;      /* Inline: max-output-bytes.  */
  unsigned long long output_size;     /* Bytes gpg wrote.  */
};

/* Whether RUN verified all of its input so that the policy may judge
 * its signatures.  */
int outcome_usable (const struct outcome_run *run);

/* The error of a run that is not usable and a malloced text in
 * *R_TEXT; *R_KEY names the parameter at fault or is NULL.  */
gpg_error_t outcome_explain (const struct outcome_run *run, char **r_text,
                             const char **r_key);

/* The whole verdict over RUN: the run must be usable, then the
 * policy POL judges its signatures and the signature headers are set
 * (also when the policy refuses).  Returns 0 to release the data, else
 * the error with a malloced *R_TEXT and the parameter *R_KEY.  */
gpg_error_t outcome_verdict (const struct outcome_run *run,
                             const struct policy *pol,
                             const struct pgpstep_host *host,
                             pgpstep_message_t msg, char **r_text,
                             const char **r_key);

/* Set *R_TEXT to the malloced text of FMT and return CODE as an
 * error (the step's texts are built this way).  */
gpg_error_t say (char **r_text, gpg_err_code_t code,
                         const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

#endif /* VERIFY_OUTCOME_H */
