/* fuzz-header-ref.c - libFuzzer target: ${header.NAME} references and
 * parameter type checks.
 *
 * The input (up to the first NUL) is a parameter value.  It goes
 * through param_header_ref and through param_check for every type,
 * bounded and unbounded.  Checks: a reference names exactly what it
 * says; an accepted value is normalised to a value that is accepted
 * again and normalised to itself (a step only ever sees values of the
 * declared shape); a refusal always has a one-line reason.
 */
#include <config.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pgpstep/host.h>
#include "params.h"

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "%s:%d: check failed: %s\n", \
                               __FILE__, __LINE__, #cond); abort (); } \
  } while (0)

static const char *const modes[] = { "fast", "safe", "${header.x}", NULL };
static const char *const nomodes[] = { NULL };

#define P(type, allowed, min, max) \
  { sizeof (struct pgpstep_param), "p", type, 0, NULL, allowed, min, max, \
    NULL }

static const struct pgpstep_param specs[] = {
  P (PGPSTEP_TYPE_STRING,  NULL, 0, 0),
  P (PGPSTEP_TYPE_BOOL,    NULL, 0, 0),
  P (PGPSTEP_TYPE_INT,     NULL, 0, 0),
  P (PGPSTEP_TYPE_INT,     NULL, 1, 10),
  P (PGPSTEP_TYPE_INT,     NULL, -5, 0),
  P (PGPSTEP_TYPE_INT,     NULL, -9223372036854775807LL - 1,
                                 9223372036854775807LL),
  P (PGPSTEP_TYPE_ENUM,    modes, 0, 0),
  P (PGPSTEP_TYPE_ENUM,    nomodes, 0, 0),
  P (PGPSTEP_TYPE_ENUM,    NULL, 0, 0),
  P (PGPSTEP_TYPE_KEY,     NULL, 0, 0),
  P (PGPSTEP_TYPE_KEYRING, NULL, 0, 0),
  P (PGPSTEP_TYPE_SECRET,  NULL, 0, 0),
  P (PGPSTEP_TYPE_TIME,    NULL, 0, 0),
  P (PGPSTEP_TYPE_SIZE,    NULL, 0, 0),
  P (PGPSTEP_TYPE_SIZE,    NULL, 1024, 1 << 30),
  P (PGPSTEP_TYPE_SIZE,    NULL, 0, 9223372036854775807LL),
  P ((pgpstep_param_type_t)42, NULL, 0, 0)
};

static int
is_name_char (int c)
{
  return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-');
}

static void
check_ref (const char *value)
{
  char *name = NULL;
  char *again = NULL;
  size_t i;
  int rc;

  rc = param_header_ref (value, &name);
  CHECK (rc >= -1 && rc <= 1);
  if (rc <= 0)
    {
      CHECK (!name);
      if (!rc)
        CHECK (!strstr (value, "${"));
      else
        CHECK (errno != ENOMEM);
      return;
    }
  CHECK (name && *name);
  for (i = 0; name[i]; i++)
    CHECK (is_name_char ((unsigned char)name[i]));
  if (asprintf (&again, "${header.%s}", name) < 0)
    abort ();
  CHECK (!strcmp (again, value));
  free (again);
  free (name);
}

static void
check_type (const struct pgpstep_param *spec, const char *value)
{
  gpg_error_t err;
  char *norm = NULL, *why = NULL, *norm2 = NULL, *why2 = NULL;
  size_t i;

  err = param_check (spec, value, &norm, &why);
  CHECK (pgpstep_param_type_name (spec->type) != NULL);
  if (err)
    {
      CHECK (gpg_err_code (err) == GPG_ERR_INV_VALUE);
      CHECK (!norm && why);
      /* Reasons end up in single-line messages.  */
      for (i = 0; why[i]; i++)
        CHECK ((unsigned char)why[i] >= 0x20 && why[i] != 0x7f);
      free (why);
      return;
    }
  CHECK (norm && !why);
  err = param_check (spec, norm, &norm2, &why2);
  if (err)
    {
      fprintf (stderr, "type %s: '%s' normalised to '%s', which is"
               " refused: %s\n", pgpstep_param_type_name (spec->type), value, norm,
               why2 ? why2 : "?");
      abort ();
    }
  if (strcmp (norm, norm2))
    {
      fprintf (stderr, "type %s: '%s' -> '%s' -> '%s'\n",
               pgpstep_param_type_name (spec->type), value, norm, norm2);
      abort ();
    }
  free (norm);
  free (norm2);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *value;
  size_t i;

  value = malloc (size + 1);
  if (!value)
    return 0;
  memcpy (value, data, size);
  value[size] = 0;
  check_ref (value);
  for (i = 0; i < sizeof specs / sizeof *specs; i++)
    check_type (specs + i, value);
  free (value);
  return 0;
}
