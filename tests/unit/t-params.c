/* t-params.c - parameter type checks and ${header.NAME} references.  */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "params.h"

static const char *const modes[] = { "fast", "safe", NULL };

static struct pgpstep_param
spec_of (pgpstep_param_type_t type, long long min, long long max)
{
  struct pgpstep_param p;

  memset (&p, 0, sizeof p);
  p.struct_size = sizeof p;
  p.name = "p";
  p.type = type;
  p.allowed = modes;
  p.min = min;
  p.max = max;
  return p;
}

/* Assert VALUE is accepted and normalised to EXPECTED.  */
static void
ok_as (pgpstep_param_type_t type, long long min, long long max,
       const char *value, const char *expected)
{
  struct pgpstep_param spec = spec_of (type, min, max);
  char *norm = NULL, *why = NULL;
  gpg_error_t err;

  err = param_check (&spec, value, &norm, &why);
  if (err)
    print_error ("'%s' refused: %s\n", value, why ? why : "?");
  assert_int_equal (err, 0);
  assert_null (why);
  assert_non_null (norm);
  assert_string_equal (norm, expected);
  free (norm);
}

/* Assert VALUE is refused with a reason containing FRAGMENT.  */
static void
bad (pgpstep_param_type_t type, long long min, long long max,
     const char *value, const char *fragment)
{
  struct pgpstep_param spec = spec_of (type, min, max);
  char *norm = NULL, *why = NULL;
  gpg_error_t err;

  err = param_check (&spec, value, &norm, &why);
  assert_int_equal (gpg_err_code (err), GPG_ERR_INV_VALUE);
  assert_null (norm);
  assert_non_null (why);
  if (!strstr (why, fragment))
    print_error ("reason '%s' lacks '%s'\n", why, fragment);
  assert_non_null (strstr (why, fragment));
  free (why);
}

static void
test_bool_accepts_six_spellings_and_normalises (void **state)
{
  (void)state;
  ok_as (PGPSTEP_TYPE_BOOL, 0, 0, "true", "true");
  ok_as (PGPSTEP_TYPE_BOOL, 0, 0, "yes", "true");
  ok_as (PGPSTEP_TYPE_BOOL, 0, 0, "1", "true");
  ok_as (PGPSTEP_TYPE_BOOL, 0, 0, "false", "false");
  ok_as (PGPSTEP_TYPE_BOOL, 0, 0, "no", "false");
  ok_as (PGPSTEP_TYPE_BOOL, 0, 0, "0", "false");
}

static void
test_bool_refuses_other_words (void **state)
{
  (void)state;
  bad (PGPSTEP_TYPE_BOOL, 0, 0, "maybe",
       "expected true, false, yes, no, 1 or 0, found 'maybe'");
  bad (PGPSTEP_TYPE_BOOL, 0, 0, "", "found ''");
  bad (PGPSTEP_TYPE_BOOL, 0, 0, "TRUE", "found 'TRUE'");
}

static void
test_int_checks_syntax_and_bounds (void **state)
{
  (void)state;
  ok_as (PGPSTEP_TYPE_INT, 1, 10, "10", "10");
  ok_as (PGPSTEP_TYPE_INT, 1, 10, "+7", "7");
  ok_as (PGPSTEP_TYPE_INT, 1, 10, "007", "7");
  ok_as (PGPSTEP_TYPE_INT, -5, 5, "-5", "-5");
  ok_as (PGPSTEP_TYPE_INT, 0, 0, "-0", "0");
  bad (PGPSTEP_TYPE_INT, 1, 10, "11", "expected an integer from 1 to 10,"
       " found '11'");
  bad (PGPSTEP_TYPE_INT, 1, 10, "0", "from 1 to 10");
  bad (PGPSTEP_TYPE_INT, 1, 10, "1.5", "expected a decimal integer");
  bad (PGPSTEP_TYPE_INT, 1, 10, "", "expected a decimal integer");
  bad (PGPSTEP_TYPE_INT, 1, 10, "-", "expected a decimal integer");
  bad (PGPSTEP_TYPE_INT, 1, 10, " 5", "expected a decimal integer");
}

static void
test_int_unbounded_when_both_bounds_zero (void **state)
{
  (void)state;
  ok_as (PGPSTEP_TYPE_INT, 0, 0, "9223372036854775807",
         "9223372036854775807");
  ok_as (PGPSTEP_TYPE_INT, 0, 0, "-9223372036854775808",
         "-9223372036854775808");
  bad (PGPSTEP_TYPE_INT, 0, 0, "9223372036854775808", "out of range");
  bad (PGPSTEP_TYPE_INT, 0, 0, "-9223372036854775809", "out of range");
}

static void
test_enum_accepts_only_listed_values_and_lists_them (void **state)
{
  (void)state;
  ok_as (PGPSTEP_TYPE_ENUM, 0, 0, "safe", "safe");
  bad (PGPSTEP_TYPE_ENUM, 0, 0, "slow", "expected one of: fast, safe,"
       " found 'slow'");
  bad (PGPSTEP_TYPE_ENUM, 0, 0, "Fast", "found 'Fast'");
}

static void
test_size_suffixes_are_powers_of_1024 (void **state)
{
  (void)state;
  ok_as (PGPSTEP_TYPE_SIZE, 0, 0, "0", "0");
  ok_as (PGPSTEP_TYPE_SIZE, 0, 0, "512", "512");
  ok_as (PGPSTEP_TYPE_SIZE, 0, 0, "4K", "4096");
  ok_as (PGPSTEP_TYPE_SIZE, 0, 0, "3M", "3145728");
  ok_as (PGPSTEP_TYPE_SIZE, 0, 0, "2G", "2147483648");
  bad (PGPSTEP_TYPE_SIZE, 0, 0, "4k", "optional K, M or G suffix");
  bad (PGPSTEP_TYPE_SIZE, 0, 0, "4KB", "optional K, M or G suffix");
  bad (PGPSTEP_TYPE_SIZE, 0, 0, "K", "optional K, M or G suffix");
  bad (PGPSTEP_TYPE_SIZE, 0, 0, "-1", "optional K, M or G suffix");
  bad (PGPSTEP_TYPE_SIZE, 0, 0, "99999999999G", "out of range");
  bad (PGPSTEP_TYPE_SIZE, 0, 0, "99999999999999999999", "out of range");
}

static void
test_size_bounds_apply_to_byte_count (void **state)
{
  (void)state;
  ok_as (PGPSTEP_TYPE_SIZE, 1024, 1 << 30, "1K", "1024");
  ok_as (PGPSTEP_TYPE_SIZE, 1024, 1 << 30, "1G", "1073741824");
  bad (PGPSTEP_TYPE_SIZE, 1024, 1 << 30, "1023",
       "expected a size from 1024 to 1073741824 bytes, found '1023'");
  bad (PGPSTEP_TYPE_SIZE, 1024, 1 << 30, "2G", "from 1024 to");
}

static void
test_time_normalises_dates_to_epoch_seconds (void **state)
{
  (void)state;
  ok_as (PGPSTEP_TYPE_TIME, 0, 0, "1970-01-01", "0");
  ok_as (PGPSTEP_TYPE_TIME, 0, 0, "2024-01-02", "1704153600");
  ok_as (PGPSTEP_TYPE_TIME, 0, 0, "2024-01-02T03:04:05Z", "1704164645");
  ok_as (PGPSTEP_TYPE_TIME, 0, 0, "2024-02-29", "1709164800");
  ok_as (PGPSTEP_TYPE_TIME, 0, 0, "2000-02-29T23:59:59Z", "951868799");
  ok_as (PGPSTEP_TYPE_TIME, 0, 0, "1704153600", "1704153600");
  ok_as (PGPSTEP_TYPE_TIME, 0, 0, "0017", "17");
}

/* Regression (fuzz-header-ref): a date before 1970 was normalised to
 * negative seconds ("0224-02-29T23:59:59Z" -> "-55093305601"), a value
 * this very check refuses and steps cannot read back as epoch seconds
 * (the policy's not-before/not-after take digits only).  */
static void
test_time_refuses_dates_before_the_epoch (void **state)
{
  (void)state;
  bad (PGPSTEP_TYPE_TIME, 0, 0, "1969-12-31T23:59:59Z", "from 1970-01-01");
  bad (PGPSTEP_TYPE_TIME, 0, 0, "0224-02-29T23:59:59Z", "from 1970-01-01");
  bad (PGPSTEP_TYPE_TIME, 0, 0, "0000-01-01", "from 1970-01-01");
  ok_as (PGPSTEP_TYPE_TIME, 0, 0, "1970-01-01T00:00:00Z", "0");
  ok_as (PGPSTEP_TYPE_TIME, 0, 0, "9999-12-31T23:59:59Z", "253402300799");
  ok_as (PGPSTEP_TYPE_TIME, 0, 0, "253402300799", "253402300799");
}

static void
test_time_refuses_impossible_and_malformed_dates (void **state)
{
  (void)state;
  bad (PGPSTEP_TYPE_TIME, 0, 0, "2023-02-29", "no such date");
  bad (PGPSTEP_TYPE_TIME, 0, 0, "1900-02-29", "no such date");
  bad (PGPSTEP_TYPE_TIME, 0, 0, "2024-13-01", "no such date");
  bad (PGPSTEP_TYPE_TIME, 0, 0, "2024-04-31", "no such date");
  bad (PGPSTEP_TYPE_TIME, 0, 0, "2024-01-01T24:00:00Z", "no such date");
  bad (PGPSTEP_TYPE_TIME, 0, 0, "2024-01-01T12:00:00",
       "expected a date YYYY-MM-DD");
  bad (PGPSTEP_TYPE_TIME, 0, 0, "2024-01-01T12:00:00+01:00",
       "YYYY-MM-DDTHH:MM:SSZ");
  bad (PGPSTEP_TYPE_TIME, 0, 0, "24-1-1", "seconds since the epoch");
  bad (PGPSTEP_TYPE_TIME, 0, 0, "-5", "seconds since the epoch");
  bad (PGPSTEP_TYPE_TIME, 0, 0, "", "found ''");
  bad (PGPSTEP_TYPE_TIME, 0, 0, "99999999999999999999", "out of range");
}

static void
test_key_fingerprints_are_normalised_uppercase (void **state)
{
  (void)state;
  ok_as (PGPSTEP_TYPE_KEY, 0, 0, "0x0123456789abcdef0123456789abcdef01234567",
         "0123456789ABCDEF0123456789ABCDEF01234567");
  ok_as (PGPSTEP_TYPE_KEY, 0, 0, "0X0123456789ABCDEF0123456789ABCDEF01234567",
         "0123456789ABCDEF0123456789ABCDEF01234567");
  ok_as (PGPSTEP_TYPE_KEY, 0, 0,
         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
         "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF");
}

static void
test_key_ids_and_broken_fingerprints_are_refused (void **state)
{
  (void)state;
  bad (PGPSTEP_TYPE_KEY, 0, 0, "0x1234", "40 or 64 hex digit fingerprint");
  bad (PGPSTEP_TYPE_KEY, 0, 0, "DEADBEEFDEADBEEF", "key IDs are not accepted");
  bad (PGPSTEP_TYPE_KEY, 0, 0, "0x0123456789abcdef0123456789abcdef0123456",
       "40 or 64");
  bad (PGPSTEP_TYPE_KEY, 0, 0, "0x0123456789abcdef0123456789abcdef0123456g",
       "40 or 64");
}

static void
test_key_accepts_email_and_user_id (void **state)
{
  (void)state;
  ok_as (PGPSTEP_TYPE_KEY, 0, 0, "<alice@example.org>", "<alice@example.org>");
  ok_as (PGPSTEP_TYPE_KEY, 0, 0, "Alice <alice@example.org>",
         "Alice <alice@example.org>");
  ok_as (PGPSTEP_TYPE_KEY, 0, 0, "Bob", "Bob");
  bad (PGPSTEP_TYPE_KEY, 0, 0, "<alice@>", "<name@domain>");
  bad (PGPSTEP_TYPE_KEY, 0, 0, "<@example.org>", "<name@domain>");
  bad (PGPSTEP_TYPE_KEY, 0, 0, "<alice example.org>", "<name@domain>");
  bad (PGPSTEP_TYPE_KEY, 0, 0, "<a b@example.org>", "<name@domain>");
  bad (PGPSTEP_TYPE_KEY, 0, 0, "<alice@example.org", "<name@domain>");
  bad (PGPSTEP_TYPE_KEY, 0, 0, "", "empty value");
  bad (PGPSTEP_TYPE_KEY, 0, 0, "Alice\nMallory", "control characters");
}

static void
test_secret_takes_references_and_never_quotes_literals (void **state)
{
  struct pgpstep_param spec = spec_of (PGPSTEP_TYPE_SECRET, 0, 0);
  char *norm = NULL, *why = NULL;

  (void)state;
  ok_as (PGPSTEP_TYPE_SECRET, 0, 0, "secret:ops-key_1.2",
         "secret:ops-key_1.2");
  ok_as (PGPSTEP_TYPE_SECRET, 0, 0, "env:PGP_PASS", "env:PGP_PASS");
  bad (PGPSTEP_TYPE_SECRET, 0, 0, "secret:", "secret:NAME or env:NAME");
  bad (PGPSTEP_TYPE_SECRET, 0, 0, "env:", "literal secrets are not accepted");
  bad (PGPSTEP_TYPE_SECRET, 0, 0, "secret:../x", "secret:NAME");
  bad (PGPSTEP_TYPE_SECRET, 0, 0, "secret:..", "secret:NAME");
  bad (PGPSTEP_TYPE_SECRET, 0, 0, "secret:a/b", "secret:NAME");
  bad (PGPSTEP_TYPE_SECRET, 0, 0, "file:x", "secret:NAME");

  assert_int_equal (gpg_err_code (param_check (&spec, "hunter2", &norm, &why)),
                    GPG_ERR_INV_VALUE);
  assert_null (strstr (why, "hunter2"));
  free (why);
}

static void
test_keyring_names_are_identifiers (void **state)
{
  (void)state;
  ok_as (PGPSTEP_TYPE_KEYRING, 0, 0, "ours-2.a_b", "ours-2.a_b");
  bad (PGPSTEP_TYPE_KEYRING, 0, 0, "our ring", "keyring name");
  bad (PGPSTEP_TYPE_KEYRING, 0, 0, "", "found ''");
}

static void
test_string_takes_anything (void **state)
{
  (void)state;
  ok_as (PGPSTEP_TYPE_STRING, 0, 0, "", "");
  ok_as (PGPSTEP_TYPE_STRING, 0, 0, " a\tb $x ", " a\tb $x ");
}

static void
test_long_values_are_cut_in_reasons (void **state)
{
  struct pgpstep_param spec = spec_of (PGPSTEP_TYPE_BOOL, 0, 0);
  char value[300];
  char *norm = NULL, *why = NULL;

  (void)state;
  memset (value, 'x', sizeof value - 1);
  value[sizeof value - 1] = 0;
  value[3] = '\n';
  param_check (&spec, value, &norm, &why);
  assert_non_null (why);
  assert_true (strlen (why) < 150);
  assert_non_null (strstr (why, "xxx?xxx"));
  assert_non_null (strstr (why, "...'"));
  free (why);
}

static void
test_header_reference_must_be_the_whole_value (void **state)
{
  char *h = NULL;

  (void)state;
  assert_int_equal (param_header_ref ("${header.partner_fpr}", &h), 1);
  assert_string_equal (h, "partner_fpr");
  free (h);
  assert_int_equal (param_header_ref ("${header.a.b-c}", &h), 1);
  assert_string_equal (h, "a.b-c");
  free (h);

  assert_int_equal (param_header_ref ("plain $ text {}", &h), 0);
  assert_null (h);
  assert_int_equal (param_header_ref ("", &h), 0);

  assert_int_equal (param_header_ref ("${header.}", &h), -1);
  assert_null (h);
  assert_int_equal (param_header_ref ("${header.a", &h), -1);
  assert_int_equal (param_header_ref ("${env.HOME}", &h), -1);
  assert_int_equal (param_header_ref ("x${header.a}", &h), -1);
  assert_int_equal (param_header_ref ("${header.a}x", &h), -1);
  assert_int_equal (param_header_ref ("${header.a b}", &h), -1);
  assert_int_equal (param_header_ref ("${header.a}${header.b}", &h), -1);
  assert_null (h);
}

static void
test_type_names (void **state)
{
  (void)state;
  assert_string_equal (pgpstep_param_type_name (PGPSTEP_TYPE_STRING), "string");
  assert_string_equal (pgpstep_param_type_name (PGPSTEP_TYPE_BOOL), "boolean");
  assert_string_equal (pgpstep_param_type_name (PGPSTEP_TYPE_INT), "integer");
  assert_string_equal (pgpstep_param_type_name (PGPSTEP_TYPE_ENUM), "enum");
  assert_string_equal (pgpstep_param_type_name (PGPSTEP_TYPE_KEY), "key");
  assert_string_equal (pgpstep_param_type_name (PGPSTEP_TYPE_KEYRING), "keyring");
  assert_string_equal (pgpstep_param_type_name (PGPSTEP_TYPE_SECRET), "secret");
  assert_string_equal (pgpstep_param_type_name (PGPSTEP_TYPE_TIME), "time");
  assert_string_equal (pgpstep_param_type_name (PGPSTEP_TYPE_SIZE), "size");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_bool_accepts_six_spellings_and_normalises),
    cmocka_unit_test (test_bool_refuses_other_words),
    cmocka_unit_test (test_int_checks_syntax_and_bounds),
    cmocka_unit_test (test_int_unbounded_when_both_bounds_zero),
    cmocka_unit_test (test_enum_accepts_only_listed_values_and_lists_them),
    cmocka_unit_test (test_size_suffixes_are_powers_of_1024),
    cmocka_unit_test (test_size_bounds_apply_to_byte_count),
    cmocka_unit_test (test_time_normalises_dates_to_epoch_seconds),
    cmocka_unit_test (test_time_refuses_impossible_and_malformed_dates),
    cmocka_unit_test (test_time_refuses_dates_before_the_epoch),
    cmocka_unit_test (test_key_fingerprints_are_normalised_uppercase),
    cmocka_unit_test (test_key_ids_and_broken_fingerprints_are_refused),
    cmocka_unit_test (test_key_accepts_email_and_user_id),
    cmocka_unit_test (test_secret_takes_references_and_never_quotes_literals),
    cmocka_unit_test (test_keyring_names_are_identifiers),
    cmocka_unit_test (test_string_takes_anything),
    cmocka_unit_test (test_long_values_are_cut_in_reasons),
    cmocka_unit_test (test_header_reference_must_be_the_whole_value),
    cmocka_unit_test (test_type_names),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
