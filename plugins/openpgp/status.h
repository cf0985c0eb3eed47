/* status.h - gpg's --status-fd lines as typed results.
 *
 * One result object per gpg run: feed it every status line (status_feed
 * for one line, or status_push for raw bytes read from the status fd),
 * then status_finish with gpg's exit status.  The object records what
 * gpg said, typed; it decides nothing on its own.  Rules:
 *
 *  - Keywords match at the start of a line only; a line we do not know
 *    counts as ignored and never as success.
 *  - A positive line is not success: status_decrypt_ok and friends
 *    also need status_finish with exit status 0 (GNUPG-FACTS: a
 *    tampered OCB message ends with DECRYPTION_OKAY, GOODMDC and exit 2).
 *  - A known keyword whose fields do not parse counts as malformed and
 *    sets no positive fact; its negative facts (BADSIG, ERRSIG, BADMDC,
 *    FAILURE ...) are recorded all the same.
 *  - Signatures are decided one by one, per NEWSIG block.
 *
 * Text taken from gpg (user IDs, the literal file name) is
 * percent-unescaped and is data only: never a path, never trusted.
 */
#ifndef OPENPGP_STATUS_H
#define OPENPGP_STATUS_H

#include <stddef.h>
#include <time.h>
#include <gpg-error.h>

#define STATUS_FPR_MAX   64     /* Hex digits of a v5 fingerprint.  */
#define STATUS_KEYID_LEN 16     /* Hex digits of a long key ID.  */
#define STATUS_MAX_RECORDS 256  /* Per list; beyond it: overflow.  */
#define STATUS_LINE_MAX  16384  /* status_push: longer lines are cut.  */

/* What one signature amounts to.  */
enum status_sigstat
  {
    STATUS_SIG_NONE = 0,     /* NEWSIG without any result line (yet).  */
    STATUS_SIG_VALID,        /* GOODSIG and a matching VALIDSIG.  */
    STATUS_SIG_BAD,          /* BADSIG.  */
    STATUS_SIG_UNKNOWN_KEY,  /* ERRSIG rc 9 or NO_PUBKEY.  */
    STATUS_SIG_EXPIRED_KEY,  /* EXPKEYSIG (gpg exits 0 for it!).  */
    STATUS_SIG_REVOKED_KEY,  /* REVKEYSIG.  */
    STATUS_SIG_EXPIRED_SIG,  /* EXPSIG.  */
    STATUS_SIG_ERROR         /* Other ERRSIG, GOODSIG without VALIDSIG,
                                conflicting lines.  */
  };

enum status_trust
  {
    STATUS_TRUST_NONE = 0,   /* No TRUST_* line (e.g. --trust-model always).  */
    STATUS_TRUST_UNDEFINED,
    STATUS_TRUST_NEVER,
    STATUS_TRUST_MARGINAL,
    STATUS_TRUST_FULLY,
    STATUS_TRUST_ULTIMATE
  };

/* One signature: one NEWSIG block.  Fingerprints and key IDs are
 * upper-case hex, "" when unknown.  */
struct status_sig
{
  enum status_sigstat status;
  char keyid[STATUS_KEYID_LEN + 1];   /* Issuer, from the result line.  */
  char fpr[STATUS_FPR_MAX + 1];       /* Signing (sub)key: VALIDSIG, ERRSIG.  */
  char primary_fpr[STATUS_FPR_MAX + 1]; /* VALIDSIG's last field: match
                                           allow-lists on this one.  */
  char *uid;              /* User ID from GOODSIG & co., or NULL.  */
  char *signer_uid;       /* NEWSIG's Signer's User ID, or NULL.  */
  time_t created;         /* Signature creation (VALIDSIG, ERRSIG), 0.  */
  time_t expires;         /* Signature expiration (VALIDSIG), 0 = never.  */
  int pubkey_algo;
  int digest_algo;
  int sig_class;
  int sig_version;
  gpg_err_code_t errsig_rc;  /* ERRSIG's rc (9 = no public key).  */
  enum status_trust trust;
  unsigned int newsig:1;     /* Opened by NEWSIG (not implicitly).  */
  unsigned int goodsig:1;
  unsigned int validsig:1;
  unsigned int badsig:1;
  unsigned int errsig:1;
  unsigned int expsig:1;
  unsigned int expkeysig:1;
  unsigned int revkeysig:1;
  unsigned int no_pubkey:1;
  unsigned int key_expired:1; /* KEYEXPIRED inside the block: may be any
                                 key looked at, not a verdict.  */
  unsigned int key_revoked:1; /* Likewise KEYREVOKED.  */
  unsigned int conflict:1;    /* VALIDSIG twice, or not matching.  */
};

/* ENC_TO: one public-key encrypted session key.  */
struct status_recp
{
  char keyid[STATUS_KEYID_LEN + 1];
  int pubkey_algo;
  unsigned int anonymous:1;   /* Key ID 0 (--throw-keyids): gpg tries
                                 its secret keys on it one by one.  */
  unsigned int no_seckey:1;   /* NO_SECKEY named it.  */
};

/* INV_RECP / INV_SGNR.  The reason is 0 for expired, revoked and
 * sign-only keys alike (GNUPG-FACTS): ask the key data why.  */
struct status_inv
{
  int reason;
  char *spec;                 /* As given on gpg's command line.  */
};

/* SIG_CREATED.  */
struct status_sig_created
{
  char type;                  /* 'D'etached, 'C'leartext, 'S'tandard.  */
  int pubkey_algo;
  int digest_algo;
  int sig_class;
  time_t created;
  char fpr[STATUS_FPR_MAX + 1];
};

typedef gpg_error_t (*status_line_hook_t) (void *opaque,
                                           const char *line, size_t len);

/* Read the fields; create, feed and release through the functions.  */
struct status_result
{
  /* Bookkeeping.  */
  unsigned int lines;        /* Lines fed.  */
  unsigned int ignored;      /* Lines without a keyword we know.  */
  unsigned int malformed;    /* Known keyword, fields that did not parse,
                                or a line cut at STATUS_LINE_MAX.  */
  unsigned int overflow:1;   /* A list reached STATUS_MAX_RECORDS.  */
  unsigned int finished:1;   /* status_finish was called.  */
  int exit_status;           /* From status_finish; -1 before.  */

  /* Passphrases and prompts.  */
  unsigned int need_passphrase:1;     /* NEED_PASSPHRASE (a key).  */
  unsigned int need_passphrase_sym:1; /* NEED_PASSPHRASE_SYM (password).  */
  unsigned int passphrase_pending:1;  /* Asked, and nothing came of it.  */
  unsigned int last_need_sym:1;       /* Last one asked was SYM.  */
  unsigned int missing_passphrase:1;  /* MISSING_PASSPHRASE or code.  */
  unsigned int bad_passphrase:1;      /* BAD_PASSPHRASE or code (the only
                                         sign of it in loopback mode).  */
  unsigned int bad_passphrase_sym:1;  /* ... for a password (SKESK).  */
  unsigned int good_passphrase:1;
  unsigned int get_hidden;            /* GET_HIDDEN prompts.  */
  unsigned int other_prompts;         /* GET_BOOL, GET_LINE: never answer.  */

  /* Decryption.  */
  struct status_recp *recp;  /* ENC_TO, in order.  */
  unsigned int nrecp;
  unsigned int no_seckey;    /* NO_SECKEY lines.  */
  char decryption_key[STATUS_FPR_MAX + 1];  /* DECRYPTION_KEY's key.  */
  unsigned int decryption_esk; /* 1 + index in RECP of the PKESK that
                                  gave the session key (the last ENC_TO
                                  before DECRYPTION_KEY); 0 unknown.  */
  unsigned int begin_decryption:1;
  unsigned int decryption_info:1;
  unsigned int decryption_okay:1;
  unsigned int goodmdc:1;
  unsigned int badmdc:1;
  unsigned int decryption_failed:1;
  unsigned int end_decryption:1;
  int mdc_method;            /* DECRYPTION_INFO: 0 none, 2 SHA-1 MDC.  */
  int cipher_algo;
  int aead_algo;             /* gpg 2.2 says 0 even for OCB.  */
  int compliance_mode;       /* DECRYPTION_COMPLIANCE_MODE flags, 0.  */
  unsigned int plaintext_count;
  int plaintext_format;      /* 'b', 't', 'u', 'm', or 0.  */
  time_t plaintext_time;
  char *plaintext_name;      /* Unescaped, may hold any byte: data only.  */
  size_t plaintext_name_len;
  unsigned long long plaintext_length;  /* PLAINTEXT_LENGTH, if ... */
  unsigned int have_plaintext_length:1; /* ... this is set.  */
  char *session_key;         /* SESSION_KEY "algo:hex", wiped at release.  */
  unsigned int nodata;       /* NODATA lines.  */
  int nodata_what;           /* First NODATA's argument.  */
  unsigned int unexpected;   /* UNEXPECTED lines.  */

  /* Errors.  */
  unsigned int failures;     /* FAILURE lines other than gpg-exit.  */
  char failure_loc[32];      /* First of them.  */
  gpg_error_t failure_code;
  gpg_error_t gpg_exit_code; /* FAILURE gpg-exit, 0 if none.  */
  unsigned int errors;       /* ERROR lines.  */
  unsigned int fatal_errors; /* ... other than a per-key attempt.  */
  char error_loc[48];        /* First fatal one.  */
  gpg_error_t error_code;
  unsigned int warnings;     /* WARNING lines.  */

  /* Encryption and signing.  */
  unsigned int begin_encryption:1;
  unsigned int end_encryption:1;
  int enc_mdc_method;
  int enc_cipher_algo;
  int enc_aead_algo;
  struct status_inv *inv_recp;
  unsigned int ninv_recp;
  struct status_inv *inv_sgnr;
  unsigned int ninv_sgnr;
  unsigned int no_recp:1;
  unsigned int no_sgnr:1;
  unsigned int begin_signing:1;
  struct status_sig_created *sig_created;
  unsigned int nsig_created;
  unsigned int key_considered;
  unsigned int keyexpired;   /* KEYEXPIRED / KEYREVOKED anywhere.  */
  unsigned int keyrevoked;

  /* Signatures, one per NEWSIG block, in order.  */
  struct status_sig *sigs;
  unsigned int nsigs;

  /* Private.  */
  unsigned int block_open:1; /* sigs[nsigs-1] still takes lines.  */
  char *linebuf;
  size_t linelen;
  unsigned int linecut:1;
  status_line_hook_t hook;
  void *hook_opaque;
};

typedef struct status_result *status_result_t;

gpg_error_t status_new (status_result_t *r_res);
void status_release (status_result_t res);

/* Call HOOK for each line before it is parsed (prefix removed), e.g.
 * to answer GET_HIDDEN; an error from HOOK is returned by the feed.  */
void status_set_line_hook (status_result_t res, status_line_hook_t hook,
                           void *opaque);

/* One status line, with or without "[GNUPG:] " and the line end.  */
gpg_error_t status_feed (status_result_t res, const char *line, size_t len);

/* Raw bytes from the status fd: split into lines and fed.  */
gpg_error_t status_push (status_result_t res, const void *buf, size_t len);

/* End of the status stream: feed a last unterminated line and record
 * gpg's exit status (0 = success; anything else, e.g. -1 for killed by
 * a signal, is a failure).  */
gpg_error_t status_finish (status_result_t res, int exit_status);

/* True only if the run was finished with exit status 0 and decryption
 * is complete and integrity protected: BEGIN_DECRYPTION,
 * DECRYPTION_INFO, DECRYPTION_OKAY, END_DECRYPTION, GOODMDC (or an
 * AEAD algorithm), one literal at most, and no BADMDC,
 * DECRYPTION_FAILED, FAILURE, fatal ERROR, NODATA or malformed line.
 * The exit status is part of it on purpose: never release plaintext on
 * status lines alone.  Signatures are not judged here.  */
int status_decrypt_ok (status_result_t res);

/* Likewise for encryption (no INV_RECP etc.) and for signing with
 * NSIGNERS keys (that many SIG_CREATED).  */
int status_encrypt_ok (status_result_t res);
int status_sign_ok (status_result_t res, unsigned int nsigners);

/* Why the run failed, for pgpstep's exit table; 0 when it was
 * finished with exit status 0 and no line shows a failure.
 *   wrong key passphrase             GPG_ERR_BAD_PASSPHRASE   (67)
 *   missing passphrase or password   GPG_ERR_NO_PASSPHRASE    (67)
 *   wrong password (SKESK)           GPG_ERR_DECRYPT_FAILED   (29)
 *   NO_SECKEY for every ENC_TO       GPG_ERR_NO_SECKEY        (29)
 *   no session key otherwise         GPG_ERR_DECRYPT_FAILED   (29)
 *   BADMDC                           GPG_ERR_CHECKSUM         (41)
 *   failed after the session key     GPG_ERR_BAD_DATA         (41)
 *     (truncated, corrupt, no MDC, zlib death, OCB tag)
 *   NODATA / UNEXPECTED              GPG_ERR_NO_DATA, _INV_PACKET,
 *                                    _BAD_DATA                (41)
 *   INV_RECP / NO_RECP               GPG_ERR_UNUSABLE_PUBKEY  (17)
 *   INV_SGNR / NO_SGNR               GPG_ERR_UNUSABLE_SECKEY  (79)
 *   too many records                 GPG_ERR_TOO_LARGE        (41)
 *   else FAILURE's or ERROR's code, GPG_ERR_GENERAL for a bare
 *   non-zero exit, GPG_ERR_INTERNAL when not finished.
 * Signature verdicts are the caller's policy: see status_sig_error.  */
gpg_error_t status_error (status_result_t res);

/* One signature's status as an error (0 for valid):
 * bad GPG_ERR_BAD_SIGNATURE, unknown key GPG_ERR_NO_PUBKEY, expired key
 * GPG_ERR_KEY_EXPIRED, revoked key GPG_ERR_CERT_REVOKED, expired
 * signature GPG_ERR_SIG_EXPIRED, error ERRSIG's rc or
 * GPG_ERR_BAD_SIGNATURE, none GPG_ERR_NO_DATA.  */
gpg_error_t status_sig_error (const struct status_sig *sig);

/* Names for result headers; NULL for an unknown id.  */
const char *status_sigstat_name (enum status_sigstat status);
const char *status_cipher_name (int algo);
const char *status_digest_name (int algo);
const char *status_pubkey_name (int algo);
const char *status_aead_name (int algo);

#endif /* OPENPGP_STATUS_H */
