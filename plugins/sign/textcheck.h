/* textcheck.h - is a stream text?  A streaming check for the sign
 * step's cleartext mode: no NUL byte, valid UTF-8 throughout (a
 * sequence may be split between two pushes).  Constant memory.  */
#ifndef SIGN_TEXTCHECK_H
#define SIGN_TEXTCHECK_H

#include <stddef.h>
#include <gpg-error.h>

struct textcheck
{
  unsigned long long offset;   /* Bytes checked before this push.  */
  unsigned char seq[4];        /* A UTF-8 sequence split by a push.  */
  unsigned int have;           /* Bytes of it in SEQ.  */
  unsigned int need;           /* Its length; 0: none pending.  */
  unsigned long long bad_at;   /* Offset of the first bad byte.  */
  const char *reason;          /* What is wrong (static), or NULL.  */
};

/* Start a check (zero the struct).  */
void textcheck_init (struct textcheck *tc);

/* Check LEN more bytes.  GPG_ERR_BAD_DATA (exit 41) when they are no
 * text: TC->REASON and TC->BAD_AT say why and where.  Sticky.  */
gpg_error_t textcheck_push (struct textcheck *tc, const void *buf,
                            size_t len);

/* End of input: a sequence cut off at the end is no text either.  */
gpg_error_t textcheck_finish (struct textcheck *tc);

#endif /* SIGN_TEXTCHECK_H */
