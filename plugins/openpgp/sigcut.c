/* sigcut.c - cut the signatures out of a one-pass signed message.
 *
 * A byte-driven state machine: a packet header (or a partial body
 * length) is collected byte by byte into a small buffer, a body is
 * skipped or kept in one piece per call.  See sigcut.h.
 */
#include <config.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"
#include "sigcut.h"

enum where
  {
    AT_HEADER,                 /* Collecting a packet header.  */
    IN_BODY,                   /* REMAINING body bytes to go.  */
    AT_PARTLEN                 /* Collecting the next partial length.  */
  };

struct sigcut
{
  gpg_error_t err;             /* Sticky.  */
  enum where where;
  unsigned char hdr[6];        /* Header or length being collected.  */
  unsigned int hdrlen;
  int tag;                     /* Of the current packet.  */
  unsigned int partial:1;      /* The current chunk is not the last.  */
  unsigned int keep:1;         /* The current packet is a signature.  */
  unsigned long long remaining;
  unsigned int nops;
  unsigned int nliteral;
  unsigned int nsigs;
  unsigned long long literal_bytes;
  unsigned char *sig;          /* SIGCUT_MAX bytes, allocated at once.  */
  size_t siglen;
};


gpg_error_t
sigcut_new (sigcut_t *r_cut)
{
  sigcut_t cut;

  *r_cut = NULL;
  cut = calloc (1, sizeof *cut);
  if (!cut)
    return gpg_error_from_syserror ();
  cut->sig = malloc (SIGCUT_MAX);
  if (!cut->sig)
    {
      free (cut);
      return gpg_error_from_syserror ();
    }
  *r_cut = cut;
  return 0;
}

void
sigcut_release (sigcut_t cut)
{
  if (!cut)
    return;
  free (cut->sig);
  free (cut);
}

/* How many bytes a new-format length starting with FIRST takes.  */
static unsigned int
newlen_size (unsigned char first)
{
  if (first < 192)
    return 1;
  if (first < 224)
    return 2;
  if (first == 255)
    return 5;
  return 1;                    /* Partial: 1 << (FIRST & 0x1f).  */
}

/* Decode the new-format length at P (newlen_size bytes).  */
static void
newlen_decode (const unsigned char *p, unsigned long long *r_len,
               int *r_partial)
{
  *r_partial = 0;
  if (p[0] < 192)
    *r_len = p[0];
  else if (p[0] < 224)
    *r_len = ((unsigned long long) (p[0] - 192) << 8) + p[1] + 192;
  else if (p[0] == 255)
    *r_len = ((unsigned long long) p[1] << 24) | ((unsigned long long) p[2]
                                                  << 16)
      | ((unsigned long long) p[3] << 8) | p[4];
  else
    {
      *r_len = 1ull << (p[0] & 0x1f);
      *r_partial = 1;
    }
}

/* The size of the header collected so far, or 0 when more bytes are
 * needed to tell.  */
static unsigned int
header_size (const unsigned char *hdr, unsigned int have)
{
  static const unsigned int old_sizes[4] = { 2, 3, 5, 1 };

  if (!(hdr[0] & 0x40))
    return old_sizes[hdr[0] & 3];
  if (have < 2)
    return 0;
  return 1 + newlen_size (hdr[1]);
}

/* A complete header of SIZE bytes is in CUT->HDR: check that the
 * packet belongs here and start its body.  */
static gpg_error_t
start_packet (sigcut_t cut, unsigned int size)
{
  unsigned char c = cut->hdr[0];
  unsigned long long len;
  unsigned int i;
  int partial = 0;

  if (c & 0x40)
    {
      cut->tag = c & 0x3f;
      newlen_decode (cut->hdr + 1, &len, &partial);
    }
  else
    {
      cut->tag = (c >> 2) & 0x0f;
      /* Indeterminate length (type 3) runs to the end of the input:
       * no signature could follow.  */
      if ((c & 3) == 3)
        return gpg_error (GPG_ERR_INV_PACKET);
      for (len = 0, i = 1; i < size; i++)
        len = (len << 8) | cut->hdr[i];
    }

  switch (cut->tag)
    {
    case PKT_ONEPASS_SIG:
      if (cut->nliteral || partial)
        return gpg_error (GPG_ERR_INV_PACKET);
      cut->nops++;
      cut->keep = 0;
      break;
    case PKT_LITERAL:
      if (!cut->nops || cut->nliteral)
        return gpg_error (GPG_ERR_INV_PACKET);
      cut->nliteral++;
      cut->keep = 0;
      break;
    case PKT_SIGNATURE:
      if (!cut->nliteral || partial || cut->nsigs == cut->nops)
        return gpg_error (GPG_ERR_INV_PACKET);
      if (len > SIGCUT_MAX || cut->siglen + cut->hdrlen + len > SIGCUT_MAX)
        return gpg_error (GPG_ERR_TOO_LARGE);
      memcpy (cut->sig + cut->siglen, cut->hdr, cut->hdrlen);
      cut->siglen += cut->hdrlen;
      cut->nsigs++;
      cut->keep = 1;
      break;
    default:
      return gpg_error (GPG_ERR_INV_PACKET);
    }
  cut->partial = !!partial;
  cut->remaining = len;
  cut->where = (len || partial) ? IN_BODY : AT_HEADER;
  return 0;
}

/* The body chunk ended: the next partial length or the next packet.  */
static void
end_chunk (sigcut_t cut)
{
  cut->where = cut->partial ? AT_PARTLEN : AT_HEADER;
  cut->hdrlen = 0;
}

gpg_error_t
sigcut_push (sigcut_t cut, const void *buf, size_t len)
{
  const unsigned char *p = buf;
  unsigned long long n, chunk;
  unsigned int size;
  int partial;

  while (len && !cut->err)
    {
      switch (cut->where)
        {
        case AT_HEADER:
          if (!cut->hdrlen && !(*p & 0x80))
            {
              cut->err = gpg_error (GPG_ERR_INV_PACKET);
              break;
            }
          cut->hdr[cut->hdrlen++] = *p++;
          len--;
          size = header_size (cut->hdr, cut->hdrlen);
          if (size && cut->hdrlen == size)
            {
              cut->err = start_packet (cut, size);
              cut->hdrlen = 0;
            }
          break;

        case AT_PARTLEN:
          cut->hdr[cut->hdrlen++] = *p++;
          len--;
          if (cut->hdrlen == newlen_size (cut->hdr[0]))
            {
              newlen_decode (cut->hdr, &chunk, &partial);
              cut->hdrlen = 0;
              cut->partial = !!partial;
              cut->remaining = chunk;
              cut->where = IN_BODY;
              if (!chunk)
                end_chunk (cut);   /* A last chunk may be empty.  */
            }
          break;

        case IN_BODY:
          n = cut->remaining < len ? cut->remaining : len;
          if (cut->keep)
            {
              memcpy (cut->sig + cut->siglen, p, n);
              cut->siglen += n;
            }
          else if (cut->tag == PKT_LITERAL)
            cut->literal_bytes += n;
          p += n;
          len -= n;
          cut->remaining -= n;
          if (!cut->remaining)
            end_chunk (cut);
          break;
        }
    }
  return cut->err;
}

gpg_error_t
sigcut_finish (sigcut_t cut, const unsigned char **r_sig, size_t *r_len,
               unsigned int *r_nsigs)
{
  *r_sig = NULL;
  *r_len = 0;
  *r_nsigs = 0;
  if (cut->err)
    return cut->err;
  if (cut->where != AT_HEADER || cut->hdrlen)
    return gpg_error (GPG_ERR_TRUNCATED);
  if (!cut->nops || cut->nliteral != 1 || cut->nsigs != cut->nops)
    return gpg_error (GPG_ERR_INV_PACKET);
  *r_sig = cut->sig;
  *r_len = cut->siglen;
  *r_nsigs = cut->nsigs;
  return 0;
}

unsigned long long
sigcut_literal_bytes (sigcut_t cut)
{
  return cut->literal_bytes;
}
