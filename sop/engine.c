/* engine.c - one call's session on libpgpstep: the host (plugins,
 * runtime homes and secrets in the work directory), the keyrings of
 * the command line's key and certificate files, pipeline descriptors
 * built in memory, loading with key password candidates, running.
 *
 * Every key or certificate file is one keyring ("key0", "cert0" ...),
 * so that a load error names the file.  A key password of the command
 * line is not tied to a key: each protected keyring is tried with the
 * candidates in turn - the host names the keyring whose passphrase
 * was wrong - and a key none of them opens fails with
 * KEY_IS_PROTECTED.
 */
#include <config.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sop.h"

static void
log_cb (void *opaque, int level, const char *step, const char *text)
{
  (void) opaque;
  if (level <= PGPSTEP_LOG_WARN && getenv ("PGPSTEP_SOP_DEBUG"))
    fprintf (stderr, "%s: [%s] %s\n", sop_progname, step ? step : "host",
             text);
}

int
sop_session_open (struct sop_session *s)
{
  gpg_error_t err;
  struct pgpstep_options opt;
  const char *path;
  char *message = NULL;
  int rc;

  memset (s, 0, sizeof *s);
  rc = sop_work_open (&s->work);
  if (rc)
    return rc;
  memset (&opt, 0, sizeof opt);
  opt.struct_size = sizeof opt;
  opt.verbosity = PGPSTEP_LOG_WARN;
  opt.log_cb = log_cb;
  opt.secrets_dir = s->work.secrets;
  opt.spool_dir = s->work.dir;
  opt.runtime_dir = s->work.runtime;
  err = pgpstep_new (&s->host, &opt);
  if (err)
    {
      sop_error ("cannot create the pgpstep host: %s", gpg_strerror (err));
      return SOP_GENERIC;
    }
  path = getenv ("PGPSTEP_PLUGIN_PATH");
  if (!path || !*path)
    path = pgpstep_default_plugin_dir ();
  err = pgpstep_load_plugins (s->host, path, &message);
  if (err)
    {
      sop_error ("loading the pgpstep plugins from '%s': %s", path,
                 message ? message : gpg_strerror (err));
      pgpstep_free (message);
      return SOP_GENERIC;
    }
  return 0;
}

void
sop_session_close (struct sop_session *s)
{
  unsigned int i;

  /* The host stops the agents of its homes and removes them.  */
  if (s->host)
    pgpstep_release (s->host);
  for (i = 0; i < s->nfiles; i++)
    free (s->files[i].path);
  free (s->files);
  sop_work_close (&s->work);
  memset (s, 0, sizeof *s);
}

int
sop_have_step (struct sop_session *s, const char *type)
{
  return !!pgpstep_step_lookup (s->host, type, NULL);
}

int
sop_session_add_files (struct sop_session *s, const char *const *args,
                       int secret)
{
  struct sop_keyfile *tmp, *f;
  unsigned int i, n, nkind = 0;
  char *buf = NULL;
  size_t len;
  int rc;

  for (n = 0; args[n]; n++)
    ;
  if (!n)
    return 0;
  tmp = realloc (s->files, (s->nfiles + n) * sizeof *tmp);
  if (!tmp)
    {
      sop_error ("out of core");
      return SOP_GENERIC;
    }
  s->files = tmp;
  for (i = 0; i < s->nfiles; i++)
    nkind += !s->files[i].secret == !secret;
  for (i = 0; i < n; i++)
    {
      rc = sop_read_indirect (args[i], &buf, &len);
      if (rc)
        return rc;
      if (!len)
        {
          sop_error ("'%s' is empty: no %s", args[i],
                     secret ? "key" : "certificate");
          free (buf);
          return SOP_BAD_DATA;
        }
      f = s->files + s->nfiles;
      memset (f, 0, sizeof *f);
      f->secret = secret;
      f->arg = args[i];
      snprintf (f->name, sizeof f->name, "%s%u", secret ? "key" : "cert",
                nkind++);
      rc = sop_work_store (&s->work, f->name, buf, len, &f->path);
      free (buf);
      if (rc)
        return rc;
      s->nfiles++;
    }
  return 0;
}

/* Whether BUF is valid UTF-8 without control characters other than
 * whitespace.  */
static int
is_text (const unsigned char *p, size_t len)
{
  size_t i = 0, n, k;

  while (i < len)
    {
      if (p[i] < 0x80)
        {
          if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
            return 0;
          i++;
          continue;
        }
      if (p[i] >= 0xc2 && p[i] <= 0xdf)
        n = 1;
      else if ((p[i] & 0xf0) == 0xe0)
        n = 2;
      else if (p[i] >= 0xf0 && p[i] <= 0xf4)
        n = 3;
      else
        return 0;
      if (i + n >= len)
        return 0;
      for (k = 1; k <= n; k++)
        if ((p[i + k] & 0xc0) != 0x80)
          return 0;
      i += n + 1;
    }
  return 1;
}

static size_t
trimmed_len (const char *buf, size_t len)
{
  while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t'
                 || buf[len - 1] == '\r' || buf[len - 1] == '\n'))
    len--;
  return len;
}

/* Store secret PREFIX<N> for BUF without trailing whitespace, and one
 * for BUF as given when that differs (the draft: try both; the
 * trimmed one first, since password files mostly end in a newline).
 * A candidate with a newline or NUL inside cannot be handed to gpg
 * and is left out.  *R_COUNT counts them.  */
static int
add_candidates (struct sop_session *s, const char *prefix, char *buf,
                size_t len, unsigned int *r_count)
{
  char name[32];
  size_t tlen = trimmed_len (buf, len);
  int rc = 0;

  if (tlen && !memchr (buf, '\n', tlen) && !memchr (buf, 0, tlen))
    {
      snprintf (name, sizeof name, "%s%u", prefix, (*r_count)++);
      rc = sop_work_secret (&s->work, name, buf, tlen);
    }
  if (!rc && tlen != len && !memchr (buf, '\n', len)
      && !memchr (buf, 0, len))
    {
      snprintf (name, sizeof name, "%s%u", prefix, (*r_count)++);
      rc = sop_work_secret (&s->work, name, buf, len);
    }
  return rc;
}

int
sop_session_key_passwords (struct sop_session *s, const char *const *args)
{
  char *buf;
  size_t len;
  unsigned int i;
  int rc;

  for (i = 0; args[i]; i++)
    {
      rc = sop_read_indirect (args[i], &buf, &len);
      if (rc)
        return rc;
      rc = add_candidates (s, "kp", buf, len, &s->nkeypw);
      explicit_bzero (buf, len);
      free (buf);
      if (rc)
        return rc;
    }
  return 0;
}

int
sop_session_passwords (struct sop_session *s, const char *const *args,
                       int for_encrypt)
{
  char *buf;
  size_t len;
  unsigned int i;
  int rc = 0;

  for (i = 0; !rc && args[i]; i++)
    {
      if (for_encrypt && i)
        {
          sop_error ("only one --with-password is supported (gpg 2.2"
                     " encrypts to a single password)");
          return SOP_UNSUPPORTED_OPTION;
        }
      rc = sop_read_indirect (args[i], &buf, &len);
      if (rc)
        return rc;
      if (for_encrypt)
        {
          /* The draft: a password for encryption is human-readable
           * text; trailing whitespace is dropped.  */
          len = trimmed_len (buf, len);
          if (!len || strlen (buf) < len || !is_text ((void *)buf, len))
            {
              sop_error ("the password is not human-readable UTF-8 text");
              rc = SOP_PASSWORD_NOT_HUMAN_READABLE;
            }
          else
            rc = sop_work_secret (&s->work, "pw0", buf, len), s->npw = 1;
        }
      else
        rc = add_candidates (s, "pw", buf, len, &s->npw);
      explicit_bzero (buf, len);
      free (buf);
    }
  return rc;
}


/*
 * Steps and descriptors
 */

void
sop_step_init (struct sop_step *st, const char *type)
{
  memset (st, 0, sizeof *st);
  st->type = type;
}

int
sop_step_add (struct sop_step *st, const char *name, const char *value)
{
  if (st->n >= sizeof st->names / sizeof *st->names)
    {
      sop_error ("too many parameters");
      return SOP_GENERIC;
    }
  st->values[st->n] = strdup (value);
  if (!st->values[st->n])
    {
      sop_error ("out of core");
      return SOP_GENERIC;
    }
  st->names[st->n++] = name;
  return 0;
}

void
sop_step_release (struct sop_step *st)
{
  unsigned int i;

  for (i = 0; i < st->n; i++)
    free (st->values[i]);
  st->n = 0;
}

static void
put_escaped (FILE *fp, const char *s)
{
  for (; *s; s++)
    switch (*s)
      {
      case '&': fputs ("&amp;", fp); break;
      case '<': fputs ("&lt;", fp); break;
      case '>': fputs ("&gt;", fp); break;
      case '"': fputs ("&quot;", fp); break;
      case '\'': fputs ("&apos;", fp); break;
      default: putc (*s, fp); break;
      }
}

/* Whether file F takes part when keyrings of kind WHICH are wanted
 * (-1: all, 0: certificates, 1: keys).  */
static int
wanted (const struct sop_keyfile *f, int which)
{
  return which < 0 || !f->secret == !which;
}

/* The descriptor of ST (NULL: a listing of the keyrings WHICH) in a
 * malloced buffer.  */
static int
build_descriptor (struct sop_session *s, const struct sop_step *st,
                  int which, char **r_xml, size_t *r_len)
{
  const struct sop_keyfile *f;
  FILE *fp;
  unsigned int i;

  *r_xml = NULL;
  fp = open_memstream (r_xml, r_len);
  if (!fp)
    {
      sop_error ("out of core");
      return SOP_GENERIC;
    }
  fputs ("<pipeline xmlns=\"urn:pgpstep:pipeline:1\" name=\"sop\">\n", fp);
  for (i = 0; i < s->nfiles; i++)
    {
      f = s->files + i;
      if (!wanted (f, which))
        continue;
      fprintf (fp, "  <keyring name=\"%s\" %s=\"", f->name,
               f->secret ? "secret" : "public");
      put_escaped (fp, f->path);
      fputs ("\"", fp);
      if (f->secret && s->nkeypw)
        fprintf (fp, " passphrase=\"secret:kp%u\"", f->pw);
      fputs ("/>\n", fp);
    }
  /* A listing needs a step naming every keyring (one home for all);
   * it is not created.  */
  fprintf (fp, "  <step type=\"%s\" id=\"sop\">\n", st ? st->type : "verify");
  for (i = 0; i < s->nfiles; i++)
    if (wanted (s->files + i, which) && (!st || st->all_keyrings))
      fprintf (fp, "    <keyring>%s</keyring>\n", s->files[i].name);
  for (i = 0; st && i < st->n; i++)
    {
      fprintf (fp, "    <%s>", st->names[i]);
      put_escaped (fp, st->values[i]);
      fprintf (fp, "</%s>\n", st->names[i]);
    }
  fputs ("  </step>\n</pipeline>\n", fp);
  if (fclose (fp))
    {
      sop_error ("out of core");
      free (*r_xml);
      *r_xml = NULL;
      return SOP_GENERIC;
    }
  return 0;
}

int
sop_exit_code (gpg_error_t err)
{
  int code = pgpstep_exit_code (err);

  switch (code)
    {
    case 0: case 3: case 17: case 29: case 37: case 41: case 59: case 61:
    case 67: case 79:
      return code;
    default:
      return SOP_GENERIC;
    }
}

/* The file whose keyring MESSAGE names ("... keyring 'key2': ...").  */
static struct sop_keyfile *
named_file (struct sop_session *s, const char *message)
{
  const char *p = message ? strstr (message, "keyring '") : NULL;
  unsigned int i;
  size_t n;

  if (!p)
    return NULL;
  p += 9;
  n = strcspn (p, "'");
  for (i = 0; i < s->nfiles; i++)
    if (strlen (s->files[i].name) == n && !strncmp (s->files[i].name, p, n))
      return s->files + i;
  return NULL;
}

/* Load ST (NULL: list the keyrings WHICH into *R_LIST) with the key
 * password candidates tried keyring by keyring.  */
static int
load (struct sop_session *s, const struct sop_step *st, int which,
      pgpstep_pipeline_t *r_pl, pgpstep_keylist_t *r_list)
{
  gpg_error_t err;
  struct sop_keyfile *f;
  char *xml = NULL, *message = NULL, *path = NULL;
  size_t len;
  int rc;

  for (;;)
    {
      rc = build_descriptor (s, st, which, &xml, &len);
      if (rc)
        return rc;
      if (st)
        err = pgpstep_pipeline_load_memory (s->host, "sop", xml, len, r_pl,
                                            &message);
      else
        {
          /* Listing without creating steps works from a file only.  */
          rc = sop_work_store (&s->work, "list.xml", xml, len, &path);
          if (rc)
            {
              free (xml);
              return rc;
            }
          err = pgpstep_keys_load_file (s->host, path, NULL, r_list,
                                        &message);
          unlink (path);
          free (path);
          path = NULL;
        }
      free (xml);
      xml = NULL;
      if (!err)
        return 0;
      f = named_file (s, message);
      if ((gpg_err_code (err) == GPG_ERR_BAD_PASSPHRASE
           || gpg_err_code (err) == GPG_ERR_NO_PASSPHRASE)
          && f && f->secret && f->pw + 1 < s->nkeypw)
        {
          f->pw++;
          pgpstep_free (message);
          message = NULL;
          continue;
        }
      break;
    }

  if (gpg_err_code (err) == GPG_ERR_BAD_PASSPHRASE
      || gpg_err_code (err) == GPG_ERR_NO_PASSPHRASE)
    {
      sop_error ("key '%s' is protected and %s", f ? f->arg : "?",
                 s->nkeypw ? "no --with-key-password opens it"
                 : "no --with-key-password was given");
      rc = SOP_KEY_IS_PROTECTED;
    }
  else
    {
      if (f)
        sop_error ("%s '%s': %s", f->secret ? "key" : "certificate",
                   f->arg, message ? message : gpg_strerror (err));
      else
        sop_error ("%s", message ? message : gpg_strerror (err));
      rc = sop_exit_code (err);
      /* A file that is no usable key or certificate is bad data.  */
      if (f && rc == SOP_GENERIC)
        rc = SOP_BAD_DATA;
    }
  pgpstep_free (message);
  return rc;
}

int
sop_session_keys (struct sop_session *s, int secret,
                  pgpstep_keylist_t *r_list)
{
  return load (s, NULL, secret, NULL, r_list);
}

int
sop_session_load (struct sop_session *s, const struct sop_step *st,
                  pgpstep_pipeline_t *r_pl)
{
  /* The key copies and password files stay until the work directory
   * goes: a retry (another message password) loads again.  */
  return load (s, st, -1, r_pl, NULL);
}

int
sop_session_run (struct sop_session *s, pgpstep_pipeline_t pl, int infd,
                 int quiet, int *r_outfd, pgpstep_result_t *r_result)
{
  gpg_error_t err;
  struct pgpstep_input in;
  struct pgpstep_output out;
  struct pgpstep_run_options ropt;
  const char *text;
  int outfd, rc;

  *r_outfd = -1;
  *r_result = NULL;
  rc = sop_work_tmpfile (&s->work, &outfd);
  if (rc)
    return rc;
  memset (&in, 0, sizeof in);
  in.struct_size = sizeof in;
  in.fd = infd;
  memset (&out, 0, sizeof out);
  out.struct_size = sizeof out;
  out.fd = outfd;
  memset (&ropt, 0, sizeof ropt);
  ropt.struct_size = sizeof ropt;
  ropt.message_id = "sop";
  err = pgpstep_run (pl, NULL, &in, &out, &ropt, r_result);
  if (err)
    {
      close (outfd);
      text = *r_result ? pgpstep_result_message (*r_result) : NULL;
      if (!quiet)
        sop_error ("%s", text ? text : gpg_strerror (err));
      return sop_exit_code (err);
    }
  *r_outfd = outfd;
  return 0;
}

int
sop_session_rewindable (struct sop_session *s, int infd, int *r_fd)
{
  char buf[65536];
  struct stat st;
  ssize_t n;
  int fd, rc;

  if (!fstat (infd, &st) && S_ISREG (st.st_mode)
      && lseek (infd, 0, SEEK_CUR) == 0)
    {
      *r_fd = infd;
      return 0;
    }
  rc = sop_work_tmpfile (&s->work, &fd);
  if (rc)
    return rc;
  for (;;)
    {
      n = read (infd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || (n > 0 && write (fd, buf, n) != n))
        {
          sop_error ("spooling the input: %s", strerror (errno));
          close (fd);
          return SOP_GENERIC;
        }
      if (!n)
        break;
    }
  *r_fd = fd;
  return 0;
}

int
sop_session_pipe (struct sop_session *s, const struct sop_step *st,
                  int infd, int no_output, pgpstep_result_t *r_result)
{
  pgpstep_pipeline_t pl = NULL;
  pgpstep_result_t result = NULL;
  int rc, outfd = -1;

  if (r_result)
    *r_result = NULL;
  rc = sop_session_load (s, st, &pl);
  if (!rc)
    rc = sop_session_run (s, pl, infd, 0, &outfd, &result);
  if (!rc && !no_output)
    rc = sop_copy_fd (outfd, STDOUT_FILENO);
  if (outfd != -1)
    close (outfd);
  if (r_result)
    *r_result = result;
  else if (result)
    pgpstep_result_release (result);
  if (pl)
    pgpstep_pipeline_release (pl);
  return rc;
}
