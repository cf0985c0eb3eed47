/* t-sign.c - the sign step through its entry point, with a fake host.
 * Every signature is checked by the partner's side: gpg (and sqop when
 * installed) verifies it in a home of its own.
 *
 * Homes (under one mktemp -d /tmp/pss.XXXXXX):
 *   s  the step's: secret alice, bob (unprotected, as in runtime homes),
 *      carol, expired, revoked; public signonly; a generated key whose
 *      only signing-capable key is... none ("nosign": certify-only
 *      primary + encryption subkey); two "Dup" keys sharing an address
 *   v  the verifier's: public alice, bob, carol
 *   b  bob's secret key, still protected
 */
#include <config.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pgpstep/pgpstep.h>
#include <pgpstep/host.h>
#include "fakehost.h"
#include "gpghome.h"

#define KEYS TEST_DATA_DIR "/gpg/keys"
#define INVOICE TEST_DATA_DIR "/gpgrun/invoice.xml"
#define BOB_UNPROTECTED TEST_DATA_DIR "/decrypt/bob-unprotected.sec.asc"

#define ALICE    "015ABD50EB712E873C6BB2B009037A2EDFD86C9F"
#define BOB      "37213D1976A23E2625719E022975619AFF1CDD85"
#define CAROL    "2CD7BF5B19080ACFDAD9A97A0EA17B0BD56D690F"
#define EXPIRED  "F241EF2770F4467D1CCFCB34757CB89B53BE88F2"
#define REVOKED  "A6868A22AC315F24D8571D9CDD0A15B96E001FA3"
#define SIGNONLY "06E58D2062B4E91FE0D8550CF70B9058CB9C033A"

static const char *const homes[] = { "s", "v", "b", NULL };

static char base[64];
static char step_home[96];
static char nosign[41];         /* The generated key that cannot sign.  */
static const struct pgpstep_step *step;
static int have_sqop;


/* Helpers.  */

/* BASE/NAME.  */
static const char *
path (const char *name)
{
  static char buf[4][128];
  static int i;

  i = (i + 1) % 4;
  snprintf (buf[i], sizeof buf[i], "%s/%s", base, name);
  return buf[i];
}

static void
assert_status (const char *line)
{
  if (!file_has (path ("st"), line))
    {
      print_error ("status lacks '%s'\n", line);
      sh ("cat %s/st %s/err >&2", base, base);
      fail ();
    }
}

/* gpg in the verifier's home: inline (SIG NULL: BASE/out) or detached
 * (signature file SIG over DATA).  The signed data goes to BASE/dec,
 * status to BASE/st.  Returns gpg's exit code.  */
static int
gpg_verify (const char *sig, const char *data)
{
  if (!sig)
    return sh ("gpg --homedir %s/v --batch --no-options --status-fd 3"
               " -o %s/dec --yes -d %s/out 3>%s/st 2>%s/err",
               base, base, base, base, base);
  return sh ("gpg --homedir %s/v --batch --no-options --status-fd 3"
             " --verify %s %s 3>%s/st 2>%s/err", base, sig, data, base, base);
}

/* gpg found a good signature by FPR with digest DIGEST (an id).  */
static void
assert_validsig (const char *fpr, int digest)
{
  char line[128];
  char *text = read_file (path ("st"), NULL);
  const char *p;
  int algo = -1;

  assert_non_null (text);
  snprintf (line, sizeof line, "VALIDSIG %s ", fpr);
  p = strstr (text, line);
  if (!p)
    {
      print_error ("no %s in:\n%s", line, text);
      free (text);
      fail ();
    }
  /* VALIDSIG fpr date ts expire version reserved pkalgo hashalgo ...  */
  if (sscanf (p + strlen (line), "%*s %*s %*s %*s %*s %*s %d", &algo) != 1)
    algo = -1;
  free (text);
  assert_int_equal (algo, digest);
}

/* sqop verifies the signature file SIG over INPUT ("sqop verify"), or
 * the signed message INPUT when SIG is NULL ("sqop inline-verify",
 * the signed data in BASE/sqop).  Detached: the verifications must
 * name every FPR of FPRS.  Nothing is checked when sqop is missing.  */
static void
assert_sqop (const char *sig, const char *input, const char *const *fprs)
{
  if (!have_sqop)
    return;
  if (sh ("sqop %s %s %s/alice.pub.asc %s/bob.pub.asc %s/carol.pub.asc"
          " < %s > %s/sqop 2>%s/err", sig ? "verify" : "inline-verify",
          sig ? sig : "", KEYS, KEYS, KEYS, input, base, base))
    {
      sh ("cat %s/err >&2", base);
      fail_msg ("sqop %s failed", sig ? "verify" : "inline-verify");
    }
  for (; sig && *fprs; fprs++)
    if (!file_has (path ("sqop"), *fprs))
      fail_msg ("sqop did not verify %s", *fprs);
}


/* Running the step.  */

struct run
{
  struct fakehost fh;
  void *state;
  gpg_error_t create_err;
  gpg_error_t err;
};

static void
run_release (struct run *r)
{
  if (r->state)
    step->destroy (r->state);
  r->state = NULL;
  fakehost_release (&r->fh);
}

/* Create the step with PARAMS; on success process INPUT and store the
 * output in BASE/out.  */
static void
run_step (struct run *r, const struct fakehost_value *params,
          const struct fakehost_value *headers, const char *input,
          int source_pipe)
{
  memset (r, 0, sizeof *r);
  r->fh.params = params;
  r->fh.headers = headers;
  r->fh.homedir = step_home;
  r->fh.is_last = 1;
  r->fh.source_pipe = source_pipe;
  r->create_err = fakehost_create (&r->fh, step, &r->state);
  if (r->create_err)
    return;
  r->err = fakehost_process_file (&r->fh, step, r->state, input);
  write_file (path ("out"), r->fh.out, r->fh.outlen);
}

static void
sign_ok (struct run *r, const struct fakehost_value *params,
         const char *input)
{
  run_step (r, params, NULL, input, 0);
  if (r->create_err)
    print_error ("create: %s: %s\n", gpg_strerror (r->create_err),
                 r->fh.config_err_text ? r->fh.config_err_text : "");
  assert_int_equal (r->create_err, 0);
  if (r->err)
    print_error ("process: %s: %s\n", gpg_strerror (r->err),
                 r->fh.err_text ? r->fh.err_text : "");
  assert_int_equal (r->err, 0);
}

/* The result headers every signed message has.  */
static void
assert_headers (struct run *r, const char *signers, const char *digest)
{
  const char *created = fakehost_header (&r->fh, "pgp.signature.created");
  time_t now = time (NULL);
  struct tm tm;

  assert_string_equal (fakehost_header (&r->fh, "pgp.signers"), signers);
  assert_string_equal (fakehost_header (&r->fh, "pgp.signature.digest"),
                       digest);
  assert_non_null (created);
  memset (&tm, 0, sizeof tm);
  assert_non_null (strptime (created, "%Y-%m-%dT%H:%M:%SZ", &tm));
  assert_int_equal (strlen (created), 20);
  assert_true (labs ((long) (timegm (&tm) - now)) < 120);
}


/* Setup.  */

static void
stop_agents (void)
{
  char home[160];
  int i;

  for (i = 0; homes[i]; i++)
    {
      snprintf (home, sizeof home, "%s/%s", base, homes[i]);
      stop_agent (home);
    }
}

static int
group_setup (void **unused)
{
  FILE *fp;
  int i;

  (void) unused;
  strcpy (base, "/tmp/pss.XXXXXX");
  if (!mkdtemp (base))
    return -1;
  snprintf (step_home, sizeof step_home, "%s/s", base);
  for (i = 0; homes[i]; i++)
    if (sh ("mkdir -m 700 %s/%s", base, homes[i]))
      return -1;
#define IMPORT(home, file) \
  sh ("gpg --homedir %s/%s --batch --quiet --import %s 2>/dev/null", \
      base, home, file)
  if (IMPORT ("s", KEYS "/alice.sec.asc") || IMPORT ("s", BOB_UNPROTECTED)
      || IMPORT ("s", KEYS "/carol.sec.asc")
      || IMPORT ("s", KEYS "/expired.sec.asc")
      || IMPORT ("s", KEYS "/revoked.sec.asc")
      || IMPORT ("s", KEYS "/signonly.pub.asc")
      || IMPORT ("v", KEYS "/alice.pub.asc")
      || IMPORT ("v", KEYS "/bob.pub.asc")
      || IMPORT ("v", KEYS "/carol.pub.asc")
      || sh ("gpg --homedir %s/b --batch --quiet --pinentry-mode loopback"
             " --passphrase 'bob passphrase' --import %s/bob.sec.asc"
             " 2>/dev/null", base, KEYS))
    return -1;
#undef IMPORT
  for (i = 0; i < 2; i++)
    if (sh ("gpg --homedir %s --batch --quiet --yes --passphrase '' "
            "--quick-gen-key 'Dup <dup@example.org>' ed25519 default never"
            " 2>/dev/null", step_home))
      return -1;
  /* A key that cannot sign: certify-only primary, encryption subkey.  */
  if (sh ("gpg --homedir %s --batch --quiet --yes --passphrase ''"
          " --quick-gen-key 'Nosign <nosign@example.org>' ed25519 cert never"
          " 2>/dev/null && gpg --homedir %s --batch --with-colons"
          " --list-keys '<nosign@example.org>' 2>/dev/null | awk -F: '/^fpr/{print $10;"
          " exit}' > %s/nosign", step_home, step_home, base))
    return -1;
  fp = fopen (path ("nosign"), "r");
  if (!fp || fscanf (fp, "%40s", nosign) != 1 || strlen (nosign) != 40)
    return -1;
  fclose (fp);
  if (sh ("gpg --homedir %s --batch --quiet --passphrase ''"
          " --quick-add-key %s cv25519 encr never 2>/dev/null",
          step_home, nosign))
    return -1;
  stop_agents ();
  have_sqop = !sh ("command -v sqop >/dev/null 2>&1");
  if (!have_sqop)
    print_message ("NOTE: sqop is not installed: gpg checks only\n");
  return 0;
}

static int
group_teardown (void **unused)
{
  (void) unused;
  stop_agents ();
  sh ("rm -rf %s", base);
  return 0;
}

static int
setup_module (void)
{
  const struct pgpstep_module *module;

  if (pgpstep_module_init (&fakehost_services, &module))
    return -1;
  step = fakehost_find_step (module, "sign");
  return step ? 0 : -1;
}


/* Tests.  */

static const char *const alice_bob[] = { ALICE, BOB, NULL };

/* Inline, binary and armored, binary and text mode, two signers:
 * a one-pass signed message without compression that gpg and sqop
 * verify and that gives back the payload.  */
static void
test_inline_verifies (void **unused)
{
  struct fakehost_value params[] = {
    { "keyring", "ours" }, { "sign-with", ALICE }, { "sign-with", BOB },
    { "armor", NULL }, { "text", NULL }, { NULL, NULL }
  };
  struct run r;
  int armor, text;

  (void) unused;
  assert_int_equal (sh ("sed 's/$/\r/' %s > %s/crlfinv", INVOICE, base), 0);
  for (armor = 0; armor < 2; armor++)
    for (text = 0; text < 2; text++)
      {
        params[3].value = armor ? "true" : "false";
        params[4].value = text ? "true" : "false";
        sign_ok (&r, params, INVOICE);
        assert_headers (&r, ALICE "," BOB, "SHA256");
        assert_null (fakehost_header (&r.fh, "pgp.signature"));
        if (armor)
          assert_memory_equal (r.fh.out, "-----BEGIN PGP MESSAGE-----\n",
                               28);
        else
          assert_true (r.fh.outlen && (r.fh.out[0] & 0x80));
        run_release (&r);
        assert_int_equal (gpg_verify (NULL, NULL), 0);
        assert_validsig (ALICE, 8);
        assert_validsig (BOB, 8);
        assert_status (text ? " 01 " : " 00 ");
        assert_true (same_files (path ("dec"), INVOICE));
        assert_int_equal (sh ("gpg --homedir %s/v --batch --list-packets"
                              " %s/out 2>/dev/null | grep -q compressed",
                              base, base), 1);
        assert_sqop (NULL, path ("out"), alice_bob);
        /* In text mode the literal data holds CRLF line ends: gpg
         * gives back LF, Sequoia the CRLF text.  */
        if (have_sqop)
          assert_true (same_files (path ("sqop"), text ? path ("crlfinv")
                                   : INVOICE));
      }
}

/* Each digest in each mode that makes packets.  */
static void
test_digests (void **unused)
{
  static const struct { const char *name; int id; int legacy; } d[] = {
    { "SHA256", 8, 0 }, { "SHA384", 9, 0 }, { "SHA512", 10, 0 },
    { "SHA224", 11, 0 }, { "SHA1", 2, 1 }, { "RIPEMD160", 3, 1 }
  };
  struct fakehost_value params[] = {
    { "keyring", "ours" }, { "sign-with", BOB }, { "sign-with", ALICE },
    { "digest", NULL }, { "mode", NULL }, { "allow-legacy", NULL },
    { "output", "signature" }, { NULL, NULL }
  };
  struct run r;
  size_t i;
  int detached;

  (void) unused;
  for (i = 0; i < sizeof d / sizeof *d; i++)
    for (detached = 0; detached < 2; detached++)
      {
        params[3].value = d[i].name;
        params[4].value = detached ? "detached" : "inline";
        params[5].value = d[i].legacy ? "true" : "false";
        params[6].name = detached ? "output" : NULL;
        sign_ok (&r, params, INVOICE);
        assert_headers (&r, BOB "," ALICE, d[i].name);
        run_release (&r);
        assert_int_equal (detached ? gpg_verify (path ("out"), INVOICE)
                          : gpg_verify (NULL, NULL), 0);
        assert_validsig (ALICE, d[i].id);
        assert_validsig (BOB, d[i].id);
        /* Sequoia rejects SHA-1 and RIPEMD-160 data signatures.  */
        if (!d[i].legacy)
          {
            if (detached)
              assert_sqop (path ("out"), INVOICE, alice_bob);
            else
              assert_sqop (NULL, path ("out"), alice_bob);
          }
      }
}

/* Detached, output=payload: the payload passes unchanged; the armored
 * signature in pgp.signature verifies over it (gpg and sqop), also in
 * text mode over CRLF text.  */
static void
test_detached_payload (void **unused)
{
  struct fakehost_value params[] = {
    { "keyring", "ours" }, { "sign-with", ALICE }, { "sign-with", BOB },
    { "mode", "detached" }, { "text", NULL }, { NULL, NULL }
  };
  static const char crlf[] = "Line one  \r\nline two\r\n\r\n- dash\r\nno end";
  const char *sig;
  char input[128];
  struct run r;
  int text;

  (void) unused;
  write_file (path ("crlf"), crlf, sizeof crlf - 1);
  for (text = 0; text < 2; text++)
    {
      snprintf (input, sizeof input, "%s", text ? path ("crlf") : INVOICE);
      params[4].value = text ? "true" : "false";
      sign_ok (&r, params, input);
      assert_headers (&r, ALICE "," BOB, "SHA256");
      assert_true (same_files (path ("out"), input));
      sig = fakehost_header (&r.fh, "pgp.signature");
      assert_non_null (sig);
      assert_memory_equal (sig, "-----BEGIN PGP SIGNATURE-----\n", 30);
      assert_non_null (strstr (sig, "-----END PGP SIGNATURE-----\n"));
      write_file (path ("sig.asc"), sig, strlen (sig));
      run_release (&r);
      assert_int_equal (gpg_verify (path ("sig.asc"), input), 0);
      assert_validsig (ALICE, 8);
      assert_validsig (BOB, 8);
      assert_status (text ? " 01 " : " 00 ");
      assert_sqop (path ("sig.asc"), input, alice_bob);
      /* The same text with LF line ends verifies in text mode only.  */
      if (text)
        {
          assert_int_equal (sh ("tr -d '\\r' < %s > %s/lf", input, base), 0);
          assert_int_equal (gpg_verify (path ("sig.asc"), path ("lf")), 0);
        }
    }
}

/* Detached, output=signature: the body is the signature, binary
 * (signature packets only) or armored.  */
static void
test_detached_signature (void **unused)
{
  struct fakehost_value params[] = {
    { "keyring", "ours" }, { "sign-with", "<carol@example.org>" },
    { "sign-with", ALICE }, { "mode", "detached" },
    { "output", "signature" }, { "armor", NULL }, { NULL, NULL }
  };
  static const char *const carol_alice[] = { CAROL, ALICE, NULL };
  struct run r;
  int armor;

  (void) unused;
  for (armor = 0; armor < 2; armor++)
    {
      params[5].value = armor ? "true" : "false";
      sign_ok (&r, params, INVOICE);
      assert_headers (&r, CAROL "," ALICE, "SHA256");
      assert_null (fakehost_header (&r.fh, "pgp.signature"));
      if (armor)
        assert_memory_equal (r.fh.out, "-----BEGIN PGP SIGNATURE-----\n", 30);
      else
        {
          /* Two signature packets and nothing else.  */
          assert_true (r.fh.outlen > 100 && r.fh.outlen < 1000);
          assert_int_equal (sh ("gpg --homedir %s/v --batch --list-packets"
                                " %s/out 2>/dev/null | grep -c '^:' | grep"
                                " -qx 2 && gpg --homedir %s/v --batch"
                                " --list-packets %s/out 2>/dev/null | grep"
                                " '^:' | grep -vq '^:signature packet'",
                                base, base, base, base), 1);
        }
      run_release (&r);
      assert_int_equal (gpg_verify (path ("out"), INVOICE), 0);
      /* VALIDSIG names carol's signing subkey first.  */
      assert_status (" " CAROL);
      assert_validsig (ALICE, 8);
      assert_sqop (path ("out"), INVOICE, carol_alice);
    }
}

/* Cleartext: what verifiers give back is documented in sign.c.  */
static void
test_cleartext (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "sign-with", ALICE }, { "sign-with", BOB },
    { "mode", "cleartext" }, { "digest", "SHA512" }, { NULL, NULL }
  };
  static const char text[] =
    "Gr\xc3\xbc\xc3\x9f" "e  \r\n"        /* CRLF, trailing spaces */
    "line two\t\n"                         /* LF, trailing tab */
    "- dash\n"
    "From here\n"
    "\n"
    "\xe2\x82\xac \xf0\x9f\x98\x80 last";  /* no final line end */
  static const char expect[] =
    "Gr\xc3\xbc\xc3\x9f" "e\r\n"
    "line two\n"
    "- dash\n"
    "From here\n"
    "\n"
    "\xe2\x82\xac \xf0\x9f\x98\x80 last\n";
  struct run r;

  (void) unused;
  write_file (path ("text"), text, sizeof text - 1);
  write_file (path ("expect"), expect, sizeof expect - 1);
  sign_ok (&r, params, path ("text"));
  assert_headers (&r, ALICE "," BOB, "SHA512");
  assert_memory_equal (r.fh.out, "-----BEGIN PGP SIGNED MESSAGE-----\n"
                       "Hash: SHA512\n\n", 49);
  assert_non_null (strstr (r.fh.out, "\n- - dash\n"));
  run_release (&r);
  assert_int_equal (gpg_verify (NULL, NULL), 0);
  assert_validsig (ALICE, 10);
  assert_validsig (BOB, 10);
  assert_status (" 01 ");
  assert_true (same_files (path ("dec"), path ("expect")));
  assert_sqop (NULL, path ("out"), alice_bob);
  if (have_sqop)
    assert_true (same_files (path ("sqop"), path ("expect")));

  /* An empty payload is text too.  */
  sign_ok (&r, params, NULL);
  run_release (&r);
  assert_int_equal (gpg_verify (NULL, NULL), 0);
}

/* A payload that is no text fails a cleartext signature with 41 and
 * nothing written: a NUL byte, invalid UTF-8 (early, or far into a
 * piped stream), a sequence cut off at the end.  */
static void
test_cleartext_refuses_binary (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "sign-with", ALICE }, { "mode", "cleartext" },
    { NULL, NULL }
  };
  static const struct { const char *data; size_t len; const char *why;
    unsigned long long at; } bad[] = {
    { "abc\0def\n", 8, "a NUL byte", 3 },
    { "caf\xe9\n", 5, "invalid UTF-8", 3 },
    { "over\xc0\xaflong\n", 11, "invalid UTF-8", 4 },
    { "surrogate \xed\xa0\x80\n", 14, "invalid UTF-8", 10 },
    { "cut \xe2\x82", 6, "cut off at the end", 4 },
  };
  char want[64];
  struct run r;
  size_t i;
  int piped;

  (void) unused;
  for (i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      write_file (path ("bad"), bad[i].data, bad[i].len);
      run_step (&r, params, NULL, path ("bad"), 0);
      assert_int_equal (r.create_err, 0);
      assert_int_equal (gpg_err_code (r.err), GPG_ERR_BAD_DATA);
      assert_int_equal (pgpstep_exit_code (r.err), 41);
      assert_non_null (strstr (r.fh.err_text, bad[i].why));
      snprintf (want, sizeof want, "at byte %llu)", bad[i].at);
      assert_non_null (strstr (r.fh.err_text, want));
      assert_int_equal (r.fh.outlen, 0);
      assert_int_equal (count_children (), 0);
      run_release (&r);
    }

  /* 3 MB of good multi-byte text (sequences split between reads),
   * then a NUL: refused, from a file and from a pipe.  */
  assert_int_equal (sh ("yes 'gr\xc3\xbc\xc3\x9f \xe2\x82\xac"
                        " \xf0\x9f\x98\x80 text' | head -n 150000 > %s/big"
                        " && printf 'x\\000y\\n' >> %s/big", base, base), 0);
  for (piped = 0; piped < 2; piped++)
    {
      run_step (&r, params, NULL, path ("big"), piped);
      assert_int_equal (pgpstep_exit_code (r.err), 41);
      assert_non_null (strstr (r.fh.err_text, "a NUL byte at byte"));
      assert_int_equal (r.fh.outlen, 0);
      assert_int_equal (count_children (), 0);
      run_release (&r);
    }
  /* Without the NUL it signs.  */
  assert_int_equal (sh ("truncate -s -4 %s/big", base), 0);
  run_step (&r, params, NULL, path ("big"), 1);
  assert_int_equal (r.err, 0);
  run_release (&r);
  assert_int_equal (gpg_verify (NULL, NULL), 0);
  assert_validsig (ALICE, 8);
}

/* Keys that cannot sign are refused by name when the step is created
 * (79); a legacy digest without allow-legacy is 37.  */
static void
refused_at_create (const char *spec, const char *key, const char *reason)
{
  struct fakehost_value params[] = {
    { "keyring", "ours" }, { "sign-with", ALICE }, { "sign-with", NULL },
    { NULL, NULL }
  };
  struct run r;

  params[2].value = spec;
  run_step (&r, params, NULL, INVOICE, 0);
  assert_int_equal (pgpstep_exit_code (r.create_err), 79);
  if (key)
    assert_string_equal (r.fh.config_err_key, key);
  if (!strstr (r.fh.config_err_text, reason))
    fail_msg ("'%s' lacks '%s'", r.fh.config_err_text, reason);
  assert_null (r.state);
  run_release (&r);
}

static void
test_refused_signers (void **unused)
{
  char spec[64];

  (void) unused;
  refused_at_create (EXPIRED, EXPIRED, "is expired");
  refused_at_create ("<expired@example.org>", EXPIRED, "is expired");
  refused_at_create (REVOKED, REVOKED, "is revoked");
  refused_at_create (nosign, nosign, "no signing-capable");
  snprintf (spec, sizeof spec, "<nosign@example.org>");
  refused_at_create (spec, nosign, "no signing-capable");
  refused_at_create (SIGNONLY, SIGNONLY, "has no secret key");
  refused_at_create ("<nobody@example.org>", NULL,
                     "no key for '<nobody@example.org>' in keyring ours");
  refused_at_create ("Alice", NULL, "no key for 'Alice'");   /* No substring. */
  refused_at_create ("<dup@example.org>", NULL, "ambiguous");
}

static void
test_config_errors (void **unused)
{
  static const struct fakehost_value legacy[] = {
    { "keyring", "ours" }, { "sign-with", ALICE }, { "digest", "SHA1" },
    { NULL, NULL }
  };
  static const struct fakehost_value md5[] = {
    { "keyring", "ours" }, { "sign-with", ALICE }, { "digest", "MD5" },
    { "mode", "detached" }, { NULL, NULL }
  };
  static const struct fakehost_value output_inline[] = {
    { "keyring", "ours" }, { "sign-with", ALICE }, { "output", "signature" },
    { NULL, NULL }
  };
  static const struct fakehost_value zlib_detached[] = {
    { "keyring", "ours" }, { "sign-with", ALICE }, { "mode", "detached" },
    { "compression", "zlib" }, { NULL, NULL }
  };
  static const struct fakehost_value twice[] = {
    { "keyring", "ours" }, { "sign-with", ALICE },
    { "sign-with", "<alice@example.org>" }, { NULL, NULL }
  };
  static const struct fakehost_value none[] = {
    { "keyring", "ours" }, { NULL, NULL }
  };
  static const struct { const struct fakehost_value *params; int code;
    const char *key; const char *text; } c[] = {
    { legacy, 37, "digest", "allow-legacy" },
    { md5, 37, "digest", "MD5" },
    { output_inline, 37, "output", "detached only" },
    { zlib_detached, 37, "compression", "inline only" },
    { twice, 37, "sign-with", "twice" },
    { none, 78, "sign-with", "needs a sign-with" },
  };
  struct run r;
  size_t i;

  (void) unused;
  for (i = 0; i < sizeof c / sizeof *c; i++)
    {
      run_step (&r, c[i].params, NULL, INVOICE, 0);
      assert_int_equal (pgpstep_exit_code (r.create_err), c[i].code);
      assert_string_equal (r.fh.config_err_key, c[i].key);
      assert_non_null (strstr (r.fh.config_err_text, c[i].text));
      run_release (&r);
    }
}

/* Compression in inline mode, and the legacy digest MD5 when allowed
 * (gpg still verifies it).  */
static void
test_compression_and_md5 (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "sign-with", ALICE }, { "compression", "zlib" },
    { "digest", "MD5" }, { "allow-legacy", "true" }, { NULL, NULL }
  };
  struct run r;

  (void) unused;
  sign_ok (&r, params, INVOICE);
  assert_headers (&r, ALICE, "MD5");
  run_release (&r);
  assert_int_equal (sh ("gpg --homedir %s/v --batch --list-packets"
                        " %s/out 2>/dev/null | grep -q 'compressed packet:"
                        " algo=2'", base, base), 0);
  assert_int_equal (sh ("gpg --homedir %s/v --batch --no-options"
                        " --allow-weak-digest-algos --status-fd 3 -o %s/dec"
                        " --yes -d %s/out 3>%s/st 2>%s/err", base, base, base,
                        base, base), 0);
  assert_validsig (ALICE, 1);
  assert_true (same_files (path ("dec"), INVOICE));
}

/* A signer chosen by a message header, among the step's keys only.  */
static void
test_header_signer (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "sign-with", "${header.signer}" },
    { "mode", "detached" }, { NULL, NULL }
  };
  struct fakehost_value headers[] = { { "signer", NULL }, { NULL, NULL } };
  static const char *const bob[] = { BOB, NULL };
  struct run r;
  const char *sig;

  (void) unused;
  headers[0].value = "<bob@example.org>";
  run_step (&r, params, headers, INVOICE, 0);
  assert_int_equal (r.create_err, 0);
  assert_int_equal (r.err, 0);
  assert_headers (&r, BOB, "SHA256");
  sig = fakehost_header (&r.fh, "pgp.signature");
  assert_non_null (sig);
  write_file (path ("sig.asc"), sig, strlen (sig));
  run_release (&r);
  assert_int_equal (gpg_verify (path ("sig.asc"), INVOICE), 0);
  assert_validsig (BOB, 8);
  assert_sqop (path ("sig.asc"), INVOICE, bob);

  /* Not in the step's keyrings, revoked, ambiguous: 79, no output.  */
  {
    static const struct { const char *spec, *text; } bad[] = {
      { "<nobody@example.org>",
        "no key for '<nobody@example.org>' in keyring ours" },
      { REVOKED, "revoked" },
      { "<dup@example.org>", "ambiguous" },
    };
    size_t i;

    for (i = 0; i < sizeof bad / sizeof *bad; i++)
      {
        headers[0].value = bad[i].spec;
        run_step (&r, params, headers, INVOICE, 0);
        assert_int_equal (r.create_err, 0);
        assert_int_equal (pgpstep_exit_code (r.err), 79);
        assert_non_null (strstr (r.fh.err_text, bad[i].text));
        assert_int_equal (r.fh.outlen, 0);
        assert_null (fakehost_header (&r.fh, "pgp.signers"));
        run_release (&r);
      }
  }

  /* No such header: the message fails before the step runs.  */
  headers[0].name = "other";
  run_step (&r, params, headers, INVOICE, 0);
  assert_int_equal (pgpstep_exit_code (r.err), 61);
  assert_int_equal (r.fh.outlen, 0);
  run_release (&r);
}

/* A protected signing key (runtime homes hold unprotected ones): gpg's
 * prompt is refused, 67, naming the key, and gpg is gone.  */
static void
test_protected_signer (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "sign-with", BOB }, { "mode", "detached" },
    { NULL, NULL }
  };
  char home[96];
  struct run r;

  (void) unused;
  stop_agents ();
  snprintf (home, sizeof home, "%s/b", base);
  memset (&r, 0, sizeof r);
  r.fh.params = params;
  r.fh.homedir = home;
  r.fh.is_last = 1;
  assert_int_equal (fakehost_create (&r.fh, step, &r.state), 0);
  r.err = fakehost_process_file (&r.fh, step, r.state, INVOICE);
  assert_int_equal (pgpstep_exit_code (r.err), 67);
  assert_string_equal (r.fh.err_key, "2975619AFF1CDD85");
  assert_non_null (strstr (r.fh.err_text, "is protected"));
  assert_int_equal (r.fh.outlen, 0);
  assert_null (fakehost_header (&r.fh, "pgp.signature"));
  assert_int_equal (count_children (), 0);
  run_release (&r);
}

/* A big payload through a pipe: gpg writes partial body lengths, the
 * cutter follows them; inline armored verifies too.  */
static void
test_stream (void **unused)
{
  struct fakehost_value params[] = {
    { "keyring", "ours" }, { "sign-with", ALICE }, { "sign-with", BOB },
    { "mode", NULL }, { "output", NULL }, { "armor", "true" }, { NULL, NULL }
  };
  static const char *const modes[][2] = {
    { "detached", "payload" }, { "detached", "signature" },
    { "inline", NULL }
  };
  const char *sig;
  struct run r;
  size_t i;

  (void) unused;
  assert_int_equal (sh ("head -c 20000000 /dev/urandom > %s/big", base), 0);
  for (i = 0; i < 3; i++)
    {
      params[3].value = modes[i][0];
      params[4].name = modes[i][1] ? "output" : NULL;
      params[4].value = modes[i][1];
      params[5].name = i == 0 ? NULL : "armor";
      run_step (&r, params, NULL, path ("big"), 1);
      assert_int_equal (r.err, 0);
      sig = fakehost_header (&r.fh, "pgp.signature");
      if (i == 0)
        {
          assert_true (same_files (path ("out"), path ("big")));
          write_file (path ("sig.asc"), sig, strlen (sig));
        }
      run_release (&r);
      if (i == 2)
        {
          assert_int_equal (gpg_verify (NULL, NULL), 0);
          assert_true (same_files (path ("dec"), path ("big")));
        }
      else
        assert_int_equal (gpg_verify (i == 0 ? path ("sig.asc")
                                      : path ("out"), path ("big")), 0);
      assert_validsig (ALICE, 8);
      assert_validsig (BOB, 8);
    }
}

/* The message is cancelled while gpg waits for more input: every
 * mode stops at once, leaves no child and no output.  */
static void
test_cancel (void **unused)
{
  static const char *const modes[][2] = {
    { "inline", NULL }, { "cleartext", NULL }, { "detached", "payload" },
    { "detached", "signature" }
  };
  struct fakehost_value params[] = {
    { "keyring", "ours" }, { "sign-with", ALICE }, { "mode", NULL },
    { "output", NULL }, { NULL, NULL }
  };
  struct timespec t0, t1;
  struct run r;
  size_t i;

  (void) unused;
  for (i = 0; i < sizeof modes / sizeof *modes; i++)
    {
      params[2].value = modes[i][0];
      params[3].name = modes[i][1] ? "output" : NULL;
      params[3].value = modes[i][1];
      memset (&r, 0, sizeof r);
      r.fh.params = params;
      r.fh.homedir = step_home;
      r.fh.is_last = 1;
      r.fh.source_pipe = 1;
      r.fh.stall_source = 1;
      r.fh.cancel_after_ms = 300;
      assert_int_equal (fakehost_create (&r.fh, step, &r.state), 0);
      clock_gettime (CLOCK_MONOTONIC, &t0);
      r.err = fakehost_process_file (&r.fh, step, r.state, INVOICE);
      clock_gettime (CLOCK_MONOTONIC, &t1);
      assert_int_equal (gpg_err_code (r.err), GPG_ERR_CANCELED);
      assert_true (t1.tv_sec - t0.tv_sec < 5);
      assert_int_equal (r.fh.outlen, 0);
      assert_int_equal (count_children (), 0);
      run_release (&r);
    }
}

/* Several messages at once on one state.  */
#define NTHREADS 4
struct worker
{
  struct fakehost fh;
  void *state;
  int index;
  gpg_error_t err;
};

static void *
worker_thread (void *arg)
{
  struct worker *w = arg;
  const char *sig;
  char name[96];
  int i;

  for (i = 0; i < 3 && !w->err; i++)
    {
      w->err = fakehost_process_file (&w->fh, step, w->state, INVOICE);
      sig = fakehost_header (&w->fh, "pgp.signature");
      if (!w->err && (!sig || w->fh.outlen == 0))
        w->err = gpg_error (GPG_ERR_MISSING_VALUE);
      if (!w->err)
        {
          snprintf (name, sizeof name, "%s/par%d-%d.asc", base, w->index, i);
          write_file (name, sig, strlen (sig));
        }
    }
  return NULL;
}

static void
test_concurrent (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "sign-with", ALICE }, { "sign-with", CAROL },
    { "mode", "detached" }, { NULL, NULL }
  };
  struct worker w[NTHREADS];
  pthread_t tid[NTHREADS];
  void *state = NULL, *other;
  char name[96];
  int i, j;

  (void) unused;
  memset (w, 0, sizeof w);
  for (i = 0; i < NTHREADS; i++)
    {
      w[i].fh.params = params;
      w[i].fh.homedir = step_home;
      w[i].fh.is_last = 1;
      w[i].index = i;
      assert_int_equal (fakehost_create (&w[i].fh, step, &other), 0);
      if (!i)
        state = other;
      else
        step->destroy (other);
    }
  for (i = 0; i < NTHREADS; i++)
    {
      w[i].state = state;
      assert_int_equal (pthread_create (&tid[i], NULL, worker_thread, &w[i]),
                        0);
    }
  for (i = 0; i < NTHREADS; i++)
    {
      pthread_join (tid[i], NULL);
      assert_int_equal (w[i].err, 0);
    }
  step->destroy (state);
  for (i = 0; i < NTHREADS; i++)
    fakehost_release (&w[i].fh);
  for (i = 0; i < NTHREADS; i++)
    for (j = 0; j < 3; j++)
      {
        snprintf (name, sizeof name, "%s/par%d-%d.asc", base, i, j);
        assert_int_equal (gpg_verify (name, INVOICE), 0);
        assert_validsig (ALICE, 8);
      }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_inline_verifies),
    cmocka_unit_test (test_digests),
    cmocka_unit_test (test_detached_payload),
    cmocka_unit_test (test_detached_signature),
    cmocka_unit_test (test_cleartext),
    cmocka_unit_test (test_cleartext_refuses_binary),
    cmocka_unit_test (test_refused_signers),
    cmocka_unit_test (test_config_errors),
    cmocka_unit_test (test_compression_and_md5),
    cmocka_unit_test (test_header_signer),
    cmocka_unit_test (test_protected_signer),
    cmocka_unit_test (test_stream),
    cmocka_unit_test (test_cancel),
    cmocka_unit_test (test_concurrent),
  };

  if (setup_module ())
    return 1;
  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
