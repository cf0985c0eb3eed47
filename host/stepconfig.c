/* stepconfig.c - create-time services over struct pgpstep_config.
 *
 * These run while a pipeline is being loaded (under the host's load
 * lock), so they need no locking of their own.
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "descriptor.h"
#include "keyring.h"
#include "params.h"
#include "stepconfig.h"

/* Largest secret file we read.  */
#define SECRET_MAX_SIZE (64u * 1024)

const char *
config_step_id (pgpstep_config_t cfg)
{
  return cfg ? cfg->id : NULL;
}

unsigned int
config_count (pgpstep_config_t cfg, const char *name)
{
  if (!cfg || !name)
    return 0;
  return config_value_count (cfg, name);
}

const char *
config_value (pgpstep_config_t cfg, const char *name, unsigned int idx)
{
  struct config_value *v;

  if (!cfg || !name)
    return NULL;
  v = config_value_at (cfg, name, idx);
  return v ? v->value : NULL;
}

int
config_is_dynamic (pgpstep_config_t cfg, const char *name, unsigned int idx)
{
  struct config_value *v;

  if (!cfg || !name)
    return 0;
  v = config_value_at (cfg, name, idx);
  return v && v->header;
}

gpg_error_t
config_gnupg_home (pgpstep_config_t cfg, const char **r_homedir)
{
  unsigned int i;

  if (r_homedir)
    *r_homedir = NULL;
  if (!cfg || !r_homedir)
    return gpg_error (GPG_ERR_INV_ARG);
  if (!keyring_config_home (cfg, r_homedir))
    return 0;
  /* No home: a pipeline only parsed, not loaded.  */
  for (i = 0; i < cfg->nvalues; i++)
    if (cfg->values[i].spec->type == PGPSTEP_TYPE_KEYRING)
      return gpg_error (GPG_ERR_NOT_SUPPORTED);
  return gpg_error (GPG_ERR_NO_DATA);
}

void
config_error (pgpstep_config_t cfg, gpg_error_t err, const char *key,
              const char *fmt, ...)
{
  va_list ap;
  char *text = NULL;

  if (!cfg || cfg->error_text || !fmt)
    return;  /* The first report wins.  */
  va_start (ap, fmt);
  if (vasprintf (&text, fmt, ap) < 0)
    text = NULL;
  va_end (ap);
  if (!text)
    return;
  if (key && !(cfg->error_key = strdup (key)))
    {
      free (text);
      return;
    }
  cfg->error_code = err;
  cfg->error_text = text;
}


/* Set *R_WHY to why a secret lookup failed and return ERR.  */
static gpg_error_t
secret_fail (char **r_why, gpg_error_t err, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

static gpg_error_t
secret_fail (char **r_why, gpg_error_t err, const char *fmt, ...)
{
  va_list ap;
  char *text = NULL;

  va_start (ap, fmt);
  if (vasprintf (&text, fmt, ap) < 0)
    text = NULL;
  va_end (ap);
  free (*r_why);
  *r_why = text;
  return err;
}

/* Read the secret file NAME of the secrets directory into a malloced
 * buffer.  The file must be ours and private, since whoever can
 * write it can choose our passphrase and whoever can read it knows
 * it.  */
static gpg_error_t
read_secret_file (struct pgpstep_ctx *ctx, const char *name,
                  char **r_value, size_t *r_len, char **r_why)
{
  gpg_error_t err = 0;
  const char *dir = ctx->secrets_dir;
  char *file = NULL;
  char *buf = NULL;
  size_t len = 0, size = 0;
  struct stat st;
  ssize_t n;
  int fd = -1;

  *r_value = NULL;
  *r_len = 0;
  if (!dir || !*dir)
    return secret_fail (r_why, gpg_error (GPG_ERR_CONFIGURATION),
                        "secret '%s': no secrets directory configured"
                        " (set PGPSTEP_SECRETS or the secrets_dir"
                        " option)", name);
  if (asprintf (&file, "%s/%s", dir, name) < 0)
    return gpg_error_from_syserror ();

  /* O_NONBLOCK: a FIFO must not hang the load.  */
  fd = open (file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      int e = errno;
      err = secret_fail (r_why, gpg_error (GPG_ERR_CONFIGURATION),
                         "secret '%s': cannot open %s: %s", name, file,
                         strerror (e));
      goto leave;
    }
  if (fstat (fd, &st))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if (!S_ISREG (st.st_mode))
    {
      err = secret_fail (r_why, gpg_error (GPG_ERR_CONFIGURATION),
                         "secret '%s': %s is not a regular file",
                         name, file);
      goto leave;
    }
  if (st.st_uid != geteuid ())
    {
      err = secret_fail (r_why, gpg_error (GPG_ERR_CONFIGURATION),
                         "secret '%s': %s is owned by uid %lu, expected"
                         " uid %lu", name, file, (unsigned long)st.st_uid,
                         (unsigned long)geteuid ());
      goto leave;
    }
  if ((st.st_mode & 077))
    {
      err = secret_fail (r_why, gpg_error (GPG_ERR_CONFIGURATION),
                         "secret '%s': %s has mode %04o, expected no"
                         " group or other permissions (chmod 600)",
                         name, file, (unsigned int)(st.st_mode & 07777));
      goto leave;
    }
  if (st.st_size > SECRET_MAX_SIZE)
    goto too_large;

  /* One allocation (no realloc copies left unwiped): the file, one
   * byte to notice that it grew, and a NUL.  */
  size = (size_t)st.st_size + 2;
  buf = malloc (size);
  if (!buf)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  while (len < size - 1)
    {
      n = read (fd, buf + len, size - 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int e = errno;
          err = secret_fail (r_why, gpg_error_from_errno (e),
                             "secret '%s': error reading %s: %s",
                             name, file, strerror (e));
          goto leave;
        }
      if (!n)
        break;
      len += n;
    }
  if (len > (size_t)st.st_size)
    {
      err = secret_fail (r_why, gpg_error (GPG_ERR_CONFIGURATION),
                         "secret '%s': %s changed while being read",
                         name, file);
      goto leave;
    }
  if (len && buf[len - 1] == '\n')
    len--;
  buf[len] = 0;
  *r_value = buf;
  *r_len = len;
  buf = NULL;
  goto leave;

 too_large:
  err = secret_fail (r_why, gpg_error (GPG_ERR_CONFIGURATION),
                     "secret '%s': %s is larger than %u bytes",
                     name, file, SECRET_MAX_SIZE);
 leave:
  if (buf)
    {
      explicit_bzero (buf, size);
      free (buf);
    }
  if (fd >= 0)
    close (fd);
  free (file);
  return err;
}

/* Copy the environment variable NAME into a malloced buffer; a copy
 * because a later setenv may free the original.  */
static gpg_error_t
read_secret_env (const char *name, char **r_value, size_t *r_len,
                 char **r_why)
{
  const char *s = getenv (name);

  *r_value = NULL;
  *r_len = 0;
  if (!s)
    return secret_fail (r_why, gpg_error (GPG_ERR_CONFIGURATION),
                        "secret 'env:%s': environment variable %s is"
                        " not set", name, name);
  *r_len = strlen (s);
  *r_value = strdup (s);
  return *r_value ? 0 : gpg_error_from_syserror ();
}

gpg_error_t
secret_read (struct pgpstep_ctx *ctx, const char *ref, char **r_value,
             size_t *r_len, char **r_why)
{
  gpg_error_t err;
  struct pgpstep_param spec;
  char *norm = NULL;
  char *why = NULL;

  *r_value = NULL;
  *r_len = 0;
  /* Same syntax as a SECRET parameter; the text of a bad reference is
   * never repeated since it may be a literal secret.  */
  memset (&spec, 0, sizeof spec);
  spec.struct_size = sizeof spec;
  spec.type = PGPSTEP_TYPE_SECRET;
  err = param_check (&spec, ref, &norm, &why);
  free (norm);
  free (why);
  if (err)
    return secret_fail (r_why, gpg_error (GPG_ERR_CONFIGURATION),
                        "invalid secret reference (expected secret:NAME"
                        " or env:NAME)");
  if (!strncmp (ref, "env:", 4))
    return read_secret_env (ref + 4, r_value, r_len, r_why);
  return read_secret_file (ctx, ref + 7, r_value, r_len, r_why);
}

gpg_error_t
config_secret (pgpstep_config_t cfg, const char *ref,
               const char **r_value, size_t *r_len)
{
  gpg_error_t err;
  struct cached_secret *cs;
  char *value = NULL;
  size_t len = 0;

  if (r_value)
    *r_value = NULL;
  if (r_len)
    *r_len = 0;
  if (!cfg || !ref || !r_value)
    return gpg_error (GPG_ERR_INV_ARG);

  for (cs = cfg->secrets; cs; cs = cs->next)
    if (!strcmp (cs->ref, ref))
      goto found;

  err = secret_read (cfg->pipeline->ctx, ref, &value, &len,
                     &cfg->secret_error);
  if (err)
    return err;

  cs = calloc (1, sizeof *cs);
  if (!cs || !(cs->ref = strdup (ref)))
    {
      err = gpg_error_from_syserror ();
      free (cs);
      explicit_bzero (value, len);
      free (value);
      return err;
    }
  cs->value = value;
  cs->len = len;
  cs->next = cfg->secrets;
  cfg->secrets = cs;

 found:
  *r_value = cs->value;
  if (r_len)
    *r_len = cs->len;
  return 0;
}

void
config_release_cache (pgpstep_config_t cfg)
{
  struct cached_secret *cs;

  if (!cfg)
    return;
  while ((cs = cfg->secrets))
    {
      cfg->secrets = cs->next;
      explicit_bzero (cs->value, cs->len);
      free (cs->value);
      free (cs->ref);
      free (cs);
    }
  free (cfg->secret_error);
  cfg->secret_error = NULL;
  free (cfg->error_key);
  cfg->error_key = NULL;
  free (cfg->error_text);
  cfg->error_text = NULL;
}
