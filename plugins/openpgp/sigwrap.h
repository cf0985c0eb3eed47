/* sigwrap.h - a detached signature as a one-pass signed message.
 *
 * gpg verifies a one-pass signed message (its "inline" path) several
 * times faster than the same data with a detached signature.  So the
 * verify step wraps the data:
 *
 *   OPS(sig n) ... OPS(sig 1)      one-pass signature packets, v3, built
 *                                  here; the nested flag only on the last
 *   literal data, format 'b', no name, date 0, the data in partial body
 *                                  chunks of SIGWRAP_CHUNK bytes and a
 *                                  final chunk with a normal length
 *   sig 1 ... sig n                the detached signature as it is
 *
 * OPS packets nest, so their signatures come in the reverse order: gpg
 * then checks (and reports, one NEWSIG each) the signatures in the
 * order of the detached signature.  Only binary-document signatures
 * (class 0x00) can be checked this way: a text signature (0x01) is
 * made over canonical text, which gpg does not compute for literal
 * data; the caller verifies those the detached way.
 *
 * Pure functions over caller buffers.  The signature is untrusted:
 * every length is checked; nothing reads outside BUF[0..LEN).
 */
#ifndef OPENPGP_SIGWRAP_H
#define OPENPGP_SIGWRAP_H

#include <stddef.h>
#include <gpg-error.h>

#define SIGWRAP_MAX_SIGS    32       /* Signatures in one parameter.  */
#define SIGWRAP_OPS_LEN     15       /* One OPS packet, header included.  */
#define SIGWRAP_CHUNK       65536    /* Partial body chunk (2^16).  */
#define SIGWRAP_LITERAL_HDR 6        /* 'b', name length 0, date 0.  */
#define SIGWRAP_HDR_MAX     8        /* sigwrap_chunk_header output.  */

/* One signature packet of the detached signature.  */
struct sigwrap_sig
{
  size_t offset;               /* Of the packet (header) in the buffer.  */
  size_t len;                  /* Of the whole packet.  */
  int version;                 /* 3 or 4.  */
  int sig_class;
  int pubkey_algo;
  int digest_algo;
  unsigned char keyid[8];      /* Issuer (16) or the tail of the issuer
                                  fingerprint (33); zero if neither.  */
  unsigned int have_keyid:1;
};

struct sigwrap
{
  unsigned int nsigs;
  struct sigwrap_sig sigs[SIGWRAP_MAX_SIGS];
};

/* Parse the binary detached signature BUF[0..LEN): one or more
 * signature packets and nothing else.  Errors:
 *   GPG_ERR_NO_DATA        empty
 *   GPG_ERR_INV_PACKET     a packet that is not a signature, an
 *                          impossible header, length or subpacket area
 *   GPG_ERR_TRUNCATED      the buffer ends inside a packet
 *   GPG_ERR_UNSUPPORTED_ALGORITHM  a signature version other than 3, 4
 *   GPG_ERR_TOO_LARGE      more than SIGWRAP_MAX_SIGS signatures  */
gpg_error_t sigwrap_parse (const void *buf, size_t len, struct sigwrap *r_sw);

/* Whether every signature is over a binary document (class 0x00), so
 * that the one-pass wrap applies.  */
int sigwrap_binary_only (const struct sigwrap *sw);

/* Write the OPS packets (SIGWRAP_OPS_LEN each, in reverse order) into
 * OUT of SIZE bytes; *R_LEN gets their length.  GPG_ERR_BUFFER_TOO_SHORT
 * if SIZE is less than NSIGS * SIGWRAP_OPS_LEN.  */
gpg_error_t sigwrap_ops (const struct sigwrap *sw, unsigned char *out,
                         size_t size, size_t *r_len);

/* The literal packet's fixed fields (SIGWRAP_LITERAL_HDR bytes): they
 * open the body of the first chunk.  */
void sigwrap_literal_header (unsigned char out[SIGWRAP_LITERAL_HDR]);

/* The header of one chunk of the literal packet's body into OUT
 * (SIGWRAP_HDR_MAX bytes); returns its length.  FIRST: the packet's
 * first chunk (the tag byte comes first).  BODY_LEN is the chunk's
 * length: exactly SIGWRAP_CHUNK for a partial chunk (FINAL 0), any
 * length up to 2^32-1 for the final one.  Returns 0 for a BODY_LEN
 * that does not fit.  */
size_t sigwrap_chunk_header (unsigned char out[SIGWRAP_HDR_MAX], int first,
                             int final, unsigned long long body_len);

#endif /* OPENPGP_SIGWRAP_H */
