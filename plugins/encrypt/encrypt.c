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
static const char *const digests[] =
  { "SHA256", "SHA384", "SHA512", "SHA224", "SHA1", "RIPEMD160", "MD5",
    NULL };
static const char *const legacy_digests[] = { "SHA1", "RIPEMD160", "MD5",
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
  P ("digest", PGPSTEP_TYPE_ENUM, 0, "SHA256", digests, 0, 0,
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

/* A key as handed to gpg.  */
struct keyref
{
  char fpr[KEYS_FPR_MAX + 1];
};

struct state
{
  char *homedir;               /* Borrowed from the host.  */
  keys_index_t index;
  const char *gpg_path;

  /* Recipients resolved at create; dynamic ones are resolved per
   * message (DYNAMIC counts them).  */
  struct keyref *recipients;
  unsigned int nrecipients;
  unsigned int ndynamic;
  struct keyref *signers;
  unsigned int nsigners;

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
is_one_of (const char *value, const char *const *list)
{
  for (; *list; list++)
    if (!strcmp (value, *list))
      return 1;
  return 0;
}

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
  free (st->recipients);
  free (st->signers);
  free (st);
}

/* "keyrings a, b" for error texts.  */
static char *
keyrings_text (pgpstep_config_t cfg)
{
  unsigned int i, n = host->config_count (cfg, "keyring");
  char *text = NULL;
  size_t len = 0;
  FILE *fp;

  /* "no key for X in the step (it has no keyring)".  */
  if (!n)
    return strdup ("the step (it has no keyring)");
  if (!(fp = open_memstream (&text, &len)))
    return NULL;
  fputs (n == 1 ? "keyring " : "keyrings ", fp);
  for (i = 0; i < n; i++)
    fprintf (fp, "%s%s", i ? ", " : "", host->config_value (cfg, "keyring",
                                                            i));
  if (fclose (fp))
    {
      free (text);
      return NULL;
    }
  return text;
}

/* Resolve the static keys of parameter NAME into *R_KEYS.  */
static gpg_error_t
resolve_static (struct state *st, pgpstep_config_t cfg, const char *name,
                enum keys_usage usage, struct keyref **r_keys,
                unsigned int *r_n, unsigned int *r_ndynamic)
{
  gpg_error_t err = 0;
  unsigned int i, j, n = host->config_count (cfg, name);
  const struct keys_key *key;
  const char *spec;
  char *reason = NULL;

  *r_keys = calloc (n ? n : 1, sizeof **r_keys);
  if (!*r_keys)
    return gpg_error_from_syserror ();
  for (i = 0; i < n; i++)
    {
      spec = host->config_value (cfg, name, i);
      if (host->config_is_dynamic (cfg, name, i))
        {
          if (r_ndynamic)
            (*r_ndynamic)++;
          continue;
        }
      err = keys_resolve (st->index, spec, usage, &key, &reason);
      if (err)
        {
          host->config_error (cfg, err, key ? key->fpr : spec,
                              "%s '%s': %s", name, spec,
                              reason ? reason : gpg_strerror (err));
          free (reason);
          return err;
        }
      for (j = 0; j < *r_n; j++)
        if (!strcmp ((*r_keys)[j].fpr, key->fpr))
          break;
      if (j == *r_n)
        strcpy ((*r_keys)[(*r_n)++].fpr, key->fpr);
    }
  return 0;
}

static gpg_error_t
create (const struct pgpstep_host *h, pgpstep_config_t cfg, void **r_state)
{
  gpg_error_t err;
  struct state *st;
  const char *v, *home;
  char *rings = NULL;
  unsigned int nrecp = host->config_count (cfg, "recipient");
  unsigned int nsign = host->config_count (cfg, "sign-with");

  (void) h;
  *r_state = NULL;
  st = calloc (1, sizeof *st);
  if (!st)
    return gpg_error_from_syserror ();

  /* Choices first: they need no keys.  */
  st->cipher = host->config_value (cfg, "cipher", 0);
  st->compression = host->config_value (cfg, "compression", 0);
  st->digest = host->config_value (cfg, "digest", 0);
  if (!st->cipher || !is_one_of (st->cipher, ciphers)
      || !st->compression || !is_one_of (st->compression, compressions)
      || !st->digest || !is_one_of (st->digest, digests))
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      host->config_error (cfg, err, NULL, "bad cipher, compression or"
                          " digest value");
      goto leave;
    }
  if (!is_true (host->config_value (cfg, "allow-legacy", 0)))
    {
      if (is_one_of (st->cipher, legacy_ciphers))
        {
          err = gpg_error (GPG_ERR_UNSUPPORTED_ALGORITHM);
          host->config_error (cfg, err, "cipher", "cipher %s is a legacy"
                              " algorithm: choose AES256 (or set"
                              " allow-legacy to true)", st->cipher);
          goto leave;
        }
      if (nsign && is_one_of (st->digest, legacy_digests))
        {
          err = gpg_error (GPG_ERR_UNSUPPORTED_ALGORITHM);
          host->config_error (cfg, err, "digest", "digest %s is a legacy"
                              " algorithm: choose SHA256 (or set"
                              " allow-legacy to true)", st->digest);
          goto leave;
        }
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

  err = keys_gpg_path (&st->gpg_path);
  if (err)
    {
      host->config_error (cfg, err, NULL, "no usable gpg: %s",
                          keys_strerror (err));
      goto leave;
    }
  /* Without keyrings the host gives an empty home: a password alone
   * needs no keys.  */
  err = host->config_gnupg_home (cfg, &home);
  if (err)
    {
      host->config_error (cfg, err, "keyring", "no GnuPG home for the"
                          " step: %s", gpg_strerror (err));
      goto leave;
    }
  st->homedir = (char *) home;
  rings = keyrings_text (cfg);
  err = keys_index_new (home, rings, &st->index);
  if (err)
    {
      host->config_error (cfg, err, "keyring", "cannot list the keys of %s:"
                          " %s", rings ? rings : "the keyrings",
                          keys_strerror (err));
      goto leave;
    }

  err = resolve_static (st, cfg, "recipient", KEYS_ENCRYPT, &st->recipients,
                        &st->nrecipients, &st->ndynamic);
  if (!err)
    err = resolve_static (st, cfg, "sign-with", KEYS_SIGN, &st->signers,
                          &st->nsigners, NULL);
  if (!err && host->config_count (cfg, "sign-with")
      && st->nsigners != host->config_count (cfg, "sign-with"))
    {
      /* A signer named twice: gpg would make two signatures.  */
      err = gpg_error (GPG_ERR_INV_VALUE);
      host->config_error (cfg, err, "sign-with", "a signing key is named"
                          " twice");
    }

 leave:
  free (rings);
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
  struct keyref *recipients;   /* Static and dynamic, de-duplicated.  */
  unsigned int nrecipients;
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

/* Add the dynamic recipients of this message.  */
static gpg_error_t
resolve_dynamic (struct job *job)
{
  struct state *st = job->st;
  gpg_error_t err;
  unsigned int i, j, n = host->param_count (job->msg, "recipient");
  const struct keys_key *key;
  const char *spec;
  char *reason = NULL;

  job->recipients = calloc (n + st->nrecipients + 1,
                            sizeof *job->recipients);
  if (!job->recipients)
    return gpg_error_from_syserror ();
  memcpy (job->recipients, st->recipients,
          st->nrecipients * sizeof *st->recipients);
  job->nrecipients = st->nrecipients;
  if (!st->ndynamic)
    return 0;
  for (i = 0; i < n; i++)
    {
      spec = host->param_value (job->msg, "recipient", i);
      if (!spec)
        continue;
      err = keys_resolve (st->index, spec, KEYS_ENCRYPT, &key, &reason);
      if (err)
        {
          host->error (job->msg, err, key ? key->fpr : spec,
                       "recipient '%s': %s", spec,
                       reason ? reason : gpg_strerror (err));
          free (reason);
          return err;
        }
      for (j = 0; j < job->nrecipients; j++)
        if (!strcmp (job->recipients[j].fpr, key->fpr))
          break;
      if (j == job->nrecipients)
        strcpy (job->recipients[job->nrecipients++].fpr, key->fpr);
    }
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
                                     && st->nsigners))
    return 0;
  err = sniff_input (source, &job->sniff);
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
  unsigned int i;

  job->argv = calloc (MAX_FIXED_ARGS + 2 * (job->nrecipients + st->nsigners),
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
  if (st->nsigners)
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
  if (job->nrecipients)
    add_arg (job, "--encrypt");
  if (st->password)
    add_arg (job, "--symmetric");
  if (st->nsigners)
    add_arg (job, "--sign");
  /* Primary fingerprints without '!': gpg picks the usable subkey
   * (GNUPG-FACTS).  */
  for (i = 0; i < job->nrecipients; i++)
    {
      add_arg (job, "-r");
      add_arg (job, job->recipients[i].fpr);
    }
  for (i = 0; i < st->nsigners; i++)
    {
      add_arg (job, "-u");
      add_arg (job, st->signers[i].fpr);
    }
  add_arg (job, "--");
  add_arg (job, "-");
  job->argv[job->nargs] = NULL;
  return 0;
}

/* "A,B,C" of KEYS.  */
static gpg_error_t
join_fprs (const struct keyref *keys, unsigned int n, char **r_text)
{
  unsigned int i;
  char *p;

  *r_text = p = malloc (n * (KEYS_FPR_MAX + 1) + 1);
  if (!p)
    return gpg_error_from_syserror ();
  *p = 0;
  for (i = 0; i < n; i++)
    {
      if (i)
        *p++ = ',';
      p = stpcpy (p, keys[i].fpr);
    }
  return 0;
}

static gpg_error_t
set_headers (struct job *job)
{
  struct state *st = job->st;
  gpg_error_t err;
  char *text = NULL;

  err = join_fprs (job->recipients, job->nrecipients, &text);
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
  if (!err && st->nsigners)
    {
      err = join_fprs (st->signers, st->nsigners, &text);
      if (!err)
        err = host->set_header (job->msg, "pgp.signers", text);
      if (!err)
        err = host->set_header (job->msg, "pgp.signature.digest",
                                st->digest);
      free (text);
    }
  return err;
}

/* Report a failed gpg run: name the key at fault where gpg says.  */
static void
report_failure (struct job *job, gpg_error_t err,
                const struct gpgop_result *res)
{
  status_result_t s = res->status;
  const struct keys_key *key;
  char line[256];
  char *reason = NULL;

  gpgop_diag_line (res, line, sizeof line);
  if (s && s->ninv_recp)
    {
      /* INV_RECP's reason is 0 for every kind of unusable key: ask the
       * index why (GNUPG-FACTS).  */
      const char *spec = s->inv_recp[0].spec ? s->inv_recp[0].spec : "";

      if (keys_resolve (job->st->index, spec, KEYS_ENCRYPT, &key, &reason))
        host->error (job->msg, err, spec, "gpg refused recipient %s: %s",
                     spec, reason ? reason : line);
      else
        host->error (job->msg, err, spec, "gpg refused recipient %s"
                     " (reason %d): %s", spec, s->inv_recp[0].reason, line);
    }
  else if (s && s->ninv_sgnr)
    {
      const char *spec = s->inv_sgnr[0].spec ? s->inv_sgnr[0].spec : "";

      if (keys_resolve (job->st->index, spec, KEYS_SIGN, &key, &reason))
        host->error (job->msg, err, spec, "gpg refused signing key %s: %s",
                     spec, reason ? reason : line);
      else
        host->error (job->msg, err, spec, "gpg refused signing key %s"
                     " (reason %d): %s", spec, s->inv_sgnr[0].reason, line);
    }
  else if (gpg_err_code (err) == GPG_ERR_NO_PASSPHRASE && *job->asked)
    host->error (job->msg, err, job->asked, "the secret key %s of a signer"
                 " is protected and its passphrase is not available: give"
                 " the keyring's passphrase", job->asked);
  else if (res->input_err)
    host->error (job->msg, err, NULL, "reading the input failed: %s",
                 gpg_strerror (res->input_err));
  else if (res->output_err)
    host->error (job->msg, err, NULL, "writing the output failed: %s",
                 gpg_strerror (res->output_err));
  else
    host->error (job->msg, err, NULL, "gpg failed (exit %d): %s%s%s",
                 res->exit_status, gpg_strerror (err),
                 *line ? ": " : "", line);
  free (reason);
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

  err = resolve_dynamic (&job);
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
                && (!st->nsigners || status_sign_ok (res.status,
                                                     st->nsigners))))
    err = gpg_error (GPG_ERR_GENERAL);
  if (err)
    {
      if (gpg_err_code (err) != GPG_ERR_CANCELED)
        report_failure (&job, err, &res);
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
  free (job.recipients);
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
