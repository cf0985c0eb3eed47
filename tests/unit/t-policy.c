/* t-policy.c - the signature policy over recorded gpg transcripts
 * (tests/data/gpg/status), directly and through a step run by the
 * fake host.  */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "policy.h"
#include "fakehost.h"

#define ALICE "015ABD50EB712E873C6BB2B009037A2EDFD86C9F"
#define BOB   "37213D1976A23E2625719E022975619AFF1CDD85"
#define CAROL "2CD7BF5B19080ACFDAD9A97A0EA17B0BD56D690F"
#define CAROL_SIGNING "DFEFD08B23AD089CC3241547BD1610EE6DA48C6F"

/* Creation times in the transcripts.  */
#define BOB_SIGNED_AT 1795707786   /* decrypt-signed */

static char *
transcript_path (const char *name)
{
  char *path;

  if (asprintf (&path, "%s/gpg/status/%s.status", TEST_DATA_DIR, name) < 0)
    fail ();
  return path;
}

/* Feed a transcript ("# exit N: ..." then status lines) into RES.  */
static void
feed_transcript (status_result_t res, const char *buf)
{
  const char *p, *nl;
  int ex = -1;

  if (sscanf (buf, "# exit %d:", &ex) != 1)
    fail_msg ("transcript without '# exit N:' line");
  for (p = buf; *p; p = nl + 1)
    {
      nl = strchr (p, '\n');
      assert_non_null (nl);
      if (*p != '#')
        assert_int_equal (status_feed (res, p, nl - p), 0);
    }
  assert_int_equal (status_finish (res, ex), 0);
}

static status_result_t
load (const char *name)
{
  status_result_t res;
  char *path = transcript_path (name);
  char buf[8192];
  FILE *fp;
  size_t n;

  fp = fopen (path, "rb");
  if (!fp)
    fail_msg ("cannot open %s", path);
  n = fread (buf, 1, sizeof buf - 1, fp);
  buf[n] = 0;
  fclose (fp);
  free (path);
  assert_int_equal (status_new (&res), 0);
  feed_transcript (res, buf);
  return res;
}

static status_result_t
feed_lines (int exit_status, const char *lines[])
{
  status_result_t res;
  int i;

  assert_int_equal (status_new (&res), 0);
  for (i = 0; lines[i]; i++)
    assert_int_equal (status_feed (res, lines[i], strlen (lines[i])), 0);
  assert_int_equal (status_finish (res, exit_status), 0);
  return res;
}

/* A policy without host: MODE plus up to two allowed signers.  */
static struct policy
make (enum policy_mode mode, const char *a1, const char *a2)
{
  struct policy pol;

  memset (&pol, 0, sizeof pol);
  pol.mode = mode;
  pol.allowed = calloc (2, sizeof *pol.allowed);
  assert_non_null (pol.allowed);
  if (a1)
    pol.allowed[pol.nallowed++] = strdup (a1);
  if (a2)
    pol.allowed[pol.nallowed++] = strdup (a2);
  return pol;
}

/* Evaluate transcript NAME under POL; check the decision, the
 * statuses of the signatures (comma-separated) and return the text.  */
static char *
check (struct policy *pol, const char *name, int want_ok,
       const char *want_stats)
{
  status_result_t res = load (name);
  struct policy_verdict v;
  char stats[512] = "";
  char *text;
  unsigned int i;

  assert_int_equal (policy_evaluate (pol, res, &v), 0);
  for (i = 0; i < v.nsigs; i++)
    {
      strcat (stats, i ? "," : "");
      strcat (stats, policy_sigstat_name (v.sigstat[i]));
    }
  if (strcmp (stats, want_stats))
    fail_msg ("%s: statuses '%s', want '%s'", name, stats, want_stats);
  if (want_ok && v.err)
    fail_msg ("%s: refused under %s: %s", name, policy_mode_name (pol->mode),
              v.text);
  if (!want_ok && gpg_err_code (v.err) != GPG_ERR_BAD_SIGNATURE)
    fail_msg ("%s: accepted under %s", name, policy_mode_name (pol->mode));
  if (!want_ok)
    assert_non_null (v.text);
  text = v.text ? strdup (v.text) : NULL;
  policy_verdict_release (&v);
  status_release (res);
  policy_release (pol);
  return text;
}

static void
assert_contains (const char *text, const char *part)
{
  if (!text || !strstr (text, part))
    fail_msg ("'%s' not found in '%s'", part, text ? text : "(null)");
}


/* One signature.  */

static void
test_good_signature_under_each_mode (void **state)
{
  struct policy pol;
  char *text;

  (void) state;
  pol = make (POLICY_OPTIONAL, NULL, NULL);
  free (check (&pol, "decrypt-signed", 1, "valid"));
  pol = make (POLICY_REQUIRED, NULL, NULL);
  free (check (&pol, "decrypt-signed", 1, "valid"));
  pol = make (POLICY_REQUIRED, BOB, NULL);
  free (check (&pol, "decrypt-signed", 1, "valid"));
  pol = make (POLICY_IGNORE, NULL, NULL);
  free (check (&pol, "decrypt-signed", 1, "valid"));
  pol = make (POLICY_NONE, NULL, NULL);
  text = check (&pol, "decrypt-signed", 0, "valid");
  assert_contains (text, "signed (1 signature) but signatures=none");
  free (text);
}

static void
test_unsigned_under_each_mode (void **state)
{
  struct policy pol;
  char *text;

  (void) state;
  pol = make (POLICY_OPTIONAL, NULL, NULL);
  free (check (&pol, "decrypt-good", 1, ""));
  pol = make (POLICY_NONE, NULL, NULL);
  free (check (&pol, "decrypt-good", 1, ""));
  pol = make (POLICY_IGNORE, NULL, NULL);
  free (check (&pol, "decrypt-good", 1, ""));
  pol = make (POLICY_REQUIRED, NULL, NULL);
  text = check (&pol, "decrypt-good", 0, "");
  assert_contains (text, "not signed");
  free (text);
}

static void
test_signer_not_allowed (void **state)
{
  struct policy pol;
  char *text;

  (void) state;
  pol = make (POLICY_REQUIRED, ALICE, NULL);
  text = check (&pol, "decrypt-signed", 0, "not-allowed");
  assert_contains (text, "no acceptable signature: signature 1 by 0x" BOB
                   " (Bob Example <bob@example.org>): not-allowed");
  free (text);
  /* Optional does not weaken it: a signed message must pass.  */
  pol = make (POLICY_OPTIONAL, ALICE, NULL);
  free (check (&pol, "decrypt-signed", 0, "not-allowed"));
}

static void
test_allowlist_matches_primary_not_subkey (void **state)
{
  struct policy pol;

  (void) state;
  pol = make (POLICY_REQUIRED, CAROL, NULL);
  free (check (&pol, "decrypt-sqop-signed", 1, "valid"));
  pol = make (POLICY_REQUIRED, CAROL_SIGNING, NULL);
  free (check (&pol, "decrypt-sqop-signed", 0, "not-allowed"));
}

static void
test_bad_signature (void **state)
{
  struct policy pol;
  char *text;

  (void) state;
  pol = make (POLICY_OPTIONAL, NULL, NULL);
  text = check (&pol, "verify-inline-tampered", 0, "bad");
  assert_contains (text, "bad signature: signature 1 by 0x");
  assert_contains (text, "bad (the data or the signature was altered)");
  free (text);
}

static void
test_unknown_key (void **state)
{
  struct policy pol;
  char *text;

  (void) state;
  pol = make (POLICY_OPTIONAL, NULL, NULL);
  text = check (&pol, "verify-unknown-key", 0, "unknown-key");
  assert_contains (text, "unknown-key (its public key is not in the step's"
                   " keyrings)");
  free (text);
  pol = make (POLICY_IGNORE, NULL, NULL);
  free (check (&pol, "verify-unknown-key", 1, "unknown-key"));
}

static void
test_expired_and_revoked_keys_and_signatures (void **state)
{
  struct policy pol;
  char *text;

  (void) state;
  /* gpg exits 0 for a signature by an expired key.  */
  pol = make (POLICY_OPTIONAL, NULL, NULL);
  text = check (&pol, "verify-expired-key", 0, "expired-key");
  assert_contains (text, "0xF241EF2770F4467D1CCFCB34757CB89B53BE88F2");
  free (text);
  pol = make (POLICY_REQUIRED, NULL, NULL);
  free (check (&pol, "verify-revoked-key", 0, "revoked-key"));
  pol = make (POLICY_REQUIRED, NULL, NULL);
  text = check (&pol, "verify-expired-sig", 0, "expired-signature");
  assert_contains (text, "expired at 2026-11-26T");
  free (text);
}

static void
test_time_window (void **state)
{
  struct policy pol;
  char *text;

  (void) state;
  pol = make (POLICY_REQUIRED, NULL, NULL);
  pol.not_before = BOB_SIGNED_AT;
  pol.not_after = BOB_SIGNED_AT;
  free (check (&pol, "decrypt-signed", 1, "valid"));
  pol = make (POLICY_REQUIRED, NULL, NULL);
  pol.not_before = BOB_SIGNED_AT + 1;
  text = check (&pol, "decrypt-signed", 0, "outside-window");
  assert_contains (text, "outside-window (created 2026-11-26T15:43:06Z,"
                   " before 2026-11-26T15:43:07Z)");
  free (text);
  pol = make (POLICY_REQUIRED, NULL, NULL);
  pol.not_after = BOB_SIGNED_AT - 1;
  text = check (&pol, "decrypt-signed", 0, "outside-window");
  assert_contains (text, "after 2026-11-26T15:43:05Z");
  free (text);
}

static const char *sha1_lines[] = {
  "NEWSIG",
  "GOODSIG 09037A2EDFD86C9F Alice Example <alice@example.org>",
  "VALIDSIG " ALICE " 2026-11-26 1795709736 0 4 0 22 2 00 " ALICE,
  NULL
};

static void
test_weak_digest (void **state)
{
  status_result_t res = feed_lines (0, sha1_lines);
  struct policy pol = make (POLICY_REQUIRED, NULL, NULL);
  struct policy_verdict v;

  (void) state;
  assert_int_equal (policy_evaluate (&pol, res, &v), 0);
  assert_int_equal (v.sigstat[0], POLICY_SIG_WEAK_DIGEST);
  assert_int_equal (gpg_err_code (v.err), GPG_ERR_BAD_SIGNATURE);
  assert_contains (v.text, "weak-digest (SHA1; set allow-legacy to accept"
                   " it)");
  policy_verdict_release (&v);
  pol.allow_legacy = 1;
  assert_int_equal (policy_evaluate (&pol, res, &v), 0);
  assert_int_equal (v.sigstat[0], POLICY_SIG_VALID);
  assert_int_equal (v.err, 0);
  policy_verdict_release (&v);
  policy_release (&pol);
  status_release (res);
}


/* Several signatures.  */

static void
test_two_signers (void **state)
{
  struct policy pol;
  char *text;

  (void) state;
  pol = make (POLICY_REQUIRED, NULL, NULL);
  free (check (&pol, "verify-two-signers", 1, "valid,valid"));
  pol = make (POLICY_REQUIRED, ALICE, BOB);
  pol.require_all = 1;
  free (check (&pol, "verify-two-signers", 1, "valid,valid"));
  /* One allowed signer is enough; the other is reported.  */
  pol = make (POLICY_REQUIRED, BOB, NULL);
  free (check (&pol, "verify-two-signers", 1, "not-allowed,valid"));
  pol = make (POLICY_REQUIRED, ALICE, CAROL);
  pol.require_all = 1;
  text = check (&pol, "verify-two-signers", 0, "valid,not-allowed");
  assert_contains (text, "require-all: no valid signature by 0x" CAROL
                   "; signature 1 by 0x" ALICE);
  free (text);
}

static void
test_good_and_bad (void **state)
{
  struct policy pol;
  char *text;

  (void) state;
  /* A bad signature fails the message whatever else is valid.  */
  pol = make (POLICY_OPTIONAL, NULL, NULL);
  text = check (&pol, "verify-good-bad", 0, "valid,bad");
  assert_contains (text, "bad signature: signature 1 by 0x" ALICE
                   " (Alice Example <alice@example.org>): valid; signature 2"
                   " by 0x2975619AFF1CDD85 (Bob Example <bob@example.org>):"
                   " bad");
  free (text);
  pol = make (POLICY_REQUIRED, ALICE, NULL);
  free (check (&pol, "verify-good-bad", 0, "valid,bad"));
  pol = make (POLICY_NONE, NULL, NULL);
  free (check (&pol, "verify-good-bad", 0, "valid,bad"));
  pol = make (POLICY_IGNORE, NULL, NULL);
  free (check (&pol, "verify-good-bad", 1, "valid,bad"));
}

static void
test_good_and_unknown (void **state)
{
  struct policy pol;
  char *text;

  (void) state;
  pol = make (POLICY_OPTIONAL, NULL, NULL);
  free (check (&pol, "verify-good-unknown", 1, "valid,unknown-key"));
  pol = make (POLICY_REQUIRED, ALICE, NULL);
  free (check (&pol, "verify-good-unknown", 1, "valid,unknown-key"));
  pol = make (POLICY_REQUIRED, CAROL, NULL);
  text = check (&pol, "verify-good-unknown", 0, "not-allowed,unknown-key");
  assert_contains (text, "signature 2 by 0x" CAROL_SIGNING ": unknown-key");
  free (text);
  pol = make (POLICY_REQUIRED, ALICE, CAROL);
  pol.require_all = 1;
  free (check (&pol, "verify-good-unknown", 0, "valid,unknown-key"));
}


/* JSON and headers.  */

static void
test_signatures_json (void **state)
{
  status_result_t res = load ("verify-good-unknown");
  struct policy pol = make (POLICY_OPTIONAL, NULL, NULL);
  struct policy_verdict v;
  char *json;

  (void) state;
  assert_int_equal (policy_evaluate (&pol, res, &v), 0);
  assert_int_equal (policy_signatures_json (&v, res, &json), 0);
  assert_string_equal (json,
    "[{\"status\":\"valid\",\"fingerprint\":\"" ALICE "\",\"key\":\"" ALICE
    "\",\"keyid\":\"09037A2EDFD86C9F\",\"created\":\"2026-11-26T"
    "16:15:36Z\",\"digest\":\"SHA256\",\"algorithm\":\"EDDSA\",\"uid\":"
    "\"Alice Example <alice@example.org>\",\"class\":\"binary\"},"
    "{\"status\":\"unknown-key\",\"key\":\"" CAROL_SIGNING "\",\"keyid\":"
    "\"BD1610EE6DA48C6F\",\"created\":\"2026-11-26T16:15:38Z\",\"digest\":"
    "\"SHA256\",\"algorithm\":\"EDDSA\",\"class\":\"binary\"}]");
  free (json);
  policy_verdict_release (&v);
  policy_release (&pol);
  status_release (res);
}

static void
test_json_escapes_user_ids (void **state)
{
  static const char *lines[] = {
    "NEWSIG",
    "GOODSIG 09037A2EDFD86C9F Eve \"x\\y%0Az%FF <eve@example.org>",
    "VALIDSIG " ALICE " 2026-11-26 1795709736 0 4 0 22 8 00 " ALICE,
    NULL
  };
  status_result_t res = feed_lines (0, lines);
  struct policy pol = make (POLICY_OPTIONAL, BOB, NULL);
  struct policy_verdict v;
  char *json;

  (void) state;
  assert_int_equal (policy_evaluate (&pol, res, &v), 0);
  assert_int_equal (policy_signatures_json (&v, res, &json), 0);
  assert_contains (json, "\"uid\":\"Eve \\\"x\\\\y\\u000az\xef\xbf\xbd"
                   " <eve@example.org>\"");
  /* The error text is for logs: no control characters.  */
  assert_contains (v.text, "(Eve \"x\\y?z\xef\xbf\xbd <eve@example.org>)");
  free (json);
  policy_verdict_release (&v);
  policy_release (&pol);
  status_release (res);
}


/* Through the fake host: parameters, dynamic signers, headers.  */

static const struct pgpstep_param policy_params[] = {
  POLICY_PARAM_SIGNATURES,
  POLICY_PARAMS_COMMON,
  { sizeof (struct pgpstep_param), NULL, 0, 0, NULL, NULL, 0, 0, NULL }
};

struct pstate
{
  const struct pgpstep_host *host;
  struct policy base;
};

static gpg_error_t
p_create (const struct pgpstep_host *host, pgpstep_config_t cfg,
          void **r_state)
{
  struct pstate *st = calloc (1, sizeof *st);
  gpg_error_t err;

  if (!st)
    return gpg_error_from_syserror ();
  st->host = host;
  err = policy_from_config (&st->base, host, cfg, 0, NULL, NULL);
  if (err)
    {
      free (st);
      return err;
    }
  *r_state = st;
  return 0;
}

/* The input is a transcript; judge it and set the headers.  */
static gpg_error_t
p_process (void *state, pgpstep_message_t msg, struct pgpstep_source *source,
           struct pgpstep_sink *sink)
{
  struct pstate *st = state;
  struct policy pol;
  struct policy_verdict v;
  status_result_t res = NULL;
  char buf[8192];
  size_t len = 0;
  ssize_t n;
  gpg_error_t err;

  (void) sink;
  while ((n = source->read (source->handle, buf + len,
                            sizeof buf - 1 - len)) > 0)
    len += n;
  buf[len] = 0;
  err = policy_from_message (&pol, &st->base, st->host, msg);
  if (err)
    return err;
  assert_int_equal (status_new (&res), 0);
  feed_transcript (res, buf);
  assert_int_equal (policy_evaluate (&pol, res, &v), 0);
  err = policy_set_headers (&pol, &v, res, st->host, msg);
  if (!err && v.err)
    {
      err = v.err;
      st->host->error (msg, err, NULL, "%s", v.text);
    }
  policy_verdict_release (&v);
  policy_release (&pol);
  status_release (res);
  return err;
}

static void
p_destroy (void *state)
{
  struct pstate *st = state;

  policy_release (&st->base);
  free (st);
}

static const struct pgpstep_step policy_step = {
  sizeof (struct pgpstep_step), "policy", "Judge a transcript.",
  policy_params, PGPSTEP_STEP_NONE, p_create, p_process, p_destroy
};

/* Create with PARAMS, run transcript NAME; return the error.  */
static gpg_error_t
run_step (struct fakehost *fh, const struct fakehost_value *params,
          const char *name)
{
  gpg_error_t err;
  char *path = transcript_path (name);
  void *st;

  fh->params = params;
  err = fakehost_create (fh, &policy_step, &st);
  if (!err)
    {
      err = fakehost_process_file (fh, &policy_step, st, path);
      p_destroy (st);
    }
  free (path);
  return err;
}

static void
test_step_defaults_and_headers (void **state)
{
  static const struct fakehost_value none[] = { { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  assert_int_equal (run_step (&fh, none, "decrypt-signed"), 0);
  assert_string_equal (fakehost_header (&fh, "pgp.signature.status"),
                       "valid");
  assert_string_equal (fakehost_header (&fh, "pgp.signature.fingerprint"),
                       BOB);
  assert_string_equal (fakehost_header (&fh, "pgp.signature.created"),
                       "2026-11-26T15:43:06Z");
  assert_string_equal (fakehost_header (&fh, "pgp.signature.digest"),
                       "SHA512");
  assert_contains (fakehost_header (&fh, "pgp.signatures"),
                   "[{\"status\":\"valid\",\"fingerprint\":\"" BOB);
  /* Default optional: unsigned passes.  */
  assert_int_equal (run_step (&fh, none, "decrypt-good"), 0);
  assert_string_equal (fakehost_header (&fh, "pgp.signature.status"),
                       "none");
  assert_null (fakehost_header (&fh, "pgp.signature.fingerprint"));
  assert_string_equal (fakehost_header (&fh, "pgp.signatures"), "[]");
  fakehost_release (&fh);
}

static void
test_step_allowed_signer_makes_required (void **state)
{
  static const struct fakehost_value params[] = {
    { "allowed-signer", BOB }, { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  assert_int_equal (gpg_err_code (run_step (&fh, params, "decrypt-good")),
                    GPG_ERR_BAD_SIGNATURE);
  assert_contains (fh.err_text, "not signed");
  assert_int_equal (run_step (&fh, params, "decrypt-signed"), 0);
  fakehost_release (&fh);
}

static void
test_step_dynamic_allowed_signer (void **state)
{
  static const struct fakehost_value params[] = {
    { "allowed-signer", "${header.partner}" }, { NULL, NULL } };
  static const struct fakehost_value bob[] = {
    { "partner", BOB }, { NULL, NULL } };
  static const struct fakehost_value alice[] = {
    { "partner", ALICE }, { NULL, NULL } };
  static const struct fakehost_value junk[] = {
    { "partner", "<bob@example.org>" }, { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  fh.headers = bob;
  assert_int_equal (run_step (&fh, params, "decrypt-signed"), 0);
  fh.headers = alice;
  assert_int_equal (gpg_err_code (run_step (&fh, params, "decrypt-signed")),
                    GPG_ERR_BAD_SIGNATURE);
  assert_string_equal (fakehost_header (&fh, "pgp.signature.status"),
                       "not-allowed");
  assert_null (fakehost_header (&fh, "pgp.signature.fingerprint"));
  fh.headers = junk;
  assert_int_equal (gpg_err_code (run_step (&fh, params, "decrypt-signed")),
                    GPG_ERR_INV_VALUE);
  assert_string_equal (fh.err_key, "allowed-signer");
  fh.headers = NULL;
  assert_int_equal (gpg_err_code (run_step (&fh, params, "decrypt-signed")),
                    GPG_ERR_MISSING_VALUE);
  fakehost_release (&fh);
}

static void
test_step_ignore_reports_nothing (void **state)
{
  static const struct fakehost_value params[] = {
    { "signatures", "ignore" }, { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  assert_int_equal (run_step (&fh, params, "verify-good-bad"), 0);
  assert_string_equal (fakehost_header (&fh, "pgp.signature.status"),
                       "ignored");
  assert_null (fakehost_header (&fh, "pgp.signatures"));
  assert_int_equal (fh.nresult, 1);
  fakehost_release (&fh);
}

static void
test_step_configuration_errors (void **state)
{
  static const struct fakehost_value require_all[] = {
    { "require-all", "true" }, { NULL, NULL } };
  static const struct fakehost_value ignore_allow[] = {
    { "signatures", "ignore" }, { "allowed-signer", BOB }, { NULL, NULL } };
  static const struct fakehost_value none_window[] = {
    { "signatures", "none" }, { "not-before", "1" }, { NULL, NULL } };
  static const struct fakehost_value window[] = {
    { "not-before", "10" }, { "not-after", "9" }, { NULL, NULL } };
  static const struct fakehost_value uid[] = {
    { "allowed-signer", "Bob Example" }, { NULL, NULL } };
  static const struct fakehost_value typo[] = {
    { "allowed-signers", BOB }, { NULL, NULL } };
  struct fakehost fh = { 0 };

  (void) state;
  assert_int_equal (gpg_err_code (run_step (&fh, require_all, "decrypt-good")),
                    GPG_ERR_CONFIGURATION);
  assert_string_equal (fh.config_err_key, "require-all");
  assert_int_equal (gpg_err_code (run_step (&fh, ignore_allow,
                                            "decrypt-good")),
                    GPG_ERR_CONFIGURATION);
  assert_contains (fh.config_err_text, "signatures=ignore checks no");
  assert_int_equal (gpg_err_code (run_step (&fh, none_window,
                                            "decrypt-good")),
                    GPG_ERR_CONFIGURATION);
  assert_int_equal (gpg_err_code (run_step (&fh, window, "decrypt-good")),
                    GPG_ERR_CONFIGURATION);
  assert_string_equal (fh.config_err_key, "not-after");
  assert_int_equal (gpg_err_code (run_step (&fh, uid, "decrypt-good")),
                    GPG_ERR_INV_VALUE);
  assert_contains (fh.config_err_text, "'Bob Example': expected the 40");
  assert_int_equal (gpg_err_code (run_step (&fh, typo, "decrypt-good")),
                    GPG_ERR_UNKNOWN_NAME);
  fakehost_release (&fh);
}


int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_good_signature_under_each_mode),
    cmocka_unit_test (test_unsigned_under_each_mode),
    cmocka_unit_test (test_signer_not_allowed),
    cmocka_unit_test (test_allowlist_matches_primary_not_subkey),
    cmocka_unit_test (test_bad_signature),
    cmocka_unit_test (test_unknown_key),
    cmocka_unit_test (test_expired_and_revoked_keys_and_signatures),
    cmocka_unit_test (test_time_window),
    cmocka_unit_test (test_weak_digest),
    cmocka_unit_test (test_two_signers),
    cmocka_unit_test (test_good_and_bad),
    cmocka_unit_test (test_good_and_unknown),
    cmocka_unit_test (test_signatures_json),
    cmocka_unit_test (test_json_escapes_user_ids),
    cmocka_unit_test (test_step_defaults_and_headers),
    cmocka_unit_test (test_step_allowed_signer_makes_required),
    cmocka_unit_test (test_step_dynamic_allowed_signer),
    cmocka_unit_test (test_step_ignore_reports_nothing),
    cmocka_unit_test (test_step_configuration_errors),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
