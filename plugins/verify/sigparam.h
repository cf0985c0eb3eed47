/* sigparam.h - the detached signature given to the verify step.
 *
 * The "signature" parameter holds an armored signature (LF or CRLF
 * line ends), the base64 of a binary one (header values are one
 * line), or, written in the descriptor only, "file:PATH" naming a
 * file with either form or the binary signature itself.
 */
#ifndef VERIFY_SIGPARAM_H
#define VERIFY_SIGPARAM_H

#include <stddef.h>
#include <gpg-error.h>

/* Largest signature file (also bounds a decoded value).  */
#define SIGPARAM_MAX (1024 * 1024)

/* Decode VALUE[0..LEN) into the malloced binary signature *R_BUF,
 * *R_LEN.  BINARY_OK: raw packets are accepted too (a file).  On error
 * (GPG_ERR_BAD_DATA, or the armor decoder's) *R_TEXT may get a
 * malloced explanation.  */
gpg_error_t sigparam_decode (const char *value, size_t len, int binary_ok,
                             unsigned char **r_buf, size_t *r_len,
                             char **r_text);

/* Read the signature file PATH (absolute) and decode it.  Errors as
 * above, or the file's (GPG_ERR_ENOENT ...).  */
gpg_error_t sigparam_read_file (const char *path, unsigned char **r_buf,
                                size_t *r_len, char **r_text);

#endif /* VERIFY_SIGPARAM_H */
