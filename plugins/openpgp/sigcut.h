/* sigcut.h - cut the signatures out of a one-pass signed message.
 *
 * gpg's detached-signature path (-b) hashes about 4x slower than its
 * inline path (GNUPG-FACTS), so the sign step makes detached
 * signatures with "gpg --sign -z0" and keeps only the signature
 * packets: with the same hash over the same literal data they verify
 * as a detached signature of that data.
 *
 * The cutter reads gpg's binary output as a stream, in constant
 * memory, and accepts exactly what "gpg --sign -z0" writes:
 *
 *   one-pass signature packet(s)   (tag 4)  skipped, counted
 *   one literal data packet        (tag 11) skipped, may use partial
 *                                           body lengths
 *   signature packet(s)            (tag 2)  kept verbatim, as many as
 *                                           one-pass packets
 *
 * Old- and new-format packet headers are both read.  Anything else
 * (another tag or order, a compressed packet, a partial or
 * indeterminate length where it is not allowed, a truncated packet,
 * signatures beyond SIGCUT_MAX bytes in all) is an error: the input is
 * not trusted.  Errors are sticky.
 */
#ifndef OPENPGP_SIGCUT_H
#define OPENPGP_SIGCUT_H

#include <stddef.h>
#include <gpg-error.h>

/* Bytes of signature packets kept at most (several signers with
 * RSA-4096 need a few KiB).  */
#define SIGCUT_MAX (64 * 1024)

typedef struct sigcut *sigcut_t;

gpg_error_t sigcut_new (sigcut_t *r_cut);
void sigcut_release (sigcut_t cut);

/* Feed LEN bytes of the signed message.  Errors:
 *   GPG_ERR_INV_PACKET  a packet that does not belong there, a bad
 *                       header or length
 *   GPG_ERR_TOO_LARGE   more than SIGCUT_MAX bytes of signatures  */
gpg_error_t sigcut_push (sigcut_t cut, const void *buf, size_t len);

/* End of the message: 0 only if it was complete (GPG_ERR_TRUNCATED
 * inside a packet, GPG_ERR_INV_PACKET for a wrong set of packets).
 * Then *R_SIG points to the signature packets (owned by CUT, valid
 * until it is released), *R_LEN is their size and *R_NSIGS their
 * number.  */
gpg_error_t sigcut_finish (sigcut_t cut, const unsigned char **r_sig,
                           size_t *r_len, unsigned int *r_nsigs);

/* The bytes of literal data seen (the packet's body, header fields
 * included).  */
unsigned long long sigcut_literal_bytes (sigcut_t cut);

#endif /* OPENPGP_SIGCUT_H */
