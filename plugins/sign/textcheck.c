/* textcheck.c - is a stream text?  See textcheck.h.  */
#include <config.h>
#include <string.h>

#include "../openpgp/utf8.h"
#include "textcheck.h"

void
textcheck_init (struct textcheck *tc)
{
  memset (tc, 0, sizeof *tc);
}

/* The length of the UTF-8 sequence a lead byte C starts, 0 if C
 * cannot start one (utf8_seq_len checks the rest).  */
static unsigned int
lead_len (unsigned char c)
{
  if (c >= 0xc2 && c <= 0xdf)
    return 2;
  if (c >= 0xe0 && c <= 0xef)
    return 3;
  if (c >= 0xf0 && c <= 0xf4)
    return 4;
  return 0;
}

static gpg_error_t
bad (struct textcheck *tc, unsigned long long at, const char *reason)
{
  tc->reason = reason;
  tc->bad_at = at;
  return gpg_error (GPG_ERR_BAD_DATA);
}

gpg_error_t
textcheck_push (struct textcheck *tc, const void *buf, size_t len)
{
  const unsigned char *p = buf;
  size_t i = 0, j;
  unsigned int n;

  if (tc->reason)
    return gpg_error (GPG_ERR_BAD_DATA);

  /* Finish a sequence the last push split.  */
  while (tc->need && i < len)
    {
      if ((p[i] & 0xc0) != 0x80)
        return bad (tc, tc->offset - tc->have, "invalid UTF-8");
      tc->seq[tc->have++] = p[i++];
      if (tc->have == tc->need)
        {
          if (utf8_seq_len (tc->seq, tc->have) != tc->need)
            return bad (tc, tc->offset - (tc->have - i), "invalid UTF-8");
          tc->need = tc->have = 0;
        }
    }

  for (; i < len; i++)
    {
      if (p[i] >= 0x01 && p[i] < 0x80)
        continue;
      if (!p[i])
        return bad (tc, tc->offset + i, "a NUL byte");
      n = lead_len (p[i]);
      if (!n)
        return bad (tc, tc->offset + i, "invalid UTF-8");
      if (len - i < n)
        {
          /* Split: what is here must continue it; keep it for the
           * next push.  */
          for (j = i + 1; j < len; j++)
            if ((p[j] & 0xc0) != 0x80)
              return bad (tc, tc->offset + i, "invalid UTF-8");
          tc->need = n;
          tc->have = len - i;
          memcpy (tc->seq, p + i, tc->have);
          break;
        }
      if (utf8_seq_len (p + i, n) != n)
        return bad (tc, tc->offset + i, "invalid UTF-8");
      i += n - 1;
    }
  tc->offset += len;
  return 0;
}

gpg_error_t
textcheck_finish (struct textcheck *tc)
{
  if (tc->reason)
    return gpg_error (GPG_ERR_BAD_DATA);
  if (tc->need)
    return bad (tc, tc->offset - tc->have, "a UTF-8 sequence cut off at"
                " the end");
  return 0;
}
