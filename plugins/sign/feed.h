/* feed.h - the sign step's streams around gpg, where they are more
 * than the step's descriptors:
 *
 *   input   the source, checked as text (cleartext mode) and/or
 *           copied to the step's sink as it goes by (detached with
 *           output=payload, unless the copy below applies: the
 *           payload passes unchanged, no second copy of it anywhere);
 *   copy    detached with output=payload from a regular file to a
 *           regular file: gpg reads the source file itself and a
 *           thread copies the same bytes to the sink in the kernel
 *           (fdcopy.h), by offset, so both run at once and neither
 *           moves the other's position;
 *   output  gpg's detached signature, collected in memory (it is a
 *           few hundred bytes per signer) and checked to be signature
 *           packets only.
 *
 * Input and output run in gpgop's filter threads (gpgop_io.read /
 * .write with the feed as handle).  Each records its own failure for
 * the error detail: gpgop only sees errno.  */
#ifndef SIGN_FEED_H
#define SIGN_FEED_H

#include <stdint.h>
#include <sys/types.h>
#include <gpg-error.h>
#include <pgpstep/pgpstep.h>

#include "../openpgp/fdcopy.h"
#include "textcheck.h"

/* Bytes of signature packets kept at most (several signers with
 * RSA-4096 need a few KiB).  */
#define FEED_SIG_MAX (64 * 1024)

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
  unsigned char *sig;          /* Malloced; what gpg wrote.  */
  size_t len;
  size_t size;
  gpg_error_t err;             /* gpg's output was not as expected.  */
};

struct feed_copy
{
  struct fdcopy_job job;       /* A regular file from its position to
                                  its end.  */
  int ready;                   /* Prepared: the payload goes this way.  */
};

/* A gpgop_io.read callback over a struct feed_in.  */
ssize_t feed_read (void *handle, void *buffer, size_t size);

/* A gpgop_io.write callback over a struct feed_out.  */
ssize_t feed_sig_write (void *handle, const void *buffer, size_t size);

/* gpg's output complete: 0 only if it is NSIGS signature packets and
 * nothing else (GPG_ERR_INV_PACKET).  *R_SIG (owned by OUT) and
 * *R_LEN are the packets.  */
gpg_error_t feed_sig_finish (struct feed_out *out, unsigned int nsigs,
                             const unsigned char **r_sig, size_t *r_len);

void feed_out_release (struct feed_out *out);

/* Whether SOURCE and OUT_FD are regular files, so that COPY can pass
 * the source from its current position to OUT_FD; fills COPY (not
 * started).  */
int feed_copy_prepare (struct feed_copy *copy,
                       const struct pgpstep_source *source, int out_fd,
                       int cancel_fd);

/* Run the copy in a thread (fdcopy: in the kernel, by offset).  */
gpg_error_t feed_copy_start (struct feed_copy *copy);

/* Wait for a started copy: its error, GPG_ERR_TRUNCATED if it copied
 * less than the file held.  0 for a copy never started.  */
gpg_error_t feed_copy_finish (struct feed_copy *copy);

/* After gpg's run: whether gpg read the file exactly to where the copy
 * ended (the file did not grow or shrink in between).  */
int feed_copy_matches (const struct feed_copy *copy);

#endif /* SIGN_FEED_H */
