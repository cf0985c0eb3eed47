/* verify.c - the verify step.
 *
 * mode=inline: the input is a one-pass signed message (binary or
 * armored, possibly compressed) or a cleartext signature; gpg writes
 * the signed data to the host's spool, which is released only when
 * gpg checked the whole message and the signature policy (policy.h,
 * always "required" here) held.  mode=detached: the input is the data
 * (detached.c).  Failures: 3 with every signature and why it was not
 * accepted; 41 for input that is no signed message.
 */
#include <config.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "packet.h"
#include "stepio.h"
#include "gpgop.h"
#include "verify.h"
#include "sigparam.h"
#include "sigwrap.h"
#include "outcome.h"

#define DEFAULT_MAX_OUTPUT "16G"

static const char *const mode_values[] = { "inline", "detached", NULL };

#define PARAM(name, type, flags, dflt, allowed, min, max, desc)         \
  { sizeof (struct pgpstep_param), name, type, flags, dflt, allowed,   \
    min, max, desc }

static const struct pgpstep_param verify_params[] = {
  PARAM ("keyring", PGPSTEP_TYPE_KEYRING, PGPSTEP_PARAM_REPEATABLE, NULL,
         NULL, 0, 0, "Keyring holding the certificates whose signatures"
         " may be accepted (repeatable)."),
  POLICY_PARAMS_COMMON,
  PARAM ("mode", PGPSTEP_TYPE_ENUM, 0, "inline", mode_values, 0, 0,
         "inline: the input is a signed message or cleartext signature"
         " and its signed data the output; detached: the input is the"
         " data, signed by parameter signature."),
  PARAM ("signature", PGPSTEP_TYPE_STRING, PGPSTEP_PARAM_HEADER_OK, NULL,
         NULL, 0, 0, "mode=detached: ${header.NAME} holding an armored"
         " signature or the base64 of a binary one, or file:PATH (an"
         " absolute path, in the descriptor only)."),
  PARAM ("max-output-bytes", PGPSTEP_TYPE_SIZE, 0, DEFAULT_MAX_OUTPUT,
         NULL, 1, 1LL << 60, "Largest signed data of an inline message,"
         " against decompression bombs (default 16G)."),
  PARAM (NULL, 0, 0, NULL, NULL, 0, 0, NULL)
};


/* Create.  */

/* "keyring a" or "keyrings a, b" (malloced).  */
static char *
describe_keyrings (const struct pgpstep_host *host, pgpstep_config_t cfg)
{
  unsigned int i, n = host->config_count (cfg, "keyring");
  char *s = NULL, *t;

  for (i = 0; i < n; i++)
    {
      if (asprintf (&t, "%s%s%s", s ? s : (n > 1 ? "keyrings " : "keyring "),
                    i ? ", " : "", host->config_value (cfg, "keyring", i)) < 0)
        t = NULL;
      free (s);
      if (!(s = t))
        return NULL;
    }
  return s;
}

static void
verify_destroy (void *state)
{
  struct verify *v = state;

  if (!v)
    return;
  policy_release (&v->policy);
  keys_index_release (v->index);
  free (v->keyrings);
  free (v->sig);
  free (v);
}

/* The keyrings, their home and the index of their keys.  */
static gpg_error_t
setup_keys (struct verify *v, pgpstep_config_t cfg)
{
  const struct pgpstep_host *host = v->host;
  gpg_error_t err;

  if (!host->config_count (cfg, "keyring"))
    {
      err = gpg_error (GPG_ERR_CONFIGURATION);
      host->config_error (cfg, err, "keyring", "verify needs a keyring"
                          " holding the signers' certificates");
      return err;
    }
  if (!(v->keyrings = describe_keyrings (host, cfg)))
    return gpg_error_from_syserror ();
  err = host->config_gnupg_home (cfg, &v->homedir);
  if (err)
    {
      host->config_error (cfg, err, "keyring", "no GnuPG home for the"
                          " step's keyrings: %s", gpg_strerror (err));
      return err;
    }
  err = keys_index_new (v->homedir, v->keyrings, &v->index);
  if (err)
    host->config_error (cfg, err, "keyring", "cannot list the keys of %s:"
                        " %s", v->keyrings, keys_strerror (err));
  return err;
}

/* mode and signature: a static signature is read and checked now.  */
static gpg_error_t
setup_mode (struct verify *v, pgpstep_config_t cfg)
{
  const struct pgpstep_host *host = v->host;
  const char *mode = host->config_value (cfg, "mode", 0);
  const char *sig = host->config_value (cfg, "signature", 0);
  gpg_error_t err = gpg_error (GPG_ERR_CONFIGURATION);
  struct sigwrap sw;
  char *text = NULL;

  v->detached = mode && !strcmp (mode, "detached");
  if (!v->detached)
    {
      if (!sig)
        return 0;
      host->config_error (cfg, err, "signature", "signature is for"
                          " mode=detached (an inline message carries its"
                          " signatures)");
      return err;
    }
  if (!sig)
    {
      host->config_error (cfg, err, "signature", "mode=detached needs a"
                          " signature: ${header.NAME} or file:PATH");
      return err;
    }
  if (host->config_is_dynamic (cfg, "signature", 0))
    {
      v->sig_dynamic = 1;
      return 0;
    }
  if (strncmp (sig, "file:/", 6))
    {
      host->config_error (cfg, err, "signature", "signature: expected"
                          " ${header.NAME} or file:PATH with an absolute"
                          " PATH");
      return err;
    }
  err = sigparam_read_file (sig + 5, &v->sig, &v->siglen, &text);
  if (!err)
    err = sigwrap_parse (v->sig, v->siglen, &sw);
  if (err)
    {
      err = gpg_error (GPG_ERR_CONFIGURATION);
      host->config_error (cfg, err, "signature", "%s: %s", sig, text ? text
                          : "not an OpenPGP detached signature");
    }
  free (text);
  return err;
}

static gpg_error_t
setup_max_output (struct verify *v, pgpstep_config_t cfg)
{
  const char *s = v->host->config_value (cfg, "max-output-bytes", 0);
  gpg_error_t err;
  char *end;

  v->max_output = strtoull (s ? s : "0", &end, 10);
  /* The host gives bytes; a suffix only in a host that passes the
   * table's default as written.  */
  if (*end == 'K' || *end == 'M' || *end == 'G')
    v->max_output <<= (*end++ == 'K' ? 10 : end[-1] == 'M' ? 20 : 30);
  if (!s || *end || !v->max_output)
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      v->host->config_error (cfg, err, "max-output-bytes", "expected a byte"
                             " count");
      return err;
    }
  snprintf (v->max_output_arg, sizeof v->max_output_arg, "%llu",
            v->max_output);
  return 0;
}

static gpg_error_t
verify_create (const struct pgpstep_host *host, pgpstep_config_t cfg,
               void **r_state)
{
  gpg_error_t err;
  struct verify *v;
  const char *who;

  *r_state = NULL;
  if (!(v = calloc (1, sizeof *v)))
    return gpg_error_from_syserror ();
  v->host = host;
  err = setup_keys (v, cfg);
  if (err)
    goto leave;
  v->signers.index = v->index;
  v->signers.keyrings = v->keyrings;
  err = policy_from_config (&v->policy, host, cfg, 1, signer_resolve,
                            &v->signers);
  if (err)
    goto leave;
  /* A signature can only be checked with its certificate at hand.  */
  if ((who = signer_unknown (&v->policy, v->index)))
    {
      err = gpg_error (GPG_ERR_CONFIGURATION);
      host->config_error (cfg, err, "allowed-signer", "allowed-signer 0x%s"
                          " is not a primary key in %s", who, v->keyrings);
      goto leave;
    }
  err = setup_mode (v, cfg);
  if (!err)
    err = setup_max_output (v, cfg);

 leave:
  if (err)
    verify_destroy (v);
  else
    *r_state = v;
  return err;
}


/* Process: inline.  */

/* Refuse on the peek alone what is no signed message.  */
static gpg_error_t
check_peek (const struct packet_peek *p, size_t len, int eof, char **r_text)
{
  if (!len)
    return say (r_text, GPG_ERR_NO_DATA, "the input is empty");
  if (p->format == PACKET_FMT_NONE)
    return say (r_text, GPG_ERR_NO_DATA, "the input is not OpenPGP data"
                " (neither an armored nor a binary signed message)");
  if (p->format == PACKET_FMT_ARMORED && p->armor == ARMOR_CLEARTEXT)
    return 0;                   /* gpg reads cleartext signatures.  */
  if (p->format == PACKET_FMT_ARMORED && p->armor_err)
    return say (r_text, gpg_err_code (p->armor_err), "the armored input is"
                " damaged: %s", gpg_strerror (p->armor_err));
  if (p->format == PACKET_FMT_ARMORED && p->armor == ARMOR_SIGNATURE)
    return say (r_text, GPG_ERR_BAD_DATA, "the input is a detached"
                " signature: use mode=detached with the data as input");
  if (p->format == PACKET_FMT_ARMORED && p->armor != ARMOR_MESSAGE)
    return say (r_text, GPG_ERR_BAD_DATA, "the input is an armored %s,"
                " not a PGP MESSAGE", armor_type_label (p->armor));
  if (p->unsupported)
    return say (r_text, GPG_ERR_INV_PACKET, "unsupported OpenPGP message:"
                " v5/v6 packets (RFC 9580) cannot be verified by gpg 2.2");
  if (p->truncated && eof)
    return say (r_text, GPG_ERR_TRUNCATED, "the message is truncated");
  if (p->malformed)
    return say (r_text, GPG_ERR_INV_PACKET, "malformed OpenPGP data: an"
                " impossible packet header or length");
  switch (p->kind)
    {
    case PACKET_KIND_SIGNED:
    case PACKET_KIND_COMPRESSED:
    case PACKET_KIND_LITERAL:   /* Unsigned: the policy says so.  */
      return 0;
    case PACKET_KIND_SIGNATURE:
      return say (r_text, GPG_ERR_BAD_DATA, "the input is a detached"
                  " signature: use mode=detached with the data as input");
    case PACKET_KIND_ENCRYPTED:
      return say (r_text, GPG_ERR_BAD_DATA, "the input is encrypted: decrypt"
                  " it first (a decrypt step with output=unwrapped)");
    case PACKET_KIND_PUBKEY:
    case PACKET_KIND_SECKEY:
      return say (r_text, GPG_ERR_BAD_DATA, "the input is a key, not a"
                  " signed message");
    default:
      return say (r_text, GPG_ERR_NO_DATA, "the input is not a signed"
                  " OpenPGP message");
    }
}

/* Size of what gpg wrote to the spool, or 0.  */
static unsigned long long
spool_size (const struct pgpstep_sink *out)
{
  struct stat st;

  if (out->fd < 0 || fstat (out->fd, &st) || !S_ISREG (st.st_mode))
    return 0;
  return (unsigned long long) st.st_size;
}

/* Run gpg on the message (the peeked BUF[0..LEN) and the rest of
 * SOURCE) with the spool OUT as its stdout.  */
static gpg_error_t
run_inline (const struct verify *v, pgpstep_message_t msg,
            struct pgpstep_source *source, const struct pgpstep_sink *out,
            const unsigned char *buf, size_t len,
            const struct packet_peek *peek, struct gpgop_result *r_res)
{
  const struct pgpstep_host *host = v->host;
  struct gpgop_spec spec;
  const char *args[] = { "--trust-model", "always", "--max-output",
                         v->max_output_arg, "--decrypt", NULL };

  memset (&spec, 0, sizeof spec);
  if (host->gnupg_home (msg, &spec.homedir) || !spec.homedir)
    spec.homedir = v->homedir;
  spec.args = args;
  spec.input.fd = source->fd;
  if (source->fd < 0)
    {
      spec.input.read = source->read;
      spec.input.handle = source->handle;
    }
  /* Our decoder for armored messages; gpg reads cleartext itself.  */
  if (peek->format == PACKET_FMT_ARMORED && peek->armor == ARMOR_MESSAGE)
    spec.input.filter = GPGOP_FILTER_DEARMOR;
  if (spec.input.filter || !stepio_rewind_source (source->fd, len))
    {
      spec.input.prefix = buf;
      spec.input.prefix_len = len;
    }
  spec.output.fd = out->fd;
  if (out->fd < 0)
    {
      spec.output.write = out->write;
      spec.output.handle = out->handle;
    }
  spec.cancel_fd = host->cancel_fd (msg);
  return gpgop_run (&spec, r_res);
}

static gpg_error_t
inline_process (const struct verify *v, const struct policy *pol,
                pgpstep_message_t msg, struct pgpstep_source *source)
{
  const struct pgpstep_host *host = v->host;
  gpg_error_t err;
  struct packet_peek *peek = NULL;
  struct outcome_run run;
  struct gpgop_result res;
  struct pgpstep_sink *out = NULL;
  unsigned char *buf = NULL;
  size_t len = 0;
  int eof;
  const char *key = NULL;
  char *text = NULL;           /* Set: report it with HOST->error.  */

  memset (&res, 0, sizeof res);
  memset (&run, 0, sizeof run);
  buf = malloc (PACKET_PEEK_MAX);
  peek = malloc (sizeof *peek);
  if (!buf || !peek)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  err = stepio_read_peek (source, buf, PACKET_PEEK_MAX, &len, &eof);
  if (err)
    {
      if (gpg_err_code (err) != GPG_ERR_CANCELED)
        err = say (&text, gpg_err_code (err), "reading the input failed:"
                   " %s", gpg_strerror (err));
      goto leave;
    }
  err = packet_peek (buf, len, eof, peek);
  if (!err)
    err = check_peek (peek, len, eof, &text);
  if (err)
    goto leave;

  err = host->open_spool (msg, &out);
  if (err)
    {
      host->error (msg, err, NULL, "cannot open a spool for the signed"
                   " data: %s", gpg_strerror (err));
      goto leave;
    }
  run.rc = run_inline (v, msg, source, out, buf, len, peek, &res);
  run.res = &res;
  run.max_output = v->max_output;
  run.output_size = spool_size (out);
  run.input_complete = !run.rc && stepio_input_complete (source, &res);
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
  gpgop_result_release (&res);
  free (peek);
  free (buf);
  return err;
}


/* Process.  */

/* The message's allowed signers must be keys of the step.  */
static gpg_error_t
check_message_signers (const struct verify *v, const struct policy *pol,
                       pgpstep_message_t msg)
{
  const char *who;
  gpg_error_t err;

  if (!v->policy.ndynamic || !(who = signer_unknown (pol, v->index)))
    return 0;
  err = gpg_error (GPG_ERR_NO_PUBKEY);
  v->host->error (msg, err, "allowed-signer", "allowed-signer 0x%s (from a"
                  " header) is not a primary key in %s", who, v->keyrings);
  return err;
}

static gpg_error_t
verify_process (void *state, pgpstep_message_t msg,
                struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  const struct verify *v = state;
  gpg_error_t err;
  struct policy pol;

  (void) sink;  /* Output goes to the spool only.  */
  err = policy_from_message (&pol, &v->policy, v->host, msg);
  if (err)
    return err;
  err = check_message_signers (v, &pol, msg);
  if (!err)
    err = v->detached ? detached_process (v, &pol, msg, source)
      : inline_process (v, &pol, msg, source);
  policy_release (&pol);
  return err;
}


/* The module.  */

static const struct pgpstep_step verify_step = {
  sizeof (struct pgpstep_step),
  "verify",
  "Verify an OpenPGP signed message or detached signature; release the"
  " signed data only when the signatures meet the policy.",
  verify_params,
  PGPSTEP_STEP_NONE,
  verify_create,
  verify_process,
  verify_destroy
};

static const struct pgpstep_step *const verify_steps[] =
  { &verify_step, NULL };

static const struct pgpstep_module verify_module = {
  sizeof (struct pgpstep_module),
  PGPSTEP_ABI_MAJOR,
  PGPSTEP_ABI_MINOR,
  "verify",
  PACKAGE_VERSION,
  "OpenPGP signature verification with gpg, signature policy and no"
  " release of unverified data.",
  verify_steps
};

PGPSTEP_EXPORT gpg_error_t
pgpstep_module_init (const struct pgpstep_host *host,
                     const struct pgpstep_module **r_module)
{
  (void) host;
  *r_module = &verify_module;
  return 0;
}
