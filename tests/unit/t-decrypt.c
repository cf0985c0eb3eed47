/* t-decrypt.c - the decrypt step through the fake host, with real gpg.
 *
 * Every case asserts the outcome (plaintext and headers, or error code
 * and text) and, for failures, that nothing reached the sink.  The
 * messages are the shared vectors (tests/data/gpg/messages) plus
 * tests/data/decrypt (OCB by rnp, an unprotected copy of bob's key);
 * a few are made here with gpg.  Throwaway homes live under /tmp and
 * their agents are stopped at the end.
 */
#include <config.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fakehost.h"
#include "gpghome.h"

#define ALICE "015ABD50EB712E873C6BB2B009037A2EDFD86C9F"
#define BOB   "37213D1976A23E2625719E022975619AFF1CDD85"
#define CAROL "2CD7BF5B19080ACFDAD9A97A0EA17B0BD56D690F"
#define ALICE_ENC_KEYID "CE550E566E04080B"
#define ALICE_ENC_FPR "5AF38D1DCAD46BBE1E88677CCE550E566E04080B"

#define MSG(name) TEST_DATA_DIR "/gpg/messages/" name
#define DEC(name) TEST_DATA_DIR "/decrypt/" name
#define HOME_TEMPLATE "/tmp/t-dec.XXXXXX"
#define KEY(name) TEST_DATA_DIR "/gpg/keys/" name

/* Homes: alice + bob (unprotected) + carol's certificate; alice
 * only; bob only; carol + bob's certificate.  */
static char home_all[64], home_alice[64], home_bob[64], home_carol[64];
/* The host's empty runtime home for steps without keyring.  */
static char home_empty[64];
static char workdir[64];
static char *invoice;
static size_t invoice_len;

static const struct pgpstep_step *step;

gpg_error_t pgpstep_module_init (const struct pgpstep_host *host,
                                 const struct pgpstep_module **r_module);


/* Helpers.  */

static int
setup (void **state)
{
  const struct pgpstep_module *module;

  (void) state;
  signal (SIGPIPE, SIG_IGN);
  setenv ("LC_ALL", "C", 1);
  invoice = must_read (MSG ("invoice.xml"), &invoice_len);
  make_home (home_all, HOME_TEMPLATE, KEY ("alice.sec.asc") " "
             DEC ("bob-unprotected.sec.asc") " " KEY ("carol.pub.asc"));
  make_home (home_alice, HOME_TEMPLATE, KEY ("alice.sec.asc"));
  make_home (home_bob, HOME_TEMPLATE, DEC ("bob-unprotected.sec.asc"));
  make_home (home_empty, HOME_TEMPLATE, "");
  make_home (home_carol, HOME_TEMPLATE,
             KEY ("carol.sec.asc") " " KEY ("bob.pub.asc"));
  strcpy (workdir, "/tmp/t-dec-w.XXXXXX");
  if (!mkdtemp (workdir))
    abort ();
  if (pgpstep_module_init (&fakehost_services, &module))
    return -1;
  step = fakehost_find_step (module, "decrypt");
  return step ? 0 : -1;
}

static int
teardown (void **state)
{
  (void) state;
  remove_home (home_all);
  remove_home (home_alice);
  remove_home (home_bob);
  remove_home (home_empty);
  remove_home (home_carol);
  sh ("rm -rf %s", workdir);
  free (invoice);
  return 0;
}

/* Create the step in HOME with PARAMS, decrypt FILE (or BUF), destroy.
 * Create errors are returned as they are.  */
static gpg_error_t
run_mem (struct fakehost *fh, const char *home,
         const struct fakehost_value *params, const char *file,
         const void *buf, size_t len)
{
  gpg_error_t err;
  void *st = NULL;

  fh->homedir = home;
  fh->empty_homedir = home_empty;
  fh->params = params;
  err = fakehost_create (fh, step, &st);
  if (err)
    return err;
  if (file)
    err = fakehost_process_file (fh, step, st, file);
  else
    err = fakehost_process_mem (fh, step, st, buf, len);
  step->destroy (st);
  return err;
}

static gpg_error_t
run (struct fakehost *fh, const char *home,
     const struct fakehost_value *params, const char *file)
{
  return run_mem (fh, home, params, file, NULL, 0);
}

static void
assert_contains (const char *text, const char *part)
{
  if (!text || !strstr (text, part))
    fail_msg ("'%s' not found in '%s'", part, text ? text : "(null)");
}

static void
assert_header (const struct fakehost *fh, const char *name, const char *want)
{
  const char *v = fakehost_header (fh, name);

  if (!v || strcmp (v, want))
    fail_msg ("header %s is '%s', want '%s'", name, v ? v : "(unset)", want);
}

/* Success with the invoice as output.  */
static void
assert_invoice (const struct fakehost *fh, gpg_error_t err)
{
  if (err)
    fail_msg ("failed: %s: %s", gpg_strerror (err),
              fh->err_text ? fh->err_text : "(no detail)");
  assert_int_equal (fh->outlen, invoice_len);
  assert_memory_equal (fh->out, invoice, invoice_len);
}

/* Failure with CODE, a text containing PART, and nothing released.  */
static void
assert_refused (const struct fakehost *fh, gpg_error_t err,
                gpg_err_code_t code, const char *part)
{
  if (gpg_err_code (err) != code)
    fail_msg ("got %s (%d), want %s (%d); detail: %s", gpg_strerror (err),
              gpg_err_code (err), gpg_strerror (gpg_error (code)), code,
              fh->err_text ? fh->err_text : "(none)");
  if (part)
    assert_contains (fh->err_text, part);
  assert_int_equal (fh->outlen, 0);
}

static const struct fakehost_value no_params[] = { { NULL, NULL } };
static const struct fakehost_value keyring[] = {
  { "keyring", "ours" }, { NULL, NULL } };


/* Messages that decrypt.  */

static void
test_binary_to_alice_from_file_and_pipe (void **state)
{
  struct fakehost fh = { 0 };
  int pipe;

  (void) state;
  for (pipe = 0; pipe < 2; pipe++)
    {
      fh.source_pipe = pipe;
      assert_invoice (&fh, run (&fh, home_alice, keyring,
                                MSG ("gpg-enc-to-alice.gpg")));
      assert_header (&fh, "pgp.literal.filename", "invoice.xml");
      assert_header (&fh, "pgp.literal.modified", "2026-11-26T15:43:06Z");
      assert_header (&fh, "pgp.cipher", "AES256");
      assert_header (&fh, "pgp.integrity", "mdc");
      assert_header (&fh, "pgp.decryption.key", ALICE_ENC_FPR);
      assert_header (&fh, "pgp.recipients", ALICE_ENC_KEYID);
      assert_header (&fh, "pgp.signature.status", "none");
      assert_header (&fh, "pgp.signatures", "[]");
      assert_int_equal (fh.spool_opened, 1);
    }
  fakehost_release (&fh);
}

static void
test_armored_lf_and_crlf (void **state)
{
  struct fakehost fh = { 0 };
  char *asc, *crlf;
  size_t len, i, n = 0;

  (void) state;
  assert_invoice (&fh, run (&fh, home_alice, keyring,
                            MSG ("gpg-enc-to-alice.asc")));
  fh.source_pipe = 1;
  assert_invoice (&fh, run (&fh, home_alice, keyring,
                            MSG ("gpg-enc-to-alice.asc")));
  asc = must_read (MSG ("gpg-enc-to-alice.asc"), &len);
  crlf = malloc (2 * len);
  assert_non_null (crlf);
  for (i = 0; i < len; i++)
    {
      if (asc[i] == '\n')
        crlf[n++] = '\r';
      crlf[n++] = asc[i];
    }
  assert_invoice (&fh, run_mem (&fh, home_alice, keyring, NULL, crlf, n));
  free (crlf);
  free (asc);
  fakehost_release (&fh);
}

static void
test_bob_two_recipients_and_sequoia (void **state)
{
  struct fakehost fh = { 0 };

  (void) state;
  assert_invoice (&fh, run (&fh, home_bob, keyring,
                            MSG ("gpg-enc-to-bob.gpg")));
  /* Either recipient decrypts.  */
  assert_invoice (&fh, run (&fh, home_alice, keyring,
                            MSG ("gpg-enc-to-bob-and-alice.gpg")));
  assert_header (&fh, "pgp.decryption.key", ALICE_ENC_FPR);
  assert_int_equal (strlen (fakehost_header (&fh, "pgp.recipients")), 33);
  assert_invoice (&fh, run (&fh, home_bob, keyring,
                            MSG ("gpg-enc-to-bob-and-alice.gpg")));
  assert_invoice (&fh, run (&fh, home_alice, keyring,
                            MSG ("sqop-enc-to-alice.asc")));
  fakehost_release (&fh);
}

static void
test_signed_by_bob (void **state)
{
  static const struct fakehost_value ignore[] = {
    { "keyring", "ours" }, { "signatures", "ignore" }, { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  assert_invoice (&fh, run (&fh, home_all, keyring,
                            MSG ("gpg-bob-signed-enc-to-alice.gpg")));
  assert_header (&fh, "pgp.signature.status", "valid");
  assert_header (&fh, "pgp.signature.fingerprint", BOB);
  assert_header (&fh, "pgp.signature.digest", "SHA512");
  assert_contains (fakehost_header (&fh, "pgp.signatures"),
                   "\"status\":\"valid\",\"fingerprint\":\"" BOB);
  /* Without bob's certificate the signature cannot be checked: a
   * signed message must verify even under "optional".  */
  assert_refused (&fh, run (&fh, home_alice, keyring,
                            MSG ("gpg-bob-signed-enc-to-alice.gpg")),
                  GPG_ERR_BAD_SIGNATURE, "signature 1 by 0x" BOB
                  ": unknown-key");
  assert_header (&fh, "pgp.signature.status", "unknown-key");
  assert_string_equal (fh.err_key, "signatures");
  assert_invoice (&fh, run (&fh, home_alice, ignore,
                            MSG ("gpg-bob-signed-enc-to-alice.gpg")));
  assert_header (&fh, "pgp.signature.status", "ignored");
  fakehost_release (&fh);
}

static void
test_signed_by_carol_with_sequoia (void **state)
{
  static const struct fakehost_value carol[] = {
    { "keyring", "ours" }, { "allowed-signer", CAROL }, { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  assert_invoice (&fh, run (&fh, home_all, carol,
                            MSG ("sqop-carol-signed-enc-to-alice.asc")));
  assert_header (&fh, "pgp.signature.fingerprint", CAROL);
  assert_header (&fh, "pgp.signature.status", "valid");
  fakehost_release (&fh);
}

static void
test_password (void **state)
{
  static const struct fakehost_value password[] = {
    { "password", "secret:pw" }, { NULL, NULL } };
  static const struct fakehost_value secrets[] = {
    { "secret:pw", "correct horse" }, { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  /* No keyring: the host's empty home.  */
  fh.secrets = secrets;
  assert_invoice (&fh, run (&fh, NULL, password,
                            MSG ("gpg-symmetric-correct-horse.gpg")));
  assert_null (fakehost_header (&fh, "pgp.decryption.key"));
  assert_null (fakehost_header (&fh, "pgp.recipients"));
  assert_invoice (&fh, run (&fh, NULL, password,
                            DEC ("ocb-symmetric.gpg")));
  assert_header (&fh, "pgp.integrity", "ocb");
  fakehost_release (&fh);
}

static void
test_ocb (void **state)
{
  struct fakehost fh = { 0 };

  (void) state;
  assert_invoice (&fh, run (&fh, home_alice, keyring,
                            DEC ("ocb-enc-to-alice.gpg")));
  assert_header (&fh, "pgp.integrity", "ocb");
  assert_header (&fh, "pgp.cipher", "AES256");
  fakehost_release (&fh);
}

static void
test_legacy_sed_when_allowed (void **state)
{
  static const struct fakehost_value allow[] = {
    { "password", "secret:x" }, { "allow-legacy-no-mdc", "true" },
    { NULL, NULL } };
  static const struct fakehost_value secrets[] = {
    { "secret:x", "x" }, { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  fh.secrets = secrets;
  assert_invoice (&fh, run (&fh, NULL, allow,
                            MSG ("gen-legacy-sed-cast5.gpg")));
  assert_header (&fh, "pgp.integrity", "none");
  assert_header (&fh, "pgp.cipher", "CAST5");
  fakehost_release (&fh);
}

static void
test_unwrapped_then_verify (void **state)
{
  static const struct fakehost_value unwrap[] = {
    { "keyring", "ours" }, { "output", "unwrapped" }, { NULL, NULL } };
  struct fakehost fh = { 0 };
  char path[128];

  (void) state;
  assert_int_equal (run (&fh, home_alice, unwrap,
                         MSG ("gpg-bob-signed-enc-to-alice.gpg")), 0);
  assert_true (fh.outlen > 0);
  assert_header (&fh, "pgp.signature.status", "ignored");
  snprintf (path, sizeof path, "%s/unwrapped.gpg", workdir);
  write_file (path, fh.out, fh.outlen);
  assert_int_equal (sh ("gpg --homedir %s --batch --no-options --quiet"
                        " --verify %s 2>/dev/null", home_all, path), 0);
  fakehost_release (&fh);
}

static void
test_last_step_writes_the_sink_itself (void **state)
{
  struct fakehost fh = { 0 };

  (void) state;
  fh.is_last = 1;
  assert_invoice (&fh, run (&fh, home_alice, keyring,
                            MSG ("gpg-enc-to-alice.gpg")));
  assert_int_equal (fh.spooled, 0);
  fakehost_release (&fh);
}

/* Hidden recipients (--throw-keyids): gpg 2.2.40 exits 2 after a good
 * decryption when one of our ECDH keys failed on an earlier anonymous
 * PKESK (alice+carol for carol).  */
static void
test_hidden_recipients (void **state)
{
  static const struct fakehost_value bob_signed[] = {
    { "keyring", "ours" }, { "allowed-signer", BOB }, { NULL, NULL } };
  static const struct {
    const char *file;
    char *home;
  } cases[] = {
    { DEC ("hidden-alice-bob.gpg"), home_alice },
    { DEC ("hidden-alice-bob.gpg"), home_bob },
    { DEC ("hidden-alice-carol.gpg"), home_alice },
    { DEC ("hidden-alice-carol.gpg"), home_carol },
    { DEC ("hidden-alice-bob-carol.gpg"), home_alice },
    { DEC ("hidden-alice-bob-carol.gpg"), home_bob },
    { DEC ("hidden-alice-bob-carol.gpg"), home_carol },
    { DEC ("hidden-alice-carol.gpg"), home_all }
  };
  struct fakehost fh = { 0 };
  unsigned int i;
  int pipe;

  (void) state;
  for (pipe = 0; pipe < 2; pipe++)
    for (i = 0; i < sizeof cases / sizeof *cases; i++)
      {
        fh.source_pipe = pipe;
        assert_invoice (&fh, run (&fh, cases[i].home, keyring,
                                  cases[i].file));
        assert_header (&fh, "pgp.integrity", "mdc");
      }
  fh.source_pipe = 0;
  assert_invoice (&fh, run (&fh, home_carol, bob_signed,
                            DEC ("hidden-alice-carol-signed-bob.gpg")));
  assert_header (&fh, "pgp.signature.status", "valid");
  assert_header (&fh, "pgp.signature.fingerprint", BOB);
  fakehost_release (&fh);
}

/* The exit 2 of hidden recipients explains nothing else.  */
static void
test_hidden_recipients_refused (void **state)
{
  static const struct fakehost_value small[] = {
    { "keyring", "ours" }, { "max-output-bytes", "100" }, { NULL, NULL } };
  static const struct fakehost_value carol_only[] = {
    { "keyring", "ours" }, { "allowed-signer", CAROL }, { NULL, NULL } };
  struct fakehost fh = { 0 };
  char *msg, *bad;
  size_t len;
  gpg_error_t err;

  (void) state;
  /* Our keys are none of them.  */
  assert_refused (&fh, run (&fh, home_bob, keyring,
                            DEC ("hidden-alice-carol.gpg")),
                  GPG_ERR_NO_SECKEY, "encrypted to hidden recipients; none"
                  " of the keyrings' keys decrypts it (keyring ours holds"
                  " 0x");
  assert_string_equal (fh.err_key, "keyring");
  assert_refused (&fh, run (&fh, home_carol, small,
                            DEC ("hidden-alice-carol.gpg")),
                  GPG_ERR_TOO_LARGE, "larger than max-output-bytes");
  assert_refused (&fh, run (&fh, home_carol, carol_only,
                            DEC ("hidden-alice-carol-signed-bob.gpg")),
                  GPG_ERR_BAD_SIGNATURE, "not-allowed");

  msg = must_read (DEC ("hidden-alice-carol.gpg"), &len);
  bad = malloc (len + 8);
  assert_non_null (bad);
  /* The last byte is in the encrypted MDC.  */
  memcpy (bad, msg, len);
  bad[len - 1] ^= 0x01;
  assert_refused (&fh, run_mem (&fh, home_carol, keyring, NULL, bad, len),
                  GPG_ERR_CHECKSUM, "integrity check failed");
  /* A byte of the compressed body.  */
  memcpy (bad, msg, len);
  bad[len - 60] ^= 0x40;
  err = run_mem (&fh, home_carol, keyring, NULL, bad, len);
  assert_true (gpg_err_code (err) == GPG_ERR_CHECKSUM
               || gpg_err_code (err) == GPG_ERR_BAD_DATA);
  assert_int_equal (fh.outlen, 0);
  /* Truncated, and with garbage after the message.  */
  err = run_mem (&fh, home_carol, keyring, NULL, msg, len - 30);
  assert_true (gpg_err_code (err) == GPG_ERR_TRUNCATED
               || gpg_err_code (err) == GPG_ERR_BAD_DATA);
  assert_int_equal (fh.outlen, 0);
  memcpy (bad, msg, len);
  memcpy (bad + len, "junkjunk", 8);
  err = run_mem (&fh, home_carol, keyring, NULL, bad, len + 8);
  assert_true (err != 0);
  assert_int_equal (fh.outlen, 0);
  free (bad);
  free (msg);
  fakehost_release (&fh);
}


/* Messages refused: nothing is released.  */

static void
test_integrity_failures (void **state)
{
  struct fakehost fh = { 0 };

  (void) state;
  /* gpg writes the whole plaintext before it finds the bad MDC.  */
  assert_refused (&fh, run (&fh, home_alice, keyring,
                            MSG ("tampered-enc-to-alice.gpg")),
                  GPG_ERR_CHECKSUM, "integrity check failed");
  assert_true (fh.spooled > 0);
  assert_refused (&fh, run (&fh, home_alice, keyring,
                            MSG ("tampered-body-enc-to-alice.gpg")),
                  GPG_ERR_BAD_DATA, "corrupt, truncated or was altered");
  assert_refused (&fh, run (&fh, home_alice, keyring,
                            MSG ("truncated-enc-to-alice.gpg")),
                  GPG_ERR_TRUNCATED, "truncated");
  /* An OCB chunk with a bad tag: gpg has written ~288 KiB.  */
  fh.source_pipe = 1;
  assert_refused (&fh, run (&fh, home_alice, keyring,
                            DEC ("ocb-big-tampered.gpg")),
                  GPG_ERR_BAD_DATA, NULL);
  assert_true (fh.spooled > 200000);
  fakehost_release (&fh);
}

static void
test_not_a_message (void **state)
{
  static const char v6[] = "\xd2\x24\x02\x09\x02\x06"
    "\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11"
    "\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11\x11";
  struct fakehost fh = { 0 };

  (void) state;
  assert_refused (&fh, run (&fh, home_alice, keyring, MSG ("invoice.xml")),
                  GPG_ERR_NO_DATA, "not OpenPGP data");
  assert_refused (&fh, run (&fh, home_alice, keyring, NULL),
                  GPG_ERR_NO_DATA, "the input is empty");
  fh.source_pipe = 1;
  assert_refused (&fh, run (&fh, home_alice, keyring, NULL),
                  GPG_ERR_NO_DATA, "the input is empty");
  assert_refused (&fh, run (&fh, home_alice, keyring,
                            MSG ("gpg-alice-signed.gpg")),
                  GPG_ERR_BAD_DATA, "OpenPGP message that is not encrypted");
  assert_refused (&fh, run (&fh, home_alice, keyring,
                            MSG ("gpg-alice-clearsigned.asc")),
                  GPG_ERR_BAD_DATA, "cleartext-signed");
  assert_refused (&fh, run (&fh, home_alice, keyring, KEY ("bob.pub.asc")),
                  GPG_ERR_BAD_DATA, "PGP PUBLIC KEY BLOCK, not a PGP MESSAGE");
  assert_refused (&fh, run_mem (&fh, home_alice, keyring, NULL, v6,
                                sizeof v6 - 1),
                  GPG_ERR_INV_PACKET, "v6 packets or SEIPDv2");
  fakehost_release (&fh);
}

static void
test_damaged_armor (void **state)
{
  struct fakehost fh = { 0 };
  char *asc, *p;
  size_t len;

  (void) state;
  /* Only the checksum line changed: gpg decrypts the intact binary
   * and succeeds, the armor decoder finds the mismatch.  */
  asc = must_read (MSG ("gpg-enc-to-alice.asc"), &len);
  p = strstr (asc, "\n=");
  assert_non_null (p);
  p[2] = p[2] == 'A' ? 'B' : 'A';
  fh.source_pipe = 1;
  assert_refused (&fh, run_mem (&fh, home_alice, keyring, NULL, asc, len),
                  GPG_ERR_CHECKSUM, "armored input is damaged");
  /* Cut before the END line.  */
  p = strstr (asc, "-----END");
  assert_refused (&fh, run_mem (&fh, home_alice, keyring, NULL, asc,
                                p - asc),
                  GPG_ERR_TRUNCATED, NULL);
  free (asc);
  fakehost_release (&fh);
}

static void
test_keys_and_passwords (void **state)
{
  static const struct fakehost_value password[] = {
    { "password", "secret:pw" }, { NULL, NULL } };
  static const struct fakehost_value secrets[] = {
    { "secret:pw", "wrong horse" }, { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  assert_refused (&fh, run (&fh, home_bob, keyring,
                            MSG ("gpg-enc-to-alice.gpg")),
                  GPG_ERR_NO_SECKEY, "no secret key for this message"
                  " (encrypted to 0x" ALICE_ENC_KEYID "; keyring ours holds"
                  " 0x");
  assert_contains (fh.err_text, "(Bob Example <bob@example.org>)");
  assert_string_equal (fh.err_key, "keyring");
  fh.secrets = secrets;
  assert_refused (&fh, run (&fh, NULL, password,
                            MSG ("gpg-symmetric-correct-horse.gpg")),
                  GPG_ERR_DECRYPT_FAILED, "wrong password");
  assert_string_equal (fh.err_key, "password");
  assert_refused (&fh, run (&fh, home_alice, keyring,
                            MSG ("gpg-symmetric-correct-horse.gpg")),
                  GPG_ERR_NO_PASSPHRASE, "password-encrypted and the step"
                  " has no password");
  fakehost_release (&fh);
}

static void
test_signature_policy (void **state)
{
  static const struct fakehost_value required[] = {
    { "keyring", "ours" }, { "signatures", "required" }, { NULL, NULL } };
  static const struct fakehost_value none[] = {
    { "keyring", "ours" }, { "signatures", "none" }, { NULL, NULL } };
  static const struct fakehost_value alice_only[] = {
    { "keyring", "ours" }, { "allowed-signer", ALICE }, { NULL, NULL } };
  static const struct fakehost_value dynamic[] = {
    { "keyring", "ours" }, { "allowed-signer", "${header.partner}" },
    { NULL, NULL } };
  static const struct fakehost_value bob[] = {
    { "partner", BOB }, { NULL, NULL } };
  static const struct fakehost_value carol[] = {
    { "partner", CAROL }, { NULL, NULL } };
  static const struct fakehost_value stranger[] = {
    { "partner", "F241EF2770F4467D1CCFCB34757CB89B53BE88F2" },
    { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  assert_refused (&fh, run (&fh, home_alice, required,
                            MSG ("gpg-enc-to-alice.gpg")),
                  GPG_ERR_BAD_SIGNATURE, "not signed");
  assert_refused (&fh, run (&fh, home_all, none,
                            MSG ("gpg-bob-signed-enc-to-alice.gpg")),
                  GPG_ERR_BAD_SIGNATURE, "signed (1 signature) but"
                  " signatures=none");
  assert_refused (&fh, run (&fh, home_all, alice_only,
                            MSG ("gpg-bob-signed-enc-to-alice.gpg")),
                  GPG_ERR_BAD_SIGNATURE, "0x" BOB " (Bob Example"
                  " <bob@example.org>): not-allowed");
  /* allowed-signer alone makes signatures required.  */
  assert_refused (&fh, run (&fh, home_all, alice_only,
                            MSG ("gpg-enc-to-alice.gpg")),
                  GPG_ERR_BAD_SIGNATURE, "not signed");
  fh.headers = bob;
  assert_invoice (&fh, run (&fh, home_all, dynamic,
                            MSG ("gpg-bob-signed-enc-to-alice.gpg")));
  fh.headers = carol;
  assert_refused (&fh, run (&fh, home_all, dynamic,
                            MSG ("gpg-bob-signed-enc-to-alice.gpg")),
                  GPG_ERR_BAD_SIGNATURE, "not-allowed");
  fh.headers = stranger;
  assert_refused (&fh, run (&fh, home_all, dynamic,
                            MSG ("gpg-bob-signed-enc-to-alice.gpg")),
                  GPG_ERR_NO_PUBKEY, "is not a primary key in keyring ours");
  fakehost_release (&fh);
}

static void
test_signers_by_user_id (void **state)
{
  static const struct fakehost_value email[] = {
    { "keyring", "ours" }, { "allowed-signer", "<BOB@example.org>" },
    { NULL, NULL } };
  static const struct fakehost_value uid[] = {
    { "keyring", "ours" },
    { "allowed-signer", "Bob Example <bob@example.org>" }, { NULL, NULL } };
  static const struct fakehost_value nobody[] = {
    { "keyring", "ours" }, { "allowed-signer", "<nobody@example.org>" },
    { NULL, NULL } };
  static const struct fakehost_value dynamic[] = {
    { "keyring", "ours" }, { "allowed-signer", "${header.partner}" },
    { NULL, NULL } };
  static const struct fakehost_value bob[] = {
    { "partner", "<bob@example.org>" }, { NULL, NULL } };
  static const struct fakehost_value carol[] = {
    { "partner", "<carol@example.org>" }, { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  assert_invoice (&fh, run (&fh, home_all, email,
                            MSG ("gpg-bob-signed-enc-to-alice.gpg")));
  assert_header (&fh, "pgp.signature.fingerprint", BOB);
  assert_invoice (&fh, run (&fh, home_all, uid,
                            MSG ("gpg-bob-signed-enc-to-alice.gpg")));
  assert_int_equal (gpg_err_code (run (&fh, home_all, nobody,
                                       MSG ("gpg-enc-to-alice.gpg"))),
                    GPG_ERR_INV_VALUE);
  assert_contains (fh.config_err_text, "'<nobody@example.org>': no key with"
                   " this user ID in keyring ours");
  fh.headers = bob;
  assert_invoice (&fh, run (&fh, home_all, dynamic,
                            MSG ("gpg-bob-signed-enc-to-alice.gpg")));
  fh.headers = carol;
  assert_refused (&fh, run (&fh, home_all, dynamic,
                            MSG ("gpg-bob-signed-enc-to-alice.gpg")),
                  GPG_ERR_BAD_SIGNATURE, "not-allowed");
  fakehost_release (&fh);
}

static void
test_weak_digest (void **state)
{
  static const struct fakehost_value legacy[] = {
    { "keyring", "ours" }, { "allow-legacy", "true" }, { NULL, NULL } };
  struct fakehost fh = { 0 };
  char path[128];

  (void) state;
  snprintf (path, sizeof path, "%s/sha1.gpg", workdir);
  if (sh ("gpg --homedir %s --batch --no-options --quiet --trust-model"
          " always -u " BOB " --digest-algo SHA1 -r " ALICE " -se -o %s %s"
          " 2>/dev/null", home_all, path, MSG ("invoice.xml")))
    fail_msg ("cannot make a SHA1 signature");
  assert_refused (&fh, run (&fh, home_all, keyring, path),
                  GPG_ERR_BAD_SIGNATURE, "weak-digest (SHA1; set"
                  " allow-legacy");
  assert_invoice (&fh, run (&fh, home_all, legacy, path));
  assert_header (&fh, "pgp.signature.digest", "SHA1");
  fakehost_release (&fh);
}

static void
test_legacy_sed_refused (void **state)
{
  static const struct fakehost_value password[] = {
    { "password", "secret:x" }, { NULL, NULL } };
  static const struct fakehost_value secrets[] = {
    { "secret:x", "x" }, { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  fh.secrets = secrets;
  assert_refused (&fh, run (&fh, NULL, password,
                            MSG ("gen-legacy-sed-cast5.gpg")),
                  GPG_ERR_BAD_DATA, "set allow-legacy-no-mdc=true");
  assert_string_equal (fh.err_key, "allow-legacy-no-mdc");
  fakehost_release (&fh);
}

static void
test_max_output (void **state)
{
  static const struct fakehost_value small[] = {
    { "keyring", "ours" }, { "max-output-bytes", "100" }, { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  assert_refused (&fh, run (&fh, home_alice, small,
                            MSG ("gpg-enc-to-alice.gpg")),
                  GPG_ERR_TOO_LARGE, "larger than max-output-bytes (100"
                  " bytes)");
  assert_string_equal (fh.err_key, "max-output-bytes");
  fakehost_release (&fh);
}

static void
test_cancel (void **state)
{
  struct fakehost fh = { 0 };
  struct timespec t0, t1;

  (void) state;
  /* The message never ends: only cancellation stops the step.  */
  fh.source_pipe = 1;
  fh.stall_source = 1;
  fh.cancel_after_ms = 200;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  assert_refused (&fh, run (&fh, home_alice, keyring,
                            DEC ("ocb-big-tampered.gpg")),
                  GPG_ERR_CANCELED, NULL);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  assert_true (t1.tv_sec - t0.tv_sec < 10);
  fakehost_release (&fh);
}

/* One thread of test_concurrent_messages: its own fake host (message),
 * the shared step state.  */
struct worker
{
  struct fakehost fh;
  void *state;
  const char *file;
  int failures;
};

static void *
worker_thread (void *arg)
{
  struct worker *w = arg;
  int i;

  for (i = 0; i < 4; i++)
    if (fakehost_process_file (&w->fh, step, w->state, w->file)
        || w->fh.outlen != invoice_len
        || memcmp (w->fh.out, invoice, invoice_len))
      w->failures++;
  return NULL;
}

static void
test_concurrent_messages (void **state)
{
  struct worker w[3];
  pthread_t tid[3];
  void *shared = NULL, *other;
  int i;

  (void) state;
  memset (w, 0, sizeof w);
  for (i = 0; i < 3; i++)
    {
      w[i].fh.homedir = home_all;
      w[i].fh.params = keyring;
      w[i].fh.source_pipe = i == 1;
      /* Each fake host needs a configuration of its own; the state
       * used is the first one.  */
      assert_int_equal (fakehost_create (&w[i].fh, step, &other), 0);
      if (!shared)
        shared = other;
      else
        step->destroy (other);
    }
  w[0].file = MSG ("gpg-enc-to-alice.gpg");
  w[1].file = MSG ("gpg-enc-to-alice.asc");
  w[2].file = MSG ("gpg-bob-signed-enc-to-alice.gpg");
  for (i = 0; i < 3; i++)
    {
      w[i].state = shared;
      assert_int_equal (pthread_create (tid + i, NULL, worker_thread, w + i),
                        0);
    }
  for (i = 0; i < 3; i++)
    {
      pthread_join (tid[i], NULL);
      assert_int_equal (w[i].failures, 0);
      fakehost_release (&w[i].fh);
    }
  step->destroy (shared);
}

static void
test_configuration_errors (void **state)
{
  static const struct fakehost_value unwrap_required[] = {
    { "keyring", "ours" }, { "output", "unwrapped" },
    { "signatures", "required" }, { NULL, NULL } };
  static const struct fakehost_value stranger[] = {
    { "keyring", "ours" },
    { "allowed-signer", "F241EF2770F4467D1CCFCB34757CB89B53BE88F2" },
    { NULL, NULL } };
  static const struct fakehost_value no_secret[] = {
    { "password", "secret:nope" }, { NULL, NULL } };
  struct fakehost fh = { 0 };
  void *st = NULL;

  (void) state;
  fh.params = no_params;
  assert_int_equal (gpg_err_code (fakehost_create (&fh, step, &st)),
                    GPG_ERR_CONFIGURATION);
  assert_contains (fh.config_err_text, "needs a keyring");
  fh.params = unwrap_required;
  fh.homedir = home_alice;
  assert_int_equal (gpg_err_code (fakehost_create (&fh, step, &st)),
                    GPG_ERR_CONFIGURATION);
  assert_string_equal (fh.config_err_key, "output");
  fh.params = stranger;
  assert_int_equal (gpg_err_code (fakehost_create (&fh, step, &st)),
                    GPG_ERR_CONFIGURATION);
  assert_contains (fh.config_err_text, "allowed-signer 0xF241EF27");
  fh.params = no_secret;
  fh.homedir = NULL;
  assert_int_equal (gpg_err_code (fakehost_create (&fh, step, &st)),
                    GPG_ERR_CONFIGURATION);
  assert_string_equal (fh.config_err_key, "password");
  assert_null (st);
  fakehost_release (&fh);
}


int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_binary_to_alice_from_file_and_pipe),
    cmocka_unit_test (test_armored_lf_and_crlf),
    cmocka_unit_test (test_bob_two_recipients_and_sequoia),
    cmocka_unit_test (test_signed_by_bob),
    cmocka_unit_test (test_signed_by_carol_with_sequoia),
    cmocka_unit_test (test_password),
    cmocka_unit_test (test_ocb),
    cmocka_unit_test (test_legacy_sed_when_allowed),
    cmocka_unit_test (test_unwrapped_then_verify),
    cmocka_unit_test (test_last_step_writes_the_sink_itself),
    cmocka_unit_test (test_hidden_recipients),
    cmocka_unit_test (test_hidden_recipients_refused),
    cmocka_unit_test (test_integrity_failures),
    cmocka_unit_test (test_not_a_message),
    cmocka_unit_test (test_damaged_armor),
    cmocka_unit_test (test_keys_and_passwords),
    cmocka_unit_test (test_signature_policy),
    cmocka_unit_test (test_signers_by_user_id),
    cmocka_unit_test (test_weak_digest),
    cmocka_unit_test (test_legacy_sed_refused),
    cmocka_unit_test (test_max_output),
    cmocka_unit_test (test_cancel),
    cmocka_unit_test (test_concurrent_messages),
    cmocka_unit_test (test_configuration_errors),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
