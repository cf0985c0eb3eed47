/* keyref.c - a step's key parameters as keys handed to gpg.  */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyref.h"

const char *const keyref_digests[] =
  { "SHA256", "SHA384", "SHA512", "SHA224", "SHA1", "RIPEMD160", "MD5",
    NULL };
const char *const keyref_legacy_digests[] = { "SHA1", "RIPEMD160", "MD5",
                                              NULL };


int
keyref_is_one_of (const char *value, const char *const *list)
{
  if (!value)
    return 0;
  for (; *list; list++)
    if (!strcmp (value, *list))
      return 1;
  return 0;
}

/* "keyrings a, b" of the step for error texts ("the step (it has no
 * keyring)" without one); malloced, NULL on ENOMEM.  */
static char *
keyrings_text (const struct pgpstep_host *host, pgpstep_config_t cfg)
{
  unsigned int i, n = host->config_count (cfg, "keyring");
  char *text = NULL;
  size_t len = 0;
  FILE *fp;

  /* Reads as "no key for X in the step (it has no keyring)".  */
  if (!n)
    return strdup ("the step (it has no keyring)");
  if (!(fp = open_memstream (&text, &len)))
    return NULL;
  fputs (n == 1 ? "keyring " : "keyrings ", fp);
  for (i = 0; i < n; i++)
    fprintf (fp, "%s%s", i ? ", " : "",
             host->config_value (cfg, "keyring", i));
  if (fclose (fp))
    {
      free (text);
      return NULL;
    }
  return text;
}

gpg_error_t
keyref_open (const struct pgpstep_host *host, pgpstep_config_t cfg,
             const char **r_gpg_path, const char **r_homedir,
             keys_index_t *r_index)
{
  gpg_error_t err;
  char *rings = NULL;

  *r_index = NULL;
  err = keys_gpg_path (r_gpg_path);
  if (err)
    {
      host->config_error (cfg, err, NULL, "no usable gpg: %s",
                          keys_strerror (err));
      goto leave;
    }
  err = host->config_gnupg_home (cfg, r_homedir);
  if (err)
    {
      host->config_error (cfg, err, "keyring", "no GnuPG home for the"
                          " step: %s", gpg_strerror (err));
      goto leave;
    }
  rings = keyrings_text (host, cfg);
  err = keys_index_new (*r_homedir, rings, r_index);
  if (err)
    host->config_error (cfg, err, "keyring", "cannot list the keys of %s:"
                        " %s", rings ? rings : "the keyrings",
                        keys_strerror (err));

 leave:
  free (rings);
  return err;
}

gpg_error_t
keyref_check_digest (const struct pgpstep_host *host, pgpstep_config_t cfg,
                     const char *digest, int allow_legacy)
{
  gpg_error_t err;

  if (!keyref_is_one_of (digest, keyref_digests))
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      host->config_error (cfg, err, "digest", "unknown digest '%s'",
                          digest ? digest : "");
      return err;
    }
  if (!allow_legacy && keyref_is_one_of (digest, keyref_legacy_digests))
    {
      err = gpg_error (GPG_ERR_UNSUPPORTED_ALGORITHM);
      host->config_error (cfg, err, "digest", "digest %s is a legacy"
                          " algorithm: choose SHA256 (or set allow-legacy"
                          " to true)", digest);
      return err;
    }
  return 0;
}

/* Add KEY to LIST unless it is there already.  LIST has room.  */
static void
add_key (struct keyref_list *list, const struct keys_key *key)
{
  unsigned int i;

  for (i = 0; i < list->n; i++)
    if (!strcmp (list->keys[i].fpr, key->fpr))
      return;
  strcpy (list->keys[list->n++].fpr, key->fpr);
}

gpg_error_t
keyref_resolve_static (const struct pgpstep_host *host, pgpstep_config_t cfg,
                       keys_index_t index, const char *name,
                       enum keys_usage usage, struct keyref_list *r_list)
{
  gpg_error_t err;
  unsigned int i, n = host->config_count (cfg, name);
  const struct keys_key *key;
  const char *spec;
  char *reason = NULL;

  memset (r_list, 0, sizeof *r_list);
  r_list->nvalues = n;
  r_list->keys = calloc (n ? n : 1, sizeof *r_list->keys);
  if (!r_list->keys)
    return gpg_error_from_syserror ();
  for (i = 0; i < n; i++)
    {
      spec = host->config_value (cfg, name, i);
      if (host->config_is_dynamic (cfg, name, i))
        {
          r_list->ndynamic++;
          continue;
        }
      err = keys_resolve (index, spec, usage, &key, &reason);
      if (err)
        {
          host->config_error (cfg, err, key ? key->fpr : spec,
                              "%s '%s': %s", name, spec,
                              reason ? reason : gpg_strerror (err));
          free (reason);
          return err;
        }
      add_key (r_list, key);
    }
  return 0;
}

gpg_error_t
keyref_resolve_signers (const struct pgpstep_host *host,
                        pgpstep_config_t cfg, keys_index_t index,
                        struct keyref_list *r_list)
{
  gpg_error_t err;

  err = keyref_resolve_static (host, cfg, index, "sign-with", KEYS_SIGN,
                               r_list);
  if (!err && r_list->n + r_list->ndynamic != r_list->nvalues)
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      host->config_error (cfg, err, "sign-with", "a signing key is named"
                          " twice");
    }
  return err;
}

gpg_error_t
keyref_resolve_message (const struct pgpstep_host *host,
                        pgpstep_message_t msg, keys_index_t index,
                        const char *name, enum keys_usage usage,
                        const struct keyref_list *fixed,
                        struct keyref_list *r_list)
{
  gpg_error_t err;
  unsigned int i, n;
  const struct keys_key *key;
  const char *spec;
  char *reason = NULL;

  memset (r_list, 0, sizeof *r_list);
  n = fixed->ndynamic ? host->param_count (msg, name) : 0;
  r_list->nvalues = fixed->nvalues;
  r_list->keys = calloc (n + fixed->n + 1, sizeof *r_list->keys);
  if (!r_list->keys)
    return gpg_error_from_syserror ();
  memcpy (r_list->keys, fixed->keys, fixed->n * sizeof *fixed->keys);
  r_list->n = fixed->n;
  /* The static values come back resolved as they were: looking them
   * up again costs little and keeps one code path.  */
  for (i = 0; i < n; i++)
    {
      spec = host->param_value (msg, name, i);
      if (!spec)
        continue;
      err = keys_resolve (index, spec, usage, &key, &reason);
      if (err)
        {
          host->error (msg, err, key ? key->fpr : spec, "%s '%s': %s",
                       name, spec, reason ? reason : gpg_strerror (err));
          free (reason);
          return err;
        }
      add_key (r_list, key);
    }
  return 0;
}

void
keyref_list_release (struct keyref_list *list)
{
  if (!list)
    return;
  free (list->keys);
  memset (list, 0, sizeof *list);
}

void
keyref_add_args (const char **argv, unsigned int *r_n, const char *option,
                 const struct keyref_list *list)
{
  unsigned int i;

  for (i = 0; i < list->n; i++)
    {
      argv[(*r_n)++] = option;
      argv[(*r_n)++] = list->keys[i].fpr;
    }
}

gpg_error_t
keyref_join (const struct keyref_list *list, char **r_text)
{
  unsigned int i;
  char *p;

  *r_text = p = malloc (list->n * (KEYS_FPR_MAX + 1) + 1);
  if (!p)
    return gpg_error_from_syserror ();
  *p = 0;
  for (i = 0; i < list->n; i++)
    {
      if (i)
        *p++ = ',';
      p = stpcpy (p, list->keys[i].fpr);
    }
  return 0;
}

/* Report the key gpg refused in INV (for USAGE).  */
static void
report_refused (const struct pgpstep_host *host, pgpstep_message_t msg,
                keys_index_t index, gpg_error_t err,
                const struct status_inv *inv, enum keys_usage usage,
                const char *line)
{
  const char *spec = inv->spec ? inv->spec : "";
  const char *what = usage == KEYS_ENCRYPT ? "recipient" : "signing key";
  const struct keys_key *key;
  char *reason = NULL;

  if (keys_resolve (index, spec, usage, &key, &reason))
    host->error (msg, err, spec, "gpg refused %s %s: %s", what, spec,
                 reason ? reason : line);
  else
    host->error (msg, err, spec, "gpg refused %s %s (reason %d): %s", what,
                 spec, inv->reason, line);
  free (reason);
}

void
keyref_report_failure (const struct pgpstep_host *host,
                       pgpstep_message_t msg, keys_index_t index,
                       gpg_error_t err, const struct gpgop_result *res,
                       const char *asked)
{
  status_result_t s = res->status;
  char line[256];

  gpgop_diag_line (res, line, sizeof line);
  if (s && s->ninv_recp)
    report_refused (host, msg, index, err, &s->inv_recp[0], KEYS_ENCRYPT,
                    line);
  else if (s && s->ninv_sgnr)
    report_refused (host, msg, index, err, &s->inv_sgnr[0], KEYS_SIGN,
                    line);
  else if (gpg_err_code (err) == GPG_ERR_NO_PASSPHRASE && asked && *asked)
    host->error (msg, err, asked, "the secret key %s of a signer is"
                 " protected and its passphrase is not available: give the"
                 " keyring's passphrase", asked);
  else if (res->input_err)
    host->error (msg, err, NULL, "reading the input failed: %s",
                 gpg_strerror (res->input_err));
  else if (res->output_err)
    host->error (msg, err, NULL, "writing the output failed: %s",
                 gpg_strerror (res->output_err));
  else
    host->error (msg, err, NULL, "gpg failed (exit %d): %s%s%s",
                 res->exit_status, gpg_strerror (err), *line ? ": " : "",
                 line);
}
