/* sop.h - pgpstep-sop, the Stateless OpenPGP CLI on libpgpstep.
 *
 * Every call builds a pipeline descriptor in memory from its command
 * line (keyrings from the key and certificate files given, copied into
 * a private work directory) and runs it with pgpstep_run; the host's
 * runtime homes live in that work directory too and go with it.  Key
 * generation and certificate extraction use GPGME in a throwaway home
 * of the work directory.
 */
#ifndef PGPSTEP_SOP_H
#define PGPSTEP_SOP_H

#include <stddef.h>
#include <stdio.h>
#include <gpg-error.h>
#include <pgpstep/host.h>

/* The revision of the draft this front end follows.  */
#define SOP_SPEC "draft-dkg-openpgp-stateless-cli-08"

/* Exit codes of the draft (section "Failure Modes").  */
enum sop_exit
  {
    SOP_OK = 0,
    SOP_GENERIC = 1,
    SOP_NO_SIGNATURE = 3,
    SOP_UNSUPPORTED_ASYMMETRIC_ALGO = 13,
    SOP_CERT_CANNOT_ENCRYPT = 17,
    SOP_MISSING_ARG = 19,
    SOP_INCOMPLETE_VERIFICATION = 23,
    SOP_CANNOT_DECRYPT = 29,
    SOP_PASSWORD_NOT_HUMAN_READABLE = 31,
    SOP_UNSUPPORTED_OPTION = 37,
    SOP_BAD_DATA = 41,
    SOP_EXPECTED_TEXT = 53,
    SOP_OUTPUT_EXISTS = 59,
    SOP_MISSING_INPUT = 61,
    SOP_KEY_IS_PROTECTED = 67,
    SOP_UNSUPPORTED_SUBCOMMAND = 69,
    SOP_UNSUPPORTED_SPECIAL_PREFIX = 71,
    SOP_AMBIGUOUS_INPUT = 73,
    SOP_KEY_CANNOT_SIGN = 79,
    SOP_INCOMPATIBLE_OPTIONS = 83,
    SOP_UNSUPPORTED_PROFILE = 89
  };

/* Largest indirect input read whole (keys, certificates, passwords,
 * signatures).  */
#define SOP_INDIRECT_MAX (64u * 1024 * 1024)


/*
 * main.c
 */
extern const char *sop_progname;
/* Print "pgpstep-sop: CMD: TEXT" on stderr.  */
void sop_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Set the subcommand named in messages.  */
void sop_set_command (const char *cmd);


/*
 * args.c - the command line of a subcommand
 */

/* What a subcommand accepts.  */
struct sop_optdef
{
  const char *name;             /* Without the leading "--".  */
  int has_arg;
  int supported;                /* 0: a draft option gpg 2.2 cannot honour
                                   (answered with UNSUPPORTED_OPTION).  */
  int repeatable;
};

/* The parsed command line.  */
struct sop_args
{
  const struct sop_optdef *defs;
  unsigned int ndefs;
  /* Per definition: the values given (NULL-terminated) or, for a flag,
     the count.  */
  const char ***values;
  unsigned int *counts;
  const char **pos;             /* Positional arguments.  */
  unsigned int npos;
};

/* Parse ARGV (after the subcommand) against DEFS; returns an exit
 * code.  */
int sop_args_parse (struct sop_args *a, const struct sop_optdef *defs,
                    unsigned int ndefs, int argc, char **argv);
void sop_args_release (struct sop_args *a);
/* Whether the flag NAME was given; the single value of option NAME
 * (NULL if not given); all values (NULL-terminated, never NULL).  */
int sop_flag (const struct sop_args *a, const char *name);
const char *sop_value (const struct sop_args *a, const char *name);
const char *const *sop_values (const struct sop_args *a, const char *name);

/* Read the indirect input ARG (a file name, @ENV:NAME or @FD:N) whole
 * into a malloced buffer with a trailing NUL.  Returns an exit code
 * (61 for a missing file, 71, 73 ...), printing why.  */
int sop_read_indirect (const char *arg, char **r_buf, size_t *r_len);
/* Read FD to its end (WHAT names it in messages), like
 * sop_read_indirect.  */
int sop_read_fd (int fd, const char *what, char **r_buf, size_t *r_len);
/* Check that the indirect output ARG (a file name or @FD:N) can be
 * written later (59 if the file exists); nothing is created yet: that
 * is sop_write_indirect's, after success.  */
int sop_check_output (const char *arg);
/* Write BUF to the indirect output ARG (a new file, or @FD:N).  */
int sop_write_indirect (const char *arg, const void *buf, size_t len);


/*
 * work.c - the private work directory of a call
 */
/* The throwaway home of generate-key and extract-cert in the work
 * directory.  */
#define SOP_KEYGEN_HOME "g"

struct sop_work
{
  char *dir;                    /* mkdtemp'd, 0700.  */
  char *secrets;                /* DIR/s: secret files (0600).  */
  char *runtime;                /* DIR/r: the host's runtime homes.  */
  unsigned int nfiles;          /* Counter for file names.  */
};

int sop_work_open (struct sop_work *w);
/* Remove everything (the host must be released first).  */
void sop_work_close (struct sop_work *w);
/* Store BUF as a new file in the work dir, named PREFIX.N; returns
 * the malloced absolute path in *R_PATH.  */
int sop_work_store (struct sop_work *w, const char *prefix,
                    const void *buf, size_t len, char **r_path);
/* Store a secret (a password) as secret NAME (mode 0600, with one
 * trailing newline which the host strips).  */
int sop_work_secret (struct sop_work *w, const char *name,
                     const void *buf, size_t len);
/* An empty unnamed temporary file in the work dir (read/write).  */
int sop_work_tmpfile (struct sop_work *w, int *r_fd);
/* Copy FD from offset 0 to OUTFD.  */
int sop_copy_fd (int fd, int outfd);
/* Write all LEN bytes of BUF to FD (retrying on EINTR); -1 on error
 * with errno set.  */
int sop_write_all (int fd, const void *buf, size_t len);
/* Remove DIR and everything below it.  */
void sop_remove_tree (const char *dir);


/*
 * sigclean.c - cleanup of a call killed by SIGINT, SIGTERM or SIGHUP
 */
/* Have a fatal signal remove WORKDIR (NULL: nothing) after the host's
 * runtime homes and the agents of all; the first call installs the
 * handlers.  */
void sop_sigclean_watch (const char *workdir);


/*
 * engine.c - descriptors, keyrings, loading and running pipelines
 */

/* One key or certificate file of the command line: one keyring.  */
struct sop_keyfile
{
  char name[16];                /* Keyring name: "key0", "cert3".  */
  char *path;                   /* Its copy in the work dir.  */
  const char *arg;              /* As given on the command line.  */
  int secret;                   /* A KEYS argument.  */
  unsigned int pw;              /* Key password candidate in use.  */
};

/* One step of a descriptor: parameter name/value pairs, with
 * keyring references added by the engine.  */
struct sop_step
{
  const char *type;
  const char *names[64];
  char *values[64];             /* Malloced.  */
  unsigned int n;
  int all_keyrings;             /* Every keyring of the session.  */
};

struct sop_session
{
  struct sop_work work;
  pgpstep_t host;
  struct sop_keyfile *files;
  unsigned int nfiles;
  unsigned int nkeypw;          /* Key password candidates kp0...  */
  unsigned int npw;             /* Message password candidates pw0...  */
};

/* Open a session: work dir, host, plugins.  */
int sop_session_open (struct sop_session *s);
void sop_session_close (struct sop_session *s);
/* Read the key files (SECRET) or certificate files named in ARGS
 * (NULL-terminated) into the session.  */
int sop_session_add_files (struct sop_session *s, const char *const *args,
                           int secret);
/* Read the key passwords of --with-key-password (each also trimmed of
 * trailing whitespace).  */
int sop_session_key_passwords (struct sop_session *s,
                               const char *const *args);
/* Read the message passwords of --with-password into pw0...; with
 * FOR_ENCRYPT only one, trimmed and checked for being text.  */
int sop_session_passwords (struct sop_session *s, const char *const *args,
                           int for_encrypt);
/* Whether step type TYPE is loaded.  */
int sop_have_step (struct sop_session *s, const char *type);

void sop_step_init (struct sop_step *st, const char *type);
int sop_step_add (struct sop_step *st, const char *name, const char *value);
void sop_step_release (struct sop_step *st);

/* List the keys of the session's files whose kind is SECRET (-1:
 * all) - loading them like the pipeline will, passwords tried.  */
int sop_session_keys (struct sop_session *s, int secret,
                      pgpstep_keylist_t *r_list);
/* Load a pipeline of ST with the keyrings of the session.  */
int sop_session_load (struct sop_session *s, const struct sop_step *st,
                      pgpstep_pipeline_t *r_pl);
/* Run PL on INFD into a temporary file R_OUTFD (-1 unless success).
 * *R_RESULT is always set when returned non-NULL.  Returns 0 or
 * the exit code, with the error printed unless QUIET.  */
int sop_session_run (struct sop_session *s, pgpstep_pipeline_t pl, int infd,
                     int quiet, int *r_outfd, pgpstep_result_t *r_result);
/* An error of the library as the draft's exit code.  */
int sop_exit_code (gpg_error_t err);
/* Load ST, run it on INFD and, unless NO_OUTPUT, write its output to
 * stdout on success.  *R_RESULT (optional) gets the result.  */
int sop_session_pipe (struct sop_session *s, const struct sop_step *st,
                      int infd, int no_output, pgpstep_result_t *r_result);
/* Make INFD (stdin) re-readable: a regular file is used as is,
 * anything else is spooled into the work dir.  */
int sop_session_rewindable (struct sop_session *s, int infd, int *r_fd);


/*
 * verifs.c - VERIFICATIONS from the pgp.signatures header
 */
/* Append one line per valid signature of JSON to FP; the count in
 * *R_COUNT.  */
int sop_verifications (const char *json, FILE *fp, unsigned int *r_count);
/* Parse a DATE of the draft ("-", "now", ISO 8601) into seconds.  */
int sop_parse_date (const char *arg, int not_after, long long *r_time);


/*
 * keygen.c
 */
int sop_cmd_generate_key (int argc, char **argv);
int sop_cmd_extract_cert (int argc, char **argv);

/* cmd-crypt.c */
/* Add step parameter NAME for every key of the files of kind SECRET
 * (listed first), checking capability CAP (0: none).  */
int sop_add_keys (struct sop_session *s, struct sop_step *st, int secret,
                  const char *name, unsigned int cap);
/* not-before/not-after parameters from the draft's DATEs (NULL: none). */
int sop_add_window (struct sop_step *st, const char *not_before,
                    const char *not_after);
/* Write VERIFICATIONS from RESULT to ARG (NULL: stdout).  */
int sop_write_verifications (pgpstep_result_t result, const char *arg,
                             unsigned int *r_count);
int sop_cmd_encrypt (int argc, char **argv);
int sop_cmd_decrypt (int argc, char **argv);

/* cmd-sign.c */
int sop_cmd_sign (int argc, char **argv);
int sop_cmd_verify (int argc, char **argv);
int sop_cmd_inline_sign (int argc, char **argv);
int sop_cmd_inline_verify (int argc, char **argv);

/* text.c: 0 if FD (re-readable, rewound before and after) is UTF-8
 * text without NUL, else EXPECTED_TEXT.  */
int sop_check_text (int fd);

/* cmd-armor.c */
int sop_cmd_armor (int argc, char **argv);
int sop_cmd_dearmor (int argc, char **argv);

/* detach.c */
int sop_cmd_inline_detach (int argc, char **argv);

#endif /*PGPSTEP_SOP_H*/
