/* encrypt.c - the encrypt step: OpenPGP-encrypt (and optionally sign)
 * each message to recipients of the step's keyrings and/or a password.
 *
 * Keys are resolved and checked when the pipeline loads; a recipient
 * taken from a header is resolved per message in the in-memory key
 * index.  gpg runs in binary on the step's descriptors (gpgop); armor
 * is ours.  Success needs gpg's exit 0 and BEGIN/END_ENCRYPTION (and a
 * SIG_CREATED per signer); a message is never encrypted to a subset
 * of its recipients.
 */
#include <config.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pgpstep/pgpstep.h>

#include "../openpgp/keys.h"
#include "../openpgp/keyref.h"
#include "../openpgp/gpgop.h"
#include "../openpgp/packet.h"
#include "sniff.h"

/* Upper bound of gpg arguments: fixed ones plus two per key.  */
#define MAX_FIXED_ARGS 32

static const char *const ciphers[] =
  { "AES128", "AES192", "AES256", "TWOFISH", "CAMELLIA128", "CAMELLIA192",
    "CAMELLIA256", "CAST5", "3DES", "BLOWFISH", NULL };
static const char *const legacy_ciphers[] = { "CAST5", "3DES", "BLOWFISH",
                                              NULL };
static const char *const compressions[] = { "none", "zip", "zlib", "bzip2",
                                            NULL };
static const char *const inputs[] = { "auto", "payload", "openpgp", NULL };

#define P(name, type, flags, def, allowed, min, max, desc)              \
  { sizeof (struct pgpstep_param), name, type, flags, def, allowed,     \
    min, max, desc }

static const struct pgpstep_param params[] = {
  P ("keyring", PGPSTEP_TYPE_KEYRING, PGPSTEP_PARAM_REPEATABLE, NULL, NULL,
     0, 0, "A keyring whose keys the step may use (recipients, signers)."),
  P ("recipient", PGPSTEP_TYPE_KEY,
     PGPSTEP_PARAM_REPEATABLE | PGPSTEP_PARAM_HEADER_OK, NULL, NULL, 0, 0,
     "A key to encrypt to: fingerprint, <email> or exact user ID, from the"
     " step's keyrings."),
  P ("hidden-recipients", PGPSTEP_TYPE_BOOL, 0, "false", NULL, 0, 0,
     "Do not write the recipients' key IDs into the message."),
  P ("password", PGPSTEP_TYPE_SECRET, 0, NULL, NULL, 0, 0,
     "Also (or only) encrypt with this password (a secret reference)."),
  P ("cipher", PGPSTEP_TYPE_ENUM, 0, "AES256", ciphers, 0, 0,
     "Symmetric cipher; CAST5, 3DES and BLOWFISH need allow-legacy."),
  P ("compression", PGPSTEP_TYPE_ENUM, 0, "none", compressions, 0, 0,
     "Compression of the payload before encryption."),
  P ("compression-level", PGPSTEP_TYPE_INT, 0, NULL, NULL, 0, 9,
     "Compression level 0-9 (with compression other than none)."),
  P ("armor", PGPSTEP_TYPE_BOOL, 0, "false", NULL, 0, 0,
     "Write ASCII armor instead of binary."),
  P ("filename", PGPSTEP_TYPE_STRING, PGPSTEP_PARAM_HEADER_OK, NULL, NULL,
     0, 0, "File name stored in the literal data (default: the input"
     " header 'filename')."),
  P ("sign-with", PGPSTEP_TYPE_KEY, PGPSTEP_PARAM_REPEATABLE, NULL, NULL,
     0, 0, "Also sign with this key (its secret key must be in the step's"
     " keyrings)."),
  P ("digest", PGPSTEP_TYPE_ENUM, 0, "SHA256", keyref_digests, 0, 0,
     "Digest of signatures; SHA1, RIPEMD160 and MD5 need allow-legacy."),
  P ("allow-legacy", PGPSTEP_TYPE_BOOL, 0, "false", NULL, 0, 0,
     "Allow legacy ciphers and digests."),
  P ("input", PGPSTEP_TYPE_ENUM, 0, "auto", inputs, 0, 0,
     "payload: encrypt the bytes as literal data; openpgp: encrypt an"
     " OpenPGP message as it is (sign then encrypt); auto: openpgp for a"
     " signed message, else payload."),
  { 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL }
};

#undef P

static const struct pgpstep_host *host;

enum input_mode { INPUT_AUTO, INPUT_PAYLOAD, INPUT_OPENPGP };

struct state
{
  char *homedir;               /* Borrowed from the host.  */
  keys_index_t index;
  const char *gpg_path;

  /* Keys resolved at create; dynamic recipients are resolved per
   * message.  */
  struct keyref_list recipients;
  struct keyref_list signers;

  const char *password;        /* Borrowed from the host, or NULL.  */
  size_t password_len;

  const char *cipher;          /* As the parameter says.  */
  const char *gpg_cipher;      /* As gpg names it.  */
  const char *compression;
  const char *gpg_compression;
  char level[4];               /* "" for gpg's default.  */
  const char *digest;
  int armor;
  int hidden;
  enum input_mode input;
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
  keyref_list_release (&st->recipients);
  keyref_list_release (&st->signers);
  free (st);
}

static gpg_error_t
create (const struct pgpstep_host *h, pgpstep_config_t cfg, void **r_state)
{
  gpg_error_t err;
  struct state *st;
  const char *v, *home;
  unsigned int nrecp = host->config_count (cfg, "recipient");
  unsigned int nsign = host->config_count (cfg, "sign-with");
  int legacy_ok;

  (void) h;
  *r_state = NULL;
  st = calloc (1, sizeof *st);
  if (!st)
    return gpg_error_from_syserror ();

  /* Choices first: they need no keys.  */
  st->cipher = host->config_value (cfg, "cipher", 0);
  st->compression = host->config_value (cfg, "compression", 0);
  st->digest = host->config_value (cfg, "digest", 0);
  if (!keyref_is_one_of (st->cipher, ciphers)
      || !keyref_is_one_of (st->compression, compressions)
      || !keyref_is_one_of (st->digest, keyref_digests))
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      host->config_error (cfg, err, NULL, "bad cipher, compression or"
                          " digest value");
      goto leave;
    }
  legacy_ok = is_true (host->config_value (cfg, "allow-legacy", 0));
  if (!legacy_ok && keyref_is_one_of (st->cipher, legacy_ciphers))
    {
      err = gpg_error (GPG_ERR_UNSUPPORTED_ALGORITHM);
      host->config_error (cfg, err, "cipher", "cipher %s is a legacy"
                          " algorithm: choose AES256 (or set"
                          " allow-legacy to true)", st->cipher);
      goto leave;
    }
  if (nsign)
    {
      err = keyref_check_digest (host, cfg, st->digest, legacy_ok);
      if (err)
        goto leave;
    }
  st->gpg_cipher = !strcmp (st->cipher, "AES128") ? "AES" : st->cipher;
  st->gpg_compression = (!strcmp (st->compression, "none")
                         ? "none" : !strcmp (st->compression, "zip")
                         ? "ZIP" : !strcmp (st->compression, "zlib")
                         ? "ZLIB" : "BZIP2");
  v = host->config_value (cfg, "compression-level", 0);
  if (v)
    {
      if (!strcmp (st->compression, "none"))
        {
          err = gpg_error (GPG_ERR_INV_VALUE);
          host->config_error (cfg, err, "compression-level",
                              "compression-level needs a compression other"
                              " than none");
          goto leave;
        }
      if (strlen (v) != 1 || *v < '0' || *v > '9')
        {
          err = gpg_error (GPG_ERR_INV_VALUE);
          host->config_error (cfg, err, "compression-level",
                              "compression-level must be 0 to 9");
          goto leave;
        }
      strcpy (st->level, v);
    }
  st->armor = is_true (host->config_value (cfg, "armor", 0));
  st->hidden = is_true (host->config_value (cfg, "hidden-recipients", 0));
  v = host->config_value (cfg, "input", 0);
  st->input = (!v || !strcmp (v, "auto")) ? INPUT_AUTO
    : !strcmp (v, "payload") ? INPUT_PAYLOAD : INPUT_OPENPGP;
  if (st->input == INPUT_OPENPGP && nsign)
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      host->config_error (cfg, err, "input", "input openpgp encrypts a"
                          " signed message as it is: it cannot be combined"
                          " with sign-with");
      goto leave;
    }

  v = host->config_value (cfg, "password", 0);
  if (v)
    {
      err = host->config_secret (cfg, v, &st->password, &st->password_len);
      if (err)
        {
          host->config_error (cfg, err, "password", "cannot get the"
                              " password '%s': %s", v, gpg_strerror (err));
          goto leave;
        }
      if (!st->password_len || memchr (st->password, '\n', st->password_len)
          || memchr (st->password, 0, st->password_len))
        {
          err = gpg_error (GPG_ERR_INV_VALUE);
          host->config_error (cfg, err, "password", "the password '%s' is"
                              " empty or holds a line break", v);
          goto leave;
        }
    }
  if (!nrecp && !st->password)
    {
      err = gpg_error (GPG_ERR_CONFIGURATION);
      host->config_error (cfg, err, "recipient", "encrypt needs a recipient"
                          " or a password");
      goto leave;
    }

  /* Without keyrings the host gives an empty home: a password alone
   * needs no keys.  */
  err = keyref_open (host, cfg, &st->gpg_path, &home, &st->index);
  if (err)
    goto leave;
  st->homedir = (char *) home;

  err = keyref_resolve_static (host, cfg, st->index, "recipient",
                               KEYS_ENCRYPT, &st->recipients);
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
  struct keyref_list recipients;  /* Static and dynamic.  */
  const char *args[MAX_FIXED_ARGS];
  const char **argv;
  unsigned int nargs;
  int openpgp;                 /* Input goes in as it is.  */
  int dearmor;                 /* ... after our armor decoder.  */
  struct sniff sniff;          /* What the input looks like.  */
  char asked[17];              /* Main key ID gpg wanted a passphrase for.  */
};

static gpg_error_t
passphrase_cb (void *opaque, const char *keyid, const char *main_keyid,
               const char **r_pass, size_t *r_len)
{
  struct job *job = opaque;

  /* Runtime homes hold unprotected secret keys: only the password is
   * ever asked for.  */
  if (keyid || !job->st->password)
    {
      if (main_keyid || keyid)
        snprintf (job->asked, sizeof job->asked, "%s",
                  main_keyid ? main_keyid : keyid);
      return gpg_error (GPG_ERR_NO_PASSPHRASE);
    }
  *r_pass = job->st->password;
  *r_len = job->st->password_len;
  return 0;
}

/* Decide whether the input is an OpenPGP message to be encrypted as
 * it is.  */
static gpg_error_t
decide_input (struct job *job, struct pgpstep_source *source)
{
  struct state *st = job->st;
  gpg_error_t err;

  /* A signed-and-encrypted message holds literal data: signing a
   * signed message as it is makes no sense.  */
  if (st->input == INPUT_PAYLOAD || (st->input == INPUT_AUTO
                                     && st->signers.n))
    return 0;
  err = sniff_input (source, host->cancel_fd (job->msg), &job->sniff);
  if (err)
    {
      if (gpg_err_code (err) != GPG_ERR_CANCELED)
        host->error (job->msg, err, NULL, "cannot read the input: %s",
                     gpg_strerror (err));
      return err;
    }
  if (job->sniff.openpgp)
    {
      job->openpgp = 1;
      job->dearmor = job->sniff.armored;
    }
  else if (st->input == INPUT_OPENPGP)
    {
      err = gpg_error (GPG_ERR_BAD_DATA);
      host->error (job->msg, err, "input", "input is openpgp, but the"
                   " message is no signed or compressed OpenPGP message"
                   " (%s)", packet_kind_name (job->sniff.kind));
    }
  return err;
}

static void
add_arg (struct job *job, const char *arg)
{
  job->argv[job->nargs++] = arg;
}

static gpg_error_t
build_args (struct job *job)
{
  struct state *st = job->st;
  const char *filename;

  job->argv = calloc (MAX_FIXED_ARGS + 2 * (job->recipients.n
                                            + st->signers.n),
                      sizeof *job->argv);
  if (!job->argv)
    return gpg_error_from_syserror ();

  /* Keys were checked by us: gpg's web of trust has no say (in
   * --batch a key not fully valid would be INV_RECP).  */
  add_arg (job, "--trust-model");
  add_arg (job, "always");
  add_arg (job, "--cipher-algo");
  add_arg (job, st->gpg_cipher);
  add_arg (job, "--compress-algo");
  add_arg (job, st->gpg_compression);
  if (*st->level)
    {
      add_arg (job, "-z");
      add_arg (job, st->level);
    }
  if (st->hidden)
    add_arg (job, "--throw-keyids");
  if (st->signers.n)
    {
      add_arg (job, "--digest-algo");
      add_arg (job, st->digest);
    }
  if (job->openpgp)
    add_arg (job, "--no-literal");
  else
    {
      filename = host->param_value (job->msg, "filename", 0);
      if (!filename)
        filename = host->input_header (job->msg, "filename");
      if (filename && *filename)
        {
          add_arg (job, "--set-filename");
          add_arg (job, filename);
        }
    }
  if (job->recipients.n)
    add_arg (job, "--encrypt");
  if (st->password)
    add_arg (job, "--symmetric");
  if (st->signers.n)
    add_arg (job, "--sign");
  /* Primary fingerprints without '!': gpg picks the usable subkey
   * (GNUPG-FACTS).  */
  keyref_add_args (job->argv, &job->nargs, "-r", &job->recipients);
  keyref_add_args (job->argv, &job->nargs, "-u", &st->signers);
  add_arg (job, "--");
  add_arg (job, "-");
  job->argv[job->nargs] = NULL;
  return 0;
}

static gpg_error_t
set_headers (struct job *job)
{
  struct state *st = job->st;
  gpg_error_t err;
  char *text = NULL;

  err = keyref_join (&job->recipients, &text);
  if (!err)
    err = host->set_header (job->msg, "pgp.recipients", text);
  free (text);
  text = NULL;
  if (!err)
    err = host->set_header (job->msg, "pgp.cipher", st->cipher);
  if (!err)
    err = host->set_header (job->msg, "pgp.compression", st->compression);
  if (!err)
    err = host->set_header (job->msg, "pgp.armor",
                            st->armor ? "true" : "false");
  if (!err)
    err = host->set_header (job->msg, "pgp.input",
                            job->openpgp ? "openpgp" : "payload");
  if (!err)
    err = host->set_header (job->msg, "pgp.password",
                            st->password ? "true" : "false");
  if (!err && st->signers.n)
    {
      err = keyref_join (&st->signers, &text);
      if (!err)
        err = host->set_header (job->msg, "pgp.signers", text);
      if (!err)
        err = host->set_header (job->msg, "pgp.signature.digest",
                                st->digest);
      free (text);
    }
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

  memset (&job, 0, sizeof job);
  memset (&res, 0, sizeof res);
  job.st = st;
  job.msg = msg;

  err = keyref_resolve_message (host, msg, st->index, "recipient",
                                KEYS_ENCRYPT, &st->recipients,
                                &job.recipients);
  if (err)
    goto leave;
  err = decide_input (&job, source);
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
  spec.input.fd = source->fd;
  spec.input.read = source->read;
  spec.input.handle = source->handle;
  spec.input.prefix = job.sniff.prefix;
  spec.input.prefix_len = job.sniff.prefix_len;
  spec.input.filter = job.dearmor ? GPGOP_FILTER_DEARMOR : GPGOP_FILTER_NONE;
  spec.output.fd = sink->fd;
  if (st->armor)
    {
      spec.output.write = sink->write;
      spec.output.handle = sink->handle;
      spec.output.filter = GPGOP_FILTER_ARMOR;
      spec.output.armor_type = ARMOR_MESSAGE;
    }
  spec.cancel_fd = host->cancel_fd (msg);
  spec.passphrase_cb = passphrase_cb;
  spec.opaque = &job;

  rc = gpgop_run (&spec, &res);
  err = gpgop_error (rc, &res);
  if (!err && !(status_encrypt_ok (res.status)
                && (!st->signers.n || status_sign_ok (res.status,
                                                     st->signers.n))))
    err = gpg_error (GPG_ERR_GENERAL);
  if (err)
    {
      if (gpg_err_code (err) != GPG_ERR_CANCELED)
        keyref_report_failure (host, msg, st->index, err, &res,
                               job.asked);
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
  err = set_headers (&job);

 leave:
  gpgop_result_release (&res);
  keyref_list_release (&job.recipients);
  free (job.argv);
  sniff_release (&job.sniff);
  return err;
}


static const struct pgpstep_step encrypt_step = {
  sizeof (struct pgpstep_step),
  "encrypt",
  "Encrypt (and optionally sign) to recipients' keys and/or a password.",
  params,
  PGPSTEP_STEP_NONE,
  create,
  process,
  destroy
};

static const struct pgpstep_step *const steps[] = { &encrypt_step, NULL };

static const struct pgpstep_module module = {
  sizeof (struct pgpstep_module),
  PGPSTEP_ABI_MAJOR,
  PGPSTEP_ABI_MINOR,
  "encrypt",
  PACKAGE_VERSION,
  "OpenPGP encryption with gpg.",
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
