/* armorbench.c - throughput of the ASCII-armor codec alone.
 *
 * Not built by make.  Build and run from a build directory:
 *   cc -O2 -I. -I$SRC/plugins/openpgp $SRC/tests/bench/armorbench.c \
 *      $SRC/plugins/openpgp/armor.c -lgpg-error -lpthread -o armorbench
 *   ./armorbench [MiB] [chunk-KiB]
 * Encodes MiB (default 256) of pseudo-random bytes in chunk-sized
 * pieces (default 256 KiB, like gpgop.c), decodes the result again,
 * checks the round trip and prints MB/s of binary data each way.
 */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "armor.h"

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main (int argc, char **argv)
{
  size_t mib = argc > 1 ? strtoul (argv[1], NULL, 10) : 256;
  size_t chunk = (argc > 2 ? strtoul (argv[2], NULL, 10) : 256) * 1024;
  size_t len = mib << 20, i, n, alen = 0, blen = 0;
  unsigned char *bin, *back;
  char *arm;
  unsigned long long x = 88172645463325252ull;
  armor_encoder_t enc;
  armor_decoder_t dec;
  double t0, t1, t2;

  bin = malloc (len);
  arm = malloc (armor_encode_bound (len) + ARMOR_FINISH_MAX);
  back = malloc (armor_decode_bound (len + len / 2 + 1024));
  if (!bin || !arm || !back)
    return 2;
  for (i = 0; i < len; i++)
    {
      x ^= x << 13; x ^= x >> 7; x ^= x << 17;
      bin[i] = x >> 24;
    }
  memset (arm, 0, armor_encode_bound (len) + ARMOR_FINISH_MAX);
  memset (back, 0, armor_decode_bound (len + len / 2 + 1024));

  t0 = now ();
  armor_encoder_new (&enc, ARMOR_MESSAGE);
  for (i = 0; i < len; i += chunk)
    {
      armor_encode (enc, bin + i, len - i < chunk ? len - i : chunk,
                    arm + alen, &n);
      alen += n;
    }
  armor_encode_finish (enc, arm + alen, &n);
  alen += n;
  armor_encoder_release (enc);
  t1 = now ();
  armor_decoder_new (&dec);
  for (i = 0; i < alen; i += chunk)
    {
      if (armor_decode (dec, arm + i, alen - i < chunk ? alen - i : chunk,
                        back + blen, &n))
        return 3;
      blen += n;
    }
  if (armor_decode_finish (dec))
    return 4;
  armor_decoder_release (dec);
  t2 = now ();
  if (blen != len || memcmp (bin, back, len))
    {
      fprintf (stderr, "round trip failed\n");
      return 1;
    }
  printf ("encode %.0f MB/s  decode %.0f MB/s\n",
          len / 1e6 / (t1 - t0), len / 1e6 / (t2 - t1));
  free (bin);
  free (arm);
  free (back);
  return 0;
}
