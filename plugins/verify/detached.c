/* detached.c - verify data against a detached signature.
 *
 * The data is the input; the signature comes from parameter
 * "signature".  Binary-document signatures go through gpg's one-pass
 * path (sigwrap.h: several times faster than gpg's detached path);
 * a signature set with text signatures (class 0x01) is checked the
 * detached way, "gpg --verify -&5 -" with the signature on fd 5.
 * Either way every data byte goes to the spool on its way to gpg
 * (feed.h), released only when the policy held.
 *
 * Fast path (direct_run): a binary signature set over a source that is
 * a regular file.  Its length is known, so the one-pass message has
 * one literal packet of fixed length: a thread writes the OPS packets
 * and that header into gpg's pipe, splices the file's range after them
 * and writes the signatures, while another thread copies the same
 * range to the spool inside the kernel (fdcopy.h): no data byte passes
 * through user space here.  (gpg's own detached path, "--verify -&5 -"
 * on the file, measured ~2x its CPU on this path: not used.)  The file
 * must not change meanwhile (its size and times are compared before
 * and after), else the spool might hold bytes gpg did not see.
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdcopy.h"
#include "gpgop.h"
#include "gpgrun.h"
#include "stepio.h"
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

/* Run gpg over INPUT; SIGFD >= 0: the signature on fd 5 (detached
 * way), else INPUT wraps it.  */
static gpg_error_t
run_gpg (const struct verify *v, pgpstep_message_t msg,
         const struct gpgop_io *input, int sigfd, struct gpgop_result *r_res)
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
  spec.input = *input;
  spec.output.fd = -1;          /* gpg --verify writes no data.  */
  if (sigfd >= 0)
    {
      spec.extra_fds = &sigfd;
      spec.n_extra_fds = 1;
    }
  spec.cancel_fd = host->cancel_fd (msg);
  return gpgop_run (&spec, r_res);
}


static int
direct_possible (const struct pgpstep_source *source,
                 const struct pgpstep_sink *spool, struct stat *r_st,
                 off_t *r_off)
{
  if (source->fd < 0 || !spool || spool->fd < 0
      || fstat (source->fd, r_st) || !S_ISREG (r_st->st_mode))
    return 0;
  *r_off = lseek (source->fd, 0, SEEK_CUR);
  return *r_off >= 0 && *r_off <= r_st->st_size
    && (uint64_t) (r_st->st_size - *r_off)
       <= 0xffffffffULL - SIGWRAP_LITERAL_HDR;
}

static int
same_file_state (const struct stat *a, const struct stat *b)
{
  return a->st_size == b->st_size
    && a->st_mtim.tv_sec == b->st_mtim.tv_sec
    && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec
    && a->st_ctim.tv_sec == b->st_ctim.tv_sec
    && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* The fast path: gpg gets the one-pass message around SOURCE's file
 * from offset OFF (state ST) — the OPS packets and a literal packet
 * header as gpgop's prefix, the file's range (spliced, no copy through
 * user space), the signature packets SIG as its suffix — while another
 * thread copies that range to SPOOL.  Fills RUN (and *R_RES) as the
 * feed path does; on success SOURCE's position is its end.  */
static gpg_error_t
direct_run (const struct verify *v, pgpstep_message_t msg,
            struct pgpstep_source *source, struct pgpstep_sink *spool,
            const struct stat *st, off_t off,
            const unsigned char *ops, size_t opslen,
            const unsigned char *sig, size_t siglen,
            struct outcome_run *run, struct gpgop_result *r_res)
{
  gpg_error_t err = 0;
  struct fdcopy_job copy;
  struct gpgop_io input;
  unsigned char head[SIGWRAP_MAX_SIGS * SIGWRAP_OPS_LEN
                     + SIGWRAP_HDR_MAX + SIGWRAP_LITERAL_HDR];
  struct stat after;
  int stop[2] = { -1, -1 };
  gpg_error_t in_err;
  size_t h;

  memset (&copy, 0, sizeof copy);
  memset (&input, 0, sizeof input);
  input.range_len = copy.len = (uint64_t) (st->st_size - off);
  if (opslen > SIGWRAP_MAX_SIGS * SIGWRAP_OPS_LEN)
    return gpg_error (GPG_ERR_INTERNAL);
  memcpy (head, ops, opslen);
  h = opslen + sigwrap_chunk_header (head + opslen, 1, 1,
                                     input.range_len + SIGWRAP_LITERAL_HDR);
  sigwrap_literal_header (head + h);
  input.fd = copy.in_fd = source->fd;
  input.prefix = head;
  input.prefix_len = h + SIGWRAP_LITERAL_HDR;
  input.use_range = 1;
  input.range_off = copy.in_off = off;
  input.suffix = sig;
  input.suffix_len = siglen;
  copy.out_fd = spool->fd;

  if (pipe2 (stop, O_CLOEXEC))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  copy.cancel_fd = stop[0];
  if ((err = fdcopy_start (&copy)))
    goto leave;

  run->rc = run_gpg (v, msg, &input, -1, r_res);

 leave:
  /* A run that failed needs no spool copy (gpg's exit status does not
   * tell: exit 2 for an unknown key still gives a verdict over the
   * data).  */
  if (err || run->rc)
    {
      close (stop[1]);
      stop[1] = -1;
    }
  fdcopy_join (&copy);
  if (stop[0] >= 0)
    close (stop[0]);
  if (stop[1] >= 0)
    close (stop[1]);
  if (err)
    return err;

  /* The spool must hold what gpg read: the file did not change.  gpgop
   * reports a file that ended early as a TRUNCATED input; EPIPE is gpg
   * stopping early, which gpg explains.  */
  in_err = r_res->input_err;
  if (fstat (source->fd, &after))
    run->source_err = gpg_error_from_syserror ();
  else if (!same_file_state (st, &after)
           || gpg_err_code (copy.err) == GPG_ERR_TRUNCATED
           || gpg_err_code (in_err) == GPG_ERR_TRUNCATED)
    {
      run->source_changed = 1;
      run->source_err = gpg_error (GPG_ERR_EIO);
    }
  else if (copy.err && gpg_err_code (copy.err) != GPG_ERR_CANCELED)
    run->spool_err = copy.err;
  run->input_complete = (!run->rc && r_res->input_eof && !copy.err
                         && copy.copied == copy.len && !run->source_err);
  /* The input was consumed (the host may check its position).  */
  if (run->input_complete
      && lseek (source->fd, st->st_size, SEEK_SET) != st->st_size)
    run->input_complete = 0;
  return 0;
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
  struct stat st;
  off_t off = 0;
  int direct = 0;
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
  if (feed.wrap && !(err = host->open_spool (msg, &out))
      && direct_possible (source, out, &st, &off))
    {
      direct = 1;
      err = sigwrap_ops (&sw, ops, sizeof ops, &opslen);
    }
  else if (err)
    ;
  else if (feed.wrap)
    {
      err = sigwrap_ops (&sw, ops, sizeof ops, &opslen);
      feed.head = ops;
      feed.headlen = opslen;
      feed.trailer = sig;       /* Signature packets only (checked).  */
      feed.trailerlen = siglen;
    }
  else
    err = signature_fd (sig, siglen, &sigfd);
  if (!err && !out)
    err = host->open_spool (msg, &out);
  if (!err && !direct)
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

  if (direct)
    {
      host->log (msg, PGPSTEP_LOG_DEBUG, "detached: the input file is"
                 " spliced to gpg from offset %lld", (long long) off);
      err = direct_run (v, msg, source, out, &st, off, ops, opslen,
                        sig, siglen, &run, &res);
      if (err)
        {
          err = say (&text, gpg_err_code (err), "cannot prepare the"
                     " verification: %s", gpg_strerror (err));
          goto leave;
        }
    }
  else
    {
      struct gpgop_io input;

      memset (&input, 0, sizeof input);
      input.fd = -1;
      input.read = feed_read;
      input.handle = &feed;
      run.rc = run_gpg (v, msg, &input, sigfd, &res);
      run.source_err = feed.source_err;
      run.spool_err = feed.spool_err;
      run.input_complete = !run.rc && res.input_eof && feed.done;
    }
  run.res = &res;
  run.detached = 1;
  run.nsigs = sw.nsigs;
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
