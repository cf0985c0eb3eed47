/* ctx.c - the host object: creation, logging, plugin loading entry.  */
#include <config.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "homedir.h"
#include "loader.h"

const char *
pgpstep_version (void)
{
  return PACKAGE_VERSION;
}

const char *
pgpstep_default_plugin_dir (void)
{
  return PGPSTEP_PLUGIN_DIR;
}

void
pgpstep_free (void *p)
{
  free (p);
}

gpg_error_t
pgpstep_new (pgpstep_t *r_host, const struct pgpstep_options *opt)
{
  gpg_error_t err = 0;
  struct pgpstep_ctx *ctx;
  const char *s;

  *r_host = NULL;
  ctx = calloc (1, sizeof *ctx);
  if (!ctx)
    return gpg_error_from_syserror ();
  ctx->verbosity = PGPSTEP_LOG_WARN;
  if (opt && opt->struct_size >= sizeof (size_t) + sizeof (int))
    ctx->verbosity = opt->verbosity;
  if (opt && PGPSTEP_HAS_MEMBER (opt, struct pgpstep_options, log_opaque))
    {
      ctx->log_cb = opt->log_cb;
      ctx->log_opaque = opt->log_opaque;
    }
  if (opt && PGPSTEP_HAS_MEMBER (opt, struct pgpstep_options, log_format))
    ctx->log_json = opt->log_format == PGPSTEP_LOG_FORMAT_JSON;
  if (opt && PGPSTEP_HAS_MEMBER (opt, struct pgpstep_options,
                                 plugin_keyring)
      && opt->plugin_keyring
      && !(ctx->plugin_keyring = strdup (opt->plugin_keyring)))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  s = NULL;
  if (opt && PGPSTEP_HAS_MEMBER (opt, struct pgpstep_options, secrets_dir))
    s = opt->secrets_dir;
  if (!s)
    s = getenv ("PGPSTEP_SECRETS");
  if (s && *s && !(ctx->secrets_dir = strdup (s)))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  s = NULL;
  if (opt && PGPSTEP_HAS_MEMBER (opt, struct pgpstep_options, spool_dir))
    s = opt->spool_dir;
  if (!s || !*s)
    s = getenv ("TMPDIR");
  if (!s || !*s)
    s = "/tmp";
  if (!(ctx->spool_dir = strdup (s)))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  s = NULL;
  if (opt && PGPSTEP_HAS_MEMBER (opt, struct pgpstep_options, runtime_dir))
    s = opt->runtime_dir;
  if (!s || !*s)
    s = getenv ("PGPSTEP_RUNTIME_DIR");
  if ((err = homedir_base (s, &ctx->runtime_dir)))
    goto leave;
  if (pthread_mutex_init (&ctx->load_lock, NULL))
    {
      err = gpg_error (GPG_ERR_INTERNAL);
      goto leave;
    }
  ctx->services = &host_services;
  *r_host = ctx;
  ctx = NULL;

 leave:
  if (ctx)
    {
      free (ctx->secrets_dir);
      free (ctx->plugin_keyring);
      free (ctx->spool_dir);
      free (ctx->runtime_dir);
      free (ctx);
    }
  return err;
}

void
pgpstep_release (pgpstep_t ctx)
{
  if (!ctx)
    return;
  if (ctx->npipelines)
    {
      /* Unloading modules under live pipelines would crash them later;
       * leaking is the lesser evil and the log says why.  */
      host_log (ctx, PGPSTEP_LOG_ERROR, NULL,
                "pgpstep_release called with %u pipeline(s) alive;"
                " modules are kept loaded", ctx->npipelines);
      return;
    }
  loader_release_all (ctx);
  pthread_mutex_destroy (&ctx->load_lock);
  free (ctx->secrets_dir);
  free (ctx->plugin_keyring);
  free (ctx->spool_dir);
  free (ctx->runtime_dir);
  free (ctx);
}

void
pgpstep_cleanup_on_signal (void)
{
  homedir_cleanup_on_signal ();
}

gpg_error_t
pgpstep_load_plugins (pgpstep_t ctx, const char *path, char **r_message)
{
  gpg_error_t err;

  if (r_message)
    *r_message = NULL;
  if (!ctx || !path)
    return gpg_error (GPG_ERR_INV_ARG);
  pthread_mutex_lock (&ctx->load_lock);
  err = loader_load_path (ctx, path, r_message);
  pthread_mutex_unlock (&ctx->load_lock);
  return err;
}

const struct pgpstep_module *
pgpstep_module_at (pgpstep_t ctx, unsigned int idx, const char **r_file)
{
  struct loaded_module *m;

  for (m = ctx->modules; m && idx; m = m->next)
    idx--;
  if (!m)
    return NULL;
  if (r_file)
    *r_file = m->file;
  return m->module;
}

const struct pgpstep_step *
pgpstep_step_lookup (pgpstep_t ctx, const char *type,
                     const struct pgpstep_module **r_module)
{
  const struct loaded_module *lm = NULL;
  const struct pgpstep_step *step;

  step = loader_find_step (ctx, type, &lm);
  if (r_module)
    *r_module = step && lm ? lm->module : NULL;
  return step;
}
