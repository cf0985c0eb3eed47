/* sniff.h - is the encrypt step's input an OpenPGP message?
 *
 * A two-step sign -> encrypt pipeline must encrypt the signed message
 * as it is (gpg --no-literal), else the partner's gpg -d outputs the
 * signed bytes and checks nothing (GNUPG-FACTS).  The first bytes of
 * the input tell: a signed message (one-pass signature or signature
 * first), or one compressed packet (what gpg --sign writes) whose
 * stream starts as its algorithm demands, binary or armored.
 */
#ifndef ENCRYPT_SNIFF_H
#define ENCRYPT_SNIFF_H

#include <stddef.h>
#include <gpg-error.h>
#include <pgpstep/pgpstep.h>

#include "../openpgp/packet.h"

struct sniff
{
  int openpgp;                 /* An OpenPGP message to keep as it is.  */
  int armored;                 /* ... in ASCII armor.  */
  enum packet_kind kind;       /* What the peek saw.  */

  /* Bytes taken from the source that gpg must get before the rest
   * (malloced, or NULL: a regular file is read with pread, a pipe
   * peeked with tee, neither consumed).  */
  char *prefix;
  size_t prefix_len;
};

/* Look at up to PACKET_PEEK_MAX bytes of SOURCE.  A pipe (fd) is
 * peeked without consuming it; CANCEL_FD (or -1) readable ends the
 * wait for its writer.  Errors are read errors (GPG_ERR_CANCELED when
 * the message was cancelled) and ENOMEM; release *R_SNIFF in any
 * case.  */
gpg_error_t sniff_input (struct pgpstep_source *source, int cancel_fd,
                         struct sniff *r_sniff);

void sniff_release (struct sniff *sn);

#endif /* ENCRYPT_SNIFF_H */
