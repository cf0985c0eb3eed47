/* fuzz-armor.c - libFuzzer target: ASCII armor decoder and encoder.
 *
 * 1. The input is decoded in one piece and in chunks of pseudo-random
 *    sizes, each into a buffer of exactly armor_decode_bound bytes
 *    (ASan catches a bound that is too small); both runs must agree
 *    on the error, the output, the type and the trailing count.
 * 2. The input is armored (random chunking, exact-bound buffers) and
 *    decoded again: the round trip must be the identity, with a
 *    checksum, the type kept and no error.
 */
#include <config.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "armor.h"

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "%s:%d: check failed: %s\n", \
                               __FILE__, __LINE__, #cond); abort (); } \
  } while (0)

struct outbuf
{
  unsigned char *buf;
  size_t len;
};

static void
append (struct outbuf *ob, const void *p, size_t n)
{
  unsigned char *tmp;

  if (!n)
    return;
  tmp = realloc (ob->buf, ob->len + n);
  if (!tmp)
    abort ();
  ob->buf = tmp;
  memcpy (ob->buf + ob->len, p, n);
  ob->len += n;
}

static size_t
next_chunk (uint32_t *seed, size_t left)
{
  size_t n;

  if (!*seed)
    return left;
  *seed = *seed * 1103515245u + 12345u;
  n = (*seed >> 16) & 0x7f;
  if (((*seed >> 8) & 7) == 0)
    n = (*seed >> 12) & 0x3fff;
  if (!n)
    n = 1;
  return n < left ? n : left;
}

struct dec_result
{
  gpg_error_t err;          /* From armor_decode (sticky).  */
  gpg_error_t ferr;         /* From armor_decode_finish.  */
  struct outbuf out;        /* Output while there was no error.  */
  enum armor_type type;
  int had_checksum;
  unsigned long long trailing;
};

static void
decode (const uint8_t *data, size_t size, uint32_t seed,
        struct dec_result *r)
{
  armor_decoder_t dec;
  size_t off = 0, n, outlen;
  unsigned char *in, *out;

  memset (r, 0, sizeof *r);
  if (armor_decoder_new (&dec))
    abort ();
  while (off < size && !r->err)
    {
      n = next_chunk (&seed, size - off);
      in = malloc (n);
      out = malloc (armor_decode_bound (n));
      if (!in || !out)
        abort ();
      memcpy (in, data + off, n);
      r->err = armor_decode (dec, in, n, out, &outlen);
      CHECK (outlen <= armor_decode_bound (n));
      if (!r->err)
        append (&r->out, out, outlen);
      free (in);
      free (out);
      off += n;
    }
  r->ferr = armor_decode_finish (dec);
  if (r->err)
    CHECK (r->ferr == r->err);   /* Sticky.  */
  r->type = armor_decoder_type (dec);
  r->had_checksum = armor_decoder_had_checksum (dec);
  r->trailing = armor_decoder_trailing (dec);
  armor_decoder_release (dec);
}

static void
check_decoder (const uint8_t *data, size_t size, uint32_t seed)
{
  struct dec_result a, b;

  decode (data, size, 0, &a);
  decode (data, size, seed, &b);
  if (a.ferr != b.ferr)
    {
      fprintf (stderr, "one piece: %s; chunked: %s\n",
               gpg_strerror (a.ferr), gpg_strerror (b.ferr));
      abort ();
    }
  CHECK (a.type == b.type);
  if (!a.ferr)
    {
      CHECK (a.out.len == b.out.len);
      CHECK (!a.out.len || !memcmp (a.out.buf, b.out.buf, a.out.len));
      CHECK (a.had_checksum == b.had_checksum);
      CHECK (a.trailing == b.trailing);
    }
  free (a.out.buf);
  free (b.out.buf);
}

static void
check_roundtrip (const uint8_t *data, size_t size, uint32_t seed,
                 enum armor_type type)
{
  armor_encoder_t enc;
  struct outbuf armored = { NULL, 0 };
  struct dec_result r;
  size_t off = 0, n, outlen;
  unsigned char *in, *out;

  if (armor_encoder_new (&enc, type))
    abort ();
  do
    {
      n = next_chunk (&seed, size - off);
      in = malloc (n ? n : 1);
      out = malloc (armor_encode_bound (n));
      if (!in || !out)
        abort ();
      memcpy (in, data + off, n);
      CHECK (!armor_encode (enc, in, n, out, &outlen));
      CHECK (outlen <= armor_encode_bound (n));
      append (&armored, out, outlen);
      free (in);
      free (out);
      off += n;
    }
  while (off < size);
  out = malloc (ARMOR_FINISH_MAX);
  if (!out)
    abort ();
  CHECK (!armor_encode_finish (enc, out, &outlen));
  CHECK (outlen <= ARMOR_FINISH_MAX);
  append (&armored, out, outlen);
  free (out);
  armor_encoder_release (enc);

  decode (armored.buf, armored.len, seed ^ 0x5a5a5a5au, &r);
  if (r.ferr)
    {
      fprintf (stderr, "own armor refused: %s\n%.*s\n",
               gpg_strerror (r.ferr), (int)armored.len,
               (const char *)armored.buf);
      abort ();
    }
  CHECK (r.type == type);
  CHECK (r.had_checksum);
  CHECK (r.trailing == 0);
  CHECK (r.out.len == size);
  CHECK (!size || !memcmp (r.out.buf, data, size));
  CHECK (armor_crc24 (ARMOR_CRC_INIT, data, size)
         == armor_crc24 (armor_crc24 (ARMOR_CRC_INIT, data, size / 2),
                         data + size / 2, size - size / 2));
  free (r.out.buf);
  free (armored.buf);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const enum armor_type types[4] =
    { ARMOR_MESSAGE, ARMOR_SIGNATURE, ARMOR_PUBKEY, ARMOR_SECKEY };
  uint32_t seed = 0x9e3779b9u;
  size_t i;

  for (i = 0; i < size && i < 64; i++)
    seed = seed * 31 + data[i];
  seed |= 1;
  check_decoder (data, size, seed);
  check_roundtrip (data, size, seed, types[size % 4]);
  return 0;
}
