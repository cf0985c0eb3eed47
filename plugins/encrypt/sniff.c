/* sniff.c - is the encrypt step's input an OpenPGP message?  See
 * sniff.h.  */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* Milliseconds the pipe's writer may add nothing before tee_head
 * gives up and the head is read (consumed) instead: a writer blocked
 * on a pipe whose slots are full adds nothing ever.  */
#define TEE_STALL_MS 1000

/* Copy the bytes now at the head of pipe FD, at most PACKET_PEEK_MAX,
 * into BUF through the scratch pipe SCRATCH (tee duplicates, consumes
 * nothing).  Returns the count, or -1 with errno set.  */
static ssize_t
tee_once (int fd, const int scratch[2], char *buf)
{
  ssize_t n, got = 0, r;

  n = tee (fd, scratch[1], PACKET_PEEK_MAX, SPLICE_F_NONBLOCK);
  if (n < 0)
    return errno == EAGAIN ? 0 : -1;
  while (got < n)
    {
      r = read (scratch[0], buf + got, (size_t) (n - got));
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return -1;
      got += r;
    }
  return n;
}

/* Peek at the first PACKET_PEEK_MAX bytes of pipe FD (or all of them
 * up to its writer's close) with tee(2), leaving them in the pipe:
 * gpg then reads the pipe itself, no thread copies it.  tee sees only
 * what is in the pipe, from its head, so it is repeated while the
 * writer adds bytes.  Returns GPG_ERR_NOT_SUPPORTED (nothing consumed)
 * when tee cannot tell: the caller reads instead.  */
static gpg_error_t
tee_head (int fd, int cancel_fd, char *buf, size_t *r_len, int *r_eof)
{
  gpg_error_t err = gpg_error (GPG_ERR_NOT_SUPPORTED);
  int scratch[2] = { -1, -1 };
  struct pollfd pfd[2];
  ssize_t n;
  int avail, last = -1, hup, idle = 0, size, retries = 0;

  *r_len = 0;
  *r_eof = 0;
  if (pipe2 (scratch, O_CLOEXEC))
    return err;
  /* The pipe counts slots, not bytes: a writer's small writes can
   * fill its 16 slots with fewer bytes than the peek wants, and then
   * the writer waits for us.  Room for 4x the peek (a larger pipe
   * between steps costs nothing); as many slots in the scratch pipe,
   * as tee copies whole slots.  */
  size = fcntl (fd, F_GETPIPE_SZ);
  if (size >= 0 && size < 4 * PACKET_PEEK_MAX)
    {
      int bigger = fcntl (fd, F_SETPIPE_SZ, 4 * PACKET_PEEK_MAX);

      if (bigger > size)
        size = bigger;
    }
  if (size > PACKET_PEEK_MAX)
    fcntl (scratch[1], F_SETPIPE_SZ, size);
  for (;;)
    {
      pfd[0].fd = fd;
      pfd[0].events = POLLIN;
      pfd[0].revents = 0;
      if (poll (pfd, 1, 0) < 0 && errno != EINTR)
        goto leave;
      /* Once the writer is gone the pipe's content is final.  */
      hup = !!(pfd[0].revents & POLLHUP);
      n = tee_once (fd, scratch, buf);
      if (n < 0 || ioctl (fd, FIONREAD, &avail) < 0)
        goto leave;
      if (n >= PACKET_PEEK_MAX)
        {
          *r_len = PACKET_PEEK_MAX;
          err = 0;
          goto leave;
        }
      /* Fewer than the pipe holds: the writer added bytes after tee
       * looked (tee finds an empty pipe, then FIONREAD counts new
       * bytes), so look again at once; where that persists (the
       * scratch pipe cannot take all slots) give up.  */
      if (n < avail)
        {
          if (++retries > TEE_STALL_MS)
            goto leave;
          continue;
        }
      if (hup)
        {
          *r_len = (size_t) n;
          *r_eof = 1;
          err = 0;
          goto leave;
        }
      if (avail != last)
        idle = 0;
      else if (++idle > TEE_STALL_MS)
        goto leave;
      last = avail;
      /* Wait for more: for the first byte on the pipe itself; once
       * bytes are buffered POLLIN stays set, so then 1 ms steps.  */
      pfd[0].fd = cancel_fd;
      pfd[0].events = POLLIN;
      pfd[0].revents = 0;
      pfd[1].fd = fd;
      pfd[1].events = POLLIN;
      pfd[1].revents = 0;
      if (poll (pfd, avail ? 1 : 2, avail ? 1 : -1) < 0 && errno != EINTR)
        goto leave;
      if (cancel_fd >= 0 && (pfd[0].revents & POLLIN))
        {
          err = gpg_error (GPG_ERR_CANCELED);
          goto leave;
        }
      if (!avail)
        idle = 0;               /* Waited in poll, not in steps.  */
    }

 leave:
  close (scratch[0]);
  close (scratch[1]);
  return err;
}

/* Read what there is of the first PACKET_PEEK_MAX bytes into BUF.  */
static gpg_error_t
read_head (struct pgpstep_source *source, int cancel_fd, char *buf,
           size_t *r_len, int *r_eof, int *r_consumed)
{
  gpg_error_t err;
  struct stat sb;
  off_t offset = 0;
  size_t len = 0;
  ssize_t n;
  int seekable = 0;

  /* A regular file is looked at without consuming it: gpg then reads
   * the descriptor itself and nothing is copied by us.  So is a pipe,
   * with tee.  */
  if (source->fd < 0 || fstat (source->fd, &sb))
    sb.st_mode = 0;
  if (S_ISREG (sb.st_mode)
      && (offset = lseek (source->fd, 0, SEEK_CUR)) >= 0)
    seekable = 1;
  else if (S_ISFIFO (sb.st_mode))
    {
      *r_consumed = 0;
      err = tee_head (source->fd, cancel_fd, buf, r_len, r_eof);
      if (gpg_err_code (err) != GPG_ERR_NOT_SUPPORTED)
        return err;
    }
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
sniff_input (struct pgpstep_source *source, int cancel_fd,
             struct sniff *r_sniff)
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
  err = read_head (source, cancel_fd, buf, &len, &eof, &consumed);
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
