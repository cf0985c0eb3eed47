/* gpgop.c - run one gpg payload operation for a step.
 *
 * gpgrun does the process work in the calling thread.  A side that
 * needs a filter (armor, peeked bytes, a callback-only stream) gets a
 * pipe to gpg and a thread of its own for the duration of the call.
 * Each thread owns its end of its pipe; the calling thread owns gpg's
 * ends and closes them once gpg is gone.  See gpgop.h.
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gpgrun.h"
#include "keys.h"
#include "gpgop.h"

/* Bytes moved per read in a filter thread.  */
#define CHUNK (256u * 1024)

/* Below this many input bytes gpg writes a regular output file
 * itself (see needs_thread).  */
#define SMALL_INPUT (1024u * 1024)

/* Pipe capacity asked for between a filter thread and gpg.  */
#define PIPE_SIZE (1024 * 1024)

/* How long an output thread lets gpg fill the pipe when it found
 * less than a chunk waiting (see let_fill).  */
#define FILL_WAIT_NS 500000

/* One filter thread.  */
struct side
{
  const struct gpgop_io *io;
  int is_input;
  int pipe_fd;                 /* Our end of the pipe to/from gpg.  */
  int big_pipe;                /* It holds PIPE_SIZE bytes.  */
  int cancel_fd;               /* The host's, or -1.  */
  int stop_fd;                 /* Readable: give up (gpg is gone).  */
  pthread_t thread;
  int started;
  gpg_error_t err;
  unsigned long long count;    /* Binary bytes into/out of gpg.  */
  int done;                    /* Ran to the end of its input.  */
};

struct op
{
  const struct gpgop_spec *spec;
  struct gpgop_result *res;
};


static void
close_fd (int *fd)
{
  if (*fd >= 0)
    {
      close (*fd);
      *fd = -1;
    }
}

static void
signal_fd (int fd)
{
  uint64_t one = 1;

  while (write (fd, &one, sizeof one) < 0 && errno == EINTR)
    ;
}

/* Wait until FD is ready for EVENTS.  Fails with GPG_ERR_CANCELED when
 * the host cancelled and GPG_ERR_EOF when STOP_FD fired.  */
static gpg_error_t
wait_fd (const struct side *s, int fd, short events, int use_stop)
{
  struct pollfd pfd[3];

  for (;;)
    {
      pfd[0].fd = fd;
      pfd[0].events = events;
      pfd[1].fd = s->cancel_fd;
      pfd[1].events = POLLIN;
      pfd[2].fd = use_stop ? s->stop_fd : -1;
      pfd[2].events = POLLIN;
      pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
      if (poll (pfd, 3, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          return gpg_error_from_syserror ();
        }
      if (pfd[1].revents)
        return gpg_error (GPG_ERR_CANCELED);
      if (pfd[2].revents)
        return gpg_error (GPG_ERR_EOF);
      if ((pfd[0].revents & POLLNVAL))
        return gpg_error (GPG_ERR_EBADF);
      if (pfd[0].revents)
        return 0;
    }
}

/* Before an input thread writes into gpg's pipe: the mirror of
 * let_fill.  gpg reads 8 KiB at a time, and a writer waiting for room
 * in a full pipe wakes for each read; when the big pipe is nearly full,
 * let gpg take a good part of it first (at ~1 GB/s ~500 KiB, of 1 MiB
 * queued: gpg never starves).  */
static void
let_drain (const struct side *s)
{
  struct timespec ts = { 0, FILL_WAIT_NS };
  int queued;

  if (s->is_input && s->big_pipe && s->count >= PIPE_SIZE
      && !ioctl (s->pipe_fd, FIONREAD, &queued)
      && queued > (int) (PIPE_SIZE - CHUNK))
    nanosleep (&ts, NULL);
}

/* Write all of BUF to FD (non-blocking pipe to gpg, or a step's
 * blocking descriptor).  */
static gpg_error_t
write_fd (const struct side *s, int fd, const char *buf, size_t len,
          int use_stop)
{
  gpg_error_t err;
  ssize_t n;

  while (len)
    {
      if (fd == s->pipe_fd)
        let_drain (s);
      err = wait_fd (s, fd, POLLOUT, use_stop);
      if (err)
        return err;
      n = write (fd, buf, len);
      if (n < 0)
        {
          if (errno == EINTR || errno == EAGAIN)
            continue;
          return gpg_error_from_syserror ();
        }
      buf += n;
      len -= (size_t) n;
    }
  return 0;
}

/* Read up to SIZE bytes into BUF; *R_N = 0 at end of input.  */
static gpg_error_t
read_fd (const struct side *s, int fd, char *buf, size_t size, size_t *r_n,
         int use_stop)
{
  gpg_error_t err;
  ssize_t n;

  for (;;)
    {
      err = wait_fd (s, fd, POLLIN, use_stop);
      if (err)
        return err;
      n = read (fd, buf, size);
      if (n < 0)
        {
          if (errno == EINTR || errno == EAGAIN)
            continue;
          return gpg_error_from_syserror ();
        }
      *r_n = (size_t) n;
      return 0;
    }
}

/* Read from the step's source.  */
static gpg_error_t
source_read (struct side *s, char *buf, size_t size, size_t *r_n)
{
  ssize_t n;

  if (s->io->fd >= 0)
    return read_fd (s, s->io->fd, buf, size, r_n, 1);
  n = s->io->read (s->io->handle, buf, size);
  if (n < 0)
    return errno == ECANCELED ? gpg_error (GPG_ERR_CANCELED)
      : gpg_error_from_syserror ();
  *r_n = (size_t) n;
  return 0;
}

/* Write to the step's sink; its callback when given (cancel-aware,
 * counted by the host).  */
static gpg_error_t
sink_write (struct side *s, const char *buf, size_t len)
{
  ssize_t n;

  if (!len)
    return 0;
  if (s->io->write)
    {
      n = s->io->write (s->io->handle, buf, len);
      if (n < 0)
        return errno == ECANCELED ? gpg_error (GPG_ERR_CANCELED)
          : gpg_error_from_syserror ();
      if ((size_t) n != len)
        return gpg_error (GPG_ERR_EIO);
      return 0;
    }
  return write_fd (s, s->io->fd, buf, len, 0);
}

/* Move up to CHUNK bytes from FROM to TO with splice (one of them is
 * our pipe to gpg, the other the step's descriptor); *R_N = 0 at end
 * of input.  GPG_ERR_NOT_SUPPORTED when the step's descriptor cannot
 * be spliced (then nothing was moved).  */
static gpg_error_t
splice_some (struct side *s, int from, off_t *from_off, int to, size_t max,
             size_t *r_n)
{
  gpg_error_t err;
  ssize_t n;

  for (;;)
    {
      err = wait_fd (s, from, POLLIN, 1);
      if (!err)
        err = wait_fd (s, to, POLLOUT, 1);
      if (err)
        return err;
      n = splice (from, from_off, to, NULL, max,
                  SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n >= 0)
        {
          *r_n = (size_t) n;
          return 0;
        }
      if (errno == EINTR || errno == EAGAIN)
        continue;
      if (errno == EINVAL || errno == ENOSYS)
        return gpg_error (GPG_ERR_NOT_SUPPORTED);
      return gpg_error_from_syserror ();
    }
}

/* Input: prefix, then the source, through the dearmor filter if
 * asked, into gpg's stdin.  */
static gpg_error_t
run_input (struct side *s, char *in, char *out)
{
  gpg_error_t err = 0;
  armor_decoder_t dec = NULL;
  const char *data;
  size_t n, outlen;
  int prefix = s->io->prefix_len > 0;
  int use_splice;
  off_t off = s->io->range_off;
  unsigned long long left = s->io->range_len;
  size_t max;
  ssize_t got;

  if (s->io->filter == GPGOP_FILTER_DEARMOR)
    {
      err = armor_decoder_new (&dec);
      if (err)
        goto leave;
    }
  use_splice = !dec && s->io->fd >= 0;
  for (;;)
    {
      if (prefix)
        {
          data = s->io->prefix;
          n = s->io->prefix_len;
          prefix = 0;
        }
      else if (s->io->use_range && !left)
        break;
      else if (use_splice)
        {
          /* Pass-through after a prefix: let the kernel move it.  */
          max = s->io->use_range && left < CHUNK ? (size_t) left : CHUNK;
          let_drain (s);
          err = splice_some (s, s->io->fd, s->io->use_range ? &off : NULL,
                             s->pipe_fd, max, &n);
          if (gpg_err_code (err) == GPG_ERR_NOT_SUPPORTED)
            {
              use_splice = 0;
              err = 0;
              continue;
            }
          if (err)
            goto leave;
          if (!n && s->io->use_range)
            {
              err = gpg_error (GPG_ERR_TRUNCATED);
              goto leave;
            }
          if (!n)
            break;
          s->count += n;
          left -= n;
          continue;
        }
      else if (s->io->use_range)
        {
          /* Where splice is refused: a range is read with pread.  */
          max = left < CHUNK ? (size_t) left : CHUNK;
          while ((got = pread (s->io->fd, in, max, off)) < 0
                 && errno == EINTR)
            ;
          if (got <= 0)
            {
              err = got ? gpg_error_from_syserror ()
                : gpg_error (GPG_ERR_TRUNCATED);
              goto leave;
            }
          n = (size_t) got;
          off += got;
          left -= n;
          data = in;
        }
      else
        {
          err = source_read (s, in, CHUNK, &n);
          if (err)
            goto leave;
          if (!n)
            break;
          data = in;
        }
      if (dec)
        {
          /* Large prefixes are fed in CHUNK pieces: OUT is sized for
           * that.  */
          size_t at;

          for (at = 0; at < n;)
            {
              size_t piece = n - at > CHUNK ? CHUNK : n - at;

              err = armor_decode (dec, data + at, piece, out, &outlen);
              if (err)
                goto leave;
              err = write_fd (s, s->pipe_fd, out, outlen, 1);
              if (err)
                goto leave;
              s->count += outlen;
              at += piece;
            }
        }
      else
        {
          err = write_fd (s, s->pipe_fd, data, n, 1);
          if (err)
            goto leave;
          s->count += n;
        }
    }
  if (dec)
    err = armor_decode_finish (dec);
  if (!err && s->io->suffix_len)
    {
      err = write_fd (s, s->pipe_fd, s->io->suffix, s->io->suffix_len, 1);
      if (!err)
        s->count += s->io->suffix_len;
    }

 leave:
  armor_decoder_release (dec);
  return err;
}

/* After an output thread took N bytes from gpg's pipe.  gpg writes 8
 * KiB at a time; a thread that wakes for each spends more on wakeups
 * than on moving bytes (512 MiB signed: ~24k context switches, ~12%
 * more CPU).  On a long stream, when less than a chunk is waiting, let
 * gpg fill the pipe a while: at ~1 GB/s it writes ~500 KiB meanwhile,
 * which the big pipe holds without blocking it.  */
static void
let_fill (const struct side *s, size_t n)
{
  struct timespec ts = { 0, FILL_WAIT_NS };
  int avail;

  if (s->big_pipe && s->count >= PIPE_SIZE && n < CHUNK
      && !ioctl (s->pipe_fd, FIONREAD, &avail) && avail < (int) CHUNK)
    nanosleep (&ts, NULL);
}

/* Output: gpg's stdout through the armor filter if asked, into the
 * step's sink.  */
static gpg_error_t
run_output (struct side *s, char *in, char *out)
{
  gpg_error_t err = 0;
  armor_encoder_t enc = NULL;
  size_t n, outlen;

  if (s->io->filter == GPGOP_FILTER_ARMOR)
    {
      err = armor_encoder_new (&enc, s->io->armor_type);
      if (err)
        goto leave;
    }
  else if (!s->io->write)
    {
      /* A regular file: the kernel moves the pages.  */
      while (!(err = splice_some (s, s->pipe_fd, NULL, s->io->fd, CHUNK,
                                  &n)) && n)
        {
          s->count += n;
          let_fill (s, n);
        }
      if (gpg_err_code (err) != GPG_ERR_NOT_SUPPORTED || s->count)
        goto leave;
      err = 0;
    }
  for (;;)
    {
      err = read_fd (s, s->pipe_fd, in, CHUNK, &n, 1);
      if (err)
        goto leave;
      if (!n)
        break;
      s->count += n;
      let_fill (s, n);
      if (enc)
        {
          err = armor_encode (enc, in, n, out, &outlen);
          if (!err)
            err = sink_write (s, out, outlen);
        }
      else
        err = sink_write (s, in, n);
      if (err)
        goto leave;
    }
  if (enc)
    {
      err = armor_encode_finish (enc, out, &outlen);
      if (!err)
        err = sink_write (s, out, outlen);
    }

 leave:
  armor_encoder_release (enc);
  return err;
}

static void *
side_thread (void *arg)
{
  struct side *s = arg;
  sigset_t set;
  char *in, *out;
  size_t outsize;

  /* A write to a pipe whose reader is gone fails with EPIPE instead of
   * killing the process; the pending signal dies with the thread.  */
  sigemptyset (&set);
  sigaddset (&set, SIGPIPE);
  pthread_sigmask (SIG_BLOCK, &set, NULL);

  outsize = s->is_input ? armor_decode_bound (CHUNK)
    : armor_encode_bound (CHUNK);
  if (outsize < ARMOR_FINISH_MAX)
    outsize = ARMOR_FINISH_MAX;
  in = malloc (CHUNK);
  out = malloc (outsize);
  if (!in || !out)
    s->err = gpg_error_from_syserror ();
  else if (s->is_input)
    s->err = run_input (s, in, out);
  else
    s->err = run_output (s, in, out);
  s->done = !s->err;
  free (in);
  free (out);
  /* Closing our end is how gpg learns: EOF on its input, EPIPE on its
   * output (which ends it when we failed).  */
  close_fd (&s->pipe_fd);
  return NULL;
}


/* Whether INPUT is known to be smaller than SMALL_INPUT: a regular
 * file with few bytes left after its offset (plus the prefix).  */
static int
small_input (const struct gpgop_io *input)
{
  struct stat st;
  off_t pos;

  if (input->fd < 0 || input->filter != GPGOP_FILTER_NONE
      || fstat (input->fd, &st) || !S_ISREG (st.st_mode)
      || (pos = lseek (input->fd, 0, SEEK_CUR)) < 0)
    return 0;
  return (pos < st.st_size ? (uint64_t)(st.st_size - pos) : 0)
         + input->prefix_len < SMALL_INPUT;
}

/* Whether side IO of SPEC needs a thread between the step's stream
 * and gpg.  An output to a regular file gets one too: gpg writing the
 * file itself pays for the page-cache copy and block allocation on its
 * own core, serially with its crypto (1 GiB encrypt: ~280 MB/s that
 * way, ~415 MB/s with the same bytes armored by a thread); through a
 * pipe that work runs on the other core.  Not for a small input: there
 * the thread's start and the wakeups and core hops of a pipe cost more
 * than they save (1 KiB messages in batch mode: ~20 context switches
 * a message instead of ~4).  */
static int
needs_thread (const struct gpgop_spec *spec, int is_input)
{
  const struct gpgop_io *io = is_input ? &spec->input : &spec->output;
  struct stat st;

  if (io->filter != GPGOP_FILTER_NONE)
    return 1;
  if (is_input && (io->prefix_len || io->suffix_len || io->use_range))
    return 1;
  if (!is_input && io->fd >= 0 && !io->write && !fstat (io->fd, &st)
      && S_ISREG (st.st_mode))
    return !small_input (&spec->input);
  return io->fd < 0 && (is_input ? !!io->read : !!io->write);
}

/* Prepare side S: a pipe whose gpg end goes to *R_GPG_FD.  */
static gpg_error_t
side_prepare (struct side *s, const struct gpgop_io *io, int is_input,
              int cancel_fd, int *r_gpg_fd)
{
  int fds[2];
  int flags;

  s->io = io;
  s->is_input = is_input;
  s->cancel_fd = cancel_fd;
  if (pipe2 (fds, O_CLOEXEC))
    return gpg_error_from_syserror ();
  /* gpg's end stays blocking; ours polls.  Separate open file
   * descriptions: the flag does not reach gpg.  */
  s->pipe_fd = is_input ? fds[1] : fds[0];
  *r_gpg_fd = is_input ? fds[0] : fds[1];
  s->big_pipe = fcntl (fds[1], F_SETPIPE_SZ, PIPE_SIZE) >= PIPE_SIZE;
  flags = fcntl (s->pipe_fd, F_GETFL);
  if (flags < 0 || fcntl (s->pipe_fd, F_SETFL, flags | O_NONBLOCK) < 0)
    return gpg_error_from_syserror ();
  s->stop_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s->stop_fd < 0)
    return gpg_error_from_syserror ();
  return 0;
}

static gpg_error_t
side_start (struct side *s)
{
  int rc = pthread_create (&s->thread, NULL, side_thread, s);

  if (rc)
    return gpg_error_from_errno (rc);
  s->started = 1;
  return 0;
}

static void
side_finish (struct side *s)
{
  if (s->started)
    {
      pthread_join (s->thread, NULL);
      s->started = 0;
    }
  close_fd (&s->pipe_fd);
  close_fd (&s->stop_fd);
}


static gpg_error_t
status_line (void *opaque, const char *line)
{
  struct op *op = opaque;
  gpg_error_t err;

  err = status_feed (op->res->status, line, strlen (line));
  if (!err && op->spec->status_cb)
    err = op->spec->status_cb (op->spec->opaque, line);
  return err;
}

static gpg_error_t
passphrase (void *opaque, const char *keyid, const char *main_keyid,
            const char **r_pass, size_t *r_len)
{
  struct op *op = opaque;

  return op->spec->passphrase_cb (op->spec->opaque, keyid, main_keyid,
                                  r_pass, r_len);
}

gpg_error_t
gpgop_run (const struct gpgop_spec *spec, struct gpgop_result *r_res)
{
  gpg_error_t err;
  struct gpgrun_spec rs;
  struct side in = { .pipe_fd = -1, .stop_fd = -1 };
  struct side out = { .pipe_fd = -1, .stop_fd = -1 };
  int gpg_in = -1, gpg_out = -1;
  int use_in = 0, use_out = 0;
  struct op op;

  memset (r_res, 0, sizeof *r_res);
  r_res->exit_status = -1;
  err = status_new (&r_res->status);
  if (err)
    return err;
  op.spec = spec;
  op.res = r_res;

  memset (&rs, 0, sizeof rs);
  rs.gpg_path = spec->gpg_path;
  if (!rs.gpg_path)
    {
      err = keys_gpg_path (&rs.gpg_path);
      if (err)
        goto leave;
    }
  rs.homedir = spec->homedir;
  rs.args = spec->args;
  rs.stdin_fd = spec->input.fd;
  rs.stdout_fd = spec->output.fd;
  rs.extra_fds = spec->extra_fds;
  rs.n_extra_fds = spec->n_extra_fds;
  rs.cancel_fd = spec->cancel_fd;
  rs.status_cb = status_line;
  rs.passphrase_cb = spec->passphrase_cb ? passphrase : NULL;
  rs.opaque = &op;

  if (spec->input.filter == GPGOP_FILTER_ARMOR
      || spec->output.filter == GPGOP_FILTER_DEARMOR
      || spec->output.prefix_len || spec->output.suffix_len
      || spec->output.use_range
      || ((spec->input.suffix_len || spec->input.use_range)
          && spec->input.filter != GPGOP_FILTER_NONE)
      || (spec->input.use_range && spec->input.fd < 0))
    {
      err = gpg_error (GPG_ERR_INV_ARG);
      goto leave;
    }

  use_in = needs_thread (spec, 1);
  use_out = needs_thread (spec, 0);
  if (use_in)
    {
      err = side_prepare (&in, &spec->input, 1, spec->cancel_fd, &gpg_in);
      if (err)
        goto leave;
      rs.stdin_fd = gpg_in;
    }
  if (use_out)
    {
      err = side_prepare (&out, &spec->output, 0, spec->cancel_fd, &gpg_out);
      if (err)
        goto leave;
      rs.stdout_fd = gpg_out;
    }
  if (use_in)
    err = side_start (&in);
  if (!err && use_out)
    err = side_start (&out);
  if (err)
    goto leave;

  r_res->run_err = gpgrun (&rs, &r_res->exit_status, &r_res->diag);

 leave:
  /* gpg is gone.  The input thread is stopped and joined while we
   * still hold gpg's end of its pipe: a gpg that exited on its own
   * before reading everything never turns into EPIPE here (the caller
   * judges gpg's status, and INPUT_EOF says what was fed).  The output
   * thread reads what is left, then EOF (unless the run failed: then
   * it may give up at once).  */
  if (in.stop_fd >= 0)
    signal_fd (in.stop_fd);
  side_finish (&in);
  close_fd (&gpg_in);
  close_fd (&gpg_out);
  if (out.stop_fd >= 0 && (err || r_res->run_err))
    signal_fd (out.stop_fd);
  side_finish (&out);
  r_res->bytes_in = in.count;
  r_res->bytes_out = out.count;
  r_res->input_filtered = !!use_in;
  r_res->input_eof = use_in && in.done;
  /* Stopped after gpg ended is no failure of the filter itself.  */
  if (gpg_err_code (in.err) != GPG_ERR_EOF)
    r_res->input_err = in.err;
  if (gpg_err_code (out.err) != GPG_ERR_EOF)
    r_res->output_err = out.err;
  status_finish (r_res->status, r_res->exit_status);

  if (err)
    ;
  else if (gpg_err_code (r_res->run_err) == GPG_ERR_CANCELED
           || gpg_err_code (r_res->input_err) == GPG_ERR_CANCELED
           || gpg_err_code (r_res->output_err) == GPG_ERR_CANCELED)
    err = gpg_error (GPG_ERR_CANCELED);
  else if (r_res->input_err)
    err = r_res->input_err;
  else if (r_res->output_err)
    err = r_res->output_err;
  else
    err = r_res->run_err;
  return err;
}

void
gpgop_result_release (struct gpgop_result *res)
{
  if (!res)
    return;
  status_release (res->status);
  res->status = NULL;
  free (res->diag);
  res->diag = NULL;
}

gpg_error_t
gpgop_error (gpg_error_t rc, const struct gpgop_result *res)
{
  gpg_error_t err;

  if (rc)
    return rc;
  if (!res->status)
    return gpg_error (GPG_ERR_INTERNAL);
  err = status_error (res->status);
  if (!err && res->exit_status != 0)
    err = gpg_error (GPG_ERR_GENERAL);
  return err;
}

const char *
gpgop_diag_line (const struct gpgop_result *res, char *buf, size_t size)
{
  const char *p, *end, *start;
  size_t n;

  if (!size)
    return buf;
  *buf = 0;
  if (!res->diag)
    return buf;
  end = res->diag + strlen (res->diag);
  while (end > res->diag && (end[-1] == '\n' || end[-1] == ' '))
    end--;
  for (start = end; start > res->diag && start[-1] != '\n'; start--)
    ;
  p = start;
  if (!strncmp (p, "gpg: ", 5) && end - p >= 5)
    p += 5;
  n = (size_t) (end - p);
  if (n >= size)
    n = size - 1;
  memcpy (buf, p, n);
  buf[n] = 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char) buf[i] < 0x20 || buf[i] == 0x7f)
      buf[i] = '?';
  return buf;
}
