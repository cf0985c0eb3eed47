/* fuzz-packet.c - libFuzzer target: packet_peek.
 *
 * The input is looked at as a whole input (EOF) and as a prefix of a
 * longer one, from an exact-size copy (ASan sees any read outside it).
 * Checks: the listing stays inside its arrays and, for binary input,
 * inside the buffer; names exist for every kind and container; a
 * binary prefix of input that is well-formed is never malformed
 * (running out of the buffer is "truncated", never an error).
 */
#include <config.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "%s:%d: check failed: %s\n", \
                               __FILE__, __LINE__, #cond); abort (); } \
  } while (0)

static void
check_info (const struct packet_peek *info, size_t len)
{
  unsigned int i;

  CHECK (info->npackets <= PACKET_MAX_LIST);
  CHECK (packet_kind_name (info->kind));
  CHECK (packet_container_name (info->container));
  for (i = 0; i < info->npkesk && i < PACKET_MAX_ESK; i++)
    CHECK (strlen (info->pkesk[i].keyid) <= 16);
  if (info->format != PACKET_FMT_BINARY)
    return;
  for (i = 0; i < info->npackets; i++)
    {
      const struct packet_hdr *h = info->packets + i;

      CHECK (h->offset < len);
      CHECK (h->hdrlen >= 1 && h->hdrlen <= 6);
      CHECK (h->offset + h->hdrlen <= len);
      CHECK (h->tag > 0 && h->tag < 64);
      if (h->complete && !h->partial && !h->indeterminate)
        CHECK (h->offset + h->hdrlen + h->len <= len);
      if (i)
        CHECK (h->offset > info->packets[i - 1].offset);
    }
}

static void
peek (const uint8_t *data, size_t size, int eof, struct packet_peek *info)
{
  uint8_t *copy = malloc (size ? size : 1);

  if (!copy)
    abort ();
  memcpy (copy, data, size);
  CHECK (!packet_peek (copy, size, eof, info));
  free (copy);
  check_info (info, size);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static struct packet_peek full, prefix;
  size_t cut;

  peek (data, size, 1, &full);
  peek (data, size, 0, &prefix);
  CHECK (full.format == prefix.format);
  CHECK (full.npackets == prefix.npackets || full.format != PACKET_FMT_BINARY);
  if (size > 1 && full.format == PACKET_FMT_BINARY && !full.malformed)
    {
      cut = 1 + data[0] % (size - 1);
      peek (data, cut, 0, &prefix);
      if (prefix.format == PACKET_FMT_BINARY)
        CHECK (!prefix.malformed);
    }
  return 0;
}
