/* result.h - the result headers of a successful decryption.  */
#ifndef DECRYPT_RESULT_H
#define DECRYPT_RESULT_H

#include <gpg-error.h>
#include <pgpstep/pgpstep.h>

#include "packet.h"
#include "status.h"

/* Set pgp.literal.filename (sender's data, never a path: control
 * characters and invalid UTF-8 replaced), pgp.literal.modified (ISO
 * 8601 UTC), pgp.cipher (e.g. AES256), pgp.integrity (mdc, ocb, eax or
 * none), pgp.decryption.key (fingerprint of the subkey that decrypted;
 * absent for a password) and pgp.recipients (comma-separated key IDs
 * the message was encrypted to; absent when there were none).  */
gpg_error_t result_set_headers (const struct pgpstep_host *host,
                                pgpstep_message_t msg, status_result_t st,
                                const struct packet_peek *peek);

#endif /* DECRYPT_RESULT_H */
