/* cli.h - the pgpstep command-line program: what its parts share.  */
#ifndef PGPSTEP_CLI_H
#define PGPSTEP_CLI_H

#include <stdio.h>
#include <sys/types.h>
#include <pgpstep/host.h>

/* A bad command line.  The library never returns this one; every
 * other exit code comes from pgpstep_exit_code.  */
#define CLI_EXIT_USAGE 2

/* Options given before the command.  */
struct cli_globals
{
  char *plugin_path;            /* From --plugin-dir (colon list, absolute
                                   directories); NULL: environment or the
                                   built-in default.  */
  int verbosity;                /* PGPSTEP_LOG_* level.  */
  int quiet;
  const char *secrets_dir;      /* --secrets; NULL: $PGPSTEP_SECRETS.  */
  int log_format;               /* --log-format: PGPSTEP_LOG_FORMAT_*.  */
  const char *plugin_keyring;   /* --require-signed-plugins.  */
};

/* Print "pgpstep: TEXT" on stderr.  */
void cli_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* Report a bad command line of COMMAND (NULL: the global part) with a
 * hint to its --help; returns CLI_EXIT_USAGE.  */
int cli_usage (const char *command, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

/* Report the option getopt_long just refused (it returned '?' or ':'
 * for argv, with opterr = 0 and a leading ':' in its optstring).  */
int cli_bad_option (const char *command, int c, char **argv);

/* The exit code for an error class, from the library's table.  */
int cli_exit (gpg_err_code_t code);

/* Print the exit code table.  */
void cli_print_exit_codes (FILE *fp);

/* Create a host as the global options say and load the plugins.  On
 * failure print why and return the exit code, else 0.  */
int cli_open_host (const struct cli_globals *g, pgpstep_t *r_host);

/* Read FILE whole (at most MAXLEN bytes, else GPG_ERR_TOO_LARGE) into
 * a malloced NUL-terminated buffer; a pipe or FIFO is fine.  On error
 * *R_WHY (malloced) says why, without naming FILE.  */
gpg_error_t cli_read_file (const char *file, size_t maxlen,
                           char **r_buffer, size_t *r_length, char **r_why);

/* "pgpstep run --batch": each regular file of IN_DIR (but sidecars
 * NAME.headers.json and hidden files) is one message through PL, its
 * output OUT_DIR/NAME+SUFFIX.  */
struct batch_options
{
  const char *in_dir;
  const char *out_dir;
  const char *suffix;           /* NULL: none.  */
  unsigned int jobs;            /* Parallel workers (>= 1).  */
  mode_t mode;                  /* Of the outputs.  */
  unsigned int timeout_ms;      /* Per message; 0: none.  */
  int progress;                 /* Counters on stderr.  */
  int quiet;                    /* No summary line.  */
  pgpstep_headers_t headers;    /* Input headers of every message.  */
};

/* Run the batch; the exit code is 0, or that of the first failed
 * message in name order.  */
int cli_batch (pgpstep_pipeline_t pl, const struct batch_options *o);

/* Show the progress of one run reading INFD and writing OUTFD on
 * stderr until cli_progress_stop: when stderr is a terminal, or
 * always with FORCED.  NULL when not shown.  */
struct cli_progress;
struct cli_progress *cli_progress_start (int infd, int outfd, int forced);
void cli_progress_stop (struct cli_progress *p);

/* Start the disk writeback of the output file FD every quarter second
 * while a run produces it, so that the fsync before publishing has
 * little left to wait for.  NULL (nothing to do) unless FD is a
 * regular file.  */
struct cli_writeback;
struct cli_writeback *cli_writeback_start (int fd);
void cli_writeback_stop (struct cli_writeback *wb);

/* Commands: ARGV[0] is the command name.  Each returns an exit code.  */
int cli_run (const struct cli_globals *g, int argc, char **argv);
int cli_validate (const struct cli_globals *g, int argc, char **argv);
int cli_plugins (const struct cli_globals *g, int argc, char **argv);
int cli_describe (const struct cli_globals *g, int argc, char **argv);
int cli_keys (const struct cli_globals *g, int argc, char **argv);

/* Their help texts.  */
void cli_run_help (FILE *fp);
void cli_validate_help (FILE *fp);
void cli_plugins_help (FILE *fp);
void cli_describe_help (FILE *fp);
void cli_keys_help (FILE *fp);

#endif /*PGPSTEP_CLI_H*/
