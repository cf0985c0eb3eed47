/* headers.c - message header sets and their JSON form.
 *
 * Header names are restricted to [A-Za-z0-9_.-] so that every header
 * can be named in ${header.NAME}.  Values are arbitrary text without
 * NUL.  The JSON form is a flat object of strings.
 */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "headers.h"
#include "json.h"

#define MAX_HEADER_NAME 256
/* Lookups are linear; a message needs a few dozen headers, and the
 * bound keeps a hostile headers file from costing quadratic time.  */
#define MAX_HEADERS 1000

static int
valid_name (const char *name)
{
  size_t n;

  for (n = 0; name[n]; n++)
    if (!((name[n] >= 'a' && name[n] <= 'z')
          || (name[n] >= 'A' && name[n] <= 'Z')
          || (name[n] >= '0' && name[n] <= '9')
          || name[n] == '_' || name[n] == '.' || name[n] == '-'))
      return 0;
  return n > 0 && n <= MAX_HEADER_NAME;
}

gpg_error_t
pgpstep_headers_new (pgpstep_headers_t *r_headers)
{
  *r_headers = calloc (1, sizeof **r_headers);
  return *r_headers ? 0 : gpg_error_from_syserror ();
}

void
pgpstep_headers_release (pgpstep_headers_t h)
{
  unsigned int i;

  if (!h)
    return;
  for (i = 0; i < h->count; i++)
    {
      free (h->items[i].name);
      free (h->items[i].value);
    }
  free (h->items);
  free (h);
}

static struct header_entry *
find (pgpstep_headers_t h, const char *name)
{
  unsigned int i;

  for (i = 0; i < h->count; i++)
    if (!strcmp (h->items[i].name, name))
      return h->items + i;
  return NULL;
}

gpg_error_t
pgpstep_headers_set (pgpstep_headers_t h, const char *name,
                     const char *value)
{
  struct header_entry *e;
  char *v;

  if (!h || !name || !value)
    return gpg_error (GPG_ERR_INV_ARG);
  if (!valid_name (name))
    return gpg_error (GPG_ERR_INV_NAME);
  if (!(v = strdup (value)))
    return gpg_error_from_syserror ();
  if ((e = find (h, name)))
    {
      free (e->value);
      e->value = v;
      return 0;
    }
  if (h->count >= MAX_HEADERS)
    {
      free (v);
      return gpg_error (GPG_ERR_TOO_MANY);
    }
  if (h->count == h->alloced)
    {
      unsigned int n = h->alloced ? 2 * h->alloced : 8;
      struct header_entry *tmp = realloc (h->items, n * sizeof *tmp);

      if (!tmp)
        {
          free (v);
          return gpg_error_from_syserror ();
        }
      h->items = tmp;
      h->alloced = n;
    }
  e = h->items + h->count;
  if (!(e->name = strdup (name)))
    {
      free (v);
      return gpg_error_from_syserror ();
    }
  e->value = v;
  h->count++;
  return 0;
}

const char *
pgpstep_headers_get (pgpstep_headers_t h, const char *name)
{
  struct header_entry *e;

  if (!h || !name)
    return NULL;
  e = find (h, name);
  return e ? e->value : NULL;
}

unsigned int
pgpstep_headers_count (pgpstep_headers_t h)
{
  return h ? h->count : 0;
}

const char *
pgpstep_headers_name_at (pgpstep_headers_t h, unsigned int idx,
                         const char **r_value)
{
  if (!h || idx >= h->count)
    return NULL;
  if (r_value)
    *r_value = h->items[idx].value;
  return h->items[idx].name;
}

gpg_error_t
headers_copy (pgpstep_headers_t src, pgpstep_headers_t *r_copy)
{
  gpg_error_t err;
  pgpstep_headers_t h;
  unsigned int i;

  *r_copy = NULL;
  err = pgpstep_headers_new (&h);
  if (err)
    return err;
  for (i = 0; src && i < src->count && !err; i++)
    err = pgpstep_headers_set (h, src->items[i].name, src->items[i].value);
  if (err)
    pgpstep_headers_release (h);
  else
    *r_copy = h;
  return err;
}


/*
 * JSON
 */

/* A growing output buffer.  */
struct membuf
{
  char *buf;
  size_t len;
  size_t size;
  int oom;
};

static void
put_mem (struct membuf *mb, const char *s, size_t n)
{
  if (mb->oom)
    return;
  if (mb->len + n + 1 > mb->size)
    {
      size_t size = mb->size ? mb->size : 256;
      char *tmp;

      while (mb->len + n + 1 > size)
        size *= 2;
      if (!(tmp = realloc (mb->buf, size)))
        {
          mb->oom = 1;
          return;
        }
      mb->buf = tmp;
      mb->size = size;
    }
  memcpy (mb->buf + mb->len, s, n);
  mb->len += n;
  mb->buf[mb->len] = 0;
}

gpg_error_t
pgpstep_headers_to_json (pgpstep_headers_t h, char **r_json)
{
  char *buf = NULL;
  size_t len = 0;
  unsigned int i;
  FILE *fp;

  *r_json = NULL;
  if (!(fp = open_memstream (&buf, &len)))
    return gpg_error_from_syserror ();
  fputs ("{", fp);
  for (i = 0; h && i < h->count; i++)
    {
      fputs (i ? ",\n  " : "\n  ", fp);
      json_put_string (fp, h->items[i].name);
      fputs (": ", fp);
      json_put_string (fp, h->items[i].value);
    }
  fputs (h && h->count ? "\n}\n" : "}\n", fp);
  if (fclose (fp))
    {
      free (buf);
      return gpg_error_from_syserror ();
    }
  *r_json = buf;
  return 0;
}

/* JSON reader state.  */
struct reader
{
  const char *p;
  const char *start;
  const char *end;
  const char *what;     /* Why parsing stopped.  */
};

static void
skip_ws (struct reader *r)
{
  while (r->p < r->end
         && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static int
hex4 (struct reader *r, unsigned int *r_val)
{
  unsigned int v = 0;
  int i;

  if (r->end - r->p < 4)
    return -1;
  for (i = 0; i < 4; i++, r->p++)
    {
      char c = *r->p;

      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        return -1;
    }
  *r_val = v;
  return 0;
}

static void
put_utf8 (struct membuf *mb, unsigned long cp)
{
  char tmp[4];
  size_t n;

  if (cp < 0x80)
    tmp[0] = cp, n = 1;
  else if (cp < 0x800)
    tmp[0] = 0xc0 | (cp >> 6), tmp[1] = 0x80 | (cp & 0x3f), n = 2;
  else if (cp < 0x10000)
    tmp[0] = 0xe0 | (cp >> 12), tmp[1] = 0x80 | ((cp >> 6) & 0x3f),
      tmp[2] = 0x80 | (cp & 0x3f), n = 3;
  else
    tmp[0] = 0xf0 | (cp >> 18), tmp[1] = 0x80 | ((cp >> 12) & 0x3f),
      tmp[2] = 0x80 | ((cp >> 6) & 0x3f), tmp[3] = 0x80 | (cp & 0x3f), n = 4;
  put_mem (mb, tmp, n);
}

/* Read a JSON string at R->p into a malloced *R_STR.  */
static int
read_string (struct reader *r, char **r_str)
{
  struct membuf mb = { NULL, 0, 0, 0 };
  unsigned int cp, lo;
  size_t n;

  *r_str = NULL;
  if (r->p >= r->end || *r->p != '"')
    {
      r->what = "expected a string";
      return -1;
    }
  r->p++;
  put_mem (&mb, "", 0);
  while (r->p < r->end && *r->p != '"')
    {
      unsigned char c = *r->p;

      if (c < 0x20)
        {
          r->what = "control character in string";
          goto fail;
        }
      if (c != '\\')
        {
          if (!(n = json_utf8_len ((const unsigned char *)r->p,
                              (size_t)(r->end - r->p))))
            {
              r->what = "invalid UTF-8";
              goto fail;
            }
          put_mem (&mb, r->p, n);
          r->p += n;
          continue;
        }
      if (++r->p >= r->end)
        break;
      switch (*r->p++)
        {
        case '"':  put_mem (&mb, "\"", 1); break;
        case '\\': put_mem (&mb, "\\", 1); break;
        case '/':  put_mem (&mb, "/", 1); break;
        case 'b':  put_mem (&mb, "\b", 1); break;
        case 'f':  put_mem (&mb, "\f", 1); break;
        case 'n':  put_mem (&mb, "\n", 1); break;
        case 'r':  put_mem (&mb, "\r", 1); break;
        case 't':  put_mem (&mb, "\t", 1); break;
        case 'u':
          if (hex4 (r, &cp))
            {
              r->what = "bad \\u escape";
              goto fail;
            }
          if (cp >= 0xd800 && cp <= 0xdbff)
            {
              if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
                {
                  r->what = "unpaired surrogate";
                  goto fail;
                }
              r->p += 2;
              if (hex4 (r, &lo) || lo < 0xdc00 || lo > 0xdfff)
                {
                  r->what = "unpaired surrogate";
                  goto fail;
                }
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
          else if (cp >= 0xdc00 && cp <= 0xdfff)
            {
              r->what = "unpaired surrogate";
              goto fail;
            }
          if (!cp)
            {
              r->what = "NUL character in string";
              goto fail;
            }
          put_utf8 (&mb, cp);
          break;
        default:
          r->what = "bad escape";
          goto fail;
        }
    }
  if (r->p >= r->end)
    {
      r->what = "unterminated string";
      goto fail;
    }
  r->p++;
  if (mb.oom)
    {
      r->what = "out of memory";
      goto fail;
    }
  *r_str = mb.buf;
  return 0;

 fail:
  free (mb.buf);
  return -1;
}

gpg_error_t
pgpstep_headers_parse_json (pgpstep_headers_t h, const char *json,
                            size_t length, char **r_message)
{
  gpg_error_t err = 0;
  struct reader r;
  char *name = NULL;
  char *value = NULL;
  pgpstep_headers_t seen = NULL;
  unsigned int i;

  if (r_message)
    *r_message = NULL;
  if (!h || !json)
    return gpg_error (GPG_ERR_INV_ARG);
  r.p = r.start = json;
  r.end = json + length;
  r.what = NULL;
  /* Parse into SEEN first so that H is changed only by a valid
   * document; a repeated name is an error, not a silent override,
   * because the two values may disagree.  */
  err = pgpstep_headers_new (&seen);
  if (err)
    return err;

  skip_ws (&r);
  if (r.p >= r.end || *r.p != '{')
    {
      r.what = "expected a JSON object";
      goto syntax;
    }
  r.p++;
  skip_ws (&r);
  if (r.p < r.end && *r.p == '}')
    r.p++;
  else
    for (;;)
      {
        skip_ws (&r);
        if (read_string (&r, &name))
          goto syntax;
        skip_ws (&r);
        if (r.p >= r.end || *r.p != ':')
          {
            r.what = "expected ':'";
            goto syntax;
          }
        r.p++;
        skip_ws (&r);
        if (r.p < r.end && *r.p != '"')
          {
            r.what = "header values must be strings";
            goto syntax;
          }
        if (read_string (&r, &value))
          goto syntax;
        if (pgpstep_headers_get (seen, name))
          {
            r.what = "duplicate header name";
            goto syntax;
          }
        if (!valid_name (name))
          {
            r.what = "header names may only contain A-Z a-z 0-9 _ . -";
            goto syntax;
          }
        err = pgpstep_headers_set (seen, name, value);
        if (gpg_err_code (err) == GPG_ERR_TOO_MANY)
          {
            r.what = "more than 1000 headers";
            goto syntax;
          }
        if (err)
          goto leave;
        free (name);
        free (value);
        name = value = NULL;
        skip_ws (&r);
        if (r.p < r.end && *r.p == ',')
          {
            r.p++;
            continue;
          }
        if (r.p < r.end && *r.p == '}')
          {
            r.p++;
            break;
          }
        r.what = "expected ',' or '}'";
        goto syntax;
      }
  skip_ws (&r);
  if (r.p != r.end)
    {
      r.what = "trailing data after the object";
      goto syntax;
    }
  for (i = 0; i < seen->count && !err; i++)
    err = pgpstep_headers_set (h, seen->items[i].name, seen->items[i].value);
  goto leave;

 syntax:
  err = gpg_error (GPG_ERR_INV_VALUE);
  if (r_message && r.what)
    {
      if (asprintf (r_message, "headers JSON: %s at offset %zu",
                    r.what, (size_t)(r.p - r.start)) < 0)
        *r_message = NULL;
    }
 leave:
  free (name);
  free (value);
  pgpstep_headers_release (seen);
  return err;
}
