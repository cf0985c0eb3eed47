/* keygen.c - "generate-key" and "extract-cert" through GPGME in a
 * throwaway home of the work directory, whose agent is stopped before
 * the home is removed.  */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <gpgme.h>

#include "sop.h"
#include "agent.h"
#include "gnupg.h"

struct pass
{
  const char *value;            /* NULL: refuse every prompt.  */
  size_t len;
};

/* Answer a loopback passphrase prompt with the password, if any.  */
static gpgme_error_t
pass_cb (void *hook, const char *uid_hint, const char *info,
         int prev_was_bad, int fd)
{
  const struct pass *p = hook;

  (void) uid_hint;
  (void) info;
  if (!p->value || prev_was_bad)
    return gpg_error (GPG_ERR_NO_PASSPHRASE);
  if (gpgme_io_writen (fd, p->value, p->len) || gpgme_io_writen (fd, "\n", 1))
    return gpg_error (GPG_ERR_EIO);
  return 0;
}

/* A throwaway home in W and a context on it.  */
static int
open_home (struct sop_work *w, char **r_home, gpgme_ctx_t *r_ctx,
           struct pass *pass)
{
  gpg_error_t err;

  *r_ctx = NULL;
  if (asprintf (r_home, "%s/" SOP_KEYGEN_HOME, w->dir) < 0)
    {
      *r_home = NULL;
      sop_error ("out of core");
      return SOP_GENERIC;
    }
  if (mkdir (*r_home, 0700))
    {
      sop_error ("cannot create %s", *r_home);
      return SOP_GENERIC;
    }
  err = gnupg_new_ctx (*r_home, r_ctx);
  if (err)
    {
      sop_error ("GPGME: %s", gpg_strerror (err));
      return SOP_GENERIC;
    }
  gpgme_set_passphrase_cb (*r_ctx, pass_cb, pass);
  return 0;
}

static void
close_home (char *home, gpgme_ctx_t ctx)
{
  if (ctx)
    gpgme_release (ctx);
  /* The agent (if one was started) goes before its home.  */
  if (home)
    agent_stop (home, 0);
  free (home);
}

/* Write the data object D to stdout.  */
static int
write_data (gpgme_data_t d)
{
  char *buf;
  size_t len;
  int rc = 0;

  buf = gpgme_data_release_and_get_mem (d, &len);
  if (!len)
    {
      sop_error ("nothing exported");
      rc = SOP_GENERIC;
    }
  else if (fwrite (buf, len, 1, stdout) != 1 || fflush (stdout))
    {
      sop_error ("write error");
      rc = SOP_GENERIC;
    }
  gpgme_free (buf);
  return rc;
}

int
sop_cmd_generate_key (int argc, char **argv)
{
  static const struct sop_optdef defs[] =
    {
      { "no-armor", 0, 1, 0 },
      { "with-key-password", 1, 1, 0 },
      { "profile", 1, 1, 0 },
    };
  gpg_error_t err;
  struct sop_args a;
  struct sop_work w;
  struct pass pass = { NULL, 0 };
  gpgme_ctx_t ctx = NULL;
  gpgme_key_t key = NULL;
  gpgme_data_t out = NULL;
  gpgme_genkey_result_t gres;
  const char *profile, *algo, *pwarg;
  char *home = NULL, *pw = NULL;
  size_t pwlen = 0;
  unsigned int i;
  int rc;

  memset (&w, 0, sizeof w);
  rc = sop_args_parse (&a, defs, 3, argc, argv);
  if (rc)
    goto leave;
  profile = sop_value (&a, "profile");
  if (!profile || !strcmp (profile, "default"))
    algo = "future-default";    /* Ed25519 with a Curve25519 subkey.  */
  else if (!strcmp (profile, "rfc4880"))
    algo = "default";           /* gpg 2.2: RSA 3072 with a subkey.  */
  else
    {
      sop_error ("unknown profile '%s' (see list-profiles generate-key)",
                 profile);
      rc = SOP_UNSUPPORTED_PROFILE;
      goto leave;
    }
  if (!a.npos)
    {
      sop_error ("a USERID is needed: GnuPG 2.2 cannot make a key"
                 " without one");
      rc = SOP_MISSING_ARG;
      goto leave;
    }
  pwarg = sop_value (&a, "with-key-password");
  if (pwarg)
    {
      rc = sop_read_indirect (pwarg, &pw, &pwlen);
      if (rc)
        goto leave;
      while (pwlen && strchr (" \t\r\n", pw[pwlen - 1]))
        pwlen--;
      if (!pwlen || strlen (pw) < pwlen)
        {
          sop_error ("the password is not human-readable");
          rc = SOP_PASSWORD_NOT_HUMAN_READABLE;
          goto leave;
        }
      pass.value = pw;
      pass.len = pwlen;
    }

  rc = sop_work_open (&w);
  if (!rc)
    rc = open_home (&w, &home, &ctx, &pass);
  if (rc)
    goto leave;
  err = gpgme_op_createkey (ctx, a.pos[0], algo, 0, 0, NULL,
                            GPGME_CREATE_NOEXPIRE | GPGME_CREATE_FORCE
                            | (pass.value ? 0 : GPGME_CREATE_NOPASSWD));
  if (!err && !(gres = gpgme_op_genkey_result (ctx))->fpr)
    err = gpg_error (GPG_ERR_GENERAL);
  if (!err)
    err = gpgme_get_key (ctx, gres->fpr, &key, 1);
  for (i = 1; !err && i < a.npos; i++)
    err = gpgme_op_adduid (ctx, key, a.pos[i], 0);
  if (err)
    {
      sop_error ("key generation failed: %s", gpg_strerror (err));
      rc = SOP_GENERIC;
      goto leave;
    }
  gpgme_set_armor (ctx, !sop_flag (&a, "no-armor"));
  err = gpgme_data_new (&out);
  if (!err)
    err = gpgme_op_export (ctx, key->fpr, GPGME_EXPORT_MODE_SECRET, out);
  if (err)
    {
      sop_error ("exporting the new key failed: %s", gpg_strerror (err));
      rc = SOP_GENERIC;
      goto leave;
    }
  rc = write_data (out);
  out = NULL;

 leave:
  gpgme_data_release (out);
  gpgme_key_unref (key);
  close_home (home, ctx);
  sop_work_close (&w);
  if (pw)
    explicit_bzero (pw, pwlen);
  free (pw);
  sop_args_release (&a);
  return rc;
}

int
sop_cmd_extract_cert (int argc, char **argv)
{
  static const struct sop_optdef defs[] = { { "no-armor", 0, 1, 0 } };
  gpg_error_t err;
  struct sop_args a;
  struct sop_work w;
  struct pass pass = { NULL, 0 };
  gpgme_ctx_t ctx = NULL;
  gpgme_data_t in = NULL, out = NULL;
  gpgme_import_result_t ires;
  char *home = NULL, *buf = NULL;
  size_t len = 0;
  int rc;

  memset (&w, 0, sizeof w);
  rc = sop_args_parse (&a, defs, 1, argc, argv);
  if (!rc && a.npos)
    {
      sop_error ("unexpected argument '%s'", a.pos[0]);
      rc = SOP_GENERIC;
    }
  if (!rc)
    rc = sop_read_fd (STDIN_FILENO, "standard input", &buf, &len);
  if (!rc)
    rc = sop_work_open (&w);
  if (!rc)
    rc = open_home (&w, &home, &ctx, &pass);
  if (rc)
    goto leave;
  err = gpgme_data_new_from_mem (&in, buf, len, 0);
  if (!err)
    err = gpgme_op_import (ctx, in);
  ires = err ? NULL : gpgme_op_import_result (ctx);
  if (!err && (!ires || !ires->secret_read))
    {
      sop_error ("the input holds no secret key");
      rc = SOP_BAD_DATA;
      goto leave;
    }
  if (err)
    {
      sop_error ("reading the key: %s", gpg_strerror (err));
      rc = SOP_BAD_DATA;
      goto leave;
    }
  gpgme_set_armor (ctx, !sop_flag (&a, "no-armor"));
  err = gpgme_data_new (&out);
  if (!err)
    err = gpgme_op_export (ctx, NULL, 0, out);
  if (err)
    {
      sop_error ("exporting the certificate: %s", gpg_strerror (err));
      rc = SOP_GENERIC;
      goto leave;
    }
  rc = write_data (out);
  out = NULL;

 leave:
  gpgme_data_release (in);
  gpgme_data_release (out);
  close_home (home, ctx);
  sop_work_close (&w);
  if (buf)
    explicit_bzero (buf, len);
  free (buf);
  sop_args_release (&a);
  return rc;
}
