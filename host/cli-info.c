/* cli-info.c - "pgpstep validate", "plugins" and "describe".  */
#include <config.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"


void
cli_validate_help (FILE *fp)
{
  fputs ("Usage: pgpstep validate PIPELINE\n"
         "Load the pipeline described by the file PIPELINE as 'run' would\n"
         "(each step checks its configuration) without running a message.\n"
         "Prints \"PIPELINE: ok (...)\" unless --quiet is given.\n"
         "\n"
         "Options:\n"
         "  -h, --help  show this help\n"
         "\n"
         "Exit status: 0 if the pipeline is valid, 78 if it is not; see\n"
         "'pgpstep --help' for the whole table.\n", fp);
}


void
cli_plugins_help (FILE *fp)
{
  fputs ("Usage: pgpstep plugins\n"
         "Load the plugin modules and list each one: its file, name,\n"
         "version, plugin ABI version and its steps with their summaries.\n"
         "\n"
         "Options:\n"
         "  -h, --help  show this help\n"
         "\n"
         "Exit status: 0, or 78 if a module was refused (the others are\n"
         "still listed); see 'pgpstep --help' for the whole table.\n", fp);
}


void
cli_describe_help (FILE *fp)
{
  fputs ("Usage: pgpstep describe STEP\n"
         "Show the parameter table of the step type STEP: for each\n"
         "parameter its name, type, flags (required, repeatable, whether\n"
         "it may be \"${header.NAME}\"), default, allowed values or bounds\n"
         "and description.\n"
         "\n"
         "Options:\n"
         "  -h, --help  show this help\n"
         "\n"
         "Exit status: 0, 2 if STEP is unknown, 78 if a plugin module was\n"
         "refused; see 'pgpstep --help' for the whole table.\n", fp);
}


/* Parse the options of a command that has only --help and NARGS
 * operands.  Returns an exit code, or -1 when the help was printed.  */
static int
parse_simple (const char *command, void (*help) (FILE *), int nargs,
              const char *argname, int argc, char **argv)
{
  static const struct option longopts[] =
    {
      { "help", no_argument, NULL, 'h' },
      { NULL, 0, NULL, 0 }
    };
  int c;

  optind = 0;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":h", longopts, NULL)) != -1)
    {
      if (c != 'h')
        return cli_bad_option (command, c, argv);
      help (stdout);
      return -1;
    }
  if (argc - optind < nargs)
    return cli_usage (command, "missing %s", argname);
  if (argc - optind > nargs)
    return cli_usage (command, "unexpected argument '%s'",
                      argv[optind + nargs]);
  return 0;
}


int
cli_validate (const struct cli_globals *g, int argc, char **argv)
{
  gpg_error_t err;
  pgpstep_t host = NULL;
  pgpstep_pipeline_t pipeline = NULL;
  const char *file, *name;
  char *message = NULL;
  int rc;

  rc = parse_simple ("validate", cli_validate_help, 1, "PIPELINE",
                     argc, argv);
  if (rc)
    return rc < 0 ? 0 : rc;
  file = argv[optind];

  rc = cli_open_host (g, &host);
  if (rc)
    goto leave;
  err = pgpstep_pipeline_load_file (host, file, &pipeline, &message);
  if (err)
    {
      cli_error ("%s", message ? message : gpg_strerror (err));
      rc = pgpstep_exit_code (err);
      goto leave;
    }
  if (!g->quiet)
    {
      unsigned int i, n = pgpstep_pipeline_step_count (pipeline);
      const char *id, *type;

      name = pgpstep_pipeline_name (pipeline);
      printf ("%s: ok (pipeline '%s', %u step%s:", file, name, n,
              n == 1 ? "" : "s");
      for (i = 0; (id = pgpstep_pipeline_step_at (pipeline, i, &type)); i++)
        printf ("%s %s(%s)", i ? "," : "", id, type);
      printf (")\n");
    }

 leave:
  pgpstep_free (message);
  if (pipeline)
    pgpstep_pipeline_release (pipeline);
  if (host)
    pgpstep_release (host);
  return rc;
}


int
cli_plugins (const struct cli_globals *g, int argc, char **argv)
{
  pgpstep_t host = NULL;
  const struct pgpstep_module *mod;
  const struct pgpstep_step *const *step;
  const char *file;
  unsigned int idx;
  int rc, width;

  rc = parse_simple ("plugins", cli_plugins_help, 0, NULL, argc, argv);
  if (rc)
    return rc < 0 ? 0 : rc;

  /* A refused module is reported; the others are still listed.  */
  rc = cli_open_host (g, &host);
  if (!host)
    return rc;
  for (idx = 0; (mod = pgpstep_module_at (host, idx, &file)); idx++)
    {
      printf ("%s%s %s (ABI %u.%u)\n  file: %s\n", idx ? "\n" : "",
              mod->name, mod->version ? mod->version : "?",
              mod->abi_major, mod->abi_minor, file);
      if (mod->description)
        printf ("  %s\n", mod->description);
      width = 0;
      for (step = mod->steps; step && *step; step++)
        if ((int)strlen ((*step)->type) > width)
          width = strlen ((*step)->type);
      printf ("  steps:\n");
      for (step = mod->steps; step && *step; step++)
        printf ("    %-*s  %s\n", width, (*step)->type,
                (*step)->summary ? (*step)->summary : "");
    }
  if (!idx && !rc && !g->quiet)
    printf ("no plugin modules loaded\n");
  pgpstep_release (host);
  return rc;
}




static char *
flags_text (unsigned int flags)
{
  char buf[64];

  snprintf (buf, sizeof buf, "%s%s%s",
            (flags & PGPSTEP_PARAM_REQUIRED) ? ",required" : "",
            (flags & PGPSTEP_PARAM_REPEATABLE) ? ",repeatable" : "",
            (flags & PGPSTEP_PARAM_HEADER_OK) ? ",${header}" : "");
  return strdup (*buf ? buf + 1 : "-");
}


/* Allowed values of an enum, or the bounds of a number.  */
static char *
values_text (const struct pgpstep_param *p)
{
  const char *const *v;
  char *s, *t;
  size_t len = 1;

  if (p->type == PGPSTEP_TYPE_ENUM && p->allowed && *p->allowed)
    {
      for (v = p->allowed; *v; v++)
        len += strlen (*v) + 1;
      s = t = malloc (len);
      for (v = p->allowed; s && *v; v++)
        t = stpcpy (stpcpy (t, v == p->allowed ? "" : "|"), *v);
      return s;
    }
  if ((p->type == PGPSTEP_TYPE_INT || p->type == PGPSTEP_TYPE_SIZE)
      && (p->min || p->max))
    return asprintf (&s, "%lld..%lld", p->min, p->max) < 0 ? NULL : s;
  return strdup ("-");
}


/* The cells of one row of the parameter table (malloced strings).  */
enum { COL_NAME, COL_TYPE, COL_FLAGS, COL_DEFAULT, COL_VALUES, NCOLS };

static gpg_error_t
param_cells (const struct pgpstep_param *p, char *cells[NCOLS])
{
  int col;

  cells[COL_NAME] = strdup (p->name);
  cells[COL_TYPE] = strdup (pgpstep_param_type_name (p->type));
  cells[COL_FLAGS] = flags_text (p->flags);
  cells[COL_DEFAULT] = strdup (p->default_value ? p->default_value : "-");
  cells[COL_VALUES] = values_text (p);
  for (col = 0; col < NCOLS; col++)
    if (!cells[col])
      return gpg_error_from_syserror ();
  return 0;
}


static void
print_row (char *const cells[NCOLS], const int width[NCOLS])
{
  int i;

  for (i = 0; i < NCOLS - 1; i++)
    printf ("  %-*s", width[i], cells[i]);
  printf ("  %s\n", cells[NCOLS - 1]);
}


static int
print_params (const struct pgpstep_param *params)
{
  static char *heading[NCOLS] =
    { "PARAMETER", "TYPE", "FLAGS", "DEFAULT", "VALUES" };
  gpg_error_t err = 0;
  unsigned int n, i;
  int width[NCOLS], col;
  char *(*cells)[NCOLS] = NULL;

  for (n = 0; params && pgpstep_param_at (params, n)->name; n++)
    ;
  if (!n)
    {
      printf ("No parameters.\n");
      return 0;
    }
  cells = calloc (n, sizeof *cells);
  if (!cells)
    err = gpg_error_from_syserror ();
  for (col = 0; col < NCOLS; col++)
    width[col] = strlen (heading[col]);
  for (i = 0; !err && i < n; i++)
    {
      err = param_cells (pgpstep_param_at (params, i), cells[i]);
      for (col = 0; !err && col < NCOLS; col++)
        if ((int)strlen (cells[i][col]) > width[col])
          width[col] = strlen (cells[i][col]);
    }
  if (!err)
    {
      print_row (heading, width);
      for (i = 0; i < n; i++)
        {
          print_row (cells[i], width);
          if (pgpstep_param_at (params, i)->description)
            printf ("      %s\n", pgpstep_param_at (params, i)->description);
        }
    }
  for (i = 0; cells && i < n; i++)
    for (col = 0; col < NCOLS; col++)
      free (cells[i][col]);
  free (cells);
  if (err)
    {
      cli_error ("%s", gpg_strerror (err));
      return pgpstep_exit_code (err);
    }
  return 0;
}


/* The known step types as "a, b, c" (malloced), for an unknown one.  */
static char *
known_steps (pgpstep_t host)
{
  const struct pgpstep_module *mod;
  const struct pgpstep_step *const *step;
  unsigned int idx;
  char *list = NULL;
  size_t len;
  FILE *fp;

  fp = open_memstream (&list, &len);
  if (!fp)
    return NULL;
  for (idx = 0; (mod = pgpstep_module_at (host, idx, NULL)); idx++)
    for (step = mod->steps; step && *step; step++)
      fprintf (fp, "%s%s", ftell (fp) ? ", " : "", (*step)->type);
  if (!ftell (fp))
    fputs ("none", fp);
  fclose (fp);
  return list;
}


int
cli_describe (const struct cli_globals *g, int argc, char **argv)
{
  pgpstep_t host = NULL;
  const struct pgpstep_step *step;
  const struct pgpstep_module *mod = NULL;
  const char *type;
  int rc;

  rc = parse_simple ("describe", cli_describe_help, 1, "STEP", argc, argv);
  if (rc)
    return rc < 0 ? 0 : rc;
  type = argv[optind];

  rc = cli_open_host (g, &host);
  if (rc)
    goto leave;
  step = pgpstep_step_lookup (host, type, &mod);
  if (!step)
    {
      char *known = known_steps (host);

      rc = cli_usage ("describe", "unknown step '%s' (known steps: %s)",
                      type, known ? known : "?");
      free (known);
      goto leave;
    }
  printf ("%s: %s\n", step->type, step->summary ? step->summary : "");
  if (mod)
    printf ("Module: %s %s\n", mod->name, mod->version ? mod->version : "");
  printf ("\n");
  rc = print_params (step->params);

 leave:
  if (host)
    pgpstep_release (host);
  return rc;
}
