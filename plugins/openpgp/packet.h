/* packet.h - a look at the first bytes of an input.
 *
 * Tells armored from binary OpenPGP and from anything else, lists the
 * top-level packets found in the buffer and classifies the message, so
 * that a step can refuse what gpg 2.2 cannot do (v6 packets, SEIPDv2),
 * what policy forbids (legacy encryption without MDC) or what is not
 * its input (a key where a message belongs), before gpg runs.
 *
 * The buffer is untrusted: every length is checked against it; nothing
 * here reads outside BUF[0..LEN).  For armored input the armor in the
 * buffer is decoded (our decoder) and its packets are listed.  A
 * compressed packet is not looked into.
 */
#ifndef OPENPGP_PACKET_H
#define OPENPGP_PACKET_H

#include <stddef.h>
#include <gpg-error.h>

#include "armor.h"

#define PACKET_PEEK_MAX  65536  /* What callers should read and pass.  */
#define PACKET_MAX_LIST  64     /* Top-level packets listed.  */
#define PACKET_MAX_ESK   32     /* PKESKs whose key IDs are kept.  */

/* RFC 4880 / RFC 9580 packet tags.  */
enum
  {
    PKT_PKESK = 1, PKT_SIGNATURE = 2, PKT_SKESK = 3, PKT_ONEPASS_SIG = 4,
    PKT_SECRET_KEY = 5, PKT_PUBLIC_KEY = 6, PKT_SECRET_SUBKEY = 7,
    PKT_COMPRESSED = 8, PKT_ENCRYPTED = 9, PKT_MARKER = 10,
    PKT_LITERAL = 11, PKT_TRUST = 12, PKT_USER_ID = 13,
    PKT_PUBLIC_SUBKEY = 14, PKT_USER_ATTRIBUTE = 17,
    PKT_ENCRYPTED_MDC = 18, PKT_MDC = 19, PKT_AEAD_ENCRYPTED = 20,
    PKT_PADDING = 21
  };

enum packet_format
  {
    PACKET_FMT_NONE = 0,       /* Not OpenPGP (or empty).  */
    PACKET_FMT_BINARY,
    PACKET_FMT_ARMORED,        /* An armor BEGIN line (see ARMOR).  */
  };

enum packet_kind
  {
    PACKET_KIND_NONE = 0,      /* Not OpenPGP / nothing recognizable.  */
    PACKET_KIND_ENCRYPTED,     /* ESKs and/or an encrypted container.  */
    PACKET_KIND_SIGNED,        /* One-pass signed, or signature + data.  */
    PACKET_KIND_SIGNATURE,     /* Signature packets only (detached).  */
    PACKET_KIND_LITERAL,       /* Bare literal data.  */
    PACKET_KIND_COMPRESSED,    /* Compressed: contents not looked at.  */
    PACKET_KIND_PUBKEY,        /* Certificate(s).  */
    PACKET_KIND_SECKEY,        /* Secret key(s).  */
    PACKET_KIND_CLEARTEXT,     /* Armored cleartext signature.  */
    PACKET_KIND_OTHER          /* Valid packets, no message we know.  */
  };

/* The encrypted container.  */
enum packet_container
  {
    PACKET_CONT_NONE = 0,
    PACKET_CONT_SED,           /* Tag 9: legacy, no integrity (MDC).  */
    PACKET_CONT_SEIPD1,        /* Tag 18 v1: CFB + MDC.  */
    PACKET_CONT_SEIPD2,        /* Tag 18 v2 (RFC 9580): gpg 2.2 cannot.  */
    PACKET_CONT_AEAD           /* Tag 20 (OCB/EAX, LibrePGP): gpg 2.2
                                  decrypts, cannot produce.  */
  };

struct packet_hdr
{
  size_t offset;               /* Of the header in the (decoded) data.  */
  unsigned int hdrlen;
  int tag;
  unsigned int new_format:1;
  unsigned int partial:1;      /* Partial body lengths (LEN = first chunk).  */
  unsigned int indeterminate:1;/* Old format length type 3.  */
  unsigned int complete:1;     /* Whole packet inside the buffer.  */
  unsigned long long len;      /* Body length (or first chunk).  */
  int version;                 /* First body byte where it is a version
                                  (ESKs, sig, OPS, keys, SEIPD, AEAD),
                                  else -1.  */
};

struct packet_esk
{
  int version;                 /* 3 or 6 (PKESK), 4, 5 or 6 (SKESK).  */
  int algo;                    /* Public key / cipher algorithm, -1.  */
  char keyid[17];              /* PKESK: upper-case hex; "0000000000000000"
                                  = anonymous; "" unknown (v6 without
                                  fingerprint, or cut off).  */
};

struct packet_peek
{
  enum packet_format format;
  enum armor_type armor;       /* For PACKET_FMT_ARMORED.  */
  gpg_error_t armor_err;       /* The armor decoder's complaint, if any
                                  (GPG_ERR_TRUNCATED only with EOF: the
                                  buffer may be a prefix).  */
  enum packet_kind kind;
  unsigned int npackets;
  struct packet_hdr packets[PACKET_MAX_LIST];
  unsigned int more:1;         /* More packets than listed.  */
  unsigned int truncated:1;    /* The buffer ended inside a packet.  */
  unsigned int malformed:1;    /* An impossible header or length.  */

  /* Encrypted messages.  */
  unsigned int npkesk;         /* Counted in full, ...  */
  unsigned int nskesk;
  struct packet_esk pkesk[PACKET_MAX_ESK];  /* ... kept up to the max.  */
  struct packet_esk skesk[PACKET_MAX_ESK];
  enum packet_container container;
  int aead_algo;               /* Tag 20 / SEIPDv2: 1 EAX, 2 OCB, 3 GCM.  */
  int cipher_algo;             /* Tag 20 / SEIPDv2, else -1 (in ESK).  */

  /* Signed messages, keys.  */
  unsigned int nonepass;
  unsigned int nsigs;
  unsigned int literal:1;
  unsigned int compressed:1;
  int compress_algo;           /* -1 if none.  */

  /* Versions gpg 2.2 does not support: v5/v6 keys and signatures, v6
   * PKESK/SKESK/OPS, SEIPD v2 (v5 SKESK + tag 20 OCB it decrypts).
   * The caller refuses them.  */
  unsigned int unsupported:1;
  int key_version;             /* First key packet's version, -1.  */
};

/* Look at BUF[0..LEN); EOF says it is the whole input (a detached
 * signature is told apart, an indeterminate length ends here).
 * Returns an error only for lack of memory; everything else is in
 * *R_INFO.  */
gpg_error_t packet_peek (const void *buf, size_t len, int eof,
                         struct packet_peek *r_info);

const char *packet_kind_name (enum packet_kind kind);
const char *packet_container_name (enum packet_container cont);

#endif /* OPENPGP_PACKET_H */
