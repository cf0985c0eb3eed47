/* fdcopy.h - copy a byte range between fds inside the kernel
 *
 * Used by the detached verify/sign fast paths: while gpg reads a
 * regular source file by itself, the same bytes are copied to the
 * step's spool without passing through user space.
 */
#ifndef PGPSTEP_OPENPGP_FDCOPY_H
#define PGPSTEP_OPENPGP_FDCOPY_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <gpg-error.h>

/* Copy LEN bytes from IN_FD starting at absolute offset IN_OFF to
 * OUT_FD at OUT_FD's current file position (which advances).  IN_FD's
 * own file position is not used or changed.  Tries copy_file_range,
 * then sendfile, then pread/write.  If CANCEL_FD is not -1 and becomes
 * readable (e.g. a pipe written to or closed), the copy stops with
 * GPG_ERR_CANCELED between chunks.  The number of bytes written is
 * stored at R_COPIED (may be NULL), also on error.  A source shorter
 * than LEN yields GPG_ERR_TRUNCATED.  */
gpg_error_t fdcopy (int in_fd, off_t in_off, int out_fd, uint64_t len,
                    int cancel_fd, uint64_t *r_copied);

/* fdcopy in a thread of its own, while gpg reads the same range.  The
 * caller fills the arguments; COPIED and ERR are the results once
 * fdcopy_join returned.  */
struct fdcopy_job
{
  int in_fd;
  off_t in_off;
  int out_fd;
  uint64_t len;
  int cancel_fd;
  uint64_t copied;
  gpg_error_t err;
  pthread_t thread;
  int started;
};

gpg_error_t fdcopy_start (struct fdcopy_job *job);

/* Wait for a started JOB (nothing to wait for otherwise); its ERR.  */
gpg_error_t fdcopy_join (struct fdcopy_job *job);

#endif /*PGPSTEP_OPENPGP_FDCOPY_H*/
