/* gpghome.h - helpers of the step tests that run real gpg: shell
 * commands, files, throwaway GnuPG homes (mktemp -d, short paths) and
 * their agents, and the child processes a test left running.  Test
 * failures are reported through cmocka.  */
#ifndef TESTS_UNIT_GPGHOME_H
#define TESTS_UNIT_GPGHOME_H

#include <stddef.h>

/* Run the shell command FMT...; return its exit status (-1 if it did
 * not exit).  */
int sh (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* The content of file NAME with a trailing NUL (malloced), its length
 * in *R_LEN (optional); NULL if it cannot be read.  */
char *read_file (const char *name, size_t *r_len);
/* read_file, failing the test if NAME cannot be read.  */
char *must_read (const char *name, size_t *r_len);
/* Create or replace file NAME with LEN bytes of BUF (asserted).  */
void write_file (const char *name, const void *buf, size_t len);
/* Whether file NAME contains STR.  */
int file_has (const char *name, const char *str);
/* Whether files A and B are equal.  */
int same_files (const char *a, const char *b);

/* Make a GnuPG home from TEMPLATE ("/tmp/t-x.XXXXXX", replaced in
 * place; HOME has room for it) holding the keys of the
 * space-separated files KEYS (none: ""); fails the test if an import
 * fails.  */
void make_home (char *home, const char *template, const char *keys);
/* Stop the agent of HOME (if one runs) and wait until it is gone:
 * gpgconf returns before that (GNUPG-FACTS).  */
void stop_agent (const char *home);
/* stop_agent, then remove HOME.  */
void remove_home (const char *home);

/* The number of live child processes of ours.  */
int count_children (void);

#endif /* TESTS_UNIT_GPGHOME_H */
