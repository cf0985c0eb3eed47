/* t-sniff.c - the encrypt step's "is the input already an OpenPGP
 * message?" test: signed and compressed messages made by gpg are
 * recognised, binary payloads that merely start like a packet are not
 * (a misjudged payload would be encrypted without its literal packet
 * and come back as garbage).  */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sniff.h"

#define MESSAGES TEST_DATA_DIR "/gpg/messages"

struct mem
{
  const unsigned char *data;
  size_t len, pos;
};

static ssize_t
mem_read (void *handle, void *buffer, size_t size)
{
  struct mem *m = handle;
  size_t n = m->len - m->pos < size ? m->len - m->pos : size;

  memcpy (buffer, m->data + m->pos, n);
  m->pos += n;
  return n;
}

/* Whether sniff_input takes DATA for an OpenPGP message.  */
static int
is_openpgp (const void *data, size_t len)
{
  struct mem m = { data, len, 0 };
  struct pgpstep_source src;
  struct sniff sn;
  int r;

  memset (&src, 0, sizeof src);
  src.struct_size = sizeof src;
  src.fd = -1;
  src.read = mem_read;
  src.handle = &m;
  assert_int_equal (sniff_input (&src, &sn), 0);
  r = sn.openpgp;
  sniff_release (&sn);
  return r;
}

static unsigned char *
read_all (const char *file, size_t *r_len)
{
  FILE *fp = fopen (file, "rb");
  unsigned char *buf = malloc (1 << 20);

  assert_non_null (fp);
  assert_non_null (buf);
  *r_len = fread (buf, 1, 1 << 20, fp);
  fclose (fp);
  return buf;
}

static void
test_gpg_signed_messages_are_openpgp (void **state)
{
  static const char *const files[] = {
    MESSAGES "/gpg-alice-signed.gpg",
    MESSAGES "/gen-alice-signed-z0.gpg",
    MESSAGES "/gen-alice-bob-signed.gpg",
    MESSAGES "/sqop-carol-inline-signed.asc",
    NULL };
  unsigned char *buf;
  size_t len;
  int i;

  (void) state;
  for (i = 0; files[i]; i++)
    {
      buf = read_all (files[i], &len);
      if (!is_openpgp (buf, len))
        fail_msg ("%s not recognised", files[i]);
      free (buf);
    }
}

static void
test_payload_starting_like_a_onepass_packet_is_data (void **state)
{
  /* The first bytes of a random payload that was once misjudged:
   * 0x93 = old-format one-pass signature, indeterminate length.  */
  unsigned char buf[970];
  unsigned int seed = 7, i;

  (void) state;
  for (i = 0; i < sizeof buf; i++)
    buf[i] = rand_r (&seed);
  memcpy (buf, "\x93\x03\xe4\x01\xfd\xa7\xa0\x79\x6a\xb4\x9d\xb2", 12);
  assert_false (is_openpgp (buf, sizeof buf));
  /* New-format one-pass header with a wrong length or version.  */
  memcpy (buf, "\xc4\x0d\x02\x00\x08\x16", 6);
  assert_false (is_openpgp (buf, sizeof buf));
}

static void
test_random_payloads_are_data (void **state)
{
  unsigned char buf[256];
  uint64_t x = 0x9e3779b97f4a7c15ull;
  unsigned int i, k, hits = 0, n = 1000000;

  (void) state;
  if (getenv ("PGPSTEP_TEST_VALGRIND"))
    n = 50000;
  /* A million random heads; before the field checks about 1 in 13 000
   * passed (one-pass headers), and 1 in 10^5 as compressed packets.  */
  for (i = 0; i < n; i++)
    {
      for (k = 0; k < sizeof buf; k++)
        {
          /* xorshift64: rand_r's short cycles repeat whole buffers.  */
          x ^= x << 13;
          x ^= x >> 7;
          x ^= x << 17;
          buf[k] = x >> 24;
        }
      if (is_openpgp (buf, sizeof buf) && ++hits && getenv ("T_SNIFF_VERBOSE"))
        print_message ("%02x %02x %02x %02x %02x %02x %02x %02x\n", buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[7]);
    }
  assert_int_equal (hits, 0);
}

int
main (void)
{
  static const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_gpg_signed_messages_are_openpgp),
    cmocka_unit_test (test_payload_starting_like_a_onepass_packet_is_data),
    cmocka_unit_test (test_random_payloads_are_data),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
