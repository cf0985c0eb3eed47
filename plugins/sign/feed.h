/* feed.h - the sign step's streams around gpg, where they are more
 * than the step's descriptors:
 *
 *   input   the source, checked as text (cleartext mode) and/or
 *           copied to the step's sink as it goes by (detached with
 *           output=payload: the payload passes unchanged, no second
 *           copy of it anywhere);
 *   output  gpg's one-pass signed message, of which only the
 *           signature packets are kept (detached; sigcut.h).
 *
 * Both run in gpgop's filter threads (gpgop_io.read / .write with
 * the feed as handle).  Each records its own failure for the error
 * detail: gpgop only sees errno.  */
#ifndef SIGN_FEED_H
#define SIGN_FEED_H

#include <sys/types.h>
#include <gpg-error.h>
#include <pgpstep/pgpstep.h>

#include "../openpgp/sigcut.h"
#include "textcheck.h"

struct feed_in
{
  struct pgpstep_source *source;
  struct pgpstep_sink *tee;    /* A copy of every byte goes here, or
                                  NULL.  */
  struct textcheck *check;     /* Check the bytes as text, or NULL.  */
  gpg_error_t check_err;       /* The text check failed (41).  */
  gpg_error_t tee_err;         /* Writing the copy failed.  */
};

struct feed_out
{
  sigcut_t cut;
  gpg_error_t err;             /* gpg's output was not as expected.  */
};

/* A gpgop_io.read callback over a struct feed_in.  */
ssize_t feed_read (void *handle, void *buffer, size_t size);

/* A gpgop_io.write callback over a struct feed_out.  */
ssize_t feed_cut_write (void *handle, const void *buffer, size_t size);

#endif /* SIGN_FEED_H */
