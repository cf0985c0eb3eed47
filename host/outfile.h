/* outfile.h - output that becomes visible only when committed.
 *
 * A file output is written to an unnamed temporary file in the
 * destination directory (O_TMPFILE, or a hidden mkstemp file where the
 * file system lacks O_TMPFILE) and linked or renamed into place on
 * commit, so a reader never sees a partial file and a failure leaves
 * nothing behind.  A stdout output is spooled to an unnamed file in
 * $TMPDIR and copied to stdout on commit.
 */
#ifndef PGPSTEP_OUTFILE_H
#define PGPSTEP_OUTFILE_H

#include <sys/types.h>
#include <gpg-error.h>

/* Default mode of output files: payloads are sensitive.  */
#define OUTFILE_DEFAULT_MODE 0600

struct outfile;

/* Prepare output FILE with permission bits MODE (exactly; the umask
 * does not apply).  Without OVERWRITE an existing FILE (also a
 * dangling symlink) is GPG_ERR_EEXIST, checked now and again at
 * commit.  A directory FILE is GPG_ERR_EISDIR.  Otherwise a failure is
 * the system error of creating the temporary file.  On error
 * R_MESSAGE receives a malloced text naming the file or directory at
 * fault (NULL if out of core).  */
gpg_error_t outfile_open (const char *file, mode_t mode, int overwrite,
                          struct outfile **r_of, char **r_message);

/* Prepare a spool whose content is copied to file descriptor DEST on
 * commit.  The spool lives in $TMPDIR (or /tmp) and has no name.  */
gpg_error_t outfile_open_spool (int dest, struct outfile **r_of,
                                char **r_message);

/* The descriptor to write the content to (read/write, at offset 0).  */
int outfile_fd (struct outfile *of);

/* Make the content durable (fsync of a file output; nothing for a
 * spool).  Called when every producer succeeded.  */
gpg_error_t outfile_sync (struct outfile *of);

/* Publish the content: link or rename it into place, or copy the spool
 * to its destination.  Syncs first unless already synced.  R_MESSAGE
 * as for outfile_open.  */
gpg_error_t outfile_commit (struct outfile *of, char **r_message);

/* Like outfile_commit, but the new directory entry is not synced: the
 * caller syncs the directory (once for many outputs) before it counts
 * the output as durable.  The content is synced before it gets its
 * name, so a name that survives a crash has complete content.  */
gpg_error_t outfile_commit_nodirsync (struct outfile *of, char **r_message);

/* Release OF; an uncommitted temporary file is removed.  NULL is
 * allowed.  */
void outfile_release (struct outfile *of);

/* Remove the visible temporary files of all uncommitted outputs.
 * Async-signal-safe: for a handler of fatal signals.  */
void outfile_cleanup_on_signal (void);

#endif /*PGPSTEP_OUTFILE_H*/
