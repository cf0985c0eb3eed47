/* args.c - the command line of a subcommand: options of the draft,
 * indirect inputs and outputs (files, @ENV:NAME, @FD:N).
 *
 * The draft's options take "--name=VALUE"; "--name VALUE" is accepted
 * too.  An option this front end does not know, or knows from the
 * draft but cannot honour with gpg 2.2, is answered with
 * UNSUPPORTED_OPTION (37): never silently ignored.
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sop.h"

static const char *const no_values[] = { NULL };

static int
find_def (const struct sop_optdef *defs, unsigned int ndefs,
          const char *name, size_t len)
{
  unsigned int i;

  for (i = 0; i < ndefs; i++)
    if (strlen (defs[i].name) == len && !strncmp (defs[i].name, name, len))
      return i;
  return -1;
}

static int
add_value (struct sop_args *a, unsigned int idx, const char *value,
           unsigned int max)
{
  const char **v = a->values[idx];

  if (!v)
    {
      v = calloc (max + 1, sizeof *v);
      if (!v)
        return SOP_GENERIC;
      a->values[idx] = v;
    }
  v[a->counts[idx]] = value;
  a->counts[idx]++;
  return 0;
}

int
sop_args_parse (struct sop_args *a, const struct sop_optdef *defs,
                unsigned int ndefs, int argc, char **argv)
{
  const char *arg, *eq, *value;
  int i, idx, only_pos = 0;
  size_t len;

  memset (a, 0, sizeof *a);
  a->defs = defs;
  a->ndefs = ndefs;
  a->values = calloc (ndefs + 1, sizeof *a->values);
  a->counts = calloc (ndefs + 1, sizeof *a->counts);
  a->pos = calloc (argc + 1, sizeof *a->pos);
  if (!a->values || !a->counts || !a->pos)
    {
      sop_error ("out of core");
      return SOP_GENERIC;
    }
  for (i = 0; i < argc; i++)
    {
      arg = argv[i];
      if (only_pos || arg[0] != '-' || !strcmp (arg, "-"))
        {
          a->pos[a->npos++] = arg;
          continue;
        }
      if (!strcmp (arg, "--"))
        {
          only_pos = 1;
          continue;
        }
      if (arg[1] != '-')
        {
          sop_error ("unsupported option '%s'", arg);
          return SOP_UNSUPPORTED_OPTION;
        }
      eq = strchr (arg + 2, '=');
      len = eq ? (size_t)(eq - arg - 2) : strlen (arg + 2);
      idx = find_def (defs, ndefs, arg + 2, len);
      if (idx < 0)
        {
          sop_error ("unsupported option '--%.*s'", (int)len, arg + 2);
          return SOP_UNSUPPORTED_OPTION;
        }
      if (!defs[idx].supported)
        {
          sop_error ("option '--%s' is not supported by this implementation"
                     " (GnuPG 2.2 cannot honour it)", defs[idx].name);
          return SOP_UNSUPPORTED_OPTION;
        }
      if (a->counts[idx] && !defs[idx].repeatable)
        {
          sop_error ("option '--%s' given twice", defs[idx].name);
          return SOP_UNSUPPORTED_OPTION;
        }
      if (!defs[idx].has_arg)
        {
          if (eq)
            {
              sop_error ("option '--%s' takes no value", defs[idx].name);
              return SOP_UNSUPPORTED_OPTION;
            }
          a->counts[idx]++;
          continue;
        }
      if (eq)
        value = eq + 1;
      else if (i + 1 < argc)
        value = argv[++i];
      else
        {
          sop_error ("option '--%s' needs a value", defs[idx].name);
          return SOP_MISSING_ARG;
        }
      if (add_value (a, idx, value, argc))
        {
          sop_error ("out of core");
          return SOP_GENERIC;
        }
    }
  return 0;
}

void
sop_args_release (struct sop_args *a)
{
  unsigned int i;

  if (a->values)
    for (i = 0; i < a->ndefs; i++)
      free (a->values[i]);
  free (a->values);
  free (a->counts);
  free (a->pos);
  memset (a, 0, sizeof *a);
}

static int
lookup (const struct sop_args *a, const char *name)
{
  return find_def (a->defs, a->ndefs, name, strlen (name));
}

int
sop_flag (const struct sop_args *a, const char *name)
{
  int idx = lookup (a, name);

  return idx < 0 ? 0 : (int)a->counts[idx];
}

const char *
sop_value (const struct sop_args *a, const char *name)
{
  int idx = lookup (a, name);

  return idx < 0 || !a->values[idx] ? NULL : a->values[idx][0];
}

const char *const *
sop_values (const struct sop_args *a, const char *name)
{
  int idx = lookup (a, name);

  return idx < 0 || !a->values[idx] ? no_values
    : (const char *const *)a->values[idx];
}


/*
 * Indirect inputs and outputs
 */

static int
file_exists (const char *name)
{
  struct stat st;

  return !lstat (name, &st);
}

/* Parse the N of "@FD:N".  */
static int
parse_fd (const char *s, int *r_fd)
{
  char *end;
  long v;

  errno = 0;
  v = strtol (s, &end, 10);
  if (!*s || *end || errno || v < 0 || v > 65535)
    return -1;
  *r_fd = (int)v;
  return 0;
}

/* Read FD to its end into a malloced, NUL-terminated buffer.  */
static int
read_all (int fd, const char *what, char **r_buf, size_t *r_len)
{
  char *buf = NULL, *tmp;
  size_t len = 0, size = 0;
  ssize_t n;

  for (;;)
    {
      if (size - len < 4096)
        {
          size = size ? size * 2 : 8192;
          if (size > SOP_INDIRECT_MAX + 1)
            size = SOP_INDIRECT_MAX + 1;
          if (size - len < 2)
            {
              sop_error ("%s: larger than %u bytes", what,
                         SOP_INDIRECT_MAX);
              free (buf);
              return SOP_BAD_DATA;
            }
          tmp = realloc (buf, size);
          if (!tmp)
            {
              free (buf);
              sop_error ("out of core");
              return SOP_GENERIC;
            }
          buf = tmp;
        }
      n = read (fd, buf + len, size - len - 1);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          sop_error ("%s: read error: %s", what, strerror (errno));
          free (buf);
          return SOP_GENERIC;
        }
      if (!n)
        break;
      len += n;
    }
  if (!buf && !(buf = malloc (1)))
    {
      sop_error ("out of core");
      return SOP_GENERIC;
    }
  buf[len] = 0;
  *r_buf = buf;
  *r_len = len;
  return 0;
}

int
sop_read_fd (int fd, const char *what, char **r_buf, size_t *r_len)
{
  *r_buf = NULL;
  *r_len = 0;
  return read_all (fd, what, r_buf, r_len);
}

int
sop_read_indirect (const char *arg, char **r_buf, size_t *r_len)
{
  const char *s;
  int fd, rc, special;

  *r_buf = NULL;
  *r_len = 0;
  special = !strncmp (arg, "@ENV:", 5) || !strncmp (arg, "@FD:", 4);
  /* A file named like a designator makes the argument ambiguous.  */
  if (special && file_exists (arg))
    {
      sop_error ("'%s' is a special designator and a file", arg);
      return SOP_AMBIGUOUS_INPUT;
    }
  if (!strncmp (arg, "@ENV:", 5))
    {
      s = getenv (arg + 5);
      if (!s)
        {
          sop_error ("environment variable '%s' is not set", arg + 5);
          return SOP_MISSING_INPUT;
        }
      *r_len = strlen (s);
      *r_buf = strdup (s);
      if (!*r_buf)
        {
          sop_error ("out of core");
          return SOP_GENERIC;
        }
      return 0;
    }
  if (!strncmp (arg, "@FD:", 4))
    {
      if (parse_fd (arg + 4, &fd) || fcntl (fd, F_GETFD) == -1)
        {
          sop_error ("'%s' is not an open file descriptor", arg);
          return SOP_MISSING_INPUT;
        }
      return read_all (fd, arg, r_buf, r_len);
    }
  if (arg[0] == '@' && strchr (arg, ':') && !file_exists (arg))
    {
      sop_error ("unsupported special prefix in '%s'", arg);
      return SOP_UNSUPPORTED_SPECIAL_PREFIX;
    }
  fd = open (arg, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd == -1)
    {
      sop_error ("cannot open '%s': %s", arg, strerror (errno));
      return errno == ENOENT ? SOP_MISSING_INPUT : SOP_GENERIC;
    }
  rc = read_all (fd, arg, r_buf, r_len);
  close (fd);
  return rc;
}

int
sop_check_output (const char *arg)
{
  int fd;

  if (!strncmp (arg, "@ENV:", 5))
    {
      sop_error ("'%s': @ENV: cannot name an output", arg);
      return SOP_UNSUPPORTED_SPECIAL_PREFIX;
    }
  if (!strncmp (arg, "@FD:", 4))
    {
      if (parse_fd (arg + 4, &fd) || fcntl (fd, F_GETFD) == -1)
        {
          sop_error ("'%s' is not an open file descriptor", arg);
          return SOP_GENERIC;
        }
      return 0;
    }
  if (arg[0] == '@' && strchr (arg, ':'))
    {
      sop_error ("unsupported special prefix in '%s'", arg);
      return SOP_UNSUPPORTED_SPECIAL_PREFIX;
    }
  if (file_exists (arg))
    {
      sop_error ("output '%s' exists", arg);
      return SOP_OUTPUT_EXISTS;
    }
  return 0;
}

int
sop_write_indirect (const char *arg, const void *buf, size_t len)
{
  int fd, rc = 0;

  if (!strncmp (arg, "@FD:", 4))
    {
      parse_fd (arg + 4, &fd);
      if (sop_write_all (fd, buf, len))
        {
          sop_error ("writing '%s': %s", arg, strerror (errno));
          return SOP_GENERIC;
        }
      return 0;
    }
  fd = open (arg, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd == -1)
    {
      sop_error ("cannot create '%s': %s", arg, strerror (errno));
      return errno == EEXIST ? SOP_OUTPUT_EXISTS : SOP_GENERIC;
    }
  if (sop_write_all (fd, buf, len) || fsync (fd))
    {
      sop_error ("writing '%s': %s", arg, strerror (errno));
      unlink (arg);
      rc = SOP_GENERIC;
    }
  if (close (fd) && !rc)
    {
      sop_error ("writing '%s': %s", arg, strerror (errno));
      unlink (arg);
      rc = SOP_GENERIC;
    }
  return rc;
}
