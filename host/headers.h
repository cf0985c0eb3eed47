/* headers.h - header sets (public type pgpstep_headers_t).  */
#ifndef PGPSTEP_HEADERS_H
#define PGPSTEP_HEADERS_H

#include <pgpstep/host.h>

struct header_entry
{
  char *name;
  char *value;
};

struct pgpstep_headers
{
  struct header_entry *items;
  unsigned int count;
  unsigned int alloced;
};

/* Copy SRC into a new set.  */
gpg_error_t headers_copy (pgpstep_headers_t src, pgpstep_headers_t *r_copy);

#endif /*PGPSTEP_HEADERS_H*/
