/* cmd-crypt.c - "encrypt" and "decrypt": the encrypt and decrypt
 * steps.
 *
 * decrypt differs from the decrypt step in one point: the draft's
 * decrypt never fails because of signatures (it only reports the good
 * ones), while the step with signatures=optional refuses a message
 * whose signatures it cannot accept.  Such a message is decrypted
 * again with signatures=ignore, and VERIFICATIONS lists the good
 * signatures of the first run, if any.  Several message passwords are
 * tried one after the other the same way, on a re-readable input.
 */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sop.h"

/* The keyring file of KEY in S.  */
static struct sop_keyfile *
file_of (struct sop_session *s, const struct pgpstep_keyinfo *key)
{
  unsigned int i;

  for (i = 0; i < s->nfiles; i++)
    if (!strcmp (s->files[i].name, key->keyring))
      return s->files + i;
  return NULL;
}

static int
usable (const struct pgpstep_keyinfo *key)
{
  return key->status == PGPSTEP_KEY_VALID
    || key->status == PGPSTEP_KEY_CRITICAL;
}

/* Add parameter NAME for every key of the files of kind SECRET, after
 * checking the capability CAP (0: none) and, for SECRET, the secret
 * key.  */
int
sop_add_keys (struct sop_session *s, struct sop_step *st, int secret,
              const char *name, unsigned int cap)
{
  pgpstep_keylist_t list = NULL;
  const struct pgpstep_keyinfo *key;
  struct sop_keyfile *f;
  unsigned int i;
  int rc;

  rc = sop_session_keys (s, secret, &list);
  for (i = 0; !rc && (key = pgpstep_keylist_at (list, i)); i++)
    {
      f = file_of (s, key);
      if (!f)
        continue;
      if (secret && !key->has_secret)
        {
          sop_error ("'%s' holds no secret key for %s", f->arg,
                     key->fingerprint);
          rc = SOP_BAD_DATA;
        }
      else if (cap && (!(key->capabilities & cap) || !usable (key)))
        {
          sop_error ("key %s of '%s' cannot %s", key->fingerprint, f->arg,
                     cap == PGPSTEP_KEY_CAN_SIGN ? "sign" : "encrypt");
          rc = cap == PGPSTEP_KEY_CAN_SIGN ? SOP_KEY_CANNOT_SIGN
            : SOP_CERT_CANNOT_ENCRYPT;
        }
      else
        rc = sop_step_add (st, name, key->fingerprint);
    }
  if (list)
    pgpstep_keylist_release (list);
  return rc;
}


/*
 * encrypt
 */

int
sop_cmd_encrypt (int argc, char **argv)
{
  static const struct sop_optdef defs[] =
    {
      { "as", 1, 1, 0 },
      { "no-armor", 0, 1, 0 },
      { "with-password", 1, 1, 1 },
      { "with-key-password", 1, 1, 1 },
      { "sign-with", 1, 1, 1 },
      { "profile", 1, 1, 0 },
    };
  struct sop_args a;
  struct sop_session s;
  struct sop_step st;
  const char *as, *profile;
  int rc;

  memset (&s, 0, sizeof s);
  sop_step_init (&st, "encrypt");
  rc = sop_args_parse (&a, defs, sizeof defs / sizeof *defs, argc, argv);
  if (rc)
    goto leave;
  as = sop_value (&a, "as");
  profile = sop_value (&a, "profile");
  if (as && !strcmp (as, "text"))
    {
      /* The encrypt step writes binary literal data only.  */
      sop_error ("--as=text is not supported (literal data is binary)");
      rc = SOP_UNSUPPORTED_OPTION;
      goto leave;
    }
  if (as && strcmp (as, "binary"))
    {
      sop_error ("--as takes binary or text, found '%s'", as);
      rc = SOP_UNSUPPORTED_OPTION;
      goto leave;
    }
  if (profile && strcmp (profile, "rfc4880") && strcmp (profile, "default"))
    {
      sop_error ("unknown profile '%s' (see list-profiles encrypt)",
                 profile);
      rc = SOP_UNSUPPORTED_PROFILE;
      goto leave;
    }
  if (!a.npos && !*sop_values (&a, "with-password"))
    {
      sop_error ("no CERTS and no --with-password: nothing to encrypt to");
      rc = SOP_MISSING_ARG;
      goto leave;
    }

  rc = sop_session_open (&s);
  if (!rc)
    rc = sop_session_add_files (&s, a.pos, 0);
  if (!rc)
    rc = sop_session_add_files (&s, sop_values (&a, "sign-with"), 1);
  if (!rc)
    rc = sop_session_key_passwords (&s, sop_values (&a, "with-key-password"));
  if (!rc)
    rc = sop_session_passwords (&s, sop_values (&a, "with-password"), 1);
  if (rc)
    goto leave;

  st.all_keyrings = 1;
  if (a.npos)
    rc = sop_add_keys (&s, &st, 0, "recipient", PGPSTEP_KEY_CAN_ENCRYPT);
  if (!rc && *sop_values (&a, "sign-with"))
    rc = sop_add_keys (&s, &st, 1, "sign-with", PGPSTEP_KEY_CAN_SIGN);
  if (!rc && s.npw)
    rc = sop_step_add (&st, "password", "secret:pw0");
  if (!rc)
    rc = sop_step_add (&st, "armor",
                       sop_flag (&a, "no-armor") ? "false" : "true");
  if (!rc)
    rc = sop_session_pipe (&s, &st, STDIN_FILENO, 0, NULL);

 leave:
  sop_step_release (&st);
  sop_session_close (&s);
  sop_args_release (&a);
  return rc;
}


/*
 * decrypt
 */

/* The time window options of a verification, as step parameters.  */
int
sop_add_window (struct sop_step *st, const char *not_before,
                const char *not_after)
{
  long long t;
  char buf[32];
  int rc = 0;

  if (not_before && !(rc = sop_parse_date (not_before, 0, &t)) && t)
    {
      snprintf (buf, sizeof buf, "%lld", t);
      rc = sop_step_add (st, "not-before", buf);
    }
  if (!rc && not_after && !(rc = sop_parse_date (not_after, 1, &t)) && t)
    {
      snprintf (buf, sizeof buf, "%lld", t);
      rc = sop_step_add (st, "not-after", buf);
    }
  return rc;
}

/* Write the VERIFICATIONS of RESULT to the indirect output ARG (NULL:
 * stdout).  */
int
sop_write_verifications (pgpstep_result_t result, const char *arg,
                         unsigned int *r_count)
{
  const char *json = NULL;
  char *buf = NULL;
  size_t len = 0;
  FILE *fp;
  int rc;

  *r_count = 0;
  if (result)
    json = pgpstep_headers_get (pgpstep_result_headers (result),
                                "pgp.signatures");
  fp = open_memstream (&buf, &len);
  if (!fp)
    {
      sop_error ("out of core");
      return SOP_GENERIC;
    }
  rc = sop_verifications (json, fp, r_count);
  if (fclose (fp) && !rc)
    {
      sop_error ("out of core");
      rc = SOP_GENERIC;
    }
  if (!rc && arg)
    rc = sop_write_indirect (arg, buf, len);
  else if (!rc && len && (fwrite (buf, len, 1, stdout) != 1
                          || fflush (stdout)))
    {
      sop_error ("write error");
      rc = SOP_GENERIC;
    }
  free (buf);
  return rc;
}

/* One decryption of INFD with password candidate PW (-1: none) and
 * signature mode SIGMODE; the step's other parameters are in BASE.
 * A failed run is not reported here: the caller may try again.  */
static int
decrypt_once (struct sop_session *s, const struct sop_step *base, int pw,
              const char *sigmode, int infd, int *r_outfd,
              pgpstep_result_t *r_result)
{
  struct sop_step st = *base;
  pgpstep_pipeline_t pl = NULL;
  char ref[32];
  unsigned int i, nborrowed;
  int rc;

  *r_outfd = -1;
  *r_result = NULL;
  /* ST borrows BASE's values; only the added ones are freed.  With
   * signatures=ignore the step takes no signature policy.  */
  st.n = 0;
  for (i = 0; i < base->n; i++)
    if (strcmp (sigmode, "ignore")
        || (strcmp (base->names[i], "allowed-signer")
            && strcmp (base->names[i], "not-before")
            && strcmp (base->names[i], "not-after")))
      {
        st.names[st.n] = base->names[i];
        st.values[st.n++] = base->values[i];
      }
  nborrowed = st.n;
  if (lseek (infd, 0, SEEK_SET) == (off_t)-1 && infd != STDIN_FILENO)
    {
      sop_error ("cannot rewind the input");
      return SOP_GENERIC;
    }
  snprintf (ref, sizeof ref, "secret:pw%d", pw);
  rc = pw >= 0 ? sop_step_add (&st, "password", ref) : 0;
  if (!rc)
    rc = sop_step_add (&st, "signatures", sigmode);
  if (!rc)
    rc = sop_session_load (s, &st, &pl);
  if (!rc)
    rc = sop_session_run (s, pl, infd, 1, r_outfd, r_result);
  for (i = nborrowed; i < st.n; i++)
    free (st.values[i]);
  if (pl)
    pgpstep_pipeline_release (pl);
  return rc;
}

int
sop_cmd_decrypt (int argc, char **argv)
{
  static const struct sop_optdef defs[] =
    {
      { "session-key-out", 1, 0, 0 },
      { "with-session-key", 1, 0, 1 },
      { "with-password", 1, 1, 1 },
      { "with-key-password", 1, 1, 1 },
      { "verifications-out", 1, 1, 0 },
      { "verify-out", 1, 1, 0 },
      { "verify-with", 1, 1, 1 },
      { "verify-not-before", 1, 1, 0 },
      { "verify-not-after", 1, 1, 0 },
    };
  struct sop_args a;
  struct sop_session s;
  struct sop_step st;
  pgpstep_result_t result = NULL, first = NULL;
  const char *vout;
  unsigned int count;
  int rc, infd = -1, outfd = -1, pw, verifying, last;

  memset (&s, 0, sizeof s);
  sop_step_init (&st, "decrypt");
  rc = sop_args_parse (&a, defs, sizeof defs / sizeof *defs, argc, argv);
  if (rc)
    goto leave;
  vout = sop_value (&a, "verifications-out");
  if (!vout)
    vout = sop_value (&a, "verify-out");
  verifying = !!*sop_values (&a, "verify-with");
  if (!a.npos && !*sop_values (&a, "with-password"))
    {
      sop_error ("no KEYS and no --with-password: nothing to decrypt with");
      rc = SOP_MISSING_ARG;
      goto leave;
    }
  if (vout && !verifying)
    {
      sop_error ("--verifications-out needs --verify-with");
      rc = SOP_INCOMPLETE_VERIFICATION;
      goto leave;
    }
  if (vout && (rc = sop_check_output (vout)))
    goto leave;

  rc = sop_session_open (&s);
  if (!rc)
    rc = sop_session_add_files (&s, a.pos, 1);
  if (!rc)
    rc = sop_session_add_files (&s, sop_values (&a, "verify-with"), 0);
  if (!rc)
    rc = sop_session_key_passwords (&s, sop_values (&a, "with-key-password"));
  if (!rc)
    rc = sop_session_passwords (&s, sop_values (&a, "with-password"), 0);
  if (rc)
    goto leave;

  st.all_keyrings = 1;
  /* Only the certificates of --verify-with count as signers, not the
   * decryption keys of the same pipeline.  */
  if (verifying)
    rc = sop_add_keys (&s, &st, 0, "allowed-signer", 0);
  if (!rc)
    rc = sop_add_window (&st, sop_value (&a, "verify-not-before"),
                         sop_value (&a, "verify-not-after"));
  if (!rc)
    rc = sop_session_rewindable (&s, STDIN_FILENO, &infd);
  if (rc)
    goto leave;

  for (pw = s.npw ? 0 : -1; ; pw++)
    {
      last = pw + 1 >= (int)s.npw;
      rc = decrypt_once (&s, &st, pw, verifying ? "optional" : "ignore",
                         infd, &outfd, &result);
      if (rc == SOP_NO_SIGNATURE && verifying)
        {
          /* Decrypt anyway; report only what the first run found.  */
          first = result;
          result = NULL;
          rc = decrypt_once (&s, &st, pw, "ignore", infd, &outfd, &result);
        }
      if (rc != SOP_CANNOT_DECRYPT || last)
        break;
      if (result)
        pgpstep_result_release (result);
      result = NULL;
      if (first)
        pgpstep_result_release (first);
      first = NULL;
    }
  if (rc && result && pgpstep_result_message (result))
    sop_error ("%s", pgpstep_result_message (result));
  if (!rc)
    rc = sop_copy_fd (outfd, STDOUT_FILENO);
  if (!rc && vout)
    rc = sop_write_verifications (first ? first : result, vout, &count);

 leave:
  if (outfd != -1)
    close (outfd);
  if (infd != -1 && infd != STDIN_FILENO)
    close (infd);
  if (result)
    pgpstep_result_release (result);
  if (first)
    pgpstep_result_release (first);
  sop_step_release (&st);
  sop_session_close (&s);
  sop_args_release (&a);
  return rc;
}
