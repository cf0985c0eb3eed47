/* emptyhome.h - a private empty GnuPG home for password-only steps.
 *
 * gpg always needs a home, but a decrypt step with a password and no
 * keyring gets none from the host (config_gnupg_home: GPG_ERR_NO_DATA).
 * Symmetric decryption with --no-symkey-cache in loopback mode starts
 * no agent, so an empty directory is enough.
 */
#ifndef DECRYPT_EMPTYHOME_H
#define DECRYPT_EMPTYHOME_H

#include <gpg-error.h>

/* Create a 0700 directory under $TMPDIR or /tmp (short path: gpg's
 * socket names must fit 108 bytes).  */
gpg_error_t emptyhome_create (char **r_dir);

/* Remove DIR and what gpg put into it; free DIR.  */
void emptyhome_remove (char *dir);

#endif /* DECRYPT_EMPTYHOME_H */
