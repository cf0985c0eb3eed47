/* explain.c - name the cause of a failed decryption.  */
#include <config.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "explain.h"

static gpg_error_t say (char **r_text, gpg_err_code_t code,
                        const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

/* Set *R_TEXT and return CODE as an error.  */
static gpg_error_t
say (char **r_text, gpg_err_code_t code, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (r_text, fmt, ap) < 0)
    *r_text = NULL;
  va_end (ap);
  return gpg_error (code);
}

/* Append ", " and S to the malloced list *P.  */
static void
list_add (char **p, const char *s)
{
  char *n;

  if (asprintf (&n, "%s%s%s", *p ? *p : "", *p ? ", " : "", s) < 0)
    return;
  free (*p);
  *p = n;
}

/* Recipients named in an error text.  */
#define EXPLAIN_MAX_RECIPIENTS 16

char *
explain_recipients (const struct explain_run *run)
{
  const struct status_result *st = run->res ? run->res->status : NULL;
  const char *keyid;
  char *list = NULL;
  char item[32];
  unsigned int i, n;

  /* gpg's ENC_TO lines when it ran, else the peeked PKESKs.  */
  n = st && st->nrecp ? st->nrecp : run->peek->npkesk;
  for (i = 0; i < n; i++)
    {
      /* An error line, not a dump: the first few name the message.  */
      if (i < EXPLAIN_MAX_RECIPIENTS && st && st->nrecp)
        keyid = st->recp[i].keyid;
      else if (i < EXPLAIN_MAX_RECIPIENTS && i < PACKET_MAX_ESK)
        keyid = run->peek->pkesk[i].keyid;
      else
        {
          snprintf (item, sizeof item, "%u more", n - i);
          list_add (&list, item);
          break;
        }
      if (!*keyid)
        list_add (&list, "a key without key ID");
      else if (!strcmp (keyid, "0000000000000000"))
        list_add (&list, "an anonymous recipient");
      else
        {
          snprintf (item, sizeof item, "0x%s", keyid);
          list_add (&list, item);
        }
    }
  if (run->peek->nskesk || (st && st->need_passphrase_sym))
    list_add (&list, "a password");
  return list ? list : strdup ("nobody");
}

/* "0xA (uid), 0xB (uid)": the secret decryption subkeys we hold.  */
static char *
held_keys (const struct explain_run *run)
{
  const struct keys_key *key;
  const struct keys_subkey *sk;
  char *list = NULL, *item;
  unsigned int i, j, n;

  n = run->index ? keys_index_count (run->index) : 0;
  for (i = 0; i < n; i++)
    {
      key = keys_index_at (run->index, i);
      for (j = 0; j < key->nsubkeys; j++)
        {
          sk = key->subkeys + j;
          if (!sk->secret || !sk->can_encrypt)
            continue;
          if (asprintf (&item, "0x%s (%s)", sk->keyid,
                        keys_key_name (key)) < 0)
            continue;
          list_add (&list, item);
          free (item);
        }
    }
  return list ? list : strdup ("no secret decryption key");
}

/* Every PKESK is anonymous (--throw-keyids): gpg tried our keys on
 * each of them, so naming recipients would say nothing.  */
static int
all_hidden (const struct explain_run *run)
{
  const struct status_result *st = run->res ? run->res->status : NULL;
  const struct packet_peek *p = run->peek;
  unsigned int i;

  if (st && st->nrecp)
    {
      for (i = 0; i < st->nrecp; i++)
        if (!st->recp[i].anonymous)
          return 0;
      return 1;
    }
  if (!p->npkesk || p->npkesk > PACKET_MAX_ESK)
    return 0;
  for (i = 0; i < p->npkesk; i++)
    if (strcmp (p->pkesk[i].keyid, "0000000000000000"))
      return 0;
  return 1;
}

static gpg_error_t
no_seckey (const struct explain_run *run, char **r_text)
{
  char *to = explain_recipients (run);
  char *held = held_keys (run);
  const char *rings = run->keyrings ? run->keyrings : "the keyrings";
  gpg_error_t err;

  if (all_hidden (run))
    err = say (r_text, GPG_ERR_NO_SECKEY, "encrypted to hidden recipients;"
               " none of the keyrings' keys decrypts it (%s %s %s)", rings,
               strncmp (rings, "keyring ", 8) ? "hold" : "holds",
               held ? held : "?");
  else
    err = say (r_text, GPG_ERR_NO_SECKEY, "no secret key for this message"
               " (encrypted to %s; %s %s %s)", to ? to : "?", rings,
               strncmp (rings, "keyring ", 8) ? "hold" : "holds",
               held ? held : "?");
  free (to);
  free (held);
  return err;
}

/* Whether a secret decryption subkey with KEYID is in the index.  */
static int
have_secret (const struct explain_run *run, const char *keyid)
{
  const struct keys_key *key;
  unsigned int i, j;

  for (i = 0; i < keys_index_count (run->index); i++)
    {
      key = keys_index_at (run->index, i);
      for (j = 0; j < key->nsubkeys; j++)
        if (key->subkeys[j].secret && key->subkeys[j].can_encrypt
            && !strcasecmp (key->subkeys[j].keyid, keyid))
          return 1;
    }
  return 0;
}

/* No PKESK of the message names a key we hold.  Only when every PKESK
 * was seen and names its key; anonymous ones make gpg try them all.  */
static int
surely_no_seckey (const struct explain_run *run)
{
  const struct packet_peek *p = run->peek;
  unsigned int i;

  if (!run->index || !p->npkesk || p->npkesk > PACKET_MAX_ESK
      || (p->nskesk && run->password_ref))
    return 0;
  for (i = 0; i < p->npkesk; i++)
    if (strlen (p->pkesk[i].keyid) != 16
        || !strcmp (p->pkesk[i].keyid, "0000000000000000")
        || have_secret (run, p->pkesk[i].keyid))
      return 0;
  return 1;
}

static const char *
what_kind (enum packet_kind kind)
{
  switch (kind)
    {
    case PACKET_KIND_SIGNED:
      return "a signed message that is not encrypted (use the verify step)";
    case PACKET_KIND_SIGNATURE:
      return "a detached signature, not an encrypted message";
    case PACKET_KIND_LITERAL:
    case PACKET_KIND_COMPRESSED:
      return "an OpenPGP message that is not encrypted";
    case PACKET_KIND_PUBKEY:
      return "a public key, not an encrypted message";
    case PACKET_KIND_SECKEY:
      return "a secret key, not an encrypted message";
    case PACKET_KIND_CLEARTEXT:
      return "a cleartext-signed message that is not encrypted (use the"
        " verify step)";
    default:
      return NULL;
    }
}

gpg_error_t
explain_peek (const struct explain_run *run, size_t len, int allow_sed,
              char **r_text, const char **r_key)
{
  const struct packet_peek *p = run->peek;
  const char *what;

  *r_text = NULL;
  *r_key = NULL;
  if (!len)
    return say (r_text, GPG_ERR_NO_DATA, "the input is empty");
  if (p->format == PACKET_FMT_NONE)
    return say (r_text, GPG_ERR_NO_DATA, "the input is not OpenPGP data"
                " (neither an armored nor a binary OpenPGP message)");
  if (p->format == PACKET_FMT_ARMORED && p->armor == ARMOR_CLEARTEXT)
    return say (r_text, GPG_ERR_BAD_DATA, "the input is %s",
                what_kind (PACKET_KIND_CLEARTEXT));
  if (p->format == PACKET_FMT_ARMORED && p->armor_err)
    return say (r_text, gpg_err_code (p->armor_err), "the armored input is"
                " damaged: %s", gpg_strerror (p->armor_err));
  if (p->format == PACKET_FMT_ARMORED && p->armor != ARMOR_MESSAGE)
    return say (r_text, GPG_ERR_BAD_DATA, "the input is an armored %s,"
                " not a PGP MESSAGE", armor_type_label (p->armor));
  if (p->unsupported)
    return say (r_text, GPG_ERR_INV_PACKET, "unsupported OpenPGP message:"
                " v6 packets or SEIPDv2 (RFC 9580) cannot be decrypted by"
                " gpg 2.2");
  if (p->truncated && run->eof)
    return say (r_text, GPG_ERR_TRUNCATED, "the message is truncated");
  if (p->malformed)
    return say (r_text, GPG_ERR_INV_PACKET, "malformed OpenPGP data: an"
                " impossible packet header or length");
  if (p->kind != PACKET_KIND_ENCRYPTED)
    {
      what = what_kind (p->kind);
      return say (r_text, what ? GPG_ERR_BAD_DATA : GPG_ERR_NO_DATA,
                  "the input is %s", what ? what
                  : "not an OpenPGP message");
    }
  if (p->container == PACKET_CONT_NONE && run->eof && !p->more)
    return say (r_text, GPG_ERR_TRUNCATED, "the message has session keys"
                " but no encrypted data");
  if (p->container == PACKET_CONT_SED && !allow_sed)
    {
      *r_key = "allow-legacy-no-mdc";
      return say (r_text, GPG_ERR_BAD_DATA, "legacy encryption without"
                  " integrity protection (SED, packet tag 9) is refused: the"
                  " message could have been altered unnoticed; set"
                  " allow-legacy-no-mdc=true to accept such messages");
    }
  if (p->nskesk && !p->npkesk && !run->password_ref)
    {
      *r_key = "password";
      return say (r_text, GPG_ERR_NO_PASSPHRASE, "the message is"
                  " password-encrypted and the step has no password (set"
                  " password)");
    }
  if (surely_no_seckey (run))
    {
      *r_key = "keyring";
      return no_seckey (run, r_text);
    }
  return 0;
}

/* The input filter failed for a reason of its own.  */
static gpg_error_t
input_failure (const struct explain_run *run, char **r_text)
{
  gpg_error_t err = run->res->input_err;

  switch (gpg_err_code (err))
    {
    case GPG_ERR_INV_ARMOR:
    case GPG_ERR_CHECKSUM:
    case GPG_ERR_TRUNCATED:
    case GPG_ERR_NO_DATA:
    case GPG_ERR_NOT_SUPPORTED:
      return say (r_text, gpg_err_code (err), "the armored input is"
                  " damaged: %s", gpg_strerror (err));
    default:
      return say (r_text, gpg_err_code (err), "reading the input failed:"
                  " %s", gpg_strerror (err));
    }
}

int
explain_max_output_exceeded (const struct explain_run *run)
{
  const struct status_result *st = run->res->status;

  if (!run->max_output || run->res->exit_status == 0)
    return 0;
  if (st->have_plaintext_length && st->plaintext_length > run->max_output)
    return 1;
  if (run->output_size >= run->max_output)
    return 1;
  return run->res->diag && strstr (run->res->diag, "max-output");
}

gpg_error_t
explain_failure (const struct explain_run *run, char **r_text,
                 const char **r_key)
{
  const struct gpgop_result *res = run->res;
  status_result_t st;
  gpg_error_t err;
  char diag[256];
  char *to;
  int sym;

  *r_text = NULL;
  *r_key = NULL;
  if (gpg_err_code (run->rc) == GPG_ERR_CANCELED)
    return say (r_text, GPG_ERR_CANCELED, "cancelled");
  if (!res || !res->status)
    return say (r_text, gpg_err_code (run->rc ? run->rc : GPG_ERR_INTERNAL),
                "cannot run gpg: %s", gpg_strerror (run->rc));
  st = res->status;
  gpgop_diag_line (res, diag, sizeof diag);

  /* An input error of our own comes first; EPIPE only says that gpg
   * stopped reading, which gpg explains better.  */
  if (res->input_err && gpg_err_code (res->input_err) != GPG_ERR_EPIPE)
    return input_failure (run, r_text);
  if (res->output_err)
    return say (r_text, gpg_err_code (res->output_err), "writing the output"
                " failed: %s", gpg_strerror (res->output_err));
  if (explain_max_output_exceeded (run))
    {
      *r_key = "max-output-bytes";
      return say (r_text, GPG_ERR_TOO_LARGE, "the plaintext is larger than"
                  " max-output-bytes (%llu bytes): refused as a possible"
                  " decompression bomb; raise max-output-bytes if such"
                  " messages are expected", run->max_output);
    }

  sym = st->last_need_sym || (!st->nrecp && st->need_passphrase_sym);
  err = res->run_err;
  if (!err || gpg_err_code (err) == GPG_ERR_EPIPE)
    err = gpgop_error (0, res);
  /* After the session key, a packet gpg cannot parse is damaged
   * ciphertext (e.g. a bad OCB chunk tag), not foreign data.  */
  if (st->decryption_info && (gpg_err_code (err) == GPG_ERR_NO_DATA
                              || gpg_err_code (err) == GPG_ERR_INV_PACKET))
    err = gpg_error (GPG_ERR_BAD_DATA);
  switch (gpg_err_code (err))
    {
    case GPG_ERR_NO_SECKEY:
      *r_key = "keyring";
      return no_seckey (run, r_text);
    case GPG_ERR_NO_PASSPHRASE:
      if (sym)
        {
          *r_key = "password";
          return say (r_text, GPG_ERR_NO_PASSPHRASE, "the message is"
                      " password-encrypted and the step has no password"
                      " (set password)");
        }
      return say (r_text, GPG_ERR_NO_PASSPHRASE, "the secret key is"
                  " protected by a passphrase that the runtime keyring did"
                  " not remove (check the keyring's passphrase)");
    case GPG_ERR_BAD_PASSPHRASE:
      return say (r_text, GPG_ERR_BAD_PASSPHRASE, "wrong passphrase for the"
                  " secret key (check the keyring's passphrase)");
    case GPG_ERR_DECRYPT_FAILED:
      if (sym && (st->bad_passphrase_sym || !st->nrecp))
        {
          *r_key = "password";
          return say (r_text, GPG_ERR_DECRYPT_FAILED, "wrong password: the"
                      " message cannot be decrypted with password %s",
                      run->password_ref ? run->password_ref : "(none)");
        }
      to = explain_recipients (run);
      err = say (r_text, GPG_ERR_DECRYPT_FAILED, "cannot decrypt the session"
                 " key (encrypted to %s)%s%s", to ? to : "?",
                 *diag ? ": " : "", diag);
      free (to);
      return err;
    case GPG_ERR_CHECKSUM:
      return say (r_text, GPG_ERR_CHECKSUM, "integrity check failed (MDC"
                  " mismatch): the message was altered or damaged");
    case GPG_ERR_BAD_DATA:
      return say (r_text, GPG_ERR_BAD_DATA, "the encrypted data is corrupt,"
                  " truncated or was altered%s%s", *diag ? ": " : "", diag);
    case GPG_ERR_NO_DATA:
      return say (r_text, GPG_ERR_NO_DATA, "not an OpenPGP message%s%s",
                  *diag ? ": " : "", diag);
    case GPG_ERR_INV_PACKET:
      return say (r_text, GPG_ERR_INV_PACKET, "invalid OpenPGP packet%s%s",
                  *diag ? ": " : "", diag);
    case GPG_ERR_TOO_LARGE:
      return say (r_text, GPG_ERR_TOO_LARGE, "the message has more"
                  " recipients or signatures than pgpstep checks (%d of"
                  " each); refused", STATUS_MAX_RECORDS);
    case GPG_ERR_UNEXPECTED_MSG:
      return say (r_text, GPG_ERR_UNEXPECTED_MSG, "gpg asked a question"
                  " pgpstep does not answer%s%s", *diag ? ": " : "", diag);
    default:
      return say (r_text, gpg_err_code (err), "gpg failed (exit %d): %s%s%s",
                  res->exit_status, gpg_strerror (err), *diag ? ": " : "",
                  diag);
    }
}
