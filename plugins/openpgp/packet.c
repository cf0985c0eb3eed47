/* packet.c - a look at the first bytes of an input.
 *
 * Every read goes through a (data, length) window and every length
 * from the input is compared with what is left before use; lengths are
 * 64-bit so that no sum can wrap.  The buffer is a prefix of the
 * input: running out of it is "truncated", never an error.
 */
#include <config.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"

#define BEGIN_LINE "-----BEGIN PGP "

/* Header parse results.  */
#define HDR_OK        0
#define HDR_SHORT     1     /* The buffer ends inside the header.  */
#define HDR_BAD      -1

/* Tags that may use partial body lengths (RFC 4880 §4.2.2.4).  */
static int
partial_allowed (int tag)
{
  return (tag == PKT_COMPRESSED || tag == PKT_ENCRYPTED
          || tag == PKT_LITERAL || tag == PKT_ENCRYPTED_MDC
          || tag == PKT_AEAD_ENCRYPTED);
}

/* Tags a message, key or signature file can start with.  */
static int
plausible_first_tag (int tag)
{
  switch (tag)
    {
    case PKT_PKESK: case PKT_SIGNATURE: case PKT_SKESK:
    case PKT_ONEPASS_SIG: case PKT_SECRET_KEY: case PKT_PUBLIC_KEY:
    case PKT_COMPRESSED: case PKT_ENCRYPTED: case PKT_MARKER:
    case PKT_LITERAL: case PKT_ENCRYPTED_MDC: case PKT_AEAD_ENCRYPTED:
      return 1;
    default:
      return 0;
    }
}

/* A new-format length at P (AVAIL bytes): *R_LEN, *R_N octets used,
 * *R_PARTIAL.  */
static int
new_length (const unsigned char *p, size_t avail, unsigned long long *r_len,
            unsigned int *r_n, int *r_partial)
{
  *r_partial = 0;
  if (avail < 1)
    return HDR_SHORT;
  if (p[0] < 192)
    {
      *r_len = p[0];
      *r_n = 1;
    }
  else if (p[0] < 224)
    {
      if (avail < 2)
        return HDR_SHORT;
      *r_len = ((unsigned long long)(p[0] - 192) << 8) + p[1] + 192;
      *r_n = 2;
    }
  else if (p[0] < 255)
    {
      *r_len = 1ULL << (p[0] & 0x1f);
      *r_n = 1;
      *r_partial = 1;
    }
  else
    {
      if (avail < 5)
        return HDR_SHORT;
      *r_len = ((unsigned long long)p[1] << 24) | ((unsigned long long)p[2] << 16)
               | ((unsigned long long)p[3] << 8) | p[4];
      *r_n = 5;
    }
  return HDR_OK;
}

/* The packet header at BUF[OFF]; fills H but for COMPLETE.  */
static int
parse_header (const unsigned char *buf, size_t len, size_t off,
              struct packet_hdr *h)
{
  const unsigned char *p = buf + off;
  size_t avail = len - off;
  unsigned int n;
  int partial, rc;

  memset (h, 0, sizeof *h);
  h->offset = off;
  h->version = -1;
  if (avail < 1)
    return HDR_SHORT;
  if (!(p[0] & 0x80))
    return HDR_BAD;
  if (p[0] & 0x40)
    {
      h->new_format = 1;
      h->tag = p[0] & 0x3f;
      rc = new_length (p + 1, avail - 1, &h->len, &n, &partial);
      if (rc)
        return rc;
      h->hdrlen = 1 + n;
      h->partial = !!partial;
    }
  else
    {
      static const unsigned int lenbytes[4] = { 1, 2, 4, 0 };
      unsigned int i;

      h->tag = (p[0] >> 2) & 0x0f;
      n = lenbytes[p[0] & 3];
      if (!n)
        h->indeterminate = 1;
      if (avail < 1 + n)
        return HDR_SHORT;
      for (i = 0; i < n; i++)
        h->len = (h->len << 8) | p[1 + i];
      h->hdrlen = 1 + n;
    }
  if (!h->tag)
    return HDR_BAD;   /* Tag 0 is reserved.  */
  if (h->partial && !partial_allowed (h->tag))
    return HDR_BAD;
  return HDR_OK;
}

/* Where the packet H ends; *R_COMPLETE if that is inside LEN.  For
 * partial lengths the chunks are walked as far as the buffer goes.
 * Returns HDR_BAD for a broken chunk header.  */
static int
packet_end (const unsigned char *buf, size_t len, const struct packet_hdr *h,
            int eof, unsigned long long *r_end, int *r_complete)
{
  unsigned long long pos = (unsigned long long)h->offset + h->hdrlen;

  *r_complete = 0;
  if (h->indeterminate)
    {
      *r_end = len;
      *r_complete = !!eof;
      return HDR_OK;
    }
  if (!h->partial)
    {
      *r_end = pos + h->len;
      *r_complete = *r_end <= len;
      return HDR_OK;
    }
  pos += h->len;
  for (;;)
    {
      unsigned long long clen;
      unsigned int n;
      int partial, rc;

      if (pos >= len)
        break;  /* Chunk or next chunk header beyond the buffer.  */
      rc = new_length (buf + pos, len - pos, &clen, &n, &partial);
      if (rc == HDR_SHORT)
        break;
      pos += n + clen;
      if (!partial)
        {
          *r_end = pos;
          *r_complete = pos <= len;
          return HDR_OK;
        }
    }
  *r_end = len;
  return HDR_OK;
}

static void
hex_keyid (char *buf, const unsigned char *id)
{
  static const char digits[] = "0123456789ABCDEF";
  int i;

  for (i = 0; i < 8; i++)
    {
      buf[2 * i] = digits[id[i] >> 4];
      buf[2 * i + 1] = digits[id[i] & 15];
    }
  buf[16] = 0;
}

/* PKESK v3: version, key ID(8), algo.  v6: version, n, key version,
 * fingerprint(n-1), algo; n = 0 is anonymous.  */
static void
look_pkesk (struct packet_peek *info, const unsigned char *b, size_t n)
{
  struct packet_esk *e;

  if (info->npkesk++ >= PACKET_MAX_ESK)
    return;
  e = &info->pkesk[info->npkesk - 1];
  e->version = n >= 1 ? b[0] : -1;
  e->algo = -1;
  *e->keyid = 0;
  if (e->version == 3)
    {
      if (n >= 9)
        hex_keyid (e->keyid, b + 1);
      if (n >= 10)
        e->algo = b[9];
    }
  else if (e->version == 6)
    {
      info->unsupported = 1;
      if (n >= 2 && b[1] == 0)
        {
          strcpy (e->keyid, "0000000000000000");
          if (n >= 3)
            e->algo = b[2];
        }
      else if (n >= 3 && (size_t)b[1] + 2 <= n)
        {
          unsigned int fl = b[1] - 1;   /* Fingerprint length.  */

          if (b[2] == 4 && fl == 20)
            hex_keyid (e->keyid, b + 3 + 12);   /* Low 64 bits.  */
          else if (b[2] == 6 && fl == 32)
            hex_keyid (e->keyid, b + 3);        /* High 64 bits.  */
          if ((size_t)b[1] + 3 <= n)
            e->algo = b[2 + b[1]];
        }
    }
  else if (e->version != -1)
    info->unsupported = 1;
}

/* SKESK v4: version, cipher, S2K.  v5: version, cipher, aead ...
 * v6: version, count, cipher, aead ...  */
static void
look_skesk (struct packet_peek *info, const unsigned char *b, size_t n)
{
  struct packet_esk *e;
  int version = n >= 1 ? b[0] : -1;

  if (version == 6 || (version != -1 && version != 4 && version != 5))
    info->unsupported = 1;
  if (info->nskesk++ >= PACKET_MAX_ESK)
    return;
  e = &info->skesk[info->nskesk - 1];
  e->version = version;
  e->algo = -1;
  *e->keyid = 0;
  if ((version == 4 || version == 5) && n >= 2)
    e->algo = b[1];
  else if (version == 6 && n >= 3)
    e->algo = b[2];
}

/* Remember what the first body bytes (B, N of them available) say.  */
static void
look_body (struct packet_peek *info, struct packet_hdr *h,
           const unsigned char *b, size_t n)
{
  int v = n >= 1 ? b[0] : -1;

  switch (h->tag)
    {
    case PKT_PKESK:
      h->version = v;
      look_pkesk (info, b, n);
      break;
    case PKT_SKESK:
      h->version = v;
      look_skesk (info, b, n);
      break;
    case PKT_SIGNATURE:
      h->version = v;
      info->nsigs++;
      if (v != -1 && v != 3 && v != 4)
        info->unsupported = 1;
      break;
    case PKT_ONEPASS_SIG:
      h->version = v;
      info->nonepass++;
      if (v != -1 && v != 3)
        info->unsupported = 1;
      break;
    case PKT_SECRET_KEY:
    case PKT_PUBLIC_KEY:
    case PKT_SECRET_SUBKEY:
    case PKT_PUBLIC_SUBKEY:
      h->version = v;
      if (info->key_version == -1
          && (h->tag == PKT_SECRET_KEY || h->tag == PKT_PUBLIC_KEY))
        info->key_version = v;
      if (v != -1 && v != 2 && v != 3 && v != 4)
        info->unsupported = 1;
      break;
    case PKT_COMPRESSED:
      info->compressed = 1;
      if (info->compress_algo == -1)
        info->compress_algo = v;
      break;
    case PKT_LITERAL:
      info->literal = 1;
      break;
    case PKT_ENCRYPTED:
      if (!info->container)
        info->container = PACKET_CONT_SED;
      break;
    case PKT_ENCRYPTED_MDC:
      h->version = v;
      if (info->container)
        break;
      if (v == 2)
        {
          info->container = PACKET_CONT_SEIPD2;
          info->unsupported = 1;
          info->cipher_algo = n >= 2 ? b[1] : -1;
          info->aead_algo = n >= 3 ? b[2] : -1;
        }
      else
        {
          info->container = PACKET_CONT_SEIPD1;
          if (v != -1 && v != 1)
            info->unsupported = 1;
        }
      break;
    case PKT_AEAD_ENCRYPTED:
      h->version = v;
      if (info->container)
        break;
      info->container = PACKET_CONT_AEAD;
      info->cipher_algo = n >= 2 ? b[1] : -1;
      info->aead_algo = n >= 3 ? b[2] : -1;
      if (v != -1 && v != 1)
        info->unsupported = 1;
      break;
    default:
      break;
    }
}

static void
classify (struct packet_peek *info)
{
  unsigned int i, first;
  int tag;

  /* Marker and padding packets say nothing.  */
  for (first = 0; first < info->npackets; first++)
    if (info->packets[first].tag != PKT_MARKER
        && info->packets[first].tag != PKT_PADDING)
      break;
  if (first == info->npackets)
    {
      info->kind = info->npackets ? PACKET_KIND_OTHER : PACKET_KIND_NONE;
      return;
    }
  tag = info->packets[first].tag;
  switch (tag)
    {
    case PKT_PKESK:
    case PKT_SKESK:
    case PKT_ENCRYPTED:
    case PKT_ENCRYPTED_MDC:
    case PKT_AEAD_ENCRYPTED:
      info->kind = PACKET_KIND_ENCRYPTED;
      break;
    case PKT_ONEPASS_SIG:
      info->kind = PACKET_KIND_SIGNED;
      break;
    case PKT_SIGNATURE:
      /* Old style signed data: signatures, then the data.  */
      info->kind = PACKET_KIND_SIGNATURE;
      for (i = first; i < info->npackets; i++)
        if (info->packets[i].tag == PKT_LITERAL
            || info->packets[i].tag == PKT_COMPRESSED)
          info->kind = PACKET_KIND_SIGNED;
      break;
    case PKT_LITERAL:
      info->kind = PACKET_KIND_LITERAL;
      break;
    case PKT_COMPRESSED:
      info->kind = PACKET_KIND_COMPRESSED;
      break;
    case PKT_PUBLIC_KEY:
      info->kind = PACKET_KIND_PUBKEY;
      break;
    case PKT_SECRET_KEY:
      info->kind = PACKET_KIND_SECKEY;
      break;
    default:
      info->kind = PACKET_KIND_OTHER;
      break;
    }
}

/* Does the first packet look like OpenPGP beyond its tag?  Guards
 * against text whose first octet happens to have the high bit set.  */
static int
first_packet_sane (const unsigned char *buf, size_t len,
                   const struct packet_hdr *h)
{
  size_t body = h->hdrlen;
  int v;

  if (!plausible_first_tag (h->tag))
    return 0;
  if (body >= len)
    return 1;   /* Nothing more to go by.  */
  v = buf[body];
  switch (h->tag)
    {
    case PKT_PKESK:          return v == 3 || v == 6;
    case PKT_SIGNATURE:      return v >= 3 && v <= 6;
    case PKT_SKESK:          return v >= 4 && v <= 6;
    case PKT_ONEPASS_SIG:    return v == 3 || v == 6;
    case PKT_SECRET_KEY:
    case PKT_PUBLIC_KEY:     return v >= 2 && v <= 6;
    case PKT_COMPRESSED:     return v <= 3;
    case PKT_MARKER:
      return h->len == 3 && (len - body < 3 || !memcmp (buf + body, "PGP", 3));
    case PKT_LITERAL:
      return v == 'b' || v == 't' || v == 'u' || v == 'm' || v == 'l'
             || v == '1';
    case PKT_ENCRYPTED_MDC:  return v == 1 || v == 2;
    case PKT_AEAD_ENCRYPTED: return v == 1;
    default:                 return 1;   /* SED: random from octet 1.  */
    }
}

/* List the packets of binary OpenPGP data.  */
static void
walk_packets (struct packet_peek *info, const unsigned char *buf, size_t len,
              int eof)
{
  size_t off = 0;

  while (off < len)
    {
      struct packet_hdr h;
      unsigned long long end, body, avail;
      int rc, complete;

      rc = parse_header (buf, len, off, &h);
      if (rc == HDR_SHORT)
        {
          info->truncated = 1;
          break;
        }
      if (rc == HDR_BAD)
        {
          info->malformed = 1;
          break;
        }
      if (packet_end (buf, len, &h, eof, &end, &complete) == HDR_BAD)
        {
          info->malformed = 1;
          break;
        }
      h.complete = !!complete;

      /* The first body bytes within the packet (or its first chunk)
       * and within the buffer.  */
      body = (unsigned long long)off + h.hdrlen;
      avail = body < len ? len - body : 0;
      if (!h.indeterminate && avail > h.len)
        avail = h.len;
      if (info->npackets < PACKET_MAX_LIST)
        {
          look_body (info, &h, buf + (body < len ? body : len), avail);
          info->packets[info->npackets++] = h;
        }
      else
        {
          info->more = 1;
          break;
        }
      if (!complete)
        {
          if (!(h.indeterminate && eof))
            info->truncated = 1;
          break;
        }
      off = (size_t)end;
    }
  if (eof && info->truncated)
    info->malformed = 1;   /* The whole input ends inside a packet.  */
}

/* Offset of a line starting with "-----BEGIN PGP ", or -1.  */
static long
find_armor (const unsigned char *buf, size_t len)
{
  size_t off = 0;
  size_t blen = strlen (BEGIN_LINE);

  while (off < len)
    {
      const unsigned char *nl;

      if (len - off >= blen && !memcmp (buf + off, BEGIN_LINE, blen))
        return (long)off;
      nl = memchr (buf + off, '\n', len - off);
      if (!nl)
        break;
      off = nl - buf + 1;
    }
  return -1;
}

static gpg_error_t
peek_armored (struct packet_peek *info, const unsigned char *buf, size_t len,
              int eof)
{
  gpg_error_t err;
  armor_decoder_t dec = NULL;
  unsigned char *out = NULL;
  size_t outlen = 0;
  int done;

  err = armor_decoder_new (&dec);
  if (err)
    goto leave;
  out = malloc (armor_decode_bound (len));
  if (!out)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  info->armor_err = armor_decode (dec, buf, len, out, &outlen);
  info->armor = armor_decoder_type (dec);
  if (!info->armor_err && eof)
    info->armor_err = armor_decode_finish (dec);
  done = !info->armor_err && armor_decode_finish (dec) == 0;
  if (info->armor == ARMOR_CLEARTEXT)
    {
      info->armor_err = 0;
      info->kind = PACKET_KIND_CLEARTEXT;
      goto leave;
    }
  walk_packets (info, out, outlen, done);
  classify (info);

 leave:
  free (out);
  armor_decoder_release (dec);
  return err;
}

gpg_error_t
packet_peek (const void *buffer, size_t len, int eof,
             struct packet_peek *r_info)
{
  const unsigned char *buf = buffer;
  struct packet_hdr h;
  int rc;

  memset (r_info, 0, sizeof *r_info);
  r_info->cipher_algo = -1;
  r_info->aead_algo = -1;
  r_info->compress_algo = -1;
  r_info->key_version = -1;
  if (!len)
    return 0;

  /* Binary: a high-bit first octet whose header is sane and whose tag
   * can start a message, key or signature file.  */
  rc = parse_header (buf, len, 0, &h);
  if (rc == HDR_SHORT
      || (rc == HDR_OK && first_packet_sane (buf, len, &h)))
    {
      r_info->format = PACKET_FMT_BINARY;
      walk_packets (r_info, buf, len, eof);
      classify (r_info);
      return 0;
    }

  if (find_armor (buf, len) >= 0)
    {
      r_info->format = PACKET_FMT_ARMORED;
      return peek_armored (r_info, buf, len, eof);
    }
  return 0;   /* Not OpenPGP.  */
}

const char *
packet_kind_name (enum packet_kind kind)
{
  switch (kind)
    {
    case PACKET_KIND_NONE:       return "none";
    case PACKET_KIND_ENCRYPTED:  return "encrypted";
    case PACKET_KIND_SIGNED:     return "signed";
    case PACKET_KIND_SIGNATURE:  return "signature";
    case PACKET_KIND_LITERAL:    return "literal";
    case PACKET_KIND_COMPRESSED: return "compressed";
    case PACKET_KIND_PUBKEY:     return "public-key";
    case PACKET_KIND_SECKEY:     return "secret-key";
    case PACKET_KIND_CLEARTEXT:  return "cleartext-signed";
    case PACKET_KIND_OTHER:      return "other";
    }
  return NULL;
}

const char *
packet_container_name (enum packet_container cont)
{
  switch (cont)
    {
    case PACKET_CONT_NONE:   return "none";
    case PACKET_CONT_SED:    return "sed";
    case PACKET_CONT_SEIPD1: return "seipd-v1";
    case PACKET_CONT_SEIPD2: return "seipd-v2";
    case PACKET_CONT_AEAD:   return "aead";
    }
  return NULL;
}
