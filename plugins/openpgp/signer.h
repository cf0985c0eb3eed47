/* signer.h - allowed signers among the step's keys.
 *
 * A signature can be checked only with its certificate at hand, so an
 * allowed-signer must be a primary key of the step's keyrings.  One
 * given by user ID is resolved to its fingerprint (exact user ID, or
 * "<email>" matching an address case-insensitively; never a substring;
 * ambiguity is an error).
 */
#ifndef OPENPGP_SIGNER_H
#define OPENPGP_SIGNER_H

#include <gpg-error.h>

#include "keys.h"
#include "policy.h"

/* What the resolver looks in.  */
struct signer_keys
{
  keys_index_t index;          /* NULL: no keyring.  */
  const char *keyrings;        /* "keyrings a, b" for texts, or NULL.  */
};

/* A policy_resolve_t over a struct signer_keys.  */
gpg_error_t signer_resolve (void *opaque, const char *spec, char **r_fpr,
                            char **r_reason);

/* The first allowed signer of POL that is not a primary key of INDEX,
 * or NULL (also when INDEX is NULL).  */
const char *signer_unknown (const struct policy *pol, keys_index_t index);

#endif /* OPENPGP_SIGNER_H */
