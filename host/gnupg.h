/* gnupg.h - GPGME for the host: initialisation and contexts bound to
 * one GnuPG home.  */
#ifndef PGPSTEP_GNUPG_H
#define PGPSTEP_GNUPG_H

#include <gpgme.h>

/* Initialise GPGME once per process (thread-safe).  */
gpg_error_t gnupg_init (void);

/* A new OpenPGP context working on HOME, in batch with loopback
 * pinentry and a passphrase callback that refuses: no pinentry ever
 * pops up in a server process.  */
gpg_error_t gnupg_new_ctx (const char *home, gpgme_ctx_t *r_ctx);

/* Run "gpgconf --homedir HOME ARG1 [ARG2]" and return its stdout
 * (malloced, NUL-terminated, trailing newline removed) in R_OUTPUT
 * (may be NULL).  */
gpg_error_t gnupg_gpgconf (const char *home, const char *arg1,
                           const char *arg2, char **r_output);

#endif /*PGPSTEP_GNUPG_H*/
