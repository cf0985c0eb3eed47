/* stepio.c - a step's source as gpg's input.  See stepio.h.  */
#include <config.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stepio.h"

gpg_error_t
stepio_read_peek (struct pgpstep_source *source, unsigned char *buf,
                  size_t size, size_t *r_len, int *r_eof)
{
  size_t len = 0;
  ssize_t n;

  *r_eof = 0;
  while (len < size)
    {
      n = source->read (source->handle, buf + len, size - len);
      if (n < 0)
        return errno == ECANCELED ? gpg_error (GPG_ERR_CANCELED)
          : gpg_error_from_syserror ();
      if (!n)
        {
          *r_eof = 1;
          break;
        }
      len += n;
    }
  *r_len = len;
  return 0;
}

int
stepio_rewind_source (int fd, size_t len)
{
  struct stat st;
  off_t pos;

  if (fd < 0 || fstat (fd, &st) || !S_ISREG (st.st_mode))
    return 0;
  pos = lseek (fd, 0, SEEK_CUR);
  if (pos < (off_t) len)
    return 0;
  return lseek (fd, pos - (off_t) len, SEEK_SET) == pos - (off_t) len;
}

int
stepio_input_complete (const struct pgpstep_source *source,
                       const struct gpgop_result *res)
{
  struct stat st;
  off_t pos;

  if (res->input_filtered)
    return res->input_eof;
  if (source->fd < 0 || fstat (source->fd, &st) || !S_ISREG (st.st_mode))
    return 0;
  pos = lseek (source->fd, 0, SEEK_CUR);
  return pos >= 0 && pos == st.st_size;
}
