/* plugsig.c - signed plugins: a module loads only if a detached
 * OpenPGP signature NAME.so.sig by a key of the trusted keyring holds
 * over the very bytes that get loaded.
 *
 * The module is copied into a sealed memory file (memfd: no write, no
 * resize, seals sealed) and the signature is checked over that copy;
 * the loader then dlopens the copy through /proc/self/fd.  So no code
 * of the module runs before the check (constructors run at dlopen),
 * and the file on disk may change afterwards without effect.  The
 * keyring's certificates live in a throwaway runtime home for the
 * duration of one pgpstep_load_plugins call; verifying needs no agent.
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "gnupg.h"
#include "homedir.h"
#include "plugsig.h"

/* Largest module and signature we copy.  */
#define MODULE_MAX (256u * 1024 * 1024)
#define SIG_MAX (64u * 1024)

struct plugsig
{
  char *home;
  char *keyring;                /* The file named by the option.  */
  gpgme_ctx_t gctx;
};

static gpg_error_t
fail (char **r_reason, gpg_err_code_t code, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

static gpg_error_t
fail (char **r_reason, gpg_err_code_t code, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (r_reason, fmt, ap) < 0)
    *r_reason = NULL;
  va_end (ap);
  return gpg_error (code);
}

void
plugsig_close (struct plugsig *ps)
{
  if (!ps)
    return;
  gpgme_release (ps->gctx);
  if (ps->home)
    homedir_remove (ps->home);
  free (ps->home);
  free (ps->keyring);
  free (ps);
}

gpg_error_t
plugsig_open (struct pgpstep_ctx *ctx, const char *keyring,
              struct plugsig **r_ps, char **r_reason)
{
  gpg_error_t err;
  struct plugsig *ps;
  gpgme_data_t data = NULL;
  gpgme_import_result_t res;

  *r_ps = NULL;
  *r_reason = NULL;
  ps = calloc (1, sizeof *ps);
  if (!ps || !(ps->keyring = strdup (keyring)))
    {
      free (ps);
      return gpg_error_from_syserror ();
    }
  err = gnupg_init ();
  if (!err)
    err = homedir_create (ctx->runtime_dir, &ps->home);
  if (!err)
    err = gnupg_new_ctx (ps->home, &ps->gctx);
  if (err)
    {
      err = fail (r_reason, GPG_ERR_CONFIGURATION, "plugin keyring %s:"
                  " cannot make a home to check signatures in: %s",
                  keyring, gpg_strerror (err));
      goto leave;
    }
  err = gpgme_data_new_from_file (&data, keyring, 1);
  if (err)
    {
      err = fail (r_reason, GPG_ERR_CONFIGURATION, "plugin keyring %s: %s",
                  keyring, gpg_strerror (err));
      goto leave;
    }
  err = gpgme_op_import (ps->gctx, data);
  res = err ? NULL : gpgme_op_import_result (ps->gctx);
  if (!res || !res->considered || (!res->imported && !res->unchanged))
    {
      err = fail (r_reason, GPG_ERR_CONFIGURATION, "plugin keyring %s:"
                  " no OpenPGP certificate found", keyring);
      goto leave;
    }
  err = 0;

 leave:
  gpgme_data_release (data);
  if (err)
    plugsig_close (ps);
  else
    *r_ps = ps;
  return err;
}

/* Copy FD (at most MAX bytes) into a new sealed memfd.  */
static gpg_error_t
sealed_copy (int fd, size_t max, int *r_memfd)
{
  gpg_error_t err = 0;
  char buf[65536];
  size_t total = 0;
  ssize_t n, w, off;
  int mfd;

  *r_memfd = -1;
  mfd = memfd_create ("pgpstep-plugin", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return gpg_error_from_syserror ();
  while (!err && (n = read (fd, buf, sizeof buf)) != 0)
    {
      if (n < 0)
        {
          if (errno != EINTR)
            err = gpg_error_from_syserror ();
          continue;
        }
      if ((total += n) > max)
        err = gpg_error (GPG_ERR_TOO_LARGE);
      for (off = 0; !err && off < n; off += w)
        if ((w = write (mfd, buf + off, n - off)) < 0)
          err = gpg_error_from_syserror ();
    }
  if (!err && fcntl (mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW
                     | F_SEAL_WRITE | F_SEAL_SEAL))
    err = gpg_error_from_syserror ();
  if (!err && lseek (mfd, 0, SEEK_SET))
    err = gpg_error_from_syserror ();
  if (err)
    close (mfd);
  else
    *r_memfd = mfd;
  return err;
}

/* Why signature SIG does not count, or NULL when it is good.  */
static const char *
sig_problem (gpgme_signature_t sig)
{
  switch (gpg_err_code (sig->status))
    {
    case GPG_ERR_NO_ERROR:
      return (sig->summary & GPGME_SIGSUM_RED) ? "bad" : NULL;
    case GPG_ERR_BAD_SIGNATURE: return "bad: the module or the signature"
                                  " was changed";
    case GPG_ERR_NO_PUBKEY: return "by a key not in the plugin keyring";
    case GPG_ERR_KEY_EXPIRED: return "by an expired key";
    case GPG_ERR_CERT_REVOKED: return "by a revoked key";
    case GPG_ERR_SIG_EXPIRED: return "expired";
    default: return gpg_strerror (sig->status);
    }
}

gpg_error_t
plugsig_check (struct plugsig *ps, const char *file, int *r_fd,
               char **r_reason)
{
  gpg_error_t err;
  gpgme_data_t sigdata = NULL, moddata = NULL;
  gpgme_verify_result_t res;
  gpgme_signature_t sig;
  const char *problem = NULL;
  char *sigfile = NULL;
  int fd = -1, sigfd = -1, mfd = -1, sigmfd = -1, good = 0;

  *r_fd = -1;
  *r_reason = NULL;
  if (asprintf (&sigfile, "%s.sig", file) < 0)
    return gpg_error_from_syserror ();
  fd = open (file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      err = fail (r_reason, GPG_ERR_CONFIGURATION, "%s: %s", file,
                  strerror (errno));
      goto leave;
    }
  sigfd = open (sigfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (sigfd < 0)
    {
      err = fail (r_reason, GPG_ERR_CONFIGURATION, "%s: not signed (%s:"
                  " %s); --require-signed-plugins loads signed modules"
                  " only", file, sigfile, strerror (errno));
      goto leave;
    }
  err = sealed_copy (fd, MODULE_MAX, &mfd);
  if (!err)
    err = sealed_copy (sigfd, SIG_MAX, &sigmfd);
  if (err)
    {
      err = fail (r_reason, GPG_ERR_CONFIGURATION, "%s: cannot copy it for"
                  " the signature check: %s", file, gpg_strerror (err));
      goto leave;
    }
  err = gpgme_data_new_from_fd (&moddata, mfd);
  if (!err)
    err = gpgme_data_new_from_fd (&sigdata, sigmfd);
  if (!err)
    err = gpgme_op_verify (ps->gctx, sigdata, moddata, NULL);
  res = err ? NULL : gpgme_op_verify_result (ps->gctx);
  for (sig = res ? res->signatures : NULL; sig; sig = sig->next)
    {
      const char *p = sig_problem (sig);

      if (!p)
        good++;
      else if (!problem)
        problem = p;
    }
  /* Every signature must hold: one bad one means the bytes are not
   * what was signed.  */
  if (err || !good || problem)
    {
      err = fail (r_reason, GPG_ERR_BAD_SIGNATURE, "%s: signature %s not"
                  " accepted: %s (plugin keyring %s)", file, sigfile,
                  err ? gpg_strerror (err)
                  : problem ? problem : "no signature found", ps->keyring);
      goto leave;
    }
  if (lseek (mfd, 0, SEEK_SET))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  *r_fd = mfd;
  mfd = -1;

 leave:
  gpgme_data_release (moddata);
  gpgme_data_release (sigdata);
  if (mfd >= 0)
    close (mfd);
  if (sigmfd >= 0)
    close (sigmfd);
  if (fd >= 0)
    close (fd);
  if (sigfd >= 0)
    close (sigfd);
  free (sigfile);
  return err;
}
