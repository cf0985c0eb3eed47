/* armor.h - OpenPGP ASCII armor (RFC 4880 §6), streaming.
 *
 * pgpstep armors itself and runs gpg in binary (gpg's armor is ~6x
 * slower than its crypto).  Both directions work on caller buffers in
 * constant memory: push a block in, get a block out.
 *
 * Encoder output: "-----BEGIN PGP <LABEL>-----", no armor headers, a
 * blank line, 64-character lines, "=XXXX" CRC-24, the END line; LF line
 * ends.
 *
 * Decoder input: LF or CRLF line ends; any text before the BEGIN line
 * (at most ARMOR_MAX_LEADING bytes); armor headers "Key: value" (any
 * key, not kept) up to a blank line; base64 lines of at most
 * ARMOR_MAX_LINE characters (RFC 4880 says 76; we allow trailing
 * whitespace and a little slack), blank lines and spaces/tabs ignored;
 * the optional "=XXXX" checksum, verified when present; the END line
 * with the same label.  Text after the END line is ignored (counted).
 * Errors (all sticky, all exit 41 in pgpstep's table):
 *   GPG_ERR_NO_DATA      no BEGIN line (within ARMOR_MAX_LEADING)
 *   GPG_ERR_INV_ARMOR    garbage in headers or body, overlong line,
 *                        bad padding, END label mismatch, bad checksum
 *                        line
 *   GPG_ERR_CHECKSUM     CRC-24 mismatch (reported at the END line, when
 *                        all output has been produced: keep it spooled)
 *   GPG_ERR_TRUNCATED    armor_decode_finish before the END line
 *   GPG_ERR_NOT_SUPPORTED  "PGP MESSAGE, PART x/y" and cleartext
 *                        signatures (armor_decoder_type tells
 *                        ARMOR_CLEARTEXT: the verify step handles them)
 */
#ifndef OPENPGP_ARMOR_H
#define OPENPGP_ARMOR_H

#include <stddef.h>
#include <gpg-error.h>

#define ARMOR_MAX_LINE     96        /* Body line, without the line end.  */
#define ARMOR_MAX_LEADING  65536     /* Text before the BEGIN line.  */
#define ARMOR_MAX_HEADERS  65536     /* All armor header lines.  */
#define ARMOR_FINISH_MAX   128       /* armor_encode_finish output.  */

enum armor_type
  {
    ARMOR_NONE = 0,        /* Not (yet) known.  */
    ARMOR_MESSAGE,         /* PGP MESSAGE */
    ARMOR_SIGNATURE,       /* PGP SIGNATURE */
    ARMOR_PUBKEY,          /* PGP PUBLIC KEY BLOCK */
    ARMOR_SECKEY,          /* PGP PRIVATE KEY BLOCK */
    ARMOR_CLEARTEXT        /* PGP SIGNED MESSAGE: recognized only.  */
  };

/* "PGP MESSAGE" etc., NULL for ARMOR_NONE.  */
const char *armor_type_label (enum armor_type type);

/* Encoder.  */
typedef struct armor_encoder *armor_encoder_t;

gpg_error_t armor_encoder_new (armor_encoder_t *r_enc, enum armor_type type);
void armor_encoder_release (armor_encoder_t enc);

/* Output size armor_encode may need for INLEN input bytes.  */
size_t armor_encode_bound (size_t inlen);

/* Encode all of IN into OUT, which has room for armor_encode_bound
 * (INLEN) bytes; *R_OUTLEN tells how much was written.  */
gpg_error_t armor_encode (armor_encoder_t enc, const void *in, size_t inlen,
                          void *out, size_t *r_outlen);

/* Write the rest, checksum and END line into OUT (ARMOR_FINISH_MAX).  */
gpg_error_t armor_encode_finish (armor_encoder_t enc, void *out,
                                 size_t *r_outlen);

/* Decoder.  */
typedef struct armor_decoder *armor_decoder_t;

gpg_error_t armor_decoder_new (armor_decoder_t *r_dec);
void armor_decoder_release (armor_decoder_t dec);

/* Output size armor_decode may need for INLEN input bytes.  */
size_t armor_decode_bound (size_t inlen);

/* Decode all of IN into OUT, which has room for armor_decode_bound
 * (INLEN) bytes; *R_OUTLEN tells how much was written, also on error
 * (it is not released data then).  */
gpg_error_t armor_decode (armor_decoder_t dec, const void *in, size_t inlen,
                          void *out, size_t *r_outlen);

/* End of input: 0 only if a complete armor block was decoded (END
 * line seen, checksum matched if present).  */
gpg_error_t armor_decode_finish (armor_decoder_t dec);

/* The type from the BEGIN line; ARMOR_NONE before it.  */
enum armor_type armor_decoder_type (armor_decoder_t dec);

/* Whether the checksum line was present (and matched), and how many
 * bytes followed the END line.  */
int armor_decoder_had_checksum (armor_decoder_t dec);
unsigned long long armor_decoder_trailing (armor_decoder_t dec);

/* After an error: what is wrong, in words ("a line longer than 96
 * characters"), or NULL; and the 1-based input line it was found on
 * (meaningless for GPG_ERR_NO_DATA and GPG_ERR_TRUNCATED).  */
const char *armor_decoder_reason (armor_decoder_t dec);
unsigned long long armor_decoder_line (armor_decoder_t dec);

/* CRC-24 of RFC 4880 §6.1, continued from CRC (start: ARMOR_CRC_INIT).  */
#define ARMOR_CRC_INIT 0xB704CEu
unsigned int armor_crc24 (unsigned int crc, const void *buf, size_t len);

#endif /* OPENPGP_ARMOR_H */
