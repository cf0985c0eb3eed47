/* fuzz-status.c - libFuzzer target: gpg status lines.
 *
 * Input: one control byte (exit status and signer count), then the
 * bytes of a status stream.  The stream is pushed once in one piece and
 * once in chunks of pseudo-random sizes derived from the input; both
 * results must agree on everything the engine decides on.  The
 * decisions must follow the rules of status.h: no success without
 * exit status 0, a valid signature only with GOODSIG + VALIDSIG.
 */
#include <config.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "%s:%d: check failed: %s\n", \
                               __FILE__, __LINE__, #cond); abort (); } \
  } while (0)

/* Run DATA through a new result, in chunks when SEED is not zero.  */
static status_result_t
run (const uint8_t *data, size_t size, uint32_t seed, int exit_status)
{
  status_result_t res;
  size_t off = 0, n;

  if (status_new (&res))
    abort ();
  while (off < size)
    {
      if (seed)
        {
          seed = seed * 1103515245u + 12345u;
          /* Mostly small chunks, sometimes large ones.  */
          n = (seed >> 16) & 0x1f;
          if (((seed >> 8) & 7) == 0)
            n = (seed >> 12) & 0x3fff;
          if (!n)
            n = 1;
        }
      else
        n = size;
      if (n > size - off)
        n = size - off;
      /* An exact-size copy: ASan sees reads past the chunk.  */
      {
        char *chunk = malloc (n);

        if (!chunk)
          abort ();
        memcpy (chunk, data + off, n);
        status_push (res, chunk, n);
        free (chunk);
      }
      off += n;
    }
  status_finish (res, exit_status);
  return res;
}

static int
str_eq (const char *a, const char *b)
{
  return (!a && !b) || (a && b && !strcmp (a, b));
}

/* What the engine decides with, must not depend on the chunking.  */
static void
same_result (status_result_t a, status_result_t b, unsigned int nsigners)
{
  unsigned int i;

  CHECK (a->lines == b->lines);
  CHECK (a->ignored == b->ignored);
  CHECK (a->malformed == b->malformed);
  CHECK (a->overflow == b->overflow);
  CHECK (status_decrypt_ok (a) == status_decrypt_ok (b));
  CHECK (status_encrypt_ok (a) == status_encrypt_ok (b));
  CHECK (status_sign_ok (a, nsigners) == status_sign_ok (b, nsigners));
  CHECK (status_error (a) == status_error (b));
  CHECK (a->nsigs == b->nsigs);
  for (i = 0; i < a->nsigs; i++)
    {
      CHECK (a->sigs[i].status == b->sigs[i].status);
      CHECK (!strcmp (a->sigs[i].fpr, b->sigs[i].fpr));
      CHECK (!strcmp (a->sigs[i].primary_fpr, b->sigs[i].primary_fpr));
      CHECK (str_eq (a->sigs[i].uid, b->sigs[i].uid));
    }
  CHECK (a->nrecp == b->nrecp);
  CHECK (a->plaintext_name_len == b->plaintext_name_len);
  CHECK ((!a->plaintext_name && !b->plaintext_name)
         || (a->plaintext_name && b->plaintext_name
             && !memcmp (a->plaintext_name, b->plaintext_name,
                         a->plaintext_name_len)));
  CHECK (str_eq (a->session_key, b->session_key));
}

/* The rules of status.h.  */
static void
check_rules (status_result_t res, unsigned int nsigners)
{
  gpg_error_t err = status_error (res);
  unsigned int i;
  int ok = 0;

  CHECK (res->finished);
  if (status_decrypt_ok (res))
    {
      ok = 1;
      CHECK (res->exit_status == 0);
      CHECK (res->decryption_okay && res->end_decryption);
      CHECK (!res->badmdc && !res->decryption_failed && !res->malformed);
      CHECK (res->goodmdc || res->aead_algo);
    }
  if (status_encrypt_ok (res))
    {
      ok = 1;
      CHECK (res->exit_status == 0 && res->end_encryption);
    }
  if (status_sign_ok (res, nsigners))
    {
      ok = 1;
      CHECK (res->exit_status == 0 && res->nsig_created == nsigners);
    }
  if (ok)
    CHECK (!res->malformed && !res->overflow);
  if (!err)
    CHECK (res->exit_status == 0 && !res->malformed && !res->overflow);
  if (res->exit_status != 0)
    CHECK (err != 0);
  CHECK (res->nsigs <= STATUS_MAX_RECORDS);
  CHECK (res->nrecp <= STATUS_MAX_RECORDS);
  for (i = 0; i < res->nsigs; i++)
    {
      const struct status_sig *sig = res->sigs + i;

      CHECK (status_sigstat_name (sig->status));
      CHECK (strlen (sig->keyid) <= STATUS_KEYID_LEN);
      CHECK (strlen (sig->fpr) <= STATUS_FPR_MAX);
      if (sig->status == STATUS_SIG_VALID)
        {
          CHECK (sig->goodsig && sig->validsig && !sig->conflict);
          CHECK (!sig->badsig && !sig->errsig);
          CHECK (*sig->primary_fpr && *sig->fpr);
          CHECK (status_sig_error (sig) == 0);
        }
      else
        CHECK (status_sig_error (sig) != 0);
    }
  (void)status_cipher_name (res->cipher_algo);
  (void)status_digest_name (res->nsigs ? res->sigs[0].digest_algo : 0);
  (void)status_pubkey_name (res->nsigs ? res->sigs[0].pubkey_algo : 0);
  (void)status_aead_name (res->aead_algo);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  status_result_t one, chunked;
  uint32_t seed = 0x9e3779b9u;
  unsigned int nsigners;
  int exit_status;
  size_t i;

  if (!size)
    return 0;
  /* Control byte: mostly exit status 0, which is the interesting one.  */
  exit_status = (data[0] & 0x70) ? 0 : (data[0] & 0x80) ? -1 : 2;
  nsigners = data[0] & 3;
  data++;
  size--;
  for (i = 0; i < size && i < 64; i++)
    seed = seed * 31 + data[i];
  seed |= 1;

  one = run (data, size, 0, exit_status);
  chunked = run (data, size, seed, exit_status);
  same_result (one, chunked, nsigners);
  check_rules (one, nsigners);
  status_release (one);
  status_release (chunked);
  return 0;
}
