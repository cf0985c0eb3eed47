/* fuzz-headers-json.c - libFuzzer target: header JSON reader/writer.
 *
 * Parse the input; when it is accepted, render it, parse the rendering
 * and render again: both sets and both renderings must be identical.
 * The input is passed with its exact length (not NUL-terminated) so
 * that ASan sees any read past its end.
 */
#include <config.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pgpstep/host.h>

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "%s:%d: check failed: %s\n", \
                               __FILE__, __LINE__, #cond); abort (); } \
  } while (0)

static void
same_sets (pgpstep_headers_t a, pgpstep_headers_t b)
{
  unsigned int i, n = pgpstep_headers_count (a);
  const char *an, *av, *bn, *bv;

  CHECK (n == pgpstep_headers_count (b));
  for (i = 0; i < n; i++)
    {
      an = pgpstep_headers_name_at (a, i, &av);
      bn = pgpstep_headers_name_at (b, i, &bv);
      CHECK (an && bn && av && bv);
      CHECK (!strcmp (an, bn));
      CHECK (!strcmp (av, bv));
      CHECK (pgpstep_headers_get (a, an) == av);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gpg_error_t err;
  pgpstep_headers_t h1 = NULL, h2 = NULL;
  char *msg = NULL;
  char *j1 = NULL, *j2 = NULL;

  if (pgpstep_headers_new (&h1) || pgpstep_headers_new (&h2))
    abort ();
  err = pgpstep_headers_parse_json (h1, (const char *)data, size, &msg);
  if (err)
    {
      /* A refused document leaves the set alone and says why.  */
      CHECK (pgpstep_headers_count (h1) == 0);
      CHECK (gpg_err_code (err) != GPG_ERR_INV_VALUE || msg);
      goto leave;
    }
  CHECK (!msg);
  if (pgpstep_headers_to_json (h1, &j1))
    abort ();
  err = pgpstep_headers_parse_json (h2, j1, strlen (j1), &msg);
  if (err)
    {
      fprintf (stderr, "rendering not accepted: %s\n%s\n",
               msg ? msg : "?", j1);
      abort ();
    }
  same_sets (h1, h2);
  if (pgpstep_headers_to_json (h2, &j2))
    abort ();
  CHECK (!strcmp (j1, j2));

 leave:
  free (msg);
  free (j1);
  free (j2);
  pgpstep_headers_release (h1);
  pgpstep_headers_release (h2);
  return 0;
}
