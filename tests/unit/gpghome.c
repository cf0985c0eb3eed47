/* gpghome.c - helpers of the step tests that run real gpg.  */
#include <config.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "gpghome.h"
#include "procfs.h"

/* How long to wait for an agent to go, in steps of 10 ms.  */
#define AGENT_WAIT_STEPS 500


int
sh (const char *fmt, ...)
{
  va_list ap;
  char *cmd;
  int rc;

  va_start (ap, fmt);
  if (vasprintf (&cmd, fmt, ap) < 0)
    abort ();
  va_end (ap);
  rc = system (cmd);
  free (cmd);
  return WIFEXITED (rc) ? WEXITSTATUS (rc) : -1;
}


/* Files.  */

char *
read_file (const char *name, size_t *r_len)
{
  FILE *fp = fopen (name, "rb");
  char *buf = NULL;
  long n;

  if (!fp)
    return NULL;
  if (!fseek (fp, 0, SEEK_END) && (n = ftell (fp)) >= 0
      && !fseek (fp, 0, SEEK_SET) && (buf = malloc (n + 1)))
    {
      if (fread (buf, 1, n, fp) != (size_t) n)
        {
          free (buf);
          buf = NULL;
        }
      else
        {
          buf[n] = 0;
          if (r_len)
            *r_len = n;
        }
    }
  fclose (fp);
  return buf;
}

char *
must_read (const char *name, size_t *r_len)
{
  char *buf = read_file (name, r_len);

  if (!buf)
    fail_msg ("cannot read %s", name);
  return buf;
}

void
write_file (const char *name, const void *buf, size_t len)
{
  FILE *fp = fopen (name, "wb");

  assert_non_null (fp);
  if (len)
    assert_int_equal (fwrite (buf, 1, len, fp), len);
  assert_int_equal (fclose (fp), 0);
}

int
file_has (const char *name, const char *str)
{
  char *text = read_file (name, NULL);
  int found = text && strstr (text, str);

  free (text);
  return found;
}

int
same_files (const char *a, const char *b)
{
  return !sh ("cmp -s '%s' '%s'", a, b);
}


/* Homes and agents.  */

void
make_home (char *home, const char *template, const char *keys)
{
  strcpy (home, template);
  if (!mkdtemp (home))
    abort ();
  /* Bob's secret key is protected; the others ignore the passphrase.  */
  if (sh ("for k in %s; do gpg --homedir %s --batch --quiet --no-options"
          " --pinentry-mode loopback --passphrase 'bob passphrase'"
          " --import \"$k\" || exit 1; done 2>/dev/null", keys, home))
    fail_msg ("importing %s into %s failed", keys, home);
}

/* The pid of the agent running in HOME (0: none answers).  */
static long
agent_pid (const char *home)
{
  char cmd[256], line[128];
  long pid = 0;
  FILE *fp;

  snprintf (cmd, sizeof cmd, "gpg-connect-agent --homedir %s"
            " --no-autostart 'getinfo pid' /bye 2>/dev/null", home);
  if ((fp = popen (cmd, "r")))
    {
      while (fgets (line, sizeof line, fp))
        if (!strncmp (line, "D ", 2))
          pid = strtol (line + 2, NULL, 10);
      pclose (fp);
    }
  return pid;
}

void
stop_agent (const char *home)
{
  char sock[256];
  long pid = agent_pid (home);
  int i;

  sh ("gpgconf --homedir %s --kill all 2>/dev/null", home);
  for (i = 0; pid > 0 && i < AGENT_WAIT_STEPS && !kill (pid, 0); i++)
    usleep (10000);
  snprintf (sock, sizeof sock, "%s/S.gpg-agent", home);
  for (i = 0; i < AGENT_WAIT_STEPS && !access (sock, F_OK); i++)
    usleep (10000);
}

void
remove_home (const char *home)
{
  stop_agent (home);
  sh ("rm -rf %s", home);
}


/* Processes.  */

int
count_children (void)
{
  DIR *dir = opendir ("/proc");
  struct dirent *d;
  char name[300], buf[512], *p;
  int n = 0;
  long ppid;

  if (!dir)
    return -1;
  while ((d = readdir (dir)))
    {
      if (*d->d_name < '0' || *d->d_name > '9')
        continue;
      snprintf (name, sizeof name, "/proc/%s/stat", d->d_name);
      if (procfs_read (name, buf, sizeof buf) <= 0)
        continue;
      p = strrchr (buf, ')');
      if (p && sscanf (p + 2, "%*c %ld", &ppid) == 1 && ppid == getpid ())
        n++;
    }
  closedir (dir);
  return n;
}
