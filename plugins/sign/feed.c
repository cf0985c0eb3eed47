/* feed.c - the sign step's streams around gpg.  See feed.h.  */
#include <config.h>
#include <errno.h>

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
feed_cut_write (void *handle, const void *buffer, size_t size)
{
  struct feed_out *out = handle;

  out->err = sigcut_push (out->cut, buffer, size);
  if (out->err)
    {
      errno = EPROTO;
      return -1;
    }
  return (ssize_t) size;
}
