/* sniff.c - is the encrypt step's input an OpenPGP message?  See
 * sniff.h.  */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sniff.h"

/* Whether the start of a decompressed signed message, OUT[0..LEN),
 * is a packet header as gpg writes it there: a one-pass signature (v3,
 * body of 13 bytes), a signature (v3/v4) or literal data (a known
 * format byte).  */
static int
inner_plausible (const unsigned char *out, size_t len)
{
  unsigned int tag, hdr;
  unsigned long long blen;

  if (len < 3 || !(out[0] & 0x80))
    return 0;
  if (out[0] & 0x40)
    {
      tag = out[0] & 0x3f;
      hdr = 2;
      blen = out[1];    /* One-byte length, or a first partial chunk.  */
    }
  else
    {
      tag = (out[0] >> 2) & 0x0f;
      hdr = 1 + ((out[0] & 3) == 3 ? 0 : 1 << (out[0] & 3));
      blen = (out[0] & 3) == 0 ? out[1] : (unsigned long long)-1;
    }
  if (hdr >= len)
    return 0;
  switch (tag)
    {
    case PKT_ONEPASS_SIG:
      return blen == 13 && out[hdr] == 3 && len > hdr + 1
        && out[hdr + 1] <= 1;
    case PKT_SIGNATURE:
      return out[hdr] == 3 || out[hdr] == 4;
    case PKT_LITERAL:
      return strchr ("btu1lm", out[hdr]) && out[hdr];
    default:
      return 0;
    }
}

/* Whether BODY[0..LEN) (a compressed packet's body: algorithm, then
 * data) holds a stream of its algorithm that decompresses to what a
 * signed message starts with.  A binary payload that happens to begin
 * like a compressed packet header (0xA3 0x01 ...) must not be taken
 * for OpenPGP: encrypted without its literal packet it would come back
 * as garbage.  Header bytes alone let ~1 in 10^5 random payloads
 * through (a fixed-Huffman deflate block decodes from almost any
 * bytes); the inner packet's fields make it well under 1 in 10^9.  */
static int
compressed_plausible (const unsigned char *body, size_t len)
{
  z_stream zs;
  unsigned char out[64];
  int rc, ok;

  if (len < 7)
    return 0;
  if (body[0] == 3)     /* BZIP2: "BZh1".."BZh9" and the block magic.  */
    return len >= 11 && !memcmp (body + 1, "BZh", 3)
      && body[4] >= '1' && body[4] <= '9'
      && !memcmp (body + 5, "\x31\x41\x59\x26\x53\x59", 6);
  if (body[0] != 1 && body[0] != 2)
    return 0;
  memset (&zs, 0, sizeof zs);
  /* ZIP is raw deflate, ZLIB has the RFC 1950 header.  */
  if (inflateInit2 (&zs, body[0] == 1 ? -15 : 15) != Z_OK)
    return 0;
  zs.next_in = (unsigned char *)body + 1;
  zs.avail_in = len - 1 > 4096 ? 4096 : len - 1;
  zs.next_out = out;
  zs.avail_out = sizeof out;
  rc = inflate (&zs, Z_SYNC_FLUSH);
  ok = (rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR)
    && inner_plausible (out, sizeof out - zs.avail_out);
  inflateEnd (&zs);
  return ok;
}

/* Whether A is one of VALUES (ending with -1).  */
static int
one_of (int a, const int *values)
{
  for (; *values >= 0; values++)
    if (a == *values)
      return 1;
  return 0;
}

/* Whether the binary signed message that packet_peek found in
 * BUF[0..LEN) has a first packet with every field as a signer writes
 * it, and the packet after it is one that may follow.  Random bytes
 * pass packet_peek's header checks about once in 13 000 (0x90..0x93
 * 0x03 starts an "OPS"); these fixed fields and value sets make that
 * well under one in 10^12.  */
static int
signed_plausible (const unsigned char *buf, size_t len,
                  const struct packet_peek *info)
{
  static const int hash_algos[] = { 1, 2, 3, 8, 9, 10, 11, -1 };
  static const int pk_algos[] = { 1, 3, 16, 17, 19, 22, -1 };
  static const int followers[] = { PKT_ONEPASS_SIG, PKT_SIGNATURE,
                                   PKT_LITERAL, PKT_COMPRESSED, -1 };
  const struct packet_hdr *h = info->packets;
  const unsigned char *b;

  if (info->npackets < 2 || !h->complete || h->partial || h->indeterminate
      || h->offset + h->hdrlen + h->len > len
      || !one_of (h[1].tag, followers))
    return 0;
  b = buf + h->offset + h->hdrlen;
  if (h->tag == PKT_ONEPASS_SIG)
    /* v3: version, class, hash, pubkey, 8-byte key ID, nested flag.  */
    return h->len == 13 && b[0] == 3 && b[1] <= 1
      && one_of (b[2], hash_algos) && one_of (b[3], pk_algos) && b[12] <= 1;
  if (h->tag == PKT_SIGNATURE)
    /* v4: version, class, pubkey, hash, hashed subpacket length.  */
    return h->len >= 12 && b[0] == 4 && b[1] <= 1
      && one_of (b[2], pk_algos) && one_of (b[3], hash_algos)
      && 6u + ((b[4] << 8) | b[5]) <= h->len;
  return 0;
}

/* Read what there is of the first PACKET_PEEK_MAX bytes into BUF.  */
static gpg_error_t
read_head (struct pgpstep_source *source, char *buf, size_t *r_len,
           int *r_eof, int *r_consumed)
{
  struct stat sb;
  off_t offset = 0;
  size_t len = 0;
  ssize_t n;
  int seekable = 0;

  /* A regular file is looked at without consuming it: gpg then reads
   * the descriptor itself and nothing is copied by us.  */
  if (source->fd >= 0 && !fstat (source->fd, &sb) && S_ISREG (sb.st_mode)
      && (offset = lseek (source->fd, 0, SEEK_CUR)) >= 0)
    seekable = 1;
  *r_eof = 0;
  *r_consumed = !seekable;
  while (len < PACKET_PEEK_MAX)
    {
      if (seekable)
        n = pread (source->fd, buf + len, PACKET_PEEK_MAX - len,
                   offset + (off_t) len);
      else
        n = source->read (source->handle, buf + len, PACKET_PEEK_MAX - len);
      if (n < 0 && seekable && errno == EINTR)
        continue;
      if (n < 0)
        {
          *r_len = len;
          return errno == ECANCELED ? gpg_error (GPG_ERR_CANCELED)
            : gpg_error_from_syserror ();
        }
      if (!n)
        {
          *r_eof = 1;
          break;
        }
      len += (size_t) n;
    }
  *r_len = len;
  return 0;
}

gpg_error_t
sniff_input (struct pgpstep_source *source, struct sniff *r_sniff)
{
  gpg_error_t err;
  struct packet_peek *info = NULL;
  char *buf;
  size_t len = 0, off;
  int eof, consumed = 0;

  memset (r_sniff, 0, sizeof *r_sniff);
  buf = malloc (PACKET_PEEK_MAX);
  info = malloc (sizeof *info);
  if (!buf || !info)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  err = read_head (source, buf, &len, &eof, &consumed);
  if (consumed)
    {
      r_sniff->prefix = buf;
      r_sniff->prefix_len = len;
    }
  if (err)
    goto leave;
  err = packet_peek (buf, len, eof, info);
  if (err)
    goto leave;

  r_sniff->kind = info->kind;
  r_sniff->armored = info->format == PACKET_FMT_ARMORED;
  r_sniff->openpgp = (!info->malformed && !info->unsupported
                      && (info->format == PACKET_FMT_BINARY
                          || (info->format == PACKET_FMT_ARMORED
                              && info->armor == ARMOR_MESSAGE
                              && !info->armor_err))
                      && (info->kind == PACKET_KIND_SIGNED
                          || (info->kind == PACKET_KIND_COMPRESSED
                              && info->npackets == 1
                              && info->compress_algo >= 1
                              && info->compress_algo <= 3)));
  /* Armor already vouches for OpenPGP; bare bytes need more.  */
  if (r_sniff->openpgp && info->kind == PACKET_KIND_SIGNED
      && info->format == PACKET_FMT_BINARY)
    r_sniff->openpgp = signed_plausible ((const unsigned char *) buf, len,
                                         info);
  if (r_sniff->openpgp && info->kind == PACKET_KIND_COMPRESSED
      && info->format == PACKET_FMT_BINARY)
    {
      off = info->packets[0].offset + info->packets[0].hdrlen;
      r_sniff->openpgp = off < len
        && compressed_plausible ((const unsigned char *) buf + off,
                                 len - off);
    }

 leave:
  if (!consumed || !r_sniff->prefix)
    free (buf);
  free (info);
  return err;
}

void
sniff_release (struct sniff *sn)
{
  if (!sn)
    return;
  free (sn->prefix);
  sn->prefix = NULL;
  sn->prefix_len = 0;
}
