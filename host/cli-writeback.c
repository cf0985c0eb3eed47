/* cli-writeback.c - start writing an output file to disk while it is
 * being produced.
 *
 * An output is synced before it is published (outfile.c).  Left to the
 * kernel, the dirty pages of a large output stay in memory until that
 * fsync, which then writes all of it while the run waits (about 0.1 s
 * per 256 MiB here, more on slower disks).  Asking for writeback of
 * what is there every quarter second overlaps the disk with the work;
 * the final fsync only waits for the tail.  Nothing here blocks on the
 * disk (SYNC_FILE_RANGE_WRITE only starts the writeback).
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

#define WRITEBACK_INTERVAL_MS 250

struct cli_writeback
{
  int fd;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int stop;
};

static void *
writeback_thread (void *arg)
{
  struct cli_writeback *wb = arg;
  struct timespec until;

  pthread_mutex_lock (&wb->lock);
  while (!wb->stop)
    {
      clock_gettime (CLOCK_REALTIME, &until);
      until.tv_nsec += WRITEBACK_INTERVAL_MS * 1000000L;
      if (until.tv_nsec >= 1000000000L)
        {
          until.tv_sec++;
          until.tv_nsec -= 1000000000L;
        }
      if (pthread_cond_timedwait (&wb->cond, &wb->lock, &until) == ETIMEDOUT
          && !wb->stop)
        sync_file_range (wb->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    }
  pthread_mutex_unlock (&wb->lock);
  return NULL;
}

struct cli_writeback *
cli_writeback_start (int fd)
{
  struct cli_writeback *wb;
  struct stat st;

  /* Only regular files have pages to write back.  */
  if (fd < 0 || fstat (fd, &st) || !S_ISREG (st.st_mode))
    return NULL;
  wb = calloc (1, sizeof *wb);
  if (!wb)
    return NULL;
  wb->fd = fd;
  pthread_mutex_init (&wb->lock, NULL);
  pthread_cond_init (&wb->cond, NULL);
  if (pthread_create (&wb->thread, NULL, writeback_thread, wb))
    {
      pthread_cond_destroy (&wb->cond);
      pthread_mutex_destroy (&wb->lock);
      free (wb);
      return NULL;
    }
  return wb;
}

void
cli_writeback_stop (struct cli_writeback *wb)
{
  if (!wb)
    return;
  pthread_mutex_lock (&wb->lock);
  wb->stop = 1;
  pthread_cond_signal (&wb->cond);
  pthread_mutex_unlock (&wb->lock);
  pthread_join (wb->thread, NULL);
  pthread_cond_destroy (&wb->cond);
  pthread_mutex_destroy (&wb->lock);
  free (wb);
}
