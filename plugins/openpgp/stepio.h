/* stepio.h - a step's source as gpg's input: the packet peek, giving
 * the peeked bytes back to a regular file, and whether gpg got it all.
 * Shared by decrypt and verify.  */
#ifndef OPENPGP_STEPIO_H
#define OPENPGP_STEPIO_H

#include <stddef.h>
#include <gpg-error.h>
#include <pgpstep/pgpstep.h>

#include "gpgop.h"

/* Read up to SIZE bytes of SOURCE into BUF.  *R_EOF tells that the
 * input ended within them.  GPG_ERR_CANCELED when cancelled.  */
gpg_error_t stepio_read_peek (struct pgpstep_source *source,
                              unsigned char *buf, size_t size,
                              size_t *r_len, int *r_eof);

/* Give LEN peeked bytes back to FD if it is a regular file, so that
 * gpg reads the file itself and no byte is copied.  True on success.  */
int stepio_rewind_source (int fd, size_t len);

/* Whether gpg got all of SOURCE: the input thread of RES fed it to its
 * end (an armor checksum included), or gpg read the regular file
 * itself up to its size.  */
int stepio_input_complete (const struct pgpstep_source *source,
                           const struct gpgop_result *res);

#endif /* OPENPGP_STEPIO_H */
