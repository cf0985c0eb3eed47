/* homedir.h - runtime GnuPG home directories: where they live, who
 * owns them, removal (also from a signal handler) and the sweep of
 * homes a crashed process left behind.  */
#ifndef PGPSTEP_HOMEDIR_H
#define PGPSTEP_HOMEDIR_H

#include <sys/types.h>
#include <gpg-error.h>

/* The file in a runtime home naming its owner process and agent:
 * "OWNER-PID OWNER-START\nAGENT-PID AGENT-START\n" (START: the
 * process start time from /proc, to tell a reused pid apart).  */
#define HOMEDIR_OWNER_FILE "pgpstep.owner"

/* Name prefix of runtime homes inside the base directory.  */
#define HOMEDIR_PREFIX "ps."

/* The directory runtime homes are created in: BASE if given, else
 * $XDG_RUNTIME_DIR or /run/user/UID when it exists and is ours and
 * private, else $TMPDIR, else /tmp.  Malloced in *R_DIR.  */
gpg_error_t homedir_base (const char *base, char **r_dir);

/* Create a private (0700) home BASE/ps.XXXXXX recording this process
 * as its owner, and register it for homedir_cleanup_on_signal.  */
gpg_error_t homedir_create (const char *base, char **r_dir);

/* Record the agent pid of home DIR (for signal cleanup and sweeps).  */
void homedir_set_agent (const char *dir, pid_t agent_pid);

/* Read the owner and agent pids (0 when unknown or not alive with
 * the recorded start time) of home DIR.  */
gpg_error_t homedir_read_owner (const char *dir, pid_t *r_owner,
                                pid_t *r_agent, int *r_owner_alive);

/* Remove DIR and everything in it and unregister it (thread-safe; a
 * signal handler uses homedir_cleanup_on_signal instead).  */
void homedir_remove (const char *dir);

/* Async-signal-safe: interrupt the agents of this process's homes and
 * remove the homes.  Does nothing in a forked child.  */
void homedir_cleanup_on_signal (void);

/* True if process PID exists, is not a zombie and started at START
 * (START 0: any start time).  */
int homedir_pid_alive (pid_t pid, unsigned long long start);

/* The start time of PID from /proc (0 if unknown).  */
unsigned long long homedir_pid_start (pid_t pid);

/* Wait up to TIMEOUT_MS for PID (started at START) to be gone; send
 * SIGKILL if it is still there then.  Returns 0 once it is gone.  */
gpg_error_t homedir_wait_gone (pid_t pid, unsigned long long start,
                               unsigned int timeout_ms);

/* Call FN for every home under BASE owned by our uid whose owner
 * process is gone.  */
void homedir_foreach_stale (const char *base,
                            void (*fn) (void *opaque, const char *dir),
                            void *opaque);

#endif /*PGPSTEP_HOMEDIR_H*/
