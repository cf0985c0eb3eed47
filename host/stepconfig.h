/* stepconfig.h - create-time services over struct pgpstep_config.  */
#ifndef PGPSTEP_STEPCONFIG_H
#define PGPSTEP_STEPCONFIG_H

#include <pgpstep/pgpstep.h>

const char *config_step_id (pgpstep_config_t cfg);
unsigned int config_count (pgpstep_config_t cfg, const char *name);
const char *config_value (pgpstep_config_t cfg, const char *name,
                          unsigned int idx);
int config_is_dynamic (pgpstep_config_t cfg, const char *name,
                       unsigned int idx);
gpg_error_t config_gnupg_home (pgpstep_config_t cfg, const char **r_homedir);
gpg_error_t config_secret (pgpstep_config_t cfg, const char *ref,
                           const char **r_value, size_t *r_len);
void config_error (pgpstep_config_t cfg, gpg_error_t err, const char *key,
                   const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));

/* Read the secret REF ("secret:NAME" from the secrets directory of
 * CTX, or "env:NAME") into a malloced NUL-terminated buffer the caller
 * wipes (explicit_bzero) and frees.  On failure *R_WHY (freed first)
 * says why without repeating REF's value.  Configuration problems are
 * GPG_ERR_CONFIGURATION.  */
struct pgpstep_ctx;
gpg_error_t secret_read (struct pgpstep_ctx *ctx, const char *ref,
                         char **r_value, size_t *r_len, char **r_why);

/* Wipe and free what the services above cached in CFG (secrets, error
 * detail); called when the pipeline is released.  */
void config_release_cache (pgpstep_config_t cfg);

#endif /*PGPSTEP_STEPCONFIG_H*/
