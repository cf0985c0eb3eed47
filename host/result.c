/* result.c - the outcome of one run and its accessors.  */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"

gpg_error_t
result_new (struct pgpstep_result **r_result)
{
  gpg_error_t err;
  struct pgpstep_result *result;

  *r_result = NULL;
  result = calloc (1, sizeof *result);
  if (!result)
    return gpg_error_from_syserror ();
  err = pgpstep_headers_new (&result->headers);
  if (err)
    {
      free (result);
      return err;
    }
  *r_result = result;
  return 0;
}

void
result_set_error (struct pgpstep_result *result, gpg_error_t err,
                  const char *step, const char *key, const char *text)
{
  int rc;

  free (result->step);
  free (result->key);
  free (result->message);
  result->step = result->key = result->message = NULL;
  result->err = err;
  if (!text)
    text = gpg_strerror (err);
  if (step)
    {
      rc = asprintf (&result->message, "step '%s': %s", step, text);
      if (rc < 0)
        result->message = NULL;
      result->step = strdup (step);
    }
  else
    result->message = strdup (text);
  if (key)
    result->key = strdup (key);
}

void
pgpstep_result_release (pgpstep_result_t result)
{
  if (!result)
    return;
  pgpstep_headers_release (result->headers);
  free (result->step);
  free (result->key);
  free (result->message);
  free (result);
}

gpg_error_t
pgpstep_result_error (pgpstep_result_t result)
{
  return result ? result->err : gpg_error (GPG_ERR_INV_ARG);
}

pgpstep_headers_t
pgpstep_result_headers (pgpstep_result_t result)
{
  return result ? result->headers : NULL;
}

const char *
pgpstep_result_step (pgpstep_result_t result)
{
  return result ? result->step : NULL;
}

const char *
pgpstep_result_key (pgpstep_result_t result)
{
  return result ? result->key : NULL;
}

const char *
pgpstep_result_message (pgpstep_result_t result)
{
  return result ? result->message : NULL;
}
