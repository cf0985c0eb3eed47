/* t-encrypt.c - the encrypt step through its entry point, with a fake
 * host.  Every output is checked by the partner's side: gpg (and sqop
 * when installed) decrypts it in homes of its own.
 *
 * Homes (under one mktemp -d /tmp/pet.XXXXXX):
 *   s  the step's: public alice bob carol expired revoked signonly,
 *      two "Dup" keys sharing an address, alice's secret key
 *   a  alice's secret key         c  carol's secret key + alice public
 *   b  bob's secret key (protected)   e  empty (passwords)
 *   n  empty: the host's home for a step without keyring
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

#define ALICE    "015ABD50EB712E873C6BB2B009037A2EDFD86C9F"
#define BOB      "37213D1976A23E2625719E022975619AFF1CDD85"
#define CAROL    "2CD7BF5B19080ACFDAD9A97A0EA17B0BD56D690F"
#define EXPIRED  "F241EF2770F4467D1CCFCB34757CB89B53BE88F2"
#define REVOKED  "A6868A22AC315F24D8571D9CDD0A15B96E001FA3"
#define SIGNONLY "06E58D2062B4E91FE0D8550CF70B9058CB9C033A"

static const char *const homes[] = { "s", "a", "c", "b", "e", "n", NULL };

static char base[64];
static char step_home[96];
static char empty_home[96];
static char wrapper[96];
static const struct pgpstep_step *step;
static int source_pipe;         /* run_step feeds the input through a pipe.  */


/* Helpers.  */

/* Decrypt BASE/out.gpg in home HOME (with EXTRA gpg options) into
 * BASE/dec, status into BASE/st.  Returns gpg's exit code.  */
static int
gpg_decrypt (const char *home, const char *extra)
{
  return sh ("gpg --homedir %s/%s --batch --no-options --pinentry-mode"
             " loopback --status-fd 3 %s -o %s/dec --yes -d %s/out.gpg"
             " 3>%s/st 2>%s/err", base, home, extra ? extra : "",
             base, base, base, base);
}

/* Stop the agents of all homes and wait until they are gone.  */
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

/* Create the step with PARAMS; on success process INPUT (a file) and
 * store the output in BASE/out.gpg.  */
static void
run_step (struct run *r, const struct fakehost_value *params,
          const struct fakehost_value *headers, const char *input)
{
  static const struct fakehost_value secrets[] = {
    { "secret:pw", "correct horse" },
    { NULL, NULL }
  };
  char out[96];

  memset (r, 0, sizeof *r);
  r->fh.params = params;
  r->fh.headers = headers;
  r->fh.secrets = secrets;
  r->fh.homedir = step_home;
  r->fh.empty_homedir = empty_home;
  r->fh.is_last = 1;
  r->fh.source_pipe = source_pipe;
  r->create_err = fakehost_create (&r->fh, step, &r->state);
  if (r->create_err)
    return;
  r->err = fakehost_process_file (&r->fh, step, r->state, input);
  snprintf (out, sizeof out, "%s/out.gpg", base);
  write_file (out, r->fh.out, r->fh.outlen);
}

/* Encrypt the invoice with PARAMS, expect success.  */
static void
encrypt_ok (struct run *r, const struct fakehost_value *params)
{
  run_step (r, params, NULL, INVOICE);
  if (r->create_err)
    print_error ("create: %s: %s\n", gpg_strerror (r->create_err),
                 r->fh.config_err_text ? r->fh.config_err_text : "");
  assert_int_equal (r->create_err, 0);
  if (r->err)
    print_error ("process: %s: %s\n", gpg_strerror (r->err),
                 r->fh.err_text ? r->fh.err_text : "");
  assert_int_equal (r->err, 0);
  assert_true (r->fh.outlen > 0);
}

/* Decrypt in HOME and compare with the invoice.  */
static void
assert_decrypts (const char *home, const char *extra)
{
  char dec[96];

  if (gpg_decrypt (home, extra))
    {
      sh ("cat %s/err >&2", base);
      fail_msg ("gpg -d in home %s failed", home);
    }
  snprintf (dec, sizeof dec, "%s/dec", base);
  assert_true (same_files (dec, INVOICE));
}

static void
assert_status (const char *line)
{
  char st[96];

  snprintf (st, sizeof st, "%s/st", base);
  if (!file_has (st, line))
    {
      print_error ("status lacks '%s'\n", line);
      sh ("cat %s >&2", st);
      fail ();
    }
}

static void
assert_packets (const char *home, const char *text, int present)
{
  int rc = sh ("gpg --homedir %s/%s --batch --no-options --pinentry-mode"
               " loopback --list-packets %s/out.gpg 2>/dev/null"
               " | grep -q '%s'", base, home, base, text);

  assert_int_equal (rc, present ? 0 : 1);
}


/* Setup.  */

static int
group_setup (void **unused)
{
  FILE *fp;
  int i;

  (void) unused;
  strcpy (base, "/tmp/pet.XXXXXX");
  if (!mkdtemp (base))
    return -1;
  snprintf (step_home, sizeof step_home, "%s/s", base);
  snprintf (empty_home, sizeof empty_home, "%s/n", base);
  for (i = 0; homes[i]; i++)
    if (sh ("mkdir -m 700 %s/%s", base, homes[i]))
      return -1;
#define IMPORT(home, file) \
  sh ("gpg --homedir %s/%s --batch --quiet --import %s/%s 2>/dev/null", \
      base, home, KEYS, file)
  if (IMPORT ("s", "alice.sec.asc") || IMPORT ("s", "bob.pub.asc")
      || IMPORT ("s", "carol.pub.asc") || IMPORT ("s", "expired.pub.asc")
      || IMPORT ("s", "revoked.pub.asc") || IMPORT ("s", "signonly.pub.asc")
      || IMPORT ("a", "alice.sec.asc")
      || IMPORT ("c", "carol.sec.asc") || IMPORT ("c", "alice.pub.asc")
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
  stop_agents ();

  /* gpg through a wrapper that lies to encrypt runs when BASE/lie
   * exists: INV_RECP for carol, yet exit 0.  */
  snprintf (wrapper, sizeof wrapper, "%s/gpg", base);
  fp = fopen (wrapper, "w");
  if (!fp)
    return -1;
  fprintf (fp, "#!/bin/sh\n"
           "case \" $* \" in *\" --encrypt \"*)\n"
           "  echo run >> %s/runs\n"
           "  if [ -f %s/lie ]; then\n"
           "    echo '[GNUPG:] INV_RECP 0 %s' >&3\n"
           "    echo '[GNUPG:] BEGIN_ENCRYPTION 2 9' >&3\n"
           "    cat >/dev/null\n"
           "    echo '[GNUPG:] END_ENCRYPTION' >&3\n"
           "    exit 0\n"
           "  fi\n"
           "  if [ -f %s/die ]; then\n"
           "    echo '[GNUPG:] FAILURE encrypt 33554521' >&3\n"
           "    exit 2\n"
           "  fi;;\n"
           "esac\n"
           "exec /usr/bin/gpg \"$@\"\n", base, base, CAROL, base);
  if (fclose (fp) || chmod (wrapper, 0755))
    return -1;
  setenv ("PGPSTEP_GPG", wrapper, 1);
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
  step = fakehost_find_step (module, "encrypt");
  return step ? 0 : -1;
}


/* Tests.  */

static void
test_ciphers (void **unused)
{
  static const struct { const char *name; int algo; int legacy; } c[] = {
    { "AES128", 7, 0 }, { "AES192", 8, 0 }, { "AES256", 9, 0 },
    { "TWOFISH", 10, 0 }, { "CAMELLIA128", 11, 0 },
    { "CAMELLIA192", 12, 0 }, { "CAMELLIA256", 13, 0 },
    { "CAST5", 3, 1 }, { "3DES", 2, 1 }, { "BLOWFISH", 4, 1 }
  };
  struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", ALICE }, { "cipher", NULL },
    { "allow-legacy", "false" }, { NULL, NULL }
  };
  struct run r;
  char line[64];
  size_t i;

  (void) unused;
  for (i = 0; i < sizeof c / sizeof *c; i++)
    {
      params[2].value = c[i].name;
      params[3].value = c[i].legacy ? "true" : "false";
      encrypt_ok (&r, params);
      assert_string_equal (fakehost_header (&r.fh, "pgp.cipher"), c[i].name);
      assert_string_equal (fakehost_header (&r.fh, "pgp.recipients"), ALICE);
      assert_string_equal (fakehost_header (&r.fh, "pgp.armor"), "false");
      assert_string_equal (fakehost_header (&r.fh, "pgp.input"), "payload");
      assert_null (fakehost_header (&r.fh, "pgp.signers"));
      run_release (&r);
      assert_decrypts ("a", NULL);
      snprintf (line, sizeof line, "DECRYPTION_INFO 2 %d", c[i].algo);
      assert_status (line);
      assert_status ("GOODMDC");
    }
}

static void
test_legacy_refused (void **unused)
{
  static const char *const legacy[] = { "CAST5", "3DES", "BLOWFISH" };
  struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", ALICE }, { "cipher", NULL },
    { NULL, NULL }
  };
  struct fakehost_value dparams[] = {
    { "keyring", "ours" }, { "recipient", ALICE }, { "sign-with", ALICE },
    { "digest", "SHA1" }, { NULL, NULL }
  };
  struct run r;
  size_t i;

  (void) unused;
  for (i = 0; i < 3; i++)
    {
      params[2].value = legacy[i];
      run_step (&r, params, NULL, INVOICE);
      assert_int_equal (pgpstep_exit_code (r.create_err), 37);
      assert_string_equal (r.fh.config_err_key, "cipher");
      assert_non_null (strstr (r.fh.config_err_text, legacy[i]));
      assert_non_null (strstr (r.fh.config_err_text, "allow-legacy"));
      run_release (&r);
    }
  run_step (&r, dparams, NULL, INVOICE);
  assert_int_equal (pgpstep_exit_code (r.create_err), 37);
  assert_string_equal (r.fh.config_err_key, "digest");
  run_release (&r);
}

static void
test_compression (void **unused)
{
  static const struct { const char *name; const char *packet; } c[] = {
    { "none", NULL }, { "zip", "compressed packet: algo=1" },
    { "zlib", "compressed packet: algo=2" },
    { "bzip2", "compressed packet: algo=3" }
  };
  struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", ALICE }, { "compression", NULL },
    { NULL, NULL }, { NULL, NULL }
  };
  struct run r;
  size_t i;

  (void) unused;
  for (i = 0; i < sizeof c / sizeof *c; i++)
    {
      params[2].value = c[i].name;
      if (i == 2)
        {
          params[3].name = "compression-level";
          params[3].value = "9";
        }
      else
        params[3].name = params[3].value = NULL;
      encrypt_ok (&r, params);
      assert_string_equal (fakehost_header (&r.fh, "pgp.compression"),
                           c[i].name);
      run_release (&r);
      assert_decrypts ("a", NULL);
      if (c[i].packet)
        assert_packets ("a", c[i].packet, 1);
      else
        assert_packets ("a", "compressed packet", 0);
    }

  /* A level without compression is a configuration mistake.  */
  params[2].value = "none";
  params[3].name = "compression-level";
  params[3].value = "5";
  run_step (&r, params, NULL, INVOICE);
  assert_int_equal (pgpstep_exit_code (r.create_err), 37);
  assert_string_equal (r.fh.config_err_key, "compression-level");
  run_release (&r);
}

static void
test_armor (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", ALICE }, { "armor", "true" },
    { NULL, NULL }
  };
  struct run r;
  char *out;
  size_t len;
  char name[96];

  (void) unused;
  encrypt_ok (&r, params);
  assert_string_equal (fakehost_header (&r.fh, "pgp.armor"), "true");
  assert_true (r.fh.outlen > 30);
  assert_memory_equal (r.fh.out, "-----BEGIN PGP MESSAGE-----\n", 28);
  assert_non_null (strstr (r.fh.out, "-----END PGP MESSAGE-----\n"));
  run_release (&r);
  assert_decrypts ("a", NULL);
  /* gpg's own armor reader accepts it as well.  */
  assert_int_equal (sh ("gpg --batch --no-options --homedir %s/a --dearmor"
                        " < %s/out.gpg > %s/bin.gpg 2>/dev/null", base, base,
                        base), 0);
  snprintf (name, sizeof name, "%s/bin.gpg", base);
  out = read_file (name, &len);
  assert_non_null (out);
  assert_true (len > 0 && (out[0] & 0x80));
  free (out);
}

static void
test_recipients (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", "<alice@example.org>" },
    { "recipient", "Carol Sequoia <carol@example.org>" },
    { "recipient", BOB }, { "recipient", ALICE },
    { NULL, NULL }
  };
  struct run r;

  (void) unused;
  encrypt_ok (&r, params);
  /* Named twice, encrypted to once.  */
  assert_string_equal (fakehost_header (&r.fh, "pgp.recipients"),
                       ALICE "," CAROL "," BOB);
  run_release (&r);
  assert_decrypts ("a", NULL);
  assert_decrypts ("c", NULL);
  assert_decrypts ("b", "--passphrase 'bob passphrase'");
  /* Key IDs are visible; alice's encryption subkey.  */
  assert_packets ("a", "keyid CE550E566E04080B", 1);
}

static void
test_hidden (void **unused)
{
  static const struct fakehost_value one[] = {
    { "keyring", "ours" }, { "recipient", ALICE },
    { "hidden-recipients", "true" }, { NULL, NULL }
  };
  static const struct fakehost_value two[] = {
    { "keyring", "ours" }, { "recipient", ALICE }, { "recipient", CAROL },
    { "hidden-recipients", "true" }, { NULL, NULL }
  };
  struct run r;
  char dec[96];

  (void) unused;
  encrypt_ok (&r, one);
  run_release (&r);
  assert_packets ("a", "keyid 0000000000000000", 1);
  assert_packets ("a", "keyid CE550E566E04080B", 0);
  assert_decrypts ("a", NULL);

  encrypt_ok (&r, two);
  run_release (&r);
  assert_packets ("a", "keyid CE550E566E04080B", 0);
  assert_int_equal (sh ("gpg --homedir %s/a --batch --no-options"
                        " --list-packets %s/out.gpg 2>/dev/null"
                        " | grep -c 'keyid 0000000000000000' | grep -qx 2",
                        base, base), 0);
  assert_decrypts ("a", NULL);
  /* The second recipient decrypts too, but gpg 2.2 exits 2 after its
   * failed try of the first anonymous session key.  */
  gpg_decrypt ("c", NULL);
  assert_status ("DECRYPTION_OKAY");
  assert_status ("GOODMDC");
  snprintf (dec, sizeof dec, "%s/dec", base);
  assert_true (same_files (dec, INVOICE));
}

static void
test_password (void **unused)
{
  static const struct fakehost_value pw_only[] = {
    { "keyring", "ours" }, { "password", "secret:pw" }, { NULL, NULL }
  };
  static const struct fakehost_value pw_recp[] = {
    { "keyring", "ours" }, { "password", "secret:pw" },
    { "recipient", CAROL }, { NULL, NULL }
  };
  static const struct fakehost_value pw_missing[] = {
    { "keyring", "ours" }, { "password", "secret:nope" }, { NULL, NULL }
  };
  struct run r;

  (void) unused;
  encrypt_ok (&r, pw_only);
  assert_string_equal (fakehost_header (&r.fh, "pgp.recipients"), "");
  assert_string_equal (fakehost_header (&r.fh, "pgp.password"), "true");
  run_release (&r);
  assert_decrypts ("e", "--passphrase 'correct horse'");
  assert_packets ("e", "symkey enc packet", 1);
  assert_int_not_equal (gpg_decrypt ("e", "--passphrase 'wrong horse'"), 0);

  encrypt_ok (&r, pw_recp);
  run_release (&r);
  assert_decrypts ("e", "--passphrase 'correct horse'");
  assert_decrypts ("c", NULL);

  run_step (&r, pw_missing, NULL, INVOICE);
  assert_int_equal (pgpstep_exit_code (r.create_err), 78);
  assert_string_equal (r.fh.config_err_key, "password");
  run_release (&r);
}

/* A password alone needs no keyring: the host's empty home.  */
static void
test_password_no_keyring (void **unused)
{
  static const struct fakehost_value pw_only[] = {
    { "password", "secret:pw" }, { "armor", "true" }, { NULL, NULL }
  };
  static const struct fakehost_value pw_recp[] = {
    { "password", "secret:pw" }, { "recipient", CAROL }, { NULL, NULL }
  };
  static const struct fakehost_value nothing[] = {
    { "armor", "true" }, { NULL, NULL }
  };
  struct run r;

  (void) unused;
  encrypt_ok (&r, pw_only);
  assert_string_equal (fakehost_header (&r.fh, "pgp.recipients"), "");
  assert_string_equal (fakehost_header (&r.fh, "pgp.password"), "true");
  run_release (&r);
  assert_decrypts ("e", "--passphrase 'correct horse'");
  assert_packets ("e", "symkey enc packet", 1);
  assert_packets ("e", "pubkey enc packet", 0);
  /* The empty home stays empty of keys.  */
  assert_int_equal (sh ("gpg --homedir %s --batch --no-options"
                        " --with-colons --list-keys 2>/dev/null"
                        " | grep -q '^pub:'", empty_home), 1);

  /* A recipient needs a keyring holding it.  */
  run_step (&r, pw_recp, NULL, INVOICE);
  assert_int_equal (pgpstep_exit_code (r.create_err), 17);
  assert_string_equal (r.fh.config_err_key, CAROL);
  assert_non_null (strstr (r.fh.config_err_text, "no keyring"));
  run_release (&r);

  /* Neither recipient nor password: still refused.  */
  run_step (&r, nothing, NULL, INVOICE);
  assert_int_equal (pgpstep_exit_code (r.create_err), 78);
  assert_string_equal (r.fh.config_err_key, "recipient");
  run_release (&r);
}

static void
test_sign_encrypt (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", CAROL }, { "sign-with", ALICE },
    { "digest", "SHA512" }, { NULL, NULL }
  };
  static const struct fakehost_value nosec[] = {
    { "keyring", "ours" }, { "recipient", CAROL }, { "sign-with", BOB },
    { NULL, NULL }
  };
  struct run r;

  (void) unused;
  encrypt_ok (&r, params);
  assert_string_equal (fakehost_header (&r.fh, "pgp.signers"), ALICE);
  assert_string_equal (fakehost_header (&r.fh, "pgp.signature.digest"),
                       "SHA512");
  run_release (&r);
  assert_decrypts ("c", NULL);
  assert_status ("GOODSIG 09037A2EDFD86C9F");
  assert_status ("VALIDSIG " ALICE);
  /* VALIDSIG's hash algorithm field: 10 = SHA512.  */
  assert_int_equal (sh ("grep -q 'VALIDSIG .* 4 0 22 10 00 ' %s/st", base),
                    0);

  /* A signer without a secret key: 79, named.  */
  run_step (&r, nosec, NULL, INVOICE);
  assert_int_equal (pgpstep_exit_code (r.create_err), 79);
  assert_string_equal (r.fh.config_err_key, BOB);
  assert_non_null (strstr (r.fh.config_err_text, "no secret key"));
  run_release (&r);
}

static void
test_two_step (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", CAROL }, { NULL, NULL }
  };
  static const struct fakehost_value as_payload[] = {
    { "keyring", "ours" }, { "recipient", CAROL }, { "input", "payload" },
    { NULL, NULL }
  };
  static const struct fakehost_value force[] = {
    { "keyring", "ours" }, { "recipient", CAROL }, { "input", "openpgp" },
    { NULL, NULL }
  };
  static const char *const signs[] = { "--sign", "--sign -z0",
                                       "--sign --armor" };
  char signed_name[96];
  struct run r;
  size_t i;

  (void) unused;
  snprintf (signed_name, sizeof signed_name, "%s/signed", base);
  /* From a file (peeked at in place) and from a pipe (peeked bytes
   * fed to gpg before the rest).  */
  for (i = 0; i < 6; i++)
    {
      /* Step one: the upstream sign step (here: gpg itself).  */
      assert_int_equal (sh ("gpg --homedir %s/a --batch --no-options --yes"
                            " %s -o %s %s 2>/dev/null", base, signs[i % 3],
                            signed_name, INVOICE), 0);
      source_pipe = i >= 3;
      run_step (&r, params, NULL, signed_name);
      source_pipe = 0;
      assert_int_equal (r.create_err, 0);
      assert_int_equal (r.err, 0);
      assert_string_equal (fakehost_header (&r.fh, "pgp.input"), "openpgp");
      run_release (&r);
      /* The partner's plain gpg -d verifies and gives the invoice.  */
      assert_decrypts ("c", NULL);
      assert_status ("GOODSIG 09037A2EDFD86C9F");
      assert_status ("VALIDSIG " ALICE);
    }

  /* Forced payload: the signed bytes come out, nothing is verified.  */
  run_step (&r, as_payload, NULL, signed_name);
  assert_int_equal (r.err, 0);
  assert_string_equal (fakehost_header (&r.fh, "pgp.input"), "payload");
  run_release (&r);
  assert_int_equal (gpg_decrypt ("c", NULL), 0);
  assert_int_equal (sh ("grep -q GOODSIG %s/st", base), 1);

  /* Binary payloads that merely start like a compressed packet
   * (old format, indeterminate length, ZIP / ZLIB) stay payload.  */
  {
    static const char *const starts[] = { "\\xa3\\x01\\xff",
                                          "\\xa3\\x02\\x78\\x9d" };
    char fake[96], dec[96];
    size_t j;

    snprintf (fake, sizeof fake, "%s/fake", base);
    snprintf (dec, sizeof dec, "%s/dec", base);
    for (j = 0; j < 2; j++)
      {
        assert_int_equal (sh ("printf '%s' > %s && head -c 5000"
                              " /dev/urandom >> %s", starts[j], fake,
                              fake), 0);
        run_step (&r, params, NULL, fake);
        assert_int_equal (r.err, 0);
        assert_string_equal (fakehost_header (&r.fh, "pgp.input"),
                             "payload");
        run_release (&r);
        assert_int_equal (gpg_decrypt ("c", NULL), 0);
        assert_true (same_files (dec, fake));
      }
  }

  /* Forced openpgp on a plain payload: refused (41).  */
  run_step (&r, force, NULL, INVOICE);
  assert_int_equal (r.create_err, 0);
  assert_int_equal (pgpstep_exit_code (r.err), 41);
  assert_int_equal (r.fh.outlen, 0);
  run_release (&r);
}

/* Create must fail with CODE, naming KEY, with WHAT in the text.  */
static void
refused_at_create (const char *recipient, const char *key, const char *what)
{
  struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", ALICE },
    { "recipient", recipient }, { NULL, NULL }
  };
  struct run r;

  run_step (&r, params, NULL, INVOICE);
  assert_int_equal (gpg_err_code (r.create_err), GPG_ERR_UNUSABLE_PUBKEY);
  assert_int_equal (pgpstep_exit_code (r.create_err), 17);
  assert_non_null (r.fh.config_err_text);
  if (key)
    assert_string_equal (r.fh.config_err_key, key);
  if (!strstr (r.fh.config_err_text, what))
    {
      print_error ("'%s' lacks '%s'\n", r.fh.config_err_text, what);
      fail ();
    }
  assert_null (r.state);
  run_release (&r);
}

static void
test_refused_recipients (void **unused)
{
  (void) unused;
  refused_at_create (EXPIRED, EXPIRED, "expired");
  refused_at_create ("<expired@example.org>", EXPIRED, "is expired");
  refused_at_create (REVOKED, REVOKED, "revoked");
  refused_at_create (SIGNONLY, SIGNONLY, "no encryption-capable subkey");
  refused_at_create ("<nobody@example.org>", NULL,
                     "no key for '<nobody@example.org>' in keyring ours");
  refused_at_create ("Alice", NULL, "no key for 'Alice'");   /* No substring. */
  refused_at_create ("<dup@example.org>", NULL, "ambiguous");
  refused_at_create ("0000000000000000000000000000000000000000", NULL,
                     "no key for");
}

static void
test_header_recipients (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", "${header.partner}" },
    { NULL, NULL }
  };
  struct fakehost_value headers[] = {
    { "partner", NULL }, { "filename", "invoice-4711.xml" }, { NULL, NULL }
  };
  struct run r;

  (void) unused;
  headers[0].value = CAROL;
  run_step (&r, params, headers, INVOICE);
  assert_int_equal (r.create_err, 0);
  assert_int_equal (r.err, 0);
  assert_string_equal (fakehost_header (&r.fh, "pgp.recipients"), CAROL);
  run_release (&r);
  assert_decrypts ("c", NULL);
  /* The literal data carries the input header's file name.  */
  assert_status ("PLAINTEXT 62 ");
  assert_status (" invoice-4711.xml");

  headers[0].value = "<nobody@example.org>";
  run_step (&r, params, headers, INVOICE);
  assert_int_equal (r.create_err, 0);
  assert_int_equal (pgpstep_exit_code (r.err), 17);
  assert_non_null (strstr (r.fh.err_text, "no key for '<nobody@example.org>'"
                           " in keyring ours"));
  assert_int_equal (r.fh.outlen, 0);
  run_release (&r);

  headers[0].value = REVOKED;
  run_step (&r, params, headers, INVOICE);
  assert_int_equal (pgpstep_exit_code (r.err), 17);
  assert_string_equal (r.fh.err_key, REVOKED);
  assert_non_null (strstr (r.fh.err_text, "revoked"));
  run_release (&r);

  /* No header at all.  */
  headers[0].name = "other";
  run_step (&r, params, headers, INVOICE);
  assert_int_not_equal (r.err, 0);
  run_release (&r);
}

static void
test_config_errors (void **unused)
{
  static const struct fakehost_value nothing[] = {
    { "keyring", "ours" }, { NULL, NULL }
  };
  static const struct fakehost_value twice[] = {
    { "keyring", "ours" }, { "recipient", ALICE }, { "sign-with", ALICE },
    { "sign-with", "<alice@example.org>" }, { NULL, NULL }
  };
  static const struct fakehost_value conflict[] = {
    { "keyring", "ours" }, { "recipient", ALICE }, { "sign-with", ALICE },
    { "input", "openpgp" }, { NULL, NULL }
  };
  struct run r;

  (void) unused;
  run_step (&r, nothing, NULL, INVOICE);
  assert_int_equal (pgpstep_exit_code (r.create_err), 78);
  run_release (&r);
  run_step (&r, twice, NULL, INVOICE);
  assert_int_equal (pgpstep_exit_code (r.create_err), 37);
  run_release (&r);
  run_step (&r, conflict, NULL, INVOICE);
  assert_int_equal (pgpstep_exit_code (r.create_err), 37);
  assert_string_equal (r.fh.config_err_key, "input");
  run_release (&r);
}

/* A bigger input through a pipe, armored and binary.  */
static void
test_stream (void **unused)
{
  struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", ALICE }, { "armor", NULL },
    { NULL, NULL }
  };
  char big[96], dec[96];
  struct run r;
  int armor;

  (void) unused;
  snprintf (big, sizeof big, "%s/big", base);
  snprintf (dec, sizeof dec, "%s/dec", base);
  assert_int_equal (sh ("head -c 3000000 /dev/urandom > %s", big), 0);
  for (armor = 0; armor < 2; armor++)
    {
      params[2].value = armor ? "true" : "false";
      memset (&r, 0, sizeof r);
      r.fh.params = params;
      r.fh.homedir = step_home;
      r.fh.source_pipe = 1;
      assert_int_equal (fakehost_create (&r.fh, step, &r.state), 0);
      assert_int_equal (fakehost_process_file (&r.fh, step, r.state, big), 0);
      assert_true (r.fh.spool_opened == 0);
      {
        char out[96];

        snprintf (out, sizeof out, "%s/out.gpg", base);
        write_file (out, r.fh.out, r.fh.outlen);
      }
      run_release (&r);
      assert_int_equal (gpg_decrypt ("a", NULL), 0);
      assert_true (same_files (dec, big));
    }

  /* A big signed message from a pipe: peeked bytes, then the rest.  */
  assert_int_equal (sh ("gpg --homedir %s/a --batch --no-options --yes"
                        " --sign -z0 -o %s/bigsig %s 2>/dev/null",
                        base, base, big), 0);
  {
    char bigsig[96];

    snprintf (bigsig, sizeof bigsig, "%s/bigsig", base);
    params[2].value = "false";
    source_pipe = 1;
    run_step (&r, params, NULL, bigsig);
    source_pipe = 0;
    assert_int_equal (r.err, 0);
    assert_string_equal (fakehost_header (&r.fh, "pgp.input"), "openpgp");
    run_release (&r);
    assert_int_equal (gpg_decrypt ("a", NULL), 0);
    assert_status ("VALIDSIG " ALICE);
    assert_true (same_files (dec, big));

    /* Armored, with a bad line far beyond what the peek sees: our
     * armor decoder in front of gpg fails the message (41).  */
    assert_int_equal (sh ("gpg --homedir %s/a --batch --no-options --yes"
                          " --armor --sign -z0 -o %s/bigsig %s 2>/dev/null"
                          " && sed -i '20000s/^.../!!!/' %s/bigsig",
                          base, base, big, base), 0);
    for (source_pipe = 0; source_pipe < 2; source_pipe++)
      {
        run_step (&r, params, NULL, bigsig);
        assert_int_equal (pgpstep_exit_code (r.err), 41);
        assert_int_equal (r.fh.outlen, 0);
        assert_non_null (strstr (r.fh.err_text, "input"));
        run_release (&r);
      }
    source_pipe = 0;
  }
}

/* The number of encrypt runs of gpg so far (the wrapper counts).  */
static long
gpg_runs (void)
{
  char name[96];
  char *text;
  long n = 0;
  const char *p;

  snprintf (name, sizeof name, "%s/runs", base);
  text = read_file (name, NULL);
  for (p = text; p && (p = strchr (p, '\n')); p++)
    n++;
  free (text);
  return n;
}

static void
test_cancel (void **unused)
{
  /* gpg running on the step's descriptors; gpg behind our armor
   * thread; gpg behind the prefix thread and our armor thread.  */
  static const struct { const char *input, *armor; int big; } v[] = {
    { "payload", "false", 0 }, { "payload", "true", 0 }, { "auto", "true", 1 }
  };
  struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", ALICE }, { "armor", NULL },
    { "input", NULL }, { NULL, NULL }
  };
  struct run r;
  struct timespec t0, t1;
  char big[96];
  long runs;
  size_t i;

  (void) unused;
  snprintf (big, sizeof big, "%s/big", base);
  assert_int_equal (sh ("head -c 300000 /dev/urandom > %s", big), 0);
  for (i = 0; i < sizeof v / sizeof *v; i++)
    {
      params[2].value = v[i].armor;
      params[3].value = v[i].input;
      memset (&r, 0, sizeof r);
      r.fh.params = params;
      r.fh.homedir = step_home;
      r.fh.source_pipe = 1;
      r.fh.stall_source = 1;     /* gpg waits for more input ... */
      r.fh.cancel_after_ms = 500;  /* ... until the message is cancelled.  */
      assert_int_equal (fakehost_create (&r.fh, step, &r.state), 0);
      runs = gpg_runs ();
      clock_gettime (CLOCK_MONOTONIC, &t0);
      r.err = fakehost_process_file (&r.fh, step, r.state,
                                     v[i].big ? big : INVOICE);
      clock_gettime (CLOCK_MONOTONIC, &t1);
      assert_int_equal (gpg_err_code (r.err), GPG_ERR_CANCELED);
      /* gpg was running when the cancel came, and is gone.  */
      assert_int_equal (gpg_runs (), runs + 1);
      assert_true (t1.tv_sec - t0.tv_sec < 5);
      assert_int_equal (r.fh.outlen, 0);
      assert_int_equal (count_children (), 0);
      run_release (&r);
    }
}

/* Several messages at once on one state (process is called
 * concurrently by the host).  */
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
  char out[96];
  int i;

  for (i = 0; i < 3 && !w->err; i++)
    {
      w->err = fakehost_process_file (&w->fh, step, w->state, INVOICE);
      if (!w->err)
        {
          snprintf (out, sizeof out, "%s/par%d-%d.gpg", base, w->index, i);
          write_file (out, w->fh.out, w->fh.outlen);
        }
    }
  return NULL;
}

static void
test_concurrent (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", ALICE }, { "recipient", CAROL },
    { "armor", "true" }, { "sign-with", ALICE }, { NULL, NULL }
  };
  struct worker w[NTHREADS];
  pthread_t tid[NTHREADS];
  void *state = NULL, *other;
  char dec[96];
  int i, j;

  (void) unused;
  memset (w, 0, sizeof w);
  for (i = 0; i < NTHREADS; i++)
    {
      w[i].fh.params = params;
      w[i].fh.homedir = step_home;
      w[i].fh.is_last = 1;
      w[i].index = i;
      /* Each fake host needs its own configuration; the state used is
       * the first one, shared by all.  */
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
  snprintf (dec, sizeof dec, "%s/dec", base);
  for (i = 0; i < NTHREADS; i++)
    for (j = 0; j < 3; j++)
      {
        assert_int_equal (sh ("cp %s/par%d-%d.gpg %s/out.gpg", base, i, j,
                              base), 0);
        assert_decrypts ("c", NULL);
        assert_status ("VALIDSIG " ALICE);
      }
}

/* A signing key that is protected (runtime homes hold unprotected
 * ones): gpg's passphrase prompt is refused, 67, and gpg is gone.  */
static void
test_protected_signer (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", BOB }, { "sign-with", BOB },
    { NULL, NULL }
  };
  char home[96];
  struct run r;

  (void) unused;
  /* Forget what bob's agent cached when bob decrypted earlier.  */
  stop_agents ();
  snprintf (home, sizeof home, "%s/b", base);
  memset (&r, 0, sizeof r);
  r.fh.params = params;
  r.fh.homedir = home;
  r.fh.is_last = 1;
  assert_int_equal (fakehost_create (&r.fh, step, &r.state), 0);
  r.err = fakehost_process_file (&r.fh, step, r.state, INVOICE);
  assert_int_equal (gpg_err_code (r.err), GPG_ERR_NO_PASSPHRASE);
  assert_int_equal (pgpstep_exit_code (r.err), 67);
  assert_string_equal (r.fh.err_key, "2975619AFF1CDD85");
  assert_non_null (strstr (r.fh.err_text, "is protected"));
  assert_int_equal (r.fh.outlen, 0);
  assert_int_equal (count_children (), 0);
  run_release (&r);
}

/* gpg exits 0 but refused a recipient: never a subset.  */
static void
test_inv_recp_exit0 (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", ALICE }, { "recipient", CAROL },
    { NULL, NULL }
  };
  struct run r;

  (void) unused;
  /* The wrapper is in use (else this test proves nothing).  */
  encrypt_ok (&r, params);
  run_release (&r);
  assert_int_equal (sh ("touch %s/lie", base), 0);
  run_step (&r, params, NULL, INVOICE);
  sh ("rm -f %s/lie", base);
  assert_int_equal (r.create_err, 0);
  assert_int_equal (pgpstep_exit_code (r.err), 17);
  assert_string_equal (r.fh.err_key, CAROL);
  assert_non_null (strstr (r.fh.err_text, "refused recipient " CAROL));
  assert_int_equal (r.fh.outlen, 0);
  run_release (&r);
}

/* gpg fails before it read its input (fed by our thread): gpg's
 * failure is reported, not the broken pipe behind it.  */
static void
test_gpg_dies_early (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", ALICE }, { "armor", "true" },
    { NULL, NULL }
  };
  char big[96];
  struct run r;

  (void) unused;
  snprintf (big, sizeof big, "%s/big", base);
  assert_int_equal (sh ("head -c 3000000 /dev/urandom > %s && touch %s/die",
                        big, base), 0);
  source_pipe = 1;
  run_step (&r, params, NULL, big);
  source_pipe = 0;
  sh ("rm -f %s/die", base);
  assert_int_equal (gpg_err_code (r.err), GPG_ERR_BAD_DATA);
  assert_int_equal (pgpstep_exit_code (r.err), 41);
  assert_non_null (strstr (r.fh.err_text, "gpg failed (exit 2)"));
  assert_int_equal (r.fh.outlen, 0);
  assert_int_equal (count_children (), 0);
  run_release (&r);
}

/* A non-GnuPG implementation reads what we write.  */
static void
test_sqop (void **unused)
{
  static const struct fakehost_value params[] = {
    { "keyring", "ours" }, { "recipient", ALICE }, { "sign-with", ALICE },
    { "armor", "true" }, { "compression", "zlib" }, { NULL, NULL }
  };
  static const struct fakehost_value pw[] = {
    { "keyring", "ours" }, { "password", "secret:pw" }, { NULL, NULL }
  };
  struct run r;
  char dec[96];

  (void) unused;
  if (sh ("command -v sqop >/dev/null 2>&1"))
    {
      print_message ("SKIP: sqop is not installed (apt-get install sqop)\n");
      skip ();
    }
  snprintf (dec, sizeof dec, "%s/dec", base);
  encrypt_ok (&r, params);
  run_release (&r);
  assert_int_equal (sh ("sqop decrypt --verify-with=%s/alice.pub.asc"
                        " --verifications-out=%s/ver %s/alice.sec.asc"
                        " < %s/out.gpg > %s 2>/dev/null",
                        KEYS, base, KEYS, base, dec), 0);
  assert_true (same_files (dec, INVOICE));
  assert_int_equal (sh ("grep -q %s %s/ver", ALICE, base), 0);

  encrypt_ok (&r, pw);
  run_release (&r);
  assert_int_equal (sh ("printf 'correct horse' > %s/pw && sqop decrypt"
                        " --with-password=%s/pw < %s/out.gpg > %s"
                        " 2>/dev/null", base, base, base, dec), 0);
  assert_true (same_files (dec, INVOICE));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_ciphers),
    cmocka_unit_test (test_legacy_refused),
    cmocka_unit_test (test_compression),
    cmocka_unit_test (test_armor),
    cmocka_unit_test (test_recipients),
    cmocka_unit_test (test_hidden),
    cmocka_unit_test (test_password),
    cmocka_unit_test (test_password_no_keyring),
    cmocka_unit_test (test_sign_encrypt),
    cmocka_unit_test (test_two_step),
    cmocka_unit_test (test_refused_recipients),
    cmocka_unit_test (test_header_recipients),
    cmocka_unit_test (test_config_errors),
    cmocka_unit_test (test_stream),
    cmocka_unit_test (test_cancel),
    cmocka_unit_test (test_concurrent),
    cmocka_unit_test (test_protected_signer),
    cmocka_unit_test (test_inv_recp_exit0),
    cmocka_unit_test (test_gpg_dies_early),
    cmocka_unit_test (test_sqop),
  };

  if (setup_module ())
    return 1;
  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
