/* t-sigcut.c - the sign step's stream parsers on their own: the
 * signature cutter (plugins/openpgp/sigcut.c) on messages built here
 * packet by packet, well-formed and hostile, fed in every split; and
 * the text check of cleartext mode (plugins/sign/textcheck.c).  The
 * cut of real gpg output is checked by t-sign.  */
#include <config.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sigcut.h"
#include "../sign/textcheck.h"

/* A message under construction.  */
struct buf
{
  unsigned char *p;
  size_t len;
};

static void
put (struct buf *b, const void *data, size_t len)
{
  b->p = realloc (b->p, b->len + len + 1);
  assert_non_null (b->p);
  memcpy (b->p + b->len, data, len);
  b->len += len;
}

static void
put_byte (struct buf *b, unsigned int c)
{
  unsigned char ch = c;

  put (b, &ch, 1);
}

/* LEN filler bytes with value C.  */
static void
put_fill (struct buf *b, int c, size_t len)
{
  unsigned char *tmp = malloc (len ? len : 1);

  assert_non_null (tmp);
  memset (tmp, c, len);
  put (b, tmp, len);
  free (tmp);
}

/* An old-format header of TAG with a LENTYPE-byte length.  */
static void
old_hdr (struct buf *b, int tag, int lentype, unsigned long len)
{
  put_byte (b, 0x80 | (tag << 2) | lentype);
  if (lentype == 2)
    {
      put_byte (b, len >> 24);
      put_byte (b, len >> 16);
    }
  if (lentype >= 1)
    put_byte (b, len >> 8);
  if (lentype <= 2)
    put_byte (b, len);
}

/* A new-format length: 1, 2 or 5 octets as RFC 4880 chooses.  */
static void
new_len (struct buf *b, unsigned long len)
{
  if (len < 192)
    put_byte (b, len);
  else if (len < 8384)
    {
      put_byte (b, ((len - 192) >> 8) + 192);
      put_byte (b, (len - 192) & 0xff);
    }
  else
    {
      put_byte (b, 255);
      put_byte (b, len >> 24);
      put_byte (b, len >> 16);
      put_byte (b, len >> 8);
      put_byte (b, len);
    }
}

static void
new_hdr (struct buf *b, int tag, unsigned long len)
{
  put_byte (b, 0xc0 | tag);
  new_len (b, len);
}

static void
ops (struct buf *b)
{
  old_hdr (b, 4, 0, 13);
  put_fill (b, 0x03, 13);
}

/* Feed MSG to a new cutter in pieces of STEP bytes; the error of the
 * first failing push or of finish, and the signatures in *R_SIG.  */
static gpg_error_t
cut (const struct buf *msg, size_t step, struct buf *r_sig,
     unsigned int *r_nsigs)
{
  sigcut_t c;
  gpg_error_t err = 0;
  const unsigned char *sig;
  size_t off, n, len;

  memset (r_sig, 0, sizeof *r_sig);
  *r_nsigs = 0;
  assert_int_equal (sigcut_new (&c), 0);
  for (off = 0; off < msg->len && !err; off += n)
    {
      n = msg->len - off < step ? msg->len - off : step;
      err = sigcut_push (c, msg->p + off, n);
    }
  if (!err)
    err = sigcut_finish (c, &sig, &len, r_nsigs);
  if (!err)
    put (r_sig, sig, len);
  sigcut_release (c);
  return err;
}

/* Cut MSG in every piece size from 1 to 9 and whole; expect SIG.  */
static void
assert_cuts_to (const struct buf *msg, const struct buf *sig,
                unsigned int nsigs)
{
  static const size_t steps[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 4096,
                                  (size_t) -1 };
  struct buf got;
  unsigned int n;
  size_t i;

  for (i = 0; i < sizeof steps / sizeof *steps; i++)
    {
      assert_int_equal (cut (msg, steps[i], &got, &n), 0);
      assert_int_equal (n, nsigs);
      assert_int_equal (got.len, sig->len);
      assert_memory_equal (got.p, sig->p, sig->len);
      free (got.p);
    }
}

static void
assert_refused (const struct buf *msg, gpg_err_code_t code)
{
  static const size_t steps[] = { 1, 5, (size_t) -1 };
  struct buf got;
  unsigned int n;
  size_t i;

  for (i = 0; i < sizeof steps / sizeof *steps; i++)
    {
      assert_int_equal (gpg_err_code (cut (msg, steps[i], &got, &n)), code);
      assert_null (got.p);
      assert_int_equal (n, 0);
    }
}


/* The cutter.  */

/* Two one-pass packets, a literal in partial chunks (as gpg writes
 * from a pipe), three kinds of signature headers: the signatures come
 * out verbatim, headers included.  */
static void
test_cut_partial_literal (void **unused)
{
  struct buf msg = { 0 }, sig = { 0 };
  size_t start;

  (void) unused;
  ops (&msg);
  ops (&msg);
  put_byte (&msg, 0xc0 | 11);
  put_byte (&msg, 0xe9);               /* 512 */
  put_fill (&msg, 'a', 512);
  put_byte (&msg, 0xea);               /* 1024 */
  put_fill (&msg, 'b', 1024);
  put_byte (&msg, 0xe0);               /* 1 */
  put_byte (&msg, 'c');
  new_len (&msg, 70000);               /* last chunk, 5 octets */
  put_fill (&msg, 'd', 70000);
  start = msg.len;
  old_hdr (&msg, 2, 0, 117);
  put_fill (&msg, 0x04, 117);
  old_hdr (&msg, 2, 1, 435);
  put_fill (&msg, 0x05, 435);
  put (&sig, msg.p + start, msg.len - start);
  assert_cuts_to (&msg, &sig, 2);
  free (msg.p);
  free (sig.p);

  /* Three signers, a 2-octet new-format signature length, an old
   * 4-byte literal length, a zero-length last chunk.  */
  memset (&msg, 0, sizeof msg);
  memset (&sig, 0, sizeof sig);
  ops (&msg);
  ops (&msg);
  ops (&msg);
  old_hdr (&msg, 11, 2, 300);
  put_fill (&msg, 'x', 300);
  start = msg.len;
  new_hdr (&msg, 2, 600);
  put_fill (&msg, 0x06, 600);
  old_hdr (&msg, 2, 0, 0);             /* Empty: kept as it is.  */
  new_hdr (&msg, 2, 10);
  put_fill (&msg, 0x07, 10);
  put (&sig, msg.p + start, msg.len - start);
  assert_cuts_to (&msg, &sig, 3);
  free (msg.p);
  free (sig.p);

  memset (&msg, 0, sizeof msg);
  memset (&sig, 0, sizeof sig);
  ops (&msg);
  put_byte (&msg, 0xc0 | 11);
  put_byte (&msg, 0xe2);               /* 4 */
  put (&msg, "abcd", 4);
  put_byte (&msg, 0);                  /* empty last chunk */
  start = msg.len;
  old_hdr (&msg, 2, 0, 5);
  put (&msg, "sig!!", 5);
  put (&sig, msg.p + start, msg.len - start);
  assert_cuts_to (&msg, &sig, 1);
  free (msg.p);
  free (sig.p);
}

/* An empty literal (empty payload) is fine.  */
static void
test_cut_empty_literal (void **unused)
{
  struct buf msg = { 0 }, sig = { 0 };
  size_t start;

  (void) unused;
  ops (&msg);
  new_hdr (&msg, 11, 0);
  start = msg.len;
  old_hdr (&msg, 2, 0, 3);
  put (&msg, "xyz", 3);
  put (&sig, msg.p + start, msg.len - start);
  assert_cuts_to (&msg, &sig, 1);
  free (msg.p);
  free (sig.p);
}

enum shape
  {
    NO_OPS, COMPRESSED, SIG_BEFORE_LITERAL, EXTRA_SIG, MISSING_SIG,
    PARTIAL_SIG, INDETERMINATE, NO_CTB_BIT, TWO_LITERALS, OPS_AFTER_LITERAL,
    TRAILING_GARBAGE, MARKER, PARTIAL_OPS
  };

/* A message of the given wrong SHAPE.  */
static void
build_bad (struct buf *msg, enum shape shape)
{
  memset (msg, 0, sizeof *msg);
  if (shape != NO_OPS)
    ops (msg);
  if (shape == MARKER)
    {
      old_hdr (msg, 10, 0, 3);
      put (msg, "PGP", 3);
    }
  if (shape == PARTIAL_OPS)
    {
      put_byte (msg, 0xc0 | 4);
      put_byte (msg, 0xe2);
      put_fill (msg, 3, 4);
      put_byte (msg, 9);
      put_fill (msg, 3, 9);
    }
  if (shape == SIG_BEFORE_LITERAL)
    {
      old_hdr (msg, 2, 0, 4);
      put_fill (msg, 1, 4);
    }
  if (shape == COMPRESSED)
    {
      old_hdr (msg, 8, 0, 4);
      put_fill (msg, 1, 4);
    }
  else if (shape == INDETERMINATE)
    {
      put_byte (msg, 0x80 | (11 << 2) | 3);
      put_fill (msg, 'x', 40);
    }
  else if (shape == NO_CTB_BIT)
    {
      put_byte (msg, 0x40 | 11);
      put_byte (msg, 4);
      put_fill (msg, 'x', 4);
    }
  else
    {
      new_hdr (msg, 11, 4);
      put_fill (msg, 'x', 4);
    }
  if (shape == TWO_LITERALS)
    {
      new_hdr (msg, 11, 4);
      put_fill (msg, 'x', 4);
    }
  if (shape == OPS_AFTER_LITERAL)
    ops (msg);
  if (shape == PARTIAL_SIG)
    {
      put_byte (msg, 0xc0 | 2);
      put_byte (msg, 0xe2);
      put_fill (msg, 1, 4);
      put_byte (msg, 4);
      put_fill (msg, 1, 4);
    }
  else if (shape != MISSING_SIG)
    {
      old_hdr (msg, 2, 0, 4);
      put_fill (msg, 1, 4);
    }
  if (shape == EXTRA_SIG)
    {
      old_hdr (msg, 2, 0, 4);
      put_fill (msg, 1, 4);
    }
  if (shape == TRAILING_GARBAGE)
    put (msg, "\n", 1);
}

/* Whatever is not what gpg --sign -z0 writes is refused.  */
static void
test_cut_refuses_other_shapes (void **unused)
{
  static const enum shape shapes[] = {
    NO_OPS, COMPRESSED, SIG_BEFORE_LITERAL, EXTRA_SIG, MISSING_SIG,
    PARTIAL_SIG, INDETERMINATE, NO_CTB_BIT, TWO_LITERALS, OPS_AFTER_LITERAL,
    TRAILING_GARBAGE, MARKER, PARTIAL_OPS
  };
  struct buf msg;
  size_t i;

  (void) unused;
  for (i = 0; i < sizeof shapes / sizeof *shapes; i++)
    {
      build_bad (&msg, shapes[i]);
      print_message ("shape %d\n", (int) shapes[i]);
      assert_refused (&msg, GPG_ERR_INV_PACKET);
      free (msg.p);
    }
}

/* A message that ends inside a header, a body, a partial length: the
 * cut is incomplete.  A huge announced literal costs no memory.  */
static void
test_cut_refuses_truncated (void **unused)
{
  struct buf msg = { 0 };
  size_t full, lit_end, i;
  struct buf got;
  unsigned int n;

  (void) unused;
  ops (&msg);
  put_byte (&msg, 0xc0 | 11);
  put_byte (&msg, 0xe2);
  put_fill (&msg, 'x', 4);
  new_len (&msg, 9000);
  put_fill (&msg, 'y', 9000);
  lit_end = msg.len;
  old_hdr (&msg, 2, 1, 300);
  put_fill (&msg, 2, 300);
  full = msg.len;
  assert_int_equal (cut (&msg, 100, &got, &n), 0);
  free (got.p);
  for (i = 0; i < full; i += (i < 40 ? 1 : 97))
    {
      /* Between packets the message lacks some (no literal or no
       * signature); inside one it is cut off.  */
      msg.len = i;
      assert_int_equal (gpg_err_code (cut (&msg, 3, &got, &n)),
                        (i == 0 || i == 15 || i == lit_end)
                        ? GPG_ERR_INV_PACKET : GPG_ERR_TRUNCATED);
    }
  msg.len = full - 1;
  assert_int_equal (gpg_err_code (cut (&msg, 1000, &got, &n)),
                    GPG_ERR_TRUNCATED);
  free (msg.p);

  memset (&msg, 0, sizeof msg);
  ops (&msg);
  new_hdr (&msg, 11, 0xffffffffUL);
  put_fill (&msg, 'z', 100000);
  assert_int_equal (gpg_err_code (cut (&msg, 4096, &got, &n)),
                    GPG_ERR_TRUNCATED);
  free (msg.p);
}

/* Signatures beyond SIGCUT_MAX in all are refused as soon as their
 * header says so.  */
static void
test_cut_caps_signatures (void **unused)
{
  struct buf msg = { 0 }, sig = { 0 };
  struct buf got;
  unsigned int n;
  size_t start;

  (void) unused;
  ops (&msg);
  new_hdr (&msg, 11, 1);
  put (&msg, "x", 1);
  new_hdr (&msg, 2, SIGCUT_MAX + 1);
  assert_int_equal (gpg_err_code (cut (&msg, 7, &got, &n)),
                    GPG_ERR_TOO_LARGE);
  free (msg.p);

  /* Two that fit alone but not together.  */
  memset (&msg, 0, sizeof msg);
  ops (&msg);
  ops (&msg);
  new_hdr (&msg, 11, 1);
  put (&msg, "x", 1);
  new_hdr (&msg, 2, SIGCUT_MAX / 2);
  put_fill (&msg, 1, SIGCUT_MAX / 2);
  new_hdr (&msg, 2, SIGCUT_MAX / 2);
  put_fill (&msg, 1, SIGCUT_MAX / 2);
  assert_int_equal (gpg_err_code (cut (&msg, 4096, &got, &n)),
                    GPG_ERR_TOO_LARGE);
  free (msg.p);

  /* Exactly SIGCUT_MAX is fine.  */
  memset (&msg, 0, sizeof msg);
  ops (&msg);
  new_hdr (&msg, 11, 1);
  put (&msg, "x", 1);
  start = msg.len;
  new_hdr (&msg, 2, SIGCUT_MAX - 6);
  put_fill (&msg, 1, SIGCUT_MAX - 6);
  put (&sig, msg.p + start, msg.len - start);
  assert_int_equal (sig.len, SIGCUT_MAX);
  assert_cuts_to (&msg, &sig, 1);
  free (msg.p);
  free (sig.p);
}


/* The text check.  */

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
    cmocka_unit_test (test_cut_partial_literal),
    cmocka_unit_test (test_cut_empty_literal),
    cmocka_unit_test (test_cut_refuses_other_shapes),
    cmocka_unit_test (test_cut_refuses_truncated),
    cmocka_unit_test (test_cut_caps_signatures),
    cmocka_unit_test (test_text_accepts_utf8),
    cmocka_unit_test (test_text_refuses_binary),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
