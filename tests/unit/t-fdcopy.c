/* t-fdcopy.c - copying a byte range between descriptors in the kernel
 * (plugins/openpgp/fdcopy.c): file to file, file to a (non-blocking)
 * pipe, offsets, a short source and cancellation.  */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fdcopy.h"

#define DATA_LEN (3 * 1024 * 1024 + 17)

static unsigned char *data;

/* An unlinked temporary file.  */
static int
temp_file (void)
{
  char name[] = "/tmp/t-fdcopy-XXXXXX";
  int fd = mkstemp (name);

  assert_true (fd >= 0);
  unlink (name);
  return fd;
}

/* A file holding DATA.  */
static int
data_file (void)
{
  int fd = temp_file ();
  size_t off;
  ssize_t n;

  for (off = 0; off < DATA_LEN; off += n)
    {
      n = write (fd, data + off, DATA_LEN - off);
      assert_true (n > 0);
    }
  return fd;
}

static void
assert_file_holds (int fd, const unsigned char *want, size_t len)
{
  unsigned char *buf = malloc (len + 1);
  ssize_t n;

  assert_non_null (buf);
  n = pread (fd, buf, len + 1, 0);
  assert_int_equal (n, (ssize_t) len);
  assert_memory_equal (buf, want, len);
  free (buf);
}

static int
setup (void **state)
{
  size_t i;

  (void) state;
  data = malloc (DATA_LEN);
  if (!data)
    return -1;
  for (i = 0; i < DATA_LEN; i++)
    data[i] = (unsigned char) (i * 7 + (i >> 11));
  return 0;
}

static int
teardown (void **state)
{
  (void) state;
  free (data);
  return 0;
}

static void
file_to_file_from_offset_leaves_input_position (void **state)
{
  int in = data_file (), out = temp_file ();
  uint64_t copied = 0;

  (void) state;
  assert_int_equal (lseek (in, 5, SEEK_SET), 5);
  assert_int_equal (write (out, "hdr", 3), 3);
  assert_int_equal (fdcopy (in, 1000, out, DATA_LEN - 1000, -1, &copied), 0);
  assert_int_equal (copied, DATA_LEN - 1000);
  /* Appended at OUT's position; IN's own position untouched.  */
  assert_int_equal (lseek (out, 0, SEEK_CUR), 3 + DATA_LEN - 1000);
  assert_int_equal (lseek (in, 0, SEEK_CUR), 5);
  {
    unsigned char *want = malloc (3 + DATA_LEN - 1000);
    assert_non_null (want);
    memcpy (want, "hdr", 3);
    memcpy (want + 3, data + 1000, DATA_LEN - 1000);
    assert_file_holds (out, want, 3 + DATA_LEN - 1000);
    free (want);
  }
  close (in);
  close (out);
}

struct drain
{
  int fd;
  unsigned char *buf;
  size_t len;
};

static void *
drain_thread (void *arg)
{
  struct drain *d = arg;
  ssize_t n;

  while ((n = read (d->fd, d->buf + d->len, DATA_LEN + 1 - d->len)) > 0)
    d->len += n;
  return NULL;
}

/* COPY to a pipe (NONBLOCK: its write end non-blocking), read by a
 * thread.  */
static void
file_to_pipe (int nonblock)
{
  int in = data_file ();
  int p[2];
  struct drain d;
  pthread_t t;
  uint64_t copied = 0;

  assert_int_equal (pipe (p), 0);
  if (nonblock)
    assert_int_equal (fcntl (p[1], F_SETFL, O_NONBLOCK), 0);
  d.fd = p[0];
  d.len = 0;
  d.buf = malloc (DATA_LEN + 1);
  assert_non_null (d.buf);
  assert_int_equal (pthread_create (&t, NULL, drain_thread, &d), 0);
  assert_int_equal (fdcopy (in, 0, p[1], DATA_LEN, -1, &copied), 0);
  close (p[1]);
  pthread_join (t, NULL);
  assert_int_equal (copied, DATA_LEN);
  assert_int_equal (d.len, DATA_LEN);
  assert_memory_equal (d.buf, data, DATA_LEN);
  free (d.buf);
  close (p[0]);
  close (in);
}

static void
file_to_pipe_falls_back (void **state)
{
  (void) state;
  file_to_pipe (0);
}

static void
file_to_nonblocking_pipe_waits (void **state)
{
  (void) state;
  file_to_pipe (1);
}

static void
short_source_is_truncated (void **state)
{
  int in = data_file (), out = temp_file ();
  uint64_t copied = 0;

  (void) state;
  assert_int_equal (gpg_err_code (fdcopy (in, 100, out, DATA_LEN, -1,
                                          &copied)), GPG_ERR_TRUNCATED);
  assert_int_equal (copied, DATA_LEN - 100);
  assert_file_holds (out, data + 100, DATA_LEN - 100);
  close (in);
  close (out);
}

static void
readable_cancel_fd_stops_the_copy (void **state)
{
  int in = data_file (), out = temp_file ();
  int c[2];
  uint64_t copied = 1;

  (void) state;
  assert_int_equal (pipe (c), 0);
  close (c[1]);                 /* EOF: readable.  */
  assert_int_equal (gpg_err_code (fdcopy (in, 0, out, DATA_LEN, c[0],
                                          &copied)), GPG_ERR_CANCELED);
  assert_int_equal (copied, 0);
  /* A zero-length copy has nothing to cancel.  */
  assert_int_equal (fdcopy (in, 0, out, 0, c[0], &copied), 0);
  assert_int_equal (copied, 0);
  close (c[0]);
  close (in);
  close (out);
}

static void
bad_output_fails (void **state)
{
  int in = data_file ();
  uint64_t copied = 1;

  (void) state;
  assert_int_not_equal (fdcopy (in, 0, in + 1000, 10, -1, &copied), 0);
  assert_int_equal (copied, 0);
  close (in);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (file_to_file_from_offset_leaves_input_position),
    cmocka_unit_test (file_to_pipe_falls_back),
    cmocka_unit_test (file_to_nonblocking_pipe_waits),
    cmocka_unit_test (short_source_is_truncated),
    cmocka_unit_test (readable_cancel_fd_stops_the_copy),
    cmocka_unit_test (bad_output_fails),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
