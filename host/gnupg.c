/* gnupg.c - GPGME for the host: initialisation and contexts.  */
#include <config.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "gnupg.h"

/* The oldest GPGME we are written against.  */
#define GPGME_MIN_VERSION "1.18.0"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static gpg_error_t init_err;
static char *gpgconf_path;

static void
do_init (void)
{
  gpgme_engine_info_t info;

  if (!gpgme_check_version (GPGME_MIN_VERSION))
    {
      init_err = gpg_error (GPG_ERR_NOT_SUPPORTED);
      return;
    }
  init_err = gpgme_engine_check_version (GPGME_PROTOCOL_OpenPGP);
  if (init_err)
    return;
  if (!gpgme_get_engine_info (&info))
    for (; info; info = info->next)
      if (info->protocol == GPGME_PROTOCOL_GPGCONF && info->file_name)
        gpgconf_path = strdup (info->file_name);
  if (!gpgconf_path)
    init_err = gpg_error (GPG_ERR_NOT_SUPPORTED);
}

gpg_error_t
gnupg_init (void)
{
  pthread_once (&init_once, do_init);
  return init_err;
}

/* Answer every passphrase prompt with "no": keys in runtime homes are
 * unprotected, and a prompt means something is wrong.  */
static gpgme_error_t
refuse_passphrase (void *hook, const char *uid_hint,
                   const char *passphrase_info, int prev_was_bad, int fd)
{
  (void) hook;
  (void) uid_hint;
  (void) passphrase_info;
  (void) prev_was_bad;
  (void) fd;
  return gpg_error (GPG_ERR_NO_PASSPHRASE);
}

gpg_error_t
gnupg_new_ctx (const char *home, gpgme_ctx_t *r_ctx)
{
  gpg_error_t err;
  gpgme_ctx_t ctx = NULL;

  *r_ctx = NULL;
  if ((err = gnupg_init ()))
    return err;
  err = gpgme_new (&ctx);
  if (!err)
    err = gpgme_set_protocol (ctx, GPGME_PROTOCOL_OpenPGP);
  if (!err)
    err = gpgme_ctx_set_engine_info (ctx, GPGME_PROTOCOL_OpenPGP, NULL,
                                     home);
  if (!err)
    err = gpgme_set_pinentry_mode (ctx, GPGME_PINENTRY_MODE_LOOPBACK);
  if (!err)
    {
      gpgme_set_passphrase_cb (ctx, refuse_passphrase, NULL);
      gpgme_set_offline (ctx, 1);
      *r_ctx = ctx;
      ctx = NULL;
    }
  gpgme_release (ctx);
  return err;
}

gpg_error_t
gnupg_gpgconf (const char *home, const char *arg1, const char *arg2,
               char **r_output)
{
  gpg_error_t err;
  gpgme_ctx_t ctx = NULL;
  gpgme_data_t out = NULL;
  const char *argv[6];
  char *buf = NULL;
  size_t len = 0;
  int argc = 0;

  if (r_output)
    *r_output = NULL;
  if ((err = gnupg_init ()))
    return err;
  argv[argc++] = "gpgconf";
  argv[argc++] = "--homedir";
  argv[argc++] = home;
  argv[argc++] = arg1;
  if (arg2)
    argv[argc++] = arg2;
  argv[argc] = NULL;

  err = gpgme_new (&ctx);
  if (!err)
    err = gpgme_set_protocol (ctx, GPGME_PROTOCOL_SPAWN);
  if (!err)
    err = gpgme_data_new (&out);
  if (!err)
    err = gpgme_op_spawn (ctx, gpgconf_path, argv, NULL, out, NULL, 0);
  if (err)
    goto leave;
  buf = gpgme_data_release_and_get_mem (out, &len);
  out = NULL;
  if (r_output)
    {
      while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
      *r_output = malloc (len + 1);
      if (!*r_output)
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
      memcpy (*r_output, buf ? buf : "", len);
      (*r_output)[len] = 0;
    }

 leave:
  gpgme_free (buf);
  gpgme_data_release (out);
  gpgme_release (ctx);
  return err;
}
