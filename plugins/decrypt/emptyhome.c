/* emptyhome.c - a private empty GnuPG home for password-only steps.  */
#include <config.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emptyhome.h"

gpg_error_t
emptyhome_create (char **r_dir)
{
  const char *tmp = getenv ("TMPDIR");
  char *dir;

  *r_dir = NULL;
  /* A long TMPDIR would overflow the agent's socket path.  */
  if (!tmp || !*tmp || strlen (tmp) > 40)
    tmp = "/tmp";
  if (asprintf (&dir, "%s/pgpstep-dec.XXXXXX", tmp) < 0)
    return gpg_error_from_syserror ();
  if (!mkdtemp (dir))
    {
      gpg_error_t err = gpg_error_from_syserror ();
      free (dir);
      return err;
    }
  *r_dir = dir;
  return 0;
}

static int
remove_entry (const char *path, const struct stat *st, int flag,
              struct FTW *ftw)
{
  (void) st;
  (void) ftw;
  if (flag == FTW_DP)
    rmdir (path);
  else
    unlink (path);
  return 0;
}

void
emptyhome_remove (char *dir)
{
  if (!dir)
    return;
  nftw (dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  free (dir);
}
