/* detached.c - verify data against a detached signature.
 *
 * The data is the input; the signature comes from parameter
 * "signature".  Binary-document signatures go through gpg's one-pass
 * path (sigwrap.h: several times faster than gpg's detached path);
 * a signature set with text signatures (class 0x01) is checked the
 * detached way, "gpg --verify -&5 -" with the signature on fd 5.
 * Either way every data byte goes to the spool on its way to gpg
 * (feed.h), released only when the policy held.
 */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gpgop.h"
#include "gpgrun.h"
#include "sigwrap.h"
#include "verify.h"
#include "sigparam.h"
#include "feed.h"
#include "outcome.h"

/* The binary signature of the message: decoded from a header into
 * *R_DECODED, or the one read at create.  */
static gpg_error_t
get_signature (const struct verify *v, pgpstep_message_t msg,
               unsigned char **r_decoded, const unsigned char **r_sig,
               size_t *r_len, char **r_text)
{
  const char *value;
  gpg_error_t err;

  *r_decoded = NULL;
  if (!v->sig_dynamic)
    {
      *r_sig = v->sig;
      *r_len = v->siglen;
      return 0;
    }
  value = v->host->param_value (msg, "signature", 0);
  if (!value)
    return say (r_text, GPG_ERR_MISSING_VALUE, "no signature for this"
                " message");
  /* A header names no file: a sender could make us read any.  */
  if (!strncmp (value, "file:", 5))
    return say (r_text, GPG_ERR_INV_VALUE, "signature: a value from a"
                " header must be the signature itself, not a file: path");
  err = sigparam_decode (value, strlen (value), 0, r_decoded, r_len, r_text);
  if (!err)
    *r_sig = *r_decoded;
  return err;
}

/* Check the signature packets; R_SW gets them.  */
static gpg_error_t
check_signature (const unsigned char *sig, size_t len, struct sigwrap *r_sw,
                 char **r_text)
{
  gpg_error_t err;
  unsigned int i;
  int cls;

  err = sigwrap_parse (sig, len, r_sw);
  switch (gpg_err_code (err))
    {
    case GPG_ERR_NO_ERROR:
      break;
    case GPG_ERR_UNSUPPORTED_ALGORITHM:
      return say (r_text, GPG_ERR_INV_PACKET, "the signature parameter holds"
                  " a v5/v6 signature (RFC 9580), which gpg 2.2 cannot"
                  " check");
    case GPG_ERR_TOO_LARGE:
      return say (r_text, GPG_ERR_TOO_LARGE, "the signature parameter holds"
                  " more than %d signatures", SIGWRAP_MAX_SIGS);
    default:
      return say (r_text, GPG_ERR_BAD_DATA, "the signature parameter is not"
                  " an OpenPGP detached signature (%s)", gpg_strerror (err));
    }
  for (i = 0; i < r_sw->nsigs; i++)
    {
      cls = r_sw->sigs[i].sig_class;
      if (cls != 0x00 && cls != 0x01)
        return say (r_text, GPG_ERR_BAD_DATA, "signature %u of the signature"
                    " parameter is no signature of data (class 0x%02x)",
                    i + 1, cls);
      /* Text signatures take gpg's detached path, which checks only
       * the first signature of a set that mixes classes.  */
      if (cls != r_sw->sigs[0].sig_class)
        return say (r_text, GPG_ERR_NOT_SUPPORTED, "the signature parameter"
                    " mixes text (class 0x01) and binary signatures, which"
                    " gpg cannot check together: sign the data in one mode");
    }
  return 0;
}

/* A descriptor holding SIG[0..LEN) for gpg's fd 5.  */
static gpg_error_t
signature_fd (const unsigned char *sig, size_t len, int *r_fd)
{
  gpg_error_t err;
  ssize_t n;
  size_t off;
  int fd;

  *r_fd = -1;
  fd = memfd_create ("pgpstep-signature", MFD_CLOEXEC);
  if (fd < 0)
    return gpg_error_from_syserror ();
  for (off = 0; off < len; off += (size_t) n)
    if ((n = write (fd, sig + off, len - off)) <= 0)
      {
        err = n < 0 ? gpg_error_from_syserror () : gpg_error (GPG_ERR_EIO);
        close (fd);
        return err;
      }
  if (lseek (fd, 0, SEEK_SET))
    {
      err = gpg_error_from_syserror ();
      close (fd);
      return err;
    }
  *r_fd = fd;
  return 0;
}

/* Run gpg over the data fed by FEED; SIGFD >= 0: the signature on fd 5
 * (detached way), else FEED wraps it.  */
static gpg_error_t
run_gpg (const struct verify *v, pgpstep_message_t msg, struct feed *feed,
         int sigfd, struct gpgop_result *r_res)
{
  const struct pgpstep_host *host = v->host;
  struct gpgop_spec spec;
  const char *wrapped[] = { "--trust-model", "always", "--verify", NULL };
  const char *detached[] = { "--trust-model", "always",
                             "--enable-special-filenames", "--verify",
                             "--", "-&5", "-", NULL };

  memset (&spec, 0, sizeof spec);
  if (host->gnupg_home (msg, &spec.homedir) || !spec.homedir)
    spec.homedir = v->homedir;
  spec.args = sigfd >= 0 ? detached : wrapped;
  spec.input.fd = -1;
  spec.input.read = feed_read;
  spec.input.handle = feed;
  spec.output.fd = -1;          /* gpg --verify writes no data.  */
  if (sigfd >= 0)
    {
      spec.extra_fds = &sigfd;
      spec.n_extra_fds = 1;
    }
  spec.cancel_fd = host->cancel_fd (msg);
  return gpgop_run (&spec, r_res);
}

gpg_error_t
detached_process (const struct verify *v, const struct policy *pol,
                  pgpstep_message_t msg, struct pgpstep_source *source)
{
  const struct pgpstep_host *host = v->host;
  gpg_error_t err;
  struct sigwrap sw;
  struct feed feed;
  struct outcome_run run;
  struct gpgop_result res;
  struct pgpstep_sink *out = NULL;
  unsigned char ops[SIGWRAP_MAX_SIGS * SIGWRAP_OPS_LEN];
  unsigned char *decoded = NULL;
  const unsigned char *sig = NULL;
  size_t siglen = 0, opslen = 0;
  int sigfd = -1;
  const char *key = "signature";
  char *text = NULL;           /* Set: report it with HOST->error.  */

  memset (&res, 0, sizeof res);
  memset (&run, 0, sizeof run);
  memset (&feed, 0, sizeof feed);
  err = get_signature (v, msg, &decoded, &sig, &siglen, &text);
  if (!err)
    err = check_signature (sig, siglen, &sw, &text);
  if (err)
    goto leave;
  key = NULL;

  feed.source = source;
  feed.wrap = sigwrap_binary_only (&sw);
  if (feed.wrap)
    {
      err = sigwrap_ops (&sw, ops, sizeof ops, &opslen);
      feed.head = ops;
      feed.headlen = opslen;
      feed.trailer = sig;       /* Signature packets only (checked).  */
      feed.trailerlen = siglen;
    }
  else
    err = signature_fd (sig, siglen, &sigfd);
  if (!err)
    err = host->open_spool (msg, &out);
  if (!err)
    {
      feed.spool = out;
      err = feed_init (&feed);
    }
  if (err)
    {
      err = say (&text, gpg_err_code (err), "cannot prepare the"
                 " verification: %s", gpg_strerror (err));
      goto leave;
    }

  run.rc = run_gpg (v, msg, &feed, sigfd, &res);
  run.res = &res;
  run.detached = 1;
  run.nsigs = sw.nsigs;
  run.source_err = feed.source_err;
  run.spool_err = feed.spool_err;
  run.input_complete = !run.rc && res.input_eof && feed.done;
  if (host->cancelled (msg) || gpg_err_code (run.rc) == GPG_ERR_CANCELED)
    {
      err = gpg_error (GPG_ERR_CANCELED);
      goto leave;
    }
  if (res.diag)
    host->log (msg, PGPSTEP_LOG_DEBUG, "gpg said: %s", res.diag);
  err = outcome_verdict (&run, pol, host, msg, &text, &key);

 leave:
  if (err && text && gpg_err_code (err) != GPG_ERR_CANCELED)
    host->error (msg, err, key, "%s", text);
  free (text);
  if (sigfd >= 0)
    close (sigfd);
  feed_release (&feed);
  gpgop_result_release (&res);
  free (decoded);
  return err;
}
