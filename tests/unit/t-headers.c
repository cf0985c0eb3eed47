/* t-headers.c - header sets, their JSON form, and exit codes.  */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include <pgpstep/host.h>

static pgpstep_headers_t
parse_ok (const char *json)
{
  pgpstep_headers_t h;
  char *msg = NULL;

  assert_int_equal (pgpstep_headers_new (&h), 0);
  assert_int_equal (pgpstep_headers_parse_json (h, json, strlen (json), &msg),
                    0);
  assert_null (msg);
  return h;
}

static void
parse_fails (const char *json, size_t len, const char *reason)
{
  pgpstep_headers_t h;
  char *msg = NULL;

  assert_int_equal (pgpstep_headers_new (&h), 0);
  assert_int_equal (pgpstep_headers_set (h, "keep", "me"), 0);
  assert_int_equal (gpg_err_code (pgpstep_headers_parse_json (h, json, len,
                                                              &msg)),
                    GPG_ERR_INV_VALUE);
  assert_non_null (msg);
  if (!strstr (msg, reason))
    fail_msg ("message '%s' lacks '%s'", msg, reason);
  /* A bad document changes nothing.  */
  assert_int_equal (pgpstep_headers_count (h), 1);
  free (msg);
  pgpstep_headers_release (h);
}

static void
test_set_replaces_value_of_same_name (void **state)
{
  pgpstep_headers_t h;
  const char *v;

  (void)state;
  assert_int_equal (pgpstep_headers_new (&h), 0);
  assert_int_equal (pgpstep_headers_set (h, "a", "1"), 0);
  assert_int_equal (pgpstep_headers_set (h, "b", "2"), 0);
  assert_int_equal (pgpstep_headers_set (h, "a", "3"), 0);
  assert_int_equal (pgpstep_headers_count (h), 2);
  assert_string_equal (pgpstep_headers_get (h, "a"), "3");
  assert_string_equal (pgpstep_headers_name_at (h, 1, &v), "b");
  assert_string_equal (v, "2");
  assert_null (pgpstep_headers_name_at (h, 2, &v));
  assert_null (pgpstep_headers_get (h, "c"));
  pgpstep_headers_release (h);
}

static void
test_set_refuses_names_unusable_in_header_references (void **state)
{
  pgpstep_headers_t h;

  (void)state;
  assert_int_equal (pgpstep_headers_new (&h), 0);
  assert_int_equal (gpg_err_code (pgpstep_headers_set (h, "a b", "x")),
                    GPG_ERR_INV_NAME);
  assert_int_equal (gpg_err_code (pgpstep_headers_set (h, "", "x")),
                    GPG_ERR_INV_NAME);
  assert_int_equal (gpg_err_code (pgpstep_headers_set (h, "a}", "x")),
                    GPG_ERR_INV_NAME);
  assert_int_equal (pgpstep_headers_set (h, "pgp.signature-2_x", "x"), 0);
  pgpstep_headers_release (h);
}

static void
test_json_parse_decodes_escapes_and_unicode (void **state)
{
  pgpstep_headers_t h;

  (void)state;
  h = parse_ok (" { \"partner\" : \"ACME \\\"Corp\\\"\\n\","
                " \"u\":\"\\u00e9\\ud83d\\ude00\xc3\xa9\", \"e\":\"\" } ");
  assert_int_equal (pgpstep_headers_count (h), 3);
  assert_string_equal (pgpstep_headers_get (h, "partner"),
                       "ACME \"Corp\"\n");
  assert_string_equal (pgpstep_headers_get (h, "u"),
                       "\xc3\xa9\xf0\x9f\x98\x80\xc3\xa9");
  assert_string_equal (pgpstep_headers_get (h, "e"), "");
  pgpstep_headers_release (h);
  h = parse_ok ("{}");
  assert_int_equal (pgpstep_headers_count (h), 0);
  pgpstep_headers_release (h);
}

static void
test_json_parse_rejects_malformed_documents (void **state)
{
  (void)state;
  parse_fails ("", 0, "expected a JSON object");
  parse_fails ("[]", 2, "expected a JSON object");
  parse_fails ("{\"a\":1}", 7, "header values must be strings");
  parse_fails ("{\"a\":\"x\",\"a\":\"y\"}", 17, "duplicate header name");
  parse_fails ("{\"a b\":\"x\"}", 11, "header names may only contain");
  parse_fails ("{\"a\":\"x\"} x", 11, "trailing data");
  parse_fails ("{\"a\":\"x\"", 8, "expected ',' or '}'");
  parse_fails ("{\"a\":\"x", 7, "unterminated string");
  parse_fails ("{\"a\":\"\\u0000\"}", 14, "NUL character");
  parse_fails ("{\"a\":\"\\ud800\"}", 14, "unpaired surrogate");
  parse_fails ("{\"a\":\"\xff\"}", 9, "invalid UTF-8");
  parse_fails ("{\"a\":\"\xc0\xaf\"}", 10, "invalid UTF-8");
  parse_fails ("{\"a\":\"x\ny\"}", 10, "control character");
  parse_fails ("{\"a\":\"\\q\"}", 10, "bad escape");
  /* An embedded NUL ends nothing: the length decides.  */
  parse_fails ("{\"a\":\"x\"}\0", 10, "trailing data");
}

/* Regression (fuzz-headers-json): a UTF-8 lead byte at the very end of
 * the input made the reader look at the bytes after it, outside the
 * buffer ('{"{a' 0xCA).  The input ends right before a page that is
 * not readable, so the old reader crashed here in any build.  */
static void
test_json_parse_stops_at_the_end_of_a_cut_sequence (void **state)
{
  static const char *const docs[] = {
    "{\"{a\xca", "{\"a\":\"\xe2\x82", "{\"a\":\"\xf0\x9f\x98"
  };
  long pagesize = sysconf (_SC_PAGESIZE);
  pgpstep_headers_t h;
  char *msg, *pages, *json;
  size_t i, len;

  (void)state;
  pages = mmap (NULL, 2 * pagesize, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true (pages != MAP_FAILED);
  assert_int_equal (mprotect (pages + pagesize, pagesize, PROT_NONE), 0);
  for (i = 0; i < sizeof docs / sizeof *docs; i++)
    {
      len = strlen (docs[i]);
      json = pages + pagesize - len;
      memcpy (json, docs[i], len);
      msg = NULL;
      assert_int_equal (pgpstep_headers_new (&h), 0);
      assert_int_equal (gpg_err_code (pgpstep_headers_parse_json (h, json,
                                                                  len, &msg)),
                        GPG_ERR_INV_VALUE);
      assert_non_null (msg);
      assert_non_null (strstr (msg, "invalid UTF-8"));
      free (msg);
      pgpstep_headers_release (h);
    }
  munmap (pages, 2 * pagesize);
}

static void
test_header_count_is_bounded (void **state)
{
  pgpstep_headers_t h;
  char name[32];
  char *json, *p;
  unsigned int i;

  (void)state;
  assert_int_equal (pgpstep_headers_new (&h), 0);
  for (i = 0; i < 1000; i++)
    {
      snprintf (name, sizeof name, "h%u", i);
      assert_int_equal (pgpstep_headers_set (h, name, "v"), 0);
    }
  assert_int_equal (gpg_err_code (pgpstep_headers_set (h, "one-more", "v")),
                    GPG_ERR_TOO_MANY);
  /* Replacing an existing one is still fine.  */
  assert_int_equal (pgpstep_headers_set (h, "h7", "w"), 0);
  pgpstep_headers_release (h);

  json = p = malloc (1001 * 16 + 8);
  assert_non_null (json);
  p += sprintf (p, "{");
  for (i = 0; i < 1001; i++)
    p += sprintf (p, "%s\"h%u\":\"v\"", i ? "," : "", i);
  sprintf (p, "}");
  parse_fails (json, strlen (json), "more than 1000 headers");
  free (json);
}

static void
test_json_output_is_valid_and_escaped (void **state)
{
  pgpstep_headers_t h;
  char *json = NULL;

  (void)state;
  assert_int_equal (pgpstep_headers_new (&h), 0);
  assert_int_equal (pgpstep_headers_to_json (h, &json), 0);
  assert_string_equal (json, "{}\n");
  free (json);
  assert_int_equal (pgpstep_headers_set (h, "pgp.name", "a\"b\\c\n\x01\xff"),
                    0);
  assert_int_equal (pgpstep_headers_set (h, "z", "\xc3\xa9"), 0);
  assert_int_equal (pgpstep_headers_to_json (h, &json), 0);
  assert_string_equal (json, "{\n  \"pgp.name\": \"a\\\"b\\\\c\\n\\u0001"
                       "\\ufffd\",\n  \"z\": \"\xc3\xa9\"\n}\n");
  pgpstep_headers_release (h);
  /* What we write we read back.  */
  h = parse_ok (json);
  assert_string_equal (pgpstep_headers_get (h, "pgp.name"),
                       "a\"b\\c\n\x01\xef\xbf\xbd");
  free (json);
  pgpstep_headers_release (h);
}

static void
test_exit_codes_follow_the_documented_table (void **state)
{
  (void)state;
  assert_int_equal (pgpstep_exit_code (0), 0);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_GENERAL)), 1);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_BAD_SIGNATURE)), 3);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_UNUSABLE_PUBKEY)),
                    17);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_NO_SECKEY)), 29);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_NOT_SUPPORTED)), 37);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_BAD_DATA)), 41);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_TRUNCATED)), 41);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_EEXIST)), 59);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_ENOENT)), 61);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_MISSING_VALUE)), 61);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_BAD_PASSPHRASE)),
                    67);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_ENOSPC)), 74);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_TIMEOUT)), 75);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_CONFIGURATION)), 78);
  assert_int_equal (pgpstep_exit_code (gpg_error (GPG_ERR_WRONG_KEY_USAGE)),
                    79);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_set_replaces_value_of_same_name),
    cmocka_unit_test (test_set_refuses_names_unusable_in_header_references),
    cmocka_unit_test (test_json_parse_decodes_escapes_and_unicode),
    cmocka_unit_test (test_json_parse_rejects_malformed_documents),
    cmocka_unit_test (test_json_parse_stops_at_the_end_of_a_cut_sequence),
    cmocka_unit_test (test_json_output_is_valid_and_escaped),
    cmocka_unit_test (test_header_count_is_bounded),
    cmocka_unit_test (test_exit_codes_follow_the_documented_table),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
