/* signer.c - allowed signers among the step's keys.  */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "signer.h"

/* Whether KEY has a valid user ID SPEC ("<email>" or the exact ID).  */
static int
has_uid (const struct keys_key *key, const char *spec)
{
  size_t len = strlen (spec);
  const struct keys_uid *u;
  unsigned int i;

  for (i = 0; i < key->nuids; i++)
    {
      u = key->uids + i;
      if (u->revoked || u->invalid)
        continue;
      if (spec[0] == '<' && len > 2 && spec[len - 1] == '>')
        {
          if (u->email && strlen (u->email) == len - 2
              && !strncasecmp (u->email, spec + 1, len - 2))
            return 1;
        }
      else if (u->uid && !strcmp (u->uid, spec))
        return 1;
    }
  return 0;
}

gpg_error_t
signer_resolve (void *opaque, const char *spec, char **r_fpr,
                char **r_reason)
{
  const struct signer_keys *sk = opaque;
  const char *where = sk->keyrings ? sk->keyrings : "the step's keyrings";
  const struct keys_key *key, *found = NULL;
  char *list = NULL, *t;
  unsigned int i, n = 0;

  *r_fpr = NULL;
  *r_reason = NULL;
  for (i = 0; sk->index && i < keys_index_count (sk->index); i++)
    {
      key = keys_index_at (sk->index, i);
      if (!has_uid (key, spec))
        continue;
      found = key;
      n++;
      if (asprintf (&t, "%s%s%s", list ? list : "", list ? ", " : "",
                    key->fpr) < 0)
        t = NULL;
      free (list);
      list = t;
    }
  if (n == 1)
    {
      free (list);
      *r_fpr = strdup (found->fpr);
      return *r_fpr ? 0 : gpg_error_from_syserror ();
    }
  if (!n && asprintf (r_reason, "no key with this user ID in %s (give a"
                      " fingerprint or a user ID of a key there)", where) < 0)
    *r_reason = NULL;
  if (n > 1 && asprintf (r_reason, "ambiguous: keys %s in %s have this user"
                         " ID; name one by fingerprint", list ? list : "?",
                         where) < 0)
    *r_reason = NULL;
  free (list);
  return gpg_error (GPG_ERR_INV_VALUE);
}

static int
has_primary (keys_index_t index, const char *fpr)
{
  unsigned int i;

  for (i = 0; i < keys_index_count (index); i++)
    if (!strcmp (keys_index_at (index, i)->fpr, fpr))
      return 1;
  return 0;
}

const char *
signer_unknown (const struct policy *pol, keys_index_t index)
{
  unsigned int i;

  for (i = 0; index && i < pol->nallowed; i++)
    if (!has_primary (index, pol->allowed[i]))
      return pol->allowed[i];
  return NULL;
}
