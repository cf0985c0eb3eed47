/* main.c - the pgpstep command: global options and command dispatch.  */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"

struct command
{
  const char *name;
  int (*run) (const struct cli_globals *g, int argc, char **argv);
  void (*help) (FILE *fp);
};

static const struct command commands[] =
  {
    { "run",      cli_run,      cli_run_help },
    { "validate", cli_validate, cli_validate_help },
    { "plugins",  cli_plugins,  cli_plugins_help },
    { "describe", cli_describe, cli_describe_help },
    { "keys",     cli_keys,     cli_keys_help },
    { NULL, NULL, NULL }
  };


void
cli_error (const char *fmt, ...)
{
  va_list ap;

  fputs ("pgpstep: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  putc ('\n', stderr);
}


int
cli_usage (const char *command, const char *fmt, ...)
{
  va_list ap;

  fputs (command ? "pgpstep " : "pgpstep", stderr);
  if (command)
    fputs (command, stderr);
  fputs (": ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fprintf (stderr, "\nTry 'pgpstep %s%s--help'.\n",
           command ? command : "", command ? " " : "");
  return CLI_EXIT_USAGE;
}


int
cli_bad_option (const char *command, int c, char **argv)
{
  const char *arg = argv[optind - 1];
  int is_long = !strncmp (arg, "--", 2);
  int len = strcspn (arg, "=");

  /* getopt leaves optopt 0 for an unknown long option, the option's
   * value for a long one that got an argument it takes none, and the
   * letter for a short one; argv may then name a cluster ("-qx") or,
   * within a cluster, the element before it.  */
  if (c == ':')
    {
      if (is_long)
        return cli_usage (command, "option '%.*s' requires an argument",
                          len, arg);
      return cli_usage (command, "option '-%c' requires an argument",
                        optopt);
    }
  if (is_long && (!optopt || arg[len]))
    {
      if (optopt)
        return cli_usage (command, "option '%.*s' takes no argument",
                          len, arg);
      return cli_usage (command, "unknown option '%.*s'", len, arg);
    }
  return cli_usage (command, "unknown option '-%c'", optopt);
}


int
cli_exit (gpg_err_code_t code)
{
  return pgpstep_exit_code (gpg_error (code));
}


void
cli_print_exit_codes (FILE *fp)
{
  fputs ("Exit status:\n"
         "   0  success\n"
         "   1  internal error\n"
         "   2  usage error (bad command line)\n"
         "   3  no acceptable signature (policy not met)\n"
         "  17  a recipient key cannot encrypt (expired, revoked,"
         " no encryption subkey,\n"
         "      ambiguous)\n"
         "  29  cannot decrypt (no matching secret key, wrong password)\n"
         "  37  unsupported option or parameter value\n"
         "  41  bad data: not OpenPGP, malformed, truncated,"
         " integrity check failed\n"
         "  59  output exists\n"
         "  61  missing input (a file or a message header)\n"
         "  67  key is protected: passphrase missing or wrong\n"
         "  74  I/O error (read, write, disk full)\n"
         "  75  deadline exceeded\n"
         "  78  configuration error (descriptor, plugin, keyring, secret)\n"
         "  79  a signing key cannot sign\n", fp);
}


int
cli_open_host (const struct cli_globals *g, pgpstep_t *r_host)
{
  gpg_error_t err;
  struct pgpstep_options opt;
  const char *path;
  char *message = NULL;

  *r_host = NULL;
  memset (&opt, 0, sizeof opt);
  opt.struct_size = sizeof opt;
  opt.verbosity = g->verbosity;
  opt.log_format = g->log_format;
  opt.plugin_keyring = g->plugin_keyring;
  opt.secrets_dir = g->secrets_dir;
  err = pgpstep_new (r_host, &opt);
  if (err)
    {
      cli_error ("cannot create the host: %s", gpg_strerror (err));
      return pgpstep_exit_code (err);
    }

  path = g->plugin_path;
  if (!path)
    path = getenv ("PGPSTEP_PLUGIN_PATH");
  if (!path || !*path)
    path = pgpstep_default_plugin_dir ();
  err = pgpstep_load_plugins (*r_host, path, &message);
  if (err)
    {
      /* The loader logged every refusal already.  Whatever its reason
       * (a missing directory included), for the user it is a plugin
       * configuration problem.  */
      if (message)
        cli_error ("loading plugins from '%s' failed (see above)", path);
      else
        cli_error ("loading plugins from '%s': %s", path,
                   gpg_strerror (err));
      pgpstep_free (message);
      return cli_exit (GPG_ERR_CONFIGURATION);
    }
  return 0;
}


static void
print_help (FILE *fp)
{
  fprintf (fp,
"Usage: pgpstep [GLOBAL-OPTIONS] COMMAND [ARGS...]\n"
"Run messages through OpenPGP step pipelines.\n"
"\n"
"Commands:\n"
"  run PIPELINE       run one message through the pipeline PIPELINE\n"
"  validate PIPELINE  load PIPELINE and check it without running it\n"
"  plugins            list the plugin modules and their steps\n"
"  describe STEP      show the parameters of step type STEP\n"
"  keys PIPELINE      list the keys of the keyrings of PIPELINE\n"
"  help [COMMAND]     show this help, or the help of COMMAND\n"
"\n"
"Global options (before the command):\n"
"  --plugin-dir DIR   load plugins from DIR; repeatable; replaces the\n"
"                     default directory and $PGPSTEP_PLUGIN_PATH\n"
"  --secrets DIR      the secret store for \"secret:NAME\" references\n"
"  --require-signed-plugins KEYRING\n"
"                     load a plugin NAME.so only if NAME.so.sig is a\n"
"                     detached OpenPGP signature over it by a key of the\n"
"                     certificate file KEYRING (checked on a sealed\n"
"                     in-memory copy, which is what gets loaded)\n"
"  -v, --verbose      log more (repeatable; -v adds one line per message:\n"
"                     id, pipeline, bytes, duration, outcome)\n"
"  --log-format FMT   text (default) or json: one JSON object per log\n"
"                     line (time, level, step, message_id, pipeline,\n"
"                     bytes_in, bytes_out, duration_ms, outcome, text)\n"
"  -q, --quiet        log errors only; no informational output\n"
"  -h, --help         show this help and exit\n"
"  --version          show the version and exit\n"
"\n"
"Environment:\n"
"  PGPSTEP_PLUGIN_PATH  colon-separated plugin directories, used when no\n"
"                       --plugin-dir is given\n"
"                       (default: %s)\n"
"  PGPSTEP_SECRETS      the secret store, used when no --secrets is given\n"
"  PGPSTEP_RUNTIME_DIR  where runtime GnuPG homes are made (default:\n"
"                       $XDG_RUNTIME_DIR or /run/user/UID if private,\n"
"                       else $TMPDIR or /tmp)\n"
"  TMPDIR               where spool files go (default: /tmp)\n"
"\n", pgpstep_default_plugin_dir ());
  cli_print_exit_codes (fp);
  fputs ("\n"
         "Run 'pgpstep COMMAND --help' for the options of a command.\n", fp);
}


static void
print_version (void)
{
  printf ("pgpstep %s\n"
          "libpgpstep %s\n"
          "plugin ABI %d.%d\n"
          "default plugin directory: %s\n",
          PACKAGE_VERSION, pgpstep_version (),
          PGPSTEP_ABI_MAJOR, PGPSTEP_ABI_MINOR,
          pgpstep_default_plugin_dir ());
}


static const struct command *
find_command (const char *name)
{
  const struct command *cmd;

  for (cmd = commands; cmd->name; cmd++)
    if (!strcmp (cmd->name, name))
      return cmd;
  return NULL;
}


/* "pgpstep help [COMMAND]".  */
static int
help_command (int argc, char **argv)
{
  const struct command *cmd;

  if (argc < 2)
    {
      print_help (stdout);
      return 0;
    }
  if (argc > 2)
    return cli_usage ("help", "too many arguments");
  cmd = find_command (argv[1]);
  if (!cmd)
    return cli_usage (NULL, "unknown command '%s'", argv[1]);
  cmd->help (stdout);
  return 0;
}


/* Append DIR to the colon list *PATH, made absolute.  */
static int
add_plugin_dir (char **path, const char *dir)
{
  char *cwd = NULL;
  char *joined;
  int n;

  if (!*dir)
    return cli_usage (NULL, "--plugin-dir needs a directory");
  if (strchr (dir, ':'))
    return cli_usage (NULL, "plugin directory '%s' contains a ':'", dir);
  if (*dir != '/' && !(cwd = getcwd (NULL, 0)))
    {
      cli_error ("cannot resolve plugin directory '%s': %s",
                 dir, strerror (errno));
      return cli_exit (GPG_ERR_CONFIGURATION);
    }
  n = asprintf (&joined, "%s%s%s%s%s", *path ? *path : "", *path ? ":" : "",
                cwd ? cwd : "", cwd ? "/" : "", dir);
  free (cwd);
  if (n < 0)
    {
      cli_error ("%s", strerror (errno));
      return cli_exit (GPG_ERR_ENOMEM);
    }
  free (*path);
  *path = joined;
  return 0;
}


/* Make sure descriptors 0, 1 and 2 are open, so that no file we open
 * becomes "stdout" by accident.  */
static void
ensure_std_fds (void)
{
  int fd;

  while ((fd = open ("/dev/null", O_RDWR)) >= 0 && fd <= 2)
    ;
  if (fd > 2)
    close (fd);
}


static void
fatal_signal (int sig)
{
  outfile_cleanup_on_signal ();
  pgpstep_cleanup_on_signal ();  /* Runtime homes and their agents.  */
  signal (sig, SIG_DFL);
  raise (sig);
}


static void
setup_signals (void)
{
  static const int fatal[] = { SIGHUP, SIGINT, SIGTERM };
  struct sigaction sa;
  unsigned int i;

  /* A closed pipe is reported as EPIPE by the write that hit it.  */
  signal (SIGPIPE, SIG_IGN);

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = fatal_signal;
  sigemptyset (&sa.sa_mask);
  for (i = 0; i < sizeof fatal / sizeof *fatal; i++)
    sigaction (fatal[i], &sa, NULL);
}


int
main (int argc, char **argv)
{
  enum { OPT_PLUGIN_DIR = 256, OPT_SECRETS, OPT_VERSION, OPT_LOG_FORMAT,
         OPT_SIGNED_PLUGINS };
  static const struct option longopts[] =
    {
      { "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR },
      { "secrets",    required_argument, NULL, OPT_SECRETS },
      { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
      { "require-signed-plugins", required_argument, NULL,
        OPT_SIGNED_PLUGINS },
      { "verbose",    no_argument,       NULL, 'v' },
      { "quiet",      no_argument,       NULL, 'q' },
      { "help",       no_argument,       NULL, 'h' },
      { "version",    no_argument,       NULL, OPT_VERSION },
      { NULL, 0, NULL, 0 }
    };
  struct cli_globals g;
  const struct command *cmd;
  int c, rc = 0, verbose = 0;

  ensure_std_fds ();
  setup_signals ();
  memset (&g, 0, sizeof g);

  opterr = 0;
  /* "+": stop at the command; its options are its own.  */
  while ((c = getopt_long (argc, argv, "+:vqh", longopts, NULL)) != -1)
    {
      switch (c)
        {
        case OPT_PLUGIN_DIR:
          rc = add_plugin_dir (&g.plugin_path, optarg);
          break;
        case OPT_SECRETS:
          g.secrets_dir = optarg;
          break;
        case OPT_SIGNED_PLUGINS:
          g.plugin_keyring = optarg;
          break;
        case OPT_LOG_FORMAT:
          if (!strcmp (optarg, "json"))
            g.log_format = PGPSTEP_LOG_FORMAT_JSON;
          else if (!strcmp (optarg, "text"))
            g.log_format = PGPSTEP_LOG_FORMAT_TEXT;
          else
            rc = cli_usage (NULL, "--log-format takes text or json,"
                            " found '%s'", optarg);
          break;
        case 'v':
          verbose++;
          break;
        case 'q':
          g.quiet = 1;
          break;
        case 'h':
          print_help (stdout);
          goto leave;
        case OPT_VERSION:
          print_version ();
          goto leave;
        default:
          rc = cli_bad_option (NULL, c, argv);
          break;
        }
      if (rc)
        goto leave;
    }
  if (verbose && g.quiet)
    {
      rc = cli_usage (NULL, "--quiet and --verbose exclude each other");
      goto leave;
    }
  g.verbosity = g.quiet ? PGPSTEP_LOG_ERROR : PGPSTEP_LOG_WARN + verbose;

  if (optind >= argc)
    {
      rc = cli_usage (NULL, "no command given");
      goto leave;
    }
  if (!strcmp (argv[optind], "help"))
    {
      rc = help_command (argc - optind, argv + optind);
      goto leave;
    }
  cmd = find_command (argv[optind]);
  if (!cmd)
    {
      rc = cli_usage (NULL, "unknown command '%s'", argv[optind]);
      goto leave;
    }
  rc = cmd->run (&g, argc - optind, argv + optind);

 leave:
  free (g.plugin_path);
  if (fflush (stdout) == EOF && !rc)
    {
      cli_error ("writing to stdout: %s", strerror (errno));
      rc = cli_exit (GPG_ERR_EIO);
    }
  return rc;
}
