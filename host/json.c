/* json.c - the JSON string writer shared by the host's JSON outputs.  */
#include <config.h>
#include <stdio.h>

#include "json.h"

/* Length of the valid UTF-8 sequence at S, of which at most AVAIL
 * bytes may be read, or 0 if invalid.  */
size_t
json_utf8_len (const unsigned char *s, size_t avail)
{
  unsigned int c = s[0];
  size_t n, i;
  unsigned long cp;

  if (c < 0x80)
    return 1;
  else if (c >= 0xc2 && c <= 0xdf)
    n = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef)
    n = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4)
    n = 4, cp = c & 0x07;
  else
    return 0;
  if (n > avail)
    return 0;   /* Cut off by the end of the input.  */
  for (i = 1; i < n; i++)
    {
      if ((s[i] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i] & 0x3f);
    }
  if ((n == 3 && cp < 0x800) || (cp >= 0xd800 && cp <= 0xdfff)
      || cp > 0x10ffff || (n == 4 && cp < 0x10000))
    return 0;
  return n;
}

/* Write S as a JSON string.  Invalid UTF-8 bytes become U+FFFD so that
 * the output is always valid JSON whatever a sender put in a value.  */
void
json_put_string (FILE *fp, const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t n;

  putc ('"', fp);
  while (*p)
    {
      if (*p == '"' || *p == '\\')
        {
          putc ('\\', fp);
          putc (*p++, fp);
        }
      else if (*p == '\n')
        fputs ("\\n", fp), p++;
      else if (*p == '\r')
        fputs ("\\r", fp), p++;
      else if (*p == '\t')
        fputs ("\\t", fp), p++;
      else if (*p < 0x20 || *p == 0x7f)
        {
          fprintf (fp, "\\u%04x", *p);
          p++;
        }
      else if ((n = json_utf8_len (p, (size_t)-1)))  /* NUL stops it.  */
        {
          fwrite (p, 1, n, fp);
          p += n;
        }
      else
        {
          fputs ("\\ufffd", fp);
          p++;
        }
    }
  putc ('"', fp);
}
