/* text.c - whether an input is UTF-8 text, for --as=text (the draft's
 * EXPECTED_TEXT): checked on a re-readable input before signing, since
 * the sign step checks text only for cleartext signatures.  */
#include <config.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sop.h"

int
sop_check_text (int fd)
{
  unsigned char buf[65536];
  unsigned int need = 0;        /* Continuation bytes still expected.  */
  unsigned char lead = 0;       /* For the overlong/surrogate checks.  */
  ssize_t n, i;
  unsigned char c;

  if (lseek (fd, 0, SEEK_SET) == (off_t)-1)
    {
      sop_error ("cannot rewind the input: %s", strerror (errno));
      return SOP_GENERIC;
    }
  for (;;)
    {
      n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          sop_error ("read error: %s", strerror (errno));
          return SOP_GENERIC;
        }
      if (!n)
        break;
      for (i = 0; i < n; i++)
        {
          c = buf[i];
          if (need)
            {
              if ((c & 0xc0) != 0x80
                  || (lead == 0xe0 && c < 0xa0)    /* Overlong.  */
                  || (lead == 0xed && c > 0x9f)    /* Surrogate.  */
                  || (lead == 0xf0 && c < 0x90)    /* Overlong.  */
                  || (lead == 0xf4 && c > 0x8f))   /* > U+10FFFF.  */
                goto bad;
              lead = 0;
              need--;
            }
          else if (c == 0)
            goto bad;
          else if (c < 0x80)
            ;
          else if (c >= 0xc2 && c <= 0xdf)
            need = 1;
          else if ((c & 0xf0) == 0xe0)
            need = 2, lead = c;
          else if (c >= 0xf0 && c <= 0xf4)
            need = 3, lead = c;
          else
            goto bad;
        }
    }
  if (need)
    goto bad;
  if (lseek (fd, 0, SEEK_SET) == (off_t)-1)
    {
      sop_error ("cannot rewind the input: %s", strerror (errno));
      return SOP_GENERIC;
    }
  return 0;

 bad:
  sop_error ("--as=text: the input is not UTF-8 text");
  return SOP_EXPECTED_TEXT;
}
