/* t-armorstep.c - the armor step through its entry point, with a fake
 * host.  Every armor we write is read back by gpg (--dearmor,
 * --list-packets, --import) and sqop; armor written by gpg and sqop is
 * dearmored by the step.  Failures must name what is wrong, map to
 * exit 41 and release nothing.
 *
 * Scratch files and a GnuPG home (g) live under one
 * mktemp -d /tmp/pas.XXXXXX; the home's agent is stopped at the end.
 */
#include <config.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pgpstep/pgpstep.h>
#include <pgpstep/host.h>
#include "fakehost.h"
#include "gpghome.h"

#define KEYS  TEST_DATA_DIR "/gpg/keys"
#define MSGS  TEST_DATA_DIR "/gpg/messages"
#define BINS  TEST_DATA_DIR "/gpg/dearmor"
#define OWN   TEST_DATA_DIR "/armor"

#define ALICE "015ABD50EB712E873C6BB2B009037A2EDFD86C9F"

static char base[64];
static const struct pgpstep_step *step;
static int have_sqop;


/* Helpers.  */

/* BASE/NAME in BUF (256 bytes).  */
static const char *
at (char *buf, const char *name)
{
  snprintf (buf, 256, "%s/%s", base, name);
  return buf;
}

static void
assert_mem_equal (const void *a, size_t alen, const void *b, size_t blen)
{
  assert_int_equal (alen, blen);
  if (alen)
    assert_memory_equal (a, b, alen);
}

/* Whether file NAME holds LEN bytes equal to BUF.  */
static int
file_equals (const char *name, const void *buf, size_t len)
{
  size_t n = 0;
  char *got = read_file (name, &n);
  int same = got && n == len && (!len || !memcmp (got, buf, len));

  free (got);
  return same;
}

/* A binary literal data packet (new format, 5-octet length) with N
 * pseudo-random bytes of body; *R_LEN is 12 + N.  */
static unsigned char *
literal_packet (size_t n, size_t *r_len)
{
  unsigned char *p = malloc (12 + n);
  unsigned int x = 12345u + (unsigned int) n;
  size_t i, blen = 6 + n;

  assert_non_null (p);
  p[0] = 0xcb;
  p[1] = 0xff;
  p[2] = blen >> 24;
  p[3] = blen >> 16;
  p[4] = blen >> 8;
  p[5] = blen;
  p[6] = 'b';
  p[7] = 0;             /* No file name.  */
  memset (p + 8, 0, 4); /* No date.  */
  for (i = 0; i < n; i++)
    {
      x = x * 1103515245u + 12345u;
      p[12 + i] = x >> 16;
    }
  *r_len = 12 + n;
  return p;
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

/* Run the step with MODE (and TYPE unless NULL) on BUF.  IS_LAST: the
 * spool is the sink itself; PIPE: the input comes through a pipe.  */
static void
run_mem (struct run *r, const char *mode, const char *type,
         const void *buf, size_t len, int is_last, int pipe)
{
  struct fakehost_value params[3] = { { "mode", mode }, { NULL, NULL },
                                      { NULL, NULL } };

  if (type)
    {
      params[1].name = "type";
      params[1].value = type;
    }
  memset (r, 0, sizeof *r);
  r->fh.params = params;
  r->fh.is_last = is_last;
  r->fh.source_pipe = pipe;
  r->create_err = fakehost_create (&r->fh, step, &r->state);
  if (r->create_err)
    return;
  r->err = fakehost_process_mem (&r->fh, step, r->state, buf, len);
  r->fh.params = NULL;  /* PARAMS goes out of scope.  */
}

/* Run and expect success.  */
static void
run_ok (struct run *r, const char *mode, const char *type,
        const void *buf, size_t len, int is_last, int pipe)
{
  run_mem (r, mode, type, buf, len, is_last, pipe);
  if (r->create_err)
    print_error ("create: %s: %s\n", gpg_strerror (r->create_err),
                 r->fh.config_err_text ? r->fh.config_err_text : "");
  assert_int_equal (r->create_err, 0);
  if (r->err)
    print_error ("process: %s: %s\n", gpg_strerror (r->err),
                 r->fh.err_text ? r->fh.err_text : "");
  assert_int_equal (r->err, 0);
}

/* Run, expect a refusal with CODE (exit 41), error text holding TEXT,
 * nothing released.  Both with the spool as the sink (last step) and
 * with a spool of its own, through a pipe.  */
static void
refused (const char *mode, const char *type, const void *buf, size_t len,
         gpg_err_code_t code, const char *text)
{
  struct run r;
  int last;

  for (last = 0; last < 2; last++)
    {
      run_mem (&r, mode, type, buf, len, last, !last);
      assert_int_equal (r.create_err, 0);
      if (gpg_err_code (r.err) != code)
        print_error ("expected %s, got %s: %s\n", gpg_strerror (code),
                     gpg_strerror (r.err),
                     r.fh.err_text ? r.fh.err_text : "");
      assert_int_equal (gpg_err_code (r.err), code);
      assert_int_equal (pgpstep_exit_code (r.err), 41);
      assert_non_null (r.fh.err_text);
      if (!strstr (r.fh.err_text, text))
        fail_msg ("error '%s' lacks '%s'", r.fh.err_text, text);
      assert_int_equal (r.fh.outlen, 0);
      run_release (&r);
    }
}

static void
refused_file (const char *mode, const char *file, gpg_err_code_t code,
              const char *text)
{
  size_t len;
  char *buf = must_read (file, &len);

  refused (mode, NULL, buf, len, code, text);
  free (buf);
}

/* The armor of OUT: BEGIN line of LABEL, lines of at most 64
 * characters, END line.  */
static void
assert_armor (const struct run *r, const char *label)
{
  char begin[64], end[64];
  const char *p, *nl;

  snprintf (begin, sizeof begin, "-----BEGIN PGP %s-----\n\n", label);
  snprintf (end, sizeof end, "\n-----END PGP %s-----\n", label);
  assert_non_null (r->fh.out);
  assert_true (r->fh.outlen > strlen (begin) + strlen (end));
  assert_memory_equal (r->fh.out, begin, strlen (begin));
  assert_memory_equal (r->fh.out + r->fh.outlen - strlen (end), end,
                       strlen (end));
  for (p = r->fh.out; (nl = memchr (p, '\n', r->fh.outlen
                                    - (p - r->fh.out))); p = nl + 1)
    assert_true (nl - p <= 64);
}

/* OUT equals what gpg --dearmor (and sqop dearmor) make of it.  */
static void
assert_others_dearmor (const struct run *r, const void *bin, size_t len)
{
  char in[256], out[256];

  write_file (at (in, "out.asc"), r->fh.out, r->fh.outlen);
  assert_int_equal (sh ("gpg --batch --no-options --homedir %s/g --yes"
                        " -o %s --dearmor %s 2>/dev/null", base,
                        at (out, "gpg.bin"), in), 0);
  assert_true (file_equals (out, bin, len));
  if (!have_sqop)
    return;
  assert_int_equal (sh ("sqop dearmor < %s > %s 2>/dev/null", in,
                        at (out, "sqop.bin")), 0);
  assert_true (file_equals (out, bin, len));
}


/* Setup.  */

static int
group_setup (void **unused)
{
  (void) unused;
  strcpy (base, "/tmp/pas.XXXXXX");
  if (!mkdtemp (base))
    return -1;
  if (sh ("mkdir -m 700 %s/g", base))
    return -1;
  have_sqop = !sh ("command -v sqop >/dev/null 2>&1");
  if (!have_sqop)
    print_message ("note: sqop is not installed: its checks are skipped\n");
  return 0;
}

static int
group_teardown (void **unused)
{
  char home[160];

  (void) unused;
  snprintf (home, sizeof home, "%s/g", base);
  stop_agent (home);
  sh ("rm -rf %s", base);
  return 0;
}

static int
setup_module (void)
{
  const struct pgpstep_module *module;

  if (pgpstep_module_init (&fakehost_services, &module))
    return -1;
  step = fakehost_find_step (module, "armor");
  return step ? 0 : -1;
}


/* Tests.  */

static const struct
{
  const char *bin;             /* Binary fixture.  */
  const char *asc;             /* Its armor by gpg or sqop, or NULL.  */
  const char *label;
  const char *type;
  int sqop_armors;             /* sqop armor takes it (not inline-signed
                                  messages: sqop 0.27 parses those).  */
} samples[] = {
  { BINS "/gpg-enc-to-alice.bin", MSGS "/gpg-enc-to-alice.asc",
    "MESSAGE", "message", 1 },
  { MSGS "/gpg-alice-signed.gpg", NULL, "MESSAGE", "message", 0 },
  { BINS "/sqop-carol-signed-enc-to-alice.bin",
    MSGS "/sqop-carol-signed-enc-to-alice.asc", "MESSAGE", "message", 1 },
  { BINS "/sqop-carol-inline-signed.bin",
    MSGS "/sqop-carol-inline-signed.asc", "MESSAGE", "message", 0 },
  { BINS "/gpg-alice-detached.bin", MSGS "/gpg-alice-detached.asc",
    "SIGNATURE", "signature", 1 },
  { BINS "/sqop-carol-detached.bin", MSGS "/sqop-carol-detached.asc",
    "SIGNATURE", "signature", 1 },
  { MSGS "/gen-good-bad-detached.sig", NULL, "SIGNATURE", "signature", 1 },
  { BINS "/alice.pub.bin", KEYS "/alice.pub.asc", "PUBLIC KEY BLOCK",
    "public-key", 1 },
  { BINS "/carol.pub.bin", KEYS "/carol.pub.asc", "PUBLIC KEY BLOCK",
    "public-key", 1 },
  { BINS "/alice.sec.bin", KEYS "/alice.sec.asc", "PRIVATE KEY BLOCK",
    "private-key", 1 },
  { BINS "/bob.sec.bin", KEYS "/bob.sec.asc", "PRIVATE KEY BLOCK",
    "private-key", 1 },
  { BINS "/carol.sec.bin", KEYS "/carol.sec.asc", "PRIVATE KEY BLOCK",
    "private-key", 1 },
};

/* type auto labels messages, signatures, public and secret keys right;
 * gpg and sqop dearmor the result to the input; so does the step.  */
static void
test_armor_auto_labels_round_trip (void **unused)
{
  struct run r, d;
  size_t i, len;
  char *bin;

  (void) unused;
  for (i = 0; i < sizeof samples / sizeof *samples; i++)
    {
      bin = must_read (samples[i].bin, &len);
      run_ok (&r, "armor", NULL, bin, len, i & 1, !(i & 1));
      assert_armor (&r, samples[i].label);
      assert_string_equal (fakehost_header (&r.fh, "pgp.armor.type"),
                           samples[i].type);
      assert_string_equal (fakehost_header (&r.fh, "pgp.armor.input"),
                           "binary");
      assert_null (fakehost_header (&r.fh, "pgp.armor.checksum"));
      /* Binary needs no checking after the fact: no spool.  */
      assert_int_equal (r.fh.spool_opened, 0);
      assert_others_dearmor (&r, bin, len);

      run_ok (&d, "dearmor", NULL, r.fh.out, r.fh.outlen, !(i & 1), i & 1);
      assert_mem_equal (d.fh.out, d.fh.outlen, bin, len);
      assert_string_equal (fakehost_header (&d.fh, "pgp.armor.type"),
                           samples[i].type);
      assert_string_equal (fakehost_header (&d.fh, "pgp.armor.input"),
                           "armored");
      assert_string_equal (fakehost_header (&d.fh, "pgp.armor.checksum"),
                           "verified");
      assert_int_equal (d.fh.spool_opened, 1);
      run_release (&d);
      run_release (&r);
      free (bin);
    }
}

/* gpg lists the packets of our armored message and imports our
 * armored keys; sqop armor leaves our armor as it is.  */
static void
test_armor_accepted_by_gpg_and_sqop (void **unused)
{
  static const char *const files[] = { BINS "/alice.pub.bin",
    BINS "/bob.pub.bin", BINS "/alice.sec.bin" };
  struct run r;
  char name[256], other[256];
  size_t i, len;
  char *bin;

  (void) unused;
  for (i = 0; i < 3; i++)
    {
      bin = must_read (files[i], &len);
      run_ok (&r, "armor", NULL, bin, len, 1, 0);
      write_file (at (name, "key.asc"), r.fh.out, r.fh.outlen);
      assert_int_equal (sh ("gpg --homedir %s/g --batch --no-options"
                            " --quiet --import %s 2>/dev/null", base, name),
                        0);
      if (have_sqop)
        {
          assert_int_equal (sh ("sqop armor < %s > %s 2>/dev/null", name,
                                at (other, "sqop.asc")), 0);
          assert_true (file_equals (other, r.fh.out, r.fh.outlen));
        }
      run_release (&r);
      free (bin);
    }
  assert_int_equal (sh ("gpg --homedir %s/g --batch --no-options"
                        " --list-secret-keys %s >/dev/null 2>&1", base,
                        ALICE), 0);
  assert_int_equal (sh ("gpg --homedir %s/g --batch --no-options"
                        " --list-keys 37213D1976A23E2625719E022975619AFF1CDD85"
                        " >/dev/null 2>&1", base), 0);

  bin = must_read (BINS "/gpg-enc-to-alice.bin", &len);
  run_ok (&r, "armor", NULL, bin, len, 1, 0);
  write_file (at (name, "msg.asc"), r.fh.out, r.fh.outlen);
  assert_int_equal (sh ("gpg --homedir %s/g --batch --no-options"
                        " --list-packets %s 2>/dev/null"
                        " | grep -q ':pubkey enc packet:'", base, name), 0);
  run_release (&r);
  free (bin);
}

/* Armor written by gpg (files, --export --armor) and by sqop armor
 * dearmors to the binary gpg --dearmor made; CRLF line ends and armor
 * headers are fine.  */
static void
test_dearmor_foreign_armor (void **unused)
{
  struct run r;
  char name[256], out[256];
  size_t i, len, alen, n, o;
  char *bin, *asc, *crlf;

  (void) unused;
  for (i = 0; i < sizeof samples / sizeof *samples; i++)
    {
      if (!samples[i].asc)
        continue;
      bin = must_read (samples[i].bin, &len);
      asc = must_read (samples[i].asc, &alen);
      run_ok (&r, "dearmor", NULL, asc, alen, i & 1, 1);
      assert_mem_equal (r.fh.out, r.fh.outlen, bin, len);
      assert_string_equal (fakehost_header (&r.fh, "pgp.armor.type"),
                           samples[i].type);
      run_release (&r);

      /* The same with CRLF.  */
      crlf = malloc (2 * alen);
      assert_non_null (crlf);
      for (n = o = 0; n < alen; n++)
        {
          if (asc[n] == '\n')
            crlf[o++] = '\r';
          crlf[o++] = asc[n];
        }
      run_ok (&r, "dearmor", NULL, crlf, o, 1, 0);
      assert_mem_equal (r.fh.out, r.fh.outlen, bin, len);
      run_release (&r);
      free (crlf);

      if (have_sqop && samples[i].sqop_armors)
        {
          assert_int_equal (sh ("sqop armor < '%s' > %s 2>/dev/null",
                                samples[i].bin, at (out, "sqop.asc")), 0);
          free (asc);
          asc = must_read (out, &alen);
          run_ok (&r, "dearmor", NULL, asc, alen, 0, 0);
          assert_mem_equal (r.fh.out, r.fh.outlen, bin, len);
          run_release (&r);
        }
      free (asc);
      free (bin);
    }

  /* gpg --export --armor (with gpg's own headers when asked).  */
  assert_int_equal (sh ("gpg --homedir %s/g --batch --no-options --quiet"
                        " --import %s/alice.pub.asc 2>/dev/null", base, KEYS),
                    0);
  assert_int_equal (sh ("gpg --homedir %s/g --batch --no-options --export"
                        " %s > %s", base, ALICE, at (name, "exp.bin")), 0);
  assert_int_equal (sh ("gpg --homedir %s/g --batch --no-options --armor"
                        " --emit-version --comment 'a comment' --export %s"
                        " > %s", base, ALICE, at (out, "exp.asc")), 0);
  bin = must_read (name, &len);
  asc = must_read (out, &alen);
  assert_non_null (strstr (asc, "Comment: a comment"));
  run_ok (&r, "dearmor", NULL, asc, alen, 0, 1);
  assert_mem_equal (r.fh.out, r.fh.outlen, bin, len);
  assert_string_equal (fakehost_header (&r.fh, "pgp.armor.type"),
                       "public-key");
  run_release (&r);
  free (asc);
  free (bin);
}

/* Payloads of every length modulo 3, from a dozen bytes to several
 * MiB, through pipes and files: armor, dearmor, gpg --dearmor.  */
static void
test_round_trip_sizes (void **unused)
{
  static const size_t sizes[] = { 0, 1, 2, 3, 35, 36, 37, 47, 48, 49,
                                  65536, 65537, (5 << 20),
                                  (5 << 20) + 1, (5 << 20) + 2 };
  struct run r, d;
  unsigned char *bin;
  size_t i, len;

  (void) unused;
  for (i = 0; i < sizeof sizes / sizeof *sizes; i++)
    {
      bin = literal_packet (sizes[i], &len);
      run_ok (&r, "armor", NULL, bin, len, i & 1, sizes[i] > 100);
      assert_armor (&r, "MESSAGE");
      if (sizes[i] < 4 || sizes[i] >= (5 << 20))
        assert_others_dearmor (&r, bin, len);
      run_ok (&d, "dearmor", NULL, r.fh.out, r.fh.outlen, !(i & 1),
              sizes[i] > 100);
      assert_mem_equal (d.fh.out, d.fh.outlen, bin, len);
      run_release (&d);
      run_release (&r);
      free (bin);
    }
}

/* armor of armor and dearmor of binary change nothing.  */
static void
test_idempotent (void **unused)
{
  struct run r, again;
  size_t i, len, alen;
  char *bin, *asc;

  (void) unused;
  for (i = 0; i < sizeof samples / sizeof *samples; i++)
    {
      bin = must_read (samples[i].bin, &len);
      run_ok (&again, "dearmor", NULL, bin, len, i & 1, 1);
      assert_mem_equal (again.fh.out, again.fh.outlen, bin, len);
      assert_string_equal (fakehost_header (&again.fh, "pgp.armor.input"),
                           "binary");
      assert_string_equal (fakehost_header (&again.fh, "pgp.armor.type"),
                           samples[i].type);
      run_release (&again);

      run_ok (&r, "armor", NULL, bin, len, 1, 0);
      run_ok (&again, "armor", NULL, r.fh.out, r.fh.outlen, i & 1, 1);
      assert_mem_equal (again.fh.out, again.fh.outlen, r.fh.out,
                        r.fh.outlen);
      assert_string_equal (fakehost_header (&again.fh, "pgp.armor.input"),
                           "armored");
      assert_string_equal (fakehost_header (&again.fh, "pgp.armor.type"),
                           samples[i].type);
      run_release (&again);
      /* The explicit, matching type passes too.  */
      run_ok (&again, "armor", samples[i].type, r.fh.out, r.fh.outlen, 0, 0);
      assert_mem_equal (again.fh.out, again.fh.outlen, r.fh.out,
                        r.fh.outlen);
      run_release (&again);
      run_release (&r);

      if (samples[i].asc)
        {
          /* gpg's and sqop's armor (headers and all) passes as it is.  */
          asc = must_read (samples[i].asc, &alen);
          run_ok (&again, "armor", NULL, asc, alen, 0, 1);
          assert_mem_equal (again.fh.out, again.fh.outlen, asc, alen);
          assert_string_equal (fakehost_header (&again.fh,
                                                "pgp.armor.checksum"),
                               "verified");
          run_release (&again);
          free (asc);
        }
      free (bin);
    }
}

/* An explicit type labels as asked (with a warning when the packets
 * say otherwise); armored input with another label is refused.  */
static void
test_armor_explicit_type (void **unused)
{
  struct run r;
  size_t len, alen;
  char *bin, *asc;

  (void) unused;
  bin = must_read (BINS "/gpg-enc-to-alice.bin", &len);
  run_ok (&r, "armor", "signature", bin, len, 1, 0);
  assert_armor (&r, "SIGNATURE");
  assert_string_equal (fakehost_header (&r.fh, "pgp.armor.type"),
                       "signature");
  assert_non_null (r.fh.log);
  assert_non_null (strstr (r.fh.log, "labelling message data as"
                           " signature"));
  run_release (&r);

  run_ok (&r, "armor", "message", bin, len, 0, 1);
  assert_armor (&r, "MESSAGE");
  assert_true (!r.fh.log || !strstr (r.fh.log, "labelling"));
  run_release (&r);
  free (bin);

  asc = must_read (KEYS "/alice.pub.asc", &alen);
  refused ("armor", "message", asc, alen, GPG_ERR_BAD_DATA,
           "already armored as PGP PUBLIC KEY BLOCK, not as message");
  free (asc);
}

/* What armor refuses: empty input, text, cleartext signatures, armor
 * with text around it or a bad checksum, cut binary.  */
static void
test_armor_refusals (void **unused)
{
  size_t len;
  char *buf, *p, *copy;

  (void) unused;
  refused ("armor", NULL, "", 0, GPG_ERR_NO_DATA, "the input is empty");
  refused_file ("armor", MSGS "/invoice.xml", GPG_ERR_BAD_DATA,
                "not OpenPGP data");
  refused_file ("armor", MSGS "/gpg-alice-clearsigned.asc",
                GPG_ERR_BAD_DATA, "cleartext-signed message");
  refused_file ("armor", MSGS "/sqop-carol-clearsigned.asc",
                GPG_ERR_BAD_DATA, "cleartext-signed message");

  buf = must_read (BINS "/gpg-enc-to-alice.bin", &len);
  refused ("armor", NULL, buf, len - 10, GPG_ERR_BAD_DATA,
           "not well-formed binary OpenPGP (it ends inside a packet)");
  free (buf);

  buf = must_read (MSGS "/gpg-enc-to-alice.asc", &len);
  copy = malloc (len + 64);
  assert_non_null (copy);
  len = (size_t) sprintf (copy, "Hello\n%s", buf);
  refused ("armor", NULL, copy, len, GPG_ERR_BAD_DATA,
           "text precedes the armor's BEGIN line");
  len = (size_t) sprintf (copy, "%s\n  \r\n", buf);
  {
    struct run r;

    /* White space after the END line passes, as it is.  */
    run_ok (&r, "armor", NULL, copy, len, 0, 0);
    assert_mem_equal (r.fh.out, r.fh.outlen, copy, len);
    run_release (&r);
  }
  len = (size_t) sprintf (copy, "%sBye\n", buf);
  refused ("armor", NULL, copy, len, GPG_ERR_BAD_DATA,
           "text follows the armor's END line");
  /* A damaged checksum is found at the END line: nothing passes.  */
  len = (size_t) sprintf (copy, "%s", buf);
  p = strstr (copy, "\n=");
  assert_non_null (p);
  p[2] = p[2] == 'A' ? 'B' : 'A';
  refused ("armor", NULL, copy, len, GPG_ERR_CHECKSUM,
           "CRC-24 checksum mismatch");
  free (copy);
  free (buf);
}

/* A big armor whose checksum is wrong: everything was decoded before
 * the END line told, and nothing may be released.  */
static void
test_dearmor_bad_crc_releases_nothing (void **unused)
{
  struct run r;
  unsigned char *bin;
  size_t len, i;
  char *p;

  (void) unused;
  bin = literal_packet (3 << 20, &len);
  run_ok (&r, "armor", NULL, bin, len, 1, 0);
  p = strstr (r.fh.out, "\n=");
  assert_non_null (p);
  p[3] = p[3] == 'A' ? 'B' : 'A';
  for (i = 0; i < 2; i++)
    {
      struct run d;

      run_mem (&d, "dearmor", NULL, r.fh.out, r.fh.outlen, i, 1);
      assert_int_equal (gpg_err_code (d.err), GPG_ERR_CHECKSUM);
      assert_int_equal (pgpstep_exit_code (d.err), 41);
      assert_non_null (strstr (d.fh.err_text, "CRC-24 checksum mismatch"));
      assert_int_equal (d.fh.outlen, 0);
      assert_int_equal (d.fh.spool_opened, 1);
      if (!i)
        assert_true (d.fh.spooled >= len / 2);  /* Held back.  */
      run_release (&d);
    }
  run_release (&r);
  free (bin);
}

/* Each broken armor is refused with exit 41 and a text naming what is
 * wrong (and where); nothing is released.  */
static void
test_dearmor_failures (void **unused)
{
  size_t len, n;
  char *buf, *copy, *p, *q;

  (void) unused;
  buf = must_read (MSGS "/gpg-enc-to-alice.asc", &len);
  copy = malloc (2 * len + 256);
  assert_non_null (copy);

  /* A changed body character: the checksum no longer matches.  */
  memcpy (copy, buf, len + 1);
  p = strstr (copy, "\n\n") + 2;
  p[10] = p[10] == 'A' ? 'B' : 'A';
  refused ("dearmor", NULL, copy, len, GPG_ERR_CHECKSUM,
           "CRC-24 checksum mismatch");

  /* Cut anywhere before the END line.  */
  for (n = len / 2; n < len; n += len / 5)
    refused ("dearmor", NULL, buf, n, GPG_ERR_TRUNCATED, "truncated armor");
  p = strstr (buf, "-----END");
  refused ("dearmor", NULL, buf, p - buf, GPG_ERR_TRUNCATED,
           "the input ends before the END line");

  /* A non-base64 character on line 4 (BEGIN, blank, first line).  */
  memcpy (copy, buf, len + 1);
  p = strstr (copy, "\n\n") + 2;
  p = strchr (p, '\n') + 1;
  p[5] = '!';
  refused ("dearmor", NULL, copy, len, GPG_ERR_INV_ARMOR,
           "bad armor (line 4): a character that is not base64");

  /* Two body lines joined: 128 characters.  */
  memcpy (copy, buf, len + 1);
  p = strstr (copy, "\n\n") + 2;
  q = strchr (p, '\n');
  memmove (q, q + 1, len - (q + 1 - copy) + 1);
  refused ("dearmor", NULL, copy, len - 1, GPG_ERR_INV_ARMOR,
           "bad armor (line 3): a line longer than 96 characters");

  /* END label differs.  */
  memcpy (copy, buf, len + 1);
  p = strstr (copy, "-----END PGP MESSAGE");
  memcpy (p + 13, "MASSAGE", 7);
  refused ("dearmor", NULL, copy, len, GPG_ERR_INV_ARMOR,
           "the END line's label differs from the BEGIN line's");
  memcpy (p + 13, "MESSAGE----x", 12);
  refused ("dearmor", NULL, copy, len, GPG_ERR_INV_ARMOR,
           "a malformed END line");
  memcpy (p + 13, "SIGNATURE-----\n", 16);
  refused ("dearmor", NULL, copy, p + 28 - copy, GPG_ERR_INV_ARMOR,
           "the END line's label differs from the BEGIN line's");

  /* Garbage, text, empty input.  */
  refused ("dearmor", NULL, "\x01\x02garbage\xff\xfe", 12, GPG_ERR_BAD_DATA,
           "neither ASCII armor nor binary OpenPGP");
  refused_file ("dearmor", MSGS "/invoice.xml", GPG_ERR_BAD_DATA,
                "not OpenPGP data");
  refused ("dearmor", NULL, "", 0, GPG_ERR_NO_DATA, "the input is empty");

  /* Cleartext signatures have no binary form.  */
  refused_file ("dearmor", MSGS "/gpg-alice-clearsigned.asc",
                GPG_ERR_BAD_DATA, "cleartext-signed message");

  /* Two armor blocks: dearmor takes one, and drops none silently.  */
  n = (size_t) sprintf (copy, "%s%s", buf, buf);
  refused ("dearmor", NULL, copy, n, GPG_ERR_BAD_DATA,
           "a second armor block follows the END line");

  free (copy);
  free (buf);

  /* Fixtures: armor of non-OpenPGP bytes, gpg --enarmor's label,
   * multi-part armor.  */
  refused_file ("dearmor", OWN "/not-openpgp.asc", GPG_ERR_BAD_DATA,
                "does not hold well-formed OpenPGP data");
  refused_file ("dearmor", OWN "/gpg-enarmor.asc", GPG_ERR_INV_ARMOR,
                "unknown label on the BEGIN line");
  refused_file ("dearmor", OWN "/multipart.asc", GPG_ERR_BAD_DATA,
                "multi-part armor");
  refused_file ("dearmor", OWN "/empty-body.asc", GPG_ERR_NO_DATA,
                "the armor block holds no data");
}

/* Text before the BEGIN line and after the END line is ignored (and
 * logged) by dearmor.  */
static void
test_dearmor_surrounding_text (void **unused)
{
  struct run r;
  size_t len, alen, n;
  char *bin, *asc, *copy;

  (void) unused;
  bin = must_read (BINS "/gpg-enc-to-alice.bin", &len);
  asc = must_read (MSGS "/gpg-enc-to-alice.asc", &alen);
  copy = malloc (alen + 128);
  assert_non_null (copy);
  n = (size_t) sprintf (copy, "Here is the file:\n\n%s\n-- \nBye\n", asc);
  run_ok (&r, "dearmor", NULL, copy, n, 0, 1);
  assert_mem_equal (r.fh.out, r.fh.outlen, bin, len);
  assert_non_null (r.fh.log);
  assert_non_null (strstr (r.fh.log, "ignored 9 bytes after the armor's"
                           " END line"));
  run_release (&r);
  free (copy);
  free (asc);
  free (bin);
}

/* Create refuses a type with mode dearmor.  */
static void
test_config_type_with_dearmor (void **unused)
{
  struct run r;

  (void) unused;
  run_mem (&r, "dearmor", "message", "", 0, 1, 0);
  assert_int_equal (gpg_err_code (r.create_err), GPG_ERR_INV_VALUE);
  assert_string_equal (r.fh.config_err_key, "type");
  assert_non_null (strstr (r.fh.config_err_text, "applies to mode armor"
                           " only"));
  run_release (&r);
  run_ok (&r, "dearmor", "auto", "\xc4\x00", 2, 1, 0);
  run_release (&r);
}

/* A cancelled message stops the step while it waits for input.  */
static void
test_cancel (void **unused)
{
  struct run r;
  const char *modes[] = { "armor", "dearmor" };
  size_t len, i;
  char *asc;

  (void) unused;
  asc = must_read (MSGS "/gpg-enc-to-alice.asc", &len);
  for (i = 0; i < 2; i++)
    {
      memset (&r, 0, sizeof r);
      r.fh.params = (const struct fakehost_value[])
        { { "mode", modes[i] }, { NULL, NULL } };
      r.fh.source_pipe = 1;
      r.fh.stall_source = 1;
      r.fh.cancel_after_ms = 100;
      assert_int_equal (fakehost_create (&r.fh, step, &r.state), 0);
      /* Armor takes the armored input as it is, dearmor decodes: both
       * wait for the END line that never comes.  */
      r.err = fakehost_process_mem (&r.fh, step, r.state, asc, len / 2);
      assert_int_equal (gpg_err_code (r.err), GPG_ERR_CANCELED);
      assert_int_equal (r.fh.outlen, 0);
      run_release (&r);
    }
  free (asc);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_armor_auto_labels_round_trip),
    cmocka_unit_test (test_armor_accepted_by_gpg_and_sqop),
    cmocka_unit_test (test_dearmor_foreign_armor),
    cmocka_unit_test (test_round_trip_sizes),
    cmocka_unit_test (test_idempotent),
    cmocka_unit_test (test_armor_explicit_type),
    cmocka_unit_test (test_armor_refusals),
    cmocka_unit_test (test_dearmor_bad_crc_releases_nothing),
    cmocka_unit_test (test_dearmor_failures),
    cmocka_unit_test (test_dearmor_surrounding_text),
    cmocka_unit_test (test_config_type_with_dearmor),
    cmocka_unit_test (test_cancel),
  };

  if (setup_module ())
    return 1;
  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
