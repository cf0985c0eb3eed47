/* feed.c - the sign step's streams around gpg.  See feed.h.  */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../openpgp/packet.h"
#include "../openpgp/fdcopy.h"
#include "feed.h"

ssize_t
feed_read (void *handle, void *buffer, size_t size)
{
  struct feed_in *in = handle;
  struct pgpstep_source *src = in->source;
  ssize_t n, w;

  n = src->read (src->handle, buffer, size);
  if (n < 0)
    return n;
  if (in->check)
    {
      in->check_err = (n ? textcheck_push (in->check, buffer, (size_t) n)
                       : textcheck_finish (in->check));
      if (in->check_err)
        {
          /* Fails gpgop's run: gpg's output is never released.  */
          errno = EILSEQ;
          return -1;
        }
    }
  if (in->tee && n)
    {
      w = in->tee->write (in->tee->handle, buffer, (size_t) n);
      if (w != n)
        {
          if (w >= 0)
            errno = EIO;
          in->tee_err = (errno == ECANCELED ? gpg_error (GPG_ERR_CANCELED)
                         : gpg_error_from_errno (errno));
          return -1;
        }
    }
  return n;
}

ssize_t
feed_sig_write (void *handle, const void *buffer, size_t size)
{
  struct feed_out *out = handle;
  unsigned char *p;
  size_t want;

  if (size > FEED_SIG_MAX - out->len)
    {
      /* Not a detached signature: the input is not trusted.  */
      out->err = gpg_error (GPG_ERR_TOO_LARGE);
      errno = EPROTO;
      return -1;
    }
  if (out->len + size > out->size)
    {
      want = out->size ? out->size : 1024;
      while (want < out->len + size)
        want *= 2;
      p = realloc (out->sig, want);
      if (!p)
        {
          out->err = gpg_error_from_syserror ();
          return -1;
        }
      out->sig = p;
      out->size = want;
    }
  memcpy (out->sig + out->len, buffer, size);
  out->len += size;
  return (ssize_t) size;
}

gpg_error_t
feed_sig_finish (struct feed_out *out, unsigned int nsigs,
                 const unsigned char **r_sig, size_t *r_len)
{
  gpg_error_t err;
  struct packet_peek *info;

  *r_sig = NULL;
  *r_len = 0;
  if (out->err)
    return out->err;
  info = malloc (sizeof *info);
  if (!info)
    return gpg_error_from_syserror ();
  err = packet_peek (out->sig, out->len, 1, info);
  if (!err && (info->format != PACKET_FMT_BINARY
               || info->kind != PACKET_KIND_SIGNATURE
               || info->truncated || info->malformed || info->more
               || info->npackets != nsigs || info->nsigs != nsigs))
    err = gpg_error (GPG_ERR_INV_PACKET);
  free (info);
  if (err)
    return err;
  *r_sig = out->sig;
  *r_len = out->len;
  return 0;
}

void
feed_out_release (struct feed_out *out)
{
  free (out->sig);
  out->sig = NULL;
  out->len = out->size = 0;
}

int
feed_copy_prepare (struct feed_copy *copy,
                   const struct pgpstep_source *source, int out_fd,
                   int cancel_fd)
{
  struct stat st;
  off_t pos;

  memset (copy, 0, sizeof *copy);
  /* A regular file as the sink too: fdcopy checks for cancellation
   * only between chunks, and a pipe whose reader stalls could hold it
   * in a write.  */
  if (source->fd < 0 || out_fd < 0 || fstat (out_fd, &st)
      || !S_ISREG (st.st_mode))
    return 0;
  if (fstat (source->fd, &st) || !S_ISREG (st.st_mode))
    return 0;
  pos = lseek (source->fd, 0, SEEK_CUR);
  if (pos < 0 || pos > st.st_size)
    return 0;
  copy->job.in_fd = source->fd;
  copy->job.in_off = pos;
  copy->job.len = (uint64_t) (st.st_size - pos);
  copy->job.out_fd = out_fd;
  copy->job.cancel_fd = cancel_fd;
  copy->ready = 1;
  return 1;
}

gpg_error_t
feed_copy_start (struct feed_copy *copy)
{
  return fdcopy_start (&copy->job);
}

gpg_error_t
feed_copy_finish (struct feed_copy *copy)
{
  if (!copy->job.started)
    return 0;
  if (!fdcopy_join (&copy->job) && copy->job.copied != copy->job.len)
    copy->job.err = gpg_error (GPG_ERR_TRUNCATED);
  return copy->job.err;
}

int
feed_copy_matches (const struct feed_copy *copy)
{
  struct stat st;
  off_t pos;

  if (fstat (copy->job.in_fd, &st))
    return 0;
  pos = lseek (copy->job.in_fd, 0, SEEK_CUR);
  return (pos >= 0 && pos == st.st_size
          && (uint64_t) (pos - copy->job.in_off) == copy->job.len);
}
