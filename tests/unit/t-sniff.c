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
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
  assert_int_equal (sniff_input (&src, -1, &sn), 0);
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

/* A pipe's writer: the first HEAD bytes in 7-byte writes 5 ms apart,
 * then the rest at once, then close.  */
struct writer
{
  int fd;
  const unsigned char *data;
  size_t len, head;
};

static void *
write_slowly (void *arg)
{
  struct writer *w = arg;
  struct timespec pause = { 0, 5 * 1000 * 1000 };
  size_t pos = 0, chunk;
  ssize_t n;

  while (pos < w->len)
    {
      chunk = pos < w->head ? 7 : w->len - pos;
      if (chunk > w->len - pos)
        chunk = w->len - pos;
      n = write (w->fd, w->data + pos, chunk);
      if (n <= 0)
        break;
      pos += n;
      if (pos < w->head)
        nanosleep (&pause, NULL);
    }
  close (w->fd);
  return NULL;
}

static ssize_t
fd_read (void *handle, void *buffer, size_t size)
{
  return read (*(int *) handle, buffer, size);
}

/* Sniff DATA arriving slowly on a pipe: nothing may be consumed (no
 * prefix; the pipe then yields DATA from its first byte) unless
 * MAY_CONSUME; either way prefix and pipe give back DATA.  Returns the
 * verdict.  */
static int
sniff_pipe (const unsigned char *data, size_t len, int may_consume)
{
  struct writer w = { -1, data, len, len < 300 ? len : 300 };
  struct pgpstep_source src;
  struct sniff sn;
  pthread_t thread;
  unsigned char *back = malloc (len + 1);
  size_t got = 0;
  ssize_t n;
  int fds[2], r;

  assert_non_null (back);
  assert_int_equal (pipe (fds), 0);
  /* As the host's pipes between steps (host/stream.c).  */
  fcntl (fds[1], F_SETPIPE_SZ, 1024 * 1024);
  w.fd = fds[1];
  assert_int_equal (pthread_create (&thread, NULL, write_slowly, &w), 0);
  memset (&src, 0, sizeof src);
  src.struct_size = sizeof src;
  src.fd = fds[0];
  src.read = fd_read;
  src.handle = &fds[0];
  assert_int_equal (sniff_input (&src, -1, &sn), 0);
  /* With more than the peek, a writer that seems stalled makes the
   * peek fall back to reading (seen under valgrind, ~1 run in 10):
   * then the bytes read come back as the prefix.  */
  if (!may_consume)
    {
      assert_null (sn.prefix);
      assert_int_equal (sn.prefix_len, 0);
    }
  if (sn.prefix_len)
    memcpy (back, sn.prefix, sn.prefix_len);
  got = sn.prefix_len;
  r = sn.openpgp;
  sniff_release (&sn);
  while ((n = read (fds[0], back + got, len + 1 - got)) > 0)
    got += n;
  assert_int_equal (n, 0);
  pthread_join (thread, NULL);
  close (fds[0]);
  assert_int_equal (got, len);
  assert_memory_equal (back, data, len);
  free (back);
  return r;
}

static void
test_pipe_closed_before_a_full_peek_is_peeked_not_consumed (void **state)
{
  unsigned char *buf;
  size_t len;

  (void) state;
  /* 364 bytes, then the writer closes: fewer than the peek wants.  */
  buf = read_all (MESSAGES "/gpg-alice-signed.gpg", &len);
  assert_true (sniff_pipe (buf, len, 0));
  free (buf);
  buf = read_all (MESSAGES "/invoice.xml", &len);
  assert_false (sniff_pipe (buf, len, 0));
  free (buf);
}

static void
test_pipe_beyond_the_peek_is_peeked_not_consumed (void **state)
{
  /* More than the peek and than the pipe holds: the writer blocks
   * until the step reads.  */
  size_t len = 200 * 1024, i;
  unsigned char *payload = malloc (len), *msg;
  unsigned int seed = 11;

  (void) state;
  assert_non_null (payload);
  for (i = 0; i < len; i++)
    payload[i] = rand_r (&seed);
  assert_false (sniff_pipe (payload, len, 1));
  /* A signed message's head followed by many bytes.  */
  msg = read_all (MESSAGES "/gpg-alice-signed.gpg", &i);
  memcpy (payload, msg, i);
  assert_int_equal (sniff_pipe (payload, len, 1),
                    is_openpgp (payload, len));
  free (msg);
  free (payload);
}

static void
test_cancel_ends_the_wait_for_a_pipe_writer (void **state)
{
  struct pgpstep_source src;
  struct sniff sn;
  int fds[2], cancel[2];
  char two[2];

  (void) state;
  /* A few bytes, the writer stays open: the peek waits for more until
   * the message is cancelled.  */
  assert_int_equal (pipe (fds), 0);
  assert_int_equal (pipe (cancel), 0);
  assert_int_equal (write (fds[1], "\xa3\x01", 2), 2);
  assert_int_equal (write (cancel[1], "x", 1), 1);
  memset (&src, 0, sizeof src);
  src.struct_size = sizeof src;
  src.fd = fds[0];
  src.read = fd_read;
  src.handle = &fds[0];
  assert_int_equal (gpg_err_code (sniff_input (&src, cancel[0], &sn)),
                    GPG_ERR_CANCELED);
  sniff_release (&sn);
  /* Empty pipe: the wait is in poll, cancellation ends it too.  */
  assert_int_equal (read (fds[0], two, 2), 2);
  assert_int_equal (gpg_err_code (sniff_input (&src, cancel[0], &sn)),
                    GPG_ERR_CANCELED);
  sniff_release (&sn);
  close (fds[0]);
  close (fds[1]);
  close (cancel[0]);
  close (cancel[1]);
}

int
main (void)
{
  static const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_gpg_signed_messages_are_openpgp),
    cmocka_unit_test (test_payload_starting_like_a_onepass_packet_is_data),
    cmocka_unit_test (test_random_payloads_are_data),
    cmocka_unit_test (test_pipe_closed_before_a_full_peek_is_peeked_not_consumed),
    cmocka_unit_test (test_pipe_beyond_the_peek_is_peeked_not_consumed),
    cmocka_unit_test (test_cancel_ends_the_wait_for_a_pipe_writer),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
