/* t-packet.c - the packet peek on vectors, hand-built packets and
 * garbage.  */
#include <config.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "packet.h"

static unsigned char *
read_data (const char *name, size_t *r_len)
{
  char path[512];
  FILE *fp;
  unsigned char *buf;
  long size;

  snprintf (path, sizeof path, "%s/gpg/%s", TEST_DATA_DIR, name);
  fp = fopen (path, "rb");
  if (!fp)
    fail_msg ("cannot open %s", path);
  assert_int_equal (fseek (fp, 0, SEEK_END), 0);
  size = ftell (fp);
  rewind (fp);
  buf = malloc (size ? size : 1);
  assert_non_null (buf);
  assert_int_equal (fread (buf, 1, size, fp), (size_t)size);
  fclose (fp);
  *r_len = size;
  return buf;
}

static void
peek (const void *buf, size_t len, int eof, struct packet_peek *info)
{
  assert_int_equal (packet_peek (buf, len, eof, info), 0);
}

static void
peek_file (const char *name, struct packet_peek *info)
{
  size_t len;
  unsigned char *buf = read_data (name, &len);

  peek (buf, len, 1, info);
  free (buf);
}

/* The tags of the listed packets, e.g. "1,18".  */
static void
assert_tags (const struct packet_peek *info, const char *want)
{
  char got[512];
  size_t n = 0;
  unsigned int i;

  got[0] = 0;
  for (i = 0; i < info->npackets && n < sizeof got - 8; i++)
    n += snprintf (got + n, sizeof got - n, "%s%d", i ? "," : "",
                   info->packets[i].tag);
  assert_string_equal (got, want);
}

static void
assert_kind (const struct packet_peek *info, enum packet_kind kind)
{
  if (info->kind != kind)
    fail_msg ("kind %s, want %s", packet_kind_name (info->kind),
              packet_kind_name (kind));
}


/* The vectors.  */

static void
test_encrypted_vectors (void **state)
{
  struct packet_peek info;

  (void)state;
  peek_file ("messages/gpg-enc-to-alice.gpg", &info);
  assert_int_equal (info.format, PACKET_FMT_BINARY);
  assert_kind (&info, PACKET_KIND_ENCRYPTED);
  assert_tags (&info, "1,18");
  assert_int_equal (info.npkesk, 1);
  assert_int_equal (info.pkesk[0].version, 3);
  assert_int_equal (info.pkesk[0].algo, 18);
  assert_string_equal (info.pkesk[0].keyid, "CE550E566E04080B");
  assert_int_equal (info.container, PACKET_CONT_SEIPD1);
  assert_false (info.unsupported);
  assert_false (info.truncated);
  assert_false (info.malformed);
  assert_true (info.packets[1].complete);
  assert_int_equal (info.packets[1].version, 1);

  peek_file ("messages/gpg-enc-to-alice.asc", &info);
  assert_int_equal (info.format, PACKET_FMT_ARMORED);
  assert_int_equal (info.armor, ARMOR_MESSAGE);
  assert_int_equal (info.armor_err, 0);
  assert_kind (&info, PACKET_KIND_ENCRYPTED);
  assert_tags (&info, "1,18");
  assert_string_equal (info.pkesk[0].keyid, "CE550E566E04080B");

  peek_file ("messages/gpg-enc-to-bob-and-alice.gpg", &info);
  assert_tags (&info, "1,1,18");
  assert_int_equal (info.npkesk, 2);
  assert_string_equal (info.pkesk[0].keyid, "474167794C894B1B");
  assert_int_equal (info.pkesk[0].algo, 1);
  assert_string_equal (info.pkesk[1].keyid, "CE550E566E04080B");

  peek_file ("messages/gpg-bob-signed-enc-to-alice.gpg", &info);
  assert_kind (&info, PACKET_KIND_ENCRYPTED);

  peek_file ("messages/gpg-symmetric-correct-horse.gpg", &info);
  assert_kind (&info, PACKET_KIND_ENCRYPTED);
  assert_tags (&info, "3,18");
  assert_int_equal (info.npkesk, 0);
  assert_int_equal (info.nskesk, 1);
  assert_int_equal (info.skesk[0].version, 4);
  assert_int_equal (info.skesk[0].algo, 9);
  assert_int_equal (info.container, PACKET_CONT_SEIPD1);

  peek_file ("messages/sqop-enc-to-alice.asc", &info);
  assert_kind (&info, PACKET_KIND_ENCRYPTED);
  assert_tags (&info, "1,18");
  assert_false (info.unsupported);

  peek_file ("messages/sqop-carol-signed-enc-to-alice.asc", &info);
  assert_kind (&info, PACKET_KIND_ENCRYPTED);

  peek_file ("messages/gen-legacy-sed-cast5.gpg", &info);
  assert_kind (&info, PACKET_KIND_ENCRYPTED);
  assert_tags (&info, "3,9");
  assert_int_equal (info.container, PACKET_CONT_SED);
  assert_int_equal (info.skesk[0].algo, 3);

  /* Tampering inside does not change the structure.  */
  peek_file ("messages/tampered-enc-to-alice.gpg", &info);
  assert_kind (&info, PACKET_KIND_ENCRYPTED);
  assert_false (info.malformed);
}

static void
test_truncated_vector_is_truncated_only_at_eof (void **state)
{
  struct packet_peek info;
  size_t len;
  unsigned char *buf = read_data ("messages/truncated-enc-to-alice.gpg", &len);

  (void)state;
  /* As a prefix of a longer input: fine so far.  */
  peek (buf, len, 0, &info);
  assert_kind (&info, PACKET_KIND_ENCRYPTED);
  assert_true (info.truncated);
  assert_false (info.malformed);
  assert_false (info.packets[info.npackets - 1].complete);
  /* As the whole input: broken.  */
  peek (buf, len, 1, &info);
  assert_true (info.truncated);
  assert_true (info.malformed);
  free (buf);
}

static void
test_signed_vectors (void **state)
{
  struct packet_peek info;

  (void)state;
  /* gpg compresses: the one-pass signature is inside.  */
  peek_file ("messages/gpg-alice-signed.gpg", &info);
  assert_kind (&info, PACKET_KIND_COMPRESSED);
  assert_tags (&info, "8");
  assert_true (info.packets[0].indeterminate);
  assert_true (info.packets[0].complete);
  assert_int_equal (info.compress_algo, 1);

  peek_file ("messages/gen-alice-signed-z0.gpg", &info);
  assert_kind (&info, PACKET_KIND_SIGNED);
  assert_tags (&info, "4,11,2");
  assert_int_equal (info.nonepass, 1);
  assert_int_equal (info.nsigs, 1);
  assert_true (info.literal);
  assert_int_equal (info.packets[0].version, 3);
  assert_int_equal (info.packets[2].version, 4);

  peek_file ("messages/sqop-carol-inline-signed.asc", &info);
  assert_int_equal (info.format, PACKET_FMT_ARMORED);
  assert_kind (&info, PACKET_KIND_SIGNED);
  assert_tags (&info, "4,11,2");

  peek_file ("messages/gpg-alice-detached.asc", &info);
  assert_int_equal (info.armor, ARMOR_SIGNATURE);
  assert_kind (&info, PACKET_KIND_SIGNATURE);
  assert_tags (&info, "2");

  peek_file ("messages/sqop-carol-detached.asc", &info);
  assert_kind (&info, PACKET_KIND_SIGNATURE);

  peek_file ("messages/gen-good-bad-detached.sig", &info);
  assert_kind (&info, PACKET_KIND_SIGNATURE);
  assert_tags (&info, "2,2");
  assert_int_equal (info.nsigs, 2);

  peek_file ("messages/gpg-alice-clearsigned.asc", &info);
  assert_int_equal (info.format, PACKET_FMT_ARMORED);
  assert_int_equal (info.armor, ARMOR_CLEARTEXT);
  assert_kind (&info, PACKET_KIND_CLEARTEXT);
  assert_int_equal (info.npackets, 0);

  peek_file ("messages/sqop-carol-clearsigned.asc", &info);
  assert_kind (&info, PACKET_KIND_CLEARTEXT);
}

static void
test_key_vectors (void **state)
{
  static const char *pub[] = { "alice", "bob", "carol", "expired", "revoked",
                               "signonly" };
  struct packet_peek info;
  char name[128];
  unsigned int i;

  (void)state;
  for (i = 0; i < sizeof pub / sizeof *pub; i++)
    {
      snprintf (name, sizeof name, "keys/%s.pub.asc", pub[i]);
      peek_file (name, &info);
      assert_int_equal (info.armor, ARMOR_PUBKEY);
      assert_kind (&info, PACKET_KIND_PUBKEY);
      assert_int_equal (info.key_version, 4);
      assert_int_equal (info.packets[0].tag, PKT_PUBLIC_KEY);
      assert_false (info.unsupported);
      assert_false (info.truncated);

      snprintf (name, sizeof name, "keys/%s.sec.asc", pub[i]);
      peek_file (name, &info);
      assert_int_equal (info.armor, ARMOR_SECKEY);
      assert_kind (&info, PACKET_KIND_SECKEY);

      snprintf (name, sizeof name, "dearmor/%s.pub.bin", pub[i]);
      peek_file (name, &info);
      assert_int_equal (info.format, PACKET_FMT_BINARY);
      assert_kind (&info, PACKET_KIND_PUBKEY);
    }
  peek_file ("keys/alice.pub.asc", &info);
  assert_tags (&info, "6,13,2,14,2");
}

static void
test_plain_data_is_not_openpgp (void **state)
{
  struct packet_peek info;
  static const unsigned char latin1[] = "\xc4pfel und Birnen\n";

  (void)state;
  peek_file ("messages/invoice.xml", &info);
  assert_int_equal (info.format, PACKET_FMT_NONE);
  assert_kind (&info, PACKET_KIND_NONE);
  peek ("", 0, 1, &info);
  assert_int_equal (info.format, PACKET_FMT_NONE);
  /* High bit, plausible tag (one-pass signature), wrong version.  */
  peek (latin1, sizeof latin1 - 1, 1, &info);
  assert_int_equal (info.format, PACKET_FMT_NONE);
  /* Tag 0 and tag 63.  */
  peek ("\x80\x01x", 3, 1, &info);
  assert_int_equal (info.format, PACKET_FMT_NONE);
  peek ("\xff\x01x", 3, 1, &info);
  assert_int_equal (info.format, PACKET_FMT_NONE);
  /* A PEM certificate is not OpenPGP armor.  */
  peek ("-----BEGIN CERTIFICATE-----\nMIIB\n", 33, 1, &info);
  assert_int_equal (info.format, PACKET_FMT_NONE);
}


/* Hand-built packets.  */

static void
test_legacy_sed_without_mdc (void **state)
{
  unsigned char buf[2 + 20];
  struct packet_peek info;

  (void)state;
  buf[0] = 0x80 | (PKT_ENCRYPTED << 2);  /* Old format, 1-octet length.  */
  buf[1] = 20;
  memset (buf + 2, 0x5a, 20);
  peek (buf, sizeof buf, 1, &info);
  assert_int_equal (info.format, PACKET_FMT_BINARY);
  assert_kind (&info, PACKET_KIND_ENCRYPTED);
  assert_int_equal (info.container, PACKET_CONT_SED);
  assert_true (info.packets[0].complete);
  assert_false (info.packets[0].new_format);
}

static void
test_aead_tag20_after_v5_skesk (void **state)
{
  /* rnp --aead=ocb with a password: SKESK v5, then tag 20 v1.  */
  static const unsigned char buf[] = {
    0xc3, 0x06, 0x05, 0x09, 0x02, 0x03, 0x08, 0x00,       /* SKESK v5 */
    0xd4, 0x0a, 0x01, 0x09, 0x02, 0x0a, 1, 2, 3, 4, 5, 6  /* AEAD */
  };
  struct packet_peek info;

  (void)state;
  peek (buf, sizeof buf, 1, &info);
  assert_kind (&info, PACKET_KIND_ENCRYPTED);
  assert_tags (&info, "3,20");
  assert_int_equal (info.skesk[0].version, 5);
  assert_int_equal (info.container, PACKET_CONT_AEAD);
  assert_int_equal (info.aead_algo, 2);
  assert_int_equal (info.cipher_algo, 9);
  assert_false (info.unsupported);   /* gpg 2.2 decrypts OCB.  */
  assert_string_equal (packet_container_name (info.container), "aead");
}

static void
test_seipd_v2_is_unsupported (void **state)
{
  unsigned char buf[2 + 4 + 32];
  struct packet_peek info;

  (void)state;
  buf[0] = 0xc0 | PKT_ENCRYPTED_MDC;
  buf[1] = 36;
  buf[2] = 2;      /* Version.  */
  buf[3] = 9;      /* AES-256.  */
  buf[4] = 2;      /* OCB.  */
  buf[5] = 6;      /* Chunk size.  */
  memset (buf + 6, 0x11, 32);
  peek (buf, sizeof buf, 1, &info);
  assert_kind (&info, PACKET_KIND_ENCRYPTED);
  assert_int_equal (info.container, PACKET_CONT_SEIPD2);
  assert_int_equal (info.aead_algo, 2);
  assert_true (info.unsupported);
}

static void
test_v6_pkesk_key_ids (void **state)
{
  unsigned char buf[3 * 64];
  struct packet_peek info;
  size_t n = 0;
  int i;

  (void)state;
  /* To a v6 key: key ID = first 8 octets of the 32-octet fingerprint.  */
  buf[n++] = 0xc1; buf[n++] = 1 + 1 + 1 + 32 + 1;
  buf[n++] = 6; buf[n++] = 33; buf[n++] = 6;
  for (i = 0; i < 32; i++)
    buf[n++] = 0xa0 + i;
  buf[n++] = 25;    /* X25519.  */
  /* To a v4 key: the last 8 of 20.  */
  buf[n++] = 0xc1; buf[n++] = 1 + 1 + 1 + 20 + 1;
  buf[n++] = 6; buf[n++] = 21; buf[n++] = 4;
  for (i = 0; i < 20; i++)
    buf[n++] = i;
  buf[n++] = 18;
  /* Anonymous.  */
  buf[n++] = 0xc1; buf[n++] = 3;
  buf[n++] = 6; buf[n++] = 0; buf[n++] = 25;
  peek (buf, n, 0, &info);
  assert_kind (&info, PACKET_KIND_ENCRYPTED);
  assert_true (info.unsupported);
  assert_int_equal (info.npkesk, 3);
  assert_int_equal (info.pkesk[0].version, 6);
  assert_string_equal (info.pkesk[0].keyid, "A0A1A2A3A4A5A6A7");
  assert_int_equal (info.pkesk[0].algo, 25);
  assert_string_equal (info.pkesk[1].keyid, "0C0D0E0F10111213");
  assert_int_equal (info.pkesk[1].algo, 18);
  assert_string_equal (info.pkesk[2].keyid, "0000000000000000");
  assert_int_equal (info.pkesk[2].algo, 25);
}

static void
test_v6_keys_and_signatures_are_unsupported (void **state)
{
  static const unsigned char key[] = { 0xc6, 0x05, 0x06, 0, 0, 0, 0 };
  static const unsigned char sig5[] = { 0xc2, 0x03, 0x05, 0x00, 0x16 };
  static const unsigned char ops6[] = { 0xc4, 0x02, 0x06, 0x00 };
  static const unsigned char skesk6[] = { 0xc3, 0x04, 0x06, 0x03, 0x09, 0x02 };
  struct packet_peek info;

  (void)state;
  peek (key, sizeof key, 1, &info);
  assert_kind (&info, PACKET_KIND_PUBKEY);
  assert_int_equal (info.key_version, 6);
  assert_true (info.unsupported);
  peek (sig5, sizeof sig5, 1, &info);
  assert_kind (&info, PACKET_KIND_SIGNATURE);
  assert_true (info.unsupported);
  peek (ops6, sizeof ops6, 0, &info);
  assert_kind (&info, PACKET_KIND_SIGNED);
  assert_true (info.unsupported);
  peek (skesk6, sizeof skesk6, 0, &info);
  assert_int_equal (info.skesk[0].version, 6);
  assert_int_equal (info.skesk[0].algo, 9);
  assert_true (info.unsupported);
}

static void
test_partial_body_lengths_are_walked (void **state)
{
  unsigned char buf[2 + 512 + 1 + 1 + 1 + 5 + 2 + 3];
  struct packet_peek info;
  size_t n = 0;

  (void)state;
  buf[n++] = 0xc0 | PKT_LITERAL;
  buf[n++] = 0xe9;                        /* Partial, 512.  */
  buf[n++] = 'b';
  memset (buf + n, 'x', 511);
  n += 511;
  buf[n++] = 0xe0;                        /* Partial, 1.  */
  buf[n++] = 'y';
  buf[n++] = 5;                           /* Last chunk, 5.  */
  memcpy (buf + n, "zzzzz", 5);
  n += 5;
  buf[n++] = 0xc0 | PKT_MARKER;           /* Another packet after it.  */
  buf[n++] = 3;
  memcpy (buf + n, "PGP", 3);
  n += 3;
  assert_int_equal (n, sizeof buf);

  peek (buf, n, 1, &info);
  assert_kind (&info, PACKET_KIND_LITERAL);
  assert_tags (&info, "11,10");
  assert_true (info.packets[0].partial);
  assert_int_equal (info.packets[0].len, 512);
  assert_true (info.packets[0].complete);
  assert_int_equal (info.packets[1].offset, 2 + 512 + 1 + 1 + 1 + 5);
  assert_false (info.truncated);

  /* Cut inside the chunks, and right after a chunk header.  */
  peek (buf, 300, 0, &info);
  assert_tags (&info, "11");
  assert_true (info.truncated);
  assert_false (info.packets[0].complete);
  peek (buf, 2 + 512 + 1, 0, &info);
  assert_true (info.truncated);

  /* A partial length where it is not allowed.  */
  buf[0] = 0xc0 | PKT_SIGNATURE;
  buf[2] = 4;
  peek (buf, n, 1, &info);
  assert_int_equal (info.format, PACKET_FMT_NONE);
}

static void
test_truncated_headers (void **state)
{
  static const unsigned char *cases[] = {
    (const unsigned char *)"\xc1",                  /* New, no length.  */
    (const unsigned char *)"\xc1\xc5",              /* Two-octet, cut.  */
    (const unsigned char *)"\xc1\xff\x00\x00",      /* Five-octet, cut.  */
    (const unsigned char *)"\x85",                  /* Old, 2-octet, cut.  */
    (const unsigned char *)"\x86\x00\x00"           /* Old, 4-octet, cut.  */
  };
  static const size_t lens[] = { 1, 2, 4, 1, 3 };
  struct packet_peek info;
  unsigned int i;

  (void)state;
  for (i = 0; i < sizeof lens / sizeof *lens; i++)
    {
      peek (cases[i], lens[i], 0, &info);
      assert_int_equal (info.format, PACKET_FMT_BINARY);
      assert_true (info.truncated);
      assert_int_equal (info.npackets, 0);
      peek (cases[i], lens[i], 1, &info);
      assert_true (info.malformed);
    }
}

static void
test_huge_lengths_do_not_wrap (void **state)
{
  static const unsigned char buf[] = {
    0xc1, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03, 'x'
  };
  static const unsigned char old[] = {
    0x86, 0xff, 0xff, 0xff, 0xff, 0x03, 'x'
  };
  struct packet_peek info;

  (void)state;
  peek (buf, sizeof buf, 0, &info);
  assert_int_equal (info.npackets, 1);
  assert_int_equal (info.packets[0].len, 0xffffffffULL);
  assert_false (info.packets[0].complete);
  assert_true (info.truncated);
  assert_int_equal (info.pkesk[0].version, 3);
  peek (old, sizeof old, 0, &info);
  assert_int_equal (info.packets[0].len, 0xffffffffULL);
  assert_true (info.truncated);
}

static void
test_garbage_after_a_packet_is_malformed (void **state)
{
  static const unsigned char buf[] = {
    0xca, 0x03, 'P', 'G', 'P', 0x01, 0x02, 0x03
  };
  static const unsigned char marker_then_pkesk[] = {
    0xa8, 0x03, 'P', 'G', 'P', 0x84, 0x03, 0x03, 0, 0
  };
  struct packet_peek info;

  (void)state;
  peek (buf, sizeof buf, 1, &info);
  assert_tags (&info, "10");
  assert_true (info.malformed);
  assert_kind (&info, PACKET_KIND_OTHER);

  /* An old marker packet first says nothing about the message.  */
  peek (marker_then_pkesk, sizeof marker_then_pkesk, 0, &info);
  assert_tags (&info, "10,1");
  assert_kind (&info, PACKET_KIND_ENCRYPTED);
}

static void
test_indeterminate_length_ends_with_input (void **state)
{
  static const unsigned char buf[] = { 0xa3, 0x01, 0xaa, 0xbb, 0xcc };
  struct packet_peek info;

  (void)state;
  peek (buf, sizeof buf, 1, &info);
  assert_kind (&info, PACKET_KIND_COMPRESSED);
  assert_true (info.packets[0].indeterminate);
  assert_true (info.packets[0].complete);
  assert_false (info.truncated);
  peek (buf, sizeof buf, 0, &info);
  assert_false (info.packets[0].complete);
  assert_true (info.truncated);
  assert_false (info.malformed);
}

static void
test_packet_list_is_bounded (void **state)
{
  unsigned char buf[5 * (PACKET_MAX_LIST + 20)];
  struct packet_peek info;
  unsigned int i;

  (void)state;
  for (i = 0; i < PACKET_MAX_LIST + 20; i++)
    memcpy (buf + 5 * i, "\xca\x03PGP", 5);
  peek (buf, sizeof buf, 1, &info);
  assert_int_equal (info.npackets, PACKET_MAX_LIST);
  assert_true (info.more);
  assert_kind (&info, PACKET_KIND_OTHER);
}

static void
test_broken_armor_is_reported (void **state)
{
  static const char bad[] =
    "-----BEGIN PGP MESSAGE-----\n\nwV4D***\n-----END PGP MESSAGE-----\n";
  static const char text_first[] =
    "Dear partner,\nhere it is:\n\n-----BEGIN PGP SIGNATURE-----\n\n";
  struct packet_peek info;

  (void)state;
  peek (bad, sizeof bad - 1, 1, &info);
  assert_int_equal (info.format, PACKET_FMT_ARMORED);
  assert_int_equal (gpg_err_code (info.armor_err), GPG_ERR_INV_ARMOR);

  peek (text_first, sizeof text_first - 1, 0, &info);
  assert_int_equal (info.format, PACKET_FMT_ARMORED);
  assert_int_equal (info.armor, ARMOR_SIGNATURE);
  assert_int_equal (info.armor_err, 0);
  peek (text_first, sizeof text_first - 1, 1, &info);
  assert_int_equal (gpg_err_code (info.armor_err), GPG_ERR_TRUNCATED);
}

static void
test_random_and_mutated_input_stays_in_bounds (void **state)
{
  static const char *files[] = {
    "messages/gpg-enc-to-alice.gpg", "messages/gen-alice-signed-z0.gpg",
    "dearmor/bob.sec.bin", "messages/gpg-enc-to-alice.asc",
    "messages/gen-legacy-sed-cast5.gpg"
  };
  struct packet_peek info;
  unsigned int f, i;

  (void)state;
  srand (1234);
  for (f = 0; f < sizeof files / sizeof *files; f++)
    {
      size_t len;
      unsigned char *orig = read_data (files[f], &len);

      for (i = 0; i < 2000; i++)
        {
          /* Exactly sized copies so that memcheck sees overreads.  */
          size_t cut = 1 + rand () % len;
          unsigned char *buf = malloc (cut);
          int k;

          assert_non_null (buf);
          memcpy (buf, orig, cut);
          for (k = rand () % 4; k >= 0; k--)
            buf[rand () % cut] ^= 1 << (rand () % 8);
          peek (buf, cut, rand () & 1, &info);
          assert_true (info.npackets <= PACKET_MAX_LIST);
          free (buf);
        }
      free (orig);
    }
  for (i = 0; i < 5000; i++)
    {
      size_t len = 1 + rand () % 64;
      unsigned char *buf = malloc (len);
      size_t k;

      assert_non_null (buf);
      for (k = 0; k < len; k++)
        buf[k] = rand () & 0xff;
      buf[0] |= 0x80;
      peek (buf, len, rand () & 1, &info);
      free (buf);
    }
}

static void
test_kind_names (void **state)
{
  (void)state;
  assert_string_equal (packet_kind_name (PACKET_KIND_CLEARTEXT),
                       "cleartext-signed");
  assert_string_equal (packet_container_name (PACKET_CONT_SED), "sed");
  assert_string_equal (packet_container_name (PACKET_CONT_SEIPD2), "seipd-v2");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_encrypted_vectors),
    cmocka_unit_test (test_truncated_vector_is_truncated_only_at_eof),
    cmocka_unit_test (test_signed_vectors),
    cmocka_unit_test (test_key_vectors),
    cmocka_unit_test (test_plain_data_is_not_openpgp),
    cmocka_unit_test (test_legacy_sed_without_mdc),
    cmocka_unit_test (test_aead_tag20_after_v5_skesk),
    cmocka_unit_test (test_seipd_v2_is_unsupported),
    cmocka_unit_test (test_v6_pkesk_key_ids),
    cmocka_unit_test (test_v6_keys_and_signatures_are_unsupported),
    cmocka_unit_test (test_partial_body_lengths_are_walked),
    cmocka_unit_test (test_truncated_headers),
    cmocka_unit_test (test_huge_lengths_do_not_wrap),
    cmocka_unit_test (test_garbage_after_a_packet_is_malformed),
    cmocka_unit_test (test_indeterminate_length_ends_with_input),
    cmocka_unit_test (test_packet_list_is_bounded),
    cmocka_unit_test (test_broken_armor_is_reported),
    cmocka_unit_test (test_random_and_mutated_input_stays_in_bounds),
    cmocka_unit_test (test_kind_names),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
