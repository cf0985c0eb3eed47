/* t-descriptor.c - descriptors: reading, parsing, validation, loading,
 * and the create-time services (values, secrets, errors).  */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "descriptor.h"
#include "loader.h"
#include "stepconfig.h"

#define NS "urn:pgpstep:pipeline:1"
#define HEAD "<pipeline xmlns=\"" NS "\" name=\"p\">\n"
#define FPR  "0123456789ABCDEF0123456789ABCDEF01234567"
#define FPR2 "89ABCDEF0123456789ABCDEF0123456789ABCDEF"

/* Shared by all tests: a host with the test module, a scratch
 * directory and a secrets directory inside it.  */
static struct
{
  pgpstep_t ctx;
  char dir[64];
  char secrets[128];
} g;

static int n_created;
static int n_destroyed;
static char last_secret[128];
static size_t last_secret_len;


/*
 * The test module: one step using every parameter type and flag, and
 * two small ones.
 */

static const char *const modes[] = { "fast", "safe", NULL };

#define P(name, type, flags, def, min, max) \
  { sizeof (struct pgpstep_param), name, type, flags, def, \
    type == PGPSTEP_TYPE_ENUM ? modes : NULL, min, max, "A test parameter." }

static const struct pgpstep_param alpha_params[] = {
  P ("text",       PGPSTEP_TYPE_STRING,  PGPSTEP_PARAM_HEADER_OK, NULL, 0, 0),
  P ("flag",       PGPSTEP_TYPE_BOOL,    0, "yes", 0, 0),
  P ("count",      PGPSTEP_TYPE_INT,     0, NULL, 1, 10),
  P ("offset",     PGPSTEP_TYPE_INT,     0, NULL, 0, 0),
  P ("mode",       PGPSTEP_TYPE_ENUM,    0, "safe", 0, 0),
  P ("recipient",  PGPSTEP_TYPE_KEY,     PGPSTEP_PARAM_REQUIRED
                   | PGPSTEP_PARAM_REPEATABLE | PGPSTEP_PARAM_HEADER_OK,
                   NULL, 0, 0),
  P ("keyring",    PGPSTEP_TYPE_KEYRING, PGPSTEP_PARAM_REPEATABLE, NULL, 0, 0),
  P ("passphrase", PGPSTEP_TYPE_SECRET,  0, NULL, 0, 0),
  P ("not-before", PGPSTEP_TYPE_TIME,    0, NULL, 0, 0),
  P ("limit",      PGPSTEP_TYPE_SIZE,    0, NULL, 1024, 1 << 30),
  { 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL }
};

static const struct pgpstep_param beta_params[] = {
  P ("level", PGPSTEP_TYPE_INT, 0, NULL, 0, 9),
  { 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL }
};

static gpg_error_t
alpha_create (const struct pgpstep_host *host, pgpstep_config_t cfg,
              void **r_state)
{
  gpg_error_t err;
  const char *text = host->config_value (cfg, "text", 0);
  const char *pass = host->config_value (cfg, "passphrase", 0);
  const char *value;
  size_t len;

  if (text && !strcmp (text, "fail"))
    {
      host->config_error (cfg, gpg_error (GPG_ERR_BAD_PASSPHRASE), "text",
                          "told to %s", "fail");
      return gpg_error (GPG_ERR_BAD_PASSPHRASE);
    }
  if (text && !strcmp (text, "fail-silent"))
    return gpg_error (GPG_ERR_NO_SECKEY);
  if (pass)
    {
      err = host->config_secret (cfg, pass, &value, &len);
      if (err)
        return err;
      assert_true (len < sizeof last_secret);
      memcpy (last_secret, value, len);
      last_secret[len] = 0;
      last_secret_len = len;
    }
  *r_state = malloc (16);
  n_created++;
  return 0;
}

static gpg_error_t
any_create (const struct pgpstep_host *host, pgpstep_config_t cfg,
            void **r_state)
{
  (void)host;
  (void)cfg;
  *r_state = malloc (16);
  n_created++;
  return 0;
}

static gpg_error_t
any_process (void *state, pgpstep_message_t msg,
             struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  (void)state;
  (void)msg;
  (void)source;
  (void)sink;
  return 0;
}

static void
any_destroy (void *state)
{
  free (state);
  n_destroyed++;
}

static const struct pgpstep_step alpha_step = {
  sizeof alpha_step, "alpha", "Test step.", alpha_params, 0,
  alpha_create, any_process, any_destroy
};
static const struct pgpstep_step beta_step = {
  sizeof beta_step, "beta", "Test step.", beta_params, 0,
  any_create, any_process, any_destroy
};
static const struct pgpstep_step gamma_step = {
  sizeof gamma_step, "gamma", "Step without parameters.", NULL, 0,
  any_create, any_process, any_destroy
};
static const struct pgpstep_step *const test_steps[] = {
  &alpha_step, &beta_step, &gamma_step, NULL
};
static const struct pgpstep_module test_module = {
  sizeof test_module, PGPSTEP_ABI_MAJOR, PGPSTEP_ABI_MINOR, "t-mod", "1",
  "Steps for the descriptor tests.", test_steps
};

static gpg_error_t
test_init (const struct pgpstep_host *host,
           const struct pgpstep_module **r_module)
{
  (void)host;
  *r_module = &test_module;
  return 0;
}

/* A host with the test module and SECRETS as secrets directory.  */
static pgpstep_t
new_host (const char *secrets)
{
  struct pgpstep_options opt;
  pgpstep_t ctx = NULL;
  char *reason = NULL;

  memset (&opt, 0, sizeof opt);
  opt.struct_size = sizeof opt;
  opt.verbosity = PGPSTEP_LOG_ERROR;
  opt.secrets_dir = secrets;
  assert_int_equal (pgpstep_new (&ctx, &opt), 0);
  assert_int_equal (loader_register_static (ctx, "t-mod", test_init,
                                            &reason), 0);
  assert_null (reason);
  return ctx;
}


/*
 * Helpers
 */

static int
rm_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  return remove (path);
}

static int
group_setup (void **state)
{
  (void)state;
  unsetenv ("PGPSTEP_SECRETS");
  strcpy (g.dir, "/tmp/t-descriptor.XXXXXX");
  if (!mkdtemp (g.dir))
    return -1;
  snprintf (g.secrets, sizeof g.secrets, "%s/secrets", g.dir);
  if (mkdir (g.secrets, 0700))
    return -1;
  g.ctx = new_host (g.secrets);
  return 0;
}

static int
group_teardown (void **state)
{
  (void)state;
  pgpstep_release (g.ctx);
  nftw (g.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}

/* Write LEN bytes of DATA to DIR/NAME with MODE; return the path in a
 * static buffer.  */
static const char *
write_file (const char *name, const void *data, size_t len, mode_t mode)
{
  static char path[256];
  int fd;

  snprintf (path, sizeof path, "%s/%s", g.dir, name);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true (fd >= 0);
  assert_int_equal (fchmod (fd, mode), 0);
  assert_int_equal (write (fd, data, len), (ssize_t)len);
  assert_int_equal (close (fd), 0);
  return path;
}

static gpg_error_t
parse (const char *xml, struct pgpstep_pipeline **r_pl, char **r_msg)
{
  return descriptor_parse (g.ctx, "t.xml", "/base", xml, strlen (xml),
                           r_pl, r_msg);
}

/* Parse XML, which must be valid.  */
static struct pgpstep_pipeline *
parse_ok (const char *xml)
{
  struct pgpstep_pipeline *pl = NULL;
  char *msg = NULL;
  gpg_error_t err;

  err = parse (xml, &pl, &msg);
  if (err)
    print_error ("unexpected error: %s\n", msg ? msg : gpg_strerror (err));
  assert_int_equal (err, 0);
  assert_null (msg);
  assert_non_null (pl);
  return pl;
}

/* Assert that MSG contains every fragment of the NULL-terminated
 * FRAGS.  */
static void
assert_fragments (const char *msg, const char *const *frags)
{
  assert_non_null (msg);
  for (; *frags; frags++)
    if (!strstr (msg, *frags))
      {
        print_error ("message '%s'\n  lacks '%s'\n", msg, *frags);
        fail ();
      }
}

/* Parse XML, which must fail with GPG_ERR_CONFIGURATION and a message
 * containing every fragment.  */
static void
expect_fail (const char *xml, const char *const *frags)
{
  struct pgpstep_pipeline *pl = NULL;
  char *msg = NULL;
  gpg_error_t err;

  err = parse (xml, &pl, &msg);
  if (gpg_err_code (err) != GPG_ERR_CONFIGURATION)
    print_error ("error %s (%s)\n", gpg_strerror (err), msg ? msg : "-");
  assert_int_equal (gpg_err_code (err), GPG_ERR_CONFIGURATION);
  assert_null (pl);
  assert_fragments (msg, frags);
  if (getenv ("T_DESCRIPTOR_SHOW"))  /* To review the wording.  */
    print_message ("%s\n", msg);
  free (msg);
}

#define EXPECT_FAIL(xml, ...) \
  expect_fail ((xml), (const char *const[]){ __VA_ARGS__, NULL })

/* A pipeline with one alpha step (id "a") holding BODY, starting on
 * line 3 of the descriptor.  */
#define ALPHA(body) HEAD "<step type=\"alpha\" id=\"a\">\n" body "</step>\n" \
  "</pipeline>\n"
#define RCPT "<recipient>" FPR "</recipient>\n"
/* Ends a pipeline after keyring lines.  */
#define TAIL "<step type=\"gamma\"/>\n</pipeline>\n"


/*
 * Structure and values
 */

static void
test_minimal_pipeline_gets_defaults_after_given_values (void **state)
{
  struct pgpstep_pipeline *pl;
  struct pgpstep_config *cfg;
  const struct pgpstep_host *h = g.ctx->services;

  (void)state;
  pl = parse_ok (HEAD "<step type=\"alpha\">\n"
                 "<recipient>0x" "0123456789abcdef0123456789abcdef01234567"
                 "</recipient>\n"
                 "<flag>no</flag>\n"
                 "</step>\n</pipeline>\n");
  assert_string_equal (pl->name, "p");
  assert_string_equal (pl->source, "t.xml");
  assert_int_equal (pl->nsteps, 1);
  cfg = pl->steps[0];
  assert_string_equal (h->config_step_id (cfg), "alpha#1");
  assert_int_equal (cfg->line, 2);
  assert_ptr_equal (cfg->step, &alpha_step);

  assert_int_equal (cfg->nvalues, 3);
  assert_string_equal (cfg->values[0].spec->name, "recipient");
  assert_string_equal (cfg->values[0].value, FPR);
  assert_int_equal (cfg->values[0].line, 3);
  assert_false (cfg->values[0].is_default);
  assert_string_equal (cfg->values[1].value, "false");
  assert_string_equal (cfg->values[2].spec->name, "mode");
  assert_string_equal (cfg->values[2].value, "safe");
  assert_true (cfg->values[2].is_default);
  assert_int_equal (cfg->values[2].line, 0);

  assert_int_equal (h->config_count (cfg, "recipient"), 1);
  assert_int_equal (h->config_count (cfg, "mode"), 1);
  assert_int_equal (h->config_count (cfg, "count"), 0);
  assert_string_equal (h->config_value (cfg, "flag", 0), "false");
  assert_null (h->config_value (cfg, "flag", 1));
  assert_null (h->config_value (cfg, "nope", 0));
  assert_false (h->config_is_dynamic (cfg, "recipient", 0));
  descriptor_release (pl);
}

static void
test_values_are_trimmed_and_normalised (void **state)
{
  struct pgpstep_pipeline *pl;
  struct pgpstep_config *cfg;

  (void)state;
  pl = parse_ok (ALPHA (RCPT
                        "<text>\n   a &amp; <![CDATA[<b>]]>  \n</text>\n"
                        "<flag> 1 </flag>\n"
                        "<count>+7</count>\n"
                        "<offset>-12</offset>\n"
                        "<mode>fast</mode>\n"
                        "<not-before>2024-01-02</not-before>\n"
                        "<limit>4K</limit>\n"
                        "<passphrase>env:T_DESC_X</passphrase>\n"));
  cfg = pl->steps[0];
  assert_string_equal (config_value (cfg, "text", 0), "a & <b>");
  assert_string_equal (config_value (cfg, "flag", 0), "true");
  assert_string_equal (config_value (cfg, "count", 0), "7");
  assert_string_equal (config_value (cfg, "offset", 0), "-12");
  assert_string_equal (config_value (cfg, "mode", 0), "fast");
  assert_string_equal (config_value (cfg, "not-before", 0), "1704153600");
  assert_string_equal (config_value (cfg, "limit", 0), "4096");
  assert_string_equal (config_value (cfg, "passphrase", 0), "env:T_DESC_X");
  descriptor_release (pl);
}

static void
test_repeatable_parameter_keeps_document_order (void **state)
{
  struct pgpstep_pipeline *pl;

  (void)state;
  pl = parse_ok (ALPHA ("<recipient>" FPR2 "</recipient>\n"
                        "<recipient>&lt;bob@example.org&gt;</recipient>\n"
                        "<recipient>Carol Example</recipient>\n"));
  assert_int_equal (config_count (pl->steps[0], "recipient"), 3);
  assert_string_equal (config_value (pl->steps[0], "recipient", 0), FPR2);
  assert_string_equal (config_value (pl->steps[0], "recipient", 1),
                       "<bob@example.org>");
  assert_string_equal (config_value (pl->steps[0], "recipient", 2),
                       "Carol Example");
  assert_null (config_value (pl->steps[0], "recipient", 3));
  descriptor_release (pl);
}

static void
test_default_ids_are_type_and_position (void **state)
{
  struct pgpstep_pipeline *pl;

  (void)state;
  pl = parse_ok (HEAD "<step type=\"beta\"/>\n"
                 "<step type=\"gamma\" id=\"mine\"/>\n"
                 "<!-- comments are fine -->\n"
                 "<step type=\"beta\"><level>3</level></step>\n"
                 "</pipeline>\n");
  assert_int_equal (pl->nsteps, 3);
  assert_string_equal (pl->steps[0]->id, "beta#1");
  assert_string_equal (pl->steps[1]->id, "mine");
  assert_string_equal (pl->steps[2]->id, "beta#3");
  assert_int_equal (pl->steps[2]->index, 2);
  descriptor_release (pl);
}

static void
test_pipeline_name_is_optional (void **state)
{
  struct pgpstep_pipeline *pl;

  (void)state;
  pl = parse_ok ("<pipeline xmlns=\"" NS "\"><step type=\"gamma\"/>"
                 "</pipeline>");
  assert_null (pl->name);
  descriptor_release (pl);
}

static void
test_duplicate_step_id_is_refused (void **state)
{
  (void)state;
  EXPECT_FAIL (HEAD "<step type=\"beta\" id=\"x\"/>\n"
               "<step type=\"gamma\" id=\"x\"/>\n</pipeline>\n",
               "t.xml:3: step 'x': step id used twice (first at line 2");
}

static void
test_explicit_id_clashing_with_default_id_is_refused (void **state)
{
  (void)state;
  EXPECT_FAIL (HEAD "<step type=\"gamma\" id=\"beta#2\"/>\n"
               "<step type=\"beta\"/>\n</pipeline>\n",
               "t.xml:3: step 'beta#2': step id used twice");
}

static void
test_step_id_with_control_characters_is_refused (void **state)
{
  (void)state;
  EXPECT_FAIL (HEAD "<step type=\"gamma\" id=\"a&#9;b\"/>\n</pipeline>\n",
               "t.xml:2: ", "control characters");
}

static void
test_unknown_step_type_lists_known_types (void **state)
{
  (void)state;
  EXPECT_FAIL (HEAD "<step type=\"beta\"/>\n<step type=\"nope\"/>\n"
               "</pipeline>\n",
               "t.xml:3: step 'nope#2': unknown step type 'nope'"
               " (known types: alpha, beta, gamma)");
}

static void
test_step_without_type_is_refused (void **state)
{
  (void)state;
  EXPECT_FAIL (HEAD "<step id=\"s\"/>\n</pipeline>\n",
               "t.xml:2: step 's': <step> needs a 'type' attribute");
  EXPECT_FAIL (HEAD "<step type=\"\"/>\n</pipeline>\n",
               "t.xml:2: ", "'type'", "must not be empty");
}

static void
test_unknown_step_attribute_is_refused (void **state)
{
  (void)state;
  EXPECT_FAIL (HEAD "<step type=\"gamma\" colour=\"red\"/>\n</pipeline>\n",
               "t.xml:2: step 'gamma#1': unknown attribute 'colour' on"
               " <step> (expected type, id)");
  EXPECT_FAIL (HEAD "<step xmlns:x=\"urn:x\" type=\"gamma\" x:id=\"a\"/>\n"
               "</pipeline>\n", "t.xml:2: ", "unknown attribute 'x:id'");
}

static void
test_unknown_parameter_lists_the_step_parameters (void **state)
{
  (void)state;
  EXPECT_FAIL (ALPHA (RCPT "<colour>red</colour>\n"),
               "t.xml:4: step 'a': parameter 'colour': unknown parameter"
               " (step type 'alpha' takes: text, flag, count, offset, mode,"
               " recipient, keyring, passphrase, not-before, limit)");
  EXPECT_FAIL (HEAD "<step type=\"gamma\">\n<x>1</x>\n</step>\n</pipeline>",
               "t.xml:3: step 'gamma#1': parameter 'x': unknown parameter"
               " (step type 'gamma' takes: none)");
}

static void
test_missing_required_parameter_is_named (void **state)
{
  (void)state;
  EXPECT_FAIL (ALPHA ("<flag>yes</flag>\n"),
               "t.xml:2: step 'a': parameter 'recipient': missing"
               " (expected <recipient>: key, A test parameter.)");
}

static void
test_repeated_single_parameter_is_refused (void **state)
{
  (void)state;
  EXPECT_FAIL (ALPHA (RCPT "<count>1</count>\n<count>2</count>\n"),
               "t.xml:5: step 'a': parameter 'count': given more than once"
               " (first at line 4; expected at most one)");
}

static void
test_bad_values_name_type_and_expectation (void **state)
{
  (void)state;
  EXPECT_FAIL (ALPHA (RCPT "<flag>maybe</flag>\n"),
               "t.xml:4: step 'a': parameter 'flag': bad boolean value"
               " (expected true, false, yes, no, 1 or 0, found 'maybe')");
  EXPECT_FAIL (ALPHA (RCPT "<count>11</count>\n"),
               "t.xml:4: step 'a': parameter 'count': bad integer value"
               " (expected an integer from 1 to 10, found '11')");
  EXPECT_FAIL (ALPHA (RCPT "<count>ten</count>\n"),
               "parameter 'count'", "expected a decimal integer");
  EXPECT_FAIL (ALPHA (RCPT "<mode>slow</mode>\n"),
               "t.xml:4: step 'a': parameter 'mode': bad enum value"
               " (expected one of: fast, safe, found 'slow')");
  EXPECT_FAIL (ALPHA (RCPT "<limit>1</limit>\n"),
               "t.xml:4: step 'a': parameter 'limit': bad size value",
               "from 1024 to 1073741824 bytes");
  EXPECT_FAIL (ALPHA (RCPT "<limit>1T</limit>\n"),
               "parameter 'limit'", "optional K, M or G suffix");
  EXPECT_FAIL (ALPHA (RCPT "<not-before>2024-02-30</not-before>\n"),
               "t.xml:4: step 'a': parameter 'not-before': bad time value",
               "no such date");
  EXPECT_FAIL (ALPHA ("<recipient>0x1234</recipient>\n"),
               "t.xml:3: step 'a': parameter 'recipient': bad key value",
               "40 or 64 hex digit fingerprint");
  EXPECT_FAIL (ALPHA ("<recipient>DEADBEEFDEADBEEF</recipient>\n"),
               "parameter 'recipient'", "key IDs are not accepted");
  EXPECT_FAIL (ALPHA ("<recipient></recipient>\n"),
               "parameter 'recipient'", "empty value");
}

static void
test_literal_secret_is_refused_without_echo (void **state)
{
  struct pgpstep_pipeline *pl = NULL;
  char *msg = NULL;

  (void)state;
  assert_int_equal (gpg_err_code (parse (ALPHA (RCPT "<passphrase>hunter2"
                                                "</passphrase>\n"),
                                         &pl, &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_fragments (msg, (const char *const[]){
      "t.xml:4: step 'a': parameter 'passphrase': bad secret value",
      "secret:NAME or env:NAME", NULL });
  assert_null (strstr (msg, "hunter2"));
  free (msg);
}

static void
test_header_reference_needs_header_ok (void **state)
{
  (void)state;
  EXPECT_FAIL (ALPHA (RCPT "<count>${header.n}</count>\n"),
               "t.xml:4: step 'a': parameter 'count': value may not come"
               " from a message header (found ${header.n}; expected a"
               " literal integer)");
}

static void
test_header_reference_is_kept_dynamic (void **state)
{
  struct pgpstep_pipeline *pl;
  struct pgpstep_config *cfg;
  struct config_value *v;

  (void)state;
  pl = parse_ok (ALPHA ("<recipient>${header.partner_fpr}</recipient>\n"
                        "<text> ${header.subject} </text>\n"));
  cfg = pl->steps[0];
  assert_true (config_is_dynamic (cfg, "recipient", 0));
  assert_true (config_is_dynamic (cfg, "text", 0));
  assert_false (config_is_dynamic (cfg, "mode", 0));
  assert_false (config_is_dynamic (cfg, "text", 1));
  v = config_value_at (cfg, "recipient", 0);
  assert_string_equal (v->value, "${header.partner_fpr}");
  assert_string_equal (v->header, "partner_fpr");
  assert_string_equal (config_value (cfg, "text", 0), "${header.subject}");
  descriptor_release (pl);
}

static void
test_malformed_header_reference_is_refused (void **state)
{
  (void)state;
  EXPECT_FAIL (ALPHA (RCPT "<text>${header.}</text>\n"),
               "t.xml:4: step 'a': parameter 'text': malformed ${...}"
               " reference (expected exactly ${header.NAME}");
  EXPECT_FAIL (ALPHA (RCPT "<text>Re: ${header.subject}</text>\n"),
               "parameter 'text': malformed ${...}");
  EXPECT_FAIL (ALPHA (RCPT "<text>${env.HOME}</text>\n"),
               "parameter 'text': malformed ${...}");
}

static void
test_parameter_element_takes_no_attributes_or_children (void **state)
{
  (void)state;
  EXPECT_FAIL (ALPHA (RCPT "<flag value=\"yes\"/>\n"),
               "t.xml:4: step 'a': parameter 'flag': unexpected attribute"
               " 'value'");
  EXPECT_FAIL (ALPHA (RCPT "<text>a<b>c</b></text>\n"),
               "t.xml:4: step 'a': parameter 'text': unexpected element"
               " <{" NS "}b> (expected text only)");
  EXPECT_FAIL (ALPHA (RCPT "<text>a<?pi x?></text>\n"),
               "t.xml:4: step 'a': parameter 'text': processing"
               " instructions are not accepted");
}

static void
test_foreign_element_in_step_is_refused (void **state)
{
  (void)state;
  EXPECT_FAIL (ALPHA (RCPT "<x:flag xmlns:x=\"urn:other\">yes</x:flag>\n"),
               "t.xml:4: step 'a': unexpected element <{urn:other}flag>");
  EXPECT_FAIL (ALPHA (RCPT "stray text\n"),
               "step 'a': unexpected text inside <step>");
}


/*
 * Keyrings
 */

static void
test_keyring_paths_are_resolved_against_basedir (void **state)
{
  struct pgpstep_pipeline *pl;
  struct keyring_def *kr;

  (void)state;
  pl = parse_ok (HEAD
                 "<keyring name=\"ours\" public=\"keys/ours.pub.asc\""
                 " secret=\"/abs/ours.sec.asc\""
                 " passphrase=\"secret:ops-key\"/>\n"
                 "<keyring name=\"partner\" home=\"gnupg\" keys=\""
                 "0x0123456789abcdef0123456789abcdef01234567, " FPR2 "\"/>\n"
                 "<step type=\"alpha\" id=\"a\">\n"
                 "<keyring>ours</keyring> <keyring>partner</keyring>\n"
                 RCPT "</step>\n</pipeline>\n");
  assert_int_equal (pl->nkeyrings, 2);
  kr = pl->keyrings;
  assert_string_equal (kr[0].name, "ours");
  assert_string_equal (kr[0].public_file, "/base/keys/ours.pub.asc");
  assert_string_equal (kr[0].secret_file, "/abs/ours.sec.asc");
  assert_string_equal (kr[0].passphrase, "secret:ops-key");
  assert_null (kr[0].home);
  assert_int_equal (kr[0].line, 2);
  assert_string_equal (kr[1].home, "/base/gnupg");
  assert_string_equal (kr[1].keys, FPR "," FPR2);
  assert_null (kr[1].public_file);
  assert_int_equal (config_count (pl->steps[0], "keyring"), 2);
  assert_string_equal (config_value (pl->steps[0], "keyring", 1), "partner");
  descriptor_release (pl);
}

static void
test_keyring_may_be_defined_after_its_step (void **state)
{
  struct pgpstep_pipeline *pl;

  (void)state;
  pl = parse_ok (HEAD "<step type=\"alpha\">" RCPT
                 "<keyring>late</keyring></step>\n"
                 "<keyring name=\"late\" public=\"k.asc\"/>\n</pipeline>\n");
  assert_int_equal (pl->nkeyrings, 1);
  descriptor_release (pl);
}

static void
test_step_keyring_must_name_a_pipeline_keyring (void **state)
{
  (void)state;
  EXPECT_FAIL (HEAD "<keyring name=\"ours\" public=\"k.asc\"/>\n"
               "<keyring name=\"theirs\" public=\"t.asc\"/>\n"
               "<step type=\"alpha\" id=\"a\">\n" RCPT
               "<keyring>other</keyring>\n</step>\n</pipeline>\n",
               "t.xml:6: step 'a': parameter 'keyring': no <keyring"
               " name=\"other\"> in this pipeline (keyrings: ours, theirs)");
  EXPECT_FAIL (ALPHA (RCPT "<keyring>other</keyring>\n"),
               "(keyrings: none)");
  EXPECT_FAIL (ALPHA (RCPT "<keyring>bad name</keyring>\n"),
               "parameter 'keyring': bad keyring value");
}

static void
test_keyring_attribute_rules (void **state)
{
  (void)state;
  EXPECT_FAIL (HEAD "<keyring public=\"k.asc\"/>\n" TAIL,
               "t.xml:2: <keyring> needs a 'name' attribute");
  EXPECT_FAIL (HEAD "<keyring name=\"a b\" public=\"k.asc\"/>\n" TAIL,
               "t.xml:2: keyring name: expected a keyring name");
  EXPECT_FAIL (HEAD "<keyring name=\"k\" public=\"a\"/>\n"
               "<keyring name=\"k\" public=\"b\"/>\n" TAIL,
               "t.xml:3: keyring 'k' defined twice (first at line 2");
  EXPECT_FAIL (HEAD "<keyring name=\"k\" home=\"h\" public=\"a\"/>\n" TAIL,
               "t.xml:2: keyring 'k': 'home' cannot be combined with"
               " 'public' or 'secret'");
  EXPECT_FAIL (HEAD "<keyring name=\"k\" home=\"h\" secret=\"a\"/>\n" TAIL,
               "keyring 'k': 'home' cannot be combined");
  EXPECT_FAIL (HEAD "<keyring name=\"k\" public=\"a\" keys=\"" FPR "\"/>\n"
               TAIL,
               "t.xml:2: keyring 'k': 'keys' requires 'home'");
  EXPECT_FAIL (HEAD "<keyring name=\"k\"/>\n" TAIL,
               "t.xml:2: keyring 'k': no keys given (expected 'public',"
               " 'secret' or 'home')");
  EXPECT_FAIL (HEAD "<keyring name=\"k\" passphrase=\"secret:x\"/>\n" TAIL,
               "keyring 'k': no keys given");
  EXPECT_FAIL (HEAD "<keyring name=\"k\" public=\"\"/>\n" TAIL,
               "t.xml:2: attribute 'public' of <keyring> must not be empty");
  EXPECT_FAIL (HEAD "<keyring name=\"k\" public=\"a\" file=\"b\"/>\n" TAIL,
               "t.xml:2: unknown attribute 'file' on <keyring> (expected"
               " name, public, secret, passphrase, home, keys)");
  EXPECT_FAIL (HEAD "<keyring name=\"k\" home=\"h\" keys=\"DEADBEEF\"/>\n"
               TAIL,
               "t.xml:2: keyring 'k': attribute 'keys': expected"
               " comma-separated 40 or 64 hex digit fingerprints, found"
               " 'DEADBEEF'");
  EXPECT_FAIL (HEAD "<keyring name=\"k\" home=\"h\" keys=\"Alice\"/>\n" TAIL,
               "attribute 'keys'", "found 'Alice'");
  EXPECT_FAIL (HEAD "<keyring name=\"k\" home=\"h\" keys=\" , \"/>\n" TAIL,
               "attribute 'keys'");
  EXPECT_FAIL (HEAD "<keyring name=\"k\" public=\"a\">text</keyring>\n" TAIL,
               "t.xml:2: unexpected text inside <keyring>");
  EXPECT_FAIL (HEAD "<keyring name=\"k\" public=\"a\"><x/></keyring>\n" TAIL,
               "t.xml:2: unexpected element <{" NS "}x>");
}

static void
test_keyring_passphrase_must_be_a_reference (void **state)
{
  struct pgpstep_pipeline *pl = NULL;
  char *msg = NULL;

  (void)state;
  assert_int_equal (gpg_err_code (parse (HEAD "<keyring name=\"k\""
                                         " secret=\"s\" passphrase=\"hunter2\""
                                         "/>\n" TAIL, &pl, &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_fragments (msg, (const char *const[]){
      "t.xml:2: keyring 'k': attribute 'passphrase': expected a secret"
      " reference secret:NAME or env:NAME", NULL });
  assert_null (strstr (msg, "hunter2"));
  free (msg);
}


/*
 * Document level
 */

static void
test_wrong_root_or_namespace_is_named (void **state)
{
  (void)state;
  EXPECT_FAIL ("<pipeline name=\"p\"><step type=\"gamma\"/></pipeline>",
               "t.xml:1: root element is <pipeline> without namespace;"
               " expected <pipeline xmlns=\"" NS "\">");
  EXPECT_FAIL ("<pipeline xmlns=\"urn:pgpstep:pipeline:2\"/>",
               "t.xml:1: root element is <{urn:pgpstep:pipeline:2}pipeline>;");
  EXPECT_FAIL ("\n<flow xmlns=\"" NS "\"/>",
               "t.xml:2: root element is <{" NS "}flow>");
}

static void
test_pipeline_content_rules (void **state)
{
  (void)state;
  EXPECT_FAIL (HEAD "</pipeline>\n",
               "t.xml:1: pipeline has no step (expected at least one <step>)");
  EXPECT_FAIL (HEAD "<keyring name=\"k\" public=\"a\"/>\n</pipeline>\n",
               "t.xml:1: pipeline has no step");
  EXPECT_FAIL (HEAD "<stage type=\"gamma\"/>\n</pipeline>\n",
               "t.xml:2: unexpected element <{" NS "}stage> (expected"
               " <keyring> or <step>)");
  EXPECT_FAIL (HEAD "hello\n<step type=\"gamma\"/></pipeline>\n",
               "t.xml:2: unexpected text inside <pipeline>");
  EXPECT_FAIL (HEAD "<?php echo 1 ?>\n<step type=\"gamma\"/></pipeline>\n",
               "t.xml:2: processing instructions are not accepted"
               " (found <?php?>)");
  EXPECT_FAIL ("<?xml-stylesheet href=\"x\"?>\n"
               "<pipeline xmlns=\"" NS "\"><step type=\"gamma\"/></pipeline>",
               "t.xml:1: processing instructions are not accepted");
  EXPECT_FAIL ("<pipeline xmlns=\"" NS "\" version=\"2\">"
               "<step type=\"gamma\"/></pipeline>",
               "t.xml:1: unknown attribute 'version' on <pipeline>"
               " (expected name)");
  EXPECT_FAIL ("<pipeline xmlns=\"" NS "\" name=\"\">"
               "<step type=\"gamma\"/></pipeline>",
               "attribute 'name' of <pipeline> must not be empty");
}

static void
test_xml_declaration_and_comments_are_accepted (void **state)
{
  struct pgpstep_pipeline *pl;

  (void)state;
  pl = parse_ok ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<!-- top -->\n"
                 "<p:pipeline xmlns:p=\"" NS "\">\n"
                 "<p:step type=\"beta\"><!-- c --><p:level>2</p:level>"
                 "</p:step>\n</p:pipeline>\n<!-- end -->\n");
  assert_string_equal (config_value (pl->steps[0], "level", 0), "2");
  assert_int_equal (pl->steps[0]->line, 4);
  descriptor_release (pl);
}

static void
test_malformed_xml_reports_line (void **state)
{
  (void)state;
  EXPECT_FAIL (HEAD "<step type=\"gamma\">\n</stepp>\n</pipeline>\n",
               "t.xml:3: malformed XML: ");
  EXPECT_FAIL (HEAD "<step type=\"gamma\"/>\n\n\n<unclosed>\n",
               "t.xml:", "malformed XML: ");
  EXPECT_FAIL ("<pipeline xmlns=\"" NS "\">\n<x:step type=\"gamma\"/>\n"
               "</pipeline>\n", "t.xml:2: malformed XML: ", "x");
  EXPECT_FAIL ("not xml at all", "t.xml:1: malformed XML: ");
  EXPECT_FAIL (HEAD "<step type=\"gamma\">&nbsp;</step>\n</pipeline>\n",
               "t.xml:2: malformed XML: ", "nbsp");
}

static void
test_doctype_with_external_entity_is_refused (void **state)
{
  (void)state;
  EXPECT_FAIL ("<?xml version=\"1.0\"?>\n"
               "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"
               HEAD "<step type=\"alpha\"><text>&e;</text>"
               RCPT "</step></pipeline>\n",
               "t.xml:2: DOCTYPE declarations are not accepted");
}

/* Ten references to entity E.  */
#define LOLS(e) "&" e ";&" e ";&" e ";&" e ";&" e ";&" e ";&" e ";&" e ";&" \
  e ";&" e ";"

static void
test_billion_laughs_is_refused_at_once (void **state)
{
  (void)state;
  EXPECT_FAIL ("<?xml version=\"1.0\"?>\n"
               "<!DOCTYPE lolz [\n"
               " <!ENTITY lol \"lol\">\n"
               " <!ENTITY lol1 \"" LOLS ("lol") "\">\n"
               " <!ENTITY lol2 \"" LOLS ("lol1") "\">\n"
               " <!ENTITY lol3 \"" LOLS ("lol2") "\">\n"
               " <!ENTITY lol4 \"" LOLS ("lol3") "\">\n"
               " <!ENTITY lol5 \"" LOLS ("lol4") "\">\n"
               " <!ENTITY lol6 \"" LOLS ("lol5") "\">\n"
               " <!ENTITY lol7 \"" LOLS ("lol6") "\">\n"
               " <!ENTITY lol8 \"" LOLS ("lol7") "\">\n"
               " <!ENTITY lol9 \"" LOLS ("lol8") "\">\n"
               "]>\n"
               HEAD "<step type=\"alpha\"><text>&lol9;</text>"
               RCPT "</step></pipeline>\n",
               "t.xml:2: DOCTYPE declarations are not accepted");
}

static void
test_any_doctype_is_refused (void **state)
{
  (void)state;
  EXPECT_FAIL ("<!DOCTYPE pipeline>\n" HEAD
               "<step type=\"gamma\"/></pipeline>\n",
               "t.xml:1: DOCTYPE declarations are not accepted");
  EXPECT_FAIL ("<!DOCTYPE pipeline SYSTEM \"http://example.org/p.dtd\">\n"
               HEAD "<step type=\"gamma\"/></pipeline>\n",
               "t.xml:1: DOCTYPE declarations are not accepted");
  EXPECT_FAIL ("<!-- <!DOCTYPE in a comment -->\n\n<!DOCTYPE pipeline>\n"
               HEAD "<step type=\"gamma\"/></pipeline>\n",
               "t.xml:3: DOCTYPE declarations are not accepted");
}

/* Regression (fuzz-descriptor): messages had line breaks, from
 * libxml2's own texts ("... indicate encoding !\nBytes: 0xFF ...") and
 * from quoted values (type="x&#10;pgpstep: forged"), so one refusal
 * printed as two log lines, the second one chosen by the descriptor.  */
static void
test_messages_are_one_line (void **state)
{
  static const char *const docs[] = {
    HEAD "<step type=\"gamma\" id=\"\xff\xff\xff\xff\"/>\n</pipeline>\n",
    HEAD "<step id=\"s\" type=\"x&#10;pgpstep: forged&#13;&#9;\"/>\n"
    "</pipeline>\n",
    HEAD "<keyring name=\"k\" home=\"h\" keys=\"AB&#10;CD\"/>\n" TAIL
  };
  struct pgpstep_pipeline *pl;
  char *msg;
  size_t i, k;

  (void)state;
  for (i = 0; i < sizeof docs / sizeof *docs; i++)
    {
      pl = NULL;
      msg = NULL;
      assert_int_equal (gpg_err_code (parse (docs[i], &pl, &msg)),
                        GPG_ERR_CONFIGURATION);
      assert_null (pl);
      assert_non_null (msg);
      assert_non_null (strstr (msg, "t.xml:"));
      for (k = 0; msg[k]; k++)
        if ((unsigned char)msg[k] < 0x20 || msg[k] == 0x7f)
          fail_msg ("control character 0x%02x in '%s'",
                    (unsigned char)msg[k], msg);
      free (msg);
    }
}

static void
test_nul_byte_is_refused_with_line (void **state)
{
  static const char xml[] = HEAD "<step type=\"gamma\"/>\n<!-- \0 -->\n"
    "</pipeline>\n";
  struct pgpstep_pipeline *pl = NULL;
  char *msg = NULL;

  (void)state;
  assert_int_equal (gpg_err_code (descriptor_parse (g.ctx, "t.xml", NULL, xml,
                                                    sizeof xml - 1, &pl,
                                                    &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_null (pl);
  assert_fragments (msg, (const char *const[]){
      "t.xml:3: NUL byte in descriptor", NULL });
  free (msg);
}

static void
test_empty_and_oversize_memory_input_is_refused (void **state)
{
  struct pgpstep_pipeline *pl = NULL;
  char *msg = NULL;
  char *big;

  (void)state;
  EXPECT_FAIL ("", "t.xml: empty descriptor");

  big = malloc (DESCRIPTOR_MAX_SIZE + 1);
  assert_non_null (big);
  memset (big, ' ', DESCRIPTOR_MAX_SIZE + 1);
  assert_int_equal (gpg_err_code (descriptor_parse (g.ctx, "big.xml", NULL,
                                                    big,
                                                    DESCRIPTOR_MAX_SIZE + 1,
                                                    &pl, &msg)),
                    GPG_ERR_TOO_LARGE);
  assert_null (pl);
  assert_fragments (msg, (const char *const[]){ "big.xml: descriptor larger"
                                                " than", NULL });
  free (msg);
  free (big);
}

/* Compress DATA into a real gzip member (deflate "stored" block), the
 * kind libxml2's own file reader would silently inflate.  */
static size_t
make_gzip (const char *data, unsigned char *out)
{
  static const unsigned char header[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0,
                                            0, 3 };
  size_t len = strlen (data), n = 0, i;
  uint32_t crc = 0xffffffffu;
  int k;

  for (i = 0; i < len; i++)
    {
      crc ^= (unsigned char)data[i];
      for (k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
  crc ^= 0xffffffffu;
  memcpy (out, header, sizeof header);
  n = sizeof header;
  out[n++] = 1;  /* Final stored block.  */
  out[n++] = len & 0xff;
  out[n++] = len >> 8;
  out[n++] = ~len & 0xff;
  out[n++] = (~len >> 8) & 0xff;
  memcpy (out + n, data, len);
  n += len;
  for (k = 0; k < 4; k++)
    out[n++] = (crc >> (8 * k)) & 0xff;
  for (k = 0; k < 4; k++)
    out[n++] = (len >> (8 * k)) & 0xff;
  return n;
}

static void
test_gzip_descriptor_is_refused (void **state)
{
  static const char xml[] = HEAD "<step type=\"gamma\"/></pipeline>\n";
  unsigned char gz[512];
  struct pgpstep_pipeline *pl = NULL;
  pgpstep_pipeline_t pipe = NULL;
  const char *file;
  char *msg = NULL;
  size_t n;

  (void)state;
  n = make_gzip (xml, gz);
  assert_int_equal (gpg_err_code (descriptor_parse (g.ctx, "t.xml", NULL, gz,
                                                    n, &pl, &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_fragments (msg, (const char *const[]){
      "t.xml: compressed descriptors are not accepted", NULL });
  free (msg);

  file = write_file ("p.xml.gz.xml", gz, n, 0644);
  assert_int_equal (gpg_err_code (pgpstep_pipeline_load_file
                                  (g.ctx, file, &pipe, &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_null (pipe);
  assert_fragments (msg, (const char *const[]){
      file, ": compressed descriptors are not accepted", NULL });
  free (msg);
}


/*
 * Reading files
 */

static void
test_read_file_enforces_the_size_bound (void **state)
{
  char *buf = NULL, *msg = NULL;
  const char *file;
  size_t len = 0;
  int fd;

  (void)state;
  file = write_file ("sixteen", "0123456789abcdef", 16, 0644);
  assert_int_equal (descriptor_read_file (file, 16, &buf, &len, &msg), 0);
  assert_int_equal (len, 16);
  assert_memory_equal (buf, "0123456789abcdef", 17);
  assert_null (msg);
  free (buf);

  assert_int_equal (gpg_err_code (descriptor_read_file (file, 15, &buf, &len,
                                                        &msg)),
                    GPG_ERR_TOO_LARGE);
  assert_null (buf);
  assert_fragments (msg, (const char *const[]){ file, "larger than 15",
                                                NULL });
  free (msg);

  /* A sparse file just over the real bound: refused before reading. */
  file = write_file ("huge.xml", "", 0, 0644);
  fd = open (file, O_WRONLY);
  assert_true (fd >= 0);
  assert_int_equal (ftruncate (fd, DESCRIPTOR_MAX_SIZE + 1), 0);
  close (fd);
  assert_int_equal (gpg_err_code (descriptor_read_file
                                  (file, DESCRIPTOR_MAX_SIZE, &buf, &len,
                                   &msg)),
                    GPG_ERR_TOO_LARGE);
  free (msg);
  {
    pgpstep_pipeline_t pipe = NULL;

    assert_int_equal (gpg_err_code (pgpstep_pipeline_load_file
                                    (g.ctx, file, &pipe, &msg)),
                      GPG_ERR_CONFIGURATION);
    assert_null (pipe);
    assert_fragments (msg, (const char *const[]){ "huge.xml: descriptor"
                                                  " larger than", NULL });
    free (msg);
  }
  unlink (file);
}

static void
test_read_file_handles_files_that_report_size_zero (void **state)
{
  const char *file = "/proc/self/status";
  char *buf = NULL, *msg = NULL;
  size_t len = 0;

  (void)state;
  if (access (file, R_OK))
    skip ();
  assert_int_equal (descriptor_read_file (file, 1 << 20, &buf, &len, &msg),
                    0);
  assert_true (len > 64);
  assert_int_equal (strlen (buf), len);
  assert_non_null (strstr (buf, "Name:"));
  free (buf);
  assert_int_equal (gpg_err_code (descriptor_read_file (file, 64, &buf, &len,
                                                        &msg)),
                    GPG_ERR_TOO_LARGE);
  assert_null (buf);
  free (msg);
}

static void
test_read_file_refuses_directories_and_fifos (void **state)
{
  char path[256];
  char *buf = NULL, *msg = NULL;
  size_t len;

  (void)state;
  assert_int_equal (gpg_err_code (descriptor_read_file (g.dir, 1024, &buf,
                                                        &len, &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_fragments (msg, (const char *const[]){ g.dir, ": not a regular file",
                                                NULL });
  free (msg);

  snprintf (path, sizeof path, "%s/fifo", g.dir);
  assert_int_equal (mkfifo (path, 0600), 0);
  assert_int_equal (gpg_err_code (descriptor_read_file (path, 1024, &buf,
                                                        &len, &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_fragments (msg, (const char *const[]){ "fifo: not a regular file",
                                                NULL });
  free (msg);
  unlink (path);

  snprintf (path, sizeof path, "%s/absent.xml", g.dir);
  assert_int_equal (gpg_err_code (descriptor_read_file (path, 1024, &buf,
                                                        &len, &msg)),
                    GPG_ERR_ENOENT);
  assert_fragments (msg, (const char *const[]){ "absent.xml: cannot open",
                                                NULL });
  free (msg);
}


/*
 * Loading: create, destroy, errors
 */

static void
test_load_creates_steps_and_release_destroys_them (void **state)
{
  static const char xml[] = HEAD "<step type=\"beta\"/>\n"
    "<step type=\"alpha\">" RCPT "</step>\n</pipeline>\n";
  pgpstep_pipeline_t pipe = NULL;
  char *msg = NULL;
  int created = n_created, destroyed = n_destroyed;

  (void)state;
  assert_int_equal (pgpstep_pipeline_load_memory (g.ctx, "mem", xml,
                                                  strlen (xml), &pipe, &msg),
                    0);
  assert_null (msg);
  assert_non_null (pipe);
  assert_int_equal (n_created, created + 2);
  assert_int_equal (g.ctx->npipelines, 1);
  assert_string_equal (pgpstep_pipeline_name (pipe), "p");
  assert_true (pipe->steps[0]->created && pipe->steps[1]->created);
  pgpstep_pipeline_release (pipe);
  assert_int_equal (n_destroyed, destroyed + 2);
  assert_int_equal (g.ctx->npipelines, 0);
  pgpstep_pipeline_release (NULL);
}

static void
test_unnamed_pipeline_is_named_by_its_source (void **state)
{
  static const char xml[] = "<pipeline xmlns=\"" NS "\">"
    "<step type=\"gamma\"/></pipeline>";
  pgpstep_pipeline_t pipe = NULL;

  (void)state;
  assert_int_equal (pgpstep_pipeline_load_memory (g.ctx, "mem.xml", xml,
                                                  strlen (xml), &pipe, NULL),
                    0);
  assert_string_equal (pgpstep_pipeline_name (pipe), "mem.xml");
  pgpstep_pipeline_release (pipe);
}

static void
test_create_failure_keeps_step_error_and_destroys_earlier_steps (void **state)
{
  static const char xml[] = HEAD "<step type=\"beta\" id=\"b\"/>\n"
    "<step type=\"alpha\" id=\"a\">\n" RCPT "<text>fail</text>\n</step>\n"
    "<step type=\"gamma\"/>\n</pipeline>\n";
  pgpstep_pipeline_t pipe = NULL;
  char *msg = NULL;
  int created = n_created, destroyed = n_destroyed;

  (void)state;
  assert_int_equal (gpg_err_code (pgpstep_pipeline_load_memory
                                  (g.ctx, "t.xml", xml, strlen (xml), &pipe,
                                   &msg)),
                    GPG_ERR_BAD_PASSPHRASE);
  assert_null (pipe);
  assert_non_null (msg);
  assert_string_equal (msg, "t.xml:3: step 'a': told to fail");
  free (msg);
  assert_int_equal (n_created, created + 1);   /* Only beta.  */
  assert_int_equal (n_destroyed, destroyed + 1);
  assert_int_equal (g.ctx->npipelines, 0);
}

static void
test_create_failure_without_detail_uses_error_text (void **state)
{
  static const char xml[] = HEAD "<step type=\"alpha\" id=\"a\">\n" RCPT
    "<text>fail-silent</text>\n</step>\n</pipeline>\n";
  pgpstep_pipeline_t pipe = NULL;
  char *msg = NULL;
  char *expected = NULL;

  (void)state;
  assert_int_equal (gpg_err_code (pgpstep_pipeline_load_memory
                                  (g.ctx, "t.xml", xml, strlen (xml), &pipe,
                                   &msg)),
                    GPG_ERR_NO_SECKEY);
  assert_true (asprintf (&expected, "t.xml:2: step 'a': %s",
                         gpg_strerror (GPG_ERR_NO_SECKEY)) > 0);
  assert_string_equal (msg, expected);
  free (expected);
  free (msg);
}

static void
test_descriptor_errors_are_configuration_errors_from_load (void **state)
{
  static const char xml[] = HEAD "<step type=\"beta\"><level>x</level></step>"
    "\n</pipeline>\n";
  pgpstep_pipeline_t pipe = NULL;
  char *msg = NULL;

  (void)state;
  assert_int_equal (gpg_err_code (pgpstep_pipeline_load_memory
                                  (g.ctx, NULL, xml, strlen (xml), &pipe,
                                   &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_fragments (msg, (const char *const[]){
      "<memory>:2: step 'beta#1': parameter 'level': bad integer value",
      NULL });
  free (msg);
  /* R_MESSAGE is optional.  */
  assert_int_equal (gpg_err_code (pgpstep_pipeline_load_memory
                                  (g.ctx, NULL, xml, strlen (xml), &pipe,
                                   NULL)),
                    GPG_ERR_CONFIGURATION);
}

static void
test_load_file_resolves_paths_from_the_real_directory (void **state)
{
  static const char xml[] = HEAD
    "<keyring name=\"k\" public=\"keys/k.asc\"/>\n"
    "<step type=\"alpha\">" RCPT "<keyring>k</keyring></step>\n</pipeline>\n";
  char real[PATH_MAX], sub[128], file[160], link[160], expected[PATH_MAX + 32];
  pgpstep_pipeline_t pipe = NULL;
  char *msg = NULL;
  int fd;

  (void)state;
  assert_non_null (realpath (g.dir, real));
  snprintf (sub, sizeof sub, "%s/real", g.dir);
  assert_int_equal (mkdir (sub, 0700), 0);
  /* Loading imports the key (runtime homes): it must exist.  */
  snprintf (file, sizeof file, "%s/keys", sub);
  assert_int_equal (mkdir (file, 0700), 0);
  snprintf (file, sizeof file, "%s/keys/k.asc", sub);
  assert_int_equal (symlink (TEST_DATA_DIR "/keys/alice.pub.asc", file), 0);
  snprintf (file, sizeof file, "%s/p.xml", sub);
  fd = open (file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true (fd >= 0);
  assert_int_equal (write (fd, xml, strlen (xml)), (ssize_t)strlen (xml));
  close (fd);
  snprintf (link, sizeof link, "%s/link.xml", g.dir);
  assert_int_equal (symlink ("real/p.xml", link), 0);

  assert_int_equal (pgpstep_pipeline_load_file (g.ctx, link, &pipe, &msg), 0);
  assert_null (msg);
  snprintf (expected, sizeof expected, "%s/real/keys/k.asc", real);
  assert_string_equal (pipe->keyrings[0].public_file, expected);
  snprintf (expected, sizeof expected, "%s/real", real);
  assert_string_equal (pipe->basedir, expected);
  assert_string_equal (pipe->source, link);
  pgpstep_pipeline_release (pipe);

  assert_int_equal (gpg_err_code (pgpstep_pipeline_load_file
                                  (g.ctx, "/nonexistent/p.xml", &pipe, &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_fragments (msg, (const char *const[]){ "/nonexistent/p.xml: cannot"
                                                " open", NULL });
  free (msg);
}

static void
test_load_file_reports_errors_with_the_given_path (void **state)
{
  static const char xml[] = HEAD "<step type=\"beta\">\n<level>10</level>\n"
    "</step>\n</pipeline>\n";
  pgpstep_pipeline_t pipe = NULL;
  const char *file;
  char *msg = NULL, *expected = NULL;

  (void)state;
  file = write_file ("bad.xml", xml, strlen (xml), 0644);
  assert_int_equal (gpg_err_code (pgpstep_pipeline_load_file
                                  (g.ctx, file, &pipe, &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_true (asprintf (&expected, "%s:3: step 'beta#1': parameter 'level':"
                         " bad integer value (expected an integer from 0 to"
                         " 9, found '10')", file) > 0);
  assert_string_equal (msg, expected);
  free (expected);
  free (msg);
}


/*
 * Create-time services
 */

static void
test_config_error_keeps_the_first_report (void **state)
{
  struct pgpstep_pipeline *pl;
  struct pgpstep_config *cfg;

  (void)state;
  pl = parse_ok (HEAD "<step type=\"gamma\"/></pipeline>");
  cfg = pl->steps[0];
  config_error (cfg, gpg_error (GPG_ERR_UNUSABLE_PUBKEY), "recipient",
                "key %s expired", "X");
  config_error (cfg, gpg_error (GPG_ERR_GENERAL), NULL, "second");
  assert_int_equal (gpg_err_code (cfg->error_code), GPG_ERR_UNUSABLE_PUBKEY);
  assert_string_equal (cfg->error_key, "recipient");
  assert_string_equal (cfg->error_text, "key X expired");
  descriptor_release (pl);
}

static void
test_gnupg_home_depends_on_keyring_values (void **state)
{
  struct pgpstep_pipeline *pl;
  const char *home = "x";

  (void)state;
  pl = parse_ok (HEAD "<keyring name=\"k\" public=\"a\"/>\n"
                 "<step type=\"alpha\">" RCPT "</step>\n"
                 "<step type=\"alpha\">" RCPT "<keyring>k</keyring></step>\n"
                 "</pipeline>");
  assert_int_equal (gpg_err_code (config_gnupg_home (pl->steps[0], &home)),
                    GPG_ERR_NO_DATA);
  assert_null (home);
  assert_int_equal (gpg_err_code (config_gnupg_home (pl->steps[1], &home)),
                    GPG_ERR_NOT_SUPPORTED);
  descriptor_release (pl);
}

/* Load a pipeline whose alpha step (id "a", line 2) looks up REF.  */
static gpg_error_t
load_with_secret (pgpstep_t ctx, const char *ref, char **r_msg)
{
  char xml[512];
  pgpstep_pipeline_t pipe = NULL;
  gpg_error_t err;

  snprintf (xml, sizeof xml, HEAD "<step type=\"alpha\" id=\"a\">" RCPT
            "<passphrase>%s</passphrase></step>\n</pipeline>\n", ref);
  last_secret[0] = 0;
  last_secret_len = 0;
  err = pgpstep_pipeline_load_memory (ctx, "s.xml", xml, strlen (xml), &pipe,
                                      r_msg);
  pgpstep_pipeline_release (pipe);
  return err;
}

static void
test_secret_from_environment (void **state)
{
  char *msg = NULL;

  (void)state;
  setenv ("T_DESC_PASS", "from env", 1);
  assert_int_equal (load_with_secret (g.ctx, "env:T_DESC_PASS", &msg), 0);
  assert_null (msg);
  assert_string_equal (last_secret, "from env");
  assert_int_equal (last_secret_len, 8);
  unsetenv ("T_DESC_PASS");

  unsetenv ("T_DESC_UNSET");
  assert_int_equal (gpg_err_code (load_with_secret (g.ctx, "env:T_DESC_UNSET",
                                                    &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_string_equal (msg, "s.xml:2: step 'a': secret 'env:T_DESC_UNSET':"
                       " environment variable T_DESC_UNSET is not set");
  free (msg);
}

static void
test_secret_from_private_file_loses_one_newline (void **state)
{
  char *msg = NULL;

  (void)state;
  write_file ("secrets/good", "s3cret pass\n", 12, 0600);
  assert_int_equal (load_with_secret (g.ctx, "secret:good", &msg), 0);
  assert_null (msg);
  assert_string_equal (last_secret, "s3cret pass");
  assert_int_equal (last_secret_len, 11);

  write_file ("secrets/two", "two\n\n", 5, 0400);
  assert_int_equal (load_with_secret (g.ctx, "secret:two", &msg), 0);
  assert_string_equal (last_secret, "two\n");

  write_file ("secrets/bare", "bare", 4, 0600);
  assert_int_equal (load_with_secret (g.ctx, "secret:bare", &msg), 0);
  assert_string_equal (last_secret, "bare");
}

static void
test_secret_file_readable_by_others_is_refused (void **state)
{
  char *msg = NULL;
  char *expected = NULL;

  (void)state;
  write_file ("secrets/loose", "pw\n", 3, 0644);
  assert_int_equal (gpg_err_code (load_with_secret (g.ctx, "secret:loose",
                                                    &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_true (asprintf (&expected, "s.xml:2: step 'a': secret 'loose': %s/"
                         "loose has mode 0644, expected no group or other"
                         " permissions (chmod 600)", g.secrets) > 0);
  assert_string_equal (msg, expected);
  assert_string_equal (last_secret, "");
  free (expected);
  free (msg);

  write_file ("secrets/group", "pw\n", 3, 0640);
  assert_int_equal (gpg_err_code (load_with_secret (g.ctx, "secret:group",
                                                    &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_fragments (msg, (const char *const[]){ "mode 0640", NULL });
  free (msg);
}

static void
test_secret_file_of_another_user_is_refused (void **state)
{
  const char *file;
  char *msg = NULL;

  (void)state;
  if (geteuid () != 0)
    skip ();  /* Only root can give a file away.  */
  file = write_file ("secrets/foreign", "pw", 2, 0600);
  assert_int_equal (chown (file, 65534, 65534), 0);
  assert_int_equal (gpg_err_code (load_with_secret (g.ctx, "secret:foreign",
                                                    &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_fragments (msg, (const char *const[]){ "foreign is owned by uid"
                                                " 65534, expected uid 0",
                                                NULL });
  free (msg);
}

static void
test_missing_or_oversize_secret_file_is_refused (void **state)
{
  char dir[256];
  char *msg = NULL;
  char *big;

  (void)state;
  assert_int_equal (gpg_err_code (load_with_secret (g.ctx, "secret:absent",
                                                    &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_fragments (msg, (const char *const[]){
      "s.xml:2: step 'a': secret 'absent': cannot open ", "/absent: ",
      strerror (ENOENT), NULL });
  free (msg);

  big = malloc (64 * 1024 + 1);
  assert_non_null (big);
  memset (big, 'x', 64 * 1024 + 1);
  write_file ("secrets/big", big, 64 * 1024 + 1, 0600);
  free (big);
  assert_int_equal (gpg_err_code (load_with_secret (g.ctx, "secret:big",
                                                    &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_fragments (msg, (const char *const[]){ "larger than 65536 bytes",
                                                NULL });
  free (msg);

  snprintf (dir, sizeof dir, "%s/adir", g.secrets);
  assert_int_equal (mkdir (dir, 0700), 0);
  assert_int_equal (gpg_err_code (load_with_secret (g.ctx, "secret:adir",
                                                    &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_fragments (msg, (const char *const[]){ "adir is not a regular file",
                                                NULL });
  free (msg);
}

static void
test_secret_file_without_secrets_dir_says_how_to_configure (void **state)
{
  pgpstep_t ctx;
  char *msg = NULL;

  (void)state;
  ctx = new_host (NULL);
  assert_int_equal (gpg_err_code (load_with_secret (ctx, "secret:good",
                                                    &msg)),
                    GPG_ERR_CONFIGURATION);
  assert_fragments (msg, (const char *const[]){
      "secret 'good': no secrets directory configured",
      "PGPSTEP_SECRETS", NULL });
  free (msg);
  pgpstep_release (ctx);
}

static void
test_secret_lookup_is_cached_until_release (void **state)
{
  struct pgpstep_pipeline *pl;
  struct pgpstep_config *cfg;
  const char *v1 = NULL, *v2 = NULL;
  size_t len = 0;

  (void)state;
  pl = parse_ok (HEAD "<step type=\"gamma\"/></pipeline>");
  cfg = pl->steps[0];
  setenv ("T_DESC_CACHE", "one", 1);
  assert_int_equal (config_secret (cfg, "env:T_DESC_CACHE", &v1, &len), 0);
  setenv ("T_DESC_CACHE", "two", 1);
  assert_int_equal (config_secret (cfg, "env:T_DESC_CACHE", &v2, NULL), 0);
  assert_ptr_equal (v1, v2);
  assert_string_equal (v1, "one");
  assert_int_equal (len, 3);
  unsetenv ("T_DESC_CACHE");

  assert_int_equal (gpg_err_code (config_secret (cfg, "hunter2", &v1, &len)),
                    GPG_ERR_CONFIGURATION);
  assert_null (v1);
  assert_non_null (cfg->secret_error);
  assert_null (strstr (cfg->secret_error, "hunter2"));
  assert_int_equal (gpg_err_code (config_secret (cfg, "secret:..", &v1,
                                                 &len)),
                    GPG_ERR_CONFIGURATION);
  descriptor_release (pl);
}


int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_minimal_pipeline_gets_defaults_after_given_values),
    cmocka_unit_test (test_values_are_trimmed_and_normalised),
    cmocka_unit_test (test_repeatable_parameter_keeps_document_order),
    cmocka_unit_test (test_default_ids_are_type_and_position),
    cmocka_unit_test (test_pipeline_name_is_optional),
    cmocka_unit_test (test_duplicate_step_id_is_refused),
    cmocka_unit_test (test_explicit_id_clashing_with_default_id_is_refused),
    cmocka_unit_test (test_step_id_with_control_characters_is_refused),
    cmocka_unit_test (test_unknown_step_type_lists_known_types),
    cmocka_unit_test (test_step_without_type_is_refused),
    cmocka_unit_test (test_unknown_step_attribute_is_refused),
    cmocka_unit_test (test_unknown_parameter_lists_the_step_parameters),
    cmocka_unit_test (test_missing_required_parameter_is_named),
    cmocka_unit_test (test_repeated_single_parameter_is_refused),
    cmocka_unit_test (test_bad_values_name_type_and_expectation),
    cmocka_unit_test (test_literal_secret_is_refused_without_echo),
    cmocka_unit_test (test_header_reference_needs_header_ok),
    cmocka_unit_test (test_header_reference_is_kept_dynamic),
    cmocka_unit_test (test_malformed_header_reference_is_refused),
    cmocka_unit_test (test_parameter_element_takes_no_attributes_or_children),
    cmocka_unit_test (test_foreign_element_in_step_is_refused),
    cmocka_unit_test (test_keyring_paths_are_resolved_against_basedir),
    cmocka_unit_test (test_keyring_may_be_defined_after_its_step),
    cmocka_unit_test (test_step_keyring_must_name_a_pipeline_keyring),
    cmocka_unit_test (test_keyring_attribute_rules),
    cmocka_unit_test (test_keyring_passphrase_must_be_a_reference),
    cmocka_unit_test (test_wrong_root_or_namespace_is_named),
    cmocka_unit_test (test_pipeline_content_rules),
    cmocka_unit_test (test_xml_declaration_and_comments_are_accepted),
    cmocka_unit_test (test_malformed_xml_reports_line),
    cmocka_unit_test (test_doctype_with_external_entity_is_refused),
    cmocka_unit_test (test_billion_laughs_is_refused_at_once),
    cmocka_unit_test (test_any_doctype_is_refused),
    cmocka_unit_test (test_nul_byte_is_refused_with_line),
    cmocka_unit_test (test_messages_are_one_line),
    cmocka_unit_test (test_empty_and_oversize_memory_input_is_refused),
    cmocka_unit_test (test_gzip_descriptor_is_refused),
    cmocka_unit_test (test_read_file_enforces_the_size_bound),
    cmocka_unit_test (test_read_file_handles_files_that_report_size_zero),
    cmocka_unit_test (test_read_file_refuses_directories_and_fifos),
    cmocka_unit_test (test_load_creates_steps_and_release_destroys_them),
    cmocka_unit_test (test_unnamed_pipeline_is_named_by_its_source),
    cmocka_unit_test
      (test_create_failure_keeps_step_error_and_destroys_earlier_steps),
    cmocka_unit_test (test_create_failure_without_detail_uses_error_text),
    cmocka_unit_test
      (test_descriptor_errors_are_configuration_errors_from_load),
    cmocka_unit_test (test_load_file_resolves_paths_from_the_real_directory),
    cmocka_unit_test (test_load_file_reports_errors_with_the_given_path),
    cmocka_unit_test (test_config_error_keeps_the_first_report),
    cmocka_unit_test (test_gnupg_home_depends_on_keyring_values),
    cmocka_unit_test (test_secret_from_environment),
    cmocka_unit_test (test_secret_from_private_file_loses_one_newline),
    cmocka_unit_test (test_secret_file_readable_by_others_is_refused),
    cmocka_unit_test (test_secret_file_of_another_user_is_refused),
    cmocka_unit_test (test_missing_or_oversize_secret_file_is_refused),
    cmocka_unit_test
      (test_secret_file_without_secrets_dir_says_how_to_configure),
    cmocka_unit_test (test_secret_lookup_is_cached_until_release),
  };

  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
