/* params.c - parameter values: type checks and ${header.NAME}.
 *
 * The same checks run on values written in a descriptor (load time)
 * and on values taken from message headers (process time), so a step
 * only ever sees values of the declared shape.
 */
#include <config.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"

/* Longest piece of an offending value quoted in a reason.  */
#define QUOTE_MAX 64

static int
is_name_char (int c)
{
  return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-');
}

/* Return true if S is a non-empty run of [A-Za-z0-9_.-].  */
static int
is_name (const char *s, size_t len)
{
  size_t i;

  if (!len)
    return 0;
  for (i = 0; i < len; i++)
    if (!is_name_char ((unsigned char)s[i]))
      return 0;
  return 1;
}

static int
is_digit (int c)
{
  return c >= '0' && c <= '9';
}

static int
is_hex (int c)
{
  return (is_digit (c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

static int
is_ctrl (int c)
{
  return (c >= 0 && c < 0x20) || c == 0x7f;
}


int
param_header_ref (const char *value, char **r_header)
{
  static const char prefix[] = "${header.";
  size_t plen = sizeof prefix - 1;
  size_t len;

  *r_header = NULL;
  errno = 0;
  if (!strstr (value, "${"))
    return 0;
  len = strlen (value);
  if (len < plen + 2 || strncmp (value, prefix, plen)
      || value[len - 1] != '}'
      || !is_name (value + plen, len - plen - 1))
    return -1;
  *r_header = strndup (value + plen, len - plen - 1);
  if (!*r_header)
    return -1;  /* errno is ENOMEM.  */
  return 1;
}


const char *
pgpstep_param_type_name (pgpstep_param_type_t type)
{
  switch (type)
    {
    case PGPSTEP_TYPE_STRING:  return "string";
    case PGPSTEP_TYPE_BOOL:    return "boolean";
    case PGPSTEP_TYPE_INT:     return "integer";
    case PGPSTEP_TYPE_ENUM:    return "enum";
    case PGPSTEP_TYPE_KEY:     return "key";
    case PGPSTEP_TYPE_KEYRING: return "keyring";
    case PGPSTEP_TYPE_SECRET:  return "secret";
    case PGPSTEP_TYPE_TIME:    return "time";
    case PGPSTEP_TYPE_SIZE:    return "size";
    }
  return "unknown";
}


/* Return a malloced copy of VALUE fit for an error message: control
 * characters replaced and long values cut, so a reason stays one
 * readable line.  */
static char *
quote_value (const char *value)
{
  size_t len = strlen (value);
  size_t n = len > QUOTE_MAX ? QUOTE_MAX : len;
  char *q;
  size_t i;

  q = malloc (n + 4);
  if (!q)
    return NULL;
  for (i = 0; i < n; i++)
    q[i] = is_ctrl ((unsigned char)value[i]) ? '?' : value[i];
  if (n < len)
    memcpy (q + n, "...", 3), n += 3;
  q[n] = 0;
  return q;
}

/* Set *R_REASON to a formatted text with "%s" args; "found 'VALUE'"
 * is appended when VALUE is not NULL.  Returns GPG_ERR_INV_VALUE, or
 * an out-of-core error.  */
static gpg_error_t
reason (char **r_reason, const char *value, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

static gpg_error_t
reason (char **r_reason, const char *value, const char *fmt, ...)
{
  gpg_error_t err = gpg_error (GPG_ERR_INV_VALUE);
  va_list ap;
  char *text = NULL;
  char *quoted = NULL;
  int rc;

  va_start (ap, fmt);
  rc = vasprintf (&text, fmt, ap);
  va_end (ap);
  if (rc < 0)
    {
      text = NULL;
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if (value)
    {
      quoted = quote_value (value);
      if (!quoted)
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
      if (asprintf (r_reason, "%s, found '%s'", text, quoted) < 0)
        {
          *r_reason = NULL;
          err = gpg_error_from_syserror ();
        }
    }
  else
    {
      *r_reason = text;
      text = NULL;
    }

 leave:
  free (text);
  free (quoted);
  return err;
}

/* Parse an optionally signed decimal integer spanning all of S.
 * Returns 0 on success, -1 on syntax error, 1 on overflow.  */
static int
parse_decimal (const char *s, long long *r_val)
{
  int neg = 0;
  unsigned long long acc = 0;
  unsigned long long limit;

  if (*s == '+' || *s == '-')
    neg = (*s++ == '-');
  if (!*s)
    return -1;
  limit = (unsigned long long)LLONG_MAX + (neg ? 1 : 0);
  for (; *s; s++)
    {
      if (!is_digit (*s))
        return -1;
      if (acc > (limit - (unsigned)(*s - '0')) / 10)
        return 1;
      acc = acc * 10 + (unsigned)(*s - '0');
    }
  if (neg)
    *r_val = acc ? -(long long)(acc - 1) - 1 : 0;
  else
    *r_val = (long long)acc;
  return 0;
}

static gpg_error_t
format_number (long long val, char **r_normalized)
{
  if (asprintf (r_normalized, "%lld", val) < 0)
    {
      *r_normalized = NULL;
      return gpg_error_from_syserror ();
    }
  return 0;
}

static gpg_error_t
check_bool (const char *value, char **r_normalized, char **r_reason)
{
  const char *v;

  if (!strcmp (value, "true") || !strcmp (value, "yes")
      || !strcmp (value, "1"))
    v = "true";
  else if (!strcmp (value, "false") || !strcmp (value, "no")
           || !strcmp (value, "0"))
    v = "false";
  else
    return reason (r_reason, value,
                   "expected true, false, yes, no, 1 or 0");
  *r_normalized = strdup (v);
  return *r_normalized ? 0 : gpg_error_from_syserror ();
}

static gpg_error_t
check_int (const struct pgpstep_param *spec, const char *value,
           char **r_normalized, char **r_reason)
{
  int bounded = spec->min || spec->max;
  long long val;
  int rc;

  rc = parse_decimal (value, &val);
  if (rc < 0)
    return reason (r_reason, value, "expected a decimal integer");
  if (rc > 0 || (bounded && (val < spec->min || val > spec->max)))
    {
      if (bounded)
        return reason (r_reason, value,
                       "expected an integer from %lld to %lld",
                       spec->min, spec->max);
      return reason (r_reason, value, "integer out of range");
    }
  return format_number (val, r_normalized);
}

static gpg_error_t
check_enum (const struct pgpstep_param *spec, const char *value,
            char **r_normalized, char **r_reason)
{
  gpg_error_t err;
  const char *const *a;
  char *list = NULL;
  size_t len = 0;
  FILE *fp;

  for (a = spec->allowed; a && *a; a++)
    if (!strcmp (*a, value))
      {
        *r_normalized = strdup (value);
        return *r_normalized ? 0 : gpg_error_from_syserror ();
      }

  fp = open_memstream (&list, &len);
  if (!fp)
    return gpg_error_from_syserror ();
  for (a = spec->allowed; a && *a; a++)
    fprintf (fp, "%s%s", a == spec->allowed ? "" : ", ", *a);
  if (fclose (fp))
    {
      free (list);
      return gpg_error_from_syserror ();
    }
  err = reason (r_reason, value, "expected one of: %s",
                *list ? list : "(none declared)");
  free (list);
  return err;
}

static gpg_error_t
check_size (const struct pgpstep_param *spec, const char *value,
            char **r_normalized, char **r_reason)
{
  int bounded = spec->min || spec->max;
  const char *s;
  unsigned long long acc = 0;
  unsigned long long mult = 1;
  int overflow = 0;

  for (s = value; is_digit (*s); s++)
    {
      if (acc > (ULLONG_MAX - (unsigned)(*s - '0')) / 10)
        overflow = 1;
      else
        acc = acc * 10 + (unsigned)(*s - '0');
    }
  if (s == value)
    goto syntax;
  switch (*s)
    {
    case 0:   break;
    case 'K': mult = 1024ull; s++; break;
    case 'M': mult = 1024ull * 1024; s++; break;
    case 'G': mult = 1024ull * 1024 * 1024; s++; break;
    default:  goto syntax;
    }
  if (*s)
    goto syntax;
  if (acc > (unsigned long long)LLONG_MAX / mult)
    overflow = 1;
  acc *= mult;
  if (overflow || (bounded && ((long long)acc < spec->min
                               || (long long)acc > spec->max)))
    {
      if (bounded)
        return reason (r_reason, value,
                       "expected a size from %lld to %lld bytes",
                       spec->min, spec->max);
      return reason (r_reason, value, "size out of range");
    }
  return format_number ((long long)acc, r_normalized);

 syntax:
  return reason (r_reason, value,
                 "expected a byte count with optional K, M or G suffix");
}

/* Read exactly N digits from *S into *R_VAL.  */
static int
take_digits (const char **s, int n, int *r_val)
{
  int v = 0;

  for (; n; n--, (*s)++)
    {
      if (!is_digit (**s))
        return -1;
      v = v * 10 + (**s - '0');
    }
  *r_val = v;
  return 0;
}

static int
take_char (const char **s, int c)
{
  if (**s != c)
    return -1;
  (*s)++;
  return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * algorithm); avoids timegm and the TZ environment altogether.  */
static long long
days_from_civil (int y, int m, int d)
{
  long long era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int
days_in_month (int y, int m)
{
  static const int mdays[12] = {31,28,31,30,31,30,31,31,30,31,30,31};

  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return 29;
  return mdays[m - 1];
}

static gpg_error_t
check_time (const char *value, char **r_normalized, char **r_reason)
{
  const char *s = value;
  int year, mon, day, hour = 0, min = 0, sec = 0;
  long long val;

  if (*s && strspn (s, "0123456789") == strlen (s))
    {
      if (parse_decimal (s, &val))
        return reason (r_reason, value, "time out of range");
      return format_number (val, r_normalized);
    }

  if (take_digits (&s, 4, &year) || take_char (&s, '-')
      || take_digits (&s, 2, &mon) || take_char (&s, '-')
      || take_digits (&s, 2, &day))
    goto syntax;
  if (*s)
    {
      if (take_char (&s, 'T') || take_digits (&s, 2, &hour)
          || take_char (&s, ':') || take_digits (&s, 2, &min)
          || take_char (&s, ':') || take_digits (&s, 2, &sec)
          || take_char (&s, 'Z') || *s)
        goto syntax;
    }
  if (mon < 1 || mon > 12 || day < 1 || day > days_in_month (year, mon)
      || hour > 23 || min > 59 || sec > 59)
    return reason (r_reason, value, "expected a valid date and time,"
                   " no such date or time");

  val = days_from_civil (year, mon, day) * 86400
        + hour * 3600 + min * 60 + sec;
  /* Seconds since the epoch are never negative: a step must be able to
   * read the value back as such (and this check accept it again).  */
  if (val < 0)
    return reason (r_reason, value, "expected a date and time from"
                   " 1970-01-01 on");
  return format_number (val, r_normalized);

 syntax:
  return reason (r_reason, value,
                 "expected a date YYYY-MM-DD, a date-time"
                 " YYYY-MM-DDTHH:MM:SSZ or seconds since the epoch");
}

static gpg_error_t
check_key (const char *value, char **r_normalized, char **r_reason)
{
  const char *hex = value;
  size_t len, nhex, i;
  int prefixed = 0;
  const char *at;

  if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
    hex += 2, prefixed = 1;
  len = strlen (hex);
  for (nhex = 0; nhex < len && is_hex ((unsigned char)hex[nhex]); nhex++)
    ;

  if (nhex == len && (len == 40 || len == 64))
    {
      *r_normalized = strdup (hex);
      if (!*r_normalized)
        return gpg_error_from_syserror ();
      for (i = 0; i < len; i++)
        if ((*r_normalized)[i] >= 'a')
          (*r_normalized)[i] -= 'a' - 'A';
      return 0;
    }
  /* gpg would take such a string as a key ID, which is not a safe way
   * to name a key.  */
  if (prefixed || (nhex == len && len >= 8))
    return reason (r_reason, value,
                   "expected a 40 or 64 hex digit fingerprint;"
                   " key IDs are not accepted");

  if (!*value)
    return reason (r_reason, NULL, "expected a fingerprint, an <email>"
                   " or a user ID, found an empty value");
  for (i = 0; value[i]; i++)
    if (is_ctrl ((unsigned char)value[i]))
      return reason (r_reason, value,
                     "expected a user ID without control characters");

  if (value[0] == '<')
    {
      len = strlen (value);
      at = strchr (value, '@');
      if (value[len - 1] != '>' || !at || at == value + 1
          || at + 2 >= value + len || strchr (at + 1, '@')
          || strcspn (value + 1, "<> ") != len - 2)
        return reason (r_reason, value,
                       "expected an address of the form <name@domain>");
    }
  *r_normalized = strdup (value);
  return *r_normalized ? 0 : gpg_error_from_syserror ();
}

/* Return true if VALUE is "secret:NAME" or "env:NAME".  */
static int
is_secret_ref (const char *value)
{
  const char *name;

  if (!strncmp (value, "secret:", 7))
    name = value + 7;
  else if (!strncmp (value, "env:", 4))
    name = value + 4;
  else
    return 0;
  /* "." and ".." would leave the secrets directory.  */
  if (!strcmp (name, ".") || !strcmp (name, ".."))
    return 0;
  return is_name (name, strlen (name));
}

gpg_error_t
param_check (const struct pgpstep_param *spec, const char *value,
             char **r_normalized, char **r_reason)
{
  *r_normalized = NULL;
  *r_reason = NULL;

  switch (spec->type)
    {
    case PGPSTEP_TYPE_STRING:
      break;
    case PGPSTEP_TYPE_BOOL:
      return check_bool (value, r_normalized, r_reason);
    case PGPSTEP_TYPE_INT:
      return check_int (spec, value, r_normalized, r_reason);
    case PGPSTEP_TYPE_ENUM:
      return check_enum (spec, value, r_normalized, r_reason);
    case PGPSTEP_TYPE_SIZE:
      return check_size (spec, value, r_normalized, r_reason);
    case PGPSTEP_TYPE_TIME:
      return check_time (value, r_normalized, r_reason);
    case PGPSTEP_TYPE_KEY:
      return check_key (value, r_normalized, r_reason);
    case PGPSTEP_TYPE_SECRET:
      /* Never quote the value: it may be a literal passphrase.  */
      if (!is_secret_ref (value))
        return reason (r_reason, NULL,
                       "expected a secret reference secret:NAME or"
                       " env:NAME (literal secrets are not accepted)");
      break;
    case PGPSTEP_TYPE_KEYRING:
      if (!is_name (value, strlen (value)))
        return reason (r_reason, value,
                       "expected a keyring name of letters, digits,"
                       " '_', '.' and '-'");
      break;
    default:
      return reason (r_reason, NULL, "parameter has unknown type %d",
                     (int)spec->type);
    }

  *r_normalized = strdup (value);
  return *r_normalized ? 0 : gpg_error_from_syserror ();
}
