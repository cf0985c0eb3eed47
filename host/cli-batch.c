/* cli-batch.c - "pgpstep run --batch": every file of a directory as one
 * message, through one loaded pipeline, by parallel workers.
 *
 * A message is done when its output is committed: written to an
 * unnamed temporary file in the output directory, synced, linked into
 * place and the directory synced (outfile.c).  So an output that
 * exists is complete, and a re-run skips its message.  Inputs are only
 * read.  Each message gets one JSON line on stdout (under a lock, in
 * completion order).
 *
 * Group commit: the syncs cost about as much as a small message's gpg
 * run, so a worker does not wait for them.  It queues its finished
 * output to one committer thread and takes the next message.  The
 * committer takes all queued outputs at once; for each it syncs the
 * content and only then links it into place; then it syncs the output
 * directory once for the group and only then prints the group's JSON
 * lines.  Crash safety: content is durable before it has a name, so a
 * crash between link and the directory sync leaves either no entry
 * (the message runs again) or an entry with complete content (the
 * re-run rightly skips it); a JSON line is printed only once both
 * content and entry are on disk.  The queue is bounded, so a slow disk
 * holds the workers back instead of piling up open files.
 */
#include <config.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "outfile.h"
#include "json.h"

#define SIDECAR_SUFFIX ".headers.json"
#define SIDECAR_MAX (1024u * 1024)
#define QUEUE_MAX 64            /* Outputs waiting for the committer.  */

enum msg_state { MSG_PENDING = 0, MSG_OK, MSG_FAILED, MSG_SKIPPED };

/* A message whose run succeeded, its output not yet committed.  */
struct finished
{
  struct finished *next;
  unsigned int idx;
  struct outfile *of;
  char *outpath;
  char *json;                   /* Its result headers, or NULL.  */
  gpg_error_t err;              /* Of the commit.  */
  char *text;                   /* Explains ERR; malloced.  */
};

struct batch
{
  const struct batch_options *o;
  pgpstep_pipeline_t pl;
  char **names;                 /* Sorted message file names.  */
  unsigned int nnames;
  int *exit_codes;              /* Per message, for the final code.  */

  pthread_mutex_t lock;         /* Guards what follows and stdout.  */
  unsigned int next;
  unsigned int ok, failed, skipped;
  gpg_error_t fatal;            /* Out of core: stop handing out work.  */

  int out_fd;                   /* The output directory, for its sync.  */
  int committer;                /* The committer thread runs.  */
  struct finished *queue, **queue_tail;
  unsigned int queued;
  int workers_done;
  pthread_cond_t more;          /* Signalled: queued, or workers done.  */
  pthread_cond_t room;          /* Signalled: the queue was taken.  */
};


static int
has_suffix (const char *name, const char *suffix)
{
  size_t n = strlen (name), m = strlen (suffix);

  return n > m && !strcmp (name + n - m, suffix);
}

static int
cmp_names (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* The messages of IN_DIR: its regular files, sorted, without sidecars
 * and hidden files (uploads in progress are often hidden).  */
static int
list_messages (struct batch *b)
{
  DIR *d;
  struct dirent *e;
  struct stat st;
  char **tmp;
  unsigned int size = 0;
  int rc = 0;

  d = opendir (b->o->in_dir);
  if (!d)
    {
      cli_error ("cannot read the input directory '%s': %s", b->o->in_dir,
                 strerror (errno));
      return cli_exit (errno == ENOENT ? GPG_ERR_ENOENT : GPG_ERR_EIO);
    }
  while (!rc && (errno = 0, e = readdir (d)))
    {
      if (*e->d_name == '.' || has_suffix (e->d_name, SIDECAR_SUFFIX))
        continue;
      if (fstatat (dirfd (d), e->d_name, &st, AT_SYMLINK_NOFOLLOW)
          || !S_ISREG (st.st_mode))
        continue;
      if (b->nnames == size)
        {
          size = size ? 2 * size : 64;
          tmp = realloc (b->names, size * sizeof *tmp);
          if (!tmp)
            {
              rc = cli_exit (GPG_ERR_ENOMEM);
              break;
            }
          b->names = tmp;
        }
      if (!(b->names[b->nnames] = strdup (e->d_name)))
        rc = cli_exit (GPG_ERR_ENOMEM);
      else
        b->nnames++;
    }
  if (!rc && errno)
    {
      cli_error ("reading the input directory '%s': %s", b->o->in_dir,
                 strerror (errno));
      rc = cli_exit (GPG_ERR_EIO);
    }
  closedir (d);
  if (!rc && b->nnames)
    qsort (b->names, b->nnames, sizeof *b->names, cmp_names);
  return rc;
}


/* Print the JSON object JSON (as rendered by pgpstep_headers_to_json)
 * on one line: line breaks there are layout, never inside strings.  */
static void
put_oneline (FILE *fp, const char *json)
{
  int after_newline = 0;

  for (; *json; json++)
    {
      if (*json == '\n')
        after_newline = 1;
      else if (!(after_newline && *json == ' '))
        {
          after_newline = 0;
          putc (*json, fp);
        }
    }
}

/* Report message IDX: one JSON line and the counters.  STEP names the
 * failed step, JSON holds the result headers; both may be NULL.  */
static void
report (struct batch *b, unsigned int idx, enum msg_state state,
        const char *output, const char *step, const char *json, int code,
        const char *text)
{
  pthread_mutex_lock (&b->lock);
  b->exit_codes[idx] = code;
  if (state == MSG_OK)
    b->ok++;
  else if (state == MSG_FAILED)
    b->failed++;
  else
    b->skipped++;
  fputs ("{\"message\": ", stdout);
  json_put_string (stdout, b->names[idx]);
  fprintf (stdout, ", \"status\": \"%s\"", state == MSG_OK ? "ok"
           : state == MSG_FAILED ? "failed" : "skipped");
  if (output)
    {
      fputs (", \"output\": ", stdout);
      json_put_string (stdout, output);
    }
  if (state == MSG_FAILED)
    {
      fprintf (stdout, ", \"exit\": %d", code);
      if (step)
        {
          fputs (", \"step\": ", stdout);
          json_put_string (stdout, step);
        }
      fputs (", \"error\": ", stdout);
      json_put_string (stdout, text ? text : "failed");
    }
  if (json && state == MSG_OK)
    {
      fputs (", \"headers\": ", stdout);
      put_oneline (stdout, json);
    }
  fputs ("}\n", stdout);
  fflush (stdout);
  if (b->o->progress)
    fprintf (stderr, "\rbatch: %u done, %u failed, %u skipped,"
             " %u remaining ", b->ok, b->failed, b->skipped,
             b->nnames - b->ok - b->failed - b->skipped);
  pthread_mutex_unlock (&b->lock);
}


/* The input headers of message NAME: the command line's, then its
 * sidecar NAME.headers.json if there is one.  On error *R_TEXT
 * (malloced) says why.  */
static gpg_error_t
message_headers (struct batch *b, const char *name,
                 pgpstep_headers_t *r_headers, char **r_text)
{
  gpg_error_t err;
  pgpstep_headers_t h = NULL;
  const char *hname, *value;
  char *file = NULL, *json = NULL, *message = NULL, *why = NULL;
  size_t len;
  unsigned int i;

  *r_headers = NULL;
  *r_text = NULL;
  err = pgpstep_headers_new (&h);
  for (i = 0; !err && (hname = pgpstep_headers_name_at (b->o->headers, i,
                                                        &value)); i++)
    err = pgpstep_headers_set (h, hname, value);
  if (!err && asprintf (&file, "%s/%s" SIDECAR_SUFFIX, b->o->in_dir,
                        name) < 0)
    {
      file = NULL;
      err = gpg_error_from_syserror ();
    }
  if (!err && !access (file, F_OK))
    {
      err = cli_read_file (file, SIDECAR_MAX, &json, &len, &why);
      if (!err)
        err = pgpstep_headers_parse_json (h, json, len, &message);
      if (err && asprintf (r_text, "headers file '%s': %s", file,
                           why ? why : message ? message
                           : gpg_strerror (err)) < 0)
        *r_text = NULL;
    }
  free (why);
  free (file);
  free (json);
  pgpstep_free (message);
  if (err)
    pgpstep_headers_release (h);
  else
    *r_headers = h;
  return err;
}


/* Commit the outputs of LIST (see the top of the file), report and
 * free them.  */
static void
commit_group (struct batch *b, struct finished *list)
{
  struct finished *f, *next;
  int linked = 0;

  for (f = list; f; f = f->next)
    {
      /* Syncs the content, then links it.  */
      f->err = outfile_commit_nodirsync (f->of, &f->text);
      if (!f->err)
        linked = 1;
    }
  /* Best effort, as in outfile_commit: an entry is complete content
   * even if this sync fails.  */
  if (linked)
    fsync (b->out_fd);
  for (f = list; f; f = next)
    {
      next = f->next;
      if (f->err)
        report (b, f->idx, MSG_FAILED, NULL, NULL, NULL,
                gpg_err_code (f->err) == GPG_ERR_EEXIST
                ? cli_exit (GPG_ERR_EEXIST) : pgpstep_exit_code (f->err),
                f->text ? f->text : gpg_strerror (f->err));
      else
        report (b, f->idx, MSG_OK, f->outpath, NULL, f->json, 0, NULL);
      outfile_release (f->of);
      free (f->outpath);
      free (f->text);
      pgpstep_free (f->json);
      free (f);
    }
}

/* Hand F to the committer (or commit it here if there is none).  */
static void
queue_finished (struct batch *b, struct finished *f)
{
  pthread_mutex_lock (&b->lock);
  if (!b->committer)
    {
      pthread_mutex_unlock (&b->lock);
      commit_group (b, f);
      return;
    }
  while (b->queued >= QUEUE_MAX)
    pthread_cond_wait (&b->room, &b->lock);
  *b->queue_tail = f;
  b->queue_tail = &f->next;
  b->queued++;
  pthread_cond_signal (&b->more);
  pthread_mutex_unlock (&b->lock);
}

static void *
committer (void *arg)
{
  struct batch *b = arg;
  struct finished *list;

  pthread_mutex_lock (&b->lock);
  for (;;)
    {
      while (!b->queue && !b->workers_done)
        pthread_cond_wait (&b->more, &b->lock);
      if (!b->queue)
        break;
      list = b->queue;
      b->queue = NULL;
      b->queue_tail = &b->queue;
      b->queued = 0;
      pthread_cond_broadcast (&b->room);
      pthread_mutex_unlock (&b->lock);
      commit_group (b, list);
      pthread_mutex_lock (&b->lock);
    }
  pthread_mutex_unlock (&b->lock);
  return NULL;
}

/* Run message IDX.  */
static void
run_one (struct batch *b, unsigned int idx)
{
  const char *name = b->names[idx];
  gpg_error_t err;
  pgpstep_headers_t headers = NULL;
  pgpstep_result_t result = NULL;
  struct outfile *of = NULL;
  struct finished *done;
  struct pgpstep_input in;
  struct pgpstep_output out;
  struct pgpstep_run_options ropt;
  char *inpath = NULL, *outpath = NULL, *text = NULL;
  int fd = -1;

  if (asprintf (&inpath, "%s/%s", b->o->in_dir, name) < 0
      || asprintf (&outpath, "%s/%s%s", b->o->out_dir, name,
                   b->o->suffix ? b->o->suffix : "") < 0)
    {
      err = gpg_error_from_syserror ();
      goto fail;
    }
  /* Done by an earlier run: an output exists only once committed.  */
  err = outfile_open (outpath, b->o->mode, 0, &of, &text);
  if (gpg_err_code (err) == GPG_ERR_EEXIST)
    {
      report (b, idx, MSG_SKIPPED, outpath, NULL, NULL, 0, NULL);
      goto leave;
    }
  if (err)
    goto fail;
  err = message_headers (b, name, &headers, &text);
  if (err)
    goto fail;
  fd = open (inpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    {
      err = gpg_error_from_syserror ();
      if (asprintf (&text, "cannot open '%s': %s", inpath,
                    gpg_strerror (err)) < 0)
        text = NULL;
      goto fail;
    }

  memset (&in, 0, sizeof in);
  in.struct_size = sizeof in;
  in.fd = fd;
  memset (&out, 0, sizeof out);
  out.struct_size = sizeof out;
  out.fd = outfile_fd (of);
  /* No commit callback: the committer syncs and links.  */
  memset (&ropt, 0, sizeof ropt);
  ropt.struct_size = sizeof ropt;
  ropt.timeout_ms = b->o->timeout_ms;
  ropt.message_id = name;
  err = pgpstep_run (b->pl, headers, &in, &out, &ropt, &result);
  if (err)
    goto fail;
  if (!(done = calloc (1, sizeof *done)))
    {
      err = gpg_error_from_syserror ();
      goto fail;
    }
  if (pgpstep_headers_to_json (pgpstep_result_headers (result), &done->json))
    done->json = NULL;
  done->idx = idx;
  done->of = of;
  done->outpath = outpath;
  of = NULL;
  outpath = NULL;
  queue_finished (b, done);
  goto leave;

 fail:
  report (b, idx, MSG_FAILED, NULL, result ? pgpstep_result_step (result)
          : NULL, NULL,
          gpg_err_code (err) == GPG_ERR_EEXIST ? cli_exit (GPG_ERR_EEXIST)
          : pgpstep_exit_code (err), text ? text : result
          ? pgpstep_result_message (result) : gpg_strerror (err));

 leave:
  /* An uncommitted output is removed here.  */
  outfile_release (of);
  if (result)
    pgpstep_result_release (result);
  if (headers)
    pgpstep_headers_release (headers);
  if (fd >= 0)
    close (fd);
  free (inpath);
  free (outpath);
  free (text);
}

static void *
worker (void *arg)
{
  struct batch *b = arg;
  unsigned int idx;

  for (;;)
    {
      pthread_mutex_lock (&b->lock);
      idx = b->next < b->nnames ? b->next++ : b->nnames;
      pthread_mutex_unlock (&b->lock);
      if (idx == b->nnames)
        break;
      run_one (b, idx);
    }
  return NULL;
}


/* The two directories must differ: outputs in the input directory
 * would become messages of the next run.  */
static int
check_dirs (const struct batch_options *o)
{
  struct stat si, so;

  if (stat (o->out_dir, &so) || !S_ISDIR (so.st_mode))
    {
      cli_error ("the output directory '%s' %s", o->out_dir,
                 errno == ENOENT ? "does not exist" : "is no directory");
      return cli_exit (GPG_ERR_EIO);
    }
  if (!stat (o->in_dir, &si) && si.st_dev == so.st_dev
      && si.st_ino == so.st_ino)
    return cli_usage ("run", "--batch needs an output directory other than"
                      " the input directory");
  return 0;
}

int
cli_batch (pgpstep_pipeline_t pl, const struct batch_options *o)
{
  struct batch b;
  pthread_t *threads = NULL, commit_thread;
  unsigned int i, nthreads = 0;
  int rc;

  memset (&b, 0, sizeof b);
  b.o = o;
  b.pl = pl;
  b.queue_tail = &b.queue;
  pthread_mutex_init (&b.lock, NULL);
  pthread_cond_init (&b.more, NULL);
  pthread_cond_init (&b.room, NULL);
  b.out_fd = open (o->out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  rc = check_dirs (o);
  if (!rc && b.out_fd == -1)
    {
      cli_error ("cannot open the output directory '%s': %s", o->out_dir,
                 strerror (errno));
      rc = cli_exit (GPG_ERR_EIO);
    }
  if (!rc)
    rc = list_messages (&b);
  if (rc)
    goto leave;
  b.exit_codes = calloc (b.nnames + 1, sizeof *b.exit_codes);
  threads = calloc (o->jobs ? o->jobs : 1, sizeof *threads);
  if (!b.exit_codes || !threads)
    {
      rc = cli_exit (GPG_ERR_ENOMEM);
      goto leave;
    }
  /* Without a committer thread each worker commits its own.  */
  b.committer = b.nnames
    && !pthread_create (&commit_thread, NULL, committer, &b);
  for (i = 0; i < o->jobs && i < b.nnames; i++)
    if (!pthread_create (threads + i, NULL, worker, &b))
      nthreads++;
  if (!nthreads && b.nnames)
    worker (&b);        /* No thread could start: do the work here.  */
  for (i = 0; i < nthreads; i++)
    pthread_join (threads[i], NULL);
  if (b.committer)
    {
      pthread_mutex_lock (&b.lock);
      b.workers_done = 1;
      pthread_cond_signal (&b.more);
      pthread_mutex_unlock (&b.lock);
      pthread_join (commit_thread, NULL);
    }

  if (o->progress)
    fputc ('\n', stderr);
  if (!o->quiet)
    fprintf (stderr, "pgpstep: batch: %u messages: %u ok, %u failed,"
             " %u skipped\n", b.nnames, b.ok, b.failed, b.skipped);
  /* The code of the first failed message in name order.  */
  for (i = 0; i < b.nnames && !rc; i++)
    rc = b.exit_codes[i];

 leave:
  for (i = 0; i < b.nnames; i++)
    free (b.names[i]);
  free (b.names);
  free (b.exit_codes);
  free (threads);
  if (b.out_fd != -1)
    close (b.out_fd);
  pthread_cond_destroy (&b.more);
  pthread_cond_destroy (&b.room);
  pthread_mutex_destroy (&b.lock);
  return rc;
}
