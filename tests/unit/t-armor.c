/* t-armor.c - the streaming ASCII armor codec.  */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "armor.h"

/* Armored vectors with their expected binary (gpg --dearmor).  */
static const struct
{
  const char *asc;
  const char *bin;
  enum armor_type type;
} vectors[] =
  {
    { "keys/alice.pub.asc", "alice.pub", ARMOR_PUBKEY },
    { "keys/alice.sec.asc", "alice.sec", ARMOR_SECKEY },
    { "keys/bob.pub.asc", "bob.pub", ARMOR_PUBKEY },
    { "keys/bob.sec.asc", "bob.sec", ARMOR_SECKEY },
    { "keys/carol.pub.asc", "carol.pub", ARMOR_PUBKEY },
    { "keys/carol.sec.asc", "carol.sec", ARMOR_SECKEY },
    { "keys/expired.pub.asc", "expired.pub", ARMOR_PUBKEY },
    { "keys/revoked.sec.asc", "revoked.sec", ARMOR_SECKEY },
    { "keys/signonly.pub.asc", "signonly.pub", ARMOR_PUBKEY },
    { "messages/gpg-enc-to-alice.asc", "gpg-enc-to-alice", ARMOR_MESSAGE },
    { "messages/gpg-alice-detached.asc", "gpg-alice-detached",
      ARMOR_SIGNATURE },
    { "messages/sqop-enc-to-alice.asc", "sqop-enc-to-alice", ARMOR_MESSAGE },
    { "messages/sqop-carol-detached.asc", "sqop-carol-detached",
      ARMOR_SIGNATURE },
    { "messages/sqop-carol-inline-signed.asc", "sqop-carol-inline-signed",
      ARMOR_MESSAGE },
    { "messages/sqop-carol-signed-enc-to-alice.asc",
      "sqop-carol-signed-enc-to-alice", ARMOR_MESSAGE }
  };

static unsigned char *
read_file (const char *path, size_t *r_len)
{
  FILE *fp = fopen (path, "rb");
  unsigned char *buf;
  long size;

  if (!fp)
    fail_msg ("cannot open %s", path);
  assert_int_equal (fseek (fp, 0, SEEK_END), 0);
  size = ftell (fp);
  rewind (fp);
  buf = malloc (size + 1);
  assert_non_null (buf);
  assert_int_equal (fread (buf, 1, size, fp), (size_t)size);
  buf[size] = 0;
  fclose (fp);
  *r_len = size;
  return buf;
}

static unsigned char *
read_data (const char *name, size_t *r_len)
{
  char path[512];

  snprintf (path, sizeof path, "%s/gpg/%s", TEST_DATA_DIR, name);
  return read_file (path, r_len);
}

/* Decode IN in chunks of CHUNK bytes (0: all at once); returns the
 * error of the decode or of finish, and the output.  */
static gpg_error_t
decode_chunked (const void *in, size_t len, size_t chunk,
                unsigned char **r_out, size_t *r_outlen,
                enum armor_type *r_type)
{
  armor_decoder_t dec;
  gpg_error_t err = 0;
  unsigned char *out;
  size_t off = 0, total = 0;

  out = malloc (armor_decode_bound (len) + 1);
  assert_non_null (out);
  assert_int_equal (armor_decoder_new (&dec), 0);
  if (!chunk)
    chunk = len ? len : 1;
  while (off < len && !err)
    {
      size_t n = len - off < chunk ? len - off : chunk;
      size_t outlen;

      err = armor_decode (dec, (const char *)in + off, n, out + total,
                          &outlen);
      assert_true (outlen <= armor_decode_bound (n));
      total += outlen;
      off += n;
    }
  if (!err)
    err = armor_decode_finish (dec);
  if (r_type)
    *r_type = armor_decoder_type (dec);
  armor_decoder_release (dec);
  *r_out = out;
  *r_outlen = total;
  return err;
}

static gpg_error_t
decode_str (const char *s, unsigned char **r_out, size_t *r_outlen)
{
  return decode_chunked (s, strlen (s), 0, r_out, r_outlen, NULL);
}

static void
assert_decode_err (const char *s, gpg_err_code_t code)
{
  unsigned char *out;
  size_t outlen;
  gpg_error_t err = decode_str (s, &out, &outlen);

  if (gpg_err_code (err) != code)
    fail_msg ("got '%s', want '%s' for:\n%s", gpg_strerror (err),
              gpg_strerror (gpg_error (code)), s);
  free (out);
}

static void
assert_decode_ok_len (const char *s, size_t want)
{
  unsigned char *out;
  size_t outlen;
  gpg_error_t err = decode_str (s, &out, &outlen);

  if (err)
    fail_msg ("got '%s' for:\n%s", gpg_strerror (err), s);
  assert_int_equal (outlen, want);
  free (out);
}

static void
assert_decodes_to (const char *s, const char *want)
{
  unsigned char *out;
  size_t outlen;
  gpg_error_t err = decode_str (s, &out, &outlen);

  if (err)
    fail_msg ("got '%s' for:\n%s", gpg_strerror (err), s);
  assert_int_equal (outlen, strlen (want));
  assert_memory_equal (out, want, outlen);
  free (out);
}

/* Encode IN in chunks of CHUNK bytes.  */
static char *
encode_chunked (enum armor_type type, const void *in, size_t len,
                size_t chunk, size_t *r_outlen)
{
  armor_encoder_t enc;
  char *out;
  size_t off = 0, total = 0, outlen;

  out = malloc (armor_encode_bound (len) + ARMOR_FINISH_MAX + 1);
  assert_non_null (out);
  assert_int_equal (armor_encoder_new (&enc, type), 0);
  if (!chunk)
    chunk = len ? len : 1;
  do
    {
      size_t n = len - off < chunk ? len - off : chunk;

      assert_int_equal (armor_encode (enc, (const char *)in + off, n,
                                      out + total, &outlen), 0);
      assert_true (outlen <= armor_encode_bound (n));
      total += outlen;
      off += n;
    }
  while (off < len);
  assert_int_equal (armor_encode_finish (enc, out + total, &outlen), 0);
  assert_true (outlen <= ARMOR_FINISH_MAX);
  total += outlen;
  out[total] = 0;
  armor_encoder_release (enc);
  *r_outlen = total;
  return out;
}

static void
fill_random (unsigned char *buf, size_t len)
{
  size_t i;

  for (i = 0; i < len; i++)
    buf[i] = rand () & 0xff;
}


static void
test_crc24_matches_rfc_check_value (void **state)
{
  (void)state;
  assert_int_equal (armor_crc24 (ARMOR_CRC_INIT, "", 0), 0xB704CE);
  assert_int_equal (armor_crc24 (ARMOR_CRC_INIT, "123456789", 9), 0x21CF02);
  /* Continued in pieces of every alignment.  */
  assert_int_equal (armor_crc24 (armor_crc24 (ARMOR_CRC_INIT, "12345", 5),
                                 "6789", 4), 0x21CF02);
}

/* Bit at a time, straight from RFC 4880 6.1.  */
static unsigned long
crc24_bitwise (unsigned long crc, const unsigned char *p, size_t len)
{
  int i;

  while (len--)
    {
      crc ^= (unsigned long)*p++ << 16;
      for (i = 0; i < 8; i++)
        {
          crc <<= 1;
          if (crc & 0x1000000)
            crc ^= 0x1864CFB;
        }
    }
  return crc & 0xFFFFFF;
}

/* Long buffers take the folding path (16 bytes a step where the CPU
 * has carry-less multiplication): every length around the block size,
 * every alignment, continued from any register value.  */
static void
test_crc24_long_buffers_match_bitwise (void **state)
{
  unsigned char *buf = malloc (70000);
  size_t len, off, cut;
  unsigned int i;

  (void)state;
  assert_non_null (buf);
  srand (24);
  for (i = 0; i < 70000; i++)
    buf[i] = rand () & 0xff;
  for (len = 0; len < 300; len++)
    for (off = 0; off < 3; off++)
      assert_int_equal (armor_crc24 (ARMOR_CRC_INIT, buf + off, len),
                        crc24_bitwise (ARMOR_CRC_INIT, buf + off, len));
  assert_int_equal (armor_crc24 (ARMOR_CRC_INIT, buf, 70000),
                    crc24_bitwise (ARMOR_CRC_INIT, buf, 70000));
  assert_int_equal (armor_crc24 (0, buf + 7, 65536),
                    crc24_bitwise (0, buf + 7, 65536));
  for (i = 0; i < 50; i++)
    {
      cut = rand () % 70000;
      assert_int_equal (armor_crc24 (armor_crc24 (ARMOR_CRC_INIT, buf, cut),
                                     buf + cut, 70000 - cut),
                        crc24_bitwise (ARMOR_CRC_INIT, buf, 70000));
    }
  free (buf);
}

static void
test_vectors_decode_to_gpg_dearmor_output (void **state)
{
  unsigned int i;
  static const size_t chunks[] = { 0, 1, 7, 64, 65, 4096 };

  (void)state;
  for (i = 0; i < sizeof vectors / sizeof *vectors; i++)
    {
      unsigned char *asc, *bin, *out;
      size_t asclen, binlen, outlen, c;
      char name[256];
      enum armor_type type;

      asc = read_data (vectors[i].asc, &asclen);
      snprintf (name, sizeof name, "dearmor/%s.bin", vectors[i].bin);
      bin = read_data (name, &binlen);
      for (c = 0; c < sizeof chunks / sizeof *chunks; c++)
        {
          gpg_error_t err = decode_chunked (asc, asclen, chunks[c], &out,
                                            &outlen, &type);

          if (err)
            fail_msg ("%s (chunk %zu): %s", vectors[i].asc, chunks[c],
                      gpg_strerror (err));
          assert_int_equal (type, vectors[i].type);
          assert_int_equal (outlen, binlen);
          assert_memory_equal (out, bin, binlen);
          free (out);
        }
      free (asc);
      free (bin);
    }
}

static void
test_reencoding_vectors_reproduces_them_byte_for_byte (void **state)
{
  unsigned int i;

  (void)state;
  /* gpg and Sequoia both write 64 columns and a CRC; Sequoia adds
   * Comment headers, which we do not write.  */
  for (i = 0; i < sizeof vectors / sizeof *vectors; i++)
    {
      unsigned char *asc, *bin;
      size_t asclen, binlen, outlen;
      char name[256], *out, *hdr, *blank;

      asc = read_data (vectors[i].asc, &asclen);
      hdr = strchr ((char *)asc, '\n') + 1;
      blank = strstr ((char *)asc, "\n\n") + 1;
      memmove (hdr, blank, asclen + 1 - (blank - (char *)asc));
      asclen -= blank - hdr;
      snprintf (name, sizeof name, "dearmor/%s.bin", vectors[i].bin);
      bin = read_data (name, &binlen);
      out = encode_chunked (vectors[i].type, bin, binlen, 100, &outlen);
      if (outlen != asclen || memcmp (out, asc, asclen))
        fail_msg ("%s differs:\n%s", vectors[i].asc, out);
      free (out);
      free (asc);
      free (bin);
    }
}

static void
test_round_trip_at_many_lengths_and_chunkings (void **state)
{
  static const size_t extra[] = { 1000, 4095, 4096, 65536 + 7, 1 << 20 };
  unsigned char *data = malloc (1 << 20);
  size_t len;
  unsigned int i;

  (void)state;
  assert_non_null (data);
  srand (7);
  fill_random (data, 1 << 20);
  for (i = 0; i < 200 + sizeof extra / sizeof *extra; i++)
    {
      char *asc;
      unsigned char *out;
      size_t asclen, outlen, echunk, dchunk;
      gpg_error_t err;
      enum armor_type type;

      len = i < 200 ? i : extra[i - 200];
      echunk = 1 + rand () % 97;
      dchunk = 1 + rand () % 131;
      if (len > 4096)
        {
          echunk = 65536;
          dchunk = 65536 - 3;
        }
      asc = encode_chunked (ARMOR_MESSAGE, data, len, echunk, &asclen);
      err = decode_chunked (asc, asclen, dchunk, &out, &outlen, &type);
      if (err)
        fail_msg ("length %zu: %s", len, gpg_strerror (err));
      assert_int_equal (type, ARMOR_MESSAGE);
      assert_int_equal (outlen, len);
      assert_memory_equal (out, data, len);
      free (out);
      free (asc);
    }
  free (data);
}

static void
test_encoder_output_layout (void **state)
{
  unsigned char data[100];
  char *asc, *line, *save = NULL;
  size_t asclen;
  int n = 0;

  (void)state;
  memset (data, 0xff, sizeof data);
  asc = encode_chunked (ARMOR_SIGNATURE, data, sizeof data, 0, &asclen);
  /* 100 bytes: 136 characters (33 groups and a padded one) in lines
   * of 64, 64, 8.  */
  for (line = strtok_r (asc, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save), n++)
    switch (n)
      {
      case 0: assert_string_equal (line, "-----BEGIN PGP SIGNATURE-----");
        break;
      case 1: case 2: assert_int_equal (strlen (line), 64); break;
      case 3: assert_string_equal (line, "/////w=="); break;
      case 4: assert_int_equal (strlen (line), 5); assert_int_equal (*line, '=');
        break;
      case 5: assert_string_equal (line, "-----END PGP SIGNATURE-----"); break;
      default: fail ();
      }
  assert_int_equal (n, 6);
  free (asc);
}

static void
test_empty_input_encodes_and_decodes (void **state)
{
  size_t asclen, outlen;
  char *asc = encode_chunked (ARMOR_PUBKEY, "", 0, 0, &asclen);
  unsigned char *out;

  (void)state;
  assert_string_equal (asc, "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n"
                       "=twTO\n-----END PGP PUBLIC KEY BLOCK-----\n");
  assert_int_equal (decode_str (asc, &out, &outlen), 0);
  assert_int_equal (outlen, 0);
  free (out);
  free (asc);
}

static void
test_gpg_accepts_our_armor (void **state)
{
  char dir[] = "/tmp/ta.XXXXXX";
  char cmd[1024], path[600];
  unsigned char *bin, *back;
  size_t binlen, asclen, backlen;
  char *asc;
  FILE *fp;
  int rc;

  (void)state;
  if (system ("gpg --version >/dev/null 2>&1"))
    skip ();
  bin = read_data ("messages/gpg-enc-to-alice.gpg", &binlen);
  asc = encode_chunked (ARMOR_MESSAGE, bin, binlen, 0, &asclen);
  assert_non_null (mkdtemp (dir));
  snprintf (path, sizeof path, "%s/m.asc", dir);
  fp = fopen (path, "wb");
  assert_non_null (fp);
  assert_int_equal (fwrite (asc, 1, asclen, fp), asclen);
  fclose (fp);
  /* --dearmor needs no keys and starts no agent.  */
  snprintf (cmd, sizeof cmd,
            "gpg --homedir %s --batch --no-options --dearmor"
            " < %s/m.asc > %s/m.bin 2>/dev/null", dir, dir, dir);
  rc = system (cmd);
  snprintf (path, sizeof path, "%s/m.bin", dir);
  back = read_file (path, &backlen);
  snprintf (cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal (system (cmd), 0);
  assert_int_equal (rc, 0);
  assert_int_equal (backlen, binlen);
  assert_memory_equal (back, bin, binlen);
  free (back);
  free (asc);
  free (bin);
}

static void
test_crlf_headers_leading_text_and_white_space_are_accepted (void **state)
{
  unsigned char *asc, *bin, *out;
  size_t asclen, binlen, outlen, i;
  char *edited, *o;
  enum armor_type type;

  (void)state;
  asc = read_data ("messages/gpg-enc-to-alice.asc", &asclen);
  bin = read_data ("dearmor/gpg-enc-to-alice.bin", &binlen);
  edited = malloc (asclen * 3 + 512);
  assert_non_null (edited);
  o = edited;
  o += sprintf (o, "From: someone\r\n\r\nPlease find attached:\r\n"
                "-----BEGIN PGP MESSAGE-----\r\nVersion: Foo 1.0\r\n"
                "Comment: a: b\r\nHash: SHA256\r\nCharset: UTF-8\r\n");
  /* The rest (blank line, body, END) with CRLF and trailing blanks.  */
  for (i = strchr ((char *)asc, '\n') - (char *)asc + 1; i < asclen; i++)
    {
      if (asc[i] == '\n')
        o += sprintf (o, " \t\r");
      *o++ = asc[i];
    }
  o += sprintf (o, "trailing text\r\n");
  assert_int_equal (decode_chunked (edited, o - edited, 3, &out, &outlen,
                                    &type), 0);
  assert_int_equal (type, ARMOR_MESSAGE);
  assert_int_equal (outlen, binlen);
  assert_memory_equal (out, bin, binlen);
  free (out);
  free (edited);
  free (asc);
  free (bin);
}

static void
test_checksum_is_optional_but_verified (void **state)
{
  armor_decoder_t dec;
  unsigned char out[16];
  size_t outlen;
  static const char with[] =
    "-----BEGIN PGP MESSAGE-----\n\nAQID\n=Z2GT\n-----END PGP MESSAGE-----\n"
    "after";

  (void)state;
  assert_decodes_to ("-----BEGIN PGP MESSAGE-----\n\nYWJj\n"
                     "-----END PGP MESSAGE-----\n", "abc");
  assert_int_equal (armor_decoder_new (&dec), 0);
  assert_int_equal (armor_decode (dec, with, sizeof with - 1, out, &outlen),
                    0);
  assert_int_equal (armor_decode_finish (dec), 0);
  assert_int_equal (outlen, 3);
  assert_true (armor_decoder_had_checksum (dec));
  assert_int_equal (armor_decoder_trailing (dec), 5);
  armor_decoder_release (dec);

  assert_decodes_to ("-----BEGIN PGP MESSAGE-----\n\nYWJj\n=uhx7\n"
                     "-----END PGP MESSAGE-----\n", "abc");
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\n\nAQID\n=Z2GU\n"
                     "-----END PGP MESSAGE-----\n", GPG_ERR_CHECKSUM);
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\n\nAQID\n=Z2G\n"
                     "-----END PGP MESSAGE-----\n", GPG_ERR_INV_ARMOR);
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\n\nAQID\n=Z2G*\n"
                     "-----END PGP MESSAGE-----\n", GPG_ERR_INV_ARMOR);
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\n\nAQID\n=Z2GT\n=Z2GT\n"
                     "-----END PGP MESSAGE-----\n", GPG_ERR_INV_ARMOR);
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\n\nAQID\n=Z2GT\nAQID\n"
                     "-----END PGP MESSAGE-----\n", GPG_ERR_INV_ARMOR);
}

static void
test_bad_crc_in_a_real_vector_is_detected (void **state)
{
  unsigned char *asc, *out;
  size_t asclen, outlen;
  char *crc;

  (void)state;
  asc = read_data ("keys/bob.pub.asc", &asclen);
  crc = strstr ((char *)asc, "\n=");
  assert_non_null (crc);
  crc[2] = crc[2] == 'A' ? 'B' : 'A';
  assert_int_equal (gpg_err_code (decode_chunked (asc, asclen, 0, &out,
                                                  &outlen, NULL)),
                    GPG_ERR_CHECKSUM);
  free (out);
  free (asc);
  /* A changed data character is caught by the CRC too.  */
  asc = read_data ("keys/bob.pub.asc", &asclen);
  asc[200] = asc[200] == 'A' ? 'B' : 'A';
  assert_int_equal (gpg_err_code (decode_chunked (asc, asclen, 0, &out,
                                                  &outlen, NULL)),
                    GPG_ERR_CHECKSUM);
  free (out);
  free (asc);
}

static void
test_missing_end_line_is_truncated (void **state)
{
  unsigned char *asc, *out;
  size_t asclen, outlen;

  (void)state;
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\n\nYWJj\n=TmMV\n",
                     GPG_ERR_TRUNCATED);
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\n\nYWJj\n",
                     GPG_ERR_TRUNCATED);
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\n\n", GPG_ERR_TRUNCATED);
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\nVersion: x\n",
                     GPG_ERR_TRUNCATED);
  assert_decode_err ("-----BEGIN PGP MESSAGE-----", GPG_ERR_TRUNCATED);
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\n\nYWJj\n-----END PGP MES",
                     GPG_ERR_INV_ARMOR);
  /* The END line without its line end is complete.  */
  assert_decodes_to ("-----BEGIN PGP MESSAGE-----\n\nYWJj\n"
                     "-----END PGP MESSAGE-----", "abc");

  /* A real vector cut anywhere in the middle.  */
  asc = read_data ("messages/sqop-enc-to-alice.asc", &asclen);
  assert_int_equal (gpg_err_code (decode_chunked (asc, asclen / 2, 0, &out,
                                                  &outlen, NULL)),
                    GPG_ERR_TRUNCATED);
  free (out);
  free (asc);
}

static void
test_no_begin_line_is_no_data (void **state)
{
  char *big;

  (void)state;
  assert_decode_err ("", GPG_ERR_NO_DATA);
  assert_decode_err ("just text\nno armor\n", GPG_ERR_NO_DATA);
  assert_decode_err ("-----BEGIN CERTIFICATE-----\nMIIB\n", GPG_ERR_NO_DATA);
  assert_decode_err (" -----BEGIN PGP MESSAGE-----\n\nYWJj\n"
                     "-----END PGP MESSAGE-----\n", GPG_ERR_NO_DATA);
  /* Text before BEGIN is bounded.  */
  big = malloc (ARMOR_MAX_LEADING + 100);
  assert_non_null (big);
  memset (big, 'x', ARMOR_MAX_LEADING + 10);
  strcpy (big + ARMOR_MAX_LEADING + 10, "\n-----BEGIN PGP MESSAGE-----\n");
  assert_decode_err (big, GPG_ERR_NO_DATA);
  free (big);
}

static void
test_garbage_in_body_is_invalid_armor (void **state)
{
  static const char *bodies[] = {
    "YW*j\n", "YWJj.\n", "YWJj\n\001\n", "ÿWJj\n", "YW-j\n", "Y\n",
    "YWJj=\n", "YQ=x\n", "YQ===\n", "YQ==YWJj\n", "YQ==\nYWJj\n",
    " =TmMV\n"
  };
  char buf[256];
  unsigned int i;

  (void)state;
  for (i = 0; i < sizeof bodies / sizeof *bodies; i++)
    {
      snprintf (buf, sizeof buf, "-----BEGIN PGP MESSAGE-----\n\n%s"
                "-----END PGP MESSAGE-----\n", bodies[i]);
      assert_decode_err (buf, GPG_ERR_INV_ARMOR);
    }
  /* A NUL byte.  */
  {
    static const char nul[] = "-----BEGIN PGP MESSAGE-----\n\nYW\0j\n"
      "-----END PGP MESSAGE-----\n";
    unsigned char *out;
    size_t outlen;

    assert_int_equal (gpg_err_code (decode_chunked (nul, sizeof nul - 1, 0,
                                                    &out, &outlen, NULL)),
                      GPG_ERR_INV_ARMOR);
    free (out);
  }
}

static void
test_padding_rules (void **state)
{
  (void)state;
  assert_decodes_to ("-----BEGIN PGP MESSAGE-----\n\nYQ==\n"
                     "-----END PGP MESSAGE-----\n", "a");
  assert_decodes_to ("-----BEGIN PGP MESSAGE-----\n\nYWI=\n"
                     "-----END PGP MESSAGE-----\n", "ab");
  /* Padding split over lines, groups split over lines.  */
  assert_decodes_to ("-----BEGIN PGP MESSAGE-----\n\nYQ=\n=\n"
                     "-----END PGP MESSAGE-----\n", "a");
  assert_decodes_to ("-----BEGIN PGP MESSAGE-----\n\nYW\nJj\nYWJ\nj\n"
                     "-----END PGP MESSAGE-----\n", "abcabc");
  /* Missing padding is tolerated, a lone character is not.  */
  assert_decodes_to ("-----BEGIN PGP MESSAGE-----\n\nYWI\n"
                     "-----END PGP MESSAGE-----\n", "ab");
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\n\nYWJjY\n"
                     "-----END PGP MESSAGE-----\n", GPG_ERR_INV_ARMOR);
  /* Blank lines inside the body are skipped.  */
  assert_decodes_to ("-----BEGIN PGP MESSAGE-----\n\nYWJj\n\n  \nYWJj\n"
                     "-----END PGP MESSAGE-----\n", "abcabc");
}

static void
test_overlong_lines_are_refused (void **state)
{
  char buf[1024], line[300];

  (void)state;
  /* 76 characters (RFC 4880's limit) and 96 with trailing blanks: ok.  */
  memset (line, 'Q', 76);
  strcpy (line + 76, "\n");
  snprintf (buf, sizeof buf, "-----BEGIN PGP MESSAGE-----\n\n%s"
            "-----END PGP MESSAGE-----\n", line);
  assert_decode_ok_len (buf, 57);
  memset (line + 76, ' ', 19);
  strcpy (line + 95, "\r\n");
  snprintf (buf, sizeof buf, "-----BEGIN PGP MESSAGE-----\n\n%s"
            "-----END PGP MESSAGE-----\n", line);
  assert_decode_ok_len (buf, 57);
  /* 100 characters: refused, whether in one push or many.  */
  memset (line, 'Q', 100);
  strcpy (line + 100, "\n");
  snprintf (buf, sizeof buf, "-----BEGIN PGP MESSAGE-----\n\n%s"
            "-----END PGP MESSAGE-----\n", line);
  assert_decode_err (buf, GPG_ERR_INV_ARMOR);
  {
    unsigned char *out;
    size_t outlen;

    assert_int_equal (gpg_err_code (decode_chunked (buf, strlen (buf), 5,
                                                    &out, &outlen, NULL)),
                      GPG_ERR_INV_ARMOR);
    free (out);
  }
  /* An endless line without any line end.  */
  {
    size_t n = 1 << 20;
    char *big = malloc (n + 64);
    unsigned char *out;
    size_t outlen;

    assert_non_null (big);
    strcpy (big, "-----BEGIN PGP MESSAGE-----\n\n");
    memset (big + 29, 'Q', n);
    assert_int_equal (gpg_err_code (decode_chunked (big, n + 29, 4096, &out,
                                                    &outlen, NULL)),
                      GPG_ERR_INV_ARMOR);
    assert_true (outlen <= 96);
    free (out);
    free (big);
  }
}

static void
test_header_and_end_line_rules (void **state)
{
  (void)state;
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\nno colon here\n\nYWJj\n"
                     "-----END PGP MESSAGE-----\n", GPG_ERR_INV_ARMOR);
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\nYWJj\n"
                     "-----END PGP MESSAGE-----\n", GPG_ERR_INV_ARMOR);
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\n\nYWJj\n"
                     "-----END PGP SIGNATURE-----\n", GPG_ERR_INV_ARMOR);
  assert_decode_err ("-----BEGIN PGP MESSAGE-----\n\nYWJj\n"
                     "-----END PGP MESSAGE----- x\n", GPG_ERR_INV_ARMOR);
  assert_decode_err ("-----BEGIN PGP STUFF-----\n\nYWJj\n"
                     "-----END PGP STUFF-----\n", GPG_ERR_INV_ARMOR);
  assert_decodes_to ("-----BEGIN PGP MESSAGE-----  \r\nComment:\n\nYWJj\n"
                     "-----END PGP MESSAGE-----\t\r\n", "abc");
}

static void
test_cleartext_and_multipart_are_recognized_not_decoded (void **state)
{
  unsigned char *asc, *out;
  size_t asclen, outlen;
  enum armor_type type;

  (void)state;
  asc = read_data ("messages/gpg-alice-clearsigned.asc", &asclen);
  assert_int_equal (gpg_err_code (decode_chunked (asc, asclen, 0, &out,
                                                  &outlen, &type)),
                    GPG_ERR_NOT_SUPPORTED);
  assert_int_equal (type, ARMOR_CLEARTEXT);
  assert_int_equal (outlen, 0);
  free (out);
  free (asc);
  assert_decode_err ("-----BEGIN PGP MESSAGE, PART 1/2-----\n\nYWJj\n",
                     GPG_ERR_NOT_SUPPORTED);
}

static void
test_errors_are_sticky (void **state)
{
  armor_decoder_t dec;
  unsigned char out[64];
  size_t outlen;
  static const char bad[] = "-----BEGIN PGP MESSAGE-----\n\nYW*j\n";
  static const char good[] = "YWJj\n-----END PGP MESSAGE-----\n";

  (void)state;
  assert_int_equal (armor_decoder_new (&dec), 0);
  assert_int_equal (gpg_err_code (armor_decode (dec, bad, sizeof bad - 1,
                                                out, &outlen)),
                    GPG_ERR_INV_ARMOR);
  assert_int_equal (gpg_err_code (armor_decode (dec, good, sizeof good - 1,
                                                out, &outlen)),
                    GPG_ERR_INV_ARMOR);
  assert_int_equal (outlen, 0);
  assert_int_equal (gpg_err_code (armor_decode_finish (dec)),
                    GPG_ERR_INV_ARMOR);
  armor_decoder_release (dec);
}

static void
test_mutated_armor_stays_in_bounds (void **state)
{
  static const char alphabet[] =
    "ABCz09+/=-\r\n \t*\x80:";
  unsigned char *asc, *copy, *out;
  size_t asclen, outlen;
  unsigned int i;

  (void)state;
  srand (5);
  asc = read_data ("messages/sqop-carol-signed-enc-to-alice.asc", &asclen);
  for (i = 0; i < 3000; i++)
    {
      size_t len = 1 + rand () % asclen;
      int k;

      /* Exactly sized so that memcheck sees overreads.  */
      copy = malloc (len);
      assert_non_null (copy);
      memcpy (copy, asc, len);
      for (k = rand () % 3; k >= 0; k--)
        copy[rand () % len] = alphabet[rand () % (sizeof alphabet - 1)];
      decode_chunked (copy, len, 1 + rand () % 200, &out, &outlen, NULL);
      assert_true (outlen <= armor_decode_bound (len));
      free (out);
      free (copy);
    }
  free (asc);
}

/* Straightforward reference armor body: base64 a character at a time,
 * 64 columns, bitwise CRC-24 line.  */
static size_t
reference_body (const unsigned char *in, size_t len, char *out)
{
  static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned long crc = 0xB704CE, v;
  size_t i, o = 0, col = 0;
  int b;

  for (i = 0; i < len; i += 3)
    {
      size_t n = len - i < 3 ? len - i : 3;
      int k;

      v = (unsigned long)in[i] << 16;
      if (n > 1)
        v |= (unsigned long)in[i + 1] << 8;
      if (n > 2)
        v |= in[i + 2];
      for (k = 0; k < 4; k++)
        out[o++] = (size_t)k <= n ? b64[(v >> (18 - 6 * k)) & 63] : '=';
      if ((col += 4) == 64)
        {
          out[o++] = '\n';
          col = 0;
        }
    }
  if (col)
    out[o++] = '\n';
  for (i = 0; i < len; i++)
    {
      crc ^= (unsigned long)in[i] << 16;
      for (b = 0; b < 8; b++)
        {
          crc <<= 1;
          if (crc & 0x1000000)
            crc ^= 0x1864CFB;
        }
    }
  out[o++] = '=';
  out[o++] = b64[(crc >> 18) & 63];
  out[o++] = b64[(crc >> 12) & 63];
  out[o++] = b64[(crc >> 6) & 63];
  out[o++] = b64[crc & 63];
  out[o++] = '\n';
  return o;
}

static void
test_table_encoder_matches_reference_at_many_lengths (void **state)
{
  static const char head[] = "-----BEGIN PGP MESSAGE-----\n\n";
  static const char tail[] = "-----END PGP MESSAGE-----\n";
  unsigned char in[700];
  char want[1200];
  size_t len, chunk, outlen, n;

  (void)state;
  fill_random (in, sizeof in);
  for (len = 0; len < sizeof in; len += len < 200 ? 1 : 37)
    for (chunk = 1; chunk <= 97; chunk += chunk < 8 ? 1 : 22)
      {
        char *out = encode_chunked (ARMOR_MESSAGE, in, len, chunk, &outlen);

        n = reference_body (in, len, want);
        assert_int_equal (outlen, strlen (head) + n + strlen (tail));
        assert_memory_equal (out, head, strlen (head));
        assert_memory_equal (out + strlen (head), want, n);
        assert_memory_equal (out + strlen (head) + n, tail, strlen (tail));
        free (out);
      }
}

/* Armor of IN with CRLF line ends if CRLF.  */
static char *
armor_with_line_ends (const unsigned char *in, size_t len, int crlf,
                      size_t *r_len)
{
  size_t n, i, o = 0;
  char *lf = encode_chunked (ARMOR_MESSAGE, in, len, 0, &n);
  char *out = malloc (2 * n + 1);

  assert_non_null (out);
  for (i = 0; i < n; i++)
    {
      if (crlf && lf[i] == '\n')
        out[o++] = '\r';
      out[o++] = lf[i];
    }
  out[o] = 0;
  free (lf);
  *r_len = o;
  return out;
}

static void
test_full_lines_decode_split_at_every_position_lf_and_crlf (void **state)
{
  unsigned char in[48 * 5 + 7];
  int crlf;

  (void)state;
  fill_random (in, sizeof in);
  for (crlf = 0; crlf < 2; crlf++)
    {
      size_t alen, chunk;
      char *arm = armor_with_line_ends (in, sizeof in, crlf, &alen);

      for (chunk = 1; chunk <= alen; chunk++)
        {
          unsigned char *out;
          size_t outlen;
          gpg_error_t err = decode_chunked (arm, alen, chunk, &out, &outlen,
                                            NULL);

          if (err)
            fail_msg ("crlf %d chunk %zu: %s", crlf, chunk,
                      gpg_strerror (err));
          assert_int_equal (outlen, sizeof in);
          assert_memory_equal (out, in, sizeof in);
          free (out);
        }
      free (arm);
    }
}

static void
test_full_line_errors_keep_their_reasons (void **state)
{
  unsigned char in[48 * 4];
  size_t alen, body, col;
  char *arm;
  int crlf;

  (void)state;
  fill_random (in, sizeof in);
  for (crlf = 0; crlf < 2; crlf++)
    {
      arm = armor_with_line_ends (in, sizeof in, crlf, &alen);
      body = strlen ("-----BEGIN PGP MESSAGE-----\n\n") + 2 * crlf;
      /* A bad character anywhere in the second full line.  */
      for (col = 0; col < 64; col++)
        {
          char *bad = strdup (arm);
          size_t pos = body + (64 + 1 + crlf) + col;
          armor_decoder_t dec;
          unsigned char *out = malloc (armor_decode_bound (alen));
          size_t outlen;

          assert_non_null (bad);
          bad[pos] = '*';
          assert_int_equal (armor_decoder_new (&dec), 0);
          assert_int_equal (gpg_err_code (armor_decode (dec, bad, alen, out,
                                                        &outlen)),
                            GPG_ERR_INV_ARMOR);
          assert_string_equal (armor_decoder_reason (dec),
                               "a character that is not base64");
          assert_int_equal (armor_decoder_line (dec), 4);
          assert_true (outlen <= 48 + 3 * (col / 4));
          armor_decoder_release (dec);
          free (out);
          free (bad);
        }
      /* A wrong CRC after full lines.  */
      {
        char *bad = strdup (arm);
        char *eq = strstr (bad, "\n=");
        unsigned char *out;
        size_t outlen;

        assert_non_null (eq);
        eq[2] = eq[2] == 'A' ? 'B' : 'A';
        assert_int_equal (gpg_err_code (decode_chunked (bad, alen, 0, &out,
                                                        &outlen, NULL)),
                          GPG_ERR_CHECKSUM);
        free (out);
        free (bad);
      }
      free (arm);
    }
}

static void
test_encoder_refuses_bad_use (void **state)
{
  armor_encoder_t enc;
  char out[256];
  size_t outlen;

  (void)state;
  assert_int_equal (gpg_err_code (armor_encoder_new (&enc, ARMOR_NONE)),
                    GPG_ERR_INV_VALUE);
  assert_null (enc);
  assert_int_equal (gpg_err_code (armor_encoder_new (&enc, ARMOR_CLEARTEXT)),
                    GPG_ERR_INV_VALUE);
  assert_int_equal (armor_encoder_new (&enc, ARMOR_MESSAGE), 0);
  assert_int_equal (armor_encode_finish (enc, out, &outlen), 0);
  assert_int_equal (gpg_err_code (armor_encode (enc, "x", 1, out, &outlen)),
                    GPG_ERR_INV_STATE);
  assert_int_equal (gpg_err_code (armor_encode_finish (enc, out, &outlen)),
                    GPG_ERR_INV_STATE);
  armor_encoder_release (enc);
  assert_null (armor_type_label (ARMOR_NONE));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_crc24_matches_rfc_check_value),
    cmocka_unit_test (test_crc24_long_buffers_match_bitwise),
    cmocka_unit_test (test_vectors_decode_to_gpg_dearmor_output),
    cmocka_unit_test (test_reencoding_vectors_reproduces_them_byte_for_byte),
    cmocka_unit_test (test_round_trip_at_many_lengths_and_chunkings),
    cmocka_unit_test (test_table_encoder_matches_reference_at_many_lengths),
    cmocka_unit_test (test_full_lines_decode_split_at_every_position_lf_and_crlf),
    cmocka_unit_test (test_full_line_errors_keep_their_reasons),
    cmocka_unit_test (test_encoder_output_layout),
    cmocka_unit_test (test_empty_input_encodes_and_decodes),
    cmocka_unit_test (test_gpg_accepts_our_armor),
    cmocka_unit_test (test_crlf_headers_leading_text_and_white_space_are_accepted),
    cmocka_unit_test (test_checksum_is_optional_but_verified),
    cmocka_unit_test (test_bad_crc_in_a_real_vector_is_detected),
    cmocka_unit_test (test_missing_end_line_is_truncated),
    cmocka_unit_test (test_no_begin_line_is_no_data),
    cmocka_unit_test (test_garbage_in_body_is_invalid_armor),
    cmocka_unit_test (test_padding_rules),
    cmocka_unit_test (test_overlong_lines_are_refused),
    cmocka_unit_test (test_header_and_end_line_rules),
    cmocka_unit_test (test_cleartext_and_multipart_are_recognized_not_decoded),
    cmocka_unit_test (test_errors_are_sticky),
    cmocka_unit_test (test_mutated_armor_stays_in_bounds),
    cmocka_unit_test (test_encoder_refuses_bad_use),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
