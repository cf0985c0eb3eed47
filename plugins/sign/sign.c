/* sign.c - the sign step: OpenPGP-sign each message with one or more
 * keys of the step's keyrings.  doc/sign.md is the user's page.
 *
 * Modes:
 *   inline     a one-pass signed message (gpg --sign, no compression
 *              unless asked), binary or armored by us.  With text=true
 *              the literal data holds CRLF line ends: gpg -d gives the
 *              payload back with LF, Sequoia with CRLF.
 *   cleartext  gpg --clearsign.  Only text is signed: a payload with a
 *              NUL byte or invalid UTF-8 fails the message (41); the
 *              check runs on the stream as gpg reads it.  What a
 *              verifier gets back (gpg --verify -o, gpg -d, sqop
 *              inline-verify) is the payload with trailing spaces and
 *              tabs removed from every line, its line ends kept as they
 *              were (CRLF stays CRLF, LF stays LF; the signature is over
 *              CRLF ends in any case), and a final line end added when
 *              the payload lacks one.  Lines starting with "-" are
 *              dash-escaped in the message only.
 *   detached   gpg --detach-sign, reading the source descriptor
 *              itself (on this gpg the fastest way to sign: no
 *              literal packet is written); its few hundred bytes of
 *              output are collected and checked to be one signature
 *              packet per signer.  output=payload: the payload passes
 *              unchanged - from a regular file to a regular file a
 *              thread copies it in the kernel while gpg reads the
 *              file, otherwise it is copied to the sink as gpg reads
 *              it - and the armored signature goes to the result
 *              header pgp.signature; output=signature: the body is
 *              the signature (binary, or armored with armor=true).
 * text=true signs in canonical text mode (signature class 0x01: line
 * ends count as CRLF) in inline and detached mode; cleartext always
 * does.
 *
 * Keys are resolved and checked when the pipeline loads (a key that
 * cannot sign - no signing-capable subkey, no secret key, expired,
 * revoked - is refused by name, exit 79); a signer taken from a
 * header is resolved per message among the step's keys.  Success
 * needs gpg's exit 0 and one SIG_CREATED per signer with the digest
 * asked for.
 */
#include <config.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pgpstep/pgpstep.h>

#include "../openpgp/keys.h"
#include "../openpgp/keyref.h"
#include "../openpgp/gpgop.h"
#include "../openpgp/armor.h"
#include "feed.h"
#include "textcheck.h"

/* Upper bound of gpg arguments: fixed ones plus two per signer.  */
#define MAX_FIXED_ARGS 16

static const char *const modes[] = { "inline", "cleartext", "detached",
                                     NULL };
static const char *const outputs[] = { "payload", "signature", NULL };
static const char *const compressions[] = { "none", "zip", "zlib", "bzip2",
                                            NULL };

#define P(name, type, flags, def, allowed, min, max, desc)              \
  { sizeof (struct pgpstep_param), name, type, flags, def, allowed,     \
    min, max, desc }

static const struct pgpstep_param params[] = {
  P ("keyring", PGPSTEP_TYPE_KEYRING, PGPSTEP_PARAM_REPEATABLE, NULL, NULL,
     0, 0, "A keyring whose secret keys the step may sign with."),
  P ("sign-with", PGPSTEP_TYPE_KEY,
     PGPSTEP_PARAM_REQUIRED | PGPSTEP_PARAM_REPEATABLE
     | PGPSTEP_PARAM_HEADER_OK, NULL, NULL, 0, 0,
     "A key to sign with (one signature each): fingerprint, <email> or"
     " exact user ID, from the step's keyrings."),
  P ("mode", PGPSTEP_TYPE_ENUM, 0, "inline", modes, 0, 0,
     "inline: a one-pass signed message; cleartext: a cleartext signature"
     " of text (trailing spaces and tabs of each line are not kept, a"
     " final line end is added; NUL bytes or invalid UTF-8 fail the"
     " message); detached: a detached signature (see output)."),
  P ("output", PGPSTEP_TYPE_ENUM, 0, NULL, outputs, 0, 0,
     "Detached mode only.  payload (default): the payload passes"
     " unchanged and the armored signature goes to the result header"
     " pgp.signature; signature: the body is the signature."),
  P ("digest", PGPSTEP_TYPE_ENUM, 0, "SHA256", keyref_digests, 0, 0,
     "Digest of the signatures; SHA1, RIPEMD160 and MD5 need"
     " allow-legacy."),
  P ("allow-legacy", PGPSTEP_TYPE_BOOL, 0, "false", NULL, 0, 0,
     "Allow legacy digests."),
  P ("armor", PGPSTEP_TYPE_BOOL, 0, "false", NULL, 0, 0,
     "Write ASCII armor instead of binary (inline, and detached with"
     " output signature; a cleartext signature is text anyway)."),
  P ("text", PGPSTEP_TYPE_BOOL, 0, "false", NULL, 0, 0,
     "Sign in canonical text mode (signature class 0x01: line ends count"
     " as CRLF) in inline and detached mode."),
  P ("compression", PGPSTEP_TYPE_ENUM, 0, "none", compressions, 0, 0,
     "Inline mode only: compression of the signed message."),
  { 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL }
};

#undef P

static const struct pgpstep_host *host;

enum mode { MODE_INLINE, MODE_CLEARTEXT, MODE_DETACHED };

struct state
{
  const char *homedir;         /* Borrowed from the host.  */
  keys_index_t index;
  const char *gpg_path;
  struct keyref_list signers;  /* Static ones; dynamic per message.  */
  enum mode mode;
  int output_signature;        /* Detached: the body is the signature.  */
  const char *digest;
  const char *gpg_compression;
  int armor;
  int text;
};


static int
is_true (const char *value)
{
  return value && !strcmp (value, "true");
}

static void
destroy (void *arg)
{
  struct state *st = arg;

  if (!st)
    return;
  keys_index_release (st->index);
  keyref_list_release (&st->signers);
  free (st);
}

/* The choices that need no keys.  */
static gpg_error_t
parse_choices (struct state *st, pgpstep_config_t cfg)
{
  gpg_error_t err;
  const char *mode = host->config_value (cfg, "mode", 0);
  const char *output = host->config_value (cfg, "output", 0);
  const char *compression = host->config_value (cfg, "compression", 0);

  if (!mode || !strcmp (mode, "inline"))
    st->mode = MODE_INLINE;
  else if (!strcmp (mode, "cleartext"))
    st->mode = MODE_CLEARTEXT;
  else if (!strcmp (mode, "detached"))
    st->mode = MODE_DETACHED;
  else
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      host->config_error (cfg, err, "mode", "unknown mode '%s'", mode);
      return err;
    }
  if (output && st->mode != MODE_DETACHED)
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      host->config_error (cfg, err, "output", "output applies to mode"
                          " detached only (the mode is %s)", mode);
      return err;
    }
  st->output_signature = output && !strcmp (output, "signature");

  if (!compression)
    compression = "none";
  if (!keyref_is_one_of (compression, compressions))
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      host->config_error (cfg, err, "compression", "unknown compression"
                          " '%s'", compression);
      return err;
    }
  if (strcmp (compression, "none") && st->mode != MODE_INLINE)
    {
      /* A detached signature has no data to compress.  */
      err = gpg_error (GPG_ERR_INV_VALUE);
      host->config_error (cfg, err, "compression", "compression applies to"
                          " mode inline only");
      return err;
    }
  st->gpg_compression = (!strcmp (compression, "none") ? "none"
                         : !strcmp (compression, "zip") ? "ZIP"
                         : !strcmp (compression, "zlib") ? "ZLIB" : "BZIP2");

  st->digest = host->config_value (cfg, "digest", 0);
  if (!st->digest)
    st->digest = "SHA256";
  err = keyref_check_digest (host, cfg, st->digest,
                             is_true (host->config_value (cfg,
                                                          "allow-legacy",
                                                          0)));
  if (err)
    return err;
  st->armor = is_true (host->config_value (cfg, "armor", 0));
  st->text = is_true (host->config_value (cfg, "text", 0));
  return 0;
}

static gpg_error_t
create (const struct pgpstep_host *h, pgpstep_config_t cfg, void **r_state)
{
  gpg_error_t err;
  struct state *st;

  (void) h;
  *r_state = NULL;
  st = calloc (1, sizeof *st);
  if (!st)
    return gpg_error_from_syserror ();

  err = parse_choices (st, cfg);
  if (err)
    goto leave;
  if (!host->config_count (cfg, "sign-with"))
    {
      err = gpg_error (GPG_ERR_CONFIGURATION);
      host->config_error (cfg, err, "sign-with", "sign needs a sign-with"
                          " key");
      goto leave;
    }

  err = keyref_open (host, cfg, &st->gpg_path, &st->homedir, &st->index);
  if (!err)
    err = keyref_resolve_signers (host, cfg, st->index, &st->signers);

 leave:
  if (err)
    destroy (st);
  else
    *r_state = st;
  return err;
}


/* One message.  */
struct job
{
  struct state *st;
  pgpstep_message_t msg;
  struct keyref_list signers;  /* Static and dynamic.  */
  const char **argv;
  unsigned int nargs;
  struct textcheck check;
  struct feed_in in;
  struct feed_out out;
  struct feed_copy copy;       /* Detached payload from a regular file.  */
  char asked[17];              /* Main key ID gpg wanted a passphrase for.  */
};

static gpg_error_t
passphrase_cb (void *opaque, const char *keyid, const char *main_keyid,
               const char **r_pass, size_t *r_len)
{
  struct job *job = opaque;

  /* Runtime homes hold unprotected secret keys (the host checked the
   * passphrase at load): a prompt means the key is still protected.  */
  (void) r_pass;
  (void) r_len;
  if (main_keyid || keyid)
    snprintf (job->asked, sizeof job->asked, "%s",
              main_keyid ? main_keyid : keyid);
  return gpg_error (GPG_ERR_NO_PASSPHRASE);
}

static gpg_error_t
build_args (struct job *job)
{
  struct state *st = job->st;

  job->argv = calloc (MAX_FIXED_ARGS + 2 * job->signers.n,
                      sizeof *job->argv);
  if (!job->argv)
    return gpg_error_from_syserror ();
#define ADD(a) (job->argv[job->nargs++] = (a))
  ADD ("--digest-algo");
  ADD (st->digest);
  if (st->mode == MODE_CLEARTEXT)
    ADD ("--clearsign");
  else if (st->mode == MODE_DETACHED)
    {
      if (st->text)
        ADD ("--textmode");
      ADD ("--detach-sign");
    }
  else
    {
      ADD ("--compress-algo");
      ADD (st->gpg_compression);
      if (st->text)
        ADD ("--textmode");
      ADD ("--sign");
    }
  keyref_add_args (job->argv, &job->nargs, "-u", &job->signers);
  ADD ("--");
  ADD ("-");
#undef ADD
  job->argv[job->nargs] = NULL;
  return 0;
}

/* Fill SPEC's payload sides for the mode.  */
static void
set_io (struct job *job, struct gpgop_spec *spec,
        struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  struct state *st = job->st;

  spec->input.fd = source->fd;
  spec->output.fd = sink->fd;
  switch (st->mode)
    {
    case MODE_INLINE:
      if (st->armor)
        {
          spec->output.write = sink->write;
          spec->output.handle = sink->handle;
          spec->output.filter = GPGOP_FILTER_ARMOR;
          spec->output.armor_type = ARMOR_MESSAGE;
        }
      break;

    case MODE_CLEARTEXT:
      /* Through our check on its way to gpg.  */
      textcheck_init (&job->check);
      job->in.source = source;
      job->in.check = &job->check;
      spec->input.fd = -1;
      spec->input.read = feed_read;
      spec->input.handle = &job->in;
      break;

    case MODE_DETACHED:
      /* gpg reads the source descriptor itself unless the payload
       * must reach the sink through us.  */
      if (!st->output_signature
          && !feed_copy_prepare (&job->copy, source, sink->fd,
                                 spec->cancel_fd))
        {
          /* The payload goes to the sink as gpg reads it.  */
          job->in.source = source;
          job->in.tee = sink;
          spec->input.fd = -1;
          spec->input.read = feed_read;
          spec->input.handle = &job->in;
        }
      spec->output.fd = -1;
      spec->output.write = feed_sig_write;
      spec->output.handle = &job->out;
      break;
    }
}

/* Armor the signature packets SIG (LEN bytes): malloced, NUL-terminated
 * text in *R_TEXT, *R_LEN bytes.  */
static gpg_error_t
armor_signature (const unsigned char *sig, size_t len, char **r_text,
                 size_t *r_len)
{
  gpg_error_t err;
  armor_encoder_t enc = NULL;
  size_t n, m;
  char *text;

  *r_text = NULL;
  text = malloc (armor_encode_bound (len) + ARMOR_FINISH_MAX + 1);
  if (!text)
    return gpg_error_from_syserror ();
  err = armor_encoder_new (&enc, ARMOR_SIGNATURE);
  if (!err)
    err = armor_encode (enc, sig, len, text, &n);
  if (!err)
    err = armor_encode_finish (enc, text + n, &m);
  armor_encoder_release (enc);
  if (err)
    {
      free (text);
      return err;
    }
  text[n + m] = 0;
  *r_text = text;
  *r_len = n + m;
  return 0;
}

/* Detached: hand gpg's signature on as the mode says.  */
static gpg_error_t
emit_signature (struct job *job, struct pgpstep_sink *sink)
{
  struct state *st = job->st;
  gpg_error_t err;
  const unsigned char *sig;
  const void *data;
  size_t len, tlen = 0;
  char *text = NULL;
  ssize_t n;

  err = feed_sig_finish (&job->out, job->signers.n, &sig, &len);
  if (err)
    {
      host->error (job->msg, err, NULL, "gpg's output is not a detached"
                   " signature: %s", gpg_strerror (err));
      return err;
    }
  if (st->output_signature && !st->armor)
    {
      data = sig;
      tlen = len;
    }
  else
    {
      err = armor_signature (sig, len, &text, &tlen);
      if (err)
        goto leave;
      if (!st->output_signature)
        {
          err = host->set_header (job->msg, "pgp.signature", text);
          goto leave;
        }
      data = text;
    }
  n = sink->write (sink->handle, data, tlen);
  if (n < 0 || (size_t) n != tlen)
    {
      err = (n < 0 && errno == ECANCELED) ? gpg_error (GPG_ERR_CANCELED)
        : n < 0 ? gpg_error_from_syserror () : gpg_error (GPG_ERR_EIO);
      if (gpg_err_code (err) != GPG_ERR_CANCELED)
        host->error (job->msg, err, NULL, "writing the signature failed:"
                     " %s", gpg_strerror (err));
    }

 leave:
  free (text);
  return err;
}

/* Check gpg's SIG_CREATED lines: one per signer, the digest asked for.
 * Sets *R_CREATED to the first signature's creation time.  */
static gpg_error_t
check_created (struct job *job, status_result_t s, time_t *r_created)
{
  const char *name;
  unsigned int i;

  *r_created = 0;
  if (!status_sign_ok (s, job->signers.n))
    {
      host->error (job->msg, gpg_error (GPG_ERR_GENERAL), NULL, "gpg made"
                   " %u signatures for %u signing keys", s->nsig_created,
                   job->signers.n);
      return gpg_error (GPG_ERR_GENERAL);
    }
  for (i = 0; i < s->nsig_created; i++)
    {
      name = status_digest_name (s->sig_created[i].digest_algo);
      if (!name || strcmp (name, job->st->digest))
        {
          host->error (job->msg, gpg_error (GPG_ERR_DIGEST_ALGO),
                       s->sig_created[i].fpr, "gpg signed with digest %s"
                       " instead of %s", name ? name : "?",
                       job->st->digest);
          return gpg_error (GPG_ERR_DIGEST_ALGO);
        }
    }
  *r_created = s->sig_created[0].created;
  return 0;
}

static gpg_error_t
set_headers (struct job *job, time_t created)
{
  gpg_error_t err;
  char *text = NULL;
  char when[32];
  struct tm tm;

  err = keyref_join (&job->signers, &text);
  if (!err)
    err = host->set_header (job->msg, "pgp.signers", text);
  free (text);
  if (!err)
    err = host->set_header (job->msg, "pgp.signature.digest",
                            job->st->digest);
  if (!err && gmtime_r (&created, &tm)
      && strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
    err = host->set_header (job->msg, "pgp.signature.created", when);
  return err;
}

/* The error of a run, our own streams' failures first.  */
static gpg_error_t
run_error (struct job *job, gpg_error_t rc, const struct gpgop_result *res)
{
  gpg_error_t err;

  if (gpg_err_code (rc) == GPG_ERR_CANCELED)
    return rc;
  if (job->in.check_err)
    {
      err = job->in.check_err;
      host->error (job->msg, err, NULL, "the payload is not text (%s at"
                   " byte %llu): a cleartext signature signs UTF-8 text"
                   " only; use mode inline or detached", job->check.reason,
                   job->check.bad_at);
      return err;
    }
  if (job->in.tee_err)
    {
      err = job->in.tee_err;
      if (gpg_err_code (err) != GPG_ERR_CANCELED)
        host->error (job->msg, err, NULL, "writing the payload failed: %s",
                     gpg_strerror (err));
      return err;
    }
  if (job->copy.job.err)
    {
      err = job->copy.job.err;
      if (gpg_err_code (err) != GPG_ERR_CANCELED)
        host->error (job->msg, err, NULL, "writing the payload failed: %s",
                     gpg_strerror (err));
      return err;
    }
  if (job->out.err)
    {
      err = job->out.err;
      host->error (job->msg, err, NULL, "gpg's output is not a detached"
                   " signature: %s", gpg_strerror (err));
      return err;
    }
  err = gpgop_error (rc, res);
  if (err && gpg_err_code (err) != GPG_ERR_CANCELED)
    keyref_report_failure (host, job->msg, job->st->index, err, res,
                           job->asked);
  return err;
}

static gpg_error_t
process (void *arg, pgpstep_message_t msg, struct pgpstep_source *source,
         struct pgpstep_sink *sink)
{
  struct state *st = arg;
  gpg_error_t err, rc;
  struct job job;
  struct gpgop_spec spec;
  struct gpgop_result res;
  const char *home;
  time_t created;

  memset (&job, 0, sizeof job);
  memset (&res, 0, sizeof res);
  job.st = st;
  job.msg = msg;

  err = keyref_resolve_message (host, msg, st->index, "sign-with",
                                KEYS_SIGN, &st->signers, &job.signers);
  if (err)
    goto leave;
  err = build_args (&job);
  if (err)
    goto leave;

  /* Per message the host may give another home (parallel agents).  */
  if (host->gnupg_home (msg, &home) || !home)
    home = st->homedir;

  memset (&spec, 0, sizeof spec);
  spec.gpg_path = st->gpg_path;
  spec.homedir = home;
  spec.args = job.argv;
  spec.cancel_fd = host->cancel_fd (msg);
  set_io (&job, &spec, source, sink);
  spec.passphrase_cb = passphrase_cb;
  spec.opaque = &job;

  if (job.copy.ready)
    {
      /* The payload to the sink while gpg reads the same file.  */
      err = feed_copy_start (&job.copy);
      if (err)
        {
          host->error (msg, err, NULL, "cannot start the payload copy: %s",
                       gpg_strerror (err));
          goto leave;
        }
    }
  rc = gpgop_run (&spec, &res);
  feed_copy_finish (&job.copy);
  err = run_error (&job, rc, &res);
  if (err)
    goto leave;
  err = check_created (&job, res.status, &created);
  if (err)
    goto leave;
  if (job.copy.ready && !feed_copy_matches (&job.copy))
    {
      /* The file changed while it was read: signed and passed bytes
       * may differ.  */
      err = gpg_error (GPG_ERR_INTERNAL);
      host->error (msg, err, NULL, "the input file changed size while it"
                   " was signed");
      goto leave;
    }
  if (res.input_filtered && !res.input_eof)
    {
      /* Never seen: gpg said it is done, yet took not all the input.  */
      err = gpg_error (GPG_ERR_INTERNAL);
      host->error (msg, err, NULL, "gpg ended before it read all of the"
                   " input (%llu bytes)", res.bytes_in);
      goto leave;
    }
  if (st->mode == MODE_DETACHED)
    {
      err = emit_signature (&job, sink);
      if (err)
        goto leave;
    }
  err = set_headers (&job, created);

 leave:
  gpgop_result_release (&res);
  feed_copy_finish (&job.copy);
  feed_out_release (&job.out);
  keyref_list_release (&job.signers);
  free (job.argv);
  return err;
}


static const struct pgpstep_step sign_step = {
  sizeof (struct pgpstep_step),
  "sign",
  "Sign with keys of the step's keyrings: inline, cleartext or detached.",
  params,
  PGPSTEP_STEP_NONE,
  create,
  process,
  destroy
};

static const struct pgpstep_step *const steps[] = { &sign_step, NULL };

static const struct pgpstep_module module = {
  sizeof (struct pgpstep_module),
  PGPSTEP_ABI_MAJOR,
  PGPSTEP_ABI_MINOR,
  "sign",
  PACKAGE_VERSION,
  "OpenPGP signatures with gpg.",
  steps
};

PGPSTEP_EXPORT gpg_error_t
pgpstep_module_init (const struct pgpstep_host *h,
                     const struct pgpstep_module **r_module)
{
  *r_module = NULL;
  if (!h || h->abi_major != PGPSTEP_ABI_MAJOR
      || h->struct_size < sizeof (struct pgpstep_host))
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  host = h;
  *r_module = &module;
  return 0;
}
