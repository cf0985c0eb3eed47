/* json.h - writing JSON strings (header sets, key listings).  */
#ifndef PGPSTEP_JSON_H
#define PGPSTEP_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at S, of which at most AVAIL
 * bytes may be read, or 0 if invalid.  */
size_t json_utf8_len (const unsigned char *s, size_t avail);

/* Write S as a JSON string to FP.  Invalid UTF-8 becomes U+FFFD, so
 * the output is valid JSON whatever a sender put in a value.  */
void json_put_string (FILE *fp, const char *s);

#endif /*PGPSTEP_JSON_H*/
