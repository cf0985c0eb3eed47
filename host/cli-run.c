/* cli-run.c - "pgpstep run": one message through a pipeline.  */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"
#include "outfile.h"

/* Upper bounds for files read whole.  */
#define HEADER_FILE_MAX (64u * 1024)
#define HEADERS_JSON_MAX (1024u * 1024)

/* One of --header, --header-file, --headers, kept in command-line
 * order so that a later one overrides an earlier one.  */
struct header_arg
{
  int option;
  const char *arg;
};

/* A --save-header NAME=FILE.  */
struct save_arg
{
  char *name;                   /* Malloced.  */
  const char *file;             /* Points into argv.  */
  struct outfile *of;
};

struct run_args
{
  const char *pipeline;
  const char *input;            /* NULL: stdin.  */
  const char *output;           /* NULL: stdout.  */
  const char *headers_out;      /* NULL: none; "-": stdout.  */
  int overwrite;
  mode_t mode;
  unsigned int timeout_ms;
  struct header_arg *headers;
  unsigned int nheaders;
  struct save_arg *saves;
  unsigned int nsaves;
  const char *batch;            /* --batch IN_DIR.  */
  const char *suffix;
  unsigned int jobs;            /* 0: the number of processors.  */
  int progress;
};

enum
  {
    OPT_OVERWRITE = 256, OPT_MODE, OPT_TIMEOUT, OPT_HEADER,
    OPT_HEADER_FILE, OPT_HEADERS, OPT_HEADERS_OUT, OPT_SAVE_HEADER,
    OPT_BATCH, OPT_JOBS, OPT_SUFFIX, OPT_PROGRESS
  };


void
cli_run_help (FILE *fp)
{
  fputs (
"Usage: pgpstep run PIPELINE [OPTIONS]\n"
"Run one message through the pipeline described by the file PIPELINE.\n"
"\n"
"The output becomes visible only when every step succeeded: an output\n"
"file is written to a temporary file in its directory and renamed into\n"
"place; stdout output is spooled and written at the end.  On failure\n"
"nothing is written and no temporary file remains.\n"
"\n"
"Options:\n"
"  -i, --input FILE          read the message from FILE\n"
"                            ('-': stdin, the default)\n"
"  -o, --output FILE         write the result to FILE\n"
"                            ('-': stdout, the default)\n"
"      --overwrite           replace an existing output file (atomically)\n"
"      --mode OCTAL          permission bits of the output files\n"
"                            (default 0600; the umask does not apply)\n"
"      --timeout SECONDS     fail the message when it takes longer\n"
"                            (fractions allowed; 0: no deadline)\n"
"      --header NAME=VALUE   set the input header NAME (repeatable)\n"
"      --header-file NAME=FILE\n"
"                            set the input header NAME to the content of\n"
"                            FILE, one trailing newline removed (repeatable)\n"
"      --headers FILE        set the input headers of the flat JSON object\n"
"                            in FILE ({\"name\": \"value\", ...})\n"
"      --headers-out FILE    write the result headers as a JSON object to\n"
"                            FILE, after the output ('-': stdout, only with\n"
"                            -o FILE)\n"
"      --save-header NAME=FILE\n"
"                            write the value of the result header NAME to\n"
"                            FILE, with a final newline (repeatable; e.g.\n"
"                            pgp.signature to a .sig file).  A header the\n"
"                            run did not set fails it (exit 61) and\n"
"                            nothing is written\n"
"  -h, --help                show this help\n"
"\n"
"Batch mode:\n"
"      --batch IN_DIR        run every regular file of IN_DIR as one\n"
"                            message into -o OUT_DIR (another directory);\n"
"                            NAME.headers.json next to a message holds its\n"
"                            input headers (over the --header options);\n"
"                            hidden files and sidecars are no messages\n"
"  -j, --jobs N              parallel workers (default: the number of\n"
"                            processors)\n"
"      --suffix EXT          output names are NAME+EXT (e.g. .gpg)\n"
"      --progress            show messages done/failed/remaining on stderr\n"
"                            (also for one message: bytes, rate, ETA;\n"
"                            shown without it when stderr is a terminal)\n"
"  A message is done when its output is committed and synced; outputs\n"
"  that exist are skipped, so re-running a batch finishes it.  One JSON\n"
"  line per message on stdout: {\"message\", \"status\": ok|failed|skipped,\n"
"  \"output\", \"headers\"} or {..., \"exit\", \"step\", \"error\"}.  Inputs\n"
"  are never changed.  Exit code: 0, or that of the first failed message\n"
"  in name order.\n"
"\n"
"Header options apply in command-line order; a later one wins.  Output\n"
"files that exist are refused (exit 59) before the pipeline runs unless\n"
"--overwrite is given.\n"
"\n", fp);
  cli_print_exit_codes (fp);
}


static int
parse_mode (const char *s, mode_t *r_mode)
{
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul (s, &end, 8);
  if (!*s || *end || errno || v > 0777 || *s == '-' || *s == '+')
    return cli_usage ("run", "--mode needs octal permission bits"
                      " (0000 to 0777), found '%s'", s);
  *r_mode = v;
  return 0;
}


static int
parse_timeout (const char *s, unsigned int *r_ms)
{
  char *end;
  double v;

  errno = 0;
  v = strtod (s, &end);
  /* The negated test also refuses NaN.  */
  if (!*s || *end || errno || !(v >= 0 && v * 1000 <= UINT_MAX))
    return cli_usage ("run", "--timeout needs a number of seconds,"
                      " found '%s'", s);
  *r_ms = (unsigned int)(v * 1000);
  if (*r_ms < v * 1000)
    ++*r_ms;    /* Round up: a deadline is never shorter than asked.  */
  return 0;
}


/* Store the value of an option that may be given once.  */
static int
set_once (const char **slot, const char *value, const char *option)
{
  if (*slot)
    return cli_usage ("run", "%s given twice", option);
  *slot = value;
  return 0;
}


static int
parse_jobs (const char *s, unsigned int *r_jobs)
{
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul (s, &end, 10);
  if (!*s || *end || errno || !v || v > 256 || *s == '-' || *s == '+')
    return cli_usage ("run", "--jobs needs a number from 1 to 256,"
                      " found '%s'", s);
  *r_jobs = v;
  return 0;
}

/* Record "NAME=FILE" of --save-header in A.  */
static int
add_save_arg (struct run_args *a, const char *arg)
{
  const char *eq = strchr (arg, '=');
  struct save_arg *sa = a->saves + a->nsaves;

  if (!eq || eq == arg || !eq[1])
    return cli_usage ("run", "--save-header needs NAME=FILE, found '%s'",
                      arg);
  if (!strcmp (eq + 1, "-"))
    return cli_usage ("run", "--save-header needs a file, not stdout");
  sa->name = strndup (arg, eq - arg);
  if (!sa->name)
    {
      cli_error ("%s", strerror (errno));
      return cli_exit (GPG_ERR_ENOMEM);
    }
  sa->file = eq + 1;
  a->nsaves++;
  return 0;
}

/* Every output file of A is named once.  */
static int
check_save_files (const struct run_args *a)
{
  unsigned int i, j;

  for (i = 0; i < a->nsaves; i++)
    {
      if ((a->output && !strcmp (a->saves[i].file, a->output))
          || (a->headers_out && !strcmp (a->saves[i].file, a->headers_out)))
        return cli_usage ("run", "--save-header file '%s' is also another"
                          " output", a->saves[i].file);
      for (j = 0; j < i; j++)
        if (!strcmp (a->saves[i].file, a->saves[j].file))
          return cli_usage ("run", "--save-header file '%s' named twice",
                            a->saves[i].file);
    }
  return 0;
}


/* Parse the command line into A.  Returns an exit code, or -1 when the
 * help was printed.  */
static int
parse_args (int argc, char **argv, struct run_args *a)
{
  static const struct option longopts[] =
    {
      { "input",       required_argument, NULL, 'i' },
      { "output",      required_argument, NULL, 'o' },
      { "overwrite",   no_argument,       NULL, OPT_OVERWRITE },
      { "mode",        required_argument, NULL, OPT_MODE },
      { "timeout",     required_argument, NULL, OPT_TIMEOUT },
      { "header",      required_argument, NULL, OPT_HEADER },
      { "header-file", required_argument, NULL, OPT_HEADER_FILE },
      { "headers",     required_argument, NULL, OPT_HEADERS },
      { "headers-out", required_argument, NULL, OPT_HEADERS_OUT },
      { "save-header", required_argument, NULL, OPT_SAVE_HEADER },
      { "batch",       required_argument, NULL, OPT_BATCH },
      { "jobs",        required_argument, NULL, 'j' },
      { "suffix",      required_argument, NULL, OPT_SUFFIX },
      { "progress",    no_argument,       NULL, OPT_PROGRESS },
      { "help",        no_argument,       NULL, 'h' },
      { NULL, 0, NULL, 0 }
    };
  int c, rc = 0;

  a->mode = OUTFILE_DEFAULT_MODE;
  a->headers = calloc (argc, sizeof *a->headers);
  a->saves = calloc (argc, sizeof *a->saves);
  if (!a->headers || !a->saves)
    {
      cli_error ("%s", strerror (errno));
      return cli_exit (GPG_ERR_ENOMEM);
    }

  optind = 0;
  opterr = 0;
  while (!rc && (c = getopt_long (argc, argv, ":i:o:j:h", longopts, NULL)) != -1)
    {
      switch (c)
        {
        case 'i': rc = set_once (&a->input, optarg, "--input"); break;
        case 'o': rc = set_once (&a->output, optarg, "--output"); break;
        case OPT_OVERWRITE: a->overwrite = 1; break;
        case OPT_MODE: rc = parse_mode (optarg, &a->mode); break;
        case OPT_TIMEOUT: rc = parse_timeout (optarg, &a->timeout_ms); break;
        case OPT_HEADER:
        case OPT_HEADER_FILE:
        case OPT_HEADERS:
          a->headers[a->nheaders].option = c;
          a->headers[a->nheaders++].arg = optarg;
          break;
        case OPT_HEADERS_OUT:
          rc = set_once (&a->headers_out, optarg, "--headers-out");
          break;
        case OPT_SAVE_HEADER:
          rc = add_save_arg (a, optarg);
          break;
        case OPT_BATCH: rc = set_once (&a->batch, optarg, "--batch"); break;
        case OPT_SUFFIX:
          rc = set_once (&a->suffix, optarg, "--suffix");
          if (!rc && strchr (optarg, '/'))
            rc = cli_usage ("run", "--suffix must not contain '/'");
          break;
        case OPT_PROGRESS: a->progress = 1; break;
        case 'j': rc = parse_jobs (optarg, &a->jobs); break;
        case 'h':
          cli_run_help (stdout);
          return -1;
        default:
          rc = cli_bad_option ("run", c, argv);
          break;
        }
    }
  if (rc)
    return rc;

  if (optind >= argc)
    return cli_usage ("run", "missing PIPELINE");
  if (optind + 1 < argc)
    return cli_usage ("run", "unexpected argument '%s'", argv[optind + 1]);
  a->pipeline = argv[optind];

  if (a->batch)
    {
      if (!a->output || !strcmp (a->output, "-"))
        return cli_usage ("run", "--batch needs -o OUT_DIR");
      if (a->input || a->headers_out || a->nsaves || a->overwrite)
        return cli_usage ("run", "--batch takes none of --input,"
                          " --headers-out, --save-header, --overwrite");
      return 0;
    }
  if (a->jobs || a->suffix)
    return cli_usage ("run", "--jobs and --suffix need --batch");
  if (a->input && !strcmp (a->input, "-"))
    a->input = NULL;
  if (a->output && !strcmp (a->output, "-"))
    a->output = NULL;
  if (a->headers_out && !strcmp (a->headers_out, "-") && !a->output)
    return cli_usage ("run", "--headers-out - needs -o FILE"
                      " (stdout carries the output)");
  if (a->headers_out && a->output && !strcmp (a->headers_out, a->output))
    return cli_usage ("run", "--headers-out and --output name the"
                      " same file");
  return check_save_files (a);
}


gpg_error_t
cli_read_file (const char *file, size_t maxlen, char **r_buffer,
               size_t *r_length, char **r_why)
{
  gpg_error_t err = 0;
  char *buffer = NULL;
  size_t len = 0;
  ssize_t n;
  int fd;

  *r_buffer = NULL;
  *r_length = 0;
  *r_why = NULL;
  fd = open (file, O_RDONLY | O_CLOEXEC);
  if (fd == -1)
    {
      err = gpg_error_from_syserror ();
      if (asprintf (r_why, "cannot open: %s", gpg_strerror (err)) < 0)
        *r_why = NULL;
      return err;
    }
  buffer = malloc (maxlen + 1);
  if (!buffer)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  /* Read one byte more than allowed to notice a file too large.  */
  while (len <= maxlen)
    {
      n = read (fd, buffer + len, maxlen + 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          err = gpg_error (GPG_ERR_EIO);
          if (asprintf (r_why, "cannot read: %s", strerror (errno)) < 0)
            *r_why = NULL;
          goto leave;
        }
      if (!n)
        break;
      len += n;
    }
  if (len > maxlen)
    {
      err = gpg_error (GPG_ERR_TOO_LARGE);
      if (asprintf (r_why, "larger than %zu bytes", maxlen) < 0)
        *r_why = NULL;
      goto leave;
    }
  buffer[len] = 0;
  *r_buffer = buffer;
  *r_length = len;
  buffer = NULL;

 leave:
  free (buffer);
  close (fd);
  return err;
}


/* cli_read_file for WHAT (e.g. "header file"), printing why it failed;
 * returns the exit code.  */
static int
read_file (const char *file, size_t maxlen, const char *what,
           char **r_buffer, size_t *r_length)
{
  gpg_error_t err;
  char *why = NULL;

  err = cli_read_file (file, maxlen, r_buffer, r_length, &why);
  if (!err)
    return 0;
  cli_error ("%s '%s': %s", what, file, why ? why : gpg_strerror (err));
  free (why);
  return pgpstep_exit_code (err);
}


/* Set the header given as "NAME=VALUE" (OPTION names the option in
 * messages); with FROM_FILE the value names the file holding it.  */
static int
add_header_arg (pgpstep_headers_t headers, const char *option,
                const char *arg, int from_file)
{
  gpg_error_t err;
  const char *eq = strchr (arg, '=');
  char *name = NULL, *value = NULL;
  size_t len;
  int rc = 0;

  if (!eq || eq == arg)
    return cli_usage ("run", "%s needs NAME=%s, found '%s'", option,
                      from_file ? "FILE" : "VALUE", arg);
  name = strndup (arg, eq - arg);
  if (!name)
    {
      cli_error ("%s", strerror (errno));
      return cli_exit (GPG_ERR_ENOMEM);
    }
  if (from_file)
    {
      rc = read_file (eq + 1, HEADER_FILE_MAX, "header file", &value, &len);
      if (rc)
        goto leave;
      if (strlen (value) != len)
        {
          cli_error ("header file '%s' contains a NUL byte", eq + 1);
          rc = cli_exit (GPG_ERR_BAD_DATA);
          goto leave;
        }
      if (len && value[len - 1] == '\n')
        value[--len] = 0;
      if (len && value[len - 1] == '\r')
        value[--len] = 0;
    }
  err = pgpstep_headers_set (headers, name, value ? value : eq + 1);
  if (err)
    rc = cli_usage ("run", "%s '%s': %s", option, name, gpg_strerror (err));

 leave:
  free (name);
  free (value);
  return rc;
}


static int
add_headers_json (pgpstep_headers_t headers, const char *file)
{
  gpg_error_t err;
  char *json = NULL, *message = NULL;
  size_t len;
  int rc;

  rc = read_file (file, HEADERS_JSON_MAX, "headers file", &json, &len);
  if (rc)
    return rc;
  err = pgpstep_headers_parse_json (headers, json, len, &message);
  if (err)
    {
      cli_error ("headers file '%s': %s", file,
                 message ? message : gpg_strerror (err));
      rc = pgpstep_exit_code (err);
    }
  pgpstep_free (message);
  free (json);
  return rc;
}


static int
build_headers (const struct run_args *a, pgpstep_headers_t *r_headers)
{
  gpg_error_t err;
  unsigned int i;
  int rc = 0;

  err = pgpstep_headers_new (r_headers);
  if (err)
    {
      cli_error ("%s", gpg_strerror (err));
      return pgpstep_exit_code (err);
    }
  for (i = 0; !rc && i < a->nheaders; i++)
    switch (a->headers[i].option)
      {
      case OPT_HEADER:
        rc = add_header_arg (*r_headers, "--header", a->headers[i].arg, 0);
        break;
      case OPT_HEADER_FILE:
        rc = add_header_arg (*r_headers, "--header-file",
                             a->headers[i].arg, 1);
        break;
      default:
        rc = add_headers_json (*r_headers, a->headers[i].arg);
        break;
      }
  return rc;
}


static int
open_input (const char *file, int *r_fd)
{
  gpg_error_t err;
  struct stat st;

  *r_fd = -1;
  if (!file)
    return 0;
  *r_fd = open (file, O_RDONLY | O_CLOEXEC);
  if (*r_fd == -1)
    {
      err = gpg_error_from_syserror ();
      cli_error ("cannot open input file '%s': %s", file, gpg_strerror (err));
      return pgpstep_exit_code (err);
    }
  if (!fstat (*r_fd, &st) && S_ISDIR (st.st_mode))
    {
      cli_error ("input file '%s' is a directory", file);
      return cli_exit (GPG_ERR_EIO);
    }
  return 0;
}


/* Open the output file FILE, or the stdout spool when FILE is NULL.  */
static int
open_output (const char *file, const struct run_args *a,
             struct outfile **r_of)
{
  gpg_error_t err;
  char *message = NULL;

  if (file)
    err = outfile_open (file, a->mode, a->overwrite, r_of, &message);
  else
    err = outfile_open_spool (STDOUT_FILENO, r_of, &message);
  if (!err)
    return 0;
  cli_error ("%s", message ? message : gpg_strerror (err));
  free (message);
  /* Everything but an existing file is an I/O error here: a missing
   * output directory is not missing input.  */
  return cli_exit (gpg_err_code (err) == GPG_ERR_EEXIST
                   ? GPG_ERR_EEXIST : GPG_ERR_EIO);
}


static int
commit_output (struct outfile *of)
{
  gpg_error_t err;
  char *message = NULL;

  err = outfile_commit (of, &message);
  if (!err)
    return 0;
  cli_error ("%s", message ? message : gpg_strerror (err));
  free (message);
  return cli_exit (gpg_err_code (err) == GPG_ERR_EEXIST
                   ? GPG_ERR_EEXIST : GPG_ERR_EIO);
}


/* The commit callback of pgpstep_run, called once every step
 * succeeded: make the data durable now (an error here still fails the
 * run); it is published after pgpstep_run returned, together with the
 * result headers.  Without a commit, outfile_release discards it, so
 * no abort callback is needed.  */
struct output_state
{
  struct outfile *of;
  int committed;
};

static gpg_error_t
output_commit (void *handle)
{
  struct output_state *st = handle;
  gpg_error_t err;

  err = outfile_sync (st->of);
  if (!err)
    st->committed = 1;
  return err;
}


/* Write the result headers of RESULT to OF (a file), or to stdout
 * when OF is NULL.  */
static int
write_headers (pgpstep_result_t result, struct outfile *of)
{
  gpg_error_t err;
  char *json = NULL;
  size_t len;
  int rc = 0;

  err = pgpstep_headers_to_json (pgpstep_result_headers (result), &json);
  if (err)
    {
      cli_error ("rendering the result headers: %s", gpg_strerror (err));
      return pgpstep_exit_code (err);
    }
  len = strlen (json);
  if (dprintf (of ? outfile_fd (of) : STDOUT_FILENO, "%s%s", json,
               len && json[len - 1] == '\n' ? "" : "\n") < 0)
    {
      cli_error ("writing the result headers: %s", strerror (errno));
      rc = cli_exit (GPG_ERR_EIO);
    }
  pgpstep_free (json);
  return rc;
}


/* Write the result headers named by --save-header into their files
 * (not yet published).  A header the run did not set is an error:
 * nothing is published then.  */
static int
write_saved_headers (const struct run_args *a, pgpstep_result_t result)
{
  pgpstep_headers_t rh = pgpstep_result_headers (result);
  const char *value;
  size_t len;
  unsigned int i;

  for (i = 0; i < a->nsaves; i++)
    if (!pgpstep_headers_get (rh, a->saves[i].name))
      {
        cli_error ("--save-header: the run set no result header '%s'"
                   " (nothing written)", a->saves[i].name);
        return cli_exit (GPG_ERR_MISSING_VALUE);
      }
  for (i = 0; i < a->nsaves; i++)
    {
      value = pgpstep_headers_get (rh, a->saves[i].name);
      len = strlen (value);
      if (dprintf (outfile_fd (a->saves[i].of), "%s%s", value,
                   len && value[len - 1] == '\n' ? "" : "\n") < 0)
        {
          cli_error ("writing '%s': %s", a->saves[i].file, strerror (errno));
          return cli_exit (GPG_ERR_EIO);
        }
    }
  return 0;
}


static int
run_batch (const struct cli_globals *g, const struct run_args *a,
           pgpstep_headers_t headers)
{
  gpg_error_t err;
  struct batch_options o;
  pgpstep_t host = NULL;
  pgpstep_pipeline_t pipeline = NULL;
  char *message = NULL;
  long n;
  int rc;

  memset (&o, 0, sizeof o);
  o.in_dir = a->batch;
  o.out_dir = a->output;
  o.suffix = a->suffix;
  n = sysconf (_SC_NPROCESSORS_ONLN);
  o.jobs = a->jobs ? a->jobs : n > 0 ? (unsigned int)n : 1;
  o.mode = a->mode;
  o.timeout_ms = a->timeout_ms;
  o.progress = a->progress;
  o.quiet = g->quiet;
  o.headers = headers;

  rc = cli_open_host (g, &host);
  if (rc)
    goto leave;
  err = pgpstep_pipeline_load_file (host, a->pipeline, &pipeline, &message);
  if (err)
    {
      cli_error ("%s", message ? message : gpg_strerror (err));
      rc = pgpstep_exit_code (err);
      goto leave;
    }
  rc = cli_batch (pipeline, &o);

 leave:
  if (pipeline)
    pgpstep_pipeline_release (pipeline);
  if (host)
    pgpstep_release (host);
  pgpstep_free (message);
  return rc;
}


int
cli_run (const struct cli_globals *g, int argc, char **argv)
{
  gpg_error_t err;
  struct run_args a;
  pgpstep_headers_t headers = NULL;
  pgpstep_t host = NULL;
  pgpstep_pipeline_t pipeline = NULL;
  pgpstep_result_t result = NULL;
  struct outfile *hof = NULL;
  struct cli_progress *progress = NULL;
  struct cli_writeback *writeback = NULL;
  struct output_state out_state = { NULL, 0 };
  struct pgpstep_input in;
  struct pgpstep_output out;
  struct pgpstep_run_options ropt;
  char *message = NULL;
  int infd = -1;
  int rc;
  unsigned int i;

  memset (&a, 0, sizeof a);
  rc = parse_args (argc, argv, &a);
  if (rc)
    goto leave;

  /* Check the cheap things the user named before the pipeline load,
   * which may be costly (keyrings, passphrase checks).  */
  rc = build_headers (&a, &headers);
  if (!rc && a.batch)
    {
      rc = run_batch (g, &a, headers);
      goto leave;
    }
  if (!rc)
    rc = open_input (a.input, &infd);
  if (!rc)
    rc = open_output (a.output, &a, &out_state.of);
  if (!rc && a.headers_out && strcmp (a.headers_out, "-"))
    rc = open_output (a.headers_out, &a, &hof);
  for (i = 0; !rc && i < a.nsaves; i++)
    rc = open_output (a.saves[i].file, &a, &a.saves[i].of);
  if (rc)
    goto leave;

  rc = cli_open_host (g, &host);
  if (rc)
    goto leave;
  err = pgpstep_pipeline_load_file (host, a.pipeline, &pipeline, &message);
  if (err)
    {
      cli_error ("%s", message ? message : gpg_strerror (err));
      rc = pgpstep_exit_code (err);
      goto leave;
    }

  memset (&in, 0, sizeof in);
  in.struct_size = sizeof in;
  in.fd = infd == -1 ? STDIN_FILENO : infd;
  memset (&out, 0, sizeof out);
  out.struct_size = sizeof out;
  out.fd = outfile_fd (out_state.of);
  out.handle = &out_state;
  out.commit = output_commit;
  memset (&ropt, 0, sizeof ropt);
  ropt.struct_size = sizeof ropt;
  ropt.timeout_ms = a.timeout_ms;

  if (!g->quiet || a.progress)
    progress = cli_progress_start (in.fd, out.fd, a.progress);
  writeback = cli_writeback_start (out.fd);
  err = pgpstep_run (pipeline, headers, &in, &out, &ropt, &result);
  cli_writeback_stop (writeback);
  cli_progress_stop (progress);
  if (err)
    {
      const char *text = result ? pgpstep_result_message (result) : NULL;
      cli_error ("%s", text ? text : gpg_strerror (err));
      rc = pgpstep_exit_code (err);
      goto leave;
    }
  if (!out_state.committed)
    {
      cli_error ("internal error: the run succeeded"
                 " but the output was not committed");
      rc = cli_exit (GPG_ERR_INTERNAL);
      goto leave;
    }

  /* Publish: the output first, then its headers.  */
  rc = write_saved_headers (&a, result);
  if (!rc)
    rc = commit_output (out_state.of);
  for (i = 0; !rc && i < a.nsaves; i++)
    rc = commit_output (a.saves[i].of);
  if (!rc && a.headers_out)
    {
      rc = write_headers (result, hof);
      if (!rc && hof)
        rc = commit_output (hof);
    }

 leave:
  /* Uncommitted outputs are removed here.  */
  outfile_release (out_state.of);
  outfile_release (hof);
  for (i = 0; a.saves && i < a.nsaves; i++)
    {
      outfile_release (a.saves[i].of);
      free (a.saves[i].name);
    }
  free (a.saves);
  if (result)
    pgpstep_result_release (result);
  if (pipeline)
    pgpstep_pipeline_release (pipeline);
  if (host)
    pgpstep_release (host);
  if (headers)
    pgpstep_headers_release (headers);
  pgpstep_free (message);
  if (infd != -1)
    close (infd);
  free (a.headers);
  return rc < 0 ? 0 : rc;
}
