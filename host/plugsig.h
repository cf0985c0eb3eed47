/* plugsig.h - signed plugins: verify NAME.so.sig over a sealed memory
 * copy of NAME.so, which is then what gets loaded (plugsig.c).  */
#ifndef PGPSTEP_PLUGSIG_H
#define PGPSTEP_PLUGSIG_H

#include <gpg-error.h>

struct pgpstep_ctx;
struct plugsig;

/* Import the certificates of the file KEYRING (armored or binary)
 * into a throwaway runtime home of CTX.  On error *R_REASON (malloced)
 * names the keyring and the cause.  */
gpg_error_t plugsig_open (struct pgpstep_ctx *ctx, const char *keyring,
                          struct plugsig **r_ps, char **r_reason);

/* Copy the module FILE into a sealed memfd and check FILE.sig over
 * the copy: every signature good and by a key of the keyring.  On
 * success *R_FD is the memfd, at offset 0, to be loaded and closed by
 * the caller.  On error (GPG_ERR_BAD_SIGNATURE, GPG_ERR_CONFIGURATION)
 * *R_REASON (malloced) names FILE and why.  */
gpg_error_t plugsig_check (struct plugsig *ps, const char *file, int *r_fd,
                           char **r_reason);

void plugsig_close (struct plugsig *ps);

#endif /*PGPSTEP_PLUGSIG_H*/
