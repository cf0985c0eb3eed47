/* gpgrun.c - run gpg on payload descriptors through its machine interface.
 *
 * One run is one child and one poll loop in the calling thread: the
 * status pipe, gpg's stderr, the cancel descriptor and a pidfd.  The
 * payload descriptors go to gpg untouched.  See gpgrun.h.
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gpgrun.h"

#define STATUS_PREFIX      "[GNUPG:] "
#define STATUS_PREFIX_LEN  (sizeof STATUS_PREFIX - 1)

/* Keep this much of gpg's stderr (the end of it) for diagnostics.  */
#define DIAG_KEEP 4096

/* After SIGTERM gpg gets this long to clean up before SIGKILL.  */
#define TERM_GRACE_MS 250

/* Without a pidfd (old kernel, seccomp, valgrind) the loop wakes up
 * this often to look for the child's exit.  */
#define EXIT_POLL_MS 20

/* Reads of a channel after gpg exited: enough for any pipe's content,
 * yet bounded should something outside gpg's process group still
 * write to it.  */
#define DRAIN_READS 64

/* Descriptors 0..4 of the child: stdin, stdout, stderr, status,
 * command.  */
#define N_FIXED_FDS 5
#if GPGRUN_STATUS_FD != 3 || GPGRUN_COMMAND_FD != 4 \
  || GPGRUN_EXTRA_FD != N_FIXED_FDS
# error the descriptor layout changed: adjust fixed_options and spawn_gpg
#endif

/* Options put before the caller's.  --no-options keeps a gpg.conf from
 * adding recipients, key retrieval or compression; the others are
 * explained in GNUPG-FACTS.md.  Each was checked against gpg 2.2.40.  */
static const char *const fixed_options[] =
  {
    "--no-options",
    "--batch",
    "--no-tty",
    "--status-fd", "3",
    "--command-fd", "4",
    "--pinentry-mode", "loopback",
    "--no-auto-key-retrieve",
    "--auto-key-locate", "local",
    "--disable-dirmngr",
    "--no-symkey-cache",
    "--no-random-seed-file",
    "--no-auto-check-trustdb",
    "--no-permission-warning",
    "--exit-on-status-write-error",
    NULL
  };

/* What the last NEED_PASSPHRASE* line announced.  */
enum need
  {
    NEED_NONE,
    NEED_KEY,                   /* NEED_PASSPHRASE: a secret key.  */
    NEED_SYM,                   /* NEED_PASSPHRASE_SYM: a password.  */
    NEED_PIN                    /* NEED_PASSPHRASE_PIN: a card PIN.  */
  };

struct run
{
  const struct gpgrun_spec *spec;
  pid_t pid;                    /* The child; 0 when there is none.  */
  int pidfd;                    /* -1 if the kernel gave none.  */
  int exited;                   /* The child exited (not yet reaped).  */
  int status_fd;                /* Our ends, all O_CLOEXEC|O_NONBLOCK.  */
  int stderr_fd;
  int command_fd;

  char *line;                   /* Status bytes not yet split.  */
  size_t line_len;

  enum need need;
  char keyid[17];
  char main_keyid[17];

  char diag[2 * DIAG_KEEP];     /* The end of gpg's stderr.  */
  size_t diag_len;
  int diag_cut;                 /* Earlier stderr output was dropped.  */
  char note[512];               /* Our own explanation of an error.  */
};


/* Record why the run failed; the first explanation wins.  */
static void note (struct run *run, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
static void
note (struct run *run, const char *fmt, ...)
{
  va_list ap;

  if (*run->note)
    return;
  va_start (ap, fmt);
  vsnprintf (run->note, sizeof run->note, fmt, ap);
  va_end (ap);
}


/* Copy at most 80 bytes of S into BUF, replacing anything unprintable,
 * so that a line from gpg can be quoted in a note.  */
static const char *
printable (char *buf, size_t size, const char *s)
{
  size_t i;

  for (i = 0; i + 1 < size && i < 80 && s[i]; i++)
    buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
  buf[i] = 0;
  return buf;
}


static void
close_fd (int *fd)
{
  if (*fd >= 0)
    {
      close (*fd);
      *fd = -1;
    }
}


static int
set_nonblock (int fd)
{
  int flags = fcntl (fd, F_GETFL);

  return flags < 0 ? -1 : fcntl (fd, F_SETFL, flags | O_NONBLOCK);
}


/* Check a payload descriptor the caller hands to gpg.  gpg does
 * blocking I/O: a non-blocking descriptor would fail it half-way with
 * EAGAIN, so refuse it here with a clear message.  */
static gpg_error_t
check_payload_fd (struct run *run, const char *what, int fd, int want_read)
{
  int flags, mode;

  if (fd < 0)
    return 0;
  flags = fcntl (fd, F_GETFL);
  if (flags < 0)
    {
      note (run, "%s %d is not an open descriptor", what, fd);
      return gpg_error (GPG_ERR_INV_ARG);
    }
  if ((flags & O_NONBLOCK))
    {
      note (run, "%s %d is in non-blocking mode", what, fd);
      return gpg_error (GPG_ERR_INV_ARG);
    }
  mode = flags & O_ACCMODE;
  if (want_read >= 0 && mode != O_RDWR
      && mode != (want_read ? O_RDONLY : O_WRONLY))
    {
      note (run, "%s %d is not open for %s", what, fd,
            want_read ? "reading" : "writing");
      return gpg_error (GPG_ERR_INV_ARG);
    }
  return 0;
}


/* Check SPEC before anything is created.  */
static gpg_error_t
check_spec (struct run *run, const char *path)
{
  const struct gpgrun_spec *spec = run->spec;
  gpg_error_t err;
  struct pollfd pfd;
  struct stat st;
  size_t i;

  if (!spec->homedir || !*spec->homedir)
    {
      note (run, "no GnuPG home given");
      return gpg_error (GPG_ERR_INV_ARG);
    }
  if (*path != '/')
    {
      note (run, "gpg path '%s' is not absolute", path);
      return gpg_error (GPG_ERR_INV_ARG);
    }
  if (spec->n_extra_fds > GPGRUN_MAX_EXTRA_FDS
      || (spec->n_extra_fds && !spec->extra_fds))
    {
      note (run, "bad extra descriptors (at most %d)", GPGRUN_MAX_EXTRA_FDS);
      return gpg_error (GPG_ERR_INV_ARG);
    }

  err = check_payload_fd (run, "stdin_fd", spec->stdin_fd, 1);
  if (!err)
    err = check_payload_fd (run, "stdout_fd", spec->stdout_fd, 0);
  for (i = 0; !err && i < spec->n_extra_fds; i++)
    {
      if (spec->extra_fds[i] < 0)
        {
          note (run, "extra descriptor %zu is %d", i, spec->extra_fds[i]);
          return gpg_error (GPG_ERR_INV_ARG);
        }
      err = check_payload_fd (run, "extra fd", spec->extra_fds[i], -1);
    }
  if (err)
    return err;

  /* posix_spawn reports a failed exec too, but not where vfork is
   * emulated by fork (under valgrind it returns 0 and the child exits
   * 127): check first for a clear answer everywhere.  */
  if (stat (path, &st))
    {
      int e = errno;

      note (run, "cannot run gpg '%s': %s", path, strerror (e));
      return gpg_error ((e == ENOENT || e == ENOTDIR) ? GPG_ERR_ENOENT
                        : gpg_err_code_from_errno (e));
    }
  if (!S_ISREG (st.st_mode) || access (path, X_OK))
    {
      note (run, "cannot run gpg '%s': not an executable file", path);
      return gpg_error (GPG_ERR_INV_ENGINE);
    }

  if (spec->cancel_fd >= 0)
    {
      pfd.fd = spec->cancel_fd;
      pfd.events = POLLIN;
      pfd.revents = 0;
      if (poll (&pfd, 1, 0) < 0)
        return gpg_error_from_syserror ();
      if ((pfd.revents & POLLNVAL))
        {
          note (run, "cancel_fd %d is not an open descriptor",
                spec->cancel_fd);
          return gpg_error (GPG_ERR_INV_ARG);
        }
      if (pfd.revents)
        {
          note (run, "cancelled before gpg was started");
          return gpg_error (GPG_ERR_CANCELED);
        }
    }
  return 0;
}


/* Start gpg.  On success the child runs and RUN holds our ends of its
 * status, stderr and command channels.  */
static gpg_error_t
spawn_gpg (struct run *run, const char *path)
{
  const struct gpgrun_spec *spec = run->spec;
  gpg_error_t err = 0;
  int status_pipe[2] = { -1, -1 };
  int stderr_pipe[2] = { -1, -1 };
  int command_sock[2] = { -1, -1 };
  int src[N_FIXED_FDS + GPGRUN_MAX_EXTRA_FDS];
  int high[N_FIXED_FDS + GPGRUN_MAX_EXTRA_FDS];
  int nfds = N_FIXED_FDS + (int) spec->n_extra_fds;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  int actions_ready = 0;
  int attr_ready = 0;
  sigset_t sigs;
  const char **argv = NULL;
  char *home_env = NULL;
  char *envp[4];
  size_t nargs, i, n;
  int fd, rc;

  for (fd = 0; fd < nfds; fd++)
    high[fd] = -1;

  /* The command channel is a socket so that answering a gpg that has
   * just died gives EPIPE (MSG_NOSIGNAL) instead of killing the
   * caller's process with SIGPIPE.  */
  if (pipe2 (status_pipe, O_CLOEXEC) || pipe2 (stderr_pipe, O_CLOEXEC)
      || socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, command_sock)
      || set_nonblock (status_pipe[0]) || set_nonblock (stderr_pipe[0])
      || set_nonblock (command_sock[0]))
    {
      err = gpg_error_from_syserror ();
      note (run, "cannot create pipes for gpg: %s", strerror (errno));
      goto leave;
    }

  src[0] = spec->stdin_fd;
  src[1] = spec->stdout_fd;
  src[2] = stderr_pipe[1];
  src[GPGRUN_STATUS_FD] = status_pipe[1];
  src[GPGRUN_COMMAND_FD] = command_sock[1];
  for (i = 0; i < spec->n_extra_fds; i++)
    src[N_FIXED_FDS + i] = spec->extra_fds[i];

  /* Lift every source above the target range first, so that placing
   * one descriptor never overwrites another still to be placed (the
   * caller's payload may well be 0 or 1).  */
  for (fd = 0; fd < nfds; fd++)
    if (src[fd] >= 0
        && (high[fd] = fcntl (src[fd], F_DUPFD_CLOEXEC, nfds)) < 0)
      {
        err = gpg_error_from_syserror ();
        note (run, "cannot duplicate a descriptor: %s", strerror (errno));
        goto leave;
      }

  rc = posix_spawn_file_actions_init (&actions);
  if (rc)
    goto spawn_setup_failed;
  actions_ready = 1;
  for (fd = 0; fd < nfds && !rc; fd++)
    {
      if (high[fd] >= 0)
        rc = posix_spawn_file_actions_adddup2 (&actions, high[fd], fd);
      else
        rc = posix_spawn_file_actions_addopen (&actions, fd, "/dev/null",
                                               fd ? O_WRONLY : O_RDONLY, 0);
    }
  /* Nothing else of ours reaches gpg, even a descriptor another thread
   * opened without O_CLOEXEC.  */
  if (!rc)
    rc = posix_spawn_file_actions_addclosefrom_np (&actions, nfds);
  if (rc)
    goto spawn_setup_failed;

  /* A new session: gpg has no controlling terminal and leads its own
   * process group, which a cancel kills as a whole.  Signal mask and
   * dispositions are reset to the defaults.  */
  rc = posix_spawnattr_init (&attr);
  if (rc)
    goto spawn_setup_failed;
  attr_ready = 1;
  sigemptyset (&sigs);
  rc = posix_spawnattr_setsigmask (&attr, &sigs);
  sigfillset (&sigs);
  if (!rc)
    rc = posix_spawnattr_setsigdefault (&attr, &sigs);
  if (!rc)
    rc = posix_spawnattr_setflags (&attr, (POSIX_SPAWN_SETSID
                                           | POSIX_SPAWN_SETSIGMASK
                                           | POSIX_SPAWN_SETSIGDEF));
  if (rc)
    goto spawn_setup_failed;

  for (nargs = 0; spec->args && spec->args[nargs]; nargs++)
    ;
  argv = calloc (3 + (sizeof fixed_options / sizeof *fixed_options)
                 + nargs, sizeof *argv);
  if (asprintf (&home_env, "HOME=%s", spec->homedir) < 0)
    home_env = NULL;
  if (!argv || !home_env)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  n = 0;
  argv[n++] = path;
  argv[n++] = "--homedir";
  argv[n++] = spec->homedir;
  for (i = 0; fixed_options[i]; i++)
    argv[n++] = fixed_options[i];
  for (i = 0; i < nargs; i++)
    argv[n++] = spec->args[i];
  argv[n] = NULL;

  /* A minimal, explicit environment: nothing of ours is inherited (no
   * GPG_AGENT_INFO, no secrets), messages are untranslated, and HOME
   * is not the user's.  */
  envp[0] = (char *) "LC_ALL=C";
  envp[1] = (char *) "PATH=/usr/bin:/bin";
  envp[2] = home_env;
  envp[3] = NULL;

  rc = posix_spawn (&run->pid, path, &actions, &attr,
                    (char *const *) argv, envp);
  if (rc)
    {
      run->pid = 0;
      if (rc == ENOENT || rc == ENOTDIR)
        err = gpg_error (GPG_ERR_ENOENT);
      else if (rc == EACCES || rc == ENOEXEC || rc == EPERM || rc == ELOOP
               || rc == EISDIR || rc == ETXTBSY)
        err = gpg_error (GPG_ERR_INV_ENGINE);
      else
        err = gpg_error (gpg_err_code_from_errno (rc));
      note (run, "cannot run gpg '%s': %s", path, strerror (rc));
      goto leave;
    }

  run->status_fd = status_pipe[0];
  status_pipe[0] = -1;
  run->stderr_fd = stderr_pipe[0];
  stderr_pipe[0] = -1;
  run->command_fd = command_sock[0];
  command_sock[0] = -1;
  /* Without a pidfd the loop falls back to looking with waitid.  */
  run->pidfd = pidfd_open (run->pid, 0);
  goto leave;

 spawn_setup_failed:
  err = gpg_error (gpg_err_code_from_errno (rc));
  note (run, "cannot prepare to run gpg: %s", strerror (rc));

 leave:
  /* The child holds its ends now; ours must go or EOF never comes.  */
  close_fd (&status_pipe[0]);
  close_fd (&status_pipe[1]);
  close_fd (&stderr_pipe[0]);
  close_fd (&stderr_pipe[1]);
  close_fd (&command_sock[0]);
  close_fd (&command_sock[1]);
  for (fd = 0; fd < nfds; fd++)
    close_fd (&high[fd]);
  if (actions_ready)
    posix_spawn_file_actions_destroy (&actions);
  if (attr_ready)
    posix_spawnattr_destroy (&attr);
  free (argv);
  free (home_env);
  return err;
}


/* True if the child has exited (it stays a zombie until reaped, so
 * its pid and process group cannot be reused meanwhile).  */
static int
child_exited (struct run *run)
{
  siginfo_t info;
  struct pollfd pfd;

  if (run->exited)
    return 1;
  if (run->pidfd >= 0)
    {
      pfd.fd = run->pidfd;
      pfd.events = POLLIN;
      pfd.revents = 0;
      if (poll (&pfd, 1, 0) > 0)
        run->exited = 1;
      return run->exited;
    }
  memset (&info, 0, sizeof info);
  if (!waitid (P_PID, run->pid, &info, WEXITED | WNOHANG | WNOWAIT))
    run->exited = info.si_pid != 0;
  else if (errno == ECHILD)
    run->exited = 1;            /* Reaped elsewhere; waitpid will say.  */
  return run->exited;
}


/* Wait up to MS milliseconds for the child to exit.  */
static int
wait_exit (struct run *run, int ms)
{
  struct timespec tick = { 0, EXIT_POLL_MS * 1000000L };
  struct pollfd pfd;
  int rc;

  if (run->pidfd >= 0 && !run->exited)
    {
      pfd.fd = run->pidfd;
      pfd.events = POLLIN;
      pfd.revents = 0;
      do
        rc = poll (&pfd, 1, ms);
      while (rc < 0 && errno == EINTR);
      if (rc > 0)
        run->exited = 1;
      return run->exited;
    }
  while (!child_exited (run) && ms > 0)
    {
      nanosleep (&tick, NULL);
      ms -= EXIT_POLL_MS;
    }
  return run->exited;
}


/* Signal gpg's whole process group.  gpg leads its session, so it
 * cannot leave the group; and while it is not reaped no other process
 * can get its id.  */
static void
kill_group (struct run *run, int sig)
{
  kill (-run->pid, sig);
}


/* Stop a gpg we no longer want: SIGTERM lets it remove its temporary
 * and lock files; SIGKILL follows if it dawdles.  */
static void
terminate (struct run *run)
{
  if (!run->pid || child_exited (run))
    return;
  kill_group (run, SIGTERM);
  if (!wait_exit (run, TERM_GRACE_MS))
    kill_group (run, SIGKILL);
}


/* Reap the child and store its wait status at R_WSTATUS.  */
static gpg_error_t
reap (struct run *run, int *r_wstatus)
{
  gpg_error_t err = 0;
  pid_t pid;

  /* Whatever gpg left in its process group goes too.  */
  kill_group (run, SIGKILL);
  do
    pid = waitpid (run->pid, r_wstatus, 0);
  while (pid < 0 && errno == EINTR);
  if (pid < 0)
    {
      err = gpg_error_from_syserror ();
      note (run, "cannot wait for gpg (SIGCHLD ignored?): %s",
            strerror (errno));
    }
  run->pid = 0;
  close_fd (&run->pidfd);
  return err;
}


/* Keep the end of what gpg writes to stderr.  Read until nothing is
 * left, at most READS times.  */
static void
read_stderr (struct run *run, int reads)
{
  ssize_t n;

  while (run->stderr_fd >= 0 && reads-- > 0)
    {
      if (run->diag_len > DIAG_KEEP)
        {
          memmove (run->diag, run->diag + run->diag_len - DIAG_KEEP,
                   DIAG_KEEP);
          run->diag_len = DIAG_KEEP;
          run->diag_cut = 1;
        }
      n = read (run->stderr_fd, run->diag + run->diag_len,
                sizeof run->diag - run->diag_len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        break;
      if (n <= 0)
        {
          close_fd (&run->stderr_fd);
          break;
        }
      run->diag_len += n;
    }
}


/* If LINE starts with keyword KW, return what follows it (past one
 * space); else NULL.  Keywords match only at the start, whole.  */
static const char *
keyword_args (const char *line, const char *kw)
{
  size_t len = strlen (kw);

  if (strncmp (line, kw, len))
    return NULL;
  if (line[len] == ' ')
    return line + len + 1;
  return line[len] ? NULL : line + len;
}


/* Copy a 16 hex digit key id from *S into BUF and advance *S.  */
static int
take_keyid (const char **s, char *buf)
{
  size_t i;

  for (i = 0; i < 16; i++)
    if (!(*s)[i] || !strchr ("0123456789ABCDEFabcdef", (*s)[i]))
      return -1;
  if ((*s)[16] && (*s)[16] != ' ')
    return -1;
  memcpy (buf, *s, 16);
  buf[16] = 0;
  *s += (*s)[16] ? 17 : 16;
  return 0;
}


/* Answer GET_HIDDEN passphrase.enter with the caller's passphrase.  */
static gpg_error_t
answer_passphrase (struct run *run)
{
  const struct gpgrun_spec *spec = run->spec;
  gpg_error_t err;
  const char *pass = NULL;
  size_t len = 0;
  int is_key = run->need == NEED_KEY;
  struct iovec iov[2];
  struct msghdr msg;
  ssize_t n;

  if (run->need == NEED_NONE || run->need == NEED_PIN)
    {
      note (run, "gpg asked for a %s; refused",
            run->need == NEED_PIN ? "card PIN"
            : "passphrase without saying for what");
      return gpg_error (GPG_ERR_UNEXPECTED_MSG);
    }
  /* One answer per announcement: never answer a prompt blind.  */
  run->need = NEED_NONE;

  if (!spec->passphrase_cb)
    {
      note (run, "gpg asked for the passphrase of %s; none available",
            is_key ? run->keyid : "a symmetric password");
      return gpg_error (GPG_ERR_NO_PASSPHRASE);
    }
  err = spec->passphrase_cb (spec->opaque,
                             is_key ? run->keyid : NULL,
                             is_key ? run->main_keyid : NULL, &pass, &len);
  if (!err && !pass)
    err = gpg_error (GPG_ERR_NO_PASSPHRASE);
  if (err)
    {
      note (run, "no passphrase for %s: %s",
            is_key ? run->keyid : "the symmetric password",
            gpg_strerror (err));
      return err;
    }
  /* gpg reads one line: a newline would end the answer early and
   * start another one.  */
  if (len > GPGRUN_PASSPHRASE_MAX || memchr (pass, '\n', len)
      || memchr (pass, 0, len))
    {
      note (run, "passphrase for %s is too long or holds a newline or NUL",
            is_key ? run->keyid : "the symmetric password");
      return gpg_error (GPG_ERR_INV_PASSPHRASE);
    }

  /* Sent as is from the caller's memory: no copy to wipe.  gpg has
   * read every earlier answer before it asks again, so the socket
   * buffer is empty and takes the whole line at once.  */
  iov[0].iov_base = (void *) pass;
  iov[0].iov_len = len;
  iov[1].iov_base = (void *) "\n";
  iov[1].iov_len = 1;
  memset (&msg, 0, sizeof msg);
  msg.msg_iov = iov;
  msg.msg_iovlen = 2;
  do
    n = sendmsg (run->command_fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0 || (size_t) n != len + 1)
    {
      err = n < 0 ? gpg_error_from_syserror () : gpg_error (GPG_ERR_EIO);
      note (run, "cannot pass the passphrase to gpg: %s",
            n < 0 ? strerror (errno) : "short write");
      return err;
    }
  return 0;
}


/* Handle one status line of LEN bytes (its newline replaced by NUL).  */
static gpg_error_t
handle_status (struct run *run, char *line, size_t len)
{
  const struct gpgrun_spec *spec = run->spec;
  gpg_error_t err;
  const char *args;
  char quoted[96];

  if (memchr (line, 0, len) || strncmp (line, STATUS_PREFIX,
                                        STATUS_PREFIX_LEN))
    {
      note (run, "gpg wrote a garbled status line: %s",
            printable (quoted, sizeof quoted, line));
      return gpg_error (GPG_ERR_INV_ENGINE);
    }
  line += STATUS_PREFIX_LEN;

  if (spec->status_cb)
    {
      err = spec->status_cb (spec->opaque, line);
      if (err)
        {
          note (run, "status line refused (%s): %s", gpg_strerror (err),
                printable (quoted, sizeof quoted, line));
          return err;
        }
    }

  if ((args = keyword_args (line, "NEED_PASSPHRASE")))
    {
      if (take_keyid (&args, run->keyid)
          || take_keyid (&args, run->main_keyid))
        {
          note (run, "gpg wrote a garbled status line: %s",
                printable (quoted, sizeof quoted, line));
          return gpg_error (GPG_ERR_INV_ENGINE);
        }
      run->need = NEED_KEY;
    }
  else if (keyword_args (line, "NEED_PASSPHRASE_SYM"))
    run->need = NEED_SYM;
  else if (keyword_args (line, "NEED_PASSPHRASE_PIN"))
    run->need = NEED_PIN;
  else if ((args = keyword_args (line, "GET_HIDDEN"))
           && !strcmp (args, "passphrase.enter"))
    return answer_passphrase (run);
  else if (!strncmp (line, "GET_", 4))
    {
      /* Any other question: our arguments did not foresee it, and
       * leaving it unanswered would hang gpg.  */
      note (run, "gpg asked '%s'; only passphrase prompts are answered",
            printable (quoted, sizeof quoted, line));
      return gpg_error (GPG_ERR_UNEXPECTED_MSG);
    }
  return 0;
}


/* Read status output and hand over each complete line.  Read until
 * nothing is left, at most READS times.  */
static gpg_error_t
read_status (struct run *run, int reads)
{
  gpg_error_t err;
  size_t start, scan;
  char *nl;
  ssize_t n;

  while (run->status_fd >= 0 && reads-- > 0)
    {
      n = read (run->status_fd, run->line + run->line_len,
                GPGRUN_STATUS_LINE_MAX - run->line_len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        break;
      if (n < 0)
        {
          err = gpg_error_from_syserror ();
          note (run, "cannot read gpg's status: %s", strerror (errno));
          return err;
        }
      if (!n)
        {
          close_fd (&run->status_fd);
          if (run->line_len)
            {
              note (run, "gpg's last status line has no end");
              return gpg_error (GPG_ERR_TRUNCATED);
            }
          break;
        }

      /* Only the new bytes can hold a newline not yet seen.  */
      start = 0;
      scan = run->line_len;
      run->line_len += n;
      while ((nl = memchr (run->line + scan, '\n', run->line_len - scan)))
        {
          *nl = 0;
          err = handle_status (run, run->line + start,
                               nl - (run->line + start));
          if (err)
            return err;
          start = scan = nl - run->line + 1;
        }
      memmove (run->line, run->line + start, run->line_len - start);
      run->line_len -= start;
      if (run->line_len == GPGRUN_STATUS_LINE_MAX)
        {
          note (run, "gpg wrote a status line longer than %d bytes",
                GPGRUN_STATUS_LINE_MAX);
          return gpg_error (GPG_ERR_LINE_TOO_LONG);
        }
    }
  return 0;
}


/* Serve gpg until it exits, then collect what it wrote last.  */
static gpg_error_t
serve (struct run *run)
{
  const struct gpgrun_spec *spec = run->spec;
  gpg_error_t err;
  struct pollfd pfd[4];
  int i_cancel, i_status, i_stderr, i_pidfd;
  nfds_t n;

  while (!run->exited)
    {
      n = 0;
      i_cancel = i_status = i_stderr = i_pidfd = -1;
      if (spec->cancel_fd >= 0)
        {
          i_cancel = n;
          pfd[n].fd = spec->cancel_fd;
          pfd[n++].events = POLLIN;
        }
      if (run->status_fd >= 0)
        {
          i_status = n;
          pfd[n].fd = run->status_fd;
          pfd[n++].events = POLLIN;
        }
      if (run->stderr_fd >= 0)
        {
          i_stderr = n;
          pfd[n].fd = run->stderr_fd;
          pfd[n++].events = POLLIN;
        }
      if (run->pidfd >= 0)
        {
          i_pidfd = n;
          pfd[n].fd = run->pidfd;
          pfd[n++].events = POLLIN;
        }

      if (poll (pfd, n, run->pidfd >= 0 ? -1 : EXIT_POLL_MS) < 0)
        {
          if (errno == EINTR)
            continue;
          err = gpg_error_from_syserror ();
          note (run, "poll failed: %s", strerror (errno));
          return err;
        }

      /* Cancellation wins even when gpg has more to say.  */
      if (i_cancel >= 0 && pfd[i_cancel].revents)
        {
          note (run, "cancelled");
          return gpg_error (GPG_ERR_CANCELED);
        }
      if (i_stderr >= 0 && pfd[i_stderr].revents)
        read_stderr (run, 1);
      if (i_status >= 0 && pfd[i_status].revents)
        {
          err = read_status (run, 1);
          if (err)
            return err;
        }
      if (i_pidfd >= 0 ? pfd[i_pidfd].revents != 0 : child_exited (run))
        run->exited = 1;
    }

  /* gpg is gone, so all it wrote is in the pipes: take it without
   * waiting for EOF, which a descendant holding a copy could delay.
   * Such descendants go first, lest they keep writing.  */
  kill_group (run, SIGKILL);
  read_stderr (run, DRAIN_READS);
  err = read_status (run, DRAIN_READS);
  if (!err && run->line_len)
    {
      note (run, "gpg's last status line has no end");
      err = gpg_error (GPG_ERR_TRUNCATED);
    }
  return err;
}


/* The end of gpg's stderr (from a line start) plus our note, or NULL
 * if both are empty.  */
static char *
make_diag (struct run *run)
{
  const char *tail = run->diag;
  size_t len = run->diag_len;
  const char *nl;
  char *diag;
  size_t size;

  if (len > DIAG_KEEP)
    {
      tail += len - DIAG_KEEP;
      len = DIAG_KEEP;
      run->diag_cut = 1;
    }
  if (run->diag_cut && (nl = memchr (tail, '\n', len)))
    {
      len -= nl + 1 - tail;
      tail = nl + 1;
    }
  if (!len && !*run->note)
    return NULL;
  size = len + 1 + sizeof "gpgrun: " + strlen (run->note) + 2;
  diag = malloc (size);
  if (!diag)
    return NULL;
  memcpy (diag, tail, len);
  if (len && tail[len - 1] != '\n')
    diag[len++] = '\n';
  if (*run->note)
    len += snprintf (diag + len, size - len, "gpgrun: %s\n", run->note);
  diag[len] = 0;
  return diag;
}


gpg_error_t
gpgrun (const struct gpgrun_spec *spec, int *r_exit_status, char **r_diag)
{
  gpg_error_t err, err2;
  struct run *run;
  const char *path;
  int wstatus = 0;

  if (r_diag)
    *r_diag = NULL;
  if (r_exit_status)
    *r_exit_status = -1;
  if (!spec || !r_exit_status)
    return gpg_error (GPG_ERR_INV_ARG);

  run = calloc (1, sizeof *run);
  if (!run)
    return gpg_error_from_syserror ();
  run->spec = spec;
  run->pidfd = run->status_fd = run->stderr_fd = run->command_fd = -1;
  path = spec->gpg_path ? spec->gpg_path : GPGRUN_DEFAULT_GPG;

  err = check_spec (run, path);
  if (err)
    goto leave;
  run->line = malloc (GPGRUN_STATUS_LINE_MAX);
  if (!run->line)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }

  err = spawn_gpg (run, path);
  if (err)
    goto leave;

  err = serve (run);
  if (err)
    terminate (run);
  err2 = reap (run, &wstatus);
  if (err2)
    {
      if (!err)
        err = err2;
      goto leave;
    }
  if (WIFEXITED (wstatus))
    *r_exit_status = WEXITSTATUS (wstatus);
  else if (!err && WIFSIGNALED (wstatus))
    {
      int sig = WTERMSIG (wstatus);

      note (run, "gpg was killed by signal %d (%s)", sig,
            sigdescr_np (sig) ? sigdescr_np (sig) : "unknown");
      /* Its output went away: the reader's failure is the real one.  */
      err = gpg_error (sig == SIGPIPE ? GPG_ERR_EPIPE : GPG_ERR_INV_ENGINE);
    }

 leave:
  if (run->pid)
    {
      terminate (run);
      reap (run, &wstatus);
    }
  close_fd (&run->status_fd);
  close_fd (&run->stderr_fd);
  close_fd (&run->command_fd);
  close_fd (&run->pidfd);
  if (r_diag)
    *r_diag = make_diag (run);
  free (run->line);
  free (run);
  return err;
}
