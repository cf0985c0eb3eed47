/* mod.c - a step module for the loader tests.
 *
 * Built once as the good module (step "good-cat") and once per way of
 * breaking the ABI; tests/modules/local.mk selects the break with one
 * of these defines:
 *   MOD_NO_ENTRY      export the entry point under a wrong name
 *   MOD_INIT_ERR      init fails with this gpg_err_code_t
 *   MOD_ABI_MAJOR     / MOD_ABI_MINOR  claim another ABI version
 *   MOD_SIZE          module struct_size
 *   MOD_PARAM_SIZE    struct_size of the parameter entry
 *   MOD_NAME          module name (the step type stays "good-cat")
 *   MOD_CTOR          a constructor (runs at dlopen, before any check
 *                     of the loader could) creates the file named by
 *                     $PGPSTEP_TEST_CTOR_MARKER
 */
#ifdef MOD_CTOR
# include <fcntl.h>
# include <stdlib.h>
# include <unistd.h>

__attribute__ ((constructor)) static void
mark_loaded (void)
{
  const char *file = getenv ("PGPSTEP_TEST_CTOR_MARKER");
  int fd;

  if (file && (fd = open (file, O_WRONLY | O_CREAT, 0600)) >= 0)
    close (fd);
}
#endif
#ifdef MOD_NO_ENTRY
# define pgpstep_module_init pgpstep_module_start
#endif
#include <pgpstep/pgpstep.h>

#ifndef MOD_ABI_MAJOR
# define MOD_ABI_MAJOR PGPSTEP_ABI_MAJOR
#endif
#ifndef MOD_ABI_MINOR
# define MOD_ABI_MINOR PGPSTEP_ABI_MINOR
#endif
#ifndef MOD_SIZE
# define MOD_SIZE sizeof (struct pgpstep_module)
#endif
#ifndef MOD_PARAM_SIZE
# define MOD_PARAM_SIZE sizeof (struct pgpstep_param)
#endif
#ifndef MOD_NAME
# define MOD_NAME "good"
#endif
#ifndef MOD_INIT_ERR
# define MOD_INIT_ERR GPG_ERR_NO_ERROR
#endif

static gpg_error_t
cat_create (const struct pgpstep_host *host, pgpstep_config_t cfg,
            void **r_state)
{
  (void)host;
  (void)cfg;
  *r_state = NULL;
  return 0;
}

static gpg_error_t
cat_process (void *state, pgpstep_message_t msg,
             struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  char buf[4096];
  ssize_t n;

  (void)state;
  (void)msg;
  while ((n = source->read (source->handle, buf, sizeof buf)) > 0)
    if (sink->write (sink->handle, buf, (size_t)n) < 0)
      return gpg_error_from_syserror ();
  return n < 0 ? gpg_error_from_syserror () : 0;
}

static void
cat_destroy (void *state)
{
  (void)state;
}

static const struct pgpstep_param cat_params[] =
  {
    { .struct_size = MOD_PARAM_SIZE, .name = "greeting",
      .type = PGPSTEP_TYPE_STRING, .description = "Ignored." },
    { .name = NULL }
  };

static const struct pgpstep_step cat_step =
  {
    .struct_size = sizeof (struct pgpstep_step),
    .type = "good-cat",
    .summary = "Copy the input unchanged.",
    .params = cat_params,
    .create = cat_create,
    .process = cat_process,
    .destroy = cat_destroy
  };

static const struct pgpstep_step *const steps[] = { &cat_step, NULL };

static const struct pgpstep_module module =
  {
    .struct_size = MOD_SIZE,
    .abi_major = MOD_ABI_MAJOR,
    .abi_minor = MOD_ABI_MINOR,
    .name = MOD_NAME,
    .version = "1",
    .description = "Loader test module.",
    .steps = steps
  };

PGPSTEP_EXPORT gpg_error_t
pgpstep_module_init (const struct pgpstep_host *host,
                     const struct pgpstep_module **r_module)
{
  (void)host;
  *r_module = &module;  /* Even on error: the loader must not use it.  */
  return gpg_error (MOD_INIT_ERR);
}
