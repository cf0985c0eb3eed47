/* keyring.c - build and remove the runtime homes of a pipeline.
 *
 * Each distinct set of keyrings named by steps gets one home (steps
 * with the same set share it); a keyring no step names gets a home of
 * its own so that every keyring is checked at load.  A keyring is
 * imported from its source (key files, or keys exported from a GnuPG
 * home that is only read) into the first home that holds it; there
 * its protected secret keys are checked against the keyring's
 * passphrase with nothing cached and stored unprotected (agent.c), so
 * that a private-key operation costs no S2K later.  A key that an
 * earlier keyring of the home brought is checked against the later
 * keyring's own copy, in a scratch home, unless both passphrases are
 * the same (check_shared_keys).  Further homes get
 * the keyring's certificates exported from that first home and copies
 * of its now unprotected key files.  Steps without keyrings share
 * one empty home: gpg always needs a home (a password alone, or
 * recipients of another kind), and one the host manages is stopped
 * and removed like the others.  The homes are private to this process
 * (0700, see homedir.c).
 */
#include <config.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "gnupg.h"
#include "homedir.h"
#include "keyring.h"
#include "stepconfig.h"

/* Largest key file we read.  */
#define KEYFILE_MAX_SIZE (16u * 1024 * 1024)

#define PRIVATE_KEYS_DIR "private-keys-v1.d"

/* A keygrip whose protection a keyring's passphrase removed.  */
struct unlocked
{
  struct unlocked *next;
  unsigned int k;
  char grip[41];
};

struct build
{
  struct pgpstep_pipeline *pl;
  struct keyring_homes *h;
  char *message;
  gpgme_ctx_t actx;             /* The agent of the home being built.  */
  char **pass;                  /* Each keyring's passphrase once read,  */
  size_t *passlen;              /* wiped when the build ends.  */
  struct unlocked *unlocked;
};


/* Record the load error of keyring KR as "SOURCE:LINE: keyring 'NAME':
 * TEXT" and return ERR.  */
static gpg_error_t
kfail (struct build *b, const struct keyring_def *kr, gpg_error_t err,
       const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

static gpg_error_t
kfail (struct build *b, const struct keyring_def *kr, gpg_error_t err,
       const char *fmt, ...)
{
  va_list ap;
  char *text = NULL;

  if (b->message)
    return err;
  va_start (ap, fmt);
  if (vasprintf (&text, fmt, ap) < 0)
    text = NULL;
  va_end (ap);
  if (asprintf (&b->message, "%s:%u: keyring '%s': %s", b->pl->source,
                kr->line, kr->name, text ? text : gpg_strerror (err)) < 0)
    b->message = NULL;
  free (text);
  return err;
}

static int
keyring_index (struct pgpstep_pipeline *pl, const char *name)
{
  unsigned int i;

  for (i = 0; i < pl->nkeyrings; i++)
    if (!strcmp (pl->keyrings[i].name, name))
      return i;
  return -1;
}

static gpg_error_t
add_string (char ***array, unsigned int *n, const char *s)
{
  char **tmp;
  unsigned int i;

  for (i = 0; i < *n; i++)
    if (!strcmp ((*array)[i], s))
      return 0;
  tmp = realloc (*array, (*n + 2) * sizeof *tmp);
  if (!tmp)
    return gpg_error_from_syserror ();
  *array = tmp;
  if (!(tmp[*n] = strdup (s)))
    return gpg_error_from_syserror ();
  tmp[++*n] = NULL;
  return 0;
}

static void
free_strings (char **array, unsigned int n)
{
  unsigned int i;

  for (i = 0; i < n; i++)
    free (array[i]);
  free (array);
}


/*
 * Planning: which homes, holding which keyrings
 */

static struct runtime_home *
home_for (struct keyring_homes *h, const unsigned char *members)
{
  struct runtime_home *home, **tail;

  for (tail = &h->list; (home = *tail); tail = &home->next)
    if (!memcmp (home->members, members, h->nkeyrings))
      return home;
  home = calloc (1, sizeof *home);
  /* At least one byte: the empty home of a pipeline without
   * keyrings has no members at all.  */
  if (!home || !(home->members = malloc (h->nkeyrings ? h->nkeyrings : 1)))
    {
      free (home);
      return NULL;
    }
  memcpy (home->members, members, h->nkeyrings);
  pthread_mutex_init (&home->lock, NULL);
  *tail = home;
  return home;
}

static gpg_error_t
plan_homes (struct build *b)
{
  struct pgpstep_pipeline *pl = b->pl;
  struct keyring_homes *h = b->h;
  struct pgpstep_config *cfg;
  unsigned char *members, *used;
  unsigned int i, k, n;
  int idx;

  members = calloc (1, h->nkeyrings ? h->nkeyrings : 1);
  used = calloc (1, h->nkeyrings ? h->nkeyrings : 1);
  if (!members || !used)
    goto nomem;
  for (i = 0; i < pl->nsteps; i++)
    {
      cfg = pl->steps[i];
      memset (members, 0, h->nkeyrings);
      for (n = k = 0; k < cfg->nvalues; k++)
        if (cfg->values[k].spec->type == PGPSTEP_TYPE_KEYRING
            && (idx = keyring_index (pl, cfg->values[k].value)) >= 0)
          members[idx] = used[idx] = 1, n++;
      /* No keyring: the members stay all 0, the empty home.  */
      if (!(cfg->home = home_for (h, members)))
        goto nomem;
    }
  for (k = 0; k < h->nkeyrings; k++)
    if (!used[k])
      {
        memset (members, 0, h->nkeyrings);
        members[k] = 1;
        if (!home_for (h, members))
          goto nomem;
      }
  free (members);
  free (used);
  return 0;

 nomem:
  free (members);
  free (used);
  return gpg_error_from_syserror ();
}


/*
 * Moving keys
 */

/* Import DATA into CTX's home; the result stays valid until the next
 * operation on CTX.  */
static gpg_error_t
import_data (gpgme_ctx_t ctx, gpgme_data_t data,
             gpgme_import_result_t *r_result)
{
  gpg_error_t err;

  *r_result = NULL;
  err = gpgme_op_import (ctx, data);
  if (!err)
    *r_result = gpgme_op_import_result (ctx);
  return err ? err : (*r_result ? 0 : gpg_error (GPG_ERR_GENERAL));
}

/* Import the key file FILE (the ATTR attribute of keyring K) into
 * CTX's home and remember the keys in KK.  */
static gpg_error_t
import_file (struct build *b, unsigned int k, gpgme_ctx_t ctx,
             const char *attr, const char *file, int want_secret)
{
  const struct keyring_def *kr = b->pl->keyrings + k;
  struct keyring_keys *kk = b->h->keyrings + k;
  gpg_error_t err;
  gpgme_data_t data = NULL;
  gpgme_import_result_t res;
  gpgme_import_status_t st;
  char *buffer = NULL, *why = NULL;
  size_t length = 0;

  err = descriptor_read_file (file, KEYFILE_MAX_SIZE, &buffer, &length,
                              &why);
  if (err)
    {
      kfail (b, kr, err, "%s=%s", attr, why ? why : gpg_strerror (err));
      err = gpg_error (GPG_ERR_CONFIGURATION);
      goto leave;
    }
  err = gpgme_data_new_from_mem (&data, buffer, length, 0);
  if (!err)
    err = import_data (ctx, data, &res);
  if (err)
    {
      err = kfail (b, kr, gpg_error (GPG_ERR_CONFIGURATION),
                   "%s=%s: import failed: %s", attr, file,
                   gpg_strerror (err));
      goto leave;
    }
  /* A secret key file may bring more than the public one did (a new
   * subkey after a rotation): that counts as found too.  */
  if (!res->considered
      || (!res->imported && !res->unchanged && !res->new_sub_keys
          && !res->new_signatures && !res->new_user_ids
          && !res->new_revocations && !res->secret_imported))
    {
      err = kfail (b, kr, gpg_error (GPG_ERR_CONFIGURATION),
                   "%s=%s: no OpenPGP key found", attr, file);
      goto leave;
    }
  if (want_secret && !res->secret_imported && !res->secret_unchanged)
    {
      err = kfail (b, kr, gpg_error (GPG_ERR_CONFIGURATION),
                   "%s=%s: no secret key found", attr, file);
      goto leave;
    }
  for (st = res->imports; st; st = st->next)
    if (!st->result && st->fpr
        && (err = add_string (&kk->fprs, &kk->nfprs, st->fpr)))
      goto leave;

 leave:
  gpgme_data_release (data);
  if (buffer)
    explicit_bzero (buffer, length);  /* It may hold secret keys.  */
  free (buffer);
  free (why);
  return err;
}

/* Export the certificates FPRS from the home of SRC and import them
 * into the home of DST.  */
static gpg_error_t
copy_certs (gpgme_ctx_t src, gpgme_ctx_t dst, char **fprs)
{
  gpg_error_t err;
  gpgme_data_t data = NULL;
  gpgme_import_result_t res;

  err = gpgme_data_new (&data);
  if (!err)
    err = gpgme_op_export_ext (src, (const char **)fprs, 0, data);
  if (!err)
    err = gpgme_data_seek (data, 0, SEEK_SET) < 0
      ? gpg_error_from_syserror () : 0;
  if (!err)
    err = import_data (dst, data, &res);
  gpgme_data_release (data);
  return err;
}

/* Copy the file SRC to the new file DST (mode 0600).  */
static gpg_error_t
copy_file (const char *src, const char *dst)
{
  gpg_error_t err = 0;
  char buf[16384];
  ssize_t n = 0;
  int in, out = -1;

  in = open (src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (in < 0)
    return gpg_error_from_syserror ();
  out = open (dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0)
    err = gpg_error_from_syserror ();
  while (!err && ((n = read (in, buf, sizeof buf)) > 0
                  || (n < 0 && errno == EINTR)))
    if (n > 0 && write (out, buf, n) != n)
      err = gpg_error_from_syserror ();
  if (!err && n < 0)
    err = gpg_error_from_syserror ();
  if (out >= 0 && close (out) && !err)
    err = gpg_error_from_syserror ();
  explicit_bzero (buf, sizeof buf);     /* Key files pass through.  */
  close (in);
  return err;
}

/* Copy the agent key file of GRIP from the home FROM to the home TO.
 * GPG_ERR_ENOENT if FROM has none.  */
static gpg_error_t
copy_key_file (const char *from, const char *to, const char *grip)
{
  gpg_error_t err;
  char *src = NULL, *dst = NULL, *dir = NULL;

  if (asprintf (&src, "%s/%s/%s.key", from, PRIVATE_KEYS_DIR, grip) < 0
      || asprintf (&dir, "%s/%s", to, PRIVATE_KEYS_DIR) < 0
      || asprintf (&dst, "%s/%s.key", dir, grip) < 0)
    err = gpg_error_from_syserror ();
  else if (access (src, F_OK))
    err = gpg_error_from_syserror ();
  else if (mkdir (dir, 0700) && errno != EEXIST)
    err = gpg_error_from_syserror ();
  else
    err = copy_file (src, dst);
  free (src);
  free (dst);
  free (dir);
  return err;
}

/* Copy the public keyrings of the GnuPG home FROM into the scratch
 * home TO.  Running gpg on FROM itself would write there: even
 * --export takes the keybox lock (a lock file in the home).  */
static gpg_error_t
copy_pubrings (const char *from, const char *to)
{
  static const char *const names[] = { "pubring.kbx", "pubring.gpg" };
  gpg_error_t err = 0;
  char *src = NULL, *dst = NULL;
  unsigned int i, copied = 0;

  for (i = 0; !err && i < sizeof names / sizeof *names; i++)
    {
      if (asprintf (&src, "%s/%s", from, names[i]) < 0
          || asprintf (&dst, "%s/%s", to, names[i]) < 0)
        err = gpg_error_from_syserror ();
      else if (!access (src, F_OK) && !(err = copy_file (src, dst)))
        copied++;
      free (src);
      free (dst);
      src = dst = NULL;
    }
  if (!err && !copied)
    err = gpg_error (GPG_ERR_ENOENT);
  return err;
}

/* Keygrips of the secret (sub)keys of the keys KK->FPRS in CTX's home
 * (ALL: of every subkey, secret or not), in the order of KK->FPRS.
 * One listing for all keys: gpgme_get_key would start a context,
 * and with it a "gpg --version", per key.  */
static gpg_error_t
collect_grips (gpgme_ctx_t ctx, struct keyring_keys *kk, int all,
               char ***r_grips, unsigned int *r_n)
{
  gpg_error_t err;
  gpgme_key_t key = NULL, *keys = NULL;
  gpgme_subkey_t sk;
  unsigned int i, j, nkeys = 0;

  if (!kk->nfprs)
    return 0;
  if (!(keys = calloc (kk->nfprs, sizeof *keys)))
    return gpg_error_from_syserror ();
  gpgme_set_keylist_mode (ctx, GPGME_KEYLIST_MODE_LOCAL
                          | GPGME_KEYLIST_MODE_WITH_KEYGRIP
                          | (all ? 0 : GPGME_KEYLIST_MODE_WITH_SECRET));
  err = gpgme_op_keylist_ext_start (ctx, (const char **)kk->fprs, 0, 0);
  while (!err && !(err = gpgme_op_keylist_next (ctx, &key)))
    {
      if (nkeys < kk->nfprs)
        keys[nkeys++] = key;
      else
        gpgme_key_unref (key);
      key = NULL;
    }
  if (gpg_err_code (err) == GPG_ERR_EOF)
    err = gpgme_op_keylist_end (ctx);
  for (i = 0; !err && i < kk->nfprs; i++)
    {
      for (j = 0; j < nkeys && strcmp (keys[j]->fpr, kk->fprs[i]); j++)
        ;
      /* A key not there has no grips (as with gpgme_get_key).  */
      for (sk = j < nkeys ? keys[j]->subkeys : NULL; !err && sk;
           sk = sk->next)
        if (sk->keygrip && (all || (sk->secret && !sk->is_cardkey)))
          err = add_string (r_grips, r_n, sk->keygrip);
    }
  for (j = 0; j < nkeys; j++)
    gpgme_key_unref (keys[j]);
  free (keys);
  return err;
}


/*
 * Secret keys
 */

/* The primary fingerprint of the key in KK whose (sub)key is GRIP, for
 * messages.  */
static const char *
fpr_of_grip (gpgme_ctx_t ctx, struct keyring_keys *kk, const char *grip)
{
  gpgme_key_t key = NULL;
  gpgme_subkey_t sk;
  const char *found = "?";
  unsigned int i;

  gpgme_set_keylist_mode (ctx, GPGME_KEYLIST_MODE_LOCAL
                          | GPGME_KEYLIST_MODE_WITH_KEYGRIP);
  for (i = 0; i < kk->nfprs && *found == '?'; i++)
    {
      if (gpgme_get_key (ctx, kk->fprs[i], &key, 0))
        continue;
      for (sk = key->subkeys; sk; sk = sk->next)
        if (sk->keygrip && !strcmp (sk->keygrip, grip))
          found = kk->fprs[i];
      gpgme_key_unref (key);
    }
  return found;
}

/* The passphrase of keyring K, read once per build.  */
static gpg_error_t
get_pass (struct build *b, unsigned int k, const char **r_pass,
          size_t *r_len, char **r_why)
{
  gpg_error_t err;

  if (!b->pass[k]
      && (err = secret_read (b->pl->ctx, b->pl->keyrings[k].passphrase,
                             b->pass + k, b->passlen + k, r_why)))
    return err;
  *r_pass = b->pass[k];
  *r_len = b->passlen[k];
  return 0;
}

/* Whether A and B are the same, in a time that tells at most their
 * lengths.  */
static int
same_secret (const char *a, size_t alen, const char *b, size_t blen)
{
  unsigned char diff = 0;
  size_t i;

  if (alen != blen)
    return 0;
  for (i = 0; i < alen; i++)
    diff |= a[i] ^ b[i];
  return !diff;
}

/* Whether another keyring unprotected GRIP with the passphrase of
 * keyring K.  */
static int
unlocked_by_same_pass (struct build *b, unsigned int k, const char *grip)
{
  struct unlocked *u;
  const char *pass;
  size_t len;
  char *why = NULL;
  int same = 0;

  if (!b->pl->keyrings[k].passphrase)
    return 0;
  for (u = b->unlocked; u && !same; u = u->next)
    if (u->k != k && !strcmp (u->grip, grip) && b->pass[u->k]
        && !get_pass (b, k, &pass, &len, &why))
      same = same_secret (pass, len, b->pass[u->k], b->passlen[u->k]);
  free (why);  /* Unprotect_keys reports it if the passphrase is needed.  */
  return same;
}

/* Whether a keyring before K in HOME brought GRIP there.  */
static int
brought_before (struct build *b, unsigned int k, struct runtime_home *home,
                const char *grip)
{
  struct keyring_keys *kk;
  unsigned int j, i;

  for (j = 0; j < k; j++)
    if (home->members[j])
      for (kk = b->h->keyrings + j, i = 0; i < kk->ngrips; i++)
        if (!strcmp (kk->grips[i], grip))
          return 1;
  return 0;
}

/* Remember that keyring K's passphrase unprotected GRIP.  */
static gpg_error_t
add_unlocked (struct build *b, unsigned int k, const char *grip)
{
  struct unlocked *u = calloc (1, sizeof *u);

  if (!u)
    return gpg_error_from_syserror ();
  u->k = k;
  snprintf (u->grip, sizeof u->grip, "%s", grip);
  u->next = b->unlocked;
  b->unlocked = u;
  return 0;
}

/* Unprotect the protected key GRIP of keyring K in the agent of ACTX
 * with K's passphrase (read at the first need into *PASS, *LEN; *WHY
 * explains a failure) and record it.  OTHER says what failed when the
 * agent fails otherwise than on a wrong passphrase.  */
static gpg_error_t
unprotect_one (struct build *b, unsigned int k, gpgme_ctx_t actx,
               gpgme_ctx_t ctx, const char *grip, const char **pass,
               size_t *len, char **why, const char *other)
{
  const struct keyring_def *kr = b->pl->keyrings + k;
  struct keyring_keys *kk = b->h->keyrings + k;
  gpg_error_t err;

  if (!kr->passphrase)
    return kfail (b, kr, gpg_error (GPG_ERR_NO_PASSPHRASE),
                  "key %s is protected but the keyring has no"
                  " passphrase attribute", fpr_of_grip (ctx, kk, grip));
  if (!*pass && (err = get_pass (b, k, pass, len, why)))
    return kfail (b, kr, err, "passphrase: %s",
                  *why ? *why : gpg_strerror (err));
  err = agent_unprotect (actx, grip, *pass, *len);
  if (!err)
    return add_unlocked (b, k, grip);
  if (gpg_err_code (err) == GPG_ERR_BAD_PASSPHRASE)
    return kfail (b, kr, gpg_error (GPG_ERR_BAD_PASSPHRASE),
                  "key %s: wrong passphrase (from %s)",
                  fpr_of_grip (ctx, kk, grip), kr->passphrase);
  return kfail (b, kr, err, "key %s: %s: %s", fpr_of_grip (ctx, kk, grip),
                other, gpg_strerror (err));
}

/* Check the passphrase of keyring K on its protected secret keys in
 * HOME and store them unprotected there.  */
static gpg_error_t
unprotect_keys (struct build *b, unsigned int k, struct runtime_home *home,
                gpgme_ctx_t ctx)
{
  const struct keyring_def *kr = b->pl->keyrings + k;
  struct keyring_keys *kk = b->h->keyrings + k;
  gpg_error_t err = 0;
  const char *pass = NULL;
  char *why = NULL;
  size_t len = 0;
  unsigned int i;
  int protected;

  if (!kk->ngrips)
    return 0;
  if (!b->actx && (err = agent_start (home->dir, &b->actx)))
    return kfail (b, kr, gpg_error (GPG_ERR_CONFIGURATION),
                  "cannot start gpg-agent in %s: %s", home->dir,
                  gpg_strerror (err));
  for (i = 0; !err && i < kk->ngrips; i++)
    {
      err = agent_is_protected (b->actx, kk->grips[i], &protected);
      if (err)
        {
          err = kfail (b, kr, gpg_error (GPG_ERR_CONFIGURATION),
                       "key %s: secret key not available: %s",
                       fpr_of_grip (ctx, kk, kk->grips[i]),
                       gpg_strerror (err));
          break;
        }
      if (protected)
        err = unprotect_one (b, k, b->actx, ctx, kk->grips[i], &pass, &len,
                             &why, "cannot remove the protection in the"
                             " runtime home");
    }
  free (why);
  return err;
}


/* A key of keyring K that an earlier keyring brought into HOME is
 * there already unprotected, and importing K kept that copy: the
 * agent there knows nothing of K's own, which may be protected with
 * another passphrase.  Unless K's passphrase is the one that
 * unprotected the key, check it on K's copy in a scratch home (which
 * leaves HOME as it is: K's file may lack a part another keyring
 * brought).  The common case, no shared key, costs nothing.  */
static gpg_error_t
check_shared_keys (struct build *b, unsigned int k,
                   struct runtime_home *home, gpgme_ctx_t ctx)
{
  const struct keyring_def *kr = b->pl->keyrings + k;
  struct keyring_keys *kk = b->h->keyrings + k;
  gpg_error_t err = 0;
  gpgme_ctx_t sctx = NULL, sactx = NULL;
  char *scratch = NULL, *why = NULL;
  const char *pass = NULL, *grip;
  size_t len = 0;
  unsigned int i;
  pid_t pid = 0;
  int protected;

  /* A keyring of certificates only has its secret keys from others.  */
  if (!kr->secret_file && !kr->home)
    return 0;
  for (i = 0; !err && i < kk->ngrips; i++)
    {
      grip = kk->grips[i];
      if (!brought_before (b, k, home, grip)
          || unlocked_by_same_pass (b, k, grip))
        continue;
      if (!scratch)
        {
          err = homedir_create (b->pl->ctx->runtime_dir, &scratch);
          if (!err)
            err = agent_start (scratch, &sactx);
          if (!err && !agent_get_pid (sactx, &pid))
            homedir_set_agent (scratch, pid);
          if (!err && kr->secret_file && !(err = gnupg_new_ctx (scratch,
                                                                &sctx)))
            err = import_file (b, k, sctx, "secret", kr->secret_file, 1);
          if (err)
            {
              err = kfail (b, kr, err, "cannot check its passphrase in a"
                           " scratch home: %s", gpg_strerror (err));
              break;
            }
        }
      if (kr->home)
        {
          err = copy_key_file (kr->home, scratch, grip);
          if (gpg_err_code (err) == GPG_ERR_ENOENT)
            {
              err = 0;          /* Only the public part is there.  */
              continue;
            }
        }
      if (!err)
        err = agent_is_protected (sactx, grip, &protected);
      if (gpg_err_code (err) == GPG_ERR_NO_SECKEY)
        {
          err = 0;              /* A stub: K's file lacks that part.  */
          continue;
        }
      if (err)
        {
          err = kfail (b, kr, err, "key %s: cannot check its own copy: %s",
                       fpr_of_grip (ctx, kk, grip), gpg_strerror (err));
          break;
        }
      if (protected)
        err = unprotect_one (b, k, sactx, ctx, grip, &pass, &len, &why,
                             "cannot check its own copy");
    }
  gpgme_release (sctx);
  gpgme_release (sactx);
  if (scratch)
    {
      agent_stop (scratch, pid);
      homedir_remove (scratch);
    }
  free (scratch);
  free (why);
  return err;
}


/*
 * Filling a home
 */

/* Import keyring K from its source into HOME (its first home).  */
static gpg_error_t
import_keyring (struct build *b, unsigned int k, struct runtime_home *home,
                gpgme_ctx_t ctx)
{
  const struct keyring_def *kr = b->pl->keyrings + k;
  struct keyring_keys *kk = b->h->keyrings + k;
  gpg_error_t err = 0;
  gpgme_ctx_t src = NULL;
  gpgme_key_t key = NULL;
  char *list = NULL, *tok, *save = NULL, *scratch = NULL;
  char **all = NULL;
  unsigned int i, nall = 0;

  if (kr->public_file
      && (err = import_file (b, k, ctx, "public", kr->public_file, 0)))
    goto leave;
  if (kr->secret_file
      && (err = import_file (b, k, ctx, "secret", kr->secret_file, 1)))
    goto leave;

  if (kr->home)
    {
      /* DIR is only read, never by gpg: certificates are exported from
       * a scratch copy of its keyring, secret keys are copies of its
       * agent's key files.  So DIR is never written and no agent is
       * started for it.  */
      if (!(list = strdup (kr->keys)))
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
      for (tok = strtok_r (list, ",", &save); tok;
           tok = strtok_r (NULL, ",", &save))
        if ((err = add_string (&kk->fprs, &kk->nfprs, tok)))
          goto leave;
      err = homedir_create (b->pl->ctx->runtime_dir, &scratch);
      if (!err)
        err = copy_pubrings (kr->home, scratch);
      if (!err)
        err = gnupg_new_ctx (scratch, &src);
      if (!err)
        err = copy_certs (src, ctx, kk->fprs);
      if (err)
        {
          err = kfail (b, kr, gpg_error (GPG_ERR_CONFIGURATION),
                       "home=%s: cannot export keys: %s", kr->home,
                       gpg_err_code (err) == GPG_ERR_ENOENT
                       ? "no pubring.kbx or pubring.gpg there"
                       : gpg_strerror (err));
          goto leave;
        }
      gpgme_set_keylist_mode (ctx, GPGME_KEYLIST_MODE_LOCAL);
      for (i = 0; i < kk->nfprs; i++)
        {
          if (gpgme_get_key (ctx, kk->fprs[i], &key, 0))
            {
              err = kfail (b, kr, gpg_error (GPG_ERR_CONFIGURATION),
                           "key %s not found in home=%s", kk->fprs[i],
                           kr->home);
              goto leave;
            }
          /* A subkey's fingerprint selects its primary key.  */
          if (strcmp (key->fpr, kk->fprs[i]))
            {
              free (kk->fprs[i]);
              if (!(kk->fprs[i] = strdup (key->fpr)))
                err = gpg_error_from_syserror ();
            }
          gpgme_key_unref (key);
          key = NULL;
          if (err)
            goto leave;
        }
      err = collect_grips (ctx, kk, 1, &all, &nall);
      for (i = 0; !err && i < nall; i++)
        {
          err = copy_key_file (kr->home, home->dir, all[i]);
          /* Only the public part is there, or another keyring of
           * this home brought the key already.  */
          if (gpg_err_code (err) == GPG_ERR_ENOENT
              || gpg_err_code (err) == GPG_ERR_EEXIST)
            err = 0;
          else if (err)
            err = kfail (b, kr, gpg_error (GPG_ERR_CONFIGURATION),
                         "home=%s: cannot copy secret key %s: %s",
                         kr->home, all[i], gpg_strerror (err));
        }
      if (err)
        goto leave;
    }

  err = collect_grips (ctx, kk, 0, &kk->grips, &kk->ngrips);
  if (err)
    {
      err = kfail (b, kr, err, "cannot list keys: %s", gpg_strerror (err));
      goto leave;
    }
  err = unprotect_keys (b, k, home, ctx);
  if (!err)
    err = check_shared_keys (b, k, home, ctx);
  if (!err)
    kk->origin = home;

 leave:
  free_strings (all, nall);
  free (list);
  gpgme_release (src);
  if (scratch)
    homedir_remove (scratch);   /* Export needs no agent.  */
  free (scratch);
  return err;
}

/* Copy keyring K, already in its origin home, into HOME.  */
static gpg_error_t
copy_keyring (struct build *b, unsigned int k, struct runtime_home *home,
              gpgme_ctx_t ctx)
{
  const struct keyring_def *kr = b->pl->keyrings + k;
  struct keyring_keys *kk = b->h->keyrings + k;
  gpg_error_t err;
  gpgme_ctx_t src = NULL;
  unsigned int i;

  err = gnupg_new_ctx (kk->origin->dir, &src);
  if (!err && kk->nfprs)
    err = copy_certs (src, ctx, kk->fprs);
  for (i = 0; !err && i < kk->ngrips; i++)
    {
      err = copy_key_file (kk->origin->dir, home->dir, kk->grips[i]);
      /* Another keyring of this home brought the same key (and
       * checked its own passphrase for it).  */
      if (gpg_err_code (err) == GPG_ERR_EEXIST)
        err = 0;
    }
  gpgme_release (src);
  if (err)
    return kfail (b, kr, err, "cannot copy into %s: %s", home->dir,
                  gpg_strerror (err));
  return 0;
}

/* Whether HOME gets secret keys from a key file.  */
static int
wants_agent (struct build *b, struct runtime_home *home)
{
  unsigned int k;

  for (k = 0; k < b->h->nkeyrings; k++)
    if (home->members[k] && !b->h->keyrings[k].origin
        && b->pl->keyrings[k].secret_file)
      return 1;
  return 0;
}

static gpg_error_t
fill_home (struct build *b, struct runtime_home *home)
{
  gpg_error_t err;
  gpgme_ctx_t ctx = NULL;
  unsigned int k, ngrips = 0;
  int any = 0;

  for (k = 0; k < b->h->nkeyrings; k++)
    any |= home->members[k];
  err = homedir_create (b->pl->ctx->runtime_dir, &home->dir);
  if (err)
    {
      if (asprintf (&b->message, "%s: cannot create a runtime home in"
                    " %s: %s", b->pl->source, b->pl->ctx->runtime_dir,
                    gpg_err_code (err) == GPG_ERR_TOO_LARGE
                    ? "path too long for the agent socket"
                    : gpg_strerror (err)) < 0)
        b->message = NULL;
      return gpg_error (GPG_ERR_CONFIGURATION);
    }
  /* The empty home needs no gpg now.  */
  if (any)
    err = gnupg_new_ctx (home->dir, &ctx);
  /* Importing secret keys makes gpg autostart the agent, whose pid
   * the signal cleanup would not know until the import is done: start
   * it first.  Best effort: gpg or unprotect_keys start one else.  */
  if (!err && wants_agent (b, home) && !agent_start (home->dir, &b->actx)
      && !agent_get_pid (b->actx, &home->agent_pid))
    homedir_set_agent (home->dir, home->agent_pid);
  for (k = 0; !err && k < b->h->nkeyrings; k++)
    {
      if (!home->members[k])
        continue;
      if (!b->h->keyrings[k].origin)
        err = import_keyring (b, k, home, ctx);
      else
        err = copy_keyring (b, k, home, ctx);
      ngrips += b->h->keyrings[k].ngrips;
    }
  /* Know the agent of every home with secret keys, so that a signal
   * handler can stop it.  */
  if (!err && ngrips && !b->actx)
    err = agent_start (home->dir, &b->actx);
  if (!err && b->actx && !agent_get_pid (b->actx, &home->agent_pid))
    homedir_set_agent (home->dir, home->agent_pid);
  gpgme_release (b->actx);
  b->actx = NULL;
  gpgme_release (ctx);
  if (err && !b->message
      && asprintf (&b->message, "%s: runtime home %s: %s", b->pl->source,
                   home->dir, gpg_strerror (err)) < 0)
    b->message = NULL;
  return err;
}


/*
 * Entry points
 */

gpg_error_t
keyring_build (struct pgpstep_pipeline *pl, char **r_message)
{
  gpg_error_t err = 0;
  struct build b;
  struct runtime_home *home;
  unsigned int k;

  *r_message = NULL;
  memset (&b, 0, sizeof b);
  b.pl = pl;
  if (!pl->nsteps && !pl->nkeyrings)
    return 0;
  if (pl->nkeyrings && (err = gnupg_init ()))
    {
      if (asprintf (r_message, "%s: GPGME cannot be used: %s", pl->source,
                    gpg_strerror (err)) < 0)
        *r_message = NULL;
      return gpg_error (GPG_ERR_CONFIGURATION);
    }
  /* Before the first home of this host: the homes crashed processes
   * left behind (unprotected keys, running agents) go.  Not at
   * pgpstep_new, which must not touch the file system before a
   * pipeline is loaded.  */
  if (!pl->ctx->swept)
    {
      keyring_sweep (pl->ctx);
      pl->ctx->swept = 1;
    }
  b.h = calloc (1, sizeof *b.h);
  if (!b.h || !(b.h->keyrings = calloc (pl->nkeyrings ? pl->nkeyrings : 1,
                                        sizeof *b.h->keyrings)))
    {
      err = gpg_error_from_syserror ();
      free (b.h);
      return err;
    }
  b.h->nkeyrings = pl->nkeyrings;
  b.pass = calloc (pl->nkeyrings ? pl->nkeyrings : 1, sizeof *b.pass);
  b.passlen = calloc (pl->nkeyrings ? pl->nkeyrings : 1, sizeof *b.passlen);
  if (!b.pass || !b.passlen)
    err = gpg_error_from_syserror ();
  for (k = 0; !err && k < pl->nkeyrings; k++)
    if (!(b.h->keyrings[k].name = strdup (pl->keyrings[k].name)))
      err = gpg_error_from_syserror ();
  if (!err)
    err = plan_homes (&b);
  for (home = b.h->list; !err && home; home = home->next)
    err = fill_home (&b, home);
  for (k = 0; b.pass && k < pl->nkeyrings; k++)
    if (b.pass[k])
      {
        explicit_bzero (b.pass[k], b.passlen[k]);
        free (b.pass[k]);
      }
  free (b.pass);
  free (b.passlen);
  while (b.unlocked)
    {
      struct unlocked *u = b.unlocked;

      b.unlocked = u->next;
      free (u);
    }

  if (err)
    {
      keyring_release (b.h);
      for (k = 0; k < pl->nsteps; k++)
        pl->steps[k]->home = NULL;
      *r_message = b.message;
      return err;
    }
  pl->homes = b.h;
  return 0;
}

/* Whether gpg never ran in the home DIR: nothing but our owner file
 * is there (any gpg run creates pubring.kbx, an agent
 * private-keys-v1.d).  Saves a gpgconf run per release of the empty
 * home of a pipeline that never used it.  */
static int
untouched (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  int other = 0;

  if (!d)
    return 0;
  while (!other && (e = readdir (d)))
    other = (strcmp (e->d_name, ".") && strcmp (e->d_name, "..")
             && strcmp (e->d_name, HOMEDIR_OWNER_FILE));
  closedir (d);
  return !other;
}

/* Stop the agent of the home DIR (if any) and remove it.  */
static void
remove_home (const char *dir, pid_t agent_pid)
{
  if (!dir)
    return;
  /* A step's gpg run may have started an agent in any home, the
   * empty one included (gpg -c does).  */
  if (agent_pid || !untouched (dir))
    agent_stop (dir, agent_pid);
  homedir_remove (dir);
}

void
keyring_release (struct keyring_homes *h)
{
  struct runtime_home *home;
  struct home_copy *copy;
  unsigned int k;

  if (!h)
    return;
  while ((home = h->list))
    {
      h->list = home->next;
      while ((copy = home->copies))
        {
          home->copies = copy->next;
          remove_home (copy->dir, copy->agent_pid);
          free (copy->dir);
          free (copy);
        }
      pthread_mutex_destroy (&home->lock);
      remove_home (home->dir, home->agent_pid);
      free (home->dir);
      free (home->members);
      free (home);
    }
  for (k = 0; k < h->nkeyrings; k++)
    {
      free (h->keyrings[k].name);
      free_strings (h->keyrings[k].fprs, h->keyrings[k].nfprs);
      free_strings (h->keyrings[k].grips, h->keyrings[k].ngrips);
    }
  free (h->keyrings);
  free (h);
}

gpg_error_t
keyring_config_home (struct pgpstep_config *cfg, const char **r_dir)
{
  *r_dir = NULL;
  /* Every step of a loaded pipeline has one (keyless: the empty one).  */
  if (!cfg->home || !cfg->home->dir)
    return gpg_error (GPG_ERR_NO_DATA);
  *r_dir = cfg->home->dir;
  return 0;
}

/* How many homes (the home and its copies) messages of one step may
 * spread over: one agent per processor keeps them all busy.  */
static unsigned int
pool_limit (void)
{
  long n = sysconf (_SC_NPROCESSORS_ONLN);

  return n < 2 ? 2 : n > 64 ? 64 : (unsigned int)n;
}

/* Whether NAME, a file of a runtime home not starting with a dot (as
 * lock files do), goes into a copy: the keyboxes, trust database and
 * key files, not our owner file, locks or the random seed (each home
 * keeps its own).  Sockets are not regular files.  */
static int
copied_file (const char *name)
{
  return (strcmp (name, HOMEDIR_OWNER_FILE)
          && strcmp (name, "random_seed")
          && !(strlen (name) > 5
               && !strcmp (name + strlen (name) - 5, ".lock")));
}

/* Copy the regular files of directory FROM/SUB (SUB may be "") that
 * copied_file accepts into TO/SUB.  */
static gpg_error_t
copy_dir_files (const char *from, const char *to, const char *sub)
{
  gpg_error_t err = 0;
  DIR *d;
  struct dirent *e;
  struct stat st;
  char *src = NULL, *dst = NULL, *dir = NULL;

  if (asprintf (&dir, "%s/%s", from, sub) < 0)
    return gpg_error_from_syserror ();
  d = opendir (dir);
  free (dir);
  if (!d)
    return errno == ENOENT && *sub ? 0 : gpg_error_from_syserror ();
  if (*sub)
    {
      if (asprintf (&dir, "%s/%s", to, sub) < 0)
        err = gpg_error_from_syserror ();
      else if (mkdir (dir, 0700) && errno != EEXIST)
        err = gpg_error_from_syserror ();
      free (dir);
    }
  while (!err && (e = readdir (d)))
    {
      if (*e->d_name == '.' || !copied_file (e->d_name))
        continue;
      if (asprintf (&src, "%s/%s%s%s", from, sub, *sub ? "/" : "",
                    e->d_name) < 0
          || asprintf (&dst, "%s/%s%s%s", to, sub, *sub ? "/" : "",
                       e->d_name) < 0)
        err = gpg_error_from_syserror ();
      else if (!lstat (src, &st) && S_ISREG (st.st_mode))
        err = copy_file (src, dst);
      free (src);
      free (dst);
      src = dst = NULL;
    }
  closedir (d);
  return err;
}

/* Make COPY a new copy of HOME in the runtime directory BASE: its
 * files, and an agent started now if HOME has one (so that its pid is
 * known to the signal cleanup and the sweep).  */
static gpg_error_t
make_copy (const char *base, struct runtime_home *home, char **r_dir,
           pid_t *r_agent)
{
  gpg_error_t err;
  gpgme_ctx_t actx = NULL;
  char *dir = NULL;

  *r_dir = NULL;
  *r_agent = 0;
  err = homedir_create (base, &dir);
  if (err)
    return err;
  err = copy_dir_files (home->dir, dir, "");
  if (!err)
    err = copy_dir_files (home->dir, dir, PRIVATE_KEYS_DIR);
  if (!err && home->agent_pid)
    err = agent_start (dir, &actx);
  if (!err && actx && !agent_get_pid (actx, r_agent))
    homedir_set_agent (dir, *r_agent);
  gpgme_release (actx);
  if (err)
    {
      remove_home (dir, *r_agent);
      free (dir);
      *r_agent = 0;
      return err;
    }
  *r_dir = dir;
  return 0;
}

gpg_error_t
keyring_message_home (struct pgpstep_config *cfg, struct home_copy **r_slot,
                      const char **r_dir)
{
  struct runtime_home *home = cfg->home;
  struct home_copy *copy, *best = NULL, **tail;
  unsigned int least;
  gpg_error_t err;
  char *dir;
  pid_t agent;

  *r_slot = NULL;
  *r_dir = NULL;
  if (!home || !home->dir)
    return gpg_error (GPG_ERR_NO_DATA);

  pthread_mutex_lock (&home->lock);
  least = home->users;
  for (tail = &home->copies; (copy = *tail); tail = &copy->next)
    if (copy->dir && copy->users < least)
      {
        best = copy;
        least = copy->users;
      }
  if (!least || home->ncopies + 1 >= pool_limit ()
      || !(copy = calloc (1, sizeof *copy)))
    {
      if (best)
        best->users++;
      else
        home->users++;
      *r_slot = best;
      *r_dir = best ? best->dir : home->dir;
      pthread_mutex_unlock (&home->lock);
      return 0;
    }
  /* Every home is busy: a new copy, made outside the lock (others
   * skip it until its DIR is set).  */
  copy->users = 1;
  *tail = copy;
  home->ncopies++;
  pthread_mutex_unlock (&home->lock);

  err = make_copy (cfg->pipeline->ctx->runtime_dir, home, &dir, &agent);

  pthread_mutex_lock (&home->lock);
  if (err)
    {
      /* Share the home instead; the message still runs.  */
      for (tail = &home->copies; *tail != copy; tail = &(*tail)->next)
        ;
      *tail = copy->next;
      home->ncopies--;
      free (copy);
      copy = NULL;
      home->users++;
    }
  else
    {
      copy->dir = dir;
      copy->agent_pid = agent;
    }
  *r_slot = copy;
  *r_dir = copy ? copy->dir : home->dir;
  pthread_mutex_unlock (&home->lock);
  if (err)
    host_log (cfg->pipeline->ctx, PGPSTEP_LOG_WARN, cfg->id,
              "cannot copy the runtime home %s for a parallel message"
              " (sharing it): %s", home->dir, gpg_strerror (err));
  return 0;
}

void
keyring_message_home_done (struct pgpstep_config *cfg, struct home_copy *slot)
{
  struct runtime_home *home = cfg->home;

  if (!home)
    return;
  pthread_mutex_lock (&home->lock);
  if (slot)
    slot->users--;
  else if (home->users)
    home->users--;
  pthread_mutex_unlock (&home->lock);
}

static void
sweep_one (void *opaque, const char *dir)
{
  struct pgpstep_ctx *ctx = opaque;
  pid_t owner, agent;
  int alive;

  if (homedir_read_owner (dir, &owner, &agent, &alive) || alive)
    return;
  agent_stop (dir, agent);
  homedir_remove (dir);
  host_log (ctx, PGPSTEP_LOG_INFO, NULL, "removed the runtime home %s of"
            " process %ld, which is gone", dir, (long)owner);
}

void
keyring_sweep (struct pgpstep_ctx *ctx)
{
  if (ctx->runtime_dir)
    homedir_foreach_stale (ctx->runtime_dir, sweep_one, ctx);
}
