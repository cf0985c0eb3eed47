/* policy.c - the signature policy shared by decrypt and verify.  */
#include <config.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "utf8.h"

#define NOT_A_SIGNER "expected the 40 or 64 hex digit fingerprint of a" \
  " primary key"

const char *const policy_mode_names[] =
  { "none", "optional", "required", "ignore", NULL };

const char *
policy_mode_name (enum policy_mode mode)
{
  switch (mode)
    {
    case POLICY_NONE:     return "none";
    case POLICY_OPTIONAL: return "optional";
    case POLICY_REQUIRED: return "required";
    case POLICY_IGNORE:   return "ignore";
    }
  return NULL;
}

const char *
policy_sigstat_name (enum policy_sigstat stat)
{
  switch (stat)
    {
    case POLICY_SIG_VALID:          return "valid";
    case POLICY_SIG_BAD:            return "bad";
    case POLICY_SIG_UNKNOWN_KEY:    return "unknown-key";
    case POLICY_SIG_EXPIRED_KEY:    return "expired-key";
    case POLICY_SIG_REVOKED_KEY:    return "revoked-key";
    case POLICY_SIG_EXPIRED:        return "expired-signature";
    case POLICY_SIG_ERROR:          return "error";
    case POLICY_SIG_NOT_ALLOWED:    return "not-allowed";
    case POLICY_SIG_WEAK_DIGEST:    return "weak-digest";
    case POLICY_SIG_OUTSIDE_WINDOW: return "outside-window";
    }
  return NULL;
}


/* A growing string; on allocation failure it stays NULL-marked.  */
struct buf
{
  char *s;
  size_t len, size;
  int oom;
};

static void buf_printf (struct buf *b, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

static void
buf_add (struct buf *b, const char *s, size_t n)
{
  char *p;

  if (b->oom)
    return;
  if (b->len + n + 1 > b->size)
    {
      size_t size = (b->len + n + 1) * 2;
      if (!(p = realloc (b->s, size)))
        {
          b->oom = 1;
          return;
        }
      b->s = p;
      b->size = size;
    }
  memcpy (b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = 0;
}

static void
buf_printf (struct buf *b, const char *fmt, ...)
{
  va_list ap;
  char *s;
  int n;

  va_start (ap, fmt);
  n = vasprintf (&s, fmt, ap);
  va_end (ap);
  if (n < 0)
    {
      b->oom = 1;
      return;
    }
  buf_add (b, s, n);
  free (s);
}

/* Take the string out of B (empty string for nothing), or NULL.  */
static char *
buf_take (struct buf *b)
{
  if (b->oom)
    {
      free (b->s);
      return NULL;
    }
  if (!b->s)
    return strdup ("");
  return b->s;
}

/* Append S as JSON string content (JSON=1) or as log-safe text (control
 * characters as '?').  Invalid UTF-8 becomes U+FFFD: user IDs are
 * whatever the key holder wrote.  */
static void
buf_add_text (struct buf *b, const char *str, int json)
{
  const unsigned char *s = (const unsigned char *) str;
  size_t n = strlen (str), k;
  char esc[8];

  while (n)
    {
      if (*s == '"' || *s == '\\')
        {
          if (json)
            buf_add (b, "\\", 1);
          buf_add (b, (const char *) s, 1);
          k = 1;
        }
      else if (*s < 0x20 || *s == 0x7f)
        {
          if (json)
            {
              snprintf (esc, sizeof esc, "\\u%04x", *s);
              buf_add (b, esc, 6);
            }
          else
            buf_add (b, "?", 1);
          k = 1;
        }
      else if ((k = utf8_seq_len (s, n)))
        buf_add (b, (const char *) s, k);
      else
        {
          buf_add (b, "\xef\xbf\xbd", 3);
          k = 1;
        }
      s += k;
      n -= k;
    }
}

static void
iso_time (time_t t, char out[32])
{
  struct tm tm;

  if (!t || !gmtime_r (&t, &tm)
      || !strftime (out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
    *out = 0;
}


/* Configuration.  */

/* Normalise a fingerprint (optional 0x, 40 or 64 hex digits) into a
 * malloced upper-case string; NULL for anything else.  */
static char *
normalize_fpr (const char *s)
{
  size_t len, i;
  char *out;

  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    s += 2;
  len = strlen (s);
  if ((len != 40 && len != 64) || strspn (s, "0123456789abcdefABCDEF") != len)
    return NULL;
  if (!(out = strdup (s)))
    return NULL;
  for (i = 0; i < len; i++)
    if (out[i] >= 'a' && out[i] <= 'f')
      out[i] -= 'a' - 'A';
  return out;
}

/* Seconds since the epoch (the host normalises TIME values to that).  */
static int
parse_time (const char *s, time_t *r_t)
{
  char *end;
  long long v;

  *r_t = 0;
  if (!s)
    return 0;
  if (!*s || strspn (s, "0123456789") != strlen (s))
    return -1;
  v = strtoll (s, &end, 10);
  *r_t = (time_t) v;
  return 0;
}

static int
is_true (const char *s)
{
  return s && !strcmp (s, "true");
}

/* Add SPEC to POL's allowlist: a fingerprint as it is, anything else
 * through POL's resolver.  On GPG_ERR_INV_VALUE *R_REASON may get a
 * malloced text.  */
static gpg_error_t
add_allowed (struct policy *pol, const char *spec, char **r_reason)
{
  gpg_error_t err;
  char **p;
  char *s;

  *r_reason = NULL;
  if (!(s = normalize_fpr (spec)))
    {
      if (!pol->resolve)
        return gpg_error (GPG_ERR_INV_VALUE);
      err = pol->resolve (pol->resolve_opaque, spec, &s, r_reason);
      if (err)
        return err;
    }
  p = realloc (pol->allowed, (pol->nallowed + 1) * sizeof *p);
  if (!p)
    {
      free (s);
      return gpg_error_from_syserror ();
    }
  pol->allowed = p;
  p[pol->nallowed++] = s;
  return 0;
}

void
policy_release (struct policy *pol)
{
  unsigned int i;

  if (!pol)
    return;
  for (i = 0; i < pol->nallowed; i++)
    free (pol->allowed[i]);
  free (pol->allowed);
  pol->allowed = NULL;
  pol->nallowed = 0;
}

gpg_error_t
policy_from_config (struct policy *pol, const struct pgpstep_host *host,
                    pgpstep_config_t cfg, int verify,
                    policy_resolve_t resolve, void *resolve_opaque)
{
  gpg_error_t err = 0;
  const char *s, *key = NULL;
  char *reason = NULL;
  unsigned int i, n;
  int m;

  memset (pol, 0, sizeof *pol);
  pol->mode = POLICY_OPTIONAL;
  pol->resolve = resolve;
  pol->resolve_opaque = resolve_opaque;
  s = verify ? NULL : host->config_value (cfg, "signatures", 0);
  if (s)
    {
      for (m = 0; policy_mode_names[m]; m++)
        if (!strcmp (s, policy_mode_name (m)))
          break;
      if (!policy_mode_names[m])
        {
          err = gpg_error (GPG_ERR_INV_VALUE);
          key = "signatures";
          host->config_error (cfg, err, key, "signatures: expected none,"
                              " optional, required or ignore");
          goto leave;
        }
      pol->mode = m;
      pol->mode_given = 1;
    }

  n = host->config_count (cfg, "allowed-signer");
  for (i = 0; i < n; i++)
    {
      s = host->config_value (cfg, "allowed-signer", i);
      if (host->config_is_dynamic (cfg, "allowed-signer", i))
        pol->ndynamic++;
      else if (!s || (err = add_allowed (pol, s, &reason)))
        {
          if (!err || gpg_err_code (err) == GPG_ERR_INV_VALUE)
            {
              err = gpg_error (GPG_ERR_INV_VALUE);
              host->config_error (cfg, err, "allowed-signer",
                                  "allowed-signer '%s': %s", s ? s : "",
                                  reason ? reason : NOT_A_SIGNER);
            }
          goto leave;
        }
    }
  pol->require_all = is_true (host->config_value (cfg, "require-all", 0));
  pol->allow_legacy = is_true (host->config_value (cfg, "allow-legacy", 0));
  if (parse_time (host->config_value (cfg, "not-before", 0),
                  &pol->not_before))
    key = "not-before";
  else if (parse_time (host->config_value (cfg, "not-after", 0),
                       &pol->not_after))
    key = "not-after";
  if (key)
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      host->config_error (cfg, err, key, "%s: expected seconds since the"
                          " epoch", key);
      goto leave;
    }

  if (verify)
    pol->mode = POLICY_REQUIRED;
  else if (!pol->mode_given && n)
    pol->mode = POLICY_REQUIRED;

  /* Settings that would silently not apply are mistakes.  */
  err = gpg_error (GPG_ERR_CONFIGURATION);
  if (pol->require_all && !n)
    host->config_error (cfg, err, "require-all", "require-all needs at"
                        " least one allowed-signer");
  else if (pol->not_before && pol->not_after
           && pol->not_before > pol->not_after)
    host->config_error (cfg, err, "not-after", "not-after is earlier than"
                        " not-before");
  else if ((pol->mode == POLICY_NONE || pol->mode == POLICY_IGNORE)
           && (n || pol->require_all || pol->not_before || pol->not_after
               || pol->allow_legacy))
    host->config_error (cfg, err, "signatures", "signatures=%s checks no"
                        " signature: allowed-signer, require-all,"
                        " not-before, not-after and allow-legacy cannot"
                        " apply", policy_mode_name (pol->mode));
  else
    err = 0;

 leave:
  free (reason);
  if (err)
    policy_release (pol);
  return err;
}

gpg_error_t
policy_from_message (struct policy *pol, const struct policy *base,
                     const struct pgpstep_host *host, pgpstep_message_t msg)
{
  gpg_error_t err = 0;
  char *reason = NULL;
  const char *s;
  unsigned int i, n;

  *pol = *base;
  pol->allowed = NULL;
  pol->nallowed = 0;
  if (base->ndynamic)
    {
      n = host->param_count (msg, "allowed-signer");
      for (i = 0; i < n; i++)
        {
          s = host->param_value (msg, "allowed-signer", i);
          if (!s || (err = add_allowed (pol, s, &reason)))
            {
              if (!err || gpg_err_code (err) == GPG_ERR_INV_VALUE)
                {
                  err = gpg_error (GPG_ERR_INV_VALUE);
                  host->error (msg, err, "allowed-signer", "allowed-signer"
                               " '%s' (from a header): %s", s ? s : "",
                               reason ? reason : NOT_A_SIGNER);
                }
              goto leave;
            }
        }
    }
  else
    for (i = 0; i < base->nallowed; i++)
      if ((err = add_allowed (pol, base->allowed[i], &reason)))
        goto leave;

 leave:
  free (reason);
  if (err)
    policy_release (pol);
  return err;
}


/* Verdicts.  */

static int
is_weak_digest (int algo)
{
  return algo == 1 || algo == 2 || algo == 3;  /* MD5, SHA1, RIPEMD160.  */
}

static int
is_allowed (const struct policy *pol, const char *fpr)
{
  unsigned int i;

  if (!*fpr)
    return 0;
  for (i = 0; i < pol->nallowed; i++)
    if (!strcmp (pol->allowed[i], fpr))
      return 1;
  return 0;
}

static enum policy_sigstat
judge (const struct policy *pol, const struct status_sig *sig)
{
  switch (sig->status)
    {
    case STATUS_SIG_VALID:
      break;
    case STATUS_SIG_BAD:         return POLICY_SIG_BAD;
    case STATUS_SIG_UNKNOWN_KEY: return POLICY_SIG_UNKNOWN_KEY;
    case STATUS_SIG_EXPIRED_KEY: return POLICY_SIG_EXPIRED_KEY;
    case STATUS_SIG_REVOKED_KEY: return POLICY_SIG_REVOKED_KEY;
    case STATUS_SIG_EXPIRED_SIG: return POLICY_SIG_EXPIRED;
    default:                     return POLICY_SIG_ERROR;
    }
  if (!*sig->primary_fpr)
    return POLICY_SIG_ERROR;
  if (pol->nallowed && !is_allowed (pol, sig->primary_fpr))
    return POLICY_SIG_NOT_ALLOWED;
  if (is_weak_digest (sig->digest_algo) && !pol->allow_legacy)
    return POLICY_SIG_WEAK_DIGEST;
  if ((pol->not_before && sig->created < pol->not_before)
      || (pol->not_after && sig->created > pol->not_after))
    return POLICY_SIG_OUTSIDE_WINDOW;
  return POLICY_SIG_VALID;
}

/* The best name we have for the signer of SIG.  */
static const char *
signer_id (const struct status_sig *sig)
{
  if (*sig->primary_fpr)
    return sig->primary_fpr;
  if (*sig->fpr)
    return sig->fpr;
  if (*sig->keyid)
    return sig->keyid;
  return NULL;
}

/* Why STAT, in words.  */
static void
explain (struct buf *b, const struct policy *pol,
         const struct status_sig *sig, enum policy_sigstat stat)
{
  char when[32];
  const char *name;

  switch (stat)
    {
    case POLICY_SIG_VALID:
      buf_printf (b, "valid");
      break;
    case POLICY_SIG_BAD:
      buf_printf (b, "bad (the data or the signature was altered)");
      break;
    case POLICY_SIG_UNKNOWN_KEY:
      buf_printf (b, "unknown-key (its public key is not in the step's"
                  " keyrings)");
      break;
    case POLICY_SIG_EXPIRED_KEY:
      buf_printf (b, "expired-key (the signing key has expired)");
      break;
    case POLICY_SIG_REVOKED_KEY:
      buf_printf (b, "revoked-key (the signing key was revoked)");
      break;
    case POLICY_SIG_EXPIRED:
      iso_time (sig->expires, when);
      buf_printf (b, "expired-signature (the signature expired%s%s)",
                  *when ? " at " : "", when);
      break;
    case POLICY_SIG_ERROR:
      buf_printf (b, "error (cannot be checked: %s)",
                  sig->errsig_rc ? gpg_strerror (gpg_error (sig->errsig_rc))
                  : "incomplete status from gpg");
      break;
    case POLICY_SIG_NOT_ALLOWED:
      buf_printf (b, "not-allowed (the signer is not an allowed-signer)");
      break;
    case POLICY_SIG_WEAK_DIGEST:
      name = status_digest_name (sig->digest_algo);
      buf_printf (b, "weak-digest (%s; set allow-legacy to accept it)",
                  name ? name : "?");
      break;
    case POLICY_SIG_OUTSIDE_WINDOW:
      iso_time (sig->created, when);
      buf_printf (b, "outside-window (created %s, ", *when ? when : "?");
      if (pol->not_before && sig->created < pol->not_before)
        iso_time (pol->not_before, when), buf_printf (b, "before %s)", when);
      else
        iso_time (pol->not_after, when), buf_printf (b, "after %s)", when);
      break;
    }
}

/* "signature 1 by 0xFPR (uid): reason; signature 2 ..."  */
static void
list_signatures (struct buf *b, const struct policy *pol,
                 status_result_t res, const struct policy_verdict *v)
{
  const struct status_sig *sig;
  const char *id;
  unsigned int i;

  for (i = 0; i < v->nsigs; i++)
    {
      sig = res->sigs + i;
      id = signer_id (sig);
      buf_printf (b, "%ssignature %u by %s%s", i ? "; " : "", i + 1,
                  id ? "0x" : "", id ? id : "an unknown key");
      if (sig->uid)
        {
          buf_add (b, " (", 2);
          buf_add_text (b, sig->uid, 0);
          buf_add (b, ")", 1);
        }
      buf_add (b, ": ", 2);
      explain (b, pol, sig, v->sigstat[i]);
    }
}

gpg_error_t
policy_evaluate (const struct policy *pol, status_result_t res,
                 struct policy_verdict *r_v)
{
  struct buf b = { NULL, 0, 0, 0 };
  unsigned int i, j, nbad = 0;
  int found;

  memset (r_v, 0, sizeof *r_v);
  r_v->accepted = -1;
  r_v->nsigs = res->nsigs;
  if (res->nsigs
      && !(r_v->sigstat = calloc (res->nsigs, sizeof *r_v->sigstat)))
    return gpg_error_from_syserror ();
  for (i = 0; i < res->nsigs; i++)
    {
      r_v->sigstat[i] = judge (pol, res->sigs + i);
      if (r_v->sigstat[i] == POLICY_SIG_VALID && r_v->accepted < 0)
        r_v->accepted = i;
      nbad += r_v->sigstat[i] == POLICY_SIG_BAD;
    }

  if (pol->mode == POLICY_IGNORE)
    return 0;
  if (res->overflow)
    buf_printf (&b, "more signatures or status records than pgpstep"
                " checks (%u)", STATUS_MAX_RECORDS);
  else if (!res->nsigs)
    {
      if (pol->mode == POLICY_REQUIRED)
        buf_printf (&b, "the message is not signed (signatures=required)");
    }
  else if (pol->mode == POLICY_NONE)
    buf_printf (&b, "the message is signed (%u signature%s) but"
                " signatures=none; use signatures=ignore to accept signed"
                " messages without checking them", res->nsigs,
                res->nsigs == 1 ? "" : "s");
  else if (nbad || r_v->accepted < 0)
    {
      buf_printf (&b, nbad ? "bad signature: " : "no acceptable signature: ");
      list_signatures (&b, pol, res, r_v);
    }
  else if (pol->require_all)
    {
      for (j = 0; j < pol->nallowed; j++)
        {
          found = 0;
          for (i = 0; i < res->nsigs && !found; i++)
            found = (r_v->sigstat[i] == POLICY_SIG_VALID
                     && !strcmp (res->sigs[i].primary_fpr, pol->allowed[j]));
          if (!found)
            buf_printf (&b, "%s 0x%s", b.len ? "," : "require-all: no valid"
                        " signature by", pol->allowed[j]);
        }
      if (b.len)
        {
          buf_printf (&b, "; ");
          list_signatures (&b, pol, res, r_v);
        }
    }

  if (b.oom)
    {
      free (b.s);
      policy_verdict_release (r_v);
      return gpg_error (GPG_ERR_ENOMEM);
    }
  if (b.len)
    {
      r_v->err = gpg_error (GPG_ERR_BAD_SIGNATURE);
      r_v->text = b.s;
    }
  return 0;
}

void
policy_verdict_release (struct policy_verdict *v)
{
  if (!v)
    return;
  free (v->sigstat);
  free (v->text);
  v->sigstat = NULL;
  v->text = NULL;
  v->nsigs = 0;
}


/* Headers.  */

static void
json_field (struct buf *b, int *first, const char *name, const char *value)
{
  if (!value || !*value)
    return;
  buf_printf (b, "%s\"%s\":\"", *first ? "" : ",", name);
  buf_add_text (b, value, 1);
  buf_add (b, "\"", 1);
  *first = 0;
}

/* "binary" or "text" for a signature of class 0x00 or 0x01 whose
 * class gpg reported (VALIDSIG, ERRSIG); NULL otherwise.  */
static const char *
sig_class_name (const struct status_sig *sig)
{
  if (!sig->validsig && !sig->errsig)
    return NULL;
  return sig->sig_class == 0x00 ? "binary"
    : sig->sig_class == 0x01 ? "text" : NULL;
}

gpg_error_t
policy_signatures_json (const struct policy_verdict *v, status_result_t res,
                        char **r_json)
{
  struct buf b = { NULL, 0, 0, 0 };
  const struct status_sig *sig;
  char when[32];
  unsigned int i;
  int first;

  buf_add (&b, "[", 1);
  for (i = 0; i < v->nsigs && i < res->nsigs; i++)
    {
      sig = res->sigs + i;
      first = 1;
      buf_add (&b, i ? ",{" : "{", i ? 2 : 1);
      json_field (&b, &first, "status", policy_sigstat_name (v->sigstat[i]));
      json_field (&b, &first, "fingerprint", sig->primary_fpr);
      json_field (&b, &first, "key", sig->fpr);
      json_field (&b, &first, "keyid", sig->keyid);
      iso_time (sig->created, when);
      json_field (&b, &first, "created", when);
      json_field (&b, &first, "digest", status_digest_name (sig->digest_algo));
      json_field (&b, &first, "algorithm",
                  status_pubkey_name (sig->pubkey_algo));
      json_field (&b, &first, "uid", sig->uid);
      json_field (&b, &first, "class", sig_class_name (sig));
      buf_add (&b, "}", 1);
    }
  buf_add (&b, "]", 1);
  *r_json = buf_take (&b);
  return *r_json ? 0 : gpg_error (GPG_ERR_ENOMEM);
}

gpg_error_t
policy_set_headers (const struct policy *pol, const struct policy_verdict *v,
                    status_result_t res, const struct pgpstep_host *host,
                    pgpstep_message_t msg)
{
  gpg_error_t err;
  const struct status_sig *sig;
  const char *status = NULL;
  char *json = NULL;
  char when[32];
  unsigned int i;

  if (pol->mode == POLICY_IGNORE)
    return host->set_header (msg, "pgp.signature.status", "ignored");

  if (!v->nsigs)
    status = "none";
  else if (v->accepted >= 0 && !v->err)
    status = "valid";
  else
    {
      for (i = 0; i < v->nsigs && !status; i++)
        if (v->sigstat[i] != POLICY_SIG_VALID)
          status = policy_sigstat_name (v->sigstat[i]);
      if (!status)
        status = "incomplete";  /* require-all not met.  */
    }
  err = host->set_header (msg, "pgp.signature.status", status);
  if (!err && v->accepted >= 0 && !v->err)
    {
      sig = res->sigs + v->accepted;
      iso_time (sig->created, when);
      err = host->set_header (msg, "pgp.signature.fingerprint",
                              sig->primary_fpr);
      if (!err && *when)
        err = host->set_header (msg, "pgp.signature.created", when);
      if (!err && status_digest_name (sig->digest_algo))
        err = host->set_header (msg, "pgp.signature.digest",
                                status_digest_name (sig->digest_algo));
    }
  if (!err)
    err = policy_signatures_json (v, res, &json);
  if (!err)
    err = host->set_header (msg, "pgp.signatures", json);
  free (json);
  return err;
}
