/* utf8.h - UTF-8 validation for text taken from messages and keys.  */
#ifndef PGPSTEP_UTF8_H
#define PGPSTEP_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at S, of which at most N bytes
 * may be read, or 0 if there is none.  */
size_t utf8_seq_len (const unsigned char *s, size_t n);

#endif /*PGPSTEP_UTF8_H*/
