/* t-verify.c - the verify step through the fake host, with real gpg.
 *
 * Signatures are the shared vectors (tests/data/gpg/messages) plus
 * ones made here by gpg and sqop in throwaway homes under /tmp.  Every
 * case asserts the outcome: the released data and the signature
 * headers, or the error code, each signature's status and that nothing
 * was released.  Agents are stopped at the end.
 */
#include <config.h>
#include <errno.h>
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
#include "gpgop.h"
#include "outcome.h"

#define ALICE "015ABD50EB712E873C6BB2B009037A2EDFD86C9F"
#define BOB   "37213D1976A23E2625719E022975619AFF1CDD85"
#define CAROL "2CD7BF5B19080ACFDAD9A97A0EA17B0BD56D690F"

#define MSG(name) TEST_DATA_DIR "/gpg/messages/" name
#define HOME_TEMPLATE "/tmp/t-ver.XXXXXX"
#define KEY(name) TEST_DATA_DIR "/gpg/keys/" name
#define GOOD_UNKNOWN MSG ("gen-good-unknown-detached.sig")

/* Certificates of alice, bob, carol, expired, revoked; alice only;
 * secret keys for signing; the host's empty home.  */
static char home_all[64], home_alice[64], home_sign[64], home_empty[64];
static char w[64];               /* Made signatures and data.  */
static char *invoice;
static size_t invoice_len;
static const struct pgpstep_step *step;

gpg_error_t pgpstep_module_init (const struct pgpstep_host *host,
                                 const struct pgpstep_module **r_module);


/* Helpers.  */

/* W/NAME (static buffer, one at a time per call site).  */
static const char *
wf (const char *name)
{
  static char buf[4][sizeof w + 128];   /* Room for b64's names.  */
  static int i;

  i = (i + 1) % 4;
  snprintf (buf[i], sizeof buf[i], "%s/%s", w, name);
  return buf[i];
}

/* Make the signatures and data of the tests in W.  */
static int
make_fixtures (void)
{
  return sh ("set -e; cd %s; H=%s; I=%s; K=%s\n"
             "g () { gpg --homedir $H --batch --yes --no-options -q"
             " --pinentry-mode loopback --passphrase 'bob passphrase'"
             " \"$@\"; }\n"
             "printf 'line one  \\r\\nline two\\nthree\\t\\n\\n"
             "no newline ' >text.txt\n"
             "head -c 300000 /dev/urandom >big.bin\n"
             "head -c 65530 /dev/urandom >edge.bin\n"
             "head -c 2000000 /dev/zero >zeros.bin\n"
             "g -u %s -b -o inv.alice.sig $I\n"
             "g -u %s -a -b -o inv.alice.asc $I\n"
             "g -u %s -u %s -b -o inv.two.sig $I\n"
             "g -u %s --digest-algo SHA1 -b -o inv.sha1.sig $I\n"
             "for d in SHA224 SHA256 SHA384 SHA512; do"
             " g -u %s --digest-algo $d -b -o inv.$d.sig $I; done\n"
             "g -u %s --textmode -b -o text.alice.tsig text.txt\n"
             "g -u %s -b -o text.bob.sig text.txt\n"
             "cat text.alice.tsig text.bob.sig >text.mixed.sig\n"
             "g -u %s -u %s --textmode -b -o text.two.sig text.txt\n"
             "g -u %s -b -o big.sig big.bin\n"
             "g -u %s -b -o edge.sig edge.bin\n"
             "g -u %s -s -o inv.signed.gpg $I\n"
             "g -u %s -a -s -o inv.signed.asc $I\n"
             "g -u %s -u %s --textmode -s -o text.signed.gpg text.txt\n"
             "g -d -o text.signed.out text.signed.gpg 2>/dev/null\n"
             "g -u %s --clearsign -o text.clear.asc text.txt\n"
             "g -u %s -s -o zeros.gpg zeros.bin\n"
             "g -u %s -z 0 -s -o big.gpg big.bin\n"
             "sqop sign $K/carol.sec.asc <$I >inv.sqop.asc\n"
             "sqop sign --as=text $K/carol.sec.asc <text.txt >text.sqop.asc\n"
             "sqop inline-sign $K/carol.sec.asc <$I >inv.sqop-inline.asc\n"
             "g --dearmor <inv.sqop.asc >inv.sqop.sig\n"
             "for f in inv.alice inv.two inv.sha1 text.mixed text.two; do"
             " base64 -w0 $f.sig >$f.b64; done\n"
             "sed 's/$/\\r/' inv.alice.asc >inv.alice-crlf.asc\n"
             "cp $I inv.modified; printf x >>inv.modified\n"
             "cp inv.alice.sig inv.badsig.sig; printf '\\001' |"
             " dd of=inv.badsig.sig bs=1 seek=$(($(wc -c <inv.alice.sig)-3))"
             " conv=notrunc 2>/dev/null\n"
             "base64 -w0 inv.badsig.sig >inv.badsig.b64\n"
             "gpg --homedir $H --batch -q --export -a %s >alice.pub.asc\n"
             "printf 'bm90IGEgc2lnbmF0dXJl' >garbage.b64\n"
             "printf 'file:%%s' $I >file.value\n",
             w, home_sign, MSG ("invoice.xml"), TEST_DATA_DIR "/gpg/keys",
             ALICE, ALICE, ALICE, BOB, BOB, BOB, ALICE, BOB, ALICE, BOB, ALICE,
             ALICE,
             ALICE, ALICE, ALICE, BOB, ALICE, ALICE, ALICE, ALICE);
}

static int
setup (void **state)
{
  const struct pgpstep_module *module;

  (void) state;
  signal (SIGPIPE, SIG_IGN);
  setenv ("LC_ALL", "C", 1);
  invoice = must_read (MSG ("invoice.xml"), &invoice_len);
  make_home (home_all, HOME_TEMPLATE,
             KEY ("alice.pub.asc") " " KEY ("bob.pub.asc") " "
             KEY ("carol.pub.asc") " " KEY ("expired.pub.asc") " "
             KEY ("revoked.pub.asc"));
  make_home (home_alice, HOME_TEMPLATE, KEY ("alice.pub.asc"));
  make_home (home_sign, HOME_TEMPLATE,
             KEY ("alice.sec.asc") " " KEY ("bob.sec.asc"));
  make_home (home_empty, HOME_TEMPLATE, "");
  strcpy (w, "/tmp/t-ver-w.XXXXXX");
  if (!mkdtemp (w) || make_fixtures ())
    return -1;
  if (pgpstep_module_init (&fakehost_services, &module))
    return -1;
  step = fakehost_find_step (module, "verify");
  return step ? 0 : -1;
}

static int
teardown (void **state)
{
  (void) state;
  remove_home (home_all);
  remove_home (home_alice);
  remove_home (home_sign);
  remove_home (home_empty);
  sh ("rm -rf %s", w);
  free (invoice);
  return 0;
}

/* Create the step in HOME with PARAMS and HEADERS, verify FILE (or
 * BUF), destroy.  */
static gpg_error_t
run_mem (struct fakehost *fh, const char *home,
         const struct fakehost_value *params,
         const struct fakehost_value *headers, const char *file,
         const void *buf, size_t len)
{
  gpg_error_t err;
  void *st = NULL;

  fh->homedir = home;
  fh->empty_homedir = home_empty;
  fh->params = params;
  fh->headers = headers;
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
  return run_mem (fh, home, params, NULL, file, NULL, 0);
}

/* W/NAME.b64: the base64 of the binary file PATH, as a header carries
 * it.  */
static const char *
b64 (const char *path)
{
  const char *base = strrchr (path, '/') ? strrchr (path, '/') + 1 : path;
  char name[96];
  const char *out;

  snprintf (name, sizeof name, "%s.b64", base);
  out = wf (name);
  if (sh ("base64 -w0 %s >%s", path, out))
    fail_msg ("base64 of %s failed", path);
  return out;
}

/* Verify FILE against the detached signature in the file SIGFILE,
 * given as header "sig".  */
static gpg_error_t
run_detached (struct fakehost *fh, const char *home,
              const struct fakehost_value *params, const char *file,
              const char *sigfile)
{
  struct fakehost_value headers[2] = { { "sig", NULL }, { NULL, NULL } };
  gpg_error_t err;
  size_t len;
  char *sig = must_read (sigfile, &len);

  headers[0].value = sig;
  err = run_mem (fh, home, params, headers, file, NULL, 0);
  free (sig);
  return err;
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

/* pgp.signatures lists the statuses in WANT ("valid,bad") in order.  */
static void
assert_statuses (const struct fakehost *fh, const char *want)
{
  const char *v = fakehost_header (fh, "pgp.signatures"), *p;
  char have[256] = "", *q = have;

  for (p = v; p && (p = strstr (p, "\"status\":\"")); )
    {
      p += 10;
      if (q != have)
        *q++ = ',';
      while (*p && *p != '"' && q < have + sizeof have - 2)
        *q++ = *p++;
      *q = 0;
    }
  if (strcmp (have, want))
    fail_msg ("signature statuses [%s], want [%s] (%s)", have, want,
              v ? v : "no pgp.signatures");
}

/* Success with FILE's content as output.  */
static void
assert_released (const struct fakehost *fh, gpg_error_t err, const char *file)
{
  size_t len;
  char *want;

  if (err)
    fail_msg ("failed: %s: %s", gpg_strerror (err),
              fh->err_text ? fh->err_text : "(no detail)");
  want = must_read (file, &len);
  assert_int_equal (fh->outlen, len);
  assert_memory_equal (fh->out, want, len);
  free (want);
  assert_header (fh, "pgp.signature.status", "valid");
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

static const struct fakehost_value keyring[] = {
  { "keyring", "k" }, { NULL, NULL } };
static const struct fakehost_value detached[] = {
  { "keyring", "k" }, { "mode", "detached" },
  { "signature", "${header.sig}" }, { NULL, NULL } };


/* Inline messages that verify.  */

static void
test_inline_vectors_release_the_signed_data (void **state)
{
  static const char *const files[] = {
    MSG ("gpg-alice-signed.gpg"), MSG ("gpg-alice-clearsigned.asc"),
    MSG ("sqop-carol-clearsigned.asc"), MSG ("sqop-carol-inline-signed.asc"),
    MSG ("gen-alice-signed-z0.gpg"), NULL };
  struct fakehost fh = { 0 };
  int i, pipe;

  (void) state;
  for (i = 0; files[i]; i++)
    for (pipe = 0; pipe < 2; pipe++)
      {
        fh.source_pipe = pipe;
        assert_released (&fh, run (&fh, home_all, keyring, files[i]),
                         MSG ("invoice.xml"));
        assert_int_equal (fh.spool_opened, 1);
      }
  assert_released (&fh, run (&fh, home_all, keyring,
                             MSG ("gpg-alice-signed.gpg")),
                   MSG ("invoice.xml"));
  assert_header (&fh, "pgp.signature.fingerprint", ALICE);
  assert_header (&fh, "pgp.signature.digest", "SHA256");
  assert_header (&fh, "pgp.signature.created", "2026-11-26T15:43:06Z");
  assert_statuses (&fh, "valid");
  fakehost_release (&fh);
}

static void
test_inline_made_now_by_gpg_and_sqop (void **state)
{
  struct fakehost fh = { 0 };

  (void) state;
  assert_released (&fh, run (&fh, home_all, keyring, wf ("inv.signed.gpg")),
                   MSG ("invoice.xml"));
  assert_released (&fh, run (&fh, home_all, keyring, wf ("inv.signed.asc")),
                   MSG ("invoice.xml"));
  assert_released (&fh, run (&fh, home_all, keyring,
                             wf ("inv.sqop-inline.asc")), MSG ("invoice.xml"));
  assert_header (&fh, "pgp.signature.fingerprint", CAROL);
  /* Text mode, two signers: the data comes back as gpg gives it.  */
  assert_released (&fh, run (&fh, home_all, keyring, wf ("text.signed.gpg")),
                   wf ("text.signed.out"));
  assert_statuses (&fh, "valid,valid");
  /* Uncompressed, several partial chunks.  */
  fh.source_pipe = 1;
  assert_released (&fh, run (&fh, home_all, keyring, wf ("big.gpg")),
                   wf ("big.bin"));
  fakehost_release (&fh);
}

static void
test_cleartext_made_now_verifies (void **state)
{
  struct fakehost fh = { 0 };
  void *st = NULL;

  (void) state;
  /* --clearsign strips trailing whitespace: the signed text is what
   * gpg says, not text.txt itself.  */
  fh.homedir = home_all;
  fh.params = keyring;
  assert_int_equal (fakehost_create (&fh, step, &st), 0);
  assert_int_equal (fakehost_process_file (&fh, step, st,
                                           wf ("text.clear.asc")), 0);
  assert_header (&fh, "pgp.signature.status", "valid");
  assert_non_null (fh.out);
  assert_non_null (strstr (fh.out, "line two\n"));
  step->destroy (st);
  fakehost_release (&fh);
}


/* Detached signatures that verify.  */

static void
test_detached_vectors_armored_and_base64 (void **state)
{
  struct fakehost fh = { 0 };

  (void) state;
  assert_released (&fh, run_detached (&fh, home_all, detached,
                                      MSG ("invoice.xml"),
                                      MSG ("gpg-alice-detached.asc")),
                   MSG ("invoice.xml"));
  assert_header (&fh, "pgp.signature.fingerprint", ALICE);
  assert_statuses (&fh, "valid");
  assert_released (&fh, run_detached (&fh, home_all, detached,
                                      MSG ("invoice.xml"),
                                      MSG ("sqop-carol-detached.asc")),
                   MSG ("invoice.xml"));
  assert_header (&fh, "pgp.signature.fingerprint", CAROL);
  assert_released (&fh, run_detached (&fh, home_all, detached,
                                      MSG ("invoice.xml"),
                                      wf ("inv.alice.b64")),
                   MSG ("invoice.xml"));
  assert_released (&fh, run_detached (&fh, home_all, detached,
                                      MSG ("invoice.xml"),
                                      wf ("inv.alice-crlf.asc")),
                   MSG ("invoice.xml"));
  /* alice + carol, carol unknown to home_alice: alice's counts.  */
  assert_released (&fh, run_detached (&fh, home_alice, detached,
                                      MSG ("invoice.xml"),
                                      b64 (GOOD_UNKNOWN)),
                   MSG ("invoice.xml"));
  assert_statuses (&fh, "valid,unknown-key");
  fakehost_release (&fh);
}

static void
test_detached_made_now_each_digest_and_signer (void **state)
{
  static const char *const sigs[] = {
    "inv.alice.sig", "inv.alice.asc", "inv.SHA224.sig", "inv.SHA256.sig",
    "inv.SHA384.sig", "inv.SHA512.sig", "inv.sqop.asc", "inv.sqop.sig",
    "inv.two.b64", NULL };
  static const char *const digests[] = {
    "SHA256", "SHA256", "SHA224", "SHA256", "SHA384", "SHA512", "SHA512",
    "SHA512", "SHA256" };
  struct fakehost fh = { 0 };
  int i;

  (void) state;
  for (i = 0; sigs[i]; i++)
    {
      if (strstr (sigs[i], ".sig"))
        {
          /* A binary signature travels as base64 in a header.  */
          char *b64 = NULL;

          assert_int_equal (sh ("base64 -w0 %s >%s.b64x", wf (sigs[i]),
                                wf (sigs[i])), 0);
          assert_true (asprintf (&b64, "%s.b64x", wf (sigs[i])) > 0);
          assert_released (&fh, run_detached (&fh, home_all, detached,
                                              MSG ("invoice.xml"), b64),
                           MSG ("invoice.xml"));
          free (b64);
        }
      else
        assert_released (&fh, run_detached (&fh, home_all, detached,
                                            MSG ("invoice.xml"),
                                            wf (sigs[i])),
                         MSG ("invoice.xml"));
      assert_header (&fh, "pgp.signature.digest", digests[i]);
    }
  assert_statuses (&fh, "valid,valid");
  fakehost_release (&fh);
}

static void
test_detached_text_mode_and_mixed_signatures (void **state)
{
  struct fakehost fh = { 0 };

  (void) state;
  /* Text signatures take gpg's detached path.  */
  assert_released (&fh, run_detached (&fh, home_all, detached,
                                      wf ("text.txt"), wf ("text.sqop.asc")),
                   wf ("text.txt"));
  assert_released (&fh, run_detached (&fh, home_all, detached,
                                      wf ("text.txt"), wf ("text.two.b64")),
                   wf ("text.txt"));
  assert_statuses (&fh, "valid,valid");
  /* gpg's detached path checks only the first of a set that mixes
   * text and binary signatures: refused, not half checked.  */
  assert_refused (&fh, run_detached (&fh, home_all, detached,
                                     wf ("text.txt"), wf ("text.mixed.b64")),
                  GPG_ERR_NOT_SUPPORTED, "mixes text");
  fakehost_release (&fh);
}

/* pgp.signatures names the class of each signature (SOP's mode:).  */
static void
test_signatures_header_names_binary_or_text_class (void **state)
{
  struct fakehost fh = { 0 };

  (void) state;
  assert_released (&fh, run_detached (&fh, home_all, detached,
                                      MSG ("invoice.xml"),
                                      wf ("inv.alice.b64")),
                   MSG ("invoice.xml"));
  assert_contains (fakehost_header (&fh, "pgp.signatures"),
                   "\"class\":\"binary\"");
  assert_released (&fh, run_detached (&fh, home_all, detached,
                                      wf ("text.txt"), wf ("text.two.b64")),
                   wf ("text.txt"));
  assert_contains (fakehost_header (&fh, "pgp.signatures"),
                   "\"uid\":\"Alice Example <alice@example.org>\","
                   "\"class\":\"text\"}");
  assert_contains (fakehost_header (&fh, "pgp.signatures"),
                   "\"class\":\"text\"}]");
  fakehost_release (&fh);
}

static void
test_detached_large_data_in_chunks (void **state)
{
  static const struct fakehost_value bigsig[] = {
    { "keyring", "k" }, { "mode", "detached" },
    { "signature", NULL }, { NULL, NULL } };
  struct fakehost_value params[4];
  struct fakehost fh = { 0 };
  char value[128];
  int pipe;

  (void) state;
  memcpy (params, bigsig, sizeof params);
  for (pipe = 0; pipe < 2; pipe++)
    {
      fh.source_pipe = pipe;
      /* file:PATH written in the descriptor.  */
      snprintf (value, sizeof value, "file:%s", wf ("big.sig"));
      params[2].value = value;
      assert_released (&fh, run (&fh, home_all, params, wf ("big.bin")),
                       wf ("big.bin"));
      /* The first chunk exactly full: an empty final chunk.  */
      snprintf (value, sizeof value, "file:%s", wf ("edge.sig"));
      assert_released (&fh, run (&fh, home_all, params, wf ("edge.bin")),
                       wf ("edge.bin"));
    }
  fakehost_release (&fh);
}


/* Refused: exit 3 with each signature's status, nothing released.  */

static void
test_modified_data_or_signature_is_bad (void **state)
{
  struct fakehost fh = { 0 };

  (void) state;
  assert_refused (&fh, run_detached (&fh, home_all, detached,
                                     wf ("inv.modified"),
                                     MSG ("gpg-alice-detached.asc")),
                  GPG_ERR_BAD_SIGNATURE, "bad (the data or the signature");
  assert_statuses (&fh, "bad");
  assert_header (&fh, "pgp.signature.status", "bad");
  assert_refused (&fh, run_detached (&fh, home_all, detached,
                                     MSG ("invoice.xml"),
                                     wf ("inv.badsig.b64")),
                  GPG_ERR_BAD_SIGNATURE, "signature 1 by 0x");
  assert_statuses (&fh, "bad");
  assert_refused (&fh, run (&fh, home_all, keyring,
                            MSG ("gen-alice-signed-z0-tampered.gpg")),
                  GPG_ERR_BAD_SIGNATURE, "bad");
  assert_statuses (&fh, "bad");
  fakehost_release (&fh);
}

static void
test_unknown_expired_revoked_keys_are_refused (void **state)
{
  struct fakehost fh = { 0 };

  (void) state;
  assert_refused (&fh, run_detached (&fh, home_alice, detached,
                                     MSG ("invoice.xml"),
                                     MSG ("sqop-carol-detached.asc")),
                  GPG_ERR_BAD_SIGNATURE, "unknown-key");
  assert_statuses (&fh, "unknown-key");
  assert_refused (&fh, run (&fh, home_alice, keyring,
                            MSG ("sqop-carol-inline-signed.asc")),
                  GPG_ERR_BAD_SIGNATURE, "unknown-key");
  assert_refused (&fh, run (&fh, home_all, keyring,
                            MSG ("gen-expired-signed.gpg")),
                  GPG_ERR_BAD_SIGNATURE, "expired-key");
  assert_statuses (&fh, "expired-key");
  assert_refused (&fh, run (&fh, home_all, keyring,
                            MSG ("gen-revoked-signed.gpg")),
                  GPG_ERR_BAD_SIGNATURE, "revoked-key");
  assert_statuses (&fh, "revoked-key");
  fakehost_release (&fh);
}

static void
test_policy_signer_window_digest (void **state)
{
  static const struct fakehost_value carol_only[] = {
    { "keyring", "k" }, { "mode", "detached" },
    { "signature", "${header.sig}" }, { "allowed-signer", CAROL },
    { NULL, NULL } };
  static const struct fakehost_value both[] = {
    { "keyring", "k" }, { "mode", "detached" },
    { "signature", "${header.sig}" }, { "allowed-signer", ALICE },
    { "allowed-signer", CAROL }, { "require-all", "true" }, { NULL, NULL } };
  static const struct fakehost_value legacy[] = {
    { "keyring", "k" }, { "mode", "detached" },
    { "signature", "${header.sig}" }, { "allow-legacy", "true" },
    { NULL, NULL } };
  struct fakehost_value window[5] = {
    { "keyring", "k" }, { "mode", "detached" },
    { "signature", "${header.sig}" }, { "not-before", NULL }, { NULL, NULL } };
  struct fakehost fh = { 0 };
  char later[32];

  (void) state;
  assert_refused (&fh, run_detached (&fh, home_all, carol_only,
                                     MSG ("invoice.xml"),
                                     MSG ("gpg-alice-detached.asc")),
                  GPG_ERR_BAD_SIGNATURE, "not-allowed");
  assert_statuses (&fh, "not-allowed");
  /* require-all: carol's signature is missing.  */
  assert_refused (&fh, run_detached (&fh, home_all, both,
                                     MSG ("invoice.xml"),
                                     MSG ("gpg-alice-detached.asc")),
                  GPG_ERR_BAD_SIGNATURE, "require-all: no valid signature"
                  " by 0x" CAROL);
  assert_statuses (&fh, "valid");
  assert_released (&fh, run_detached (&fh, home_all, both,
                                      MSG ("invoice.xml"),
                                      b64 (GOOD_UNKNOWN)),
                   MSG ("invoice.xml"));
  /* SHA1 is weak unless allow-legacy.  */
  assert_refused (&fh, run_detached (&fh, home_all, detached,
                                     MSG ("invoice.xml"),
                                     wf ("inv.sha1.b64")),
                  GPG_ERR_BAD_SIGNATURE, "weak-digest (SHA1");
  assert_statuses (&fh, "weak-digest");
  assert_released (&fh, run_detached (&fh, home_all, legacy,
                                      MSG ("invoice.xml"),
                                      wf ("inv.sha1.b64")),
                   MSG ("invoice.xml"));
  assert_header (&fh, "pgp.signature.digest", "SHA1");
  snprintf (later, sizeof later, "%lld", (long long) time (NULL) + 86400);
  window[3].value = later;
  assert_refused (&fh, run_detached (&fh, home_all, window,
                                     MSG ("invoice.xml"),
                                     wf ("inv.alice.b64")),
                  GPG_ERR_BAD_SIGNATURE, "outside-window");
  assert_statuses (&fh, "outside-window");
  fakehost_release (&fh);
}

static void
test_good_next_to_bad_fails_under_each_policy (void **state)
{
  static const struct fakehost_value alice[] = {
    { "keyring", "k" }, { "mode", "detached" },
    { "signature", "${header.sig}" }, { "allowed-signer", ALICE },
    { NULL, NULL } };
  static const struct fakehost_value all[] = {
    { "keyring", "k" }, { "mode", "detached" },
    { "signature", "${header.sig}" }, { "allowed-signer", ALICE },
    { "allowed-signer", BOB }, { "require-all", "true" }, { NULL, NULL } };
  const struct fakehost_value *const policies[] = { detached, alice, all };
  struct fakehost fh = { 0 };
  unsigned int i;

  (void) state;
  assert_int_equal (sh ("base64 -w0 %s >%s", MSG ("gen-good-bad-detached.sig"),
                        wf ("good-bad.b64")), 0);
  for (i = 0; i < 3; i++)
    {
      assert_refused (&fh, run_detached (&fh, home_all, policies[i],
                                         MSG ("invoice.xml"),
                                         wf ("good-bad.b64")),
                      GPG_ERR_BAD_SIGNATURE,
                      "signature 2 by 0x2975619AFF1CDD85");
      assert_statuses (&fh, "valid,bad");
    }
  fakehost_release (&fh);
}


/* Refused: not a signed message (41) and bad parameters.  */

static void
test_garbage_empty_truncated_input (void **state)
{
  struct fakehost fh = { 0 };
  size_t len;
  char *msg = must_read (MSG ("gpg-alice-signed.gpg"), &len);

  (void) state;
  assert_refused (&fh, run_mem (&fh, home_all, keyring, NULL, NULL,
                                "garbage\n", 8), GPG_ERR_NO_DATA,
                  "not OpenPGP");
  assert_refused (&fh, run_mem (&fh, home_all, keyring, NULL, NULL, "", 0),
                  GPG_ERR_NO_DATA, "empty");
  assert_refused (&fh, run_mem (&fh, home_all, keyring, NULL, NULL, msg,
                                len / 2), GPG_ERR_BAD_DATA,
                  "not a valid signed message");
  free (msg);
  fh.source_pipe = 1;
  assert_refused (&fh, run (&fh, home_all, keyring, MSG ("invoice.xml")),
                  GPG_ERR_NO_DATA, "not OpenPGP");
  assert_refused (&fh, run (&fh, home_all, keyring,
                            MSG ("gpg-alice-detached.asc")),
                  GPG_ERR_BAD_DATA, "mode=detached");
  assert_refused (&fh, run (&fh, home_all, keyring,
                            MSG ("gpg-enc-to-alice.gpg")),
                  GPG_ERR_BAD_DATA, "encrypted");
  fakehost_release (&fh);
}

static void
test_compression_bomb_stops_at_max_output (void **state)
{
  static const struct fakehost_value small[] = {
    { "keyring", "k" }, { "max-output-bytes", "1048576" }, { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  assert_refused (&fh, run (&fh, home_all, small, wf ("zeros.gpg")),
                  GPG_ERR_TOO_LARGE, "max-output-bytes");
  assert_released (&fh, run (&fh, home_all, keyring, wf ("zeros.gpg")),
                   wf ("zeros.bin"));
  fakehost_release (&fh);
}

static void
test_bad_signature_parameters (void **state)
{
  struct fakehost fh = { 0 };

  (void) state;
  /* A header never names a file.  */
  assert_refused (&fh, run_detached (&fh, home_all, detached,
                                     MSG ("invoice.xml"), wf ("file.value")),
                  GPG_ERR_INV_VALUE, "not a file: path");
  assert_contains (fh.err_key, "signature");
  assert_refused (&fh, run_detached (&fh, home_all, detached,
                                     MSG ("invoice.xml"), wf ("garbage.b64")),
                  GPG_ERR_BAD_DATA, "not an OpenPGP detached signature");
  assert_refused (&fh, run_detached (&fh, home_all, detached,
                                     MSG ("invoice.xml"),
                                     wf ("alice.pub.asc")),
                  GPG_ERR_BAD_DATA, "not a PGP SIGNATURE");
  assert_refused (&fh, run_detached (&fh, home_all, detached,
                                     MSG ("invoice.xml"), MSG ("invoice.xml")),
                  GPG_ERR_BAD_DATA, "neither an armored");
  fakehost_release (&fh);
}

static void
test_configuration_errors (void **state)
{
  static const struct fakehost_value no_keyring[] = { { NULL, NULL } };
  static const struct fakehost_value no_sig[] = {
    { "keyring", "k" }, { "mode", "detached" }, { NULL, NULL } };
  static const struct fakehost_value relative[] = {
    { "keyring", "k" }, { "mode", "detached" },
    { "signature", "file:x.sig" }, { NULL, NULL } };
  static const struct fakehost_value not_sig[] = {
    { "keyring", "k" }, { "mode", "detached" },
    { "signature", "file:" MSG ("gpg-alice-signed.gpg") }, { NULL, NULL } };
  static const struct fakehost_value inline_sig[] = {
    { "keyring", "k" }, { "signature", "${header.sig}" }, { NULL, NULL } };
  static const struct fakehost_value unknown_signer[] = {
    { "keyring", "k" }, { "allowed-signer", CAROL }, { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  assert_int_equal (gpg_err_code (run (&fh, home_all, no_keyring, NULL)),
                    GPG_ERR_CONFIGURATION);
  assert_contains (fh.config_err_text, "needs a keyring");
  assert_int_equal (gpg_err_code (run (&fh, home_all, no_sig, NULL)),
                    GPG_ERR_CONFIGURATION);
  assert_contains (fh.config_err_text, "needs a signature");
  assert_int_equal (gpg_err_code (run (&fh, home_all, relative, NULL)),
                    GPG_ERR_CONFIGURATION);
  assert_contains (fh.config_err_text, "absolute");
  assert_int_equal (gpg_err_code (run (&fh, home_all, not_sig, NULL)),
                    GPG_ERR_CONFIGURATION);
  assert_contains (fh.config_err_text, "not an OpenPGP detached signature");
  assert_int_equal (gpg_err_code (run (&fh, home_all, inline_sig, NULL)),
                    GPG_ERR_CONFIGURATION);
  assert_int_equal (gpg_err_code (run (&fh, home_alice, unknown_signer,
                                       NULL)), GPG_ERR_CONFIGURATION);
  assert_contains (fh.config_err_text, "not a primary key");
  fakehost_release (&fh);
}



/* A payload file that changed while gpg read it (size or mtime, or
 * shorter than the literal length) is named as such, with the fix.  */
/* Appends a line to the file PATH (the payload under verification).  */
static void
append_line (void *path)
{
  FILE *fp = fopen (path, "a");

  assert_non_null (fp);
  fputs ("<!-- added while verified -->\n", fp);
  fclose (fp);
}

/* Cuts the file PATH to 100 bytes (shorter than the literal packet
 * announced to gpg).  */
static void
cut_file (void *path)
{
  assert_int_equal (truncate (path, 100), 0);
}

/* Verify a fresh copy of the invoice at PATH against alice's detached
 * signature; CHANGE (if not NULL) alters the file in the middle of the
 * run.  */
static gpg_error_t
verify_copy (struct fakehost *fh, const char *path, void (*change) (void *))
{
  memset (fh, 0, sizeof *fh);
  assert_int_equal (sh ("cp %s %s", MSG ("invoice.xml"), path), 0);
  fh->on_gnupg_home = change;
  fh->hook_opaque = (void *) path;
  return run_detached (fh, home_all, detached, path,
                       MSG ("gpg-alice-detached.asc"));
}

/* The fast path for a regular file: gpg verifies the bytes it was
 * told of, but a file that grew or shrank meanwhile is no longer what
 * was verified: refused, nothing released.  */
static void
test_detached_payload_file_changing_during_run_fails (void **state)
{
  void (*changes[]) (void *) = { append_line, cut_file };
  struct fakehost fh;
  char path[sizeof w + 32];
  int i;

  (void) state;
  snprintf (path, sizeof path, "%s", wf ("changing.xml"));
  for (i = 0; i < 2; i++)
    {
      assert_int_equal (gpg_err_code (verify_copy (&fh, path, changes[i])),
                        GPG_ERR_EIO);
      assert_contains (fh.err_text, "the payload file changed while it"
                       " was verified");
      assert_int_equal (fh.outlen, 0);
      fakehost_release (&fh);
    }
  /* The same file left alone verifies.  */
  assert_released (&fh, verify_copy (&fh, path, NULL), MSG ("invoice.xml"));
  fakehost_release (&fh);
}

static void
test_changed_payload_file_has_its_own_error (void **state)
{
  struct gpgop_result res;
  struct outcome_run run;
  const char *key = NULL;
  char *text = NULL;
  gpg_error_t err;

  (void) state;
  memset (&res, 0, sizeof res);
  assert_int_equal (status_new (&res.status), 0);
  memset (&run, 0, sizeof run);
  run.detached = 1;
  run.nsigs = 1;
  run.res = &res;
  run.source_changed = 1;
  run.source_err = gpg_error (GPG_ERR_EIO);
  err = outcome_explain (&run, &text, &key);
  assert_int_equal (gpg_err_code (err), GPG_ERR_EIO);
  assert_non_null (text);
  assert_non_null (strstr (text, "the payload file changed while"
                           " it was verified"));
  assert_non_null (strstr (text, "verify a file no one writes to"));
  free (text);

  /* Any other read error keeps the generic text.  */
  run.source_changed = 0;
  text = NULL;
  err = outcome_explain (&run, &text, &key);
  assert_int_equal (gpg_err_code (err), GPG_ERR_EIO);
  assert_non_null (text);
  assert_null (strstr (text, "changed"));
  assert_non_null (strstr (text, "reading the input failed"));
  free (text);
  status_release (res.status);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_inline_vectors_release_the_signed_data),
    cmocka_unit_test (test_inline_made_now_by_gpg_and_sqop),
    cmocka_unit_test (test_cleartext_made_now_verifies),
    cmocka_unit_test (test_detached_vectors_armored_and_base64),
    cmocka_unit_test (test_detached_made_now_each_digest_and_signer),
    cmocka_unit_test (test_detached_text_mode_and_mixed_signatures),
    cmocka_unit_test (test_signatures_header_names_binary_or_text_class),
    cmocka_unit_test (test_detached_large_data_in_chunks),
    cmocka_unit_test (test_modified_data_or_signature_is_bad),
    cmocka_unit_test (test_unknown_expired_revoked_keys_are_refused),
    cmocka_unit_test (test_policy_signer_window_digest),
    cmocka_unit_test (test_good_next_to_bad_fails_under_each_policy),
    cmocka_unit_test (test_garbage_empty_truncated_input),
    cmocka_unit_test (test_compression_bomb_stops_at_max_output),
    cmocka_unit_test (test_bad_signature_parameters),
    cmocka_unit_test (test_configuration_errors),
    cmocka_unit_test (test_changed_payload_file_has_its_own_error),
    cmocka_unit_test (test_detached_payload_file_changing_during_run_fails),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
