/* keyref.h - a step's key parameters (recipient, sign-with) as keys
 * handed to gpg, and the digest choice of signers.
 *
 * Shared by encrypt and sign.  Values written in the descriptor are
 * resolved when the step is created (a refusal is a load error that
 * names the key and the reason); values taken from "${header.NAME}"
 * are resolved per message in the same in-memory key index, so they
 * can only select among the step's keyrings.  Keys are handed to gpg
 * by primary fingerprint without '!' (GNUPG-FACTS: gpg picks the
 * usable subkey).
 */
#ifndef OPENPGP_KEYREF_H
#define OPENPGP_KEYREF_H

#include <gpg-error.h>
#include <pgpstep/pgpstep.h>

#include "keys.h"
#include "gpgop.h"

/* A key as handed to gpg.  */
struct keyref
{
  char fpr[KEYS_FPR_MAX + 1];
};

/* The keys of one parameter.  */
struct keyref_list
{
  struct keyref *keys;         /* De-duplicated, in the order given.  */
  unsigned int n;
  unsigned int ndynamic;       /* Values still to resolve per message.  */
  unsigned int nvalues;        /* Values given (static and dynamic).  */
};

/* Digests a signer may choose (for a parameter table), and the legacy
 * ones among them that need allow-legacy.  */
extern const char *const keyref_digests[];
extern const char *const keyref_legacy_digests[];

/* Whether VALUE is in the NULL-terminated LIST.  */
int keyref_is_one_of (const char *value, const char *const *list);

/* What a step needs before it resolves keys: the gpg binary
 * (*R_GPG_PATH), the step's runtime home (*R_HOMEDIR, owned by the
 * host; an empty one for a step without keyring) and the index of its
 * keys (*R_INDEX, released by the caller).  Failures are reported
 * through config_error.  */
gpg_error_t keyref_open (const struct pgpstep_host *host,
                         pgpstep_config_t cfg, const char **r_gpg_path,
                         const char **r_homedir, keys_index_t *r_index);

/* Check the digest DIGEST of signers: one of keyref_digests, and a
 * legacy one only with ALLOW_LEGACY.  Reports through config_error
 * (parameter "digest").  */
gpg_error_t keyref_check_digest (const struct pgpstep_host *host,
                                 pgpstep_config_t cfg, const char *digest,
                                 int allow_legacy);

/* Resolve the static values of parameter NAME for USAGE into *R_LIST
 * (released with keyref_list_release, also on error) and count the
 * dynamic ones.  A key refused is reported through config_error with
 * the key (or the value) as the key at fault.  */
gpg_error_t keyref_resolve_static (const struct pgpstep_host *host,
                                   pgpstep_config_t cfg,
                                   keys_index_t index, const char *name,
                                   enum keys_usage usage,
                                   struct keyref_list *r_list);

/* The keys of parameter NAME for message MSG: the static ones of
 * FIXED, then the dynamic ones resolved now, de-duplicated.  *R_LIST
 * is released by the caller, also on error.  A refusal is reported
 * through host->error.  */
gpg_error_t keyref_resolve_message (const struct pgpstep_host *host,
                                    pgpstep_message_t msg,
                                    keys_index_t index, const char *name,
                                    enum keys_usage usage,
                                    const struct keyref_list *fixed,
                                    struct keyref_list *r_list);

/* keyref_resolve_static of "sign-with" for KEYS_SIGN, refusing a key
 * named twice (gpg would sign twice with it).  */
gpg_error_t keyref_resolve_signers (const struct pgpstep_host *host,
                                    pgpstep_config_t cfg,
                                    keys_index_t index,
                                    struct keyref_list *r_list);

void keyref_list_release (struct keyref_list *list);

/* Append OPTION FPR for each key of LIST to ARGV at *R_N (room for
 * 2 * LIST->N more entries).  Borrows the fingerprints.  */
void keyref_add_args (const char **argv, unsigned int *r_n,
                      const char *option, const struct keyref_list *list);

/* "FPR1,FPR2" of LIST (malloced).  */
gpg_error_t keyref_join (const struct keyref_list *list, char **r_text);

/* Report the failed gpg run RES (ERR is what it amounts to) of a step
 * that signs or encrypts with keys of INDEX through host->error: the
 * key gpg refused (INV_RECP, INV_SGNR: their reason is 0 for every
 * kind of unusable key, so the index tells why), the key whose
 * passphrase gpg asked for (ASKED, a key ID, or "" / NULL), a failed
 * input or output stream, else gpg's exit and last words.  */
void keyref_report_failure (const struct pgpstep_host *host,
                            pgpstep_message_t msg, keys_index_t index,
                            gpg_error_t err, const struct gpgop_result *res,
                            const char *asked);

#endif /* OPENPGP_KEYREF_H */
