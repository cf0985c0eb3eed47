/* fuzz-descriptor.c - libFuzzer target: pipeline descriptors.
 *
 * A host with one static test module whose steps take every parameter
 * type and flag parses the input as a descriptor from memory
 * (descriptor_parse: parse and validate), creates its steps and
 * releases it.  Keyring homes are not built (that runs gpg).  Checks: a refusal carries a one-line
 * message naming the source; every value a step sees at create time
 * is of its declared type (a literal passes param_check unchanged, a
 * dynamic one is exactly ${header.NAME} of a HEADER_OK parameter); a
 * keyring value names a <keyring> of the pipeline.
 */
#include <config.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "descriptor.h"
#include "loader.h"
#include "params.h"

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "%s:%d: check failed: %s\n", \
                               __FILE__, __LINE__, #cond); abort (); } \
  } while (0)

#define SOURCE "fuzz.xml"

static const char *const modes[] = { "fast", "safe", NULL };

#define P(name, type, flags, def, min, max) \
  { sizeof (struct pgpstep_param), name, type, flags, def, \
    type == PGPSTEP_TYPE_ENUM ? modes : NULL, min, max, "A parameter." }

/* Every type, with and without bounds, defaults, flags.  */
static const struct pgpstep_param all_params[] = {
  P ("text",       PGPSTEP_TYPE_STRING,  PGPSTEP_PARAM_HEADER_OK, NULL, 0, 0),
  P ("note",       PGPSTEP_TYPE_STRING,  PGPSTEP_PARAM_REPEATABLE, "x", 0, 0),
  P ("flag",       PGPSTEP_TYPE_BOOL,    0, "yes", 0, 0),
  P ("dflag",      PGPSTEP_TYPE_BOOL,    PGPSTEP_PARAM_HEADER_OK, NULL, 0, 0),
  P ("count",      PGPSTEP_TYPE_INT,     0, NULL, 1, 10),
  P ("offset",     PGPSTEP_TYPE_INT,     PGPSTEP_PARAM_HEADER_OK, NULL, 0, 0),
  P ("mode",       PGPSTEP_TYPE_ENUM,    PGPSTEP_PARAM_HEADER_OK, "safe",
                   0, 0),
  P ("recipient",  PGPSTEP_TYPE_KEY,     PGPSTEP_PARAM_REPEATABLE
                   | PGPSTEP_PARAM_HEADER_OK, NULL, 0, 0),
  P ("keyring",    PGPSTEP_TYPE_KEYRING, PGPSTEP_PARAM_REPEATABLE, NULL, 0, 0),
  P ("passphrase", PGPSTEP_TYPE_SECRET,  0, NULL, 0, 0),
  P ("not-before", PGPSTEP_TYPE_TIME,    PGPSTEP_PARAM_HEADER_OK, NULL, 0, 0),
  P ("limit",      PGPSTEP_TYPE_SIZE,    0, NULL, 1024, 1 << 30),
  P ("max",        PGPSTEP_TYPE_SIZE,    PGPSTEP_PARAM_HEADER_OK, "1M", 0, 0),
  { 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL }
};

static const struct pgpstep_param req_params[] = {
  P ("key",   PGPSTEP_TYPE_KEY, PGPSTEP_PARAM_REQUIRED, NULL, 0, 0),
  P ("level", PGPSTEP_TYPE_INT, 0, "3", 0, 9),
  { 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL }
};

/* Check what a step sees at create time.  */
static gpg_error_t
check_create (const struct pgpstep_host *host, pgpstep_config_t cfg,
              void **r_state)
{
  const struct pgpstep_config *c = cfg;
  const struct pgpstep_param *spec;
  const char *id, *value, *t;
  char *norm, *why, *name;
  unsigned int i, k, n;

  id = host->config_step_id (cfg);
  CHECK (id && *id);
  for (i = 0; (spec = pgpstep_param_at (c->step->params, i))->name; i++)
    {
      n = host->config_count (cfg, spec->name);
      if (!(spec->flags & PGPSTEP_PARAM_REPEATABLE))
        CHECK (n <= 1);
      if ((spec->flags & PGPSTEP_PARAM_REQUIRED) || spec->default_value)
        CHECK (n >= 1);
      CHECK (!host->config_value (cfg, spec->name, n));
      for (k = 0; k < n; k++)
        {
          value = host->config_value (cfg, spec->name, k);
          CHECK (value);
          if (host->config_is_dynamic (cfg, spec->name, k))
            {
              CHECK (spec->flags & PGPSTEP_PARAM_HEADER_OK);
              CHECK (param_header_ref (value, &name) == 1);
              free (name);
              continue;
            }
          CHECK (param_header_ref (value, &name) == 0);
          if (param_check (spec, value, &norm, &why))
            {
              fprintf (stderr, "step '%s': %s value '%s' is refused by"
                       " param_check: %s\n", id, spec->name, value,
                       why ? why : "?");
              abort ();
            }
          if (strcmp (norm, value))
            {
              fprintf (stderr, "step '%s': %s value '%s' normalises to"
                       " '%s'\n", id, spec->name, value, norm);
              abort ();
            }
          free (norm);
          if (spec->type == PGPSTEP_TYPE_KEYRING)
            {
              unsigned int j;

              for (j = 0; j < c->pipeline->nkeyrings; j++)
                if (!strcmp (c->pipeline->keyrings[j].name, value))
                  break;
              CHECK (j < c->pipeline->nkeyrings);
            }
        }
    }
  t = host->config_value (cfg, "text", 0);
  if (t && !strcmp (t, "fail"))
    {
      host->config_error (cfg, gpg_error (GPG_ERR_BAD_PASSPHRASE), "text",
                          "told to %s", "fail");
      return gpg_error (GPG_ERR_BAD_PASSPHRASE);
    }
  *r_state = malloc (1);
  return *r_state ? 0 : gpg_error_from_syserror ();
}

static gpg_error_t
no_process (void *state, pgpstep_message_t msg,
            struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  (void)state;
  (void)msg;
  (void)source;
  (void)sink;
  return 0;
}

static void
free_state (void *state)
{
  free (state);
}

static const struct pgpstep_step all_step = {
  sizeof all_step, "all", "Every type.", all_params, 0,
  check_create, no_process, free_state
};
static const struct pgpstep_step req_step = {
  sizeof req_step, "req", "A required key.", req_params, 0,
  check_create, no_process, free_state
};
static gpg_error_t
plain_create (const struct pgpstep_host *host, pgpstep_config_t cfg,
              void **r_state)
{
  (void)host;
  (void)cfg;
  *r_state = NULL;
  return 0;
}

static const struct pgpstep_step none_step = {
  sizeof none_step, "none", "No parameters.", NULL, 0,
  plain_create, no_process, free_state
};
static const struct pgpstep_step *const steps[] = {
  &all_step, &req_step, &none_step, NULL
};
static const struct pgpstep_module module = {
  sizeof module, PGPSTEP_ABI_MAJOR, PGPSTEP_ABI_MINOR, "fuzz", "1",
  "Steps for the descriptor fuzzer.", steps
};

static gpg_error_t
module_init (const struct pgpstep_host *host,
             const struct pgpstep_module **r_module)
{
  (void)host;
  *r_module = &module;
  return 0;
}

static pgpstep_t host;

static void
quiet_log (void *opaque, int level, const char *step, const char *text)
{
  (void)opaque;
  (void)level;
  (void)step;
  (void)text;
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  struct pgpstep_options opt;
  char *reason = NULL;

  (void)argc;
  (void)argv;
  memset (&opt, 0, sizeof opt);
  opt.struct_size = sizeof opt;
  opt.verbosity = PGPSTEP_LOG_ERROR;
  opt.log_cb = quiet_log;
  opt.secrets_dir = "/nonexistent/pgpstep-fuzz-secrets";
  if (pgpstep_new (&host, &opt)
      || loader_register_static (host, "fuzz", module_init, &reason))
    {
      fprintf (stderr, "cannot set up the host: %s\n",
               reason ? reason : "?");
      abort ();
    }
  return 0;
}

/* Create the steps as the host's load does, minus the keyring homes
 * (which would run gpg): the create-time services are what is fuzzed.  */
static void
create_steps (struct pgpstep_pipeline *pl)
{
  struct pgpstep_config *cfg;
  unsigned int i;

  for (i = 0; i < pl->nsteps; i++)
    {
      cfg = pl->steps[i];
      cfg->state = NULL;
      if (cfg->step->create (pl->ctx->services, cfg, &cfg->state))
        {
          cfg->state = NULL;
          break;
        }
      cfg->created = 1;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct pgpstep_pipeline *pl = NULL;
  char *msg = NULL;
  gpg_error_t err;
  unsigned int i;
  size_t k;

  err = descriptor_parse (host, SOURCE, "/base", data, size, &pl, &msg);
  if (err)
    {
      CHECK (!pl);
      CHECK (msg);
      CHECK (!strncmp (msg, SOURCE ":", strlen (SOURCE ":")));
      /* One line: messages go to logs and terminals.  */
      for (k = 0; msg[k]; k++)
        if ((unsigned char)msg[k] < 0x20 || msg[k] == 0x7f)
          {
            fprintf (stderr, "control character 0x%02x in message: %s\n",
                     (unsigned char)msg[k], msg);
            abort ();
          }
      free (msg);
      return 0;
    }
  CHECK (pl && !msg);
  CHECK (pl->nsteps >= 1);
  for (i = 0; i < pl->nsteps; i++)
    CHECK (pl->steps[i]->id && pl->steps[i]->step);
  for (i = 0; i < pl->nkeyrings; i++)
    {
      CHECK (pl->keyrings[i].name);
      CHECK (!pl->keyrings[i].public_file
             || *pl->keyrings[i].public_file == '/');
      CHECK (!pl->keyrings[i].home || *pl->keyrings[i].home == '/');
    }
  create_steps (pl);
  descriptor_release (pl);
  return 0;
}
