/* descriptor.h - pipeline descriptors: parsed, validated structure.  */
#ifndef PGPSTEP_DESCRIPTOR_H
#define PGPSTEP_DESCRIPTOR_H

#include "ctx.h"

/* Largest descriptor file we read.  */
#define DESCRIPTOR_MAX_SIZE (4u * 1024 * 1024)

/* One value of one parameter of a step.  */
struct config_value
{
  const struct pgpstep_param *spec;
  char *value;          /* Normalised value (booleans "true"/"false");
                           for a dynamic one the text as written.  */
  char *header;         /* Dynamic: NAME of ${header.NAME}; else NULL.  */
  unsigned int line;    /* Descriptor line; 0 for a default.  */
  int is_default;
};

/* The static configuration of one step (pgpstep_config_t).  */
struct pgpstep_config
{
  struct pgpstep_pipeline *pipeline;
  unsigned int index;           /* 0-based position in the pipeline.  */
  char *id;                     /* id attribute or "TYPE#N" (1-based).  */
  unsigned int line;
  const struct pgpstep_step *step;
  const struct loaded_module *module;
  struct config_value *values;  /* Document order, then defaults.  */
  unsigned int nvalues;

  void *state;                  /* From step->create.  */
  int created;

  /* Set by the config_error service during create.  */
  gpg_error_t error_code;
  char *error_key;
  char *error_text;

  /* Secrets looked up by config_secret; wiped on release.  */
  struct cached_secret *secrets;
  /* Why the last config_secret failed (used when create fails
   * without calling config_error).  */
  char *secret_error;

  /* The runtime home of the step's keyrings (keyring.c); the
   * pipeline's empty home when the step names no keyring; NULL before
   * the homes are built.  Owned by the pipeline's HOMES.  */
  struct runtime_home *home;
};

/* A secret fetched for a step, kept until the pipeline is released.  */
struct cached_secret
{
  struct cached_secret *next;
  char *ref;                    /* "secret:NAME" or "env:NAME".  */
  char *value;                  /* NUL-terminated; LEN bytes.  */
  size_t len;
};

/* A <keyring> of the pipeline.  Paths are stored absolute (relative
 * ones resolved against the descriptor's directory).  */
struct keyring_def
{
  char *name;
  char *public_file;
  char *secret_file;
  char *passphrase;     /* Secret reference, never a literal.  */
  char *home;
  char *keys;           /* Comma-separated fingerprints (with HOME).  */
  unsigned int line;
};

struct pgpstep_pipeline
{
  struct pgpstep_ctx *ctx;
  char *source;                 /* File name, or the name given for a
                                   memory descriptor; used in messages. */
  char *basedir;                /* Directory relative paths start from. */
  char *name;                   /* name attribute (may be NULL).  */
  struct keyring_def *keyrings;
  unsigned int nkeyrings;
  struct pgpstep_config **steps;
  unsigned int nsteps;

  /* The runtime homes built at load (keyring.c); released by
   * pgpstep_pipeline_release after the steps are destroyed.  */
  struct keyring_homes *homes;
};

/* Read FILE (at most MAXLEN bytes, else GPG_ERR_TOO_LARGE) into a
 * malloced buffer (NUL-terminated for convenience).  */
gpg_error_t descriptor_read_file (const char *file, size_t maxlen,
                                  char **r_buffer, size_t *r_length,
                                  char **r_message);

/* Parse and validate a descriptor held in memory against the steps
 * registered in CTX.  SOURCE names it in messages; BASEDIR resolves
 * relative paths (NULL: current directory).  Does not call create.
 * Errors are GPG_ERR_CONFIGURATION with R_MESSAGE like
 * "FILE:LINE: step 'ID': parameter 'P': what is wrong".  */
gpg_error_t descriptor_parse (struct pgpstep_ctx *ctx, const char *source,
                              const char *basedir,
                              const void *buffer, size_t length,
                              struct pgpstep_pipeline **r_pipeline,
                              char **r_message);

/* Free a pipeline structure (calls destroy on created steps).  */
void descriptor_release (struct pgpstep_pipeline *pipeline);

/* Count/find values of parameter NAME of CFG.  */
unsigned int config_value_count (struct pgpstep_config *cfg,
                                 const char *name);
struct config_value *config_value_at (struct pgpstep_config *cfg,
                                      const char *name, unsigned int idx);

#endif /*PGPSTEP_DESCRIPTOR_H*/
