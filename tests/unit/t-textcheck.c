/* t-textcheck.c - the sign step's text check of cleartext mode
 * (plugins/sign/textcheck.c) on its own, fed in every split.  */
#include <config.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../sign/textcheck.h"

static gpg_error_t
check_text (const char *text, size_t len, size_t step,
            struct textcheck *tc)
{
  gpg_error_t err = 0;
  size_t off, n;

  textcheck_init (tc);
  for (off = 0; off < len && !err; off += n)
    {
      n = len - off < step ? len - off : step;
      err = textcheck_push (tc, text + off, n);
    }
  if (!err)
    err = textcheck_finish (tc);
  return err;
}

static void
test_text_accepts_utf8 (void **unused)
{
  static const char text[] =
    "plain ASCII\r\n\tGr\xc3\xbc\xc3\x9f" "e \xe2\x82\xac \xf0\x9f\x98\x80"
    " \xef\xbf\xbd \xf4\x8f\xbf\xbf \xc2\x80 \x7f\n";
  struct textcheck tc;
  size_t step;

  (void) unused;
  for (step = 1; step <= sizeof text; step++)
    assert_int_equal (check_text (text, sizeof text - 1, step, &tc), 0);
  assert_int_equal (check_text ("", 0, 1, &tc), 0);
}

static void
test_text_refuses_binary (void **unused)
{
  static const struct { const char *data; size_t len; const char *why;
    unsigned long long at; } bad[] = {
    { "ab\0", 3, "a NUL byte", 2 },
    { "\x80", 1, "invalid UTF-8", 0 },
    { "x\xc3(", 3, "invalid UTF-8", 1 },
    { "xy\xc1\xbf", 4, "invalid UTF-8", 2 },             /* overlong */
    { "\xe0\x80\xaf", 3, "invalid UTF-8", 0 },           /* overlong */
    { "12\xed\xbf\xbf", 5, "invalid UTF-8", 2 },         /* surrogate */
    { "\xf4\x90\x80\x80", 4, "invalid UTF-8", 0 },       /* > U+10FFFF */
    { "\xf5\x80\x80\x80", 4, "invalid UTF-8", 0 },
    { "\xff", 1, "invalid UTF-8", 0 },
    { "abc\xf0\x9f\x98", 6, "cut off at the end", 3 },
    { "abc\xe2", 4, "cut off at the end", 3 },
  };
  struct textcheck tc;
  size_t i, step;

  (void) unused;
  for (i = 0; i < sizeof bad / sizeof *bad; i++)
    for (step = 1; step <= bad[i].len; step++)
      {
        assert_int_equal (gpg_err_code (check_text (bad[i].data, bad[i].len,
                                                    step, &tc)),
                          GPG_ERR_BAD_DATA);
        assert_non_null (tc.reason);
        assert_non_null (strstr (tc.reason, bad[i].why));
        assert_int_equal (tc.bad_at, bad[i].at);
        /* Sticky.  */
        assert_int_equal (gpg_err_code (textcheck_push (&tc, "a", 1)),
                          GPG_ERR_BAD_DATA);
      }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_text_accepts_utf8),
    cmocka_unit_test (test_text_refuses_binary),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
