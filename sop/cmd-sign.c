/* cmd-sign.c - "sign", "inline-sign" (the sign step) and "verify",
 * "inline-verify" (the verify step).  Without the sign plugin the
 * signing subcommands are UNSUPPORTED_SUBCOMMAND.  */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sop.h"

/* Parse and check the common parts of a subcommand with at least
 * MINPOS positional arguments.  */
static int
parse (struct sop_args *a, const struct sop_optdef *defs, unsigned int n,
       int argc, char **argv, unsigned int minpos, const char *what)
{
  int rc;

  rc = sop_args_parse (a, defs, n, argc, argv);
  if (!rc && a->npos < minpos)
    {
      sop_error ("missing %s", what);
      rc = SOP_MISSING_ARG;
    }
  return rc;
}

/* A session with the sign step and the signing keys of A.  */
static int
open_signing (struct sop_session *s, struct sop_step *st,
              const struct sop_args *a)
{
  int rc;

  rc = sop_session_open (s);
  if (rc)
    return rc;
  if (!sop_have_step (s, "sign"))
    {
      sop_error ("not supported: the pgpstep sign plugin is not installed");
      return SOP_UNSUPPORTED_SUBCOMMAND;
    }
  rc = sop_session_add_files (s, a->pos, 1);
  if (!rc)
    rc = sop_session_key_passwords (s, sop_values (a, "with-key-password"));
  st->all_keyrings = 1;
  if (!rc)
    rc = sop_add_keys (s, st, 1, "sign-with", PGPSTEP_KEY_CAN_SIGN);
  if (!rc)
    rc = sop_step_add (st, "digest", "SHA256");
  return rc;
}

/* Run ST on stdin to stdout; for a text signature the input must be
 * UTF-8 text (the draft's EXPECTED_TEXT), checked on a re-readable
 * copy first.  */
static int
run_signing (struct sop_session *s, const struct sop_step *st, int text)
{
  int rc, fd = STDIN_FILENO;

  if (text)
    {
      rc = sop_session_rewindable (s, STDIN_FILENO, &fd);
      if (!rc)
        rc = sop_check_text (fd);
      if (rc)
        goto leave;
    }
  rc = sop_session_pipe (s, st, fd, 0, NULL);
  if (text && rc == SOP_BAD_DATA)
    rc = SOP_EXPECTED_TEXT;

 leave:
  if (fd != STDIN_FILENO)
    close (fd);
  return rc;
}

int
sop_cmd_sign (int argc, char **argv)
{
  static const struct sop_optdef defs[] =
    {
      { "no-armor", 0, 1, 0 },
      { "as", 1, 1, 0 },
      { "micalg-out", 1, 1, 0 },
      { "with-key-password", 1, 1, 1 },
    };
  struct sop_args a;
  struct sop_session s;
  struct sop_step st;
  const char *as, *micalg;
  int rc, text = 0;

  memset (&s, 0, sizeof s);
  sop_step_init (&st, "sign");
  rc = parse (&a, defs, sizeof defs / sizeof *defs, argc, argv, 1, "KEYS");
  if (rc)
    goto leave;
  as = sop_value (&a, "as");
  if (as && strcmp (as, "binary") && strcmp (as, "text"))
    {
      sop_error ("--as takes binary or text, found '%s'", as);
      rc = SOP_UNSUPPORTED_OPTION;
      goto leave;
    }
  text = as && !strcmp (as, "text");
  micalg = sop_value (&a, "micalg-out");
  if (micalg && (rc = sop_check_output (micalg)))
    goto leave;

  rc = open_signing (&s, &st, &a);
  if (!rc)
    rc = sop_step_add (&st, "mode", "detached");
  if (!rc)
    rc = sop_step_add (&st, "output", "signature");
  if (!rc)
    rc = sop_step_add (&st, "text", text ? "true" : "false");
  if (!rc)
    rc = sop_step_add (&st, "armor",
                       sop_flag (&a, "no-armor") ? "false" : "true");
  if (!rc)
    rc = run_signing (&s, &st, text);
  if (!rc && micalg)
    rc = sop_write_indirect (micalg, "pgp-sha256", 10);

 leave:
  sop_step_release (&st);
  sop_session_close (&s);
  sop_args_release (&a);
  return rc;
}

int
sop_cmd_inline_sign (int argc, char **argv)
{
  static const struct sop_optdef defs[] =
    {
      { "no-armor", 0, 1, 0 },
      { "as", 1, 1, 0 },
      { "with-key-password", 1, 1, 1 },
    };
  struct sop_args a;
  struct sop_session s;
  struct sop_step st;
  const char *as;
  int rc, clear, text;

  memset (&s, 0, sizeof s);
  sop_step_init (&st, "sign");
  rc = parse (&a, defs, sizeof defs / sizeof *defs, argc, argv, 1, "KEYS");
  if (rc)
    goto leave;
  as = sop_value (&a, "as");
  if (as && strcmp (as, "binary") && strcmp (as, "text")
      && strcmp (as, "clearsigned"))
    {
      sop_error ("--as takes binary, text or clearsigned, found '%s'", as);
      rc = SOP_UNSUPPORTED_OPTION;
      goto leave;
    }
  clear = as && !strcmp (as, "clearsigned");
  text = clear || (as && !strcmp (as, "text"));
  if (clear && sop_flag (&a, "no-armor"))
    {
      sop_error ("--as=clearsigned and --no-armor exclude each other");
      rc = SOP_INCOMPATIBLE_OPTIONS;
      goto leave;
    }

  rc = open_signing (&s, &st, &a);
  if (!rc)
    rc = sop_step_add (&st, "mode", clear ? "cleartext" : "inline");
  if (!rc)
    rc = sop_step_add (&st, "text", text ? "true" : "false");
  if (!rc && !clear)
    rc = sop_step_add (&st, "armor",
                       sop_flag (&a, "no-armor") ? "false" : "true");
  if (!rc)
    rc = run_signing (&s, &st, text);

 leave:
  sop_step_release (&st);
  sop_session_close (&s);
  sop_args_release (&a);
  return rc;
}


/*
 * Verification
 */

static const struct sop_optdef verify_defs[] =
  {
    { "not-before", 1, 1, 0 },
    { "not-after", 1, 1, 0 },
    { "verifications-out", 1, 1, 0 },
  };

int
sop_cmd_verify (int argc, char **argv)
{
  struct sop_args a;
  struct sop_session s;
  struct sop_step st;
  pgpstep_result_t result = NULL;
  char *sig = NULL, *path = NULL, *ref = NULL;
  size_t len;
  unsigned int count;
  int rc;

  memset (&s, 0, sizeof s);
  sop_step_init (&st, "verify");
  rc = parse (&a, verify_defs, 2, argc, argv, 2, "SIGNATURES and CERTS");
  if (!rc)
    rc = sop_session_open (&s);
  if (!rc)
    rc = sop_read_indirect (a.pos[0], &sig, &len);
  if (!rc)
    rc = sop_work_store (&s.work, "sig", sig, len, &path);
  if (!rc)
    rc = sop_session_add_files (&s, a.pos + 1, 0);
  if (rc)
    goto leave;
  if (asprintf (&ref, "file:%s", path) < 0)
    {
      ref = NULL;
      sop_error ("out of core");
      rc = SOP_GENERIC;
      goto leave;
    }
  st.all_keyrings = 1;
  rc = sop_step_add (&st, "mode", "detached");
  if (!rc)
    rc = sop_step_add (&st, "signature", ref);
  if (!rc)
    rc = sop_add_window (&st, sop_value (&a, "not-before"),
                         sop_value (&a, "not-after"));
  if (!rc)
    rc = sop_session_pipe (&s, &st, STDIN_FILENO, 1, &result);
  if (!rc)
    rc = sop_write_verifications (result, NULL, &count);
  if (!rc && !count)
    rc = SOP_NO_SIGNATURE;

 leave:
  if (result)
    pgpstep_result_release (result);
  free (sig);
  free (path);
  free (ref);
  sop_step_release (&st);
  sop_session_close (&s);
  sop_args_release (&a);
  return rc;
}

int
sop_cmd_inline_verify (int argc, char **argv)
{
  struct sop_args a;
  struct sop_session s;
  struct sop_step st;
  pgpstep_result_t result = NULL;
  const char *vout;
  unsigned int count;
  int rc;

  memset (&s, 0, sizeof s);
  sop_step_init (&st, "verify");
  rc = parse (&a, verify_defs, 3, argc, argv, 1, "CERTS");
  if (rc)
    goto leave;
  vout = sop_value (&a, "verifications-out");
  if (vout && (rc = sop_check_output (vout)))
    goto leave;
  rc = sop_session_open (&s);
  if (!rc)
    rc = sop_session_add_files (&s, a.pos, 0);
  st.all_keyrings = 1;
  if (!rc)
    rc = sop_step_add (&st, "mode", "inline");
  if (!rc)
    rc = sop_add_window (&st, sop_value (&a, "not-before"),
                         sop_value (&a, "not-after"));
  if (!rc)
    rc = sop_session_pipe (&s, &st, STDIN_FILENO, 0, &result);
  if (!rc && vout)
    rc = sop_write_verifications (result, vout, &count);

 leave:
  if (result)
    pgpstep_result_release (result);
  sop_step_release (&st);
  sop_session_close (&s);
  sop_args_release (&a);
  return rc;
}
