/* sniff.c - is the encrypt step's input an OpenPGP message?  See
 * sniff.h.  */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sniff.h"

/* Whether BODY[0..LEN) (a compressed packet's body: algorithm, then
 * data) starts the way the algorithm's stream must.  A binary payload
 * that happens to begin like a compressed packet header (0xA3 0x01 ...)
 * must not be taken for OpenPGP: this cuts the chance for random bytes
 * from ~1e-4 to ~1e-6 and below.  */
static int
compressed_plausible (const unsigned char *body, size_t len)
{
  unsigned int btype;

  if (len < 7)
    return 0;
  switch (body[0])
    {
    case 1:  /* ZIP: raw deflate.  No reserved block type; a stored
                block's LEN and NLEN complement each other.  */
      btype = (body[1] >> 1) & 3;
      if (btype == 3)
        return 0;
      if (btype == 0)
        return ((body[2] | (body[3] << 8)) ^ (body[4] | (body[5] << 8)))
          == 0xffff;
      return 1;
    case 2:  /* ZLIB: RFC 1950 header, deflate, no preset dictionary.  */
      return (body[1] & 0x0f) == 8 && (body[1] >> 4) <= 7
        && !(body[2] & 0x20) && ((body[1] << 8) | body[2]) % 31 == 0;
    case 3:  /* BZIP2: "BZh1".."BZh9" and the block magic.  */
      return len >= 11 && !memcmp (body + 1, "BZh", 3)
        && body[4] >= '1' && body[4] <= '9'
        && !memcmp (body + 5, "\x31\x41\x59\x26\x53\x59", 6);
    default:
      return 0;
    }
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
