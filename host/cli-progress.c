/* cli-progress.c - progress of one long "pgpstep run" on stderr.
 *
 * The bytes done are read off the input descriptor's file offset: gpg
 * reads the very file description the CLI opened (it is handed over,
 * not copied), so the offset advances also while no byte passes
 * through the host.  Without a seekable input (a pipe) the size of the
 * output written so far is shown instead.  On a terminal the line is
 * redrawn twice a second; otherwise (--progress into a file) one line
 * every two seconds.
 */
#include <config.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct cli_progress
{
  int infd, outfd;
  int tty;
  off_t total;                  /* Input size, 0 if unknown.  */
  struct timespec start;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int stop;
  int drawn;
};

static double
elapsed (const struct timespec *since)
{
  struct timespec now;

  clock_gettime (CLOCK_MONOTONIC, &now);
  return (now.tv_sec - since->tv_sec) + (now.tv_nsec - since->tv_nsec) / 1e9;
}

/* Format N bytes as "12.3 MiB" into BUF.  */
static const char *
human (double n, char *buf, size_t size)
{
  static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
  unsigned int u = 0;

  while (n >= 1024 && u < 4)
    {
      n /= 1024;
      u++;
    }
  snprintf (buf, size, u ? "%.1f %s" : "%.0f %s", n, units[u]);
  return buf;
}

static void
draw (struct cli_progress *p)
{
  struct stat st;
  off_t done = -1;
  double secs = elapsed (&p->start), rate, left;
  char a[32], b[32], c[32];
  int in = 1;

  if (p->total)
    done = lseek (p->infd, 0, SEEK_CUR);
  if (done < 0)
    {
      in = 0;
      done = !fstat (p->outfd, &st) ? st.st_size : 0;
    }
  rate = secs > 0 ? done / secs : 0;
  fprintf (stderr, "%spgpstep: %s %s", p->tty ? "\r" : "",
           human (done, a, sizeof a), in ? "read" : "written");
  if (in && p->total)
    {
      fprintf (stderr, " of %s (%.0f%%)", human (p->total, b, sizeof b),
               100.0 * done / p->total);
    }
  fprintf (stderr, ", %s/s", human (rate, c, sizeof c));
  if (in && p->total && rate > 0 && done < p->total)
    {
      left = (p->total - done) / rate;
      fprintf (stderr, ", ETA %u:%02u", (unsigned int)left / 60,
               (unsigned int)left % 60);
    }
  fputs (p->tty ? "\033[K" : "\n", stderr);
  fflush (stderr);
  p->drawn = 1;
}

static void *
progress_thread (void *arg)
{
  struct cli_progress *p = arg;
  struct timespec until;
  long step_ms = p->tty ? 500 : 2000;

  pthread_mutex_lock (&p->lock);
  while (!p->stop)
    {
      clock_gettime (CLOCK_REALTIME, &until);
      until.tv_sec += step_ms / 1000;
      until.tv_nsec += (step_ms % 1000) * 1000000L;
      if (until.tv_nsec >= 1000000000L)
        {
          until.tv_sec++;
          until.tv_nsec -= 1000000000L;
        }
      if (pthread_cond_timedwait (&p->cond, &p->lock, &until) == ETIMEDOUT
          && !p->stop)
        draw (p);
    }
  pthread_mutex_unlock (&p->lock);
  return NULL;
}

struct cli_progress *
cli_progress_start (int infd, int outfd, int forced)
{
  struct cli_progress *p;
  struct stat st;
  int tty = isatty (STDERR_FILENO);

  if (!forced && !tty)
    return NULL;
  p = calloc (1, sizeof *p);
  if (!p)
    return NULL;
  p->infd = infd;
  p->outfd = outfd;
  p->tty = tty;
  if (!fstat (infd, &st) && S_ISREG (st.st_mode))
    p->total = st.st_size;
  clock_gettime (CLOCK_MONOTONIC, &p->start);
  pthread_mutex_init (&p->lock, NULL);
  pthread_cond_init (&p->cond, NULL);
  if (pthread_create (&p->thread, NULL, progress_thread, p))
    {
      pthread_cond_destroy (&p->cond);
      pthread_mutex_destroy (&p->lock);
      free (p);
      return NULL;
    }
  return p;
}

void
cli_progress_stop (struct cli_progress *p)
{
  if (!p)
    return;
  pthread_mutex_lock (&p->lock);
  p->stop = 1;
  pthread_cond_signal (&p->cond);
  pthread_mutex_unlock (&p->lock);
  pthread_join (p->thread, NULL);
  /* A terminal line is cleared: the result follows.  */
  if (p->drawn && p->tty)
    fputs ("\r\033[K", stderr);
  pthread_cond_destroy (&p->cond);
  pthread_mutex_destroy (&p->lock);
  free (p);
}
