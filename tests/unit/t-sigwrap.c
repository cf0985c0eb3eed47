/* t-sigwrap.c - building a one-pass signed message from a detached
 * signature (plugins/openpgp/sigwrap.c), on buffers.  Every input is
 * copied into a buffer of its exact size so that ASan and valgrind
 * see any over-read.  */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sigwrap.h"

#define MSG(name) TEST_DATA_DIR "/gpg/messages/" name

static unsigned char *
read_file (const char *path, size_t *r_len)
{
  FILE *fp = fopen (path, "rb");
  unsigned char *buf;
  long size;

  if (!fp)
    fail_msg ("cannot open %s", path);
  fseek (fp, 0, SEEK_END);
  size = ftell (fp);
  rewind (fp);
  buf = malloc (size ? size : 1);
  assert_non_null (buf);
  assert_int_equal (fread (buf, 1, size, fp), (size_t) size);
  fclose (fp);
  *r_len = size;
  return buf;
}

/* sigwrap_parse on an exact-size copy of BUF[0..LEN).  */
static gpg_err_code_t
parse (const void *buf, size_t len, struct sigwrap *sw)
{
  unsigned char *copy = malloc (len ? len : 1);
  gpg_error_t err;

  assert_non_null (copy);
  memcpy (copy, buf, len);
  err = sigwrap_parse (copy, len, sw);
  free (copy);
  return gpg_err_code (err);
}

static void
test_two_signatures_from_gpg (void **state)
{
  static const unsigned char alice[8] =
    { 0x09, 0x03, 0x7A, 0x2E, 0xDF, 0xD8, 0x6C, 0x9F };
  static const unsigned char bob[8] =
    { 0x29, 0x75, 0x61, 0x9A, 0xFF, 0x1C, 0xDD, 0x85 };
  struct sigwrap sw;
  unsigned char ops[2 * SIGWRAP_OPS_LEN];
  size_t len, opslen;
  unsigned char *sig = read_file (MSG ("gen-good-bad-detached.sig"), &len);

  (void) state;
  assert_int_equal (parse (sig, len, &sw), 0);
  assert_int_equal (sw.nsigs, 2);
  assert_int_equal (sw.sigs[0].offset, 0);
  assert_int_equal (sw.sigs[0].len + sw.sigs[1].len, len);
  assert_int_equal (sw.sigs[1].offset, sw.sigs[0].len);
  assert_int_equal (sw.sigs[0].version, 4);
  assert_int_equal (sw.sigs[0].pubkey_algo, 22);
  assert_int_equal (sw.sigs[0].digest_algo, 8);
  assert_int_equal (sw.sigs[1].pubkey_algo, 1);
  assert_int_equal (sw.sigs[1].digest_algo, 10);
  assert_memory_equal (sw.sigs[0].keyid, alice, 8);
  assert_memory_equal (sw.sigs[1].keyid, bob, 8);
  assert_true (sigwrap_binary_only (&sw));

  /* Reverse order; the last OPS (alice's) is the not-nested one.  */
  assert_int_equal (sigwrap_ops (&sw, ops, sizeof ops - 1, &opslen),
                    GPG_ERR_BUFFER_TOO_SHORT);
  assert_int_equal (sigwrap_ops (&sw, ops, sizeof ops, &opslen), 0);
  assert_int_equal (opslen, 2 * SIGWRAP_OPS_LEN);
  {
    static const unsigned char want[] = {
      0xC4, 13, 3, 0x00, 10, 1, 0x29, 0x75, 0x61, 0x9A, 0xFF, 0x1C, 0xDD,
      0x85, 0,
      0xC4, 13, 3, 0x00, 8, 22, 0x09, 0x03, 0x7A, 0x2E, 0xDF, 0xD8, 0x6C,
      0x9F, 1 };
    assert_memory_equal (ops, want, sizeof want);
  }
  free (sig);
}

static void
test_issuer_fingerprint_only_and_v3 (void **state)
{
  /* v4, class 1, EdDSA, SHA256; hashed: issuer fingerprint (33) only;
   * no unhashed area; 2 digest bytes; no MPIs (not our business).  */
  static const unsigned char fpr_only[] = {
    0xC2, 33, 4, 0x01, 22, 8, 0, 23,
    22, 33, 4, 0x01, 0x5A, 0xBD, 0x50, 0xEB, 0x71, 0x2E, 0x87, 0x3C, 0x6B,
    0xB2, 0xB0, 0x09, 0x03, 0x7A, 0x2E, 0xDF, 0xD8, 0x6C, 0x9F,
    0, 0, 0xAB, 0xCD };
  static const unsigned char v3[] = {
    0x88, 19, 3, 5, 0x00, 1, 2, 3, 4,
    1, 2, 3, 4, 5, 6, 7, 8, 17, 2, 0xAB, 0xCD };
  static const unsigned char keyid[8] =
    { 0x09, 0x03, 0x7A, 0x2E, 0xDF, 0xD8, 0x6C, 0x9F };
  static const unsigned char v3id[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  struct sigwrap sw;

  (void) state;
  assert_int_equal (parse (fpr_only, sizeof fpr_only, &sw), 0);
  assert_true (sw.sigs[0].have_keyid);
  assert_memory_equal (sw.sigs[0].keyid, keyid, 8);
  assert_int_equal (sw.sigs[0].sig_class, 1);
  assert_false (sigwrap_binary_only (&sw));
  assert_int_equal (parse (v3, sizeof v3, &sw), 0);
  assert_int_equal (sw.sigs[0].version, 3);
  assert_int_equal (sw.sigs[0].pubkey_algo, 17);
  assert_int_equal (sw.sigs[0].digest_algo, 2);
  assert_memory_equal (sw.sigs[0].keyid, v3id, 8);
}

static void
test_refuses_what_is_no_signature (void **state)
{
  /* A literal packet; a v5 signature; a subpacket longer than its area;
   * partial and indeterminate lengths; an unhashed length past the
   * end.  */
  static const unsigned char literal[] = { 0xCB, 3, 'b', 0, 0 };
  static const unsigned char v5[] = { 0xC2, 6, 5, 0, 22, 8, 0, 0 };
  static const unsigned char sublen[] = {
    0xC2, 10, 4, 0, 22, 8, 0, 2, 9, 16, 0, 0 };
  static const unsigned char partial[] = { 0xC2, 0xE1, 0, 0 };
  static const unsigned char indet[] = { 0x8B, 4, 0, 0 };
  static const unsigned char unhashed[] = {
    0xC2, 10, 4, 0, 22, 8, 0, 0, 0, 9, 0, 0 };
  static const unsigned char nohi[] = { 0x42, 0 };
  struct sigwrap sw;

  (void) state;
  assert_int_equal (parse ("", 0, &sw), GPG_ERR_NO_DATA);
  assert_int_equal (parse (literal, sizeof literal, &sw), GPG_ERR_INV_PACKET);
  assert_int_equal (parse (v5, sizeof v5, &sw),
                    GPG_ERR_UNSUPPORTED_ALGORITHM);
  assert_int_equal (parse (sublen, sizeof sublen, &sw), GPG_ERR_INV_PACKET);
  assert_int_equal (parse (partial, sizeof partial, &sw), GPG_ERR_INV_PACKET);
  assert_int_equal (parse (indet, sizeof indet, &sw), GPG_ERR_INV_PACKET);
  assert_int_equal (parse (unhashed, sizeof unhashed, &sw),
                    GPG_ERR_INV_PACKET);
  assert_int_equal (parse (nohi, sizeof nohi, &sw), GPG_ERR_INV_PACKET);
}

static void
test_every_prefix_and_mutation_is_safe (void **state)
{
  struct sigwrap sw;
  size_t len, i, n = 0;
  unsigned char *sig = read_file (MSG ("gen-good-bad-detached.sig"), &len);
  unsigned char *copy = malloc (len);
  gpg_err_code_t rc;
  unsigned int bit;

  (void) state;
  assert_non_null (copy);
  /* A prefix ending inside a packet is truncated; one ending between
   * packets is a shorter, valid signature.  */
  for (i = 1; i < len; i++)
    {
      rc = parse (sig, i, &sw);
      assert_true (rc == GPG_ERR_TRUNCATED || rc == GPG_ERR_INV_PACKET
                   || (rc == 0 && sw.nsigs == 1));
      n += rc == 0;
    }
  assert_int_equal (n, 1);
  /* Every single-bit flip: an answer, never a read past the end.  */
  for (i = 0; i < len; i++)
    for (bit = 0; bit < 8; bit++)
      {
        memcpy (copy, sig, len);
        copy[i] ^= 1u << bit;
        rc = parse (copy, len, &sw);
        if (!rc)
          assert_true (sw.nsigs >= 1 && sw.nsigs <= SIGWRAP_MAX_SIGS);
      }
  free (copy);
  free (sig);
}

static void
test_too_many_signatures (void **state)
{
  static const unsigned char one[] =
    { 0xC2, 10, 4, 0, 22, 8, 0, 0, 0, 0, 0, 0 };
  unsigned char many[(SIGWRAP_MAX_SIGS + 1) * sizeof one];
  struct sigwrap sw;
  unsigned int i;

  (void) state;
  for (i = 0; i <= SIGWRAP_MAX_SIGS; i++)
    memcpy (many + i * sizeof one, one, sizeof one);
  assert_int_equal (parse (many, SIGWRAP_MAX_SIGS * sizeof one, &sw), 0);
  assert_int_equal (sw.nsigs, SIGWRAP_MAX_SIGS);
  assert_false (sw.sigs[0].have_keyid);
  assert_int_equal (parse (many, sizeof many, &sw), GPG_ERR_TOO_LARGE);
}

static void
test_chunk_headers (void **state)
{
  unsigned char h[SIGWRAP_HDR_MAX], lit[SIGWRAP_LITERAL_HDR];
  static const unsigned char want_lit[] = { 'b', 0, 0, 0, 0, 0 };

  (void) state;
  assert_int_equal (sigwrap_chunk_header (h, 1, 0, SIGWRAP_CHUNK), 2);
  assert_int_equal (h[0], 0xCB);
  assert_int_equal (h[1], 0xF0);
  assert_int_equal (sigwrap_chunk_header (h, 0, 0, SIGWRAP_CHUNK), 1);
  assert_int_equal (h[0], 0xF0);
  /* A partial chunk is exactly 2^16.  */
  assert_int_equal (sigwrap_chunk_header (h, 0, 0, 100), 0);
  assert_int_equal (sigwrap_chunk_header (h, 0, 1, 0), 1);
  assert_int_equal (h[0], 0);
  assert_int_equal (sigwrap_chunk_header (h, 1, 1, 191), 2);
  assert_int_equal (h[1], 191);
  assert_int_equal (sigwrap_chunk_header (h, 0, 1, 192), 2);
  assert_int_equal (h[0], 192);
  assert_int_equal (h[1], 0);
  assert_int_equal (sigwrap_chunk_header (h, 0, 1, 8383), 2);
  assert_int_equal (h[0], 223);
  assert_int_equal (h[1], 255);
  assert_int_equal (sigwrap_chunk_header (h, 0, 1, 8384), 5);
  assert_int_equal (h[0], 255);
  assert_int_equal (h[3], 0x20);
  assert_int_equal (h[4], 0xC0);
  assert_int_equal (sigwrap_chunk_header (h, 1, 1, 0xffffffffULL), 6);
  assert_int_equal (sigwrap_chunk_header (h, 1, 1, 0x100000000ULL), 0);
  sigwrap_literal_header (lit);
  assert_memory_equal (lit, want_lit, sizeof want_lit);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_two_signatures_from_gpg),
    cmocka_unit_test (test_issuer_fingerprint_only_and_v3),
    cmocka_unit_test (test_refuses_what_is_no_signature),
    cmocka_unit_test (test_every_prefix_and_mutation_is_safe),
    cmocka_unit_test (test_too_many_signatures),
    cmocka_unit_test (test_chunk_headers),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
