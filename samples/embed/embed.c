/* embed.c - a runtime embedding libpgpstep (sample).
 *
 * What an integration runtime does with the embedding API
 * (<pgpstep/host.h>):
 *
 *  - one host, plugins loaded once;
 *  - two pipelines loaded once: OUTBOUND (sign and encrypt, e.g.
 *    samples/pipelines/outbound-invoice.xml) and INBOUND (decrypt,
 *    signature required, e.g. samples/pipelines/inbound-invoice.xml);
 *  - worker threads, each taking messages and running them through
 *    the shared pipelines with per-message input headers, streaming
 *    through read/write callbacks; the output is released only on
 *    commit;
 *  - one line of JSON on stdout per run with the result headers (or
 *    the error detail);
 *  - key rotation without a restart: the main thread watches the
 *    descriptors and the files they name (key files, secret files) and,
 *    when they changed and have settled, loads a fresh pipeline and
 *    swaps it in for new messages.  Messages in flight finish on the
 *    generation they started with; a generation is released when its
 *    last message is done (reference count).  A reload that fails is
 *    logged and the running generation keeps serving.
 *
 * Every message is a round trip: the outbound pipeline's output is the
 * inbound pipeline's input, and the result must be the original
 * payload with a valid signature and the file name of the message's
 * input header.
 *
 * Exit status: 0 when every message succeeded, 1 on any failure
 * (a message, startup, --max-seconds exceeded), 2 on usage errors.
 * SIGINT/SIGTERM stop gracefully (in-flight messages finish); a
 * second one stops at once after pgpstep_cleanup_on_signal.
 *
 * Build against an installed libpgpstep:
 *   cc -O2 -Wall -Wextra -pthread embed.c \
 *      $(pkg-config --cflags --libs pgpstep) -o embed
 */

#define _GNU_SOURCE 1           /* asprintf, open_memstream.  */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pgpstep/host.h>

#define MAX_WATCHED 64

/* Settings from the command line.  */
static struct
{
  char *plugin_path;            /* Colon-separated.  */
  const char *secrets_dir;
  const char *payload_file;
  unsigned int threads;
  unsigned long messages;       /* 0: until stopped.  */
  unsigned int poll_ms;
  unsigned int timeout_ms;
  unsigned int max_seconds;
  unsigned int interval_ms;     /* Pause of a worker between messages.  */
  int verbosity;
  int quiet;
} opt;

static pgpstep_t host;
static char *payload;           /* The message template.  */
static size_t payload_len;

/* Set by the workers or the signal handler; read by everyone.  */
static volatile sig_atomic_t stop_signal;
static int stop_now;            /* Atomic.  */
static int any_failure;         /* Atomic.  */
static unsigned long next_message;  /* Atomic.  */
static unsigned long messages_done; /* Atomic.  */

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

/* The main thread waits on DONE_COND for the poll interval or until
 * the workers are gone.  */
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond;
static unsigned int workers_running;
static struct timespec end_time;    /* When the last worker finished.  */


/*
 * Logging
 */

static void
say (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* One line on stdout, never interleaved with another thread's.  One
 * write(2) and no stdio buffer: the steps spawn gpg from their
 * threads, and a child that inherited a half-filled buffer (a fork
 * emulating vfork, e.g. under valgrind) could flush it again.  */
static void
say (const char *fmt, ...)
{
  va_list ap;
  char *line;
  size_t off, len;
  ssize_t n;
  int rc;

  va_start (ap, fmt);
  rc = vasprintf (&line, fmt, ap);
  va_end (ap);
  if (rc < 0)
    return;
  len = rc + 1;
  line[rc] = '\n';             /* Replaces the terminator.  */
  pthread_mutex_lock (&out_lock);
  for (off = 0; off < len; off += n)
    if ((n = write (STDOUT_FILENO, line + off, len - off)) < 0)
      {
        if (errno != EINTR)
          break;
        n = 0;
      }
  pthread_mutex_unlock (&out_lock);
  free (line);
}

/* The host's log sink.  Called from any thread (steps, pumps, the
 * loader), so it only formats one line and writes it at once.  */
static void
log_cb (void *opaque, int level, const char *step, const char *text)
{
  static const char *const names[] = { "error", "warning", "info", "debug" };

  (void) opaque;
  fprintf (stderr, "embed: host %s: %s%s%s\n",
           level >= 0 && level <= 3 ? names[level] : "?",
           step ? step : "", step ? ": " : "", text);
}


/*
 * JSON output of results
 */

/* Append S as a JSON string to FP.  */
static void
json_string (FILE *fp, const char *s)
{
  const unsigned char *p;

  putc ('"', fp);
  for (p = (const unsigned char *) s; *p; p++)
    if (*p == '"' || *p == '\\')
      fprintf (fp, "\\%c", *p);
    else if (*p < 0x20)
      fprintf (fp, "\\u%04x", *p);
    else
      putc (*p, fp);
  putc ('"', fp);
}

/* Print the outcome of one run of message N as one JSON line.  */
static void
print_result (unsigned long n, const char *pipeline, unsigned int generation,
              gpg_error_t err, pgpstep_result_t res)
{
  pgpstep_headers_t h = res ? pgpstep_result_headers (res) : NULL;
  const char *name, *value;
  char *line = NULL;
  size_t len = 0;
  unsigned int i;
  FILE *fp;

  if (opt.quiet && !err)
    return;
  fp = open_memstream (&line, &len);
  if (!fp)
    return;
  fprintf (fp, "{\"message\": %lu, \"pipeline\": ", n);
  json_string (fp, pipeline);
  fprintf (fp, ", \"generation\": %u, \"status\": \"%s\"", generation,
           err ? "failed" : "ok");
  if (err)
    {
      fprintf (fp, ", \"exit\": %d", pgpstep_exit_code (err));
      if (res && pgpstep_result_step (res))
        {
          fputs (", \"step\": ", fp);
          json_string (fp, pgpstep_result_step (res));
        }
      fputs (", \"error\": ", fp);
      json_string (fp, res && pgpstep_result_message (res)
                   ? pgpstep_result_message (res) : gpg_strerror (err));
    }
  fputs (", \"headers\": {", fp);
  for (i = 0; h && (name = pgpstep_headers_name_at (h, i, &value)); i++)
    {
      fputs (i ? ", " : "", fp);
      json_string (fp, name);
      fputs (": ", fp);
      json_string (fp, value);
    }
  fputs ("}}", fp);
  if (!fclose (fp))
    say ("%s", line);
  free (line);
}


/*
 * Streams: memory in, memory out, released only on commit
 */

struct membuf
{
  char *data;
  size_t len;
  size_t size;
};

/* A message's input: read by the host's input pump thread.  */
struct source
{
  const char *data;
  size_t len;
  size_t pos;
};

static ssize_t
source_read (void *handle, void *buffer, size_t size)
{
  struct source *s = handle;
  size_t n = s->len - s->pos;

  if (n > size)
    n = size;
  memcpy (buffer, s->data + s->pos, n);
  s->pos += n;
  return n;
}

/* A message's output: WRITE (the host's output pump thread) collects
 * tentative bytes in PENDING; COMMIT (the thread that called
 * pgpstep_run, after every step succeeded) hands them to FINAL; ABORT
 * throws them away.  */
struct sink
{
  struct membuf pending;
  struct membuf *final;
};

static ssize_t
sink_write (void *handle, const void *buffer, size_t size)
{
  struct sink *s = handle;
  struct membuf *m = &s->pending;
  char *tmp;

  if (m->len + size > m->size)
    {
      tmp = realloc (m->data, (m->len + size) * 2);
      if (!tmp)
        return -1;              /* errno is ENOMEM.  */
      m->data = tmp;
      m->size = (m->len + size) * 2;
    }
  memcpy (m->data + m->len, buffer, size);
  m->len += size;
  return size;
}

static gpg_error_t
sink_commit (void *handle)
{
  struct sink *s = handle;

  free (s->final->data);
  *s->final = s->pending;
  memset (&s->pending, 0, sizeof s->pending);
  return 0;
}

static void
sink_abort (void *handle)
{
  struct sink *s = handle;

  free (s->pending.data);
  memset (&s->pending, 0, sizeof s->pending);
}


/*
 * Pipelines with generations and reload
 */

/* One loaded pipeline.  REFS counts the slot's reference (while it is
 * the current one) and one per message in flight.  */
struct generation
{
  struct slot *slot;
  pgpstep_pipeline_t pipeline;
  unsigned int number;
  unsigned int refs;            /* Atomic.  */
};

/* What we know of a watched file.  */
struct stamp
{
  int err;                      /* errno of stat, 0 when it exists.  */
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
  struct timespec ctime;
};

/* A pipeline as the runtime sees it: a descriptor file whose current
 * generation serves new messages.  */
struct slot
{
  const char *file;
  pthread_mutex_t lock;         /* Guards CURRENT.  */
  struct generation *current;
  unsigned int generations;     /* Loaded so far.  */
  unsigned int released;        /* Generations released (atomic).  */
  /* The files the last load used, and their stamps then; the stamps
   * seen at the previous poll, for settling.  */
  char *paths[MAX_WATCHED];
  struct stamp loaded[MAX_WATCHED];
  struct stamp seen[MAX_WATCHED];
  unsigned int npaths;
  int pending;                  /* SEEN holds a change not loaded yet.  */
};

static struct slot outbound = { .lock = PTHREAD_MUTEX_INITIALIZER };
static struct slot inbound = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void
take_stamp (const char *path, struct stamp *s)
{
  struct stat st;

  memset (s, 0, sizeof *s);
  if (stat (path, &st))
    {
      s->err = errno;
      return;
    }
  s->dev = st.st_dev;
  s->ino = st.st_ino;
  s->size = st.st_size;
  s->mtime = st.st_mtim;
  s->ctime = st.st_ctim;
}

static int
same_stamp (const struct stamp *a, const struct stamp *b)
{
  return a->err == b->err && a->dev == b->dev && a->ino == b->ino
    && a->size == b->size
    && a->mtime.tv_sec == b->mtime.tv_sec
    && a->mtime.tv_nsec == b->mtime.tv_nsec
    && a->ctime.tv_sec == b->ctime.tv_sec
    && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* Add PATH (relative ones from BASEDIR) to *LIST.  */
static gpg_error_t
add_path (char **list, unsigned int *n, const char *basedir,
          const char *path, size_t len, const char *suffix)
{
  char *p;
  int rc;

  if (*n == MAX_WATCHED)
    return 0;                   /* Enough to notice a rotation.  */
  if (!basedir || *path == '/')
    rc = asprintf (&p, "%.*s%s", (int) len, path, suffix);
  else
    rc = asprintf (&p, "%s/%.*s%s", basedir, (int) len, path, suffix);
  if (rc < 0)
    return gpg_error_from_syserror ();
  list[(*n)++] = p;
  return 0;
}

/* Decode the predefined XML entities of the attribute value at VALUE
 * (LEN bytes) into a malloced string.  */
static char *
attr_value (const char *value, size_t len)
{
  static const struct { const char *ent; char c; } ents[] =
    { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
      { "&quot;", '"' }, { "&apos;", '\'' } };
  char *out, *o;
  size_t i, k;

  if (!(out = o = malloc (len + 1)))
    return NULL;
  for (i = 0; i < len; )
    {
      for (k = 0; k < sizeof ents / sizeof *ents; k++)
        if (!strncmp (value + i, ents[k].ent, strlen (ents[k].ent))
            && i + strlen (ents[k].ent) <= len)
          break;
      if (k < sizeof ents / sizeof *ents)
        {
          *o++ = ents[k].c;
          i += strlen (ents[k].ent);
        }
      else
        *o++ = value[i++];
    }
  *o = 0;
  return out;
}

/* The files a reload of the descriptor FILE depends on: FILE itself,
 * and for each <keyring> its public and secret key files, its GnuPG
 * home's keyring and key directory, and the secret file of a
 * "secret:NAME" passphrase.  This is a scan for the attributes, not
 * a parser (the host validates the descriptor when it loads it): a
 * file listed too many only costs a reload, and a descriptor change
 * is noticed anyway.  Relative paths start from where the descriptor
 * really is, like the host resolves them.  */
static gpg_error_t
scan_files (const char *file, char **list, unsigned int *r_n)
{
  static const char *const attrs[] =
    { "public", "secret", "home", "passphrase" };
  gpg_error_t err = 0;
  char *text = NULL, *real = NULL, *basedir, *value = NULL;
  const char *p, *end, *a, *q;
  size_t len = 0, k;
  char quote;
  FILE *fp = NULL;
  unsigned int n = 0;
  const char *secrets = opt.secrets_dir;

  *r_n = 0;
  if (!secrets || !*secrets)
    secrets = getenv ("PGPSTEP_SECRETS");  /* As the host does.  */
  if (secrets && !*secrets)
    secrets = NULL;
  if ((err = add_path (list, &n, NULL, file, strlen (file), "")))
    goto leave;
  real = realpath (file, NULL);
  fp = fopen (file, "r");
  if (!real || !fp)
    goto leave;                 /* The load will say why.  */
  basedir = strrchr (real, '/');
  *basedir = 0;
  basedir = *real ? real : "/";
  text = malloc (1024 * 1024 + 1);
  if (!text)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  len = fread (text, 1, 1024 * 1024, fp);
  text[len] = 0;

  for (p = text; (p = strstr (p, "<keyring")); p++)
    {
      if (p[8] != ' ' && p[8] != '\t' && p[8] != '\n' && p[8] != '\r')
        continue;
      end = strchr (p, '>');
      if (!end)
        break;
      for (k = 0; k < sizeof attrs / sizeof *attrs; k++)
        {
          /* NAME = "VALUE" or 'VALUE', preceded by white space.  */
          for (a = p + 8; (a = strstr (a, attrs[k])) && a < end; a++)
            {
              if (!strchr (" \t\r\n", a[-1]))
                continue;
              q = a + strlen (attrs[k]);
              q += strspn (q, " \t\r\n");
              if (*q != '=')
                continue;
              q++;
              q += strspn (q, " \t\r\n");
              quote = *q;
              if (quote != '"' && quote != '\'')
                continue;
              a = strchr (q + 1, quote);
              if (!a || a > end)
                break;
              free (value);
              if (!(value = attr_value (q + 1, a - q - 1)))
                {
                  err = gpg_error_from_syserror ();
                  goto leave;
                }
              if (!*value)
                ;
              else if (k == 3)
                {
                  if (!strncmp (value, "secret:", 7) && secrets)
                    err = add_path (list, &n, secrets, value + 7,
                                    strlen (value + 7), "");
                }
              else if (k == 2)
                {
                  if (!(err = add_path (list, &n, basedir, value,
                                        strlen (value), "/pubring.kbx")))
                    err = add_path (list, &n, basedir, value, strlen (value),
                                    "/private-keys-v1.d");
                }
              else
                err = add_path (list, &n, basedir, value, strlen (value), "");
              if (err)
                goto leave;
              break;
            }
        }
      p = end;
    }

 leave:
  if (fp)
    fclose (fp);
  free (value);
  free (text);
  free (real);
  *r_n = n;
  return err;
}

/* Load a new generation of SLOT.  The files and their stamps are taken
 * before the load, so a change during the load is seen next time.  */
static gpg_error_t
load_generation (struct slot *slot, struct generation **r_gen)
{
  gpg_error_t err;
  struct generation *gen = NULL;
  char *message = NULL;
  unsigned int i;

  *r_gen = NULL;
  for (i = 0; i < slot->npaths; i++)
    free (slot->paths[i]);
  slot->npaths = 0;
  err = scan_files (slot->file, slot->paths, &slot->npaths);
  if (err)
    goto leave;
  for (i = 0; i < slot->npaths; i++)
    take_stamp (slot->paths[i], slot->loaded + i);
  slot->pending = 0;

  gen = calloc (1, sizeof *gen);
  if (!gen)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  err = pgpstep_pipeline_load_file (host, slot->file, &gen->pipeline,
                                    &message);
  if (err)
    {
      fprintf (stderr, "embed: loading %s: %s\n", slot->file,
               message ? message : gpg_strerror (err));
      goto leave;
    }
  gen->slot = slot;
  gen->number = ++slot->generations;
  gen->refs = 1;                /* The slot's.  */
  *r_gen = gen;
  gen = NULL;

 leave:
  free (gen);
  pgpstep_free (message);
  return err;
}

/* Take a reference to the current generation of SLOT for a message.  */
static struct generation *
acquire (struct slot *slot)
{
  struct generation *gen;

  /* Under the lock: the swap drops the slot's reference only after
   * the new one is in place, so GEN cannot be freed meanwhile.  */
  pthread_mutex_lock (&slot->lock);
  gen = slot->current;
  __atomic_add_fetch (&gen->refs, 1, __ATOMIC_RELAXED);
  pthread_mutex_unlock (&slot->lock);
  return gen;
}

/* Drop a reference; the last one releases the pipeline (its steps,
 * runtime homes and agents).  */
static void
release (struct generation *gen)
{
  if (!gen || __atomic_sub_fetch (&gen->refs, 1, __ATOMIC_ACQ_REL))
    return;
  pgpstep_pipeline_release (gen->pipeline);
  __atomic_add_fetch (&gen->slot->released, 1, __ATOMIC_RELAXED);
  say ("{\"event\": \"released\", \"file\": \"%s\", \"generation\": %u}",
       gen->slot->file, gen->number);
  free (gen);
}

/* Make GEN the current generation of SLOT.  */
static void
swap_in (struct slot *slot, struct generation *gen)
{
  struct generation *old;

  pthread_mutex_lock (&slot->lock);
  old = slot->current;
  slot->current = gen;
  pthread_mutex_unlock (&slot->lock);
  release (old);
}

/* Poll the files of SLOT; reload once a change has settled (the same
 * stamps at two polls in a row: a key file being copied is not read
 * half-written).  */
static void
check_slot (struct slot *slot)
{
  struct stamp now[MAX_WATCHED];
  struct generation *gen;
  unsigned int i, n = slot->npaths;
  int changed = 0, settled = 1;
  gpg_error_t err;

  for (i = 0; i < n; i++)
    {
      take_stamp (slot->paths[i], now + i);
      if (!same_stamp (now + i, slot->loaded + i))
        changed = 1;
      if (!slot->pending || !same_stamp (now + i, slot->seen + i))
        settled = 0;
    }
  if (!changed)
    {
      slot->pending = 0;
      return;
    }
  if (!settled)
    {
      memcpy (slot->seen, now, n * sizeof *now);
      slot->pending = 1;
      return;
    }

  err = load_generation (slot, &gen);
  if (err)
    {
      /* Keep serving with what we have; a further change retries.  */
      say ("{\"event\": \"reload-failed\", \"file\": \"%s\","
           " \"exit\": %d, \"generation\": %u}", slot->file,
           pgpstep_exit_code (err), slot->current->number);
      return;
    }
  say ("{\"event\": \"reloaded\", \"file\": \"%s\", \"generation\": %u}",
       slot->file, gen->number);
  swap_in (slot, gen);
}


/*
 * Messages
 */

/* Run SRC through the current generation of SLOT into *OUT.  */
static gpg_error_t
run_message (struct slot *slot, unsigned long n, const char *suffix,
             pgpstep_headers_t headers, const struct membuf *src,
             struct membuf *out, pgpstep_result_t *r_res)
{
  struct source in = { src->data, src->len, 0 };
  struct sink sink = { { NULL, 0, 0 }, out };
  struct pgpstep_input input;
  struct pgpstep_output output;
  struct pgpstep_run_options ro;
  struct generation *gen;
  char id[64];
  gpg_error_t err;

  memset (&input, 0, sizeof input);
  input.struct_size = sizeof input;
  input.fd = -1;
  input.handle = &in;
  input.read = source_read;
  memset (&output, 0, sizeof output);
  output.struct_size = sizeof output;
  output.fd = -1;
  output.handle = &sink;
  output.write = sink_write;
  output.commit = sink_commit;
  output.abort = sink_abort;
  snprintf (id, sizeof id, "%lu-%s", n, suffix);
  memset (&ro, 0, sizeof ro);
  ro.struct_size = sizeof ro;
  ro.timeout_ms = opt.timeout_ms;
  ro.message_id = id;

  gen = acquire (slot);
  err = pgpstep_run (gen->pipeline, headers, &input, &output, &ro, r_res);
  print_result (n, pgpstep_pipeline_name (gen->pipeline), gen->number,
                err, *r_res);
  release (gen);
  /* Committed or aborted: nothing pending is left.  */
  free (sink.pending.data);
  return err;
}

/* Check a header of the inbound result.  */
static int
header_is (pgpstep_result_t res, const char *name, const char *want)
{
  const char *v = pgpstep_headers_get (pgpstep_result_headers (res), name);

  return v && !strcmp (v, want);
}

/* Message N: build the payload, sign and encrypt it, decrypt and
 * verify it, compare.  */
static gpg_error_t
process (unsigned long n)
{
  gpg_error_t err;
  pgpstep_headers_t headers = NULL;
  pgpstep_result_t res = NULL;
  struct membuf plain = { NULL, 0, 0 }, cipher = { NULL, 0, 0 };
  struct membuf back = { NULL, 0, 0 };
  char filename[64];
  int rc;

  /* The payload differs per message.  */
  rc = asprintf (&plain.data, "%.*s<!-- message %lu -->\n",
                 (int) payload_len, payload, n);
  if (rc < 0)
    {
      plain.data = NULL;
      err = gpg_error_from_syserror ();
      goto leave;
    }
  plain.len = rc;
  /* Per-message input headers: the encrypt step stores "filename" in
   * the literal data; the decrypt step reports it back.  */
  snprintf (filename, sizeof filename, "invoice-%06lu.xml", n);
  if ((err = pgpstep_headers_new (&headers))
      || (err = pgpstep_headers_set (headers, "filename", filename)))
    goto leave;

  err = run_message (&outbound, n, "out", headers, &plain, &cipher, &res);
  if (err)
    goto leave;
  pgpstep_result_release (res);
  res = NULL;

  err = run_message (&inbound, n, "in", NULL, &cipher, &back, &res);
  if (err)
    goto leave;
  if (back.len != plain.len || memcmp (back.data, plain.data, plain.len))
    {
      say ("{\"message\": %lu, \"error\": \"round trip: payload differs"
           " (%zu bytes back, %zu sent)\"}", n, back.len, plain.len);
      err = gpg_error (GPG_ERR_BAD_DATA);
    }
  else if (!header_is (res, "pgp.signature.status", "valid")
           || !header_is (res, "pgp.literal.filename", filename))
    {
      say ("{\"message\": %lu, \"error\": \"round trip: signature or"
           " file name header missing\"}", n);
      err = gpg_error (GPG_ERR_BAD_SIGNATURE);
    }

 leave:
  pgpstep_result_release (res);
  pgpstep_headers_release (headers);
  free (plain.data);
  free (cipher.data);
  free (back.data);
  return err;
}

static void *
worker (void *arg)
{
  unsigned long n;
  struct timespec pause;
  int first = 1;

  (void) arg;
  pause.tv_sec = opt.interval_ms / 1000;
  pause.tv_nsec = (opt.interval_ms % 1000) * 1000000L;
  while (!__atomic_load_n (&stop_now, __ATOMIC_ACQUIRE) && !stop_signal)
    {
      if (opt.interval_ms && !first)
        nanosleep (&pause, NULL);
      first = 0;
      n = __atomic_fetch_add (&next_message, 1, __ATOMIC_RELAXED);
      if (opt.messages && n >= opt.messages)
        break;
      if (process (n))
        {
          /* Stop taking messages; the others finish theirs.  */
          __atomic_store_n (&any_failure, 1, __ATOMIC_RELEASE);
          __atomic_store_n (&stop_now, 1, __ATOMIC_RELEASE);
          break;
        }
      __atomic_add_fetch (&messages_done, 1, __ATOMIC_RELAXED);
    }
  pthread_mutex_lock (&done_lock);
  if (!--workers_running)
    {
      clock_gettime (CLOCK_MONOTONIC, &end_time);
      pthread_cond_signal (&done_cond);
    }
  pthread_mutex_unlock (&done_lock);
  return NULL;
}


/*
 * Signals
 */

/* First SIGINT/SIGTERM: stop taking messages.  Second one: remove the
 * runtime homes and stop their agents (async-signal-safe), then die
 * of the signal.  */
static void
on_signal (int sig)
{
  if (stop_signal)
    {
      pgpstep_cleanup_on_signal ();
      signal (sig, SIG_DFL);
      raise (sig);
      return;
    }
  stop_signal = sig;
}

/* A crash: no agent and no home with unprotected keys stays behind.  */
static void
on_fatal_signal (int sig)
{
  pgpstep_cleanup_on_signal ();
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
setup_signals (void)
{
  static const int fatal[] = { SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGFPE,
                               SIGILL, SIGABRT };
  struct sigaction sa;
  unsigned int i;

  /* The host blocks SIGPIPE in its threads; ours get EPIPE too.  */
  signal (SIGPIPE, SIG_IGN);
  memset (&sa, 0, sizeof sa);
  sigemptyset (&sa.sa_mask);
  sa.sa_handler = on_signal;
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sa.sa_handler = on_fatal_signal;
  for (i = 0; i < sizeof fatal / sizeof *fatal; i++)
    sigaction (fatal[i], &sa, NULL);
}


/*
 * Main
 */

static void
usage (FILE *fp)
{
  fputs ("usage: embed [OPTIONS] OUTBOUND.xml INBOUND.xml\n"
         "Run messages through OUTBOUND then INBOUND from several threads;"
         " reload\n"
         "the pipelines when their descriptor or key files change.\n"
         "\n"
         "  --plugin-dir DIR   plugin directory (repeatable; default: the"
         " installed one)\n"
         "  --secrets DIR      directory of secret files (secret:NAME)\n"
         "  --payload FILE     the message template (default: a small"
         " invoice)\n"
         "  --threads N        worker threads (default 4)\n"
         "  --messages N       stop after N messages (default: until"
         " SIGINT/SIGTERM)\n"
         "  --poll-ms MS       how often the files are checked (default"
         " 500)\n"
         "  --timeout-ms MS    per-run deadline (default 60000)\n"
         "  --max-seconds S    fail when still running after S seconds\n"
         "  --interval-ms MS   pause of each worker between messages\n"
         "  --quiet            no line per successful run\n"
         "  -v, --verbose      more host log output (repeatable)\n", fp);
}

static int
parse_uint (const char *s, unsigned long max, unsigned long *r)
{
  char *end;

  errno = 0;
  *r = strtoul (s, &end, 10);
  return !*s || *end || errno || *s == '-' || *r > max;
}

static gpg_error_t
add_plugin_dir (const char *dir)
{
  char *p;

  if (asprintf (&p, "%s%s%s", opt.plugin_path ? opt.plugin_path : "",
                opt.plugin_path ? ":" : "", dir) < 0)
    return gpg_error_from_syserror ();
  free (opt.plugin_path);
  opt.plugin_path = p;
  return 0;
}

static gpg_error_t
read_payload (void)
{
  static const char builtin[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<invoice number=\"2024-0001\"><amount currency=\"EUR\">1.00</amount>"
    "</invoice>\n";
  gpg_error_t err = 0;
  FILE *fp;
  char buf[4096];
  size_t n;
  char *tmp;

  if (!opt.payload_file)
    {
      payload_len = strlen (builtin);
      payload = strdup (builtin);
      return payload ? 0 : gpg_error_from_syserror ();
    }
  fp = fopen (opt.payload_file, "rb");
  if (!fp)
    return gpg_error_from_syserror ();
  while ((n = fread (buf, 1, sizeof buf, fp)))
    {
      tmp = realloc (payload, payload_len + n);
      if (!tmp)
        {
          err = gpg_error_from_syserror ();
          break;
        }
      payload = tmp;
      memcpy (payload + payload_len, buf, n);
      payload_len += n;
    }
  if (!err && ferror (fp))
    err = gpg_error (GPG_ERR_EIO);
  fclose (fp);
  return err;
}

/* DONE_COND on the monotonic clock, like the deadlines we compute.  */
static int
init_done_cond (void)
{
  pthread_condattr_t attr;
  int rc;

  rc = pthread_condattr_init (&attr);
  if (!rc)
    {
      rc = pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
      if (!rc)
        rc = pthread_cond_init (&done_cond, &attr);
      pthread_condattr_destroy (&attr);
    }
  return rc;
}

static double
seconds_since (const struct timespec *t0)
{
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);
  return (now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

int
main (int argc, char **argv)
{
  enum { OPT_PLUGIN_DIR = 256, OPT_SECRETS, OPT_PAYLOAD, OPT_THREADS,
         OPT_MESSAGES, OPT_POLL, OPT_TIMEOUT, OPT_MAX_SECONDS, OPT_INTERVAL, OPT_QUIET,
         OPT_HELP };
  static const struct option longopts[] =
    {
      { "plugin-dir", required_argument, NULL, OPT_PLUGIN_DIR },
      { "secrets", required_argument, NULL, OPT_SECRETS },
      { "payload", required_argument, NULL, OPT_PAYLOAD },
      { "threads", required_argument, NULL, OPT_THREADS },
      { "messages", required_argument, NULL, OPT_MESSAGES },
      { "poll-ms", required_argument, NULL, OPT_POLL },
      { "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
      { "max-seconds", required_argument, NULL, OPT_MAX_SECONDS },
      { "interval-ms", required_argument, NULL, OPT_INTERVAL },
      { "quiet", no_argument, NULL, OPT_QUIET },
      { "verbose", no_argument, NULL, 'v' },
      { "help", no_argument, NULL, OPT_HELP },
      { NULL, 0, NULL, 0 }
    };
  gpg_error_t err = 0;
  struct pgpstep_options hopt;
  pthread_t *threads = NULL;
  unsigned int nstarted = 0, i;
  unsigned long v;
  char *message = NULL;
  struct timespec t0, tick;
  double secs;
  int c, rc, exitcode = 1;

  opt.threads = 4;
  opt.poll_ms = 500;
  opt.timeout_ms = 60000;
  opt.verbosity = PGPSTEP_LOG_WARN;
  while ((c = getopt_long (argc, argv, "v", longopts, NULL)) != -1)
    {
      switch (c)
        {
        case OPT_PLUGIN_DIR:
          if ((err = add_plugin_dir (optarg)))
            goto leave;
          continue;
        case OPT_SECRETS: opt.secrets_dir = optarg; continue;
        case OPT_PAYLOAD: opt.payload_file = optarg; continue;
        case OPT_QUIET: opt.quiet = 1; continue;
        case 'v': opt.verbosity++; continue;
        case OPT_HELP: usage (stdout); exitcode = 0; goto leave;
        case '?': usage (stderr); exitcode = 2; goto leave;
        default: break;
        }
      if (parse_uint (optarg, UINT_MAX, &v)
          || (c == OPT_THREADS && (!v || v > 256)))
        {
          fprintf (stderr, "embed: bad number '%s'\n", optarg);
          exitcode = 2;
          goto leave;
        }
      if (c == OPT_THREADS) opt.threads = v;
      else if (c == OPT_MESSAGES) opt.messages = v;
      else if (c == OPT_POLL) opt.poll_ms = v ? v : 1;
      else if (c == OPT_TIMEOUT) opt.timeout_ms = v;
      else if (c == OPT_MAX_SECONDS) opt.max_seconds = v;
      else if (c == OPT_INTERVAL) opt.interval_ms = v;
    }
  if (argc - optind != 2)
    {
      usage (stderr);
      exitcode = 2;
      goto leave;
    }
  outbound.file = argv[optind];
  inbound.file = argv[optind + 1];
  setup_signals ();
  if ((err = read_payload ()))
    {
      fprintf (stderr, "embed: reading the payload: %s\n",
               gpg_strerror (err));
      goto leave;
    }

  /* One host for the process.  */
  memset (&hopt, 0, sizeof hopt);
  hopt.struct_size = sizeof hopt;
  hopt.verbosity = opt.verbosity;
  hopt.log_cb = log_cb;
  hopt.secrets_dir = opt.secrets_dir;
  err = pgpstep_new (&host, &hopt);
  if (err)
    {
      fprintf (stderr, "embed: pgpstep_new: %s\n", gpg_strerror (err));
      goto leave;
    }
  err = pgpstep_load_plugins (host, opt.plugin_path ? opt.plugin_path
                              : pgpstep_default_plugin_dir (), &message);
  if (err)
    {
      fprintf (stderr, "embed: loading plugins: %s\n",
               message ? message : gpg_strerror (err));
      goto leave;
    }
  if ((err = load_generation (&outbound, &outbound.current))
      || (err = load_generation (&inbound, &inbound.current)))
    goto leave;
  for (i = 0; i < outbound.npaths; i++)
    say ("{\"event\": \"watching\", \"file\": \"%s\", \"path\": \"%s\"}",
         outbound.file, outbound.paths[i]);
  for (i = 0; i < inbound.npaths; i++)
    say ("{\"event\": \"watching\", \"file\": \"%s\", \"path\": \"%s\"}",
         inbound.file, inbound.paths[i]);

  if ((rc = init_done_cond ()))
    {
      err = gpg_error_from_errno (rc);
      goto leave;
    }
  clock_gettime (CLOCK_MONOTONIC, &t0);
  threads = calloc (opt.threads, sizeof *threads);
  if (!threads)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  pthread_mutex_lock (&done_lock);
  for (nstarted = 0; nstarted < opt.threads; nstarted++)
    {
      if ((rc = pthread_create (threads + nstarted, NULL, worker, NULL)))
        {
          err = gpg_error_from_errno (rc);
          __atomic_store_n (&stop_now, 1, __ATOMIC_RELEASE);
          break;
        }
      workers_running++;
    }

  /* The main thread watches the files until the workers are done.  */
  while (workers_running)
    {
      if (__atomic_load_n (&stop_now, __ATOMIC_ACQUIRE) || stop_signal)
        break;
      if (opt.max_seconds && seconds_since (&t0) > opt.max_seconds)
        {
          fprintf (stderr, "embed: still running after %u s\n",
                   opt.max_seconds);
          __atomic_store_n (&any_failure, 1, __ATOMIC_RELEASE);
          break;
        }
      clock_gettime (CLOCK_MONOTONIC, &tick);
      tick.tv_sec += opt.poll_ms / 1000;
      tick.tv_nsec += (opt.poll_ms % 1000) * 1000000L;
      if (tick.tv_nsec >= 1000000000L)
        {
          tick.tv_sec++;
          tick.tv_nsec -= 1000000000L;
        }
      pthread_cond_timedwait (&done_cond, &done_lock, &tick);
      if (!workers_running)
        break;
      pthread_mutex_unlock (&done_lock);
      check_slot (&outbound);
      check_slot (&inbound);
      pthread_mutex_lock (&done_lock);
    }
  pthread_mutex_unlock (&done_lock);
  __atomic_store_n (&stop_now, 1, __ATOMIC_RELEASE);
  for (i = 0; i < nstarted; i++)
    pthread_join (threads[i], NULL);
  secs = (end_time.tv_sec - t0.tv_sec)
    + (end_time.tv_nsec - t0.tv_nsec) / 1e9;
  v = __atomic_load_n (&messages_done, __ATOMIC_RELAXED);
  say ("{\"event\": \"done\", \"messages\": %lu, \"threads\": %u,"
       " \"seconds\": %.2f, \"messages_per_second\": %.1f,"
       " \"generations\": [%u, %u]}", v, opt.threads, secs,
       secs > 0 ? v / secs : 0.0, outbound.generations,
       inbound.generations);
  if (!err && !__atomic_load_n (&any_failure, __ATOMIC_ACQUIRE)
      && (!opt.messages || v == opt.messages))
    exitcode = 0;

 leave:
  if (err && exitcode == 1 && !message)
    fprintf (stderr, "embed: %s\n", gpg_strerror (err));
  /* Every message is done: the slots hold the last references.  */
  swap_in (&outbound, NULL);
  swap_in (&inbound, NULL);
  if (outbound.released != outbound.generations
      || inbound.released != inbound.generations)
    {
      fprintf (stderr, "embed: a generation was never released\n");
      exitcode = 1;
    }
  for (i = 0; i < outbound.npaths; i++)
    free (outbound.paths[i]);
  for (i = 0; i < inbound.npaths; i++)
    free (inbound.paths[i]);
  if (host)
    pgpstep_release (host);
  pgpstep_free (message);
  free (threads);
  free (payload);
  free (opt.plugin_path);
  return exitcode;
}
