/* result.c - the result headers of a successful decryption.  */
#include <config.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "result.h"
#include "utf8.h"

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
      else if ((k = utf8_seq_len (s, n)))
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
