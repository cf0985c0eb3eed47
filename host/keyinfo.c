/* keyinfo.c - list the keys of a pipeline's keyrings (embedding API).
 *
 * A listing is a snapshot: it owns copies of everything, so it stays
 * valid after the pipeline (and its runtime homes) are gone.
 */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gnupg.h"
#include "json.h"
#include "keyring.h"

#define DEFAULT_WARN_DAYS 14

struct pgpstep_keylist
{
  struct pgpstep_keyinfo *items;
  unsigned int count;
};

static void
free_item (struct pgpstep_keyinfo *ki)
{
  char **uid;

  free ((char *)ki->keyring);
  free ((char *)ki->fingerprint);
  free ((char *)ki->algorithm);
  for (uid = (char **)ki->user_ids; uid && *uid; uid++)
    free (*uid);
  free ((char **)ki->user_ids);
}

void
pgpstep_keylist_release (pgpstep_keylist_t list)
{
  unsigned int i;

  if (!list)
    return;
  for (i = 0; i < list->count; i++)
    free_item (list->items + i);
  free (list->items);
  free (list);
}

unsigned int
pgpstep_keylist_count (pgpstep_keylist_t list)
{
  return list ? list->count : 0;
}

const struct pgpstep_keyinfo *
pgpstep_keylist_at (pgpstep_keylist_t list, unsigned int idx)
{
  return list && idx < list->count ? list->items + idx : NULL;
}

static int
usable (gpgme_subkey_t sk)
{
  return !sk->revoked && !sk->expired && !sk->invalid && !sk->disabled;
}

/* Fill KI from KEY (as listed with its secret flags).  */
static gpg_error_t
fill_item (struct pgpstep_keyinfo *ki, const char *keyring, gpgme_key_t key,
           unsigned int warn_days)
{
  gpgme_subkey_t pk = key->subkeys, sk;
  gpgme_user_id_t uid;
  char **uids;
  char *algo;
  unsigned int n;
  long long now = time (NULL);

  ki->struct_size = sizeof *ki;
  for (n = 0, uid = key->uids; uid; uid = uid->next)
    n++;
  ki->user_ids = (const char *const *)(uids = calloc (n + 1, sizeof *uids));
  if (!uids)
    return gpg_error_from_syserror ();
  for (n = 0, uid = key->uids; uid; uid = uid->next)
    if (uid->uid && !(uids[n++] = strdup (uid->uid)))
      return gpg_error_from_syserror ();
  algo = gpgme_pubkey_algo_string (pk);
  ki->algorithm = strdup (algo ? algo : "unknown");
  gpgme_free (algo);
  ki->keyring = strdup (keyring);
  ki->fingerprint = strdup (pk->fpr ? pk->fpr : key->fpr);
  if (!ki->algorithm || !ki->keyring || !ki->fingerprint)
    return gpg_error_from_syserror ();
  ki->bits = pk->length;
  ki->created = pk->timestamp;
  ki->expires = pk->expires;
  for (sk = pk; sk; sk = sk->next)
    if (sk->secret && !sk->is_cardkey)
      ki->has_secret = 1;

  if (key->revoked || pk->revoked)
    ki->status = PGPSTEP_KEY_REVOKED;
  else if (key->expired || pk->expired)
    ki->status = PGPSTEP_KEY_EXPIRED;
  else if (key->invalid || key->disabled || !usable (pk))
    ki->status = PGPSTEP_KEY_INVALID;
  else
    {
      /* The key is as good as its first capability to expire.  */
      for (sk = pk; sk; sk = sk->next)
        {
          if (!usable (sk))
            continue;
          ki->capabilities |= (sk->can_encrypt ? PGPSTEP_KEY_CAN_ENCRYPT : 0)
            | (sk->can_sign ? PGPSTEP_KEY_CAN_SIGN : 0)
            | (sk->can_certify ? PGPSTEP_KEY_CAN_CERTIFY : 0);
          if (sk->expires > 0 && (!ki->expires || sk->expires < ki->expires))
            ki->expires = sk->expires;
        }
      ki->status = PGPSTEP_KEY_VALID;
      if (ki->expires && ki->expires - now <= (long long)warn_days * 86400)
        ki->status = PGPSTEP_KEY_CRITICAL;
    }
  return 0;
}

static gpg_error_t
add_keyring (struct pgpstep_keylist *list, const struct keyring_keys *kk,
             unsigned int warn_days)
{
  gpg_error_t err;
  gpgme_ctx_t ctx = NULL;
  gpgme_key_t key = NULL;
  struct pgpstep_keyinfo *tmp;
  unsigned int i;

  if (!kk->nfprs)
    return 0;
  err = gnupg_new_ctx (kk->origin->dir, &ctx);
  if (err)
    return err;
  gpgme_set_keylist_mode (ctx, GPGME_KEYLIST_MODE_LOCAL
                          | GPGME_KEYLIST_MODE_WITH_SECRET);
  for (i = 0; !err && i < kk->nfprs; i++)
    {
      err = gpgme_get_key (ctx, kk->fprs[i], &key, 0);
      if (err)
        break;
      tmp = realloc (list->items, (list->count + 1) * sizeof *tmp);
      if (!tmp)
        err = gpg_error_from_syserror ();
      else
        {
          list->items = tmp;
          memset (tmp + list->count, 0, sizeof *tmp);
          err = fill_item (tmp + list->count, kk->name, key, warn_days);
          list->count++;        /* Even half-filled: release frees it. */
        }
      gpgme_key_unref (key);
      key = NULL;
    }
  gpgme_release (ctx);
  return err;
}

gpg_error_t
pgpstep_pipeline_keys (pgpstep_pipeline_t pl,
                       const struct pgpstep_keylist_options *opt,
                       pgpstep_keylist_t *r_list)
{
  gpg_error_t err = 0;
  struct pgpstep_keylist *list;
  unsigned int k, warn_days = DEFAULT_WARN_DAYS;

  if (r_list)
    *r_list = NULL;
  if (!pl || !r_list)
    return gpg_error (GPG_ERR_INV_ARG);
  if (opt && PGPSTEP_HAS_MEMBER (opt, struct pgpstep_keylist_options,
                                 warn_days) && opt->warn_days)
    warn_days = opt->warn_days;
  list = calloc (1, sizeof *list);
  if (!list)
    return gpg_error_from_syserror ();
  for (k = 0; !err && pl->homes && k < pl->homes->nkeyrings; k++)
    err = add_keyring (list, pl->homes->keyrings + k, warn_days);
  if (err)
    pgpstep_keylist_release (list);
  else
    *r_list = list;
  return err;
}

gpg_error_t
pgpstep_keys_load_file (pgpstep_t ctx, const char *file,
                        const struct pgpstep_keylist_options *opt,
                        pgpstep_keylist_t *r_list, char **r_message)
{
  gpg_error_t err;
  pgpstep_pipeline_t pl = NULL;

  if (r_list)
    *r_list = NULL;
  if (r_message)
    *r_message = NULL;
  if (!ctx || !file || !r_list)
    return gpg_error (GPG_ERR_INV_ARG);
  err = pipeline_load_file (ctx, file, 0, &pl, r_message);
  if (err)
    return err;
  err = pgpstep_pipeline_keys (pl, opt, r_list);
  pgpstep_pipeline_release (pl);
  return err;
}


/*
 * JSON
 */

static void
put_time (FILE *fp, long long t)
{
  char buf[32];
  time_t tt = t;
  struct tm tm;

  if (!t || !gmtime_r (&tt, &tm))
    {
      fputs ("null", fp);
      return;
    }
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  fprintf (fp, "\"%s\"", buf);
}

static const char *
status_name (pgpstep_key_status_t status)
{
  switch (status)
    {
    case PGPSTEP_KEY_VALID:    return "valid";
    case PGPSTEP_KEY_CRITICAL: return "critical";
    case PGPSTEP_KEY_EXPIRED:  return "expired";
    case PGPSTEP_KEY_REVOKED:  return "revoked";
    default:                   return "invalid";
    }
}

gpg_error_t
pgpstep_keylist_to_json (pgpstep_keylist_t list, char **r_json)
{
  const struct pgpstep_keyinfo *ki;
  const char *const *uid;
  char *buf = NULL;
  size_t len = 0;
  unsigned int i;
  FILE *fp;
  int n;

  if (r_json)
    *r_json = NULL;
  if (!list || !r_json)
    return gpg_error (GPG_ERR_INV_ARG);
  fp = open_memstream (&buf, &len);
  if (!fp)
    return gpg_error_from_syserror ();
  fputs ("[", fp);
  for (i = 0; (ki = pgpstep_keylist_at (list, i)); i++)
    {
      fputs (i ? ",\n {" : "\n {", fp);
      fputs ("\"keyring\": ", fp);
      json_put_string (fp, ki->keyring);
      fputs (", \"fingerprint\": ", fp);
      json_put_string (fp, ki->fingerprint);
      fputs (", \"user_ids\": [", fp);
      for (uid = ki->user_ids; *uid; uid++)
        {
          fputs (uid == ki->user_ids ? "" : ", ", fp);
          json_put_string (fp, *uid);
        }
      fputs ("], \"algorithm\": ", fp);
      json_put_string (fp, ki->algorithm);
      fprintf (fp, ", \"bits\": %u, \"capabilities\": [", ki->bits);
      n = 0;
      if (ki->capabilities & PGPSTEP_KEY_CAN_ENCRYPT)
        fprintf (fp, "%s\"encrypt\"", n++ ? ", " : "");
      if (ki->capabilities & PGPSTEP_KEY_CAN_SIGN)
        fprintf (fp, "%s\"sign\"", n++ ? ", " : "");
      if (ki->capabilities & PGPSTEP_KEY_CAN_CERTIFY)
        fprintf (fp, "%s\"certify\"", n++ ? ", " : "");
      fprintf (fp, "], \"secret\": %s, \"created\": ",
               ki->has_secret ? "true" : "false");
      put_time (fp, ki->created);
      fputs (", \"expires\": ", fp);
      put_time (fp, ki->expires);
      fprintf (fp, ", \"status\": \"%s\"}", status_name (ki->status));
    }
  fputs (i ? "\n]\n" : "]\n", fp);
  if (fclose (fp))
    {
      free (buf);
      return gpg_error_from_syserror ();
    }
  *r_json = buf;
  return 0;
}
