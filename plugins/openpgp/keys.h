/* keys.h - an in-memory index of the keys of one GnuPG home.
 *
 * Built once through GPGME when a step is created (all public keys,
 * with secret availability), then read-only: resolving a key spec per
 * message touches memory only and is thread-safe.  Keys are handed to
 * gpg by fingerprint afterwards.
 *
 * A spec is a fingerprint (40 or 64 hex digits, optional "0x", primary
 * or subkey), "<email>" (exact, case-insensitive match on a user ID's
 * address) or an exact full user ID.  Never a substring.
 */
#ifndef OPENPGP_KEYS_H
#define OPENPGP_KEYS_H

#include <stddef.h>
#include <time.h>
#include <gpg-error.h>

#define KEYS_FPR_MAX 64

enum keys_usage
  {
    KEYS_ENCRYPT,              /* A recipient.  */
    KEYS_SIGN                  /* A signer (needs the secret key).  */
  };

struct keys_subkey
{
  char fpr[KEYS_FPR_MAX + 1];  /* Upper-case hex.  */
  char keyid[17];
  int pubkey_algo;
  time_t expires;              /* 0: never.  */
  unsigned int can_encrypt:1;
  unsigned int can_sign:1;
  unsigned int can_certify:1;
  unsigned int expired:1;
  unsigned int revoked:1;
  unsigned int disabled:1;
  unsigned int invalid:1;
  unsigned int secret:1;       /* Secret part available (not a stub).  */
};

struct keys_uid
{
  char *uid;                   /* Full user ID (UTF-8).  */
  char *email;                 /* Address, or NULL.  */
  unsigned int revoked:1;
  unsigned int invalid:1;
};

struct keys_key
{
  char fpr[KEYS_FPR_MAX + 1];  /* Primary key fingerprint.  */
  struct keys_subkey *subkeys; /* [0] is the primary key.  */
  unsigned int nsubkeys;
  struct keys_uid *uids;
  unsigned int nuids;
  unsigned int expired:1;      /* Of the key as a whole (GPGME).  */
  unsigned int revoked:1;
  unsigned int disabled:1;
  unsigned int invalid:1;
  unsigned int secret:1;       /* Some secret key material available.  */
};

typedef struct keys_index *keys_index_t;

/* Build the index of HOMEDIR.  DESCRIPTION names the keyrings behind
 * the home for error texts (e.g. "keyrings ours, partner"); may be
 * NULL.  */
gpg_error_t keys_index_new (const char *homedir, const char *description,
                            keys_index_t *r_index);
void keys_index_release (keys_index_t index);

unsigned int keys_index_count (keys_index_t index);
const struct keys_key *keys_index_at (keys_index_t index, unsigned int idx);

/* Whether SPEC has the syntax of a key spec (fingerprint, <email> or
 * a plausible user ID: printable, no control characters).  */
int keys_spec_valid (const char *spec);

/* Resolve SPEC for USAGE.  On success *R_KEY is the key (owned by the
 * index).  On failure *R_KEY is NULL or the key at fault, and if
 * R_REASON is not NULL it receives a malloced text for the error
 * detail, e.g.
 *   no key for 'x' in keyrings a, b
 *   'x' is ambiguous: FPR1, FPR2
 *   key FPR ('uid') is expired since 2020-01-01T00:00:00Z
 *     | revoked | disabled | invalid | has no encryption-capable subkey
 *     | has no signing-capable subkey | has no secret key
 * Every failure is GPG_ERR_UNUSABLE_PUBKEY for recipients (exit 17)
 * and GPG_ERR_UNUSABLE_SECKEY for signers (exit 79); the reason says
 * which case it is (a SPEC that is no key spec is not found).  Other
 * errors: ENOMEM.  */
gpg_error_t keys_resolve (keys_index_t index, const char *spec,
                          enum keys_usage usage,
                          const struct keys_key **r_key, char **r_reason);

/* The first valid user ID of KEY, or its fingerprint.  */
const char *keys_key_name (const struct keys_key *key);

/* The gpg binary: $PGPSTEP_GPG if set (tests), else GPGME's OpenPGP
 * engine path, which must be absolute and at least version 2.2.  */
gpg_error_t keys_gpg_path (const char **r_path);

/* The text of ERR from keys_*: for an unusable gpg (a configuration
 * error, exit 78) the reason naming it, else gpg_strerror.  */
const char *keys_strerror (gpg_error_t err);

#endif /* OPENPGP_KEYS_H */
