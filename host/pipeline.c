/* pipeline.c - loading and releasing pipelines (embedding API).  */
#include <config.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "descriptor.h"
#include "keyring.h"
#include "stepconfig.h"

/* Call create of every step in order.  On failure the steps created
 * so far stay marked so that descriptor_release destroys them.  */
static gpg_error_t
create_steps (struct pgpstep_pipeline *pl, char **r_message)
{
  gpg_error_t err = 0;
  struct pgpstep_config *cfg;
  const char *text;
  unsigned int i;

  for (i = 0; i < pl->nsteps; i++)
    {
      cfg = pl->steps[i];
      if (!cfg->step->create)
        {
          cfg->created = 1;
          continue;
        }
      cfg->state = NULL;
      err = cfg->step->create (pl->ctx->services, cfg, &cfg->state);
      if (!err)
        {
          cfg->created = 1;
          continue;
        }
      /* Keep the step's own code: it may be more precise than a
       * generic configuration error (e.g. a wrong passphrase).  */
      if (cfg->error_text)
        text = cfg->error_text;
      else if (cfg->secret_error)
        text = cfg->secret_error;
      else
        text = gpg_strerror (err);
      if (r_message && asprintf (r_message, "%s:%u: step '%s': %s",
                                 pl->source, cfg->line, cfg->id, text) < 0)
        *r_message = NULL;
      host_log (pl->ctx, PGPSTEP_LOG_DEBUG, cfg->id, "create failed: %s",
                gpg_strerror (err));
      /* A create that failed owns no state we could destroy.  */
      cfg->state = NULL;
      break;
    }
  return err;
}

/* Parse BUFFER and create its steps, under the load lock so that the
 * set of loaded modules cannot change meanwhile.  */
/* Destroy the steps, then remove the homes they used.  */
static void
release_pipeline (struct pgpstep_pipeline *pl)
{
  struct keyring_homes *homes;

  if (!pl)
    return;
  homes = pl->homes;
  pl->homes = NULL;
  descriptor_release (pl);
  keyring_release (homes);
}

/* Parse BUFFER, build the runtime homes of its keyrings and, if
 * CREATE, create its steps; under the load lock so that the set of
 * loaded modules cannot change meanwhile.  */
static gpg_error_t
load_common (struct pgpstep_ctx *ctx, const char *source,
             const char *basedir, const void *buffer, size_t length,
             int create, pgpstep_pipeline_t *r_pipeline, char **r_message)
{
  gpg_error_t err;
  struct pgpstep_pipeline *pl = NULL;
  char *message = NULL;

  pthread_mutex_lock (&ctx->load_lock);
  err = descriptor_parse (ctx, source, basedir, buffer, length, &pl,
                          &message);
  /* Steps resolve their keys in the homes at create.  */
  if (!err)
    err = keyring_build (pl, &message);
  if (!err && create)
    err = create_steps (pl, &message);
  if (!err)
    {
      ctx->npipelines++;
      *r_pipeline = pl;
      pl = NULL;
    }
  release_pipeline (pl);  /* Destroys what was created.  */
  pthread_mutex_unlock (&ctx->load_lock);

  if (r_message)
    *r_message = message;
  else
    free (message);
  return err;
}

gpg_error_t
pipeline_load_file (struct pgpstep_ctx *ctx, const char *file, int create,
                    pgpstep_pipeline_t *r_pipeline, char **r_message)
{
  gpg_error_t err;
  char *buffer = NULL;
  size_t length = 0;
  char *real = NULL;
  char *basedir;
  int e;

  if (r_pipeline)
    *r_pipeline = NULL;
  if (r_message)
    *r_message = NULL;
  if (!ctx || !file || !r_pipeline)
    return gpg_error (GPG_ERR_INV_ARG);

  err = descriptor_read_file (file, DESCRIPTOR_MAX_SIZE, &buffer, &length,
                              r_message);
  /* A descriptor that cannot be read is a configuration error (78),
   * not missing message input (61); the message says why.  */
  if (err && gpg_err_code (err) != GPG_ERR_ENOMEM)
    err = gpg_error (GPG_ERR_CONFIGURATION);
  if (err)
    goto leave;
  /* Relative paths in the descriptor start from where the file really
   * is, not from where a symlink to it is.  */
  real = realpath (file, NULL);
  if (!real)
    {
      e = errno;
      err = gpg_error_from_errno (e);
      if (r_message && asprintf (r_message, "%s: cannot resolve path: %s",
                                 file, strerror (e)) < 0)
        *r_message = NULL;
      goto leave;
    }
  basedir = dirname (real);  /* Modifies REAL in place.  */
  err = load_common (ctx, file, basedir, buffer, length, create,
                     r_pipeline, r_message);

 leave:
  free (real);
  free (buffer);
  return err;
}

gpg_error_t
pgpstep_pipeline_load_file (pgpstep_t ctx, const char *file,
                            pgpstep_pipeline_t *r_pipeline, char **r_message)
{
  return pipeline_load_file (ctx, file, 1, r_pipeline, r_message);
}

gpg_error_t
pgpstep_pipeline_load_memory (pgpstep_t ctx, const char *name,
                              const void *buffer, size_t length,
                              pgpstep_pipeline_t *r_pipeline,
                              char **r_message)
{
  if (r_pipeline)
    *r_pipeline = NULL;
  if (r_message)
    *r_message = NULL;
  if (!ctx || (!buffer && length) || !r_pipeline)
    return gpg_error (GPG_ERR_INV_ARG);
  return load_common (ctx, name ? name : "<memory>", NULL, buffer, length,
                      1, r_pipeline, r_message);
}

void
pgpstep_pipeline_release (pgpstep_pipeline_t pl)
{
  struct pgpstep_ctx *ctx;

  if (!pl)
    return;
  ctx = pl->ctx;
  pthread_mutex_lock (&ctx->load_lock);
  release_pipeline (pl);
  if (ctx->npipelines)
    ctx->npipelines--;
  pthread_mutex_unlock (&ctx->load_lock);
}

unsigned int
pgpstep_pipeline_step_count (pgpstep_pipeline_t pl)
{
  return pl ? pl->nsteps : 0;
}

const char *
pgpstep_pipeline_step_at (pgpstep_pipeline_t pl, unsigned int idx,
                          const char **r_type)
{
  if (!pl || idx >= pl->nsteps)
    return NULL;
  if (r_type)
    *r_type = pl->steps[idx]->step->type;
  return pl->steps[idx]->id;
}

const char *
pgpstep_pipeline_name (pgpstep_pipeline_t pl)
{
  if (!pl)
    return NULL;
  return pl->name ? pl->name : pl->source;
}
