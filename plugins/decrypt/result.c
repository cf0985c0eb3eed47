/* result.c - the result headers of a successful decryption.  */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "result.h"

/* Length of a valid UTF-8 sequence at S (N bytes left), 0 if none.  */
static size_t
utf8_len (const unsigned char *s, size_t n)
{
  size_t len, i;
  unsigned int c;

  if (s[0] < 0x80)
    return 1;
  if (s[0] >= 0xc2 && s[0] <= 0xdf)
    len = 2, c = s[0] & 0x1f;
  else if (s[0] >= 0xe0 && s[0] <= 0xef)
    len = 3, c = s[0] & 0x0f;
  else if (s[0] >= 0xf0 && s[0] <= 0xf4)
    len = 4, c = s[0] & 0x07;
  else
    return 0;
  if (len > n)
    return 0;
  for (i = 1; i < len; i++)
    {
      if ((s[i] & 0xc0) != 0x80)
        return 0;
      c = (c << 6) | (s[i] & 0x3f);
    }
  if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff)))
      || (len == 4 && (c < 0x10000 || c > 0x10ffff)))
    return 0;
  return len;
}

/* The sender's literal file name as printable UTF-8 (malloced):
 * control characters become '_' and invalid bytes U+FFFD.  The name
 * stays data: "../x" is kept as it is, for the flow to judge.  */
static char *
printable (const char *name, size_t n)
{
  const unsigned char *s = (const unsigned char *) name;
  char *out, *p;
  size_t k;

  if (!(out = malloc (3 * n + 1)))
    return NULL;
  for (p = out; n; s += k, n -= k)
    {
      if (*s < 0x20 || *s == 0x7f)
        *p++ = '_', k = 1;
      else if ((k = utf8_len (s, n)))
        memcpy (p, s, k), p += k;
      else
        memcpy (p, "\xef\xbf\xbd", 3), p += 3, k = 1;
    }
  *p = 0;
  return out;
}

static const char *
integrity (status_result_t st, const struct packet_peek *peek)
{
  if (peek->container == PACKET_CONT_AEAD)
    return peek->aead_algo == 1 ? "eax" : peek->aead_algo == 2 ? "ocb"
      : "aead";
  return st->goodmdc ? "mdc" : "none";
}

gpg_error_t
result_set_headers (const struct pgpstep_host *host, pgpstep_message_t msg,
                    status_result_t st, const struct packet_peek *peek)
{
  gpg_error_t err = 0;
  char when[32], *name = NULL, *list = NULL, *p;
  const char *cipher;
  struct tm tm;
  unsigned int i;

  if (st->plaintext_name && st->plaintext_name_len)
    {
      if (!(name = printable (st->plaintext_name, st->plaintext_name_len)))
        return gpg_error_from_syserror ();
      err = host->set_header (msg, "pgp.literal.filename", name);
    }
  if (!err && st->plaintext_time && gmtime_r (&st->plaintext_time, &tm)
      && strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm))
    err = host->set_header (msg, "pgp.literal.modified", when);
  cipher = status_cipher_name (st->cipher_algo);
  if (!err && cipher)
    err = host->set_header (msg, "pgp.cipher", cipher);
  if (!err)
    err = host->set_header (msg, "pgp.integrity", integrity (st, peek));
  if (!err && *st->decryption_key)
    err = host->set_header (msg, "pgp.decryption.key", st->decryption_key);
  if (!err && st->nrecp)
    {
      /* 16 hex digits and a comma each.  */
      if (!(list = p = malloc (st->nrecp * 17 + 1)))
        err = gpg_error_from_syserror ();
      for (i = 0; !err && i < st->nrecp; i++)
        {
          if (i)
            *p++ = ',';
          p = stpcpy (p, st->recp[i].keyid);
        }
      if (!err)
        err = host->set_header (msg, "pgp.recipients", list);
    }
  free (list);
  free (name);
  return err;
}
