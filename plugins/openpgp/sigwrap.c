/* sigwrap.c - a detached signature as a one-pass signed message.
 * See sigwrap.h.  */
#include <config.h>
#include <string.h>

#include "sigwrap.h"

#define TAG_SIGNATURE 2
#define TAG_OPS       4
#define TAG_LITERAL   11

#define SUBPKT_ISSUER      16
#define SUBPKT_ISSUER_FPR  33

static unsigned long
be16 (const unsigned char *p)
{
  return ((unsigned long) p[0] << 8) | p[1];
}

static unsigned long
be32 (const unsigned char *p)
{
  return ((unsigned long) p[0] << 24) | ((unsigned long) p[1] << 16)
    | ((unsigned long) p[2] << 8) | p[3];
}

/* The packet header at P[0..LEN) (LEN > 0): tag, header and body
 * length.  Partial and indeterminate lengths are refused: no
 * implementation writes a signature packet that way.  */
static gpg_error_t
parse_header (const unsigned char *p, size_t len, int *r_tag,
              size_t *r_hdrlen, size_t *r_bodylen)
{
  unsigned int lentype;
  unsigned long body;
  size_t hdr, i;

  if (!(p[0] & 0x80))
    return gpg_error (GPG_ERR_INV_PACKET);
  if ((p[0] & 0x40))
    {
      *r_tag = p[0] & 0x3f;
      if (len < 2)
        return gpg_error (GPG_ERR_TRUNCATED);
      if (p[1] < 192)
        hdr = 2, body = p[1];
      else if (p[1] < 224)
        {
          if (len < 3)
            return gpg_error (GPG_ERR_TRUNCATED);
          hdr = 3, body = ((p[1] - 192UL) << 8) + p[2] + 192;
        }
      else if (p[1] == 255)
        {
          if (len < 6)
            return gpg_error (GPG_ERR_TRUNCATED);
          hdr = 6, body = be32 (p + 2);
        }
      else
        return gpg_error (GPG_ERR_INV_PACKET);
    }
  else
    {
      *r_tag = (p[0] >> 2) & 0x0f;
      lentype = p[0] & 3;
      if (lentype == 3)
        return gpg_error (GPG_ERR_INV_PACKET);
      hdr = 1 + (1u << lentype);
      if (len < hdr)
        return gpg_error (GPG_ERR_TRUNCATED);
      for (body = 0, i = 1; i < hdr; i++)
        body = (body << 8) | p[i];
    }
  if (body > len - hdr)
    return gpg_error (GPG_ERR_TRUNCATED);
  *r_hdrlen = hdr;
  *r_bodylen = body;
  return 0;
}

/* Look for the issuer in the subpacket area A[0..N).  *HAVE16 and
 * *HAVE33 say what SIG->keyid came from so far: an issuer subpacket
 * wins over an issuer fingerprint.  */
static gpg_error_t
scan_subpackets (const unsigned char *a, size_t n, struct sigwrap_sig *sig,
                 int *have16, int *have33)
{
  unsigned long sl;
  size_t h;
  const unsigned char *d;
  int type;

  while (n)
    {
      if (a[0] < 192)
        h = 1, sl = a[0];
      else if (a[0] < 255)
        {
          if (n < 2)
            return gpg_error (GPG_ERR_INV_PACKET);
          h = 2, sl = ((a[0] - 192UL) << 8) + a[1] + 192;
        }
      else
        {
          if (n < 5)
            return gpg_error (GPG_ERR_INV_PACKET);
          h = 5, sl = be32 (a + 1);
        }
      if (!sl || sl > n - h)
        return gpg_error (GPG_ERR_INV_PACKET);
      type = a[h] & 0x7f;
      d = a + h + 1;
      if (type == SUBPKT_ISSUER && sl == 9 && !*have16)
        {
          memcpy (sig->keyid, d, 8);
          *have16 = 1;
        }
      else if (type == SUBPKT_ISSUER_FPR && !*have16 && !*have33
               && sl == 22 && d[0] == 4)
        {
          memcpy (sig->keyid, d + 13, 8);  /* v4: the low 64 bits.  */
          *have33 = 1;
        }
      a += h + sl;
      n -= h + sl;
    }
  return 0;
}

/* The body B[0..N) of a signature packet.  */
static gpg_error_t
parse_signature (const unsigned char *b, size_t n, struct sigwrap_sig *sig)
{
  gpg_error_t err;
  size_t hl, ul;
  int have16 = 0, have33 = 0;

  if (!n)
    return gpg_error (GPG_ERR_INV_PACKET);
  sig->version = b[0];
  if (b[0] == 3)
    {
      /* Version, 5, class, time, key ID, algorithms, 2 digest bytes.  */
      if (n < 19 || b[1] != 5)
        return gpg_error (GPG_ERR_INV_PACKET);
      sig->sig_class = b[2];
      memcpy (sig->keyid, b + 7, 8);
      sig->pubkey_algo = b[15];
      sig->digest_algo = b[16];
      sig->have_keyid = 1;
      return 0;
    }
  if (b[0] != 4)
    return gpg_error (GPG_ERR_UNSUPPORTED_ALGORITHM);
  if (n < 6)
    return gpg_error (GPG_ERR_INV_PACKET);
  sig->sig_class = b[1];
  sig->pubkey_algo = b[2];
  sig->digest_algo = b[3];
  hl = be16 (b + 4);
  if (hl > n - 6 || n - 6 - hl < 2)
    return gpg_error (GPG_ERR_INV_PACKET);
  ul = be16 (b + 6 + hl);
  if (ul > n - 8 - hl || n - 8 - hl - ul < 2)
    return gpg_error (GPG_ERR_INV_PACKET);
  err = scan_subpackets (b + 6, hl, sig, &have16, &have33);
  if (!err)
    err = scan_subpackets (b + 8 + hl, ul, sig, &have16, &have33);
  sig->have_keyid = have16 || have33;
  return err;
}

gpg_error_t
sigwrap_parse (const void *buf, size_t len, struct sigwrap *r_sw)
{
  const unsigned char *p = buf;
  gpg_error_t err;
  size_t off, hdr, body;
  struct sigwrap_sig *sig;
  int tag;

  memset (r_sw, 0, sizeof *r_sw);
  if (!len)
    return gpg_error (GPG_ERR_NO_DATA);
  for (off = 0; off < len; off += hdr + body)
    {
      err = parse_header (p + off, len - off, &tag, &hdr, &body);
      if (err)
        return err;
      if (tag != TAG_SIGNATURE)
        return gpg_error (GPG_ERR_INV_PACKET);
      if (r_sw->nsigs == SIGWRAP_MAX_SIGS)
        return gpg_error (GPG_ERR_TOO_LARGE);
      sig = r_sw->sigs + r_sw->nsigs;
      sig->offset = off;
      sig->len = hdr + body;
      err = parse_signature (p + off + hdr, body, sig);
      if (err)
        return err;
      r_sw->nsigs++;
    }
  return 0;
}

int
sigwrap_binary_only (const struct sigwrap *sw)
{
  unsigned int i;

  for (i = 0; i < sw->nsigs; i++)
    if (sw->sigs[i].sig_class != 0x00)
      return 0;
  return 1;
}

gpg_error_t
sigwrap_ops (const struct sigwrap *sw, unsigned char *out, size_t size,
             size_t *r_len)
{
  const struct sigwrap_sig *sig;
  unsigned char *p = out;
  unsigned int i;

  *r_len = 0;
  if (size / SIGWRAP_OPS_LEN < sw->nsigs)
    return gpg_error (GPG_ERR_BUFFER_TOO_SHORT);
  /* Reverse order: the last OPS belongs to the first signature.  */
  for (i = sw->nsigs; i-- > 0;)
    {
      sig = sw->sigs + i;
      *p++ = 0xc0 | TAG_OPS;
      *p++ = SIGWRAP_OPS_LEN - 2;
      *p++ = 3;
      *p++ = (unsigned char) sig->sig_class;
      *p++ = (unsigned char) sig->digest_algo;
      *p++ = (unsigned char) sig->pubkey_algo;
      memcpy (p, sig->keyid, 8);
      p += 8;
      /* 0: another OPS for the same data follows.  */
      *p++ = i == 0;
    }
  *r_len = (size_t) (p - out);
  return 0;
}

void
sigwrap_literal_header (unsigned char out[SIGWRAP_LITERAL_HDR])
{
  out[0] = 'b';
  memset (out + 1, 0, SIGWRAP_LITERAL_HDR - 1);  /* No name, date 0.  */
}

size_t
sigwrap_chunk_header (unsigned char out[SIGWRAP_HDR_MAX], int first,
                      int final, unsigned long long body_len)
{
  size_t n = 0;

  if (final ? body_len > 0xffffffffULL : body_len != SIGWRAP_CHUNK)
    return 0;
  if (first)
    out[n++] = 0xc0 | TAG_LITERAL;
  if (!final)
    out[n++] = 224 + 16;        /* Partial: 2^16.  */
  else if (body_len < 192)
    out[n++] = (unsigned char) body_len;
  else if (body_len < 8384)
    {
      out[n++] = (unsigned char) (((body_len - 192) >> 8) + 192);
      out[n++] = (unsigned char) ((body_len - 192) & 0xff);
    }
  else
    {
      out[n++] = 255;
      out[n++] = (unsigned char) (body_len >> 24);
      out[n++] = (unsigned char) (body_len >> 16);
      out[n++] = (unsigned char) (body_len >> 8);
      out[n++] = (unsigned char) body_len;
    }
  return n;
}
