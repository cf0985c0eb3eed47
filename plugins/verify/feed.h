/* feed.h - the signed data of a detached verification, on its way to
 * gpg.
 *
 * A read callback for gpgop's input (gpgop_io.read): it reads the
 * step's source, writes every data byte to the spool (released only
 * after the verdict) and gives gpg either the data as it is (for
 * "gpg --verify SIG -") or wrapped as a one-pass signed message
 * (sigwrap.h): the OPS packets, the data in literal packet chunks,
 * then the signature packets.
 */
#ifndef VERIFY_FEED_H
#define VERIFY_FEED_H

#include <stddef.h>
#include <sys/types.h>
#include <gpg-error.h>
#include <pgpstep/pgpstep.h>

#include "sigwrap.h"

struct feed
{
  /* Set by the caller.  */
  struct pgpstep_source *source;
  struct pgpstep_sink *spool;
  const unsigned char *head;    /* Wrapped: the OPS packets ...  */
  size_t headlen;
  const unsigned char *trailer; /* ... and the signature packets.  */
  size_t trailerlen;
  int wrap;                     /* 0: the data as it is.  */

  /* What happened.  */
  gpg_error_t source_err;       /* Reading the source failed.  */
  gpg_error_t spool_err;        /* Writing the spool failed.  */
  unsigned long long data_len;  /* Data bytes read (and spooled).  */
  int done;                     /* All given to gpg.  */

  /* Private.  */
  int phase;
  int first;
  unsigned char *win;           /* SIGWRAP_CHUNK bytes of data.  */
  unsigned char hdr[SIGWRAP_HDR_MAX + SIGWRAP_LITERAL_HDR];
  const unsigned char *seg[2];  /* What is still to be handed out.  */
  size_t seglen[2];
};

/* Prepare F (its caller fields set).  */
gpg_error_t feed_init (struct feed *f);
void feed_release (struct feed *f);

/* gpgop's read callback; HANDLE is the struct feed.  */
ssize_t feed_read (void *handle, void *buffer, size_t size);

#endif /* VERIFY_FEED_H */
