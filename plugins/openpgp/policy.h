/* policy.h - the signature policy shared by decrypt and verify.
 *
 * Parameters (one vocabulary for both steps, DESIGN §3):
 *   signatures      none | optional | required | ignore   (decrypt only;
 *                   verify is always "required")
 *                     none      the message must not be signed
 *                     optional  an unsigned message passes; a signed one
 *                               must pass like "required"
 *                     required  the message must carry an accepted
 *                               signature
 *                     ignore    signatures are neither checked nor
 *                               reported
 *                   Default: required when allowed-signer is given,
 *                   else optional.
 *   allowed-signer  repeatable fingerprint (${header.…} allowed): only
 *                   signatures whose primary key is one of them count
 *   require-all     every allowed signer must have an accepted signature
 *                   (needs allowed-signer)
 *   not-before      signature creation time window (inclusive)
 *   not-after
 *   allow-legacy    accept MD5, SHA1 and RIPEMD160 signatures
 *
 * Verdict signature by signature (one per NEWSIG block of status.h):
 * only GOODSIG + VALIDSIG from gpg can be accepted; the allowlist is
 * matched on VALIDSIG's primary-key fingerprint.  A signed message
 * passes when at least one signature is accepted, no signature is bad
 * (BADSIG: data or signature altered) and, with require-all, every
 * allowed signer has an accepted signature.  Other signatures (unknown
 * key, not allowed ...) are reported, but do not fail the message.
 * A failure is GPG_ERR_BAD_SIGNATURE (exit 3) with a text that lists
 * each signature and why it was not accepted.
 *
 * Pure code over status_result_t except policy_from_config,
 * policy_from_message and policy_set_headers, which talk to the host.
 */
#ifndef OPENPGP_POLICY_H
#define OPENPGP_POLICY_H

#include <time.h>
#include <gpg-error.h>
#include <pgpstep/pgpstep.h>

#include "status.h"

enum policy_mode
  {
    POLICY_OPTIONAL = 0,
    POLICY_NONE,
    POLICY_REQUIRED,
    POLICY_IGNORE
  };

/* What one signature amounts to under the policy.  */
enum policy_sigstat
  {
    POLICY_SIG_VALID = 0,       /* Accepted.  */
    POLICY_SIG_BAD,             /* BADSIG.  */
    POLICY_SIG_UNKNOWN_KEY,     /* No public key in the step's keyrings.  */
    POLICY_SIG_EXPIRED_KEY,     /* EXPKEYSIG.  */
    POLICY_SIG_REVOKED_KEY,     /* REVKEYSIG.  */
    POLICY_SIG_EXPIRED,         /* EXPSIG: the signature itself expired.  */
    POLICY_SIG_ERROR,           /* Could not be checked (other ERRSIG,
                                   incomplete or conflicting lines).  */
    POLICY_SIG_NOT_ALLOWED,     /* Valid, but not by an allowed signer.  */
    POLICY_SIG_WEAK_DIGEST,     /* Valid, MD5/SHA1/RIPEMD160, no
                                   allow-legacy.  */
    POLICY_SIG_OUTSIDE_WINDOW   /* Valid, created outside not-before ..
                                   not-after.  */
  };

/* Turn an allowed-signer that is no fingerprint (an "<email>" or a
 * user ID) into the malloced fingerprint of one primary key of the
 * step's keyrings, or fail with GPG_ERR_INV_VALUE and a malloced
 * reason (e.g. "no key ... in keyring x", "ambiguous").  */
typedef gpg_error_t (*policy_resolve_t) (void *opaque, const char *spec,
                                         char **r_fpr, char **r_reason);

/* The policy of one message.  */
struct policy
{
  enum policy_mode mode;
  char **allowed;               /* Upper-case fingerprints (malloced).  */
  unsigned int nallowed;
  unsigned int ndynamic;        /* Of them from ${header.…} (config).  */
  unsigned int require_all:1;
  unsigned int allow_legacy:1;
  unsigned int mode_given:1;    /* "signatures" was written.  */
  time_t not_before;            /* 0: no bound.  */
  time_t not_after;             /* 0: no bound.  */
  policy_resolve_t resolve;     /* NULL: fingerprints only.  */
  void *resolve_opaque;
};

/* The verdict over one status result.  */
struct policy_verdict
{
  gpg_error_t err;              /* 0 or GPG_ERR_BAD_SIGNATURE.  */
  unsigned int nsigs;
  enum policy_sigstat *sigstat; /* One per RES->sigs (malloced).  */
  int accepted;                 /* Index of the first accepted one, -1.  */
  char *text;                   /* Why it failed (malloced), or NULL.  */
};

/* Parameter table entries, so that both steps describe them alike.
 * POLICY_PARAM_SIGNATURES is decrypt's only.  */
extern const char *const policy_mode_names[];
#define POLICY_PARAM_SIGNATURES                                          \
  { sizeof (struct pgpstep_param), "signatures", PGPSTEP_TYPE_ENUM, 0,  \
    NULL, policy_mode_names, 0, 0,                                      \
    "Signature check: none (must not be signed), optional (checked when" \
    " signed), required, ignore; default required with allowed-signer," \
    " else optional." }
#define POLICY_PARAMS_COMMON                                            \
  { sizeof (struct pgpstep_param), "allowed-signer", PGPSTEP_TYPE_KEY,  \
    PGPSTEP_PARAM_REPEATABLE | PGPSTEP_PARAM_HEADER_OK, NULL, NULL, 0, 0, \
    "Primary key (fingerprint, <email> or user ID of a key of the"      \
    " step's keyrings) whose signatures are accepted (repeatable);"     \
    " default: any key of the step's keyrings." },                      \
  { sizeof (struct pgpstep_param), "require-all", PGPSTEP_TYPE_BOOL, 0, \
    "false", NULL, 0, 0,                                                \
    "Every allowed-signer must have a valid signature." },              \
  { sizeof (struct pgpstep_param), "not-before", PGPSTEP_TYPE_TIME, 0,  \
    NULL, NULL, 0, 0,                                                   \
    "Refuse signatures created before this time." },                    \
  { sizeof (struct pgpstep_param), "not-after", PGPSTEP_TYPE_TIME, 0,   \
    NULL, NULL, 0, 0,                                                   \
    "Refuse signatures created after this time." },                     \
  { sizeof (struct pgpstep_param), "allow-legacy", PGPSTEP_TYPE_BOOL, 0, \
    "false", NULL, 0, 0,                                                \
    "Accept signatures over MD5, SHA1 or RIPEMD160 digests." }

/* Read the static policy parameters at create time.  VERIFY: the
 * step has no "signatures" parameter (always required).  RESOLVE
 * (may be NULL) names signers by user ID, also later for header
 * values; it must stay usable as long as POL and its copies.  Reports
 * a configuration error through HOST->config_error.  */
gpg_error_t policy_from_config (struct policy *pol,
                                const struct pgpstep_host *host,
                                pgpstep_config_t cfg, int verify,
                                policy_resolve_t resolve,
                                void *resolve_opaque);

/* The policy of one message: a copy of BASE with dynamic allowed
 * signers resolved.  Reports errors through HOST->error.  */
gpg_error_t policy_from_message (struct policy *pol,
                                 const struct policy *base,
                                 const struct pgpstep_host *host,
                                 pgpstep_message_t msg);

void policy_release (struct policy *pol);

/* Judge the signatures of RES (a finished status result).  Returns an
 * error only for lack of memory; the decision is R_V->err.  */
gpg_error_t policy_evaluate (const struct policy *pol, status_result_t res,
                             struct policy_verdict *r_v);
void policy_verdict_release (struct policy_verdict *v);

/* The JSON array of all signatures of RES (malloced), e.g.
 * [{"status":"valid","fingerprint":"…","keyid":"…","created":"…",
 *   "digest":"SHA512","algorithm":"EDDSA","uid":"…","class":"binary"}];
 * class is "binary" or "text" (signature class 0x00 or 0x01).  */
gpg_error_t policy_signatures_json (const struct policy_verdict *v,
                                    status_result_t res, char **r_json);

/* Set pgp.signature.status (valid, none, ignored, or the first
 * signature's status), and for an accepted signature
 * pgp.signature.fingerprint, .created (ISO 8601 UTC) and .digest, and
 * pgp.signatures (unless the mode is ignore).  */
gpg_error_t policy_set_headers (const struct policy *pol,
                                const struct policy_verdict *v,
                                status_result_t res,
                                const struct pgpstep_host *host,
                                pgpstep_message_t msg);

const char *policy_mode_name (enum policy_mode mode);
const char *policy_sigstat_name (enum policy_sigstat stat);

#endif /* OPENPGP_POLICY_H */
