/* feed.c - the signed data of a detached verification, on its way to
 * gpg.  See feed.h.  */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"

enum { PH_HEAD, PH_BODY, PH_TRAILER, PH_DONE };

gpg_error_t
feed_init (struct feed *f)
{
  f->phase = f->wrap ? PH_HEAD : PH_BODY;
  f->first = 1;
  f->seglen[0] = f->seglen[1] = 0;
  if (!(f->win = malloc (SIGWRAP_CHUNK)))
    return gpg_error_from_syserror ();
  return 0;
}

void
feed_release (struct feed *f)
{
  free (f->win);
  f->win = NULL;
}

/* Fill the window with up to ROOM data bytes, spooling each; *R_EOF
 * at the end of the source.  */
static int
fill (struct feed *f, size_t room, size_t *r_n, int *r_eof)
{
  size_t n = 0;
  ssize_t got, put;

  *r_eof = 0;
  while (n < room)
    {
      got = f->source->read (f->source->handle, f->win + n, room - n);
      if (got < 0)
        {
          f->source_err = errno == ECANCELED ? gpg_error (GPG_ERR_CANCELED)
            : gpg_error_from_syserror ();
          return -1;
        }
      if (!got)
        {
          *r_eof = 1;
          break;
        }
      put = f->spool->write (f->spool->handle, f->win + n, (size_t) got);
      if (put != got)
        {
          f->spool_err = put < 0 && errno == ECANCELED
            ? gpg_error (GPG_ERR_CANCELED)
            : put < 0 ? gpg_error_from_syserror () : gpg_error (GPG_ERR_EIO);
          return -1;
        }
      n += (size_t) got;
    }
  f->data_len += n;
  *r_n = n;
  return 0;
}

/* The next chunk of data into the segments.  */
static int
next_chunk (struct feed *f)
{
  size_t lit = f->wrap && f->first ? SIGWRAP_LITERAL_HDR : 0;
  size_t n, h = 0;
  int eof;

  if (fill (f, SIGWRAP_CHUNK - lit, &n, &eof))
    return -1;
  if (f->wrap)
    {
      /* A full chunk is partial even at the end of the data: the final
       * chunk may then be empty.  */
      h = sigwrap_chunk_header (f->hdr, f->first, eof, n + lit);
      if (lit)
        sigwrap_literal_header (f->hdr + h);
      h += lit;
    }
  f->first = 0;
  f->seg[0] = f->hdr;
  f->seglen[0] = h;
  f->seg[1] = f->win;
  f->seglen[1] = n;
  if (eof)
    f->phase = f->wrap ? PH_TRAILER : PH_DONE;
  return 0;
}

/* Return -1 with errno for the recorded error (sticky).  */
static ssize_t
fail (struct feed *f)
{
  gpg_err_code_t code = gpg_err_code (f->source_err ? f->source_err
                                      : f->spool_err);

  errno = code == GPG_ERR_CANCELED ? ECANCELED : gpg_err_code_to_errno (code);
  if (!errno)
    errno = EIO;
  return -1;
}

ssize_t
feed_read (void *handle, void *buffer, size_t size)
{
  struct feed *f = handle;
  unsigned char *out = buffer;
  size_t n = 0, k;
  int i;

  if (f->source_err || f->spool_err)
    return fail (f);
  while (n < size)
    {
      for (i = 0; i < 2 && n < size; i++)
        {
          k = f->seglen[i] < size - n ? f->seglen[i] : size - n;
          if (!k)
            continue;           /* SEG may be NULL then.  */
          memcpy (out + n, f->seg[i], k);
          n += k;
          f->seg[i] += k;
          f->seglen[i] -= k;
        }
      if (f->seglen[0] || f->seglen[1])
        break;                  /* BUFFER is full.  */
      switch (f->phase)
        {
        case PH_HEAD:
          f->seg[0] = f->head;
          f->seglen[0] = f->headlen;
          f->phase = PH_BODY;
          break;
        case PH_BODY:
          if (next_chunk (f))
            /* Bytes already handed out stay valid; the error comes
             * with the next call.  */
            return n ? (ssize_t) n : fail (f);
          break;
        case PH_TRAILER:
          f->seg[0] = f->trailer;
          f->seglen[0] = f->trailerlen;
          f->phase = PH_DONE;
          break;
        default:
          f->done = 1;
          return (ssize_t) n;
        }
    }
  return (ssize_t) n;
}
