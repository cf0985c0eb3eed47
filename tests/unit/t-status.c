/* t-status.c - gpg status lines into typed results, mostly from
 * transcripts of real gpg 2.2.40 runs (tests/data/gpg/status).  */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "status.h"

#define ALICE "015ABD50EB712E873C6BB2B009037A2EDFD86C9F"
#define BOB   "37213D1976A23E2625719E022975619AFF1CDD85"
#define CAROL "2CD7BF5B19080ACFDAD9A97A0EA17B0BD56D690F"
#define CAROL_SIGNING "DFEFD08B23AD089CC3241547BD1610EE6DA48C6F"
#define EXPIRED "F241EF2770F4467D1CCFCB34757CB89B53BE88F2"
#define REVOKED "A6868A22AC315F24D8571D9CDD0A15B96E001FA3"

/* A transcript file: "# exit N: command" then status lines.  */
static char *
read_transcript (const char *name, int *r_exit, size_t *r_len)
{
  char path[512];
  FILE *fp;
  char *buf;
  long size;

  snprintf (path, sizeof path, "%s/gpg/status/%s.status", TEST_DATA_DIR,
            name);
  fp = fopen (path, "rb");
  if (!fp)
    fail_msg ("cannot open %s", path);
  assert_int_equal (fseek (fp, 0, SEEK_END), 0);
  size = ftell (fp);
  assert_true (size > 0);
  rewind (fp);
  buf = malloc (size + 1);
  assert_non_null (buf);
  assert_int_equal (fread (buf, 1, size, fp), (size_t)size);
  buf[size] = 0;
  fclose (fp);
  if (sscanf (buf, "# exit %d:", r_exit) != 1)
    fail_msg ("%s: no '# exit N:' header", path);
  *r_len = size;
  return buf;
}

/* Feed every line but comments, one status_feed per line.  */
static status_result_t
load (const char *name)
{
  status_result_t res;
  char *buf, *p, *nl;
  size_t len;
  int ex;

  buf = read_transcript (name, &ex, &len);
  assert_int_equal (status_new (&res), 0);
  for (p = buf; *p; p = nl + 1)
    {
      nl = strchr (p, '\n');
      if (!nl)
        fail_msg ("%s: last line without line end", name);
      if (*p != '#')
        assert_int_equal (status_feed (res, p, nl - p), 0);
    }
  assert_int_equal (status_finish (res, ex), 0);
  free (buf);
  return res;
}

/* Feed a few literal lines.  */
static status_result_t
feed_lines (int exit_status, const char *lines[])
{
  status_result_t res;
  int i;

  assert_int_equal (status_new (&res), 0);
  for (i = 0; lines[i]; i++)
    assert_int_equal (status_feed (res, lines[i], strlen (lines[i])), 0);
  if (exit_status != -2)
    assert_int_equal (status_finish (res, exit_status), 0);
  return res;
}

static void
assert_err (gpg_error_t err, gpg_err_code_t code)
{
  if (gpg_err_code (err) != code)
    fail_msg ("got %s (%d), want %s (%d)", gpg_strerror (err),
              gpg_err_code (err), gpg_strerror (gpg_error (code)), code);
}

static void
assert_sig (const struct status_sig *sig, enum status_sigstat want,
            const char *primary)
{
  if (sig->status != want)
    fail_msg ("signature is %s, want %s", status_sigstat_name (sig->status),
              status_sigstat_name (want));
  if (primary)
    assert_string_equal (sig->primary_fpr, primary);
}


/* Decryption.  */

static void
test_good_decryption_is_ok_with_typed_details (void **state)
{
  status_result_t res = load ("decrypt-good");

  (void)state;
  assert_true (status_decrypt_ok (res));
  assert_int_equal (status_error (res), 0);
  assert_int_equal (res->nrecp, 1);
  assert_string_equal (res->recp[0].keyid, "CE550E566E04080B");
  assert_int_equal (res->recp[0].pubkey_algo, 18);
  assert_false (res->recp[0].no_seckey);
  assert_string_equal (res->decryption_key,
                       "5AF38D1DCAD46BBE1E88677CCE550E566E04080B");
  assert_int_equal (res->mdc_method, 2);
  assert_string_equal (status_cipher_name (res->cipher_algo), "AES256");
  assert_int_equal (res->aead_algo, 0);
  assert_int_equal (res->plaintext_format, 'b');
  assert_int_equal (res->plaintext_time, 1795707786);
  assert_string_equal (res->plaintext_name, "invoice.xml");
  assert_true (res->have_plaintext_length);
  assert_int_equal (res->plaintext_length, 233);
  assert_int_equal (res->nsigs, 0);
  assert_int_equal (res->malformed, 0);
  assert_int_equal (res->ignored, 0);
  status_release (res);

  res = load ("decrypt-good-armored");
  assert_true (status_decrypt_ok (res));
  status_release (res);
}

static void
test_positive_lines_without_exit_zero_are_not_success (void **state)
{
  /* GNUGP-FACTS: a tampered OCB message gives these lines and exit 2.  */
  static const char *lines[] = {
    "[GNUPG:] ENC_TO CE550E566E04080B 18 0",
    "[GNUPG:] BEGIN_DECRYPTION",
    "[GNUPG:] DECRYPTION_INFO 2 9 0",
    "[GNUPG:] PLAINTEXT 62 1795707786 invoice.xml",
    "[GNUPG:] DECRYPTION_OKAY",
    "[GNUPG:] GOODMDC",
    "[GNUPG:] END_DECRYPTION",
    NULL
  };
  status_result_t res;

  (void)state;
  res = feed_lines (2, lines);
  assert_false (status_decrypt_ok (res));
  assert_err (status_error (res), GPG_ERR_BAD_DATA);
  status_release (res);

  /* Same lines, never finished (gpg killed, caller forgot).  */
  res = feed_lines (-2, lines);
  assert_false (status_decrypt_ok (res));
  assert_err (status_error (res), GPG_ERR_INTERNAL);
  assert_int_equal (status_finish (res, 0), 0);
  assert_true (status_decrypt_ok (res));
  status_release (res);

  /* Killed by a signal.  */
  res = feed_lines (-1, lines);
  assert_false (status_decrypt_ok (res));
  status_release (res);
}

static void
test_bad_mdc_is_an_integrity_failure (void **state)
{
  status_result_t res = load ("decrypt-tampered-mdc");

  (void)state;
  assert_true (res->badmdc);
  assert_true (res->decryption_failed);
  /* gpg wrote the whole literal before it noticed.  */
  assert_int_equal (res->plaintext_count, 1);
  assert_false (status_decrypt_ok (res));
  assert_err (status_error (res), GPG_ERR_CHECKSUM);
  status_release (res);
}

static void
test_tampered_compressed_body_is_bad_data (void **state)
{
  /* zlib death: no DECRYPTION_FAILED, no END_DECRYPTION at all.  */
  status_result_t res = load ("decrypt-tampered-body");

  (void)state;
  assert_false (res->decryption_failed);
  assert_false (res->end_decryption);
  assert_false (status_decrypt_ok (res));
  assert_err (status_error (res), GPG_ERR_BAD_DATA);
  status_release (res);
}

static void
test_truncated_message_is_bad_data (void **state)
{
  status_result_t res = load ("decrypt-truncated");

  (void)state;
  assert_false (res->badmdc);
  assert_false (status_decrypt_ok (res));
  assert_err (status_error (res), GPG_ERR_BAD_DATA);
  status_release (res);
}

static void
test_legacy_encryption_without_mdc_is_refused (void **state)
{
  status_result_t res = load ("decrypt-legacy-sed");

  (void)state;
  assert_int_equal (res->mdc_method, 0);
  assert_string_equal (status_cipher_name (res->cipher_algo), "CAST5");
  assert_false (status_decrypt_ok (res));
  assert_err (status_error (res), GPG_ERR_BAD_DATA);
  assert_string_equal (res->error_loc, "nomdc_with_legacy_cipher");
  status_release (res);
}

static void
test_no_secret_key_for_every_recipient (void **state)
{
  status_result_t res = load ("decrypt-no-seckey");

  (void)state;
  assert_false (status_decrypt_ok (res));
  assert_err (status_error (res), GPG_ERR_NO_SECKEY);
  status_release (res);

  res = load ("decrypt-two-recipients-no-seckey");
  assert_int_equal (res->nrecp, 2);
  assert_int_equal (res->no_seckey, 2);
  assert_err (status_error (res), GPG_ERR_NO_SECKEY);
  status_release (res);
}

static void
test_no_secret_key_for_one_of_two_recipients_is_fine (void **state)
{
  status_result_t res = load ("decrypt-two-recipients");

  (void)state;
  assert_int_equal (res->nrecp, 2);
  assert_int_equal (res->no_seckey, 1);
  assert_true (status_decrypt_ok (res));
  assert_int_equal (status_error (res), 0);
  status_release (res);
}

/* --throw-keyids: carol's key fails on alice's anonymous ECDH PKESK
 * first; gpg exits 2 after a good decryption, and only the ENC_TO
 * before DECRYPTION_KEY shows where the session key came from.  */
static void
test_hidden_recipients (void **state)
{
  status_result_t res = load ("decrypt-hidden-carol");

  (void)state;
  assert_int_equal (res->nrecp, 2);
  assert_true (res->recp[0].anonymous && res->recp[1].anonymous);
  assert_int_equal (res->recp[0].pubkey_algo, 18);
  assert_int_equal (res->decryption_esk, 2);
  assert_true (res->decryption_okay && res->goodmdc && res->end_decryption);
  assert_int_equal (res->errors + res->failures + res->warnings, 0);
  assert_false (status_decrypt_ok (res));
  status_release (res);

  res = load ("decrypt-hidden-bob");
  assert_int_equal (res->decryption_esk, 2);
  assert_true (status_decrypt_ok (res));
  status_release (res);

  res = load ("decrypt-two-recipients");
  assert_int_equal (res->decryption_esk, 1);
  assert_false (res->recp[0].anonymous);
  status_release (res);

  res = load ("decrypt-hidden-no-seckey");
  assert_int_equal (res->decryption_esk, 0);
  assert_err (status_error (res), GPG_ERR_NO_SECKEY);
  status_release (res);
}

static void
test_wrong_key_passphrase_is_bad_passphrase (void **state)
{
  /* Loopback mode: no BAD_PASSPHRASE line, only the error code.  */
  status_result_t res = load ("decrypt-bob-wrong-passphrase");

  (void)state;
  assert_true (res->bad_passphrase);
  assert_false (res->bad_passphrase_sym);
  assert_false (status_decrypt_ok (res));
  assert_err (status_error (res), GPG_ERR_BAD_PASSPHRASE);
  status_release (res);

  res = load ("sign-bob-wrong-passphrase");
  assert_false (status_sign_ok (res, 1));
  assert_err (status_error (res), GPG_ERR_BAD_PASSPHRASE);
  status_release (res);
}

static void
test_wrong_passphrase_for_one_of_two_keys_is_harmless (void **state)
{
  /* Bob's key fails, alice's gives the session key.  */
  static const char *ok[] = {
    "ENC_TO 474167794C894B1B 1 0",
    "ENC_TO CE550E566E04080B 18 0",
    "ERROR pkdecrypt_failed 67108875",
    "DECRYPTION_KEY 5AF38D1DCAD46BBE1E88677CCE550E566E04080B "
    ALICE " -",
    "BEGIN_DECRYPTION", "DECRYPTION_INFO 2 9 0",
    "PLAINTEXT 62 1795707786 invoice.xml",
    "DECRYPTION_OKAY", "GOODMDC", "END_DECRYPTION", NULL
  };
  /* Bob's key fails, alice's is missing.  */
  static const char *bad[] = {
    "ENC_TO 474167794C894B1B 1 0",
    "ENC_TO CE550E566E04080B 18 0",
    "ERROR pkdecrypt_failed 67108875",
    "NO_SECKEY CE550E566E04080B",
    "BEGIN_DECRYPTION", "DECRYPTION_FAILED", "END_DECRYPTION", NULL
  };
  status_result_t res;

  (void)state;
  res = feed_lines (0, ok);
  assert_int_equal (res->errors, 1);
  assert_int_equal (res->fatal_errors, 0);
  assert_true (status_decrypt_ok (res));
  assert_int_equal (status_error (res), 0);
  status_release (res);

  res = feed_lines (2, bad);
  assert_false (status_decrypt_ok (res));
  assert_err (status_error (res), GPG_ERR_BAD_PASSPHRASE);
  status_release (res);
}

static void
test_missing_passphrase_is_no_passphrase (void **state)
{
  /* gpg asks and stops: nothing but NEED_PASSPHRASE and exit 2.  */
  status_result_t res = load ("decrypt-bob-no-passphrase");

  (void)state;
  assert_true (res->passphrase_pending);
  assert_err (status_error (res), GPG_ERR_NO_PASSPHRASE);
  status_release (res);

  res = load ("decrypt-symmetric-no-passphrase");
  assert_err (status_error (res), GPG_ERR_NO_PASSPHRASE);
  status_release (res);
}

static void
test_passphrase_given_on_command_fd (void **state)
{
  status_result_t res = load ("decrypt-bob-command-fd");

  (void)state;
  assert_true (res->need_passphrase);
  assert_int_equal (res->get_hidden, 1);
  assert_int_equal (res->other_prompts, 0);
  assert_false (res->passphrase_pending);
  assert_true (status_decrypt_ok (res));
  status_release (res);

  res = load ("decrypt-bob-passphrase");
  assert_true (status_decrypt_ok (res));
  status_release (res);
}

static void
test_wrong_password_is_cannot_decrypt (void **state)
{
  status_result_t res = load ("decrypt-symmetric-wrong");

  (void)state;
  assert_true (res->bad_passphrase_sym);
  assert_false (status_decrypt_ok (res));
  assert_err (status_error (res), GPG_ERR_DECRYPT_FAILED);
  status_release (res);
}

static void
test_password_decryption_is_ok (void **state)
{
  status_result_t res = load ("decrypt-symmetric");

  (void)state;
  assert_true (res->need_passphrase_sym);
  assert_int_equal (res->nrecp, 0);
  assert_true (status_decrypt_ok (res));
  status_release (res);

  res = load ("decrypt-symmetric-command-fd");
  assert_true (status_decrypt_ok (res));
  status_release (res);
}

static void
test_not_openpgp_is_no_data (void **state)
{
  status_result_t res = load ("decrypt-not-openpgp");

  (void)state;
  assert_false (status_decrypt_ok (res));
  assert_err (status_error (res), GPG_ERR_NO_DATA);
  status_release (res);
}

static void
test_signed_and_encrypted_gives_decryption_and_signature (void **state)
{
  status_result_t res = load ("decrypt-signed");

  (void)state;
  assert_true (status_decrypt_ok (res));
  assert_int_equal (res->nsigs, 1);
  assert_sig (&res->sigs[0], STATUS_SIG_VALID, BOB);
  assert_string_equal (res->sigs[0].signer_uid, "bob@example.org");
  assert_string_equal (res->sigs[0].uid, "Bob Example <bob@example.org>");
  assert_string_equal (status_digest_name (res->sigs[0].digest_algo),
                       "SHA512");
  assert_string_equal (status_pubkey_name (res->sigs[0].pubkey_algo), "RSA");
  assert_int_equal (res->sigs[0].created, 1795707786);
  status_release (res);
}

static void
test_sequoia_message_has_subkey_and_primary_fingerprints (void **state)
{
  status_result_t res = load ("decrypt-sqop-signed");

  (void)state;
  assert_true (status_decrypt_ok (res));
  /* "PLAINTEXT 62 0 ": no name, no time.  */
  assert_string_equal (res->plaintext_name, "");
  assert_int_equal (res->plaintext_time, 0);
  assert_int_equal (res->nsigs, 1);
  assert_sig (&res->sigs[0], STATUS_SIG_VALID, CAROL);
  assert_string_equal (res->sigs[0].fpr, CAROL_SIGNING);
  assert_string_equal (res->sigs[0].keyid, "BD1610EE6DA48C6F");
  assert_null (res->sigs[0].signer_uid);
  status_release (res);

  res = load ("decrypt-sqop");
  assert_true (status_decrypt_ok (res));
  status_release (res);
}


/* Verification.  */

static void
test_good_signatures_are_valid (void **state)
{
  static const char *names[] = {
    "verify-inline", "verify-clearsigned", "verify-detached",
    "verify-inline-sqop", "verify-clearsigned-sqop", "verify-detached-sqop",
    "verify-trust-always"
  };
  unsigned int i;

  (void)state;
  for (i = 0; i < sizeof names / sizeof *names; i++)
    {
      status_result_t res = load (names[i]);

      assert_int_equal (res->nsigs, 1);
      assert_sig (&res->sigs[0], STATUS_SIG_VALID,
                  strstr (names[i], "sqop") ? CAROL : ALICE);
      assert_int_equal (status_sig_error (&res->sigs[0]), 0);
      assert_int_equal (status_error (res), 0);
      assert_int_equal (res->malformed, 0);
      status_release (res);
    }
}

static void
test_signature_details_come_from_validsig (void **state)
{
  status_result_t res = load ("verify-clearsigned");
  struct status_sig *sig;

  (void)state;
  sig = &res->sigs[0];
  assert_string_equal (sig->fpr, ALICE);
  assert_string_equal (sig->keyid, "09037A2EDFD86C9F");
  assert_int_equal (sig->sig_class, 1);   /* Canonical text.  */
  assert_int_equal (sig->sig_version, 4);
  assert_int_equal (sig->expires, 0);
  assert_string_equal (status_digest_name (sig->digest_algo), "SHA256");
  assert_string_equal (status_pubkey_name (sig->pubkey_algo), "EDDSA");
  assert_int_equal (sig->trust, STATUS_TRUST_UNDEFINED);
  status_release (res);

  res = load ("verify-trust-always");
  assert_int_equal (res->sigs[0].trust, STATUS_TRUST_NONE);
  status_release (res);
}

static void
test_modified_data_gives_bad_signature (void **state)
{
  status_result_t res = load ("verify-detached-modified");

  (void)state;
  assert_int_equal (res->nsigs, 1);
  assert_sig (&res->sigs[0], STATUS_SIG_BAD, "");
  assert_string_equal (res->sigs[0].keyid, "09037A2EDFD86C9F");
  assert_err (status_sig_error (&res->sigs[0]), GPG_ERR_BAD_SIGNATURE);
  assert_true (status_error (res) != 0);   /* gpg exited 1.  */
  status_release (res);

  res = load ("verify-inline-tampered");
  assert_sig (&res->sigs[0], STATUS_SIG_BAD, "");
  status_release (res);
}

static void
test_expired_key_signature_is_not_valid_despite_exit_zero (void **state)
{
  status_result_t res = load ("verify-expired-key");

  (void)state;
  assert_int_equal (res->exit_status, 0);
  assert_int_equal (res->nsigs, 1);
  assert_true (res->sigs[0].validsig);
  assert_sig (&res->sigs[0], STATUS_SIG_EXPIRED_KEY, EXPIRED);
  assert_true (res->sigs[0].key_expired);
  assert_err (status_sig_error (&res->sigs[0]), GPG_ERR_KEY_EXPIRED);
  /* Nothing failed as far as gpg is concerned: policy is the caller's.  */
  assert_int_equal (status_error (res), 0);
  status_release (res);
}

static void
test_revoked_key_signature_is_revoked_key (void **state)
{
  status_result_t res = load ("verify-revoked-key");

  (void)state;
  assert_int_equal (res->exit_status, 0);
  assert_int_equal (res->nsigs, 1);
  assert_sig (&res->sigs[0], STATUS_SIG_REVOKED_KEY, REVOKED);
  assert_true (res->sigs[0].key_revoked);
  assert_err (status_sig_error (&res->sigs[0]), GPG_ERR_CERT_REVOKED);
  status_release (res);
}

static void
test_expired_signature_is_expired_sig (void **state)
{
  status_result_t res = load ("verify-expired-sig");

  (void)state;
  assert_sig (&res->sigs[0], STATUS_SIG_EXPIRED_SIG, ALICE);
  assert_int_equal (res->sigs[0].created, 1795707800);
  assert_int_equal (res->sigs[0].expires, 1795707860);
  assert_err (status_sig_error (&res->sigs[0]), GPG_ERR_SIG_EXPIRED);
  status_release (res);
}

static void
test_unknown_key_signature (void **state)
{
  status_result_t res = load ("verify-unknown-key");

  (void)state;
  assert_int_equal (res->nsigs, 1);
  assert_sig (&res->sigs[0], STATUS_SIG_UNKNOWN_KEY, "");
  assert_int_equal (res->sigs[0].errsig_rc, GPG_ERR_NO_PUBKEY);
  assert_true (res->sigs[0].no_pubkey);
  assert_string_equal (res->sigs[0].fpr, CAROL_SIGNING);
  assert_int_equal (res->sigs[0].created, 1795707786);
  assert_err (status_sig_error (&res->sigs[0]), GPG_ERR_NO_PUBKEY);
  status_release (res);
}

static void
test_good_and_bad_signatures_are_separate_records (void **state)
{
  status_result_t res = load ("verify-good-bad");

  (void)state;
  assert_int_equal (res->exit_status, 1);
  assert_int_equal (res->nsigs, 2);
  assert_sig (&res->sigs[0], STATUS_SIG_VALID, ALICE);
  assert_sig (&res->sigs[1], STATUS_SIG_BAD, "");
  assert_string_equal (res->sigs[1].keyid, "2975619AFF1CDD85");
  status_release (res);

  res = load ("verify-good-unknown");
  assert_int_equal (res->exit_status, 2);
  assert_int_equal (res->nsigs, 2);
  assert_sig (&res->sigs[0], STATUS_SIG_VALID, ALICE);
  assert_sig (&res->sigs[1], STATUS_SIG_UNKNOWN_KEY, "");
  status_release (res);

  res = load ("verify-two-signers");
  assert_int_equal (res->nsigs, 2);
  assert_sig (&res->sigs[0], STATUS_SIG_VALID, ALICE);
  assert_sig (&res->sigs[1], STATUS_SIG_VALID, BOB);
  status_release (res);
}

static void
test_result_lines_without_newsig_open_new_blocks (void **state)
{
  static const char *lines[] = {
    "GOODSIG 09037A2EDFD86C9F Alice",
    "VALIDSIG " ALICE " 2026-11-26 1795707786 0 4 0 22 8 00 " ALICE,
    "BADSIG 2975619AFF1CDD85 Bob",
    "ERRSIG BD1610EE6DA48C6F 22 10 00 1795707786 9 " CAROL_SIGNING,
    "NO_PUBKEY BD1610EE6DA48C6F",
    NULL
  };
  status_result_t res = feed_lines (2, lines);

  (void)state;
  assert_int_equal (res->nsigs, 3);
  assert_false (res->sigs[0].newsig);
  assert_sig (&res->sigs[0], STATUS_SIG_VALID, ALICE);
  assert_sig (&res->sigs[1], STATUS_SIG_BAD, "");
  assert_sig (&res->sigs[2], STATUS_SIG_UNKNOWN_KEY, "");
  status_release (res);
}

static void
test_goodsig_alone_is_not_valid (void **state)
{
  static const char *only_good[] = {
    "NEWSIG", "GOODSIG 09037A2EDFD86C9F Alice", NULL
  };
  static const char *other_key[] = {
    "NEWSIG", "GOODSIG 2975619AFF1CDD85 Bob",
    "VALIDSIG " ALICE " 2026-11-26 1795707786 0 4 0 22 8 00 " ALICE, NULL
  };
  static const char *twice[] = {
    "NEWSIG", "GOODSIG 09037A2EDFD86C9F Alice",
    "VALIDSIG " ALICE " 2026-11-26 1795707786 0 4 0 22 8 00 " ALICE,
    "VALIDSIG " BOB " 2026-11-26 1795707786 0 4 0 1 10 00 " BOB, NULL
  };
  static const char *cut[] = {
    "NEWSIG", "GOODSIG 09037A2EDFD86C9F Alice",
    "VALIDSIG " ALICE " 2026-11-26 1795707786 0 4 0 22 8 00", NULL
  };
  static const char *newsig_only[] = { "NEWSIG", NULL };
  status_result_t res;

  (void)state;
  res = feed_lines (0, only_good);
  assert_sig (&res->sigs[0], STATUS_SIG_ERROR, "");
  status_release (res);

  res = feed_lines (0, other_key);
  assert_sig (&res->sigs[0], STATUS_SIG_ERROR, NULL);
  status_release (res);

  res = feed_lines (0, twice);
  assert_int_equal (res->nsigs, 1);
  assert_sig (&res->sigs[0], STATUS_SIG_ERROR, NULL);
  status_release (res);

  /* VALIDSIG without the primary key fingerprint: malformed.  */
  res = feed_lines (0, cut);
  assert_sig (&res->sigs[0], STATUS_SIG_ERROR, NULL);
  assert_int_equal (res->malformed, 1);
  status_release (res);

  res = feed_lines (0, newsig_only);
  assert_sig (&res->sigs[0], STATUS_SIG_NONE, "");
  assert_err (status_sig_error (&res->sigs[0]), GPG_ERR_NO_DATA);
  status_release (res);
}

static void
test_errsig_other_than_missing_key_is_error (void **state)
{
  static const char *lines[] = {
    "NEWSIG",
    "ERRSIG BD1610EE6DA48C6F 99 10 00 1795707786 4",
    "NEWSIG",
    "ERRSIG garbage",
    NULL
  };
  status_result_t res = feed_lines (2, lines);

  (void)state;
  assert_int_equal (res->nsigs, 2);
  assert_sig (&res->sigs[0], STATUS_SIG_ERROR, "");
  assert_err (status_sig_error (&res->sigs[0]), GPG_ERR_PUBKEY_ALGO);
  /* Unreadable, still a failed signature.  */
  assert_sig (&res->sigs[1], STATUS_SIG_ERROR, "");
  assert_int_equal (res->malformed, 1);
  status_release (res);
}


/* Encryption and signing.  */

static void
test_encryption_is_ok (void **state)
{
  status_result_t res = load ("encrypt-alice");

  (void)state;
  assert_true (status_encrypt_ok (res));
  assert_int_equal (status_error (res), 0);
  assert_int_equal (res->enc_mdc_method, 2);
  assert_string_equal (status_cipher_name (res->enc_cipher_algo), "AES256");
  status_release (res);

  res = load ("encrypt-alice-bob");
  assert_true (status_encrypt_ok (res));
  status_release (res);

  res = load ("encrypt-symmetric");
  assert_true (status_encrypt_ok (res));
  status_release (res);
}

static void
test_unusable_recipient_is_unusable_pubkey (void **state)
{
  static const struct { const char *name; int reason; const char *spec; }
  cases[] = {
    { "encrypt-expired", 0, EXPIRED },
    { "encrypt-revoked", 0, REVOKED },
    { "encrypt-signonly", 0, "F70B9058CB9C033A" },
    { "encrypt-unknown", 1, "0EA17B0BD56D690F" }
  };
  unsigned int i;

  (void)state;
  for (i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      status_result_t res = load (cases[i].name);

      assert_false (status_encrypt_ok (res));
      assert_int_equal (res->ninv_recp, 1);
      assert_int_equal (res->inv_recp[0].reason, cases[i].reason);
      assert_string_equal (res->inv_recp[0].spec, cases[i].spec);
      assert_err (status_error (res), GPG_ERR_UNUSABLE_PUBKEY);
      status_release (res);
    }
}

static void
test_signing_reports_created_signatures (void **state)
{
  status_result_t res = load ("sign-alice");

  (void)state;
  assert_true (status_sign_ok (res, 1));
  assert_false (status_sign_ok (res, 2));
  assert_false (status_sign_ok (res, 0));
  assert_int_equal (res->nsig_created, 1);
  assert_int_equal (res->sig_created[0].type, 'S');
  assert_int_equal (res->sig_created[0].pubkey_algo, 22);
  assert_string_equal (status_digest_name (res->sig_created[0].digest_algo),
                       "SHA256");
  assert_int_equal (res->sig_created[0].sig_class, 0);
  assert_true (res->sig_created[0].created > 1795707786);
  assert_string_equal (res->sig_created[0].fpr, ALICE);
  status_release (res);

  res = load ("sign-detached-alice");
  assert_true (status_sign_ok (res, 1));
  assert_int_equal (res->sig_created[0].type, 'D');
  status_release (res);

  res = load ("sign-two-signers");
  assert_true (status_sign_ok (res, 2));
  assert_string_equal (res->sig_created[1].fpr, BOB);
  status_release (res);

  res = load ("sign-encrypt");
  assert_true (status_sign_ok (res, 1));
  assert_true (status_encrypt_ok (res));
  status_release (res);
}

static void
test_unusable_signer_is_unusable_seckey (void **state)
{
  static const char *names[] = {
    "sign-expired", "sign-revoked", "sign-no-seckey"
  };
  unsigned int i;

  (void)state;
  for (i = 0; i < sizeof names / sizeof *names; i++)
    {
      status_result_t res = load (names[i]);

      assert_false (status_sign_ok (res, 1));
      assert_int_equal (res->ninv_sgnr, 1);
      assert_err (status_error (res), GPG_ERR_UNUSABLE_SECKEY);
      status_release (res);
    }
}


/* Parsing rules.  */

static void
test_keywords_match_at_line_start_only (void **state)
{
  static const char *lines[] = {
    " DECRYPTION_OKAY",
    "XGOODMDC",
    "GOODMDCX",
    "goodmdc",
    "gpg: DECRYPTION_OKAY",
    "[GNUPG:]  END_DECRYPTION",
    "PLAINTEXT_LENGTHS 5",
    "SOMETHING_NEW 1 2 3",
    "",
    NULL
  };
  status_result_t res = feed_lines (0, lines);

  (void)state;
  assert_int_equal (res->ignored, 9);
  assert_false (res->decryption_okay);
  assert_false (res->goodmdc);
  assert_false (res->end_decryption);
  assert_false (res->have_plaintext_length);
  assert_false (status_decrypt_ok (res));
  status_release (res);
}

static void
test_prefix_and_line_end_are_optional (void **state)
{
  static const char *lines[] = {
    "[GNUPG:] BEGIN_DECRYPTION\n",
    "DECRYPTION_INFO 2 9\r\n",
    "DECRYPTION_OKAY",
    "[GNUPG:] GOODMDC",
    "END_DECRYPTION",
    NULL
  };
  status_result_t res = feed_lines (0, lines);

  (void)state;
  assert_int_equal (res->ignored, 0);
  assert_int_equal (res->malformed, 0);
  assert_int_equal (res->aead_algo, 0);
  assert_true (status_decrypt_ok (res));
  status_release (res);
}

static void
test_text_in_fields_does_not_set_facts (void **state)
{
  static const char *lines[] = {
    "BEGIN_DECRYPTION",
    "DECRYPTION_INFO 2 9 0",
    "PLAINTEXT 62 0 DECRYPTION_OKAY%0A[GNUPG:]%20GOODMDC",
    "END_DECRYPTION",
    NULL
  };
  status_result_t res = feed_lines (0, lines);

  (void)state;
  assert_false (res->decryption_okay);
  assert_false (res->goodmdc);
  assert_false (status_decrypt_ok (res));
  assert_string_equal (res->plaintext_name,
                       "DECRYPTION_OKAY\n[GNUPG:] GOODMDC");
  status_release (res);
}

static void
test_literal_name_is_unescaped_data (void **state)
{
  static const char *lines[] = {
    "PLAINTEXT 74 1795707786 ..%2F..%2Fetc%2Fpasswd%00x%2 %zz%",
    NULL
  };
  status_result_t res = feed_lines (0, lines);

  (void)state;
  assert_int_equal (res->plaintext_format, 't');
  assert_int_equal (res->plaintext_name_len, 25);
  assert_memory_equal (res->plaintext_name, "../../etc/passwd\0x%2 %zz%", 25);
  status_release (res);
}

static void
test_more_than_one_literal_is_not_ok (void **state)
{
  static const char *lines[] = {
    "BEGIN_DECRYPTION", "DECRYPTION_INFO 2 9 0",
    "PLAINTEXT 62 0 a", "PLAINTEXT 62 0 b",
    "DECRYPTION_OKAY", "GOODMDC", "END_DECRYPTION", NULL
  };
  status_result_t res = feed_lines (0, lines);

  (void)state;
  assert_int_equal (res->plaintext_count, 2);
  assert_string_equal (res->plaintext_name, "a");
  assert_false (status_decrypt_ok (res));
  status_release (res);
}

static void
test_aead_counts_as_integrity_protection (void **state)
{
  static const char *lines[] = {
    "BEGIN_DECRYPTION", "DECRYPTION_INFO 0 9 2",
    "DECRYPTION_OKAY", "END_DECRYPTION", NULL
  };
  static const char *no_mdc[] = {
    "BEGIN_DECRYPTION", "DECRYPTION_INFO 0 9 0",
    "DECRYPTION_OKAY", "END_DECRYPTION", NULL
  };
  status_result_t res;

  (void)state;
  res = feed_lines (0, lines);
  assert_string_equal (status_aead_name (res->aead_algo), "OCB");
  assert_true (status_decrypt_ok (res));
  status_release (res);

  res = feed_lines (0, no_mdc);
  assert_false (status_decrypt_ok (res));
  status_release (res);
}

static void
test_failure_codes_are_parsed_fail_closed (void **state)
{
  static const char *lines[] = {
    "FAILURE decrypt",
    "ERROR symkey_decrypt.maybe_error 11_BAD_PASSPHRASE",
    NULL
  };
  static const char *weird[] = { "FAILURE x 4294967295", NULL };
  status_result_t res;

  (void)state;
  res = feed_lines (2, lines);
  assert_int_equal (res->failures, 1);
  assert_err (res->failure_code, GPG_ERR_GENERAL);
  assert_true (res->bad_passphrase_sym);
  assert_err (status_error (res), GPG_ERR_DECRYPT_FAILED);
  status_release (res);

  res = feed_lines (0, weird);
  assert_err (res->failure_code, GPG_ERR_GENERAL);
  assert_err (status_error (res), GPG_ERR_GENERAL);
  status_release (res);
}

static void
test_session_key_is_kept (void **state)
{
  static const char *lines[] = {
    "SESSION_KEY 9:0011223344556677889900112233445566778899001122334455667788990011",
    NULL
  };
  status_result_t res = feed_lines (0, lines);

  (void)state;
  assert_non_null (res->session_key);
  assert_memory_equal (res->session_key, "9:00112233", 10);
  status_release (res);
}

static void
test_too_many_signatures_overflow (void **state)
{
  status_result_t res;
  unsigned int i;

  (void)state;
  assert_int_equal (status_new (&res), 0);
  for (i = 0; i < STATUS_MAX_RECORDS + 10; i++)
    assert_int_equal (status_feed (res, "NEWSIG", 6), 0);
  assert_int_equal (status_finish (res, 0), 0);
  assert_int_equal (res->nsigs, STATUS_MAX_RECORDS);
  assert_true (res->overflow);
  assert_err (status_error (res), GPG_ERR_TOO_LARGE);
  status_release (res);
}

/* One line per fact that matters, to compare two parses.  */
static void
summary (status_result_t res, char *buf, size_t size)
{
  size_t n;
  unsigned int i;

  n = snprintf (buf, size, "ok=%d,%d,%d err=%u lines=%u ign=%u mal=%u "
                "recp=%u sigs=%u",
                status_decrypt_ok (res), status_encrypt_ok (res),
                status_sign_ok (res, 1), status_error (res), res->lines,
                res->ignored, res->malformed, res->nrecp, res->nsigs);
  for (i = 0; i < res->nsigs && n < size; i++)
    n += snprintf (buf + n, size - n, " %s:%s:%s",
                   status_sigstat_name (res->sigs[i].status),
                   res->sigs[i].fpr, res->sigs[i].primary_fpr);
}

static void
test_pushing_bytes_in_any_chunks_equals_feeding_lines (void **state)
{
  static const char *names[] = {
    "decrypt-good", "decrypt-tampered-mdc", "decrypt-sqop-signed",
    "verify-good-bad", "verify-expired-key", "encrypt-expired",
    "sign-two-signers", "decrypt-bob-command-fd"
  };
  unsigned int i;
  char want[1024], got[1024];

  (void)state;
  srand (42);
  for (i = 0; i < sizeof names / sizeof *names; i++)
    {
      status_result_t res;
      char *buf, *body;
      size_t len, off;
      int ex;

      res = load (names[i]);
      summary (res, want, sizeof want);
      status_release (res);

      buf = read_transcript (names[i], &ex, &len);
      body = strchr (buf, '\n') + 1;   /* Skip the comment.  */
      len -= body - buf;
      assert_int_equal (status_new (&res), 0);
      for (off = 0; off < len; )
        {
          size_t n = 1 + rand () % 23;

          if (n > len - off)
            n = len - off;
          assert_int_equal (status_push (res, body + off, n), 0);
          off += n;
        }
      assert_int_equal (status_finish (res, ex), 0);
      summary (res, got, sizeof got);
      assert_string_equal (got, want);
      status_release (res);
      free (buf);
    }
}

static void
test_unterminated_last_line_is_fed_at_finish (void **state)
{
  status_result_t res;

  (void)state;
  assert_int_equal (status_new (&res), 0);
  assert_int_equal (status_push (res, "[GNUPG:] NEWSIG\n[GNUPG:] BADSIG 09", 34),
                    0);
  assert_int_equal (res->nsigs, 1);
  assert_false (res->sigs[0].badsig);
  assert_int_equal (status_push (res, "037A2EDFD86C9F A", 16), 0);
  assert_int_equal (status_finish (res, 1), 0);
  assert_sig (&res->sigs[0], STATUS_SIG_BAD, "");
  assert_string_equal (res->sigs[0].keyid, "09037A2EDFD86C9F");
  status_release (res);
}

static void
test_overlong_line_is_cut_but_negative_fact_kept (void **state)
{
  status_result_t res;
  char *line;
  size_t len = STATUS_LINE_MAX * 2;

  (void)state;
  line = malloc (len);
  assert_non_null (line);
  memset (line, 'A', len);
  memcpy (line, "BADSIG 09037A2EDFD86C9F ", 24);
  line[len - 1] = '\n';
  assert_int_equal (status_new (&res), 0);
  assert_int_equal (status_push (res, line, len), 0);
  assert_int_equal (status_push (res, "DECRYPTION_OKAY\n", 16), 0);
  assert_int_equal (status_finish (res, 0), 0);
  assert_int_equal (res->lines, 2);
  assert_int_equal (res->malformed, 1);
  assert_int_equal (res->nsigs, 1);
  assert_sig (&res->sigs[0], STATUS_SIG_BAD, "");
  assert_int_equal (strlen (res->sigs[0].uid), STATUS_LINE_MAX - 24);
  assert_true (res->decryption_okay);
  assert_err (status_error (res), GPG_ERR_INV_RESPONSE);
  status_release (res);
  free (line);
}

struct hook_state
{
  int lines;
  int get_hidden;
};

static gpg_error_t
hook (void *opaque, const char *line, size_t len)
{
  struct hook_state *hs = opaque;

  hs->lines++;
  if (len >= 10 && !memcmp (line, "GET_HIDDEN", 10))
    hs->get_hidden++;
  if (len >= 8 && !memcmp (line, "GET_BOOL", 8))
    return gpg_error (GPG_ERR_UNEXPECTED);
  return 0;
}

static void
test_line_hook_sees_lines_and_can_abort (void **state)
{
  static const char data[] =
    "[GNUPG:] NEED_PASSPHRASE 474167794C894B1B 2975619AFF1CDD85 1 0\n"
    "[GNUPG:] GET_HIDDEN passphrase.enter\n"
    "[GNUPG:] GET_BOOL openfile.overwrite.okay\n";
  status_result_t res;
  struct hook_state hs = { 0, 0 };

  (void)state;
  assert_int_equal (status_new (&res), 0);
  status_set_line_hook (res, hook, &hs);
  assert_err (status_push (res, data, sizeof data - 1), GPG_ERR_UNEXPECTED);
  assert_int_equal (hs.lines, 3);
  assert_int_equal (hs.get_hidden, 1);
  status_release (res);
}

static void
test_random_lines_stay_in_bounds (void **state)
{
  static const char *kws[] = {
    "NEWSIG", "GOODSIG", "BADSIG", "ERRSIG", "VALIDSIG", "EXPKEYSIG",
    "REVKEYSIG", "EXPSIG", "NO_PUBKEY", "TRUST_FULLY", "KEYEXPIRED",
    "ENC_TO", "NO_SECKEY", "DECRYPTION_INFO", "PLAINTEXT",
    "PLAINTEXT_LENGTH", "SESSION_KEY", "FAILURE", "ERROR", "INV_RECP",
    "INV_SGNR", "SIG_CREATED", "BEGIN_ENCRYPTION", "DECRYPTION_KEY",
    "NODATA", "DECRYPTION_COMPLIANCE_MODE", "NEED_PASSPHRASE", "X"
  };
  static const char *toks[] = {
    ALICE, "09037A2EDFD86C9F", "0", "9", "22", "00", "1795707786",
    "99999999999999999999999", "-1", "%", "%4", "%41", "%00", "",
    "20261126T120000", "2026-11-26", "zz", "S", "D",
    "9:00", "4294967295", "11_BAD_PASSPHRASE", "0123456789ABCDEF0123"
  };
  status_result_t res;
  char line[1024];
  unsigned int i;

  (void)state;
  srand (99);
  assert_int_equal (status_new (&res), 0);
  for (i = 0; i < 20000; i++)
    {
      size_t n = 0;
      int k, ntok = rand () % 12;

      n += snprintf (line, sizeof line, "%s",
                     kws[rand () % (sizeof kws / sizeof *kws)]);
      for (k = 0; k < ntok; k++)
        n += snprintf (line + n, sizeof line - n, " %s",
                       toks[rand () % (sizeof toks / sizeof *toks)]);
      assert_int_equal (status_feed (res, line, n), 0);
    }
  assert_int_equal (status_finish (res, 0), 0);
  assert_true (res->nsigs <= STATUS_MAX_RECORDS);
  assert_true (res->malformed > 0);
  /* Whatever got through, malformed lines rule success out.  */
  assert_false (status_decrypt_ok (res));
  assert_true (status_error (res) != 0);
  status_release (res);
}

static void
test_algorithm_names (void **state)
{
  static const struct { int id; const char *name; } ciphers[] = {
    { 2, "3DES" }, { 3, "CAST5" }, { 4, "BLOWFISH" }, { 7, "AES128" },
    { 8, "AES192" }, { 9, "AES256" }, { 10, "TWOFISH" },
    { 11, "CAMELLIA128" }, { 12, "CAMELLIA192" }, { 13, "CAMELLIA256" }
  }, digests[] = {
    { 1, "MD5" }, { 2, "SHA1" }, { 3, "RIPEMD160" }, { 8, "SHA256" },
    { 9, "SHA384" }, { 10, "SHA512" }, { 11, "SHA224" }
  };
  unsigned int i;

  (void)state;
  for (i = 0; i < sizeof ciphers / sizeof *ciphers; i++)
    assert_string_equal (status_cipher_name (ciphers[i].id), ciphers[i].name);
  for (i = 0; i < sizeof digests / sizeof *digests; i++)
    assert_string_equal (status_digest_name (digests[i].id), digests[i].name);
  assert_null (status_cipher_name (0));
  assert_null (status_cipher_name (99));
  assert_null (status_digest_name (-1));
  assert_null (status_aead_name (0));
  assert_string_equal (status_sigstat_name (STATUS_SIG_UNKNOWN_KEY),
                       "unknown-key");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_good_decryption_is_ok_with_typed_details),
    cmocka_unit_test (test_positive_lines_without_exit_zero_are_not_success),
    cmocka_unit_test (test_bad_mdc_is_an_integrity_failure),
    cmocka_unit_test (test_tampered_compressed_body_is_bad_data),
    cmocka_unit_test (test_truncated_message_is_bad_data),
    cmocka_unit_test (test_legacy_encryption_without_mdc_is_refused),
    cmocka_unit_test (test_no_secret_key_for_every_recipient),
    cmocka_unit_test (test_no_secret_key_for_one_of_two_recipients_is_fine),
    cmocka_unit_test (test_hidden_recipients),
    cmocka_unit_test (test_wrong_key_passphrase_is_bad_passphrase),
    cmocka_unit_test (test_wrong_passphrase_for_one_of_two_keys_is_harmless),
    cmocka_unit_test (test_missing_passphrase_is_no_passphrase),
    cmocka_unit_test (test_passphrase_given_on_command_fd),
    cmocka_unit_test (test_wrong_password_is_cannot_decrypt),
    cmocka_unit_test (test_password_decryption_is_ok),
    cmocka_unit_test (test_not_openpgp_is_no_data),
    cmocka_unit_test (test_signed_and_encrypted_gives_decryption_and_signature),
    cmocka_unit_test (test_sequoia_message_has_subkey_and_primary_fingerprints),
    cmocka_unit_test (test_good_signatures_are_valid),
    cmocka_unit_test (test_signature_details_come_from_validsig),
    cmocka_unit_test (test_modified_data_gives_bad_signature),
    cmocka_unit_test (test_expired_key_signature_is_not_valid_despite_exit_zero),
    cmocka_unit_test (test_revoked_key_signature_is_revoked_key),
    cmocka_unit_test (test_expired_signature_is_expired_sig),
    cmocka_unit_test (test_unknown_key_signature),
    cmocka_unit_test (test_good_and_bad_signatures_are_separate_records),
    cmocka_unit_test (test_result_lines_without_newsig_open_new_blocks),
    cmocka_unit_test (test_goodsig_alone_is_not_valid),
    cmocka_unit_test (test_errsig_other_than_missing_key_is_error),
    cmocka_unit_test (test_encryption_is_ok),
    cmocka_unit_test (test_unusable_recipient_is_unusable_pubkey),
    cmocka_unit_test (test_signing_reports_created_signatures),
    cmocka_unit_test (test_unusable_signer_is_unusable_seckey),
    cmocka_unit_test (test_keywords_match_at_line_start_only),
    cmocka_unit_test (test_prefix_and_line_end_are_optional),
    cmocka_unit_test (test_text_in_fields_does_not_set_facts),
    cmocka_unit_test (test_literal_name_is_unescaped_data),
    cmocka_unit_test (test_more_than_one_literal_is_not_ok),
    cmocka_unit_test (test_aead_counts_as_integrity_protection),
    cmocka_unit_test (test_failure_codes_are_parsed_fail_closed),
    cmocka_unit_test (test_session_key_is_kept),
    cmocka_unit_test (test_too_many_signatures_overflow),
    cmocka_unit_test (test_pushing_bytes_in_any_chunks_equals_feeding_lines),
    cmocka_unit_test (test_unterminated_last_line_is_fed_at_finish),
    cmocka_unit_test (test_overlong_line_is_cut_but_negative_fact_kept),
    cmocka_unit_test (test_line_hook_sees_lines_and_can_abort),
    cmocka_unit_test (test_random_lines_stay_in_bounds),
    cmocka_unit_test (test_algorithm_names),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
