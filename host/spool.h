/* spool.h - unnamed spool files for tentative step output.  */
#ifndef PGPSTEP_SPOOL_H
#define PGPSTEP_SPOOL_H

#include <gpg-error.h>

#include "stream.h"

/* Create an unnamed file in DIR (O_TMPFILE, else mkstemp + unlink),
 * mode 0600, close-on-exec, open for reading and writing.  Nothing of
 * it is left on disk once *R_FD is closed.  */
gpg_error_t spool_create (const char *dir, int *r_fd);

/* Copy the whole of spool file FD (from offset 0, whatever its file
 * position) to DEST, waiting for DEST and stopping when cancelled.  */
gpg_error_t spool_copy (int fd, struct stream *dest);

#endif /*PGPSTEP_SPOOL_H*/
