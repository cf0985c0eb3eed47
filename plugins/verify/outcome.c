/* outcome.c - whether a gpg verification run can be judged, and why
 * not.  */
#include <config.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outcome.h"

gpg_error_t
say (char **r_text, gpg_err_code_t code, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (r_text, fmt, ap) < 0)
    *r_text = NULL;
  va_end (ap);
  return gpg_error (code);
}

static int
max_output_exceeded (const struct outcome_run *run)
{
  status_result_t st = run->res->status;

  if (run->detached || !run->max_output || run->res->exit_status == 0)
    return 0;
  if (st->have_plaintext_length && st->plaintext_length > run->max_output)
    return 1;
  if (run->output_size >= run->max_output)
    return 1;
  return run->res->diag && strstr (run->res->diag, "max-output");
}

/* gpg decrypted, or tried to: not the input of a verify step.  */
static int
saw_decryption (status_result_t st)
{
  return st->begin_decryption || st->nrecp || st->need_passphrase
    || st->need_passphrase_sym || st->decryption_info;
}

/* Whether some signature was not a good one (BADSIG, unknown key ...):
 * the cause of gpg's exit code 1 or 2.  */
static int
unaccepted_signature (status_result_t st, int *r_bad)
{
  unsigned int i;
  int any = 0;

  *r_bad = 0;
  for (i = 0; i < st->nsigs; i++)
    {
      any |= st->sigs[i].status != STATUS_SIG_VALID;
      *r_bad |= st->sigs[i].status == STATUS_SIG_BAD;
    }
  return any;
}

int
outcome_usable (const struct outcome_run *run)
{
  const struct gpgop_result *res = run->res;
  status_result_t st;
  int bad;

  if (run->rc || !res)
    return 0;
  st = res->status;
  /* gpg --batch stops at the first bad signature: what follows is
   * neither read nor reported, and the message fails anyway.  */
  unaccepted_signature (st, &bad);
  if (!run->input_complete && !bad)
    return 0;
  if (st->overflow || st->malformed || st->failures || st->fatal_errors
      || st->nodata || st->unexpected || st->other_prompts
      || saw_decryption (st) || st->plaintext_count > 1
      || (!run->detached && st->plaintext_count != 1))
    return 0;
  if (res->exit_status != 0
      && !((res->exit_status == 1 || res->exit_status == 2)
           && unaccepted_signature (st, &bad) && !max_output_exceeded (run)))
    return 0;
  /* Every signature given must have its verdict.  */
  if (run->detached && st->nsigs != run->nsigs && !bad)
    return 0;
  return 1;
}

/* The input side failed for a reason of its own.  */
static gpg_error_t
input_failure (const struct outcome_run *run, char **r_text)
{
  gpg_error_t err = run->res->input_err;

  /* What gpg verified may differ from what was spooled.  */
  if (run->source_changed)
    return say (r_text, gpg_err_code (run->source_err ? run->source_err
                                      : GPG_ERR_EIO),
                "the payload file changed while it was verified"
                " (its size or modification time changed, or it was"
                " shorter than expected); verify a file no one writes to");
  if (run->source_err)
    return say (r_text, gpg_err_code (run->source_err), "reading the input"
                " failed: %s", gpg_strerror (run->source_err));
  if (run->spool_err)
    return say (r_text, gpg_err_code (run->spool_err), "writing the data to"
                " the spool failed: %s", gpg_strerror (run->spool_err));
  switch (gpg_err_code (err))
    {
    case GPG_ERR_INV_ARMOR:
    case GPG_ERR_CHECKSUM:
    case GPG_ERR_TRUNCATED:
    case GPG_ERR_NO_DATA:
    case GPG_ERR_NOT_SUPPORTED:
      return say (r_text, gpg_err_code (err), "the armored input is"
                  " damaged: %s", gpg_strerror (err));
    default:
      return say (r_text, gpg_err_code (err), "reading the input failed:"
                  " %s", gpg_strerror (err));
    }
}

gpg_error_t
outcome_explain (const struct outcome_run *run, char **r_text,
                 const char **r_key)
{
  const struct gpgop_result *res = run->res;
  status_result_t st;
  gpg_error_t err;
  char diag[256];
  const char *what;
  int bad;

  *r_text = NULL;
  *r_key = NULL;
  if (gpg_err_code (run->rc) == GPG_ERR_CANCELED)
    return say (r_text, GPG_ERR_CANCELED, "cancelled");
  if (!res || !res->status)
    return say (r_text, gpg_err_code (run->rc ? run->rc : GPG_ERR_INTERNAL),
                "cannot run gpg: %s", gpg_strerror (run->rc));
  st = res->status;
  gpgop_diag_line (res, diag, sizeof diag);
  what = run->detached ? "the detached signature is malformed or not a"
    " signature of data" : "the input is not a valid signed message";

  /* EPIPE only says that gpg stopped reading, which gpg explains.  */
  if (run->source_err || run->spool_err
      || (res->input_err && gpg_err_code (res->input_err) != GPG_ERR_EPIPE))
    return input_failure (run, r_text);
  if (res->output_err)
    return say (r_text, gpg_err_code (res->output_err), "writing the output"
                " failed: %s", gpg_strerror (res->output_err));
  if (max_output_exceeded (run))
    {
      *r_key = "max-output-bytes";
      return say (r_text, GPG_ERR_TOO_LARGE, "the signed data is larger than"
                  " max-output-bytes (%llu bytes): refused as a possible"
                  " decompression bomb; raise max-output-bytes if such"
                  " messages are expected", run->max_output);
    }
  if (saw_decryption (st))
    return say (r_text, GPG_ERR_BAD_DATA, "the input is encrypted: decrypt"
                " it first (a decrypt step with output=unwrapped)");
  if (st->plaintext_count > 1)
    return say (r_text, GPG_ERR_BAD_DATA, "%s: it holds more than one"
                " literal data packet", what);
  if (st->overflow)
    return say (r_text, GPG_ERR_TOO_LARGE, "more signatures or status"
                " records than pgpstep checks (%u)", STATUS_MAX_RECORDS);

  err = res->run_err;
  if (!err || gpg_err_code (err) == GPG_ERR_EPIPE)
    err = gpgop_error (0, res);
  if (!err && run->detached && st->nsigs != run->nsigs
      && !unaccepted_signature (st, &bad))
    return say (r_text, GPG_ERR_BAD_SIGNATURE, "gpg reported %u of the %u"
                " signatures", st->nsigs, run->nsigs);
  if (!err && !run->input_complete)
    return say (r_text, GPG_ERR_BAD_DATA, "%s: gpg stopped before the end"
                " of the input", what);
  switch (gpg_err_code (err))
    {
    case GPG_ERR_BAD_DATA:
    case GPG_ERR_NO_DATA:
    case GPG_ERR_INV_PACKET:
    case GPG_ERR_TRUNCATED:
    case GPG_ERR_CHECKSUM:
    case GPG_ERR_INV_ARMOR:
    case GPG_ERR_UNEXPECTED:
      return say (r_text, GPG_ERR_BAD_DATA, "%s%s%s", what,
                  *diag ? ": " : "", diag);
    case GPG_ERR_UNEXPECTED_MSG:
      return say (r_text, GPG_ERR_UNEXPECTED_MSG, "gpg asked a question"
                  " pgpstep does not answer%s%s", *diag ? ": " : "", diag);
    case GPG_ERR_GENERAL:
      /* A bare failure of a run that only reads the input: gpg could
       * not parse it (e.g. a truncated compressed packet).  */
      return say (r_text, GPG_ERR_BAD_DATA, "%s (gpg exit %d)%s%s", what,
                  res->exit_status, *diag ? ": " : "", diag);
    default:
      return say (r_text, gpg_err_code (err ? err : GPG_ERR_GENERAL),
                  "gpg failed (exit %d): %s%s%s", res->exit_status,
                  gpg_strerror (err ? err : gpg_error (GPG_ERR_GENERAL)),
                  *diag ? ": " : "", diag);
    }
}

gpg_error_t
outcome_verdict (const struct outcome_run *run, const struct policy *pol,
                 const struct pgpstep_host *host, pgpstep_message_t msg,
                 char **r_text, const char **r_key)
{
  struct policy_verdict verdict;
  gpg_error_t err;

  *r_text = NULL;
  *r_key = NULL;
  if (!outcome_usable (run))
    return outcome_explain (run, r_text, r_key);
  err = policy_evaluate (pol, run->res->status, &verdict);
  if (err)
    return err;
  /* The signature headers also on refusal: they say why.  */
  err = policy_set_headers (pol, &verdict, run->res->status, host, msg);
  if (!err && verdict.err)
    {
      err = verdict.err;
      *r_key = "signatures";
      *r_text = verdict.text;
      verdict.text = NULL;
    }
  policy_verdict_release (&verdict);
  return err;
}
