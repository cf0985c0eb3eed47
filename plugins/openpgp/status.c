/* status.c - gpg's --status-fd lines as typed results.
 *
 * Each line is split into a keyword (matched at the start only) and
 * fields.  A handler per keyword sets typed facts; it validates every
 * field it uses and counts the line as malformed otherwise, recording
 * negative facts regardless.  See status.h for the rules.
 */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "status.h"

#define PREFIX "[GNUPG:] "
#define MAX_FIELDS 12

/* A line cut into fields at spaces; rest_of gives the text from a
 * field to the line end (user IDs and file names contain spaces).  */
struct fields
{
  int n;
  const char *f[MAX_FIELDS];
  size_t len[MAX_FIELDS];
  const char *end;
};

static int
is_hex (int c)
{
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')
         || (c >= 'a' && c <= 'f');
}

static int
hexval (int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return c - 'A' + 10;
}

static void
split_fields (const char *args, size_t len, struct fields *r_fl)
{
  const char *p = args;
  const char *end = args + len;

  r_fl->n = 0;
  r_fl->end = end;
  while (p < end && r_fl->n < MAX_FIELDS)
    {
      const char *s;

      while (p < end && *p == ' ')
        p++;
      if (p == end)
        break;
      s = p;
      while (p < end && *p != ' ')
        p++;
      r_fl->f[r_fl->n] = s;
      r_fl->len[r_fl->n] = p - s;
      r_fl->n++;
    }
}

/* Text from field IDX to the end of the line; "" if there is none.  */
static const char *
rest_of (const struct fields *fl, int idx, size_t *r_len)
{
  if (idx >= fl->n)
    {
      *r_len = 0;
      return "";
    }
  *r_len = fl->end - fl->f[idx];
  return fl->f[idx];
}

/* Decimal number up to MAX.  */
static int
parse_ulong (const char *s, size_t n, unsigned long long max,
             unsigned long long *r_val)
{
  unsigned long long v = 0;
  size_t i;

  if (!n || n > 20)
    return -1;
  for (i = 0; i < n; i++)
    {
      if (s[i] < '0' || s[i] > '9')
        return -1;
      if (v > (max - (s[i] - '0')) / 10)
        return -1;
      v = v * 10 + (s[i] - '0');
    }
  *r_val = v;
  return 0;
}

static int
field_int (const struct fields *fl, int idx, int *r_val)
{
  unsigned long long v;

  if (idx >= fl->n || parse_ulong (fl->f[idx], fl->len[idx], 0x7fffffff, &v))
    return -1;
  *r_val = (int)v;
  return 0;
}

/* Two hex digits (signature class, literal format).  */
static int
field_hex2 (const struct fields *fl, int idx, int *r_val)
{
  if (idx >= fl->n || fl->len[idx] != 2
      || !is_hex (fl->f[idx][0]) || !is_hex (fl->f[idx][1]))
    return -1;
  *r_val = hexval (fl->f[idx][0]) * 16 + hexval (fl->f[idx][1]);
  return 0;
}

/* Seconds since the epoch, or ISO "yyyymmddThhmmss" (gpg's
 * --fixed-list-mode variants).  */
static int
field_time (const struct fields *fl, int idx, time_t *r_val)
{
  const char *s;
  size_t n;
  unsigned long long v;

  if (idx >= fl->n)
    return -1;
  s = fl->f[idx];
  n = fl->len[idx];
  if (n == 15 && s[8] == 'T')
    {
      struct tm tm;
      unsigned long long y, mo, d, h, mi, se;

      if (parse_ulong (s, 4, 9999, &y) || parse_ulong (s + 4, 2, 12, &mo)
          || parse_ulong (s + 6, 2, 31, &d) || parse_ulong (s + 9, 2, 23, &h)
          || parse_ulong (s + 11, 2, 59, &mi)
          || parse_ulong (s + 13, 2, 60, &se) || y < 1970 || !mo || !d)
        return -1;
      memset (&tm, 0, sizeof tm);
      tm.tm_year = (int)y - 1900;
      tm.tm_mon = (int)mo - 1;
      tm.tm_mday = (int)d;
      tm.tm_hour = (int)h;
      tm.tm_min = (int)mi;
      tm.tm_sec = (int)se;
      *r_val = timegm (&tm);
      return *r_val == (time_t)-1 ? -1 : 0;
    }
  /* 2^40 s is far beyond any real OpenPGP time and fits every time_t
   * we build for (64 bit).  */
  if (parse_ulong (s, n, (sizeof (time_t) > 4) ? (1ULL << 40) : 0x7fffffff,
                   &v))
    return -1;
  *r_val = (time_t)v;
  return 0;
}

/* A key ID (16 hex digits, unless FPR_ONLY) or a fingerprint (40 or
 * 64), upper-cased into BUF of STATUS_FPR_MAX + 1.  */
static int
field_hexid (const struct fields *fl, int idx, int fpr_only, char *buf)
{
  const char *s;
  size_t n, i;

  if (idx >= fl->n)
    return -1;
  s = fl->f[idx];
  n = fl->len[idx];
  if (!(n == 40 || n == 64 || (!fpr_only && n == STATUS_KEYID_LEN)))
    return -1;
  for (i = 0; i < n; i++)
    {
      if (!is_hex (s[i]))
        return -1;
      buf[i] = (s[i] >= 'a' && s[i] <= 'f') ? s[i] - 'a' + 'A' : s[i];
    }
  buf[n] = 0;
  return 0;
}

/* A gpg_error_t as printed by gpg: decimal, possibly followed by
 * "_NAME" (ERROR symkey_decrypt.maybe_error 11_BAD_PASSPHRASE).  A
 * missing, zero or nonsense code (gpg prints -1 as 4294967295) yields
 * GPG_ERR_GENERAL: a failure line is never success.  */
static gpg_error_t
field_errcode (const struct fields *fl, int idx)
{
  unsigned long long v;
  size_t n = 0;
  gpg_err_code_t code;

  if (idx < fl->n)
    while (n < fl->len[idx] && fl->f[idx][n] >= '0' && fl->f[idx][n] <= '9')
      n++;
  if (!n || parse_ulong (fl->f[idx], n, 0xffffffffULL, &v))
    return gpg_error (GPG_ERR_GENERAL);
  code = gpg_err_code ((gpg_error_t)v);
  if (code == GPG_ERR_NO_ERROR || code >= GPG_ERR_CODE_DIM - 1)
    return gpg_error (GPG_ERR_GENERAL);
  return gpg_error (code);
}

/* Undo gpg's %XX escaping into a new NUL-terminated string.  */
static char *
unescape (const char *s, size_t n, size_t *r_len)
{
  char *buf, *d;
  size_t i;

  buf = malloc (n + 1);
  if (!buf)
    return NULL;
  d = buf;
  for (i = 0; i < n; i++)
    {
      if (s[i] == '%' && i + 2 < n
          && is_hex (s[i + 1]) && is_hex (s[i + 2]))
        {
          *d++ = (char)(hexval (s[i + 1]) * 16 + hexval (s[i + 2]));
          i += 2;
        }
      else
        *d++ = s[i];
    }
  *d = 0;
  if (r_len)
    *r_len = d - buf;
  return buf;
}

static void
copy_loc (char *buf, size_t size, const struct fields *fl, int idx)
{
  size_t n = 0;

  if (idx < fl->n)
    {
      n = fl->len[idx] < size - 1 ? fl->len[idx] : size - 1;
      memcpy (buf, fl->f[idx], n);
    }
  buf[n] = 0;
}

/* Room for one more element in a capped list.  */
static gpg_error_t
grow (status_result_t res, void **list, unsigned int count, size_t elsize)
{
  void *p;

  if (count >= STATUS_MAX_RECORDS)
    {
      res->overflow = 1;
      return gpg_error (GPG_ERR_TOO_LARGE);
    }
  /* Powers of two: reallocate when COUNT is one.  */
  if (count && (count & (count - 1)))
    return 0;
  p = realloc (*list, (count ? count * 2 : 1) * elsize);
  if (!p)
    return gpg_error_from_syserror ();
  *list = p;
  return 0;
}


/*
 * Signatures.
 */

static void
sig_update (struct status_sig *sig)
{
  if (sig->conflict)
    sig->status = STATUS_SIG_ERROR;
  else if (sig->badsig)
    sig->status = STATUS_SIG_BAD;
  else if (sig->errsig)
    sig->status = (sig->errsig_rc == GPG_ERR_NO_PUBKEY
                   ? STATUS_SIG_UNKNOWN_KEY : STATUS_SIG_ERROR);
  else if (sig->revkeysig)
    sig->status = STATUS_SIG_REVOKED_KEY;
  else if (sig->expkeysig)
    sig->status = STATUS_SIG_EXPIRED_KEY;
  else if (sig->expsig)
    sig->status = STATUS_SIG_EXPIRED_SIG;
  else if (sig->goodsig && sig->validsig)
    sig->status = STATUS_SIG_VALID;
  else if (sig->no_pubkey)
    sig->status = STATUS_SIG_UNKNOWN_KEY;
  else if (sig->goodsig || sig->validsig)
    sig->status = STATUS_SIG_ERROR;
  else
    sig->status = STATUS_SIG_NONE;
}

static gpg_error_t
sig_open (status_result_t res, int by_newsig, struct status_sig **r_sig)
{
  gpg_error_t err;
  struct status_sig *sig;

  *r_sig = NULL;
  err = grow (res, (void **)&res->sigs, res->nsigs, sizeof *res->sigs);
  if (err)
    return err;
  sig = &res->sigs[res->nsigs++];
  memset (sig, 0, sizeof *sig);
  sig->newsig = !!by_newsig;
  res->block_open = 1;
  *r_sig = sig;
  return 0;
}

/* The block a line belongs to, or NULL outside of blocks.  */
static struct status_sig *
sig_current (status_result_t res)
{
  return res->block_open ? &res->sigs[res->nsigs - 1] : NULL;
}

/* The block for a result line (GOODSIG, BADSIG ...): the current one
 * unless that already has a result, in which case the line starts a
 * new block (old gpg, or lines without NEWSIG).  */
static gpg_error_t
sig_for_result (status_result_t res, struct status_sig **r_sig)
{
  struct status_sig *sig = sig_current (res);

  if (sig && !(sig->goodsig || sig->badsig || sig->errsig || sig->expsig
               || sig->expkeysig || sig->revkeysig))
    {
      *r_sig = sig;
      return 0;
    }
  return sig_open (res, 0, r_sig);
}

/* A key ID names the signing key of FPR: the low 64 bits of a v4
 * fingerprint, the high 64 bits of a v5 one.  */
static int
keyid_matches (const char *keyid, const char *fpr)
{
  size_t kl = strlen (keyid), fl = strlen (fpr);

  if (!kl || !fl)
    return 1;  /* Nothing to compare.  */
  if (kl == fl)
    return !strcmp (keyid, fpr);
  if (kl != STATUS_KEYID_LEN)
    return 0;
  if (fl == 40)
    return !strcmp (keyid, fpr + 24);
  return !strncmp (keyid, fpr, STATUS_KEYID_LEN);
}

/* GOODSIG/EXPSIG/EXPKEYSIG/REVKEYSIG/BADSIG <keyid_or_fpr> <uid>.  */
static gpg_error_t
do_sigresult (status_result_t res, const char *kw, struct fields *fl)
{
  gpg_error_t err;
  struct status_sig *sig;
  char id[STATUS_FPR_MAX + 1];
  const char *uid;
  size_t uidlen;

  err = sig_for_result (res, &sig);
  if (err)
    return err;
  if (!strcmp (kw, "GOODSIG"))
    sig->goodsig = 1;
  else if (!strcmp (kw, "EXPSIG"))
    sig->expsig = 1;
  else if (!strcmp (kw, "EXPKEYSIG"))
    sig->expkeysig = 1;
  else if (!strcmp (kw, "REVKEYSIG"))
    sig->revkeysig = 1;
  else
    sig->badsig = 1;

  if (field_hexid (fl, 0, 0, id))
    {
      res->malformed++;
      sig->conflict |= sig->goodsig;  /* A good one must say whose.  */
    }
  else if (strlen (id) == STATUS_KEYID_LEN)
    memcpy (sig->keyid, id, STATUS_KEYID_LEN + 1);
  else
    {
      /* A fingerprint: keep its key ID too.  */
      if (strlen (id) == 40)
        memcpy (sig->keyid, id + 24, STATUS_KEYID_LEN);
      else
        memcpy (sig->keyid, id, STATUS_KEYID_LEN);
      sig->keyid[STATUS_KEYID_LEN] = 0;
      if (sig->validsig ? strcmp (sig->fpr, id) : 0)
        sig->conflict = 1;
      else
        strcpy (sig->fpr, id);
    }
  if (sig->validsig && !keyid_matches (sig->keyid, sig->fpr))
    sig->conflict = 1;

  uid = rest_of (fl, 1, &uidlen);
  if (uidlen && !sig->uid)
    {
      sig->uid = unescape (uid, uidlen, NULL);
      if (!sig->uid)
        return gpg_error_from_syserror ();
    }
  sig_update (sig);
  return 0;
}

/* NEWSIG [<signers_uid>].  */
static gpg_error_t
do_newsig (status_result_t res, struct fields *fl)
{
  gpg_error_t err;
  struct status_sig *sig;
  const char *s;
  size_t n;

  err = sig_open (res, 1, &sig);
  if (err)
    return err;
  s = rest_of (fl, 0, &n);
  if (n)
    {
      sig->signer_uid = unescape (s, n, NULL);
      if (!sig->signer_uid)
        return gpg_error_from_syserror ();
    }
  return 0;
}

/* ERRSIG <keyid> <pkalgo> <hashalgo> <sig_class> <time> <rc> [<fpr>].  */
static gpg_error_t
do_errsig (status_result_t res, struct fields *fl)
{
  gpg_error_t err;
  struct status_sig *sig;
  char id[STATUS_FPR_MAX + 1];
  int bad = 0;

  err = sig_for_result (res, &sig);
  if (err)
    return err;
  sig->errsig = 1;
  sig->errsig_rc = gpg_err_code (field_errcode (fl, 5));
  if (field_hexid (fl, 0, 0, id) || strlen (id) != STATUS_KEYID_LEN)
    bad = 1;
  else
    strcpy (sig->keyid, id);
  bad |= field_int (fl, 1, &sig->pubkey_algo);
  bad |= field_int (fl, 2, &sig->digest_algo);
  bad |= field_hex2 (fl, 3, &sig->sig_class);
  bad |= field_time (fl, 4, &sig->created);
  if (fl->n > 6)
    {
      if (field_hexid (fl, 6, 1, id))
        bad = 1;
      else
        strcpy (sig->fpr, id);
    }
  if (bad)
    res->malformed++;
  sig_update (sig);
  return 0;
}

/* VALIDSIG <sig_fpr> <sig_creation_date> <sig-timestamp>
 *          <expire-timestamp> <sig-version> <reserved> <pubkey-algo>
 *          <hash-algo> <sig-class> [ <primary-key-fpr> ]  */
static gpg_error_t
do_validsig (status_result_t res, struct fields *fl)
{
  gpg_error_t err;
  struct status_sig *sig = sig_current (res);
  char fpr[STATUS_FPR_MAX + 1], pfpr[STATUS_FPR_MAX + 1];
  time_t created, expires;
  int version, pkalgo, mdalgo, sclass;

  if (!sig)
    {
      err = sig_open (res, 0, &sig);
      if (err)
        return err;
    }
  /* An expire-timestamp of 0 means none.  */
  if (field_hexid (fl, 0, 1, fpr)
      || field_time (fl, 2, &created)
      || field_time (fl, 3, &expires)
      || field_int (fl, 4, &version)
      || field_int (fl, 6, &pkalgo)
      || field_int (fl, 7, &mdalgo)
      || field_hex2 (fl, 8, &sclass)
      || field_hexid (fl, 9, 1, pfpr))
    {
      /* No valid signature from a line we cannot read.  */
      res->malformed++;
      sig->conflict = 1;
      sig_update (sig);
      return 0;
    }
  if (sig->validsig || (*sig->fpr && strcmp (sig->fpr, fpr))
      || !keyid_matches (sig->keyid, fpr))
    sig->conflict = 1;
  sig->validsig = 1;
  strcpy (sig->fpr, fpr);
  strcpy (sig->primary_fpr, pfpr);
  sig->created = created;
  sig->expires = expires;
  sig->sig_version = version;
  sig->pubkey_algo = pkalgo;
  sig->digest_algo = mdalgo;
  sig->sig_class = sclass;
  sig_update (sig);
  return 0;
}

/* NO_PUBKEY, TRUST_*, KEYEXPIRED, KEYREVOKED inside a block.  */
static gpg_error_t
do_sig_detail (status_result_t res, const char *kw, struct fields *fl)
{
  struct status_sig *sig = sig_current (res);

  (void)fl;
  if (!strcmp (kw, "KEYEXPIRED"))
    res->keyexpired++;
  else if (!strcmp (kw, "KEYREVOKED"))
    res->keyrevoked++;
  if (!sig)
    return 0;

  if (!strcmp (kw, "NO_PUBKEY"))
    sig->no_pubkey = 1;
  else if (!strcmp (kw, "KEYEXPIRED"))
    sig->key_expired = 1;
  else if (!strcmp (kw, "KEYREVOKED"))
    sig->key_revoked = 1;
  else if (!strcmp (kw, "TRUST_UNDEFINED"))
    sig->trust = STATUS_TRUST_UNDEFINED;
  else if (!strcmp (kw, "TRUST_NEVER"))
    sig->trust = STATUS_TRUST_NEVER;
  else if (!strcmp (kw, "TRUST_MARGINAL"))
    sig->trust = STATUS_TRUST_MARGINAL;
  else if (!strcmp (kw, "TRUST_FULLY"))
    sig->trust = STATUS_TRUST_FULLY;
  else if (!strcmp (kw, "TRUST_ULTIMATE"))
    sig->trust = STATUS_TRUST_ULTIMATE;
  sig_update (sig);
  return 0;
}


/*
 * Decryption.
 */

/* ENC_TO <long_keyid> <keytype> <keylength>.  */
static gpg_error_t
do_enc_to (status_result_t res, struct fields *fl)
{
  gpg_error_t err;
  struct status_recp *r;
  char id[STATUS_FPR_MAX + 1];

  if (field_hexid (fl, 0, 0, id) || strlen (id) != STATUS_KEYID_LEN)
    {
      res->malformed++;
      return 0;
    }
  err = grow (res, (void **)&res->recp, res->nrecp, sizeof *res->recp);
  if (err)
    return err;
  r = &res->recp[res->nrecp++];
  memset (r, 0, sizeof *r);
  strcpy (r->keyid, id);
  r->anonymous = !strcmp (id, "0000000000000000");
  if (field_int (fl, 1, &r->pubkey_algo))
    res->malformed++;
  return 0;
}

/* NO_SECKEY <long keyid>.  */
static gpg_error_t
do_no_seckey (status_result_t res, struct fields *fl)
{
  char id[STATUS_FPR_MAX + 1];
  unsigned int i;

  res->no_seckey++;
  if (field_hexid (fl, 0, 0, id) || strlen (id) != STATUS_KEYID_LEN)
    {
      res->malformed++;
      return 0;
    }
  for (i = 0; i < res->nrecp; i++)
    if (!strcmp (res->recp[i].keyid, id))
      res->recp[i].no_seckey = 1;
  return 0;
}

/* DECRYPTION_INFO <mdc_method> <sym_algo> [<aead_algo>] and
 * BEGIN_ENCRYPTION with the same fields.  */
static int
parse_cipher_info (struct fields *fl, int *r_mdc, int *r_sym, int *r_aead)
{
  *r_aead = 0;
  if (field_int (fl, 0, r_mdc) || field_int (fl, 1, r_sym)
      || (fl->n > 2 && field_int (fl, 2, r_aead)))
    return -1;
  return 0;
}

/* PLAINTEXT <format> <timestamp> [<filename>].  */
static gpg_error_t
do_plaintext (status_result_t res, struct fields *fl)
{
  const char *name;
  size_t n;

  res->plaintext_count++;
  if (res->plaintext_count > 1)
    return 0;   /* Keep the first; status_decrypt_ok refuses more.  */
  if (field_hex2 (fl, 0, &res->plaintext_format)
      || field_time (fl, 1, &res->plaintext_time))
    res->malformed++;
  name = rest_of (fl, 2, &n);
  res->plaintext_name = unescape (name, n, &res->plaintext_name_len);
  if (!res->plaintext_name)
    return gpg_error_from_syserror ();
  return 0;
}

/* SESSION_KEY <algo>:<hexdigits>: a secret, wiped at release.  */
static gpg_error_t
do_session_key (status_result_t res, struct fields *fl)
{
  size_t n;

  if (fl->n < 1 || res->session_key)
    {
      res->malformed++;
      return 0;
    }
  n = fl->len[0];
  res->session_key = malloc (n + 1);
  if (!res->session_key)
    return gpg_error_from_syserror ();
  memcpy (res->session_key, fl->f[0], n);
  res->session_key[n] = 0;
  return 0;
}


/*
 * Errors, recipients and signers.
 */

static void
note_code (status_result_t res, const char *loc, size_t loclen,
           gpg_error_t code)
{
  switch (gpg_err_code (code))
    {
    case GPG_ERR_BAD_PASSPHRASE:
      res->bad_passphrase = 1;
      /* gpg says where: "symkey_decrypt.maybe_error".  */
      if (loclen >= 6 && !memcmp (loc, "symkey", 6))
        res->bad_passphrase_sym = 1;
      break;
    case GPG_ERR_NO_PASSPHRASE:
      res->missing_passphrase = 1;
      break;
    default:
      break;
    }
}

/* FAILURE <location> <error code>.  */
static gpg_error_t
do_failure (status_result_t res, struct fields *fl)
{
  gpg_error_t code = field_errcode (fl, 1);

  if (fl->n < 2)
    res->malformed++;
  if (fl->n >= 1 && fl->len[0] == 8 && !memcmp (fl->f[0], "gpg-exit", 8))
    {
      /* Only says that gpg exits non-zero.  */
      if (!res->gpg_exit_code)
        res->gpg_exit_code = code;
      return 0;
    }
  if (!res->failures++)
    {
      copy_loc (res->failure_loc, sizeof res->failure_loc, fl, 0);
      res->failure_code = code;
    }
  note_code (res, fl->n ? fl->f[0] : "", fl->n ? fl->len[0] : 0, code);
  return 0;
}

/* ERROR <error location> <error code> [<more>].  */
static gpg_error_t
do_error (status_result_t res, struct fields *fl)
{
  gpg_error_t code = field_errcode (fl, 1);

  res->errors++;
  if (fl->n < 2)
    res->malformed++;
  note_code (res, fl->n ? fl->f[0] : "", fl->n ? fl->len[0] : 0, code);
  /* One PKESK failing (say a wrong passphrase for one of two keys) is
   * not fatal when another gives the session key.  */
  if (fl->n >= 1 && fl->len[0] == 16 && !memcmp (fl->f[0],
                                                  "pkdecrypt_failed", 16))
    return 0;
  if (!res->fatal_errors++)
    {
      copy_loc (res->error_loc, sizeof res->error_loc, fl, 0);
      res->error_code = code;
    }
  return 0;
}

/* INV_RECP / INV_SGNR <reason> <requested>.  */
static gpg_error_t
do_inv (status_result_t res, int sgnr, struct fields *fl)
{
  gpg_error_t err;
  struct status_inv **list = sgnr ? &res->inv_sgnr : &res->inv_recp;
  unsigned int *count = sgnr ? &res->ninv_sgnr : &res->ninv_recp;
  struct status_inv *inv;
  const char *spec;
  size_t n;

  err = grow (res, (void **)list, *count, sizeof **list);
  if (err)
    return err;
  inv = &(*list)[(*count)++];
  inv->reason = 0;
  inv->spec = NULL;
  if (field_int (fl, 0, &inv->reason))
    res->malformed++;
  spec = rest_of (fl, 1, &n);
  inv->spec = unescape (spec, n, NULL);
  if (!inv->spec)
    return gpg_error_from_syserror ();
  return 0;
}

/* SIG_CREATED <type> <pk_algo> <hash_algo> <class> <timestamp> <fpr>.  */
static gpg_error_t
do_sig_created (status_result_t res, struct fields *fl)
{
  gpg_error_t err;
  struct status_sig_created sc;

  memset (&sc, 0, sizeof sc);
  if (fl->n < 1 || fl->len[0] != 1
      || !(fl->f[0][0] == 'D' || fl->f[0][0] == 'C' || fl->f[0][0] == 'S')
      || field_int (fl, 1, &sc.pubkey_algo)
      || field_int (fl, 2, &sc.digest_algo)
      || field_hex2 (fl, 3, &sc.sig_class)
      || field_time (fl, 4, &sc.created)
      || field_hexid (fl, 5, 1, sc.fpr))
    {
      res->malformed++;   /* Not counted as a signature made.  */
      return 0;
    }
  sc.type = fl->f[0][0];
  err = grow (res, (void **)&res->sig_created, res->nsig_created,
              sizeof *res->sig_created);
  if (err)
    return err;
  res->sig_created[res->nsig_created++] = sc;
  return 0;
}


/*
 * Keyword dispatch.
 */

enum kw
  {
    KW_BADMDC, KW_BADSIG, KW_BAD_PASSPHRASE, KW_BEGIN_DECRYPTION,
    KW_BEGIN_ENCRYPTION, KW_BEGIN_SIGNING, KW_DECRYPTION_COMPLIANCE_MODE,
    KW_DECRYPTION_FAILED, KW_DECRYPTION_INFO, KW_DECRYPTION_KEY,
    KW_DECRYPTION_OKAY, KW_ENC_TO, KW_END_DECRYPTION, KW_END_ENCRYPTION,
    KW_ERROR, KW_ERRSIG, KW_EXPKEYSIG, KW_EXPSIG, KW_FAILURE, KW_GET_BOOL,
    KW_GET_HIDDEN, KW_GET_LINE, KW_GOODMDC, KW_GOODSIG, KW_GOOD_PASSPHRASE,
    KW_GOT_IT, KW_INFO, KW_INV_RECP, KW_INV_SGNR, KW_KEYEXPIRED,
    KW_KEYREVOKED, KW_MISSING_PASSPHRASE, KW_NEED_PASSPHRASE,
    KW_NEED_PASSPHRASE_PIN, KW_NEED_PASSPHRASE_SYM, KW_NEWSIG, KW_NODATA,
    KW_NO_PUBKEY, KW_NO_RECP, KW_NO_SECKEY, KW_NO_SGNR, KW_PLAINTEXT,
    KW_PLAINTEXT_LENGTH, KW_REVKEYSIG, KW_SESSION_KEY, KW_SIG_CREATED,
    KW_TRUST, KW_UNEXPECTED, KW_VALIDSIG, KW_WARNING, KW_KEY_CONSIDERED
  };

/* Sorted for bsearch.  KW_INFO: known, carries nothing we need.  */
static const struct
{
  const char *name;
  enum kw kw;
} keywords[] =
  {
    { "ATTRIBUTE", KW_INFO },
    { "BADMDC", KW_BADMDC },
    { "BADSIG", KW_BADSIG },
    { "BAD_PASSPHRASE", KW_BAD_PASSPHRASE },
    { "BEGIN_DECRYPTION", KW_BEGIN_DECRYPTION },
    { "BEGIN_ENCRYPTION", KW_BEGIN_ENCRYPTION },
    { "BEGIN_SIGNING", KW_BEGIN_SIGNING },
    { "DECRYPTION_COMPLIANCE_MODE", KW_DECRYPTION_COMPLIANCE_MODE },
    { "DECRYPTION_FAILED", KW_DECRYPTION_FAILED },
    { "DECRYPTION_INFO", KW_DECRYPTION_INFO },
    { "DECRYPTION_KEY", KW_DECRYPTION_KEY },
    { "DECRYPTION_OKAY", KW_DECRYPTION_OKAY },
    { "ENC_TO", KW_ENC_TO },
    { "END_DECRYPTION", KW_END_DECRYPTION },
    { "END_ENCRYPTION", KW_END_ENCRYPTION },
    { "ERROR", KW_ERROR },
    { "ERRSIG", KW_ERRSIG },
    { "EXPKEYSIG", KW_EXPKEYSIG },
    { "EXPSIG", KW_EXPSIG },
    { "FAILURE", KW_FAILURE },
    { "GET_BOOL", KW_GET_BOOL },
    { "GET_HIDDEN", KW_GET_HIDDEN },
    { "GET_LINE", KW_GET_LINE },
    { "GOODMDC", KW_GOODMDC },
    { "GOODSIG", KW_GOODSIG },
    { "GOOD_PASSPHRASE", KW_GOOD_PASSPHRASE },
    { "GOT_IT", KW_GOT_IT },
    { "INQUIRE_MAXLEN", KW_INFO },
    { "INV_RECP", KW_INV_RECP },
    { "INV_SGNR", KW_INV_SGNR },
    { "KEYEXPIRED", KW_KEYEXPIRED },
    { "KEYREVOKED", KW_KEYREVOKED },
    { "KEY_CONSIDERED", KW_KEY_CONSIDERED },
    { "MISSING_PASSPHRASE", KW_MISSING_PASSPHRASE },
    { "NEED_PASSPHRASE", KW_NEED_PASSPHRASE },
    { "NEED_PASSPHRASE_PIN", KW_NEED_PASSPHRASE_PIN },
    { "NEED_PASSPHRASE_SYM", KW_NEED_PASSPHRASE_SYM },
    { "NEWSIG", KW_NEWSIG },
    { "NODATA", KW_NODATA },
    { "NOTATION_DATA", KW_INFO },
    { "NOTATION_FLAGS", KW_INFO },
    { "NOTATION_NAME", KW_INFO },
    { "NO_PUBKEY", KW_NO_PUBKEY },
    { "NO_RECP", KW_NO_RECP },
    { "NO_SECKEY", KW_NO_SECKEY },
    { "NO_SGNR", KW_NO_SGNR },
    { "PINENTRY_LAUNCHED", KW_INFO },
    { "PLAINTEXT", KW_PLAINTEXT },
    { "PLAINTEXT_LENGTH", KW_PLAINTEXT_LENGTH },
    { "POLICY_URL", KW_INFO },
    { "PROGRESS", KW_INFO },
    { "REVKEYSIG", KW_REVKEYSIG },
    { "SESSION_KEY", KW_SESSION_KEY },
    { "SIG_CREATED", KW_SIG_CREATED },
    { "SIG_ID", KW_INFO },
    { "TRUST_FULLY", KW_TRUST },
    { "TRUST_MARGINAL", KW_TRUST },
    { "TRUST_NEVER", KW_TRUST },
    { "TRUST_ULTIMATE", KW_TRUST },
    { "TRUST_UNDEFINED", KW_TRUST },
    { "UNEXPECTED", KW_UNEXPECTED },
    { "USERID_HINT", KW_INFO },
    { "VALIDSIG", KW_VALIDSIG },
    { "WARNING", KW_WARNING }
  };

static int
find_keyword (const char *name, size_t n)
{
  size_t lo = 0, hi = sizeof keywords / sizeof *keywords;

  while (lo < hi)
    {
      size_t mid = (lo + hi) / 2;
      int c = strncmp (name, keywords[mid].name, n);

      if (!c && keywords[mid].name[n])
        c = -1;   /* NAME is a proper prefix.  */
      if (!c)
        return (int)keywords[mid].kw;
      if (c < 0)
        hi = mid;
      else
        lo = mid + 1;
    }
  return -1;
}

/* A prompt answered, or a key used: no longer waiting for a
 * passphrase.  */
static void
passphrase_done (status_result_t res)
{
  res->passphrase_pending = 0;
}

static gpg_error_t
dispatch (status_result_t res, int kw, const char *name, struct fields *fl)
{
  int a, b, c;

  switch ((enum kw)kw)
    {
    case KW_INFO:
      return 0;
    case KW_KEY_CONSIDERED:
      res->key_considered++;
      return 0;

      /* Passphrases.  */
    case KW_NEED_PASSPHRASE:
    case KW_NEED_PASSPHRASE_PIN:
      res->need_passphrase = 1;
      res->passphrase_pending = 1;
      res->last_need_sym = 0;
      return 0;
    case KW_NEED_PASSPHRASE_SYM:
      res->need_passphrase_sym = 1;
      res->passphrase_pending = 1;
      res->last_need_sym = 1;
      return 0;
    case KW_MISSING_PASSPHRASE:
      res->missing_passphrase = 1;
      return 0;
    case KW_BAD_PASSPHRASE:
      res->bad_passphrase = 1;
      res->bad_passphrase_sym |= res->last_need_sym;
      passphrase_done (res);
      return 0;
    case KW_GOOD_PASSPHRASE:
      res->good_passphrase = 1;
      passphrase_done (res);
      return 0;
    case KW_GET_HIDDEN:
      res->get_hidden++;
      return 0;
    case KW_GET_BOOL:
    case KW_GET_LINE:
      res->other_prompts++;
      return 0;
    case KW_GOT_IT:
      passphrase_done (res);
      return 0;

      /* Decryption.  */
    case KW_ENC_TO:
      return do_enc_to (res, fl);
    case KW_NO_SECKEY:
      return do_no_seckey (res, fl);
    case KW_DECRYPTION_KEY:
      passphrase_done (res);
      if (field_hexid (fl, 0, 1, res->decryption_key))
        {
          *res->decryption_key = 0;
          res->malformed++;
        }
      /* gpg prints ENC_TO for each PKESK as it gets to it and stops
       * trying once one gives the session key.  */
      if (!res->decryption_esk)
        res->decryption_esk = res->nrecp;
      return 0;
    case KW_BEGIN_DECRYPTION:
      res->begin_decryption = 1;
      return 0;
    case KW_DECRYPTION_INFO:
      if (parse_cipher_info (fl, &a, &b, &c))
        res->malformed++;
      else if (!res->decryption_info)
        {
          passphrase_done (res);
          res->decryption_info = 1;
          res->mdc_method = a;
          res->cipher_algo = b;
          res->aead_algo = c;
        }
      return 0;
    case KW_DECRYPTION_OKAY:
      res->decryption_okay = 1;
      return 0;
    case KW_GOODMDC:
      res->goodmdc = 1;
      return 0;
    case KW_BADMDC:
      res->badmdc = 1;
      return 0;
    case KW_DECRYPTION_FAILED:
      res->decryption_failed = 1;
      return 0;
    case KW_END_DECRYPTION:
      res->end_decryption = 1;
      return 0;
    case KW_DECRYPTION_COMPLIANCE_MODE:
      if (field_int (fl, 0, &res->compliance_mode))
        res->malformed++;
      return 0;
    case KW_PLAINTEXT:
      return do_plaintext (res, fl);
    case KW_PLAINTEXT_LENGTH:
      {
        unsigned long long v;

        if (fl->n < 1 || parse_ulong (fl->f[0], fl->len[0], ~0ULL, &v))
          res->malformed++;
        else
          {
            res->plaintext_length = v;
            res->have_plaintext_length = 1;
          }
      }
      return 0;
    case KW_SESSION_KEY:
      return do_session_key (res, fl);
    case KW_NODATA:
      if (!res->nodata++ && field_int (fl, 0, &res->nodata_what))
        res->malformed++;
      return 0;
    case KW_UNEXPECTED:
      res->unexpected++;
      return 0;

      /* Errors.  */
    case KW_FAILURE:
      return do_failure (res, fl);
    case KW_ERROR:
      return do_error (res, fl);
    case KW_WARNING:
      res->warnings++;
      return 0;

      /* Encryption and signing.  */
    case KW_BEGIN_ENCRYPTION:
      passphrase_done (res);
      if (parse_cipher_info (fl, &res->enc_mdc_method, &res->enc_cipher_algo,
                             &res->enc_aead_algo))
        res->malformed++;
      else
        res->begin_encryption = 1;
      return 0;
    case KW_END_ENCRYPTION:
      res->end_encryption = 1;
      return 0;
    case KW_INV_RECP:
      return do_inv (res, 0, fl);
    case KW_INV_SGNR:
      return do_inv (res, 1, fl);
    case KW_NO_RECP:
      res->no_recp = 1;
      return 0;
    case KW_NO_SGNR:
      res->no_sgnr = 1;
      return 0;
    case KW_BEGIN_SIGNING:
      res->begin_signing = 1;
      return 0;
    case KW_SIG_CREATED:
      passphrase_done (res);
      return do_sig_created (res, fl);

      /* Signatures.  */
    case KW_NEWSIG:
      return do_newsig (res, fl);
    case KW_GOODSIG:
    case KW_EXPSIG:
    case KW_EXPKEYSIG:
    case KW_REVKEYSIG:
    case KW_BADSIG:
      return do_sigresult (res, name, fl);
    case KW_ERRSIG:
      return do_errsig (res, fl);
    case KW_VALIDSIG:
      return do_validsig (res, fl);
    case KW_NO_PUBKEY:
    case KW_TRUST:
    case KW_KEYEXPIRED:
    case KW_KEYREVOKED:
      return do_sig_detail (res, name, fl);
    }
  return 0;
}


/*
 * Public functions.
 */

gpg_error_t
status_new (status_result_t *r_res)
{
  *r_res = calloc (1, sizeof **r_res);
  if (!*r_res)
    return gpg_error_from_syserror ();
  (*r_res)->exit_status = -1;
  return 0;
}

static void
free_invs (struct status_inv *list, unsigned int n)
{
  unsigned int i;

  for (i = 0; i < n; i++)
    free (list[i].spec);
  free (list);
}

void
status_release (status_result_t res)
{
  unsigned int i;

  if (!res)
    return;
  for (i = 0; i < res->nsigs; i++)
    {
      free (res->sigs[i].uid);
      free (res->sigs[i].signer_uid);
    }
  free (res->sigs);
  free (res->recp);
  free_invs (res->inv_recp, res->ninv_recp);
  free_invs (res->inv_sgnr, res->ninv_sgnr);
  free (res->sig_created);
  free (res->plaintext_name);
  if (res->session_key)
    {
      explicit_bzero (res->session_key, strlen (res->session_key));
      free (res->session_key);
    }
  free (res->linebuf);
  free (res);
}

void
status_set_line_hook (status_result_t res, status_line_hook_t hook,
                      void *opaque)
{
  res->hook = hook;
  res->hook_opaque = opaque;
}

gpg_error_t
status_feed (status_result_t res, const char *line, size_t len)
{
  gpg_error_t err = 0;
  struct fields fl;
  size_t n;
  int kw;
  char name[32];

  res->lines++;
  if (len >= sizeof PREFIX - 1 && !memcmp (line, PREFIX, sizeof PREFIX - 1))
    {
      line += sizeof PREFIX - 1;
      len -= sizeof PREFIX - 1;
    }
  while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    len--;

  if (res->hook)
    {
      err = res->hook (res->hook_opaque, line, len);
      if (err)
        goto leave;
    }

  /* The keyword: upper case, digits and '_' from the very start, then
   * a space or the end.  */
  for (n = 0; n < len; n++)
    if (!((line[n] >= 'A' && line[n] <= 'Z') || line[n] == '_'
          || (line[n] >= '0' && line[n] <= '9')))
      break;
  if (!n || n >= sizeof name || (n < len && line[n] != ' ')
      || (kw = find_keyword (line, n)) < 0)
    {
      res->ignored++;
      goto leave;
    }
  memcpy (name, line, n);
  name[n] = 0;

  split_fields (line + n, len - n, &fl);
  err = dispatch (res, kw, name, &fl);
  if (gpg_err_code (err) == GPG_ERR_TOO_LARGE)
    err = 0;   /* Recorded as overflow; status_error reports it.  */

 leave:
  return err;
}

gpg_error_t
status_push (status_result_t res, const void *buf, size_t len)
{
  gpg_error_t err = 0;
  const char *p = buf;
  const char *end = p + len;

  if (!res->linebuf)
    {
      res->linebuf = malloc (STATUS_LINE_MAX);
      if (!res->linebuf)
        return gpg_error_from_syserror ();
    }
  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      size_t take = (nl ? nl : end) - p;
      size_t room = STATUS_LINE_MAX - res->linelen;

      if (take > room)
        {
          res->linecut = 1;   /* Keep the head: the keyword is there.  */
          take = room;
        }
      memcpy (res->linebuf + res->linelen, p, take);
      res->linelen += take;
      if (!nl)
        break;
      p = nl + 1;
      if (res->linecut)
        res->malformed++;
      err = status_feed (res, res->linebuf, res->linelen);
      res->linelen = 0;
      res->linecut = 0;
      if (err)
        break;
    }
  return err;
}

gpg_error_t
status_finish (status_result_t res, int exit_status)
{
  gpg_error_t err = 0;

  if (res->linelen || res->linecut)
    {
      if (res->linecut)
        res->malformed++;
      err = status_feed (res, res->linebuf, res->linelen);
      res->linelen = 0;
      res->linecut = 0;
    }
  res->finished = 1;
  res->exit_status = exit_status;
  return err;
}

/* Anything recorded that no successful run has.  A wrong passphrase
 * is not on the list: for one of two PKESKs it is harmless when the
 * other key decrypts (exit 0); otherwise FAILURE or the exit status
 * tells.  */
static int
common_failure (status_result_t res)
{
  return (!res->finished || res->exit_status != 0 || res->overflow
          || res->malformed || res->failures || res->fatal_errors
          || res->nodata || res->unexpected || res->gpg_exit_code);
}

int
status_decrypt_ok (status_result_t res)
{
  if (common_failure (res))
    return 0;
  return (res->begin_decryption && res->decryption_info
          && res->decryption_okay && res->end_decryption
          && (res->goodmdc || res->aead_algo)
          && !res->badmdc && !res->decryption_failed
          && res->plaintext_count <= 1);
}

int
status_encrypt_ok (status_result_t res)
{
  if (common_failure (res))
    return 0;
  return (res->begin_encryption && res->end_encryption
          && !res->ninv_recp && !res->no_recp
          && !res->ninv_sgnr && !res->no_sgnr);
}

int
status_sign_ok (status_result_t res, unsigned int nsigners)
{
  if (common_failure (res))
    return 0;
  return (nsigners && res->nsig_created == nsigners
          && !res->ninv_sgnr && !res->no_sgnr);
}

static int
all_recp_no_seckey (status_result_t res)
{
  unsigned int i;

  if (!res->nrecp)
    return 0;
  for (i = 0; i < res->nrecp; i++)
    if (!res->recp[i].no_seckey)
      return 0;
  return 1;
}

gpg_error_t
status_error (status_result_t res)
{
  int decryption_incomplete = (res->begin_decryption
                               && !(res->decryption_okay
                                    && res->end_decryption));

  /* Nothing wrong at all?  */
  if (!common_failure (res)
      && !res->badmdc && !res->decryption_failed && !decryption_incomplete
      && !res->ninv_recp && !res->no_recp && !res->ninv_sgnr && !res->no_sgnr
      && !(res->begin_encryption && !res->end_encryption))
    return 0;

  /* Most specific first.  */
  if (res->overflow)
    return gpg_error (GPG_ERR_TOO_LARGE);
  if (res->bad_passphrase)
    return gpg_error (res->bad_passphrase_sym ? GPG_ERR_DECRYPT_FAILED
                      : GPG_ERR_BAD_PASSPHRASE);
  if (res->missing_passphrase || res->passphrase_pending)
    return gpg_error (GPG_ERR_NO_PASSPHRASE);
  if (res->ninv_recp || res->no_recp)
    return gpg_error (GPG_ERR_UNUSABLE_PUBKEY);
  if (res->ninv_sgnr || res->no_sgnr)
    return gpg_error (GPG_ERR_UNUSABLE_SECKEY);
  if (!res->decryption_info && all_recp_no_seckey (res))
    return gpg_error (GPG_ERR_NO_SECKEY);
  if (res->badmdc)
    return gpg_error (GPG_ERR_CHECKSUM);
  if (res->decryption_failed || decryption_incomplete)
    {
      /* With the session key the data was bad (truncated, corrupt, no
       * MDC); without it we could not decrypt.  */
      return gpg_error (res->decryption_info ? GPG_ERR_BAD_DATA
                        : GPG_ERR_DECRYPT_FAILED);
    }
  if (res->nodata)
    return gpg_error (res->nodata_what == 3 ? GPG_ERR_INV_PACKET
                      : GPG_ERR_NO_DATA);
  if (res->unexpected)
    return gpg_error (GPG_ERR_BAD_DATA);
  if (res->failures)
    return res->failure_code;
  if (res->fatal_errors)
    return res->error_code;
  if (res->malformed)
    return gpg_error (GPG_ERR_INV_RESPONSE);
  if (!res->finished)
    return gpg_error (GPG_ERR_INTERNAL);
  /* Exit non-zero after a complete decryption: the data failed late
   * (OCB tag, --max-output).  */
  if (res->decryption_info)
    return gpg_error (GPG_ERR_BAD_DATA);
  if (res->gpg_exit_code)
    return res->gpg_exit_code;
  return gpg_error (GPG_ERR_GENERAL);
}

gpg_error_t
status_sig_error (const struct status_sig *sig)
{
  switch (sig->status)
    {
    case STATUS_SIG_VALID:       return 0;
    case STATUS_SIG_BAD:         return gpg_error (GPG_ERR_BAD_SIGNATURE);
    case STATUS_SIG_UNKNOWN_KEY: return gpg_error (GPG_ERR_NO_PUBKEY);
    case STATUS_SIG_EXPIRED_KEY: return gpg_error (GPG_ERR_KEY_EXPIRED);
    case STATUS_SIG_REVOKED_KEY: return gpg_error (GPG_ERR_CERT_REVOKED);
    case STATUS_SIG_EXPIRED_SIG: return gpg_error (GPG_ERR_SIG_EXPIRED);
    case STATUS_SIG_ERROR:
      if (sig->errsig && sig->errsig_rc)
        return gpg_error (sig->errsig_rc);
      return gpg_error (GPG_ERR_BAD_SIGNATURE);
    case STATUS_SIG_NONE:
      break;
    }
  return gpg_error (GPG_ERR_NO_DATA);
}

const char *
status_sigstat_name (enum status_sigstat status)
{
  switch (status)
    {
    case STATUS_SIG_NONE:        return "none";
    case STATUS_SIG_VALID:       return "valid";
    case STATUS_SIG_BAD:         return "bad";
    case STATUS_SIG_UNKNOWN_KEY: return "unknown-key";
    case STATUS_SIG_EXPIRED_KEY: return "expired-key";
    case STATUS_SIG_REVOKED_KEY: return "revoked-key";
    case STATUS_SIG_EXPIRED_SIG: return "expired-sig";
    case STATUS_SIG_ERROR:       return "error";
    }
  return NULL;
}

/* RFC 4880 §9 ids.  */
const char *
status_cipher_name (int algo)
{
  switch (algo)
    {
    case 1:  return "IDEA";
    case 2:  return "3DES";
    case 3:  return "CAST5";
    case 4:  return "BLOWFISH";
    case 7:  return "AES128";
    case 8:  return "AES192";
    case 9:  return "AES256";
    case 10: return "TWOFISH";
    case 11: return "CAMELLIA128";
    case 12: return "CAMELLIA192";
    case 13: return "CAMELLIA256";
    default: return NULL;
    }
}

const char *
status_digest_name (int algo)
{
  switch (algo)
    {
    case 1:  return "MD5";
    case 2:  return "SHA1";
    case 3:  return "RIPEMD160";
    case 8:  return "SHA256";
    case 9:  return "SHA384";
    case 10: return "SHA512";
    case 11: return "SHA224";
    default: return NULL;
    }
}

const char *
status_pubkey_name (int algo)
{
  switch (algo)
    {
    case 1:  return "RSA";
    case 2:  return "RSA-E";
    case 3:  return "RSA-S";
    case 16: return "ELG";
    case 17: return "DSA";
    case 18: return "ECDH";
    case 19: return "ECDSA";
    case 22: return "EDDSA";
    default: return NULL;
    }
}

const char *
status_aead_name (int algo)
{
  switch (algo)
    {
    case 1:  return "EAX";
    case 2:  return "OCB";
    default: return NULL;
    }
}
