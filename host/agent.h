/* agent.h - the gpg-agent of a runtime home, spoken to over Assuan
 * through GPGME: passphrase checks, unprotecting keys, stopping.  */
#ifndef PGPSTEP_AGENT_H
#define PGPSTEP_AGENT_H

#include <sys/types.h>
#include <gpgme.h>

/* Connect to the agent of HOME, starting it if needed.  The context
 * is in loopback pinentry mode.  */
gpg_error_t agent_connect (const char *home, gpgme_ctx_t *r_actx);

/* Connect to the agent of HOME like agent_connect, but start a
 * missing one at once and detached, the way gpg autostarts one, and
 * wait for its socket: cheaper than agent_connect's "gpgconf
 * --launch", which it falls back to.  */
gpg_error_t agent_start (const char *home, gpgme_ctx_t *r_actx);

/* The agent's process id.  */
gpg_error_t agent_get_pid (gpgme_ctx_t actx, pid_t *r_pid);

/* Whether the key with keygrip GRIP is passphrase-protected;
 * GPG_ERR_NO_SECKEY if the agent does not have it.  */
gpg_error_t agent_is_protected (gpgme_ctx_t actx, const char *grip,
                                int *r_protected);

/* Check PASS (LEN bytes) against the key GRIP with nothing cached,
 * and on success store the key without protection.
 * GPG_ERR_BAD_PASSPHRASE if PASS is wrong.  */
gpg_error_t agent_unprotect (gpgme_ctx_t actx, const char *grip,
                             const char *pass, size_t len);

/* Stop the agent of HOME (if one runs) and wait until its process is
 * gone; KNOWN_PID is used when it no longer answers.  Removes an
 * agent socket directory outside HOME, and forgets the socket path
 * remembered for HOME.  */
gpg_error_t agent_stop (const char *home, pid_t known_pid);

#endif /*PGPSTEP_AGENT_H*/
