/* keys.c - an in-memory index of the keys of one GnuPG home.
 *
 * GPGME lists the keys once; everything else works on our copy, so
 * that per-message lookups need neither a gpg process nor a lock.
 * See keys.h.
 */
#include <config.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <gpgme.h>

#include "keys.h"

/* Oldest gpg whose machine interface the engine relies on.  */
#define MIN_GPG_VERSION "2.2.0"

struct keys_index
{
  char *description;           /* "keyrings a, b" or the home.  */
  struct keys_key *keys;
  unsigned int nkeys;
};


static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static gpg_error_t init_err;
static char gpg_path[1024];
static char init_why[1024];     /* Why the gpg cannot be used.  */

/* Compare dotted version strings numerically.  */
static int
version_at_least (const char *have, const char *want)
{
  unsigned long a, b;
  char *end;

  while (*want)
    {
      a = strtoul (have, &end, 10);
      have = (*end == '.') ? end + 1 : end;
      b = strtoul (want, &end, 10);
      want = (*end == '.') ? end + 1 : end;
      if (a != b)
        return a > b;
    }
  return 1;
}

/* GPGME wants gpgme_check_version before anything else, once per
 * process; the engine's path is taken from it at the same time.  */
static void
do_init (void)
{
  gpgme_engine_info_t info;
  const char *env;

  if (!gpgme_check_version (NULL))
    {
      init_err = gpg_error (GPG_ERR_INV_ENGINE);
      return;
    }
  init_err = gpgme_engine_check_version (GPGME_PROTOCOL_OpenPGP);
  if (init_err)
    return;

  env = getenv ("PGPSTEP_GPG");
  if (env && *env)
    {
      if (*env != '/' || strlen (env) >= sizeof gpg_path
          || access (env, X_OK))
        {
          init_err = gpg_error (GPG_ERR_CONFIGURATION);
          snprintf (init_why, sizeof init_why, "PGPSTEP_GPG=%.900s is not"
                    " an absolute path to a program", env);
          return;
        }
      strcpy (gpg_path, env);
      return;
    }

  init_err = gpgme_get_engine_info (&info);
  if (init_err)
    return;
  for (; info; info = info->next)
    if (info->protocol == GPGME_PROTOCOL_OpenPGP)
      break;
  if (!info || !info->file_name || *info->file_name != '/'
      || strlen (info->file_name) >= sizeof gpg_path
      || !info->version || !version_at_least (info->version, MIN_GPG_VERSION))
    {
      init_err = gpg_error (GPG_ERR_CONFIGURATION);
      snprintf (init_why, sizeof init_why, "GPGME's gpg %.900s (version"
                " %s) is not usable: gpg 2.2 or later is needed",
                info && info->file_name ? info->file_name : "(none)",
                info && info->version ? info->version : "unknown");
      return;
    }
  strcpy (gpg_path, info->file_name);
}

const char *
keys_strerror (gpg_error_t err)
{
  if (err && err == init_err && *init_why)
    return init_why;
  return gpg_strerror (err);
}

gpg_error_t
keys_gpg_path (const char **r_path)
{
  *r_path = NULL;
  pthread_once (&init_once, do_init);
  if (init_err)
    return init_err;
  *r_path = gpg_path;
  return 0;
}


static char *
xstrdup_or_null (const char *s, gpg_error_t *err)
{
  char *p;

  if (!s)
    return NULL;
  p = strdup (s);
  if (!p)
    *err = gpg_error_from_syserror ();
  return p;
}

static void
copy_upper (char *dst, size_t size, const char *src)
{
  size_t i;

  for (i = 0; src && src[i] && i + 1 < size; i++)
    dst[i] = (char) toupper ((unsigned char) src[i]);
  dst[i] = 0;
}

static void
free_key (struct keys_key *key)
{
  unsigned int i;

  for (i = 0; i < key->nuids; i++)
    {
      free (key->uids[i].uid);
      free (key->uids[i].email);
    }
  free (key->uids);
  free (key->subkeys);
}

/* Copy what we need of the GPGME key K into *KEY.  */
static gpg_error_t
copy_key (struct keys_key *key, gpgme_key_t k)
{
  gpg_error_t err = 0;
  gpgme_subkey_t sk;
  gpgme_user_id_t u;
  unsigned int n;

  memset (key, 0, sizeof *key);
  copy_upper (key->fpr, sizeof key->fpr, k->fpr);
  key->expired = !!k->expired;
  key->revoked = !!k->revoked;
  key->disabled = !!k->disabled;
  key->invalid = !!k->invalid;
  key->secret = !!k->secret;

  for (n = 0, sk = k->subkeys; sk; sk = sk->next)
    n++;
  key->subkeys = calloc (n ? n : 1, sizeof *key->subkeys);
  if (!key->subkeys)
    return gpg_error_from_syserror ();
  for (sk = k->subkeys; sk; sk = sk->next)
    {
      struct keys_subkey *s = &key->subkeys[key->nsubkeys++];

      copy_upper (s->fpr, sizeof s->fpr, sk->fpr);
      copy_upper (s->keyid, sizeof s->keyid, sk->keyid);
      s->pubkey_algo = sk->pubkey_algo;
      s->expires = sk->expires > 0 ? (time_t) sk->expires : 0;
      s->can_encrypt = !!sk->can_encrypt;
      s->can_sign = !!sk->can_sign;
      s->can_certify = !!sk->can_certify;
      s->expired = !!sk->expired;
      s->revoked = !!sk->revoked;
      s->disabled = !!sk->disabled;
      s->invalid = !!sk->invalid;
      /* A stub (gnu-dummy, card) is no usable secret key here.  */
      s->secret = sk->secret && !sk->is_cardkey
        && !(sk->card_number && *sk->card_number);
    }
  if (!key->fpr[0] && key->nsubkeys)
    strcpy (key->fpr, key->subkeys[0].fpr);

  for (n = 0, u = k->uids; u; u = u->next)
    n++;
  key->uids = calloc (n ? n : 1, sizeof *key->uids);
  if (!key->uids)
    return gpg_error_from_syserror ();
  for (u = k->uids; u && !err; u = u->next)
    {
      struct keys_uid *d = &key->uids[key->nuids++];

      d->uid = xstrdup_or_null (u->uid ? u->uid : "", &err);
      if (!err && u->email && *u->email)
        d->email = xstrdup_or_null (u->email, &err);
      d->revoked = !!u->revoked;
      d->invalid = !!u->invalid;
    }
  return err;
}

gpg_error_t
keys_index_new (const char *homedir, const char *description,
                keys_index_t *r_index)
{
  gpg_error_t err;
  const char *path;
  gpgme_ctx_t ctx = NULL;
  gpgme_key_t k = NULL;
  keys_index_t index = NULL;
  size_t alloced = 0;

  *r_index = NULL;
  err = keys_gpg_path (&path);
  if (err)
    goto leave;

  index = calloc (1, sizeof *index);
  if (!index)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if (description)
    index->description = strdup (description);
  else if (asprintf (&index->description, "GnuPG home %s", homedir) < 0)
    index->description = NULL;
  if (!index->description)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }

  err = gpgme_new (&ctx);
  if (!err)
    err = gpgme_set_protocol (ctx, GPGME_PROTOCOL_OpenPGP);
  if (!err)
    err = gpgme_ctx_set_engine_info (ctx, GPGME_PROTOCOL_OpenPGP, path,
                                     homedir);
  /* WITH_SECRET marks keys and subkeys whose secret part exists, in
   * one listing.  */
  if (!err)
    err = gpgme_set_keylist_mode (ctx, (GPGME_KEYLIST_MODE_LOCAL
                                        | GPGME_KEYLIST_MODE_WITH_SECRET));
  if (!err)
    err = gpgme_op_keylist_start (ctx, NULL, 0);
  while (!err)
    {
      err = gpgme_op_keylist_next (ctx, &k);
      if (err)
        break;
      if (index->nkeys == alloced)
        {
          size_t n = alloced ? 2 * alloced : 16;
          struct keys_key *p = realloc (index->keys, n * sizeof *p);

          if (!p)
            {
              err = gpg_error_from_syserror ();
              break;
            }
          index->keys = p;
          alloced = n;
        }
      err = copy_key (&index->keys[index->nkeys], k);
      index->nkeys++;
      gpgme_key_unref (k);
      k = NULL;
    }
  if (gpg_err_code (err) == GPG_ERR_EOF)
    err = 0;
  if (!err)
    err = gpgme_op_keylist_end (ctx);

 leave:
  gpgme_key_unref (k);
  gpgme_release (ctx);
  if (err)
    keys_index_release (index);
  else
    *r_index = index;
  return err;
}

void
keys_index_release (keys_index_t index)
{
  unsigned int i;

  if (!index)
    return;
  for (i = 0; i < index->nkeys; i++)
    free_key (&index->keys[i]);
  free (index->keys);
  free (index->description);
  free (index);
}

unsigned int
keys_index_count (keys_index_t index)
{
  return index ? index->nkeys : 0;
}

const struct keys_key *
keys_index_at (keys_index_t index, unsigned int idx)
{
  return (index && idx < index->nkeys) ? &index->keys[idx] : NULL;
}


/* If SPEC is a fingerprint (40 or 64 hex digits, optional 0x), copy
 * it upper-cased to FPR and return true.  */
static int
spec_fingerprint (const char *spec, char *fpr)
{
  size_t n;

  if (spec[0] == '0' && (spec[1] == 'x' || spec[1] == 'X'))
    spec += 2;
  n = strspn (spec, "0123456789abcdefABCDEF");
  if (spec[n] || (n != 40 && n != 64))
    return 0;
  copy_upper (fpr, KEYS_FPR_MAX + 1, spec);
  return 1;
}

int
keys_spec_valid (const char *spec)
{
  char fpr[KEYS_FPR_MAX + 1];
  const unsigned char *p;

  if (!spec || !*spec || strlen (spec) > 1024)
    return 0;
  if (spec_fingerprint (spec, fpr))
    return 1;
  for (p = (const unsigned char *) spec; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return 0;
  if (*spec == '<')
    return strlen (spec) > 3 && spec[strlen (spec) - 1] == '>'
      && strchr (spec, '@') && !strchr (spec + 1, '<');
  return 1;
}

static int
key_matches (const struct keys_key *key, const char *spec, const char *fpr,
             int is_fpr)
{
  unsigned int i;
  size_t n;

  if (is_fpr)
    {
      for (i = 0; i < key->nsubkeys; i++)
        if (!strcmp (key->subkeys[i].fpr, fpr))
          return 1;
      return !strcmp (key->fpr, fpr);
    }
  if (*spec == '<')
    {
      n = strlen (spec);
      for (i = 0; i < key->nuids; i++)
        if (key->uids[i].email && strlen (key->uids[i].email) == n - 2
            && !strncasecmp (key->uids[i].email, spec + 1, n - 2))
          return 1;
      return 0;
    }
  for (i = 0; i < key->nuids; i++)
    if (!strcmp (key->uids[i].uid, spec))
      return 1;
  return 0;
}

const char *
keys_key_name (const struct keys_key *key)
{
  unsigned int i;

  for (i = 0; i < key->nuids; i++)
    if (!key->uids[i].revoked && !key->uids[i].invalid && *key->uids[i].uid)
      return key->uids[i].uid;
  return key->fpr;
}

static void
format_time (char *buf, size_t size, time_t t)
{
  struct tm tm;

  if (!gmtime_r (&t, &tm) || !strftime (buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
    snprintf (buf, size, "%lld", (long long) t);
}

/* Whether subkey S can be used for USAGE now.  */
static int
subkey_usable (const struct keys_subkey *s, enum keys_usage usage)
{
  if (s->expired || s->revoked || s->disabled || s->invalid)
    return 0;
  if (usage == KEYS_ENCRYPT)
    return s->can_encrypt;
  return s->can_sign && s->secret;
}

/* Why KEY cannot serve USAGE (a static text), or NULL if it can.
 * *R_WHEN is set for "expired".  */
static const char *
unusable_reason (const struct keys_key *key, enum keys_usage usage,
                 time_t *r_when)
{
  unsigned int i, capable = 0, capable_secret = 0;

  *r_when = 0;
  if (key->revoked)
    return "is revoked";
  if (key->expired)
    {
      *r_when = key->nsubkeys ? key->subkeys[0].expires : 0;
      return "is expired";
    }
  if (key->disabled)
    return "is disabled";
  if (key->invalid)
    return "is invalid";
  for (i = 0; i < key->nsubkeys; i++)
    {
      if (subkey_usable (&key->subkeys[i], usage))
        return NULL;
      if (usage == KEYS_ENCRYPT ? key->subkeys[i].can_encrypt
          : key->subkeys[i].can_sign)
        {
          capable++;
          if (key->subkeys[i].secret)
            capable_secret++;
        }
    }
  if (usage == KEYS_SIGN && !key->secret)
    return "has no secret key";
  if (capable)
    {
      for (i = 0; i < key->nsubkeys; i++)
        if ((usage == KEYS_ENCRYPT ? key->subkeys[i].can_encrypt
             : key->subkeys[i].can_sign) && key->subkeys[i].expired)
          {
            *r_when = key->subkeys[i].expires;
            break;
          }
      if (*r_when)
        return usage == KEYS_ENCRYPT
          ? "has only an expired encryption subkey"
          : "has only an expired signing subkey";
      if (usage == KEYS_SIGN && !capable_secret)
        return "has no secret signing subkey";
      return usage == KEYS_ENCRYPT
        ? "has only revoked or unusable encryption subkeys"
        : "has only revoked or unusable signing subkeys";
    }
  return usage == KEYS_ENCRYPT ? "has no encryption-capable subkey"
    : "has no signing-capable subkey";
}

gpg_error_t
keys_resolve (keys_index_t index, const char *spec, enum keys_usage usage,
              const struct keys_key **r_key, char **r_reason)
{
  gpg_error_t fail = gpg_error (usage == KEYS_ENCRYPT
                                ? GPG_ERR_UNUSABLE_PUBKEY
                                : GPG_ERR_UNUSABLE_SECKEY);
  gpg_error_t err = 0;
  char fpr[KEYS_FPR_MAX + 1];
  const struct keys_key *found = NULL;
  const char *why;
  unsigned int i, nfound = 0;
  char *reason = NULL;
  char *list = NULL;
  size_t listlen = 0;
  char when[32];
  time_t t;
  int is_fpr;

  *r_key = NULL;
  if (r_reason)
    *r_reason = NULL;

  if (!keys_spec_valid (spec))
    {
      err = fail;
      if (asprintf (&reason, "'%s' is not a fingerprint, <email> or"
                    " user ID", spec ? spec : "") < 0)
        reason = NULL;
      goto leave;
    }
  is_fpr = spec_fingerprint (spec, fpr);

  for (i = 0; i < index->nkeys; i++)
    if (key_matches (&index->keys[i], spec, fpr, is_fpr))
      {
        if (!nfound++)
          found = &index->keys[i];
      }

  if (!nfound)
    {
      err = fail;
      if (asprintf (&reason, "no key for '%s' in %s", spec,
                    index->description) < 0)
        reason = NULL;
      goto leave;
    }

  if (nfound > 1)
    {
      FILE *fp = open_memstream (&list, &listlen);

      err = fail;
      if (!fp)
        goto leave;
      for (i = 0; i < index->nkeys; i++)
        if (key_matches (&index->keys[i], spec, fpr, is_fpr))
          fprintf (fp, "%s%s", ftell (fp) ? ", " : "", index->keys[i].fpr);
      if (fclose (fp))
        goto leave;
      if (asprintf (&reason, "'%s' is ambiguous in %s: keys %s; name the key"
                    " by fingerprint", spec, index->description, list) < 0)
        reason = NULL;
      goto leave;
    }

  why = unusable_reason (found, usage, &t);
  if (why)
    {
      err = fail;
      *r_key = found;
      if (t)
        {
          format_time (when, sizeof when, t);
          if (asprintf (&reason, "key %s (%s) %s since %s", found->fpr,
                        keys_key_name (found), why, when) < 0)
            reason = NULL;
        }
      else if (asprintf (&reason, "key %s (%s) %s", found->fpr,
                         keys_key_name (found), why) < 0)
        reason = NULL;
      goto leave;
    }
  *r_key = found;

 leave:
  free (list);
  if (r_reason)
    *r_reason = reason;
  else
    free (reason);
  return err;
}
