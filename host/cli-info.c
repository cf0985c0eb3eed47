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
         "   or: pgpstep describe --man [STEP...]\n"
         "Show the parameter table of the step type STEP: for each\n"
         "parameter its name, type, flags (required, repeatable, whether\n"
         "it may be \"${header.NAME}\"), default, allowed values or bounds\n"
         "and description.\n"
         "\n"
         "Options:\n"
         "      --man   print the tables of the steps STEP... (default: of\n"
         "              every loaded step, sorted by type) as roff, the\n"
         "              STEPS section of pgpstep-pipeline(5)\n"
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


/*
 * describe --man: the parameter tables as roff, for the STEPS section
 * of pgpstep-pipeline(5).  doc/gen-steps.sh pastes this output into
 * the page and a test compares the two, so it must depend on the
 * tables alone (no file names, no versions) and be deterministic.
 */

/* Length of the UTF-8 sequence at S and its code point, or 0 when S
 * does not start a valid one.  */
static int
utf8_char (const unsigned char *s, unsigned int *r_cp)
{
  unsigned int cp;
  int len, i;

  if (*s >= 0xc2 && *s <= 0xdf)
    len = 2, cp = *s & 0x1f;
  else if (*s >= 0xe0 && *s <= 0xef)
    len = 3, cp = *s & 0x0f;
  else if (*s >= 0xf0 && *s <= 0xf4)
    len = 4, cp = *s & 0x07;
  else
    return 0;
  for (i = 1; i < len; i++)
    {
      if ((s[i] & 0xc0) != 0x80)
        return 0;
      cp = (cp << 6) | (s[i] & 0x3f);
    }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)
      || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
    return 0;
  *r_cp = cp;
  return len;
}


/* Write S as roff text.  Backslashes are escaped and hyphens become
 * \- (parameter and value names are typed by users, so they must
 * come out as ASCII minus); a leading '.' or '\'' would make the line
 * a request, so it is neutralised wherever S lands; line breaks and
 * control characters become spaces (a description is one paragraph);
 * other characters than ASCII become \[uXXXX] so the page stays
 * ASCII and needs no preconv, and bytes that are not UTF-8 '?'.  */
static void
roff_puts (FILE *fp, const char *s)
{
  const unsigned char *p = (const unsigned char *)s;
  unsigned int cp;
  int len;

  if (*p == '.' || *p == '\'')
    fputs ("\\&", fp);
  while (*p)
    {
      if (*p == '\\')
        fputs ("\\e", fp);
      else if (*p == '-')
        fputs ("\\-", fp);
      else if (*p < 0x20 || *p == 0x7f)
        putc (' ', fp);
      else if (*p < 0x80)
        putc (*p, fp);
      else if ((len = utf8_char (p, &cp)))
        {
          fprintf (fp, "\\[u%04X]", cp);
          p += len;
          continue;
        }
      else
        putc ('?', fp);  /* Not UTF-8; no font has a glyph for it.  */
      p++;
    }
}


/* Write S in bold (FONT 'B') or italics ('I') within a text line;
 * such a name or value is never hyphenated.  */
static void
roff_font (FILE *fp, int font, const char *s)
{
  fprintf (fp, "\\f%c\\%%", font);
  roff_puts (fp, s);
  fputs ("\\fR", fp);
}


static int
has_allowed (const struct pgpstep_param *p)
{
  return p->type == PGPSTEP_TYPE_ENUM && p->allowed && *p->allowed;
}

static int
has_bounds (const struct pgpstep_param *p)
{
  return (p->type == PGPSTEP_TYPE_INT || p->type == PGPSTEP_TYPE_SIZE)
    && (p->min || p->max);
}

static void
man_param (FILE *fp, const struct pgpstep_param *p)
{
  const char *const *v;
  char num[32];

  fputs (".TP\n", fp);
  roff_font (fp, 'B', p->name);
  fputs (" (", fp);
  roff_font (fp, 'I', pgpstep_param_type_name (p->type));
  fputs (")\n", fp);
  if (p->description && *p->description)
    {
      roff_puts (fp, p->description);
      fputs ("\n", fp);
      if ((p->flags & (PGPSTEP_PARAM_REQUIRED | PGPSTEP_PARAM_REPEATABLE
                       | PGPSTEP_PARAM_HEADER_OK))
          || has_allowed (p) || has_bounds (p) || p->default_value)
        fputs (".br\n", fp);
    }

  /* The facts, one sentence a line, filled into one paragraph.  */
  if ((p->flags & PGPSTEP_PARAM_REQUIRED))
    fputs ("Required.\n", fp);
  if ((p->flags & PGPSTEP_PARAM_REPEATABLE))
    fputs ("Repeatable.\n", fp);
  if ((p->flags & PGPSTEP_PARAM_HEADER_OK))
    fputs ("May be \\fB${header.\\fINAME\\fB}\\fR.\n", fp);
  if (has_allowed (p))
    {
      /* Separate words, so that long lists can be broken.  */
      fputs ("One of", fp);
      for (v = p->allowed; *v; v++)
        {
          fputs (v == p->allowed ? " " : ", ", fp);
          roff_font (fp, 'B', *v);
        }
      fputs (".\n", fp);
    }
  if (has_bounds (p))
    {
      /* Via roff_puts: a negative bound needs its \-.  */
      snprintf (num, sizeof num, "%lld", p->min);
      fputs ("From ", fp);
      roff_puts (fp, num);
      snprintf (num, sizeof num, "%lld", p->max);
      fputs (" to ", fp);
      roff_puts (fp, num);
      fputs (p->type == PGPSTEP_TYPE_SIZE ? " bytes.\n" : ".\n", fp);
    }
  if (p->default_value)
    {
      fputs ("Default: ", fp);
      roff_font (fp, 'B', p->default_value);
      fputs (".\n", fp);
    }
}


static void
man_step (FILE *fp, const struct pgpstep_step *step,
          const struct pgpstep_module *mod)
{
  const struct pgpstep_param *p;
  unsigned int i;

  fputs (".SS ", fp);
  roff_puts (fp, step->type);
  fputs ("\n", fp);
  if (step->summary && *step->summary)
    {
      roff_puts (fp, step->summary);
      fputs ("\n", fp);
    }
  if (mod && mod->name)
    {
      fputs ("(Plugin module ", fp);
      roff_font (fp, 'B', mod->name);
      fputs (".)\n", fp);
    }
  fputs (".PP\n", fp);
  if (!step->params || !step->params->name)
    {
      fputs ("No parameters.\n", fp);
      return;
    }
  fputs ("Parameters:\n", fp);
  for (i = 0; (p = pgpstep_param_at (step->params, i))->name; i++)
    man_param (fp, p);
}


/* A step and its module, for sorting.  */
struct step_ref
{
  const struct pgpstep_step *step;
  const struct pgpstep_module *mod;
};

static int
cmp_step_ref (const void *a, const void *b)
{
  return strcmp (((const struct step_ref *)a)->step->type,
                 ((const struct step_ref *)b)->step->type);
}


/* Print the roff of every loaded step, sorted by type.  */
static int
man_all_steps (pgpstep_t host)
{
  gpg_error_t err = 0;
  const struct pgpstep_module *mod;
  const struct pgpstep_step *const *step;
  struct step_ref *refs = NULL;
  unsigned int idx;
  size_t n = 0, i;

  for (idx = 0; (mod = pgpstep_module_at (host, idx, NULL)); idx++)
    for (step = mod->steps; step && *step; step++)
      n++;
  if (n && !(refs = calloc (n, sizeof *refs)))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  i = 0;
  for (idx = 0; (mod = pgpstep_module_at (host, idx, NULL)); idx++)
    for (step = mod->steps; step && *step && i < n; step++, i++)
      {
        refs[i].step = *step;
        refs[i].mod = mod;
      }
  if (n)
    qsort (refs, n, sizeof *refs, cmp_step_ref);
  for (i = 0; i < n; i++)
    man_step (stdout, refs[i].step, refs[i].mod);

 leave:
  free (refs);
  if (err)
    {
      cli_error ("%s", gpg_strerror (err));
      return pgpstep_exit_code (err);
    }
  return 0;
}


/* Parse the options of describe: STEP, or --man and any number of
 * STEPs.  Returns an exit code, or -1 when the help was printed.  */
static int
parse_describe (int argc, char **argv, int *r_man)
{
  enum { OPT_MAN = 256 };
  static const struct option longopts[] =
    {
      { "man",  no_argument, NULL, OPT_MAN },
      { "help", no_argument, NULL, 'h' },
      { NULL, 0, NULL, 0 }
    };
  int c;

  *r_man = 0;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long (argc, argv, ":h", longopts, NULL)) != -1)
    {
      if (c == OPT_MAN)
        *r_man = 1;
      else if (c == 'h')
        {
          cli_describe_help (stdout);
          return -1;
        }
      else
        return cli_bad_option ("describe", c, argv);
    }
  if (*r_man)
    return 0;
  if (argc - optind < 1)
    return cli_usage ("describe", "missing STEP");
  if (argc - optind > 1)
    return cli_usage ("describe", "unexpected argument '%s'",
                      argv[optind + 1]);
  return 0;
}


/* Look up step TYPE; an unknown one is a usage error naming the known
 * steps.  */
static int
find_step (pgpstep_t host, const char *type,
           const struct pgpstep_step **r_step,
           const struct pgpstep_module **r_mod)
{
  char *known;
  int rc;

  *r_mod = NULL;
  *r_step = pgpstep_step_lookup (host, type, r_mod);
  if (*r_step)
    return 0;
  known = known_steps (host);
  rc = cli_usage ("describe", "unknown step '%s' (known steps: %s)",
                  type, known ? known : "?");
  free (known);
  return rc;
}


int
cli_describe (const struct cli_globals *g, int argc, char **argv)
{
  pgpstep_t host = NULL;
  const struct pgpstep_step *step;
  const struct pgpstep_module *mod = NULL;
  int rc, man, i;

  rc = parse_describe (argc, argv, &man);
  if (rc)
    return rc < 0 ? 0 : rc;

  rc = cli_open_host (g, &host);
  if (rc)
    goto leave;
  if (man)
    {
      /* Check every STEP first: on a typo nothing is printed.  */
      for (i = optind; i < argc; i++)
        if ((rc = find_step (host, argv[i], &step, &mod)))
          goto leave;
      if (optind == argc)
        rc = man_all_steps (host);
      for (i = optind; !rc && i < argc; i++)
        if (!(rc = find_step (host, argv[i], &step, &mod)))
          man_step (stdout, step, mod);
      goto leave;
    }

  rc = find_step (host, argv[optind], &step, &mod);
  if (rc)
    goto leave;
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
