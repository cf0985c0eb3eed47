/* verifs.c - the draft's VERIFICATIONS lines from the verify and
 * decrypt steps' pgp.signatures result header, and the draft's DATE
 * arguments.
 *
 * pgp.signatures is a JSON array of flat objects of strings, e.g.
 *   [{"status":"valid","fingerprint":"PRIMARY","key":"SIGNING",
 *     "created":"2024-01-02T03:04:05Z","uid":"Alice <a@example>",
 *     "class":"binary"}]
 * One line per valid signature:
 *   CREATED SIGNING-FPR PRIMARY-FPR mode:MODE DESCRIPTION
 * where MODE is the signature class ("binary" or "text"; the field is
 * left out when the step did not name one).
 */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sop.h"

#define FIELD_MAX 1024

struct sig
{
  char status[32];
  char fpr[80];
  char key[80];
  char created[40];
  char uid[FIELD_MAX];
  char mode[16];                /* The "class" field.  */
};

static const char *
skip_ws (const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
    p++;
  return p;
}

/* Put code point CP as UTF-8 into OUT (room for 4 bytes).  */
static size_t
put_utf8 (unsigned long cp, char *out)
{
  if (cp < 0x80)
    return out[0] = cp, 1;
  if (cp < 0x800)
    return out[0] = 0xc0 | (cp >> 6), out[1] = 0x80 | (cp & 0x3f), 2;
  out[0] = 0xe0 | (cp >> 12);
  out[1] = 0x80 | ((cp >> 6) & 0x3f);
  out[2] = 0x80 | (cp & 0x3f);
  return 3;
}

/* Parse the JSON string at P (at its quote) into OUT (SIZE bytes,
 * cut when longer); control characters become spaces, since a
 * VERIFICATIONS line is one line.  Returns the end or NULL.  */
static const char *
parse_string (const char *p, char *out, size_t size)
{
  size_t n = 0, k;
  unsigned long cp;
  char tmp[4];

  if (*p++ != '"')
    return NULL;
  while (*p && *p != '"')
    {
      k = 1;
      tmp[0] = *p;
      if (*p == '\\')
        {
          p++;
          switch (*p)
            {
            case 'u':
              cp = 0;
              for (k = 1; k <= 4; k++)
                {
                  char c = p[k];
                  if (!c)
                    return NULL;
                  cp = cp * 16 + (c >= '0' && c <= '9' ? c - '0'
                                  : (c | 0x20) - 'a' + 10);
                }
              p += 4;
              k = put_utf8 (cp < 0x20 ? ' ' : cp, tmp);
              break;
            case 'n': case 'r': case 't': case 'b': case 'f':
              tmp[0] = ' ';
              break;
            case 0:
              return NULL;
            default:
              tmp[0] = *p;
              break;
            }
        }
      else if ((unsigned char)*p < 0x20)
        tmp[0] = ' ';
      if (n + k < size)
        memcpy (out + n, tmp, k), n += k;
      p++;
    }
  if (*p != '"')
    return NULL;
  out[n] = 0;
  return p + 1;
}

static void
copy_field (char *dst, size_t size, const char *src)
{
  size_t n = strlen (src);

  if (n >= size)
    n = size - 1;
  memcpy (dst, src, n);
  dst[n] = 0;
}

/* Parse one object at P into SIG.  */
static const char *
parse_object (const char *p, struct sig *sig)
{
  char name[32], value[FIELD_MAX];

  memset (sig, 0, sizeof *sig);
  if (*p++ != '{')
    return NULL;
  p = skip_ws (p);
  while (*p == '"')
    {
      if (!(p = parse_string (p, name, sizeof name)))
        return NULL;
      p = skip_ws (p);
      if (*p++ != ':')
        return NULL;
      p = skip_ws (p);
      if (!(p = parse_string (p, value, sizeof value)))
        return NULL;
      if (!strcmp (name, "status"))
        copy_field (sig->status, sizeof sig->status, value);
      else if (!strcmp (name, "fingerprint"))
        copy_field (sig->fpr, sizeof sig->fpr, value);
      else if (!strcmp (name, "key"))
        copy_field (sig->key, sizeof sig->key, value);
      else if (!strcmp (name, "created"))
        copy_field (sig->created, sizeof sig->created, value);
      else if (!strcmp (name, "uid"))
        copy_field (sig->uid, sizeof sig->uid, value);
      else if (!strcmp (name, "class")
               && (!strcmp (value, "binary") || !strcmp (value, "text")))
        copy_field (sig->mode, sizeof sig->mode, value);
      p = skip_ws (p);
      if (*p == ',')
        p = skip_ws (p + 1);
    }
  if (*p != '}')
    return NULL;
  return p + 1;
}

int
sop_verifications (const char *json, FILE *fp, unsigned int *r_count)
{
  struct sig sig;
  const char *p;

  *r_count = 0;
  if (!json)
    return 0;
  p = skip_ws (json);
  if (*p++ != '[')
    goto bad;
  p = skip_ws (p);
  while (*p == '{')
    {
      if (!(p = parse_object (p, &sig)))
        goto bad;
      if (!strcmp (sig.status, "valid") && *sig.fpr && *sig.created)
        {
          fprintf (fp, "%s %s %s%s%s%s%s\n", sig.created,
                   *sig.key ? sig.key : sig.fpr, sig.fpr,
                   *sig.mode ? " mode:" : "", sig.mode,
                   *sig.uid ? " " : "", sig.uid);
          ++*r_count;
        }
      p = skip_ws (p);
      if (*p == ',')
        p = skip_ws (p + 1);
    }
  if (*p != ']')
    goto bad;
  return 0;

 bad:
  sop_error ("cannot parse the signature results of the step");
  return SOP_GENERIC;
}


/* Read exactly N digits.  */
static int
digits (const char **s, int n, int *r_val)
{
  int v = 0;

  while (n--)
    {
      if (**s < '0' || **s > '9')
        return -1;
      v = v * 10 + (*(*s)++ - '0');
    }
  *r_val = v;
  return 0;
}

int
sop_parse_date (const char *arg, int not_after, long long *r_time)
{
  const char *s = arg;
  struct tm tm;
  int year, mon, day, hour = 0, min = 0, sec = 0, oh = 0, om = 0, sign = 0;
  int compact;
  time_t t;

  (void) not_after;
  if (!strcmp (arg, "-"))
    {
      /* The beginning or the end of time: no bound.  */
      *r_time = 0;
      return 0;
    }
  if (!strcmp (arg, "now"))
    {
      *r_time = time (NULL);
      return 0;
    }
  if (digits (&s, 4, &year))
    goto bad;
  compact = *s != '-';
  if ((!compact && *s++ != '-') || digits (&s, 2, &mon)
      || (!compact && *s++ != '-') || digits (&s, 2, &day))
    goto bad;
  if (*s == 'T' || *s == 't' || *s == ' ')
    {
      s++;
      if (digits (&s, 2, &hour) || (!compact && *s++ != ':')
          || digits (&s, 2, &min))
        goto bad;
      if (*s == ':' || (compact && *s >= '0' && *s <= '9'))
        {
          if (*s == ':')
            s++;
          if (digits (&s, 2, &sec))
            goto bad;
          if (*s == '.')
            for (s++; *s >= '0' && *s <= '9'; s++)
              ;
        }
      if (*s == 'Z' || *s == 'z')
        s++;
      else if (*s == '+' || *s == '-')
        {
          sign = *s++ == '+' ? 1 : -1;
          if (digits (&s, 2, &oh))
            goto bad;
          if (*s == ':')
            s++;
          if (*s && digits (&s, 2, &om))
            goto bad;
        }
    }
  if (*s || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23
      || min > 59 || sec > 60)
    goto bad;
  memset (&tm, 0, sizeof tm);
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec > 59 ? 59 : sec;
  t = timegm (&tm);
  if (t == (time_t)-1)
    goto bad;
  *r_time = (long long)t - sign * (oh * 3600 + om * 60);
  if (*r_time < 0)
    *r_time = 0;
  return 0;

 bad:
  sop_error ("cannot parse the date '%s' (expected ISO 8601, '-' or"
             " 'now')", arg);
  return SOP_GENERIC;
}
