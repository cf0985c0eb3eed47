/* descriptor.c - pipeline descriptors: reading, parsing, validating.
 *
 * A descriptor is untrusted-ish input that decides which keys and
 * secrets a pipeline uses, so it is read with a size bound, parsed
 * from memory without network or DTD processing, and every element,
 * attribute and value is checked before any step sees it.  libxml2 is
 * used without touching its global state because the library may be
 * embedded in a process that uses libxml2 for other things.
 */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "descriptor.h"
#include "loader.h"
#include "params.h"
#include "stepconfig.h"

#define PIPELINE_NS "urn:pgpstep:pipeline:1"

/* State of one parse.  */
struct parse
{
  struct pgpstep_ctx *ctx;
  const char *source;
  const char *buffer;
  size_t length;
  struct pgpstep_pipeline *pl;
  char *message;                /* First error.  */

  /* Filled by the libxml2 callbacks.  */
  char *xml_error;
  unsigned int xml_error_line;
  unsigned int doctype_line;
};


/*
 * Reading
 */

gpg_error_t
descriptor_read_file (const char *file, size_t maxlen,
                      char **r_buffer, size_t *r_length, char **r_message)
{
  gpg_error_t err = 0;
  struct stat st;
  char *buf = NULL;
  size_t len = 0, size;
  ssize_t n;
  int fd = -1;
  int e;

  *r_buffer = NULL;
  *r_length = 0;
  if (r_message)
    *r_message = NULL;

  /* O_NONBLOCK so that opening a FIFO does not wait for a writer.  */
  fd = open (file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    {
      e = errno;
      err = gpg_error_from_errno (e);
      if (r_message && asprintf (r_message, "%s: cannot open: %s",
                                 file, strerror (e)) < 0)
        *r_message = NULL;
      goto leave;
    }
  if (fstat (fd, &st))
    {
      e = errno;
      err = gpg_error_from_errno (e);
      if (r_message && asprintf (r_message, "%s: cannot stat: %s",
                                 file, strerror (e)) < 0)
        *r_message = NULL;
      goto leave;
    }
  if (!S_ISREG (st.st_mode))
    {
      err = gpg_error (GPG_ERR_CONFIGURATION);
      if (r_message && asprintf (r_message, "%s: not a regular file"
                                 " (a descriptor must be a file)",
                                 file) < 0)
        *r_message = NULL;
      goto leave;
    }
  if ((unsigned long long)st.st_size > maxlen)
    goto too_large;

  /* Room for the file, one more byte to notice growth, and a NUL.  */
  size = (size_t)st.st_size + 2;
  buf = malloc (size);
  if (!buf)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  while (len <= maxlen)
    {
      if (len + 1 == size)
        {
          /* The file grew since fstat; keep going up to the bound.  */
          char *tmp;

          size = size > maxlen / 2 ? maxlen + 2 : size * 2;
          tmp = realloc (buf, size);
          if (!tmp)
            {
              err = gpg_error_from_syserror ();
              goto leave;
            }
          buf = tmp;
        }
      n = read (fd, buf + len, size - 1 - len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          e = errno;
          err = gpg_error_from_errno (e);
          if (r_message && asprintf (r_message, "%s: read error: %s",
                                     file, strerror (e)) < 0)
            *r_message = NULL;
          goto leave;
        }
      if (!n)
        break;
      len += n;
    }
  if (len > maxlen)
    goto too_large;
  buf[len] = 0;
  *r_buffer = buf;
  *r_length = len;
  buf = NULL;
  goto leave;

 too_large:
  err = gpg_error (GPG_ERR_TOO_LARGE);
  if (r_message && asprintf (r_message, "%s: descriptor larger than %zu"
                             " bytes", file, maxlen) < 0)
    *r_message = NULL;
 leave:
  free (buf);
  if (fd >= 0)
    close (fd);
  return err;
}


/*
 * Error reporting
 */

/* Record the first error as "SOURCE:LINE: step 'ID': parameter 'P':
 * TEXT" (parts omitted when LINE is 0 or ID/PARAM are NULL) and return
 * GPG_ERR_CONFIGURATION.  */
static gpg_error_t
fail (struct parse *ps, unsigned int line, const char *id,
      const char *param, const char *fmt, ...)
  __attribute__ ((format (printf, 5, 6)));

static gpg_error_t
fail (struct parse *ps, unsigned int line, const char *id,
      const char *param, const char *fmt, ...)
{
  va_list ap;
  FILE *fp;
  size_t len;

  if (ps->message)
    return gpg_error (GPG_ERR_CONFIGURATION);
  fp = open_memstream (&ps->message, &len);
  if (!fp)
    return gpg_error (GPG_ERR_CONFIGURATION);
  fputs (ps->source, fp);
  if (line)
    fprintf (fp, ":%u", line);
  fputs (": ", fp);
  if (id)
    fprintf (fp, "step '%s': ", id);
  if (param)
    fprintf (fp, "parameter '%s': ", param);
  va_start (ap, fmt);
  vfprintf (fp, fmt, ap);
  va_end (ap);
  if (fclose (fp))
    {
      free (ps->message);
      ps->message = NULL;
    }
  /* One line for logs and terminals: libxml2's texts contain line
   * breaks, and quoted values (type="a&#10;b") may too.  */
  for (len = 0; ps->message && ps->message[len]; len++)
    if ((unsigned char)ps->message[len] < 0x20
        || ps->message[len] == 0x7f)
      ps->message[len] = ' ';
  return gpg_error (GPG_ERR_CONFIGURATION);
}

/* Record an out-of-core or other system error (no location).  */
static gpg_error_t
fail_sys (struct parse *ps, gpg_error_t err)
{
  if (!ps->message && asprintf (&ps->message, "%s: %s", ps->source,
                                gpg_strerror (err)) < 0)
    ps->message = NULL;
  return err;
}

static unsigned int
node_line (xmlNodePtr node)
{
  long l = xmlGetLineNo (node);

  return l > 0 && l <= UINT_MAX ? (unsigned int)l : 0;
}

/* Line number of offset OFF in the buffer.  */
static unsigned int
offset_line (struct parse *ps, size_t off)
{
  unsigned int line = 1;
  size_t i;

  for (i = 0; i < off && i < ps->length; i++)
    if (ps->buffer[i] == '\n')
      line++;
  return line;
}


/*
 * libxml2 glue
 */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void
xml_init (void)
{
  xmlInitParser ();
}

/* Structured error handler of our parser context: keep the first
 * error instead of printing it.  */
static void
xml_error_cb (void *user, xmlErrorPtr error)
{
  xmlParserCtxtPtr ctxt = user;
  struct parse *ps = ctxt ? ctxt->_private : NULL;
  size_t n;

  if (!ps || !error || error->level < XML_ERR_ERROR || ps->xml_error)
    return;
  ps->xml_error = strdup (error->message ? error->message
                          : "malformed XML");
  if (!ps->xml_error)
    return;
  /* libxml2's messages end in a newline.  */
  n = strlen (ps->xml_error);
  while (n && (ps->xml_error[n - 1] == '\n' || ps->xml_error[n - 1] == ' '))
    ps->xml_error[--n] = 0;
  ps->xml_error_line = error->line > 0 ? (unsigned int)error->line : 0;
}

/* SAX hook for "<!DOCTYPE": stop right there, before any entity
 * declaration is even parsed (XXE, billion laughs).  */
static void
xml_doctype_cb (void *user, const xmlChar *name, const xmlChar *external_id,
                const xmlChar *system_id)
{
  xmlParserCtxtPtr ctxt = user;
  struct parse *ps = ctxt ? ctxt->_private : NULL;

  (void)name;
  (void)external_id;
  (void)system_id;
  if (ps && !ps->doctype_line)
    ps->doctype_line = ctxt->input && ctxt->input->line > 0
                       ? (unsigned int)ctxt->input->line : 1;
  xmlStopParser (ctxt);
}

static gpg_error_t
parse_xml (struct parse *ps, xmlDocPtr *r_doc)
{
  gpg_error_t err = 0;
  xmlParserCtxtPtr ctxt = NULL;
  xmlDocPtr doc = NULL;

  *r_doc = NULL;
  pthread_once (&xml_once, xml_init);
  ctxt = xmlNewParserCtxt ();
  if (!ctxt || !ctxt->sax)
    {
      err = fail_sys (ps, gpg_error (GPG_ERR_ENOMEM));
      goto leave;
    }
  ctxt->_private = ps;
  ctxt->sax->serror = xml_error_cb;
  ctxt->sax->internalSubset = xml_doctype_cb;

  doc = xmlCtxtReadMemory (ctxt, ps->buffer, (int)ps->length, ps->source,
                           NULL, XML_PARSE_NONET);
  /* The hook stops the parser; the subset check is a second line of
   * defence.  */
  if (ps->doctype_line || (doc && (doc->intSubset || doc->extSubset)))
    {
      err = fail (ps, ps->doctype_line, NULL, NULL, "DOCTYPE declarations"
                  " are not accepted (remove the <!DOCTYPE ...> and any"
                  " entity definitions)");
      goto leave;
    }
  if (ps->xml_error || !doc || !ctxt->wellFormed || !ctxt->nsWellFormed)
    {
      err = fail (ps, ps->xml_error_line, NULL, NULL,
                  "malformed XML: %s",
                  ps->xml_error ? ps->xml_error : "not well-formed");
      goto leave;
    }
  *r_doc = doc;
  doc = NULL;

 leave:
  if (doc)
    xmlFreeDoc (doc);
  if (ctxt)
    xmlFreeParserCtxt (ctxt);
  return err;
}


/*
 * Small helpers
 */

static int
is_xml_space (int c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_blank (const xmlChar *s)
{
  for (; s && *s; s++)
    if (!is_xml_space (*s))
      return 0;
  return 1;
}

static int
in_our_ns (xmlNodePtr node)
{
  return node->ns && node->ns->href
         && !strcmp ((const char *)node->ns->href, PIPELINE_NS);
}

static int
is_element (xmlNodePtr node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && in_our_ns (node)
         && !strcmp ((const char *)node->name, name);
}

/* Describe an element name for messages: "name" or "{ns}name".  */
static const char *
elem_desc (xmlNodePtr node, char *buf, size_t size)
{
  if (node->ns && node->ns->href)
    snprintf (buf, size, "{%s}%s", (const char *)node->ns->href,
              (const char *)node->name);
  else
    snprintf (buf, size, "%s", (const char *)node->name);
  return buf;
}

/* Line of the first non-blank character of TEXT, a child of PARENT.
 * libxml2 records the line where the text ended.  */
static unsigned int
text_line (xmlNodePtr parent, xmlNodePtr text)
{
  unsigned int line = node_line (text);
  unsigned int first = node_line (parent);
  const xmlChar *s = text->content;

  while (s && is_xml_space (*s))
    s++;
  for (; s && *s; s++)
    if (*s == '\n' && line > first)
      line--;
  return line && line >= first ? line : first;
}

/* Check that the non-element children of NODE are whitespace text
 * and comments; element children are allowed only if ELEMENTS_OK.  */
static gpg_error_t
check_content (struct parse *ps, xmlNodePtr node, const char *id,
               const char *param, int elements_ok)
{
  char buf[256];
  xmlNodePtr c;

  for (c = node->children; c; c = c->next)
    switch (c->type)
      {
      case XML_COMMENT_NODE:
        break;
      case XML_TEXT_NODE:
      case XML_CDATA_SECTION_NODE:
        if (!param && !is_blank (c->content))
          return fail (ps, text_line (node, c), id, param,
                       "unexpected text inside <%s>",
                       (const char *)node->name);
        break;
      case XML_ELEMENT_NODE:
        if (!elements_ok)
          return fail (ps, node_line (c), id, param,
                       "unexpected element <%s> (expected text only)",
                       elem_desc (c, buf, sizeof buf));
        break;
      case XML_PI_NODE:
        return fail (ps, node_line (c) ? node_line (c) : node_line (node),
                     id, param, "processing instructions are not"
                     " accepted (found <?%s?>)", (const char *)c->name);
      default:
        return fail (ps, node_line (c) ? node_line (c) : node_line (node),
                     id, param, "unexpected content inside <%s>",
                     (const char *)node->name);
      }
  return 0;
}

/* Check that NODE has only attributes named in ALLOWED (a NULL
 * terminated list).  */
static gpg_error_t
check_attributes (struct parse *ps, xmlNodePtr node, const char *id,
                  const char *const *allowed)
{
  const char *const *a;
  xmlAttrPtr attr;
  char *list = NULL;
  size_t len;
  FILE *fp;
  gpg_error_t err;

  for (attr = node->properties; attr; attr = attr->next)
    {
      a = allowed;
      /* Namespaced attributes (xsi:..., xml:...) are never ours.  */
      if (!attr->ns)
        while (*a && strcmp (*a, (const char *)attr->name))
          a++;
      if (!attr->ns && *a)
        continue;
      fp = open_memstream (&list, &len);
      if (!fp)
        return fail_sys (ps, gpg_error_from_syserror ());
      for (a = allowed; *a; a++)
        fprintf (fp, "%s%s", a == allowed ? "" : ", ", *a);
      if (fclose (fp))
        return fail_sys (ps, gpg_error_from_syserror ());
      err = fail (ps, node_line (node), id, NULL,
                  "unknown attribute '%s%s%s' on <%s> (expected %s%s)",
                  attr->ns && attr->ns->prefix
                  ? (const char *)attr->ns->prefix : "",
                  attr->ns && attr->ns->prefix ? ":" : "",
                  (const char *)attr->name, (const char *)node->name,
                  *allowed ? "" : "none",
                  list ? list : "");
      free (list);
      return err;
    }
  return 0;
}

/* Get attribute NAME (without namespace) of NODE as a malloced string
 * in *R_VALUE, or NULL if absent.  An empty value is an error.  */
static gpg_error_t
get_attr (struct parse *ps, xmlNodePtr node, const char *id,
          const char *name, char **r_value)
{
  xmlChar *v;

  *r_value = NULL;
  if (!xmlHasNsProp (node, (const xmlChar *)name, NULL))
    return 0;
  v = xmlGetNoNsProp (node, (const xmlChar *)name);
  if (!v)
    return fail_sys (ps, gpg_error (GPG_ERR_ENOMEM));
  if (!*v)
    {
      xmlFree (v);
      return fail (ps, node_line (node), id, NULL,
                   "attribute '%s' of <%s> must not be empty", name,
                   (const char *)node->name);
    }
  *r_value = strdup ((const char *)v);
  xmlFree (v);
  return *r_value ? 0 : fail_sys (ps, gpg_error_from_syserror ());
}

/* Return a malloced absolute version of PATH relative to BASEDIR.  */
static gpg_error_t
make_absolute (struct parse *ps, const char *basedir, const char *path,
               char **r_abs)
{
  char *cwd = NULL;
  int rc;

  *r_abs = NULL;
  if (*path == '/')
    rc = asprintf (r_abs, "%s", path);
  else
    {
      if (!basedir)
        {
          cwd = getcwd (NULL, 0);
          if (!cwd)
            return fail_sys (ps, gpg_error_from_syserror ());
          basedir = cwd;
        }
      rc = asprintf (r_abs, "%s%s%s", basedir,
                     basedir[strlen (basedir) - 1] == '/' ? "" : "/", path);
    }
  free (cwd);
  if (rc < 0)
    {
      *r_abs = NULL;
      return fail_sys (ps, gpg_error_from_syserror ());
    }
  return 0;
}

/* Comma-separated list of names from a step table or keyrings, for
 * "expected one of" texts.  */
static char *
join_names (const char *const *names, size_t n, size_t stride)
{
  char *list = NULL;
  size_t len, i;
  FILE *fp;

  fp = open_memstream (&list, &len);
  if (!fp)
    return NULL;
  for (i = 0; i < n; i++)
    fprintf (fp, "%s%s", i ? ", " : "",
             *(const char *const *)((const char *)names + i * stride));
  if (fclose (fp))
    return NULL;
  return list;
}


/*
 * <keyring>
 */

static struct keyring_def *
find_keyring (struct pgpstep_pipeline *pl, const char *name)
{
  unsigned int i;

  for (i = 0; i < pl->nkeyrings; i++)
    if (!strcmp (pl->keyrings[i].name, name))
      return pl->keyrings + i;
  return NULL;
}

static void
free_keyring (struct keyring_def *kr)
{
  free (kr->name);
  free (kr->public_file);
  free (kr->secret_file);
  free (kr->passphrase);
  free (kr->home);
  free (kr->keys);
}

/* Normalise the comma-separated fingerprint list KEYS in place-ish:
 * each must be a full fingerprint; the result is a malloced list of
 * uppercase fingerprints without "0x" or spaces.  */
static gpg_error_t
check_key_list (struct parse *ps, unsigned int line, const char *name,
                const char *keys, char **r_norm)
{
  static const struct pgpstep_param keyspec =
    { sizeof keyspec, "keys", PGPSTEP_TYPE_KEY, 0, NULL, NULL, 0, 0, NULL };
  gpg_error_t err = 0;
  char *copy, *tok, *save = NULL, *norm = NULL, *why = NULL;
  char *list = NULL;
  size_t len, n;
  FILE *fp = NULL;
  int count = 0;

  *r_norm = NULL;
  copy = strdup (keys);
  if (!copy)
    return fail_sys (ps, gpg_error_from_syserror ());
  fp = open_memstream (&list, &len);
  if (!fp)
    {
      err = fail_sys (ps, gpg_error_from_syserror ());
      goto leave;
    }
  for (tok = strtok_r (copy, ",", &save); tok;
       tok = strtok_r (NULL, ",", &save))
    {
      while (is_xml_space (*tok))
        tok++;
      n = strlen (tok);
      while (n && is_xml_space (tok[n - 1]))
        tok[--n] = 0;
      err = param_check (&keyspec, tok, &norm, &why);
      /* Only fingerprints: a home may hold many keys for a user ID.  */
      if (!err && (strlen (norm) != 40 && strlen (norm) != 64))
        err = gpg_error (GPG_ERR_INV_VALUE);
      if (!err && strspn (norm, "0123456789ABCDEF") != strlen (norm))
        err = gpg_error (GPG_ERR_INV_VALUE);
      if (gpg_err_code (err) == GPG_ERR_INV_VALUE)
        {
          err = fail (ps, line, NULL, NULL, "keyring '%s': attribute"
                      " 'keys': expected comma-separated 40 or 64 hex digit"
                      " fingerprints, found '%.64s'", name, tok);
          goto leave;
        }
      else if (err)
        {
          err = fail_sys (ps, err);
          goto leave;
        }
      fprintf (fp, "%s%s", count++ ? "," : "", norm);
      free (norm);
      norm = NULL;
      free (why);
      why = NULL;
    }
  if (fclose (fp))
    {
      fp = NULL;
      err = fail_sys (ps, gpg_error_from_syserror ());
      goto leave;
    }
  fp = NULL;
  if (!count)
    {
      err = fail (ps, line, NULL, NULL, "keyring '%s': attribute 'keys'"
                  " lists no fingerprint", name);
      goto leave;
    }
  *r_norm = list;
  list = NULL;

 leave:
  if (fp)
    fclose (fp);
  free (list);
  free (norm);
  free (why);
  free (copy);
  return err;
}

static gpg_error_t
parse_keyring (struct parse *ps, xmlNodePtr node, const char *basedir)
{
  static const char *const attrs[] =
    { "name", "public", "secret", "passphrase", "home", "keys", NULL };
  static const struct pgpstep_param keyringspec =
    { sizeof keyringspec, "name", PGPSTEP_TYPE_KEYRING, 0, NULL, NULL, 0, 0,
      NULL };
  static const struct pgpstep_param secretspec =
    { sizeof secretspec, "passphrase", PGPSTEP_TYPE_SECRET, 0, NULL, NULL,
      0, 0, NULL };
  struct pgpstep_pipeline *pl = ps->pl;
  unsigned int line = node_line (node);
  struct keyring_def kr, *tmp;
  gpg_error_t err;
  char *pub = NULL, *sec = NULL, *home = NULL, *keys = NULL;
  char *norm = NULL, *why = NULL;

  memset (&kr, 0, sizeof kr);
  kr.line = line;
  err = check_attributes (ps, node, NULL, attrs);
  if (!err)
    err = check_content (ps, node, NULL, NULL, 0);
  if (!err)
    err = get_attr (ps, node, NULL, "name", &kr.name);
  if (err)
    goto leave;
  if (!kr.name)
    {
      err = fail (ps, line, NULL, NULL,
                  "<keyring> needs a 'name' attribute");
      goto leave;
    }
  err = param_check (&keyringspec, kr.name, &norm, &why);
  if (err)
    {
      err = why ? fail (ps, line, NULL, NULL, "keyring name: %s", why)
                : fail_sys (ps, err);
      goto leave;
    }
  if ((tmp = find_keyring (pl, kr.name)))
    {
      err = fail (ps, line, NULL, NULL, "keyring '%s' defined twice"
                  " (first at line %u; names must be unique)",
                  kr.name, tmp->line);
      goto leave;
    }

  if ((err = get_attr (ps, node, NULL, "public", &pub))
      || (err = get_attr (ps, node, NULL, "secret", &sec))
      || (err = get_attr (ps, node, NULL, "home", &home))
      || (err = get_attr (ps, node, NULL, "keys", &keys))
      || (err = get_attr (ps, node, NULL, "passphrase", &kr.passphrase)))
    goto leave;

  if (home && (pub || sec))
    {
      err = fail (ps, line, NULL, NULL, "keyring '%s': 'home' cannot be"
                  " combined with 'public' or 'secret' (use either key"
                  " files or a GnuPG home)", kr.name);
      goto leave;
    }
  if (keys && !home)
    {
      err = fail (ps, line, NULL, NULL, "keyring '%s': 'keys' requires"
                  " 'home' (it selects keys from a GnuPG home)", kr.name);
      goto leave;
    }
  if (!home && !pub && !sec)
    {
      err = fail (ps, line, NULL, NULL, "keyring '%s': no keys given"
                  " (expected 'public', 'secret' or 'home')", kr.name);
      goto leave;
    }
  if (kr.passphrase)
    {
      free (norm);
      free (why);
      norm = why = NULL;
      err = param_check (&secretspec, kr.passphrase, &norm, &why);
      if (err)
        {
          err = why ? fail (ps, line, NULL, NULL, "keyring '%s': attribute"
                            " 'passphrase': %s", kr.name, why)
                    : fail_sys (ps, err);
          goto leave;
        }
    }
  if ((pub && (err = make_absolute (ps, basedir, pub, &kr.public_file)))
      || (sec && (err = make_absolute (ps, basedir, sec, &kr.secret_file)))
      || (home && (err = make_absolute (ps, basedir, home, &kr.home))))
    goto leave;
  if (keys && (err = check_key_list (ps, line, kr.name, keys, &kr.keys)))
    goto leave;

  tmp = realloc (pl->keyrings, (pl->nkeyrings + 1) * sizeof *tmp);
  if (!tmp)
    {
      err = fail_sys (ps, gpg_error_from_syserror ());
      goto leave;
    }
  pl->keyrings = tmp;
  pl->keyrings[pl->nkeyrings++] = kr;
  memset (&kr, 0, sizeof kr);

 leave:
  free_keyring (&kr);
  free (pub);
  free (sec);
  free (home);
  free (keys);
  free (norm);
  free (why);
  return err;
}


/*
 * <step>
 */

static const struct pgpstep_param *
find_param (const struct pgpstep_step *step, const char *name)
{
  const struct pgpstep_param *p;
  unsigned int i;

  for (i = 0; step->params && (p = pgpstep_param_at (step->params, i))->name;
       i++)
    if (!strcmp (p->name, name))
      return p;
  return NULL;
}

static void
free_value (struct config_value *v)
{
  free (v->value);
  free (v->header);
}

static void
free_config (struct pgpstep_config *cfg)
{
  unsigned int i;

  if (!cfg)
    return;
  config_release_cache (cfg);
  for (i = 0; i < cfg->nvalues; i++)
    free_value (cfg->values + i);
  free (cfg->values);
  free (cfg->id);
  free (cfg);
}

static gpg_error_t
add_value (struct parse *ps, struct pgpstep_config *cfg,
           struct config_value *v)
{
  struct config_value *tmp;

  tmp = realloc (cfg->values, (cfg->nvalues + 1) * sizeof *tmp);
  if (!tmp)
    return fail_sys (ps, gpg_error_from_syserror ());
  cfg->values = tmp;
  cfg->values[cfg->nvalues++] = *v;
  memset (v, 0, sizeof *v);
  return 0;
}

/* List the parameters of STEP for an "unknown parameter" message.  */
static char *
param_names (const struct pgpstep_step *step)
{
  size_t n = 0;

  while (step->params && pgpstep_param_at (step->params, n)->name)
    n++;
  if (!n)
    return strdup ("none");
  return join_names (&step->params->name, n, step->params->struct_size);
}

/* Check one value TEXT of parameter SPEC and fill *V.  LINE 0 means
 * a default value from the module.  */
static gpg_error_t
make_value (struct parse *ps, struct pgpstep_config *cfg,
            const struct pgpstep_param *spec, const char *text,
            unsigned int line, struct config_value *v)
{
  gpg_error_t err;
  char *header = NULL, *norm = NULL, *why = NULL;
  const char *what = line ? "" : "default value: ";
  unsigned int eline = line ? line : cfg->line;
  int rc;

  memset (v, 0, sizeof *v);
  v->spec = spec;
  v->line = line;
  v->is_default = !line;

  errno = 0;
  rc = param_header_ref (text, &header);
  if (rc < 0 && errno == ENOMEM)
    return fail_sys (ps, gpg_error (GPG_ERR_ENOMEM));
  if (rc < 0)
    return fail (ps, eline, cfg->id, spec->name, "%smalformed ${...}"
                 " reference (expected exactly ${header.NAME} with NAME"
                 " of letters, digits, '_', '.' and '-')", what);
  if (rc > 0)
    {
      if (!(spec->flags & PGPSTEP_PARAM_HEADER_OK))
        {
          err = fail (ps, eline, cfg->id, spec->name,
                      "%svalue may not come from a message header"
                      " (found ${header.%s}; expected a literal %s)",
                      what, header, pgpstep_param_type_name (spec->type));
          free (header);
          return err;
        }
      v->header = header;
      v->value = strdup (text);
      return v->value ? 0 : fail_sys (ps, gpg_error_from_syserror ());
    }

  err = param_check (spec, text, &norm, &why);
  if (err)
    {
      if (gpg_err_code (err) == GPG_ERR_INV_VALUE && why)
        err = fail (ps, eline, cfg->id, spec->name, "%sbad %s value (%s)",
                    what, pgpstep_param_type_name (spec->type), why);
      else
        err = fail_sys (ps, err);
      free (why);
      return err;
    }
  if (spec->type == PGPSTEP_TYPE_KEYRING && !find_keyring (ps->pl, norm))
    {
      char *list = NULL;

      if (ps->pl->nkeyrings)
        list = join_names ((const char *const *)&ps->pl->keyrings[0].name,
                           ps->pl->nkeyrings, sizeof *ps->pl->keyrings);
      err = fail (ps, eline, cfg->id, spec->name, "%sno <keyring"
                  " name=\"%s\"> in this pipeline (keyrings: %s)",
                  what, norm, list ? list : "none");
      free (list);
      free (norm);
      return err;
    }
  v->value = norm;
  return 0;
}

/* Read the parameter elements of step NODE into CFG.  */
static gpg_error_t
parse_params (struct parse *ps, xmlNodePtr node, struct pgpstep_config *cfg)
{
  gpg_error_t err = 0;
  const struct pgpstep_step *step = cfg->step;
  const struct pgpstep_param *spec;
  unsigned int i;
  struct config_value v, *prev;
  char buf[256];
  xmlNodePtr c;
  xmlChar *content = NULL;
  char *list = NULL;
  char *text, *end;
  unsigned int line;

  memset (&v, 0, sizeof v);
  err = check_content (ps, node, cfg->id, NULL, 1);
  if (err)
    goto leave;
  for (c = node->children; c; c = c->next)
    {
      if (c->type != XML_ELEMENT_NODE)
        continue;
      line = node_line (c);
      if (!in_our_ns (c))
        {
          err = fail (ps, line, cfg->id, NULL, "unexpected element <%s>"
                      " (parameters are in namespace " PIPELINE_NS ")",
                      elem_desc (c, buf, sizeof buf));
          goto leave;
        }
      spec = find_param (step, (const char *)c->name);
      if (!spec)
        {
          list = param_names (step);
          err = fail (ps, line, cfg->id, (const char *)c->name,
                      "unknown parameter (step type '%s' takes: %s)",
                      step->type, list ? list : "?");
          goto leave;
        }
      if (c->properties)
        {
          err = fail (ps, line, cfg->id, spec->name, "unexpected attribute"
                      " '%s' (parameters take no attributes)",
                      (const char *)c->properties->name);
          goto leave;
        }
      if ((err = check_content (ps, c, cfg->id, spec->name, 0)))
        goto leave;
      if (!(spec->flags & PGPSTEP_PARAM_REPEATABLE)
          && (prev = config_value_at (cfg, spec->name, 0)))
        {
          err = fail (ps, line, cfg->id, spec->name, "given more than once"
                      " (first at line %u; expected at most one)",
                      prev->line);
          goto leave;
        }

      content = xmlNodeGetContent (c);
      if (!content)
        content = xmlStrdup ((const xmlChar *)"");
      if (!content)
        {
          err = fail_sys (ps, gpg_error (GPG_ERR_ENOMEM));
          goto leave;
        }
      text = (char *)content;
      while (is_xml_space (*text))
        text++;
      end = text + strlen (text);
      while (end > text && is_xml_space (end[-1]))
        *--end = 0;
      err = make_value (ps, cfg, spec, text, line, &v);
      xmlFree (content);
      content = NULL;
      if (err || (err = add_value (ps, cfg, &v)))
        goto leave;
    }

  /* Defaults, then what is still missing.  */
  for (i = 0;
       step->params && (spec = pgpstep_param_at (step->params, i))->name;
       i++)
    {
      if (config_value_at (cfg, spec->name, 0))
        continue;
      if (spec->default_value)
        {
          if ((err = make_value (ps, cfg, spec, spec->default_value, 0, &v))
              || (err = add_value (ps, cfg, &v)))
            goto leave;
        }
      else if ((spec->flags & PGPSTEP_PARAM_REQUIRED))
        {
          err = fail (ps, cfg->line, cfg->id, spec->name, "missing"
                      " (expected <%s>: %s%s%s)", spec->name,
                      pgpstep_param_type_name (spec->type),
                      spec->description ? ", " : "",
                      spec->description ? spec->description : "");
          goto leave;
        }
    }

 leave:
  free_value (&v);
  if (content)
    xmlFree (content);
  free (list);
  return err;
}

/* List the known step types for an "unknown step type" message.  */
static char *
step_types (struct pgpstep_ctx *ctx)
{
  const struct loaded_module *m;
  const struct pgpstep_step *const *s;
  char *list = NULL;
  size_t len;
  FILE *fp;
  int n = 0;

  fp = open_memstream (&list, &len);
  if (!fp)
    return NULL;
  for (m = ctx->modules; m; m = m->next)
    for (s = m->module && m->module->steps ? m->module->steps : NULL;
         s && *s; s++)
      fprintf (fp, "%s%s", n++ ? ", " : "", (*s)->type);
  if (!n)
    fputs ("none; no plugin loaded", fp);
  if (fclose (fp))
    return NULL;
  return list;
}

static gpg_error_t
parse_step (struct parse *ps, xmlNodePtr node)
{
  static const char *const attrs[] = { "type", "id", NULL };
  struct pgpstep_pipeline *pl = ps->pl;
  struct pgpstep_config *cfg, **tmp;
  gpg_error_t err;
  char *type = NULL;
  char *list = NULL;
  unsigned int i;
  size_t n;

  cfg = calloc (1, sizeof *cfg);
  if (!cfg)
    return fail_sys (ps, gpg_error_from_syserror ());
  cfg->pipeline = pl;
  cfg->index = pl->nsteps;
  cfg->line = node_line (node);

  if ((err = get_attr (ps, node, NULL, "type", &type))
      || (err = get_attr (ps, node, NULL, "id", &cfg->id)))
    goto leave;
  if (!type)
    {
      err = fail (ps, cfg->line, cfg->id, NULL,
                  "<step> needs a 'type' attribute");
      goto leave;
    }
  if (!cfg->id && asprintf (&cfg->id, "%s#%u", type, pl->nsteps + 1) < 0)
    {
      cfg->id = NULL;
      err = fail_sys (ps, gpg_error_from_syserror ());
      goto leave;
    }
  /* The id shows up in messages and logs: keep it one clean line.  */
  for (n = 0; cfg->id[n]; n++)
    if ((unsigned char)cfg->id[n] < 0x20 || cfg->id[n] == 0x7f)
      break;
  if (cfg->id[n] || is_xml_space (cfg->id[0])
      || is_xml_space (cfg->id[n - 1]))
    {
      err = fail (ps, cfg->line, NULL, NULL, "attribute 'id' of <step>"
                  " contains control characters or surrounding spaces");
      goto leave;
    }
  if ((err = check_attributes (ps, node, cfg->id, attrs)))
    goto leave;
  for (i = 0; i < pl->nsteps; i++)
    if (!strcmp (pl->steps[i]->id, cfg->id))
      {
        err = fail (ps, cfg->line, cfg->id, NULL, "step id used twice"
                    " (first at line %u; ids must be unique)",
                    pl->steps[i]->line);
        goto leave;
      }

  cfg->step = loader_find_step (ps->ctx, type, &cfg->module);
  if (!cfg->step)
    {
      list = step_types (ps->ctx);
      err = fail (ps, cfg->line, cfg->id, NULL, "unknown step type '%s'"
                  " (known types: %s)", type, list ? list : "?");
      goto leave;
    }
  if ((err = parse_params (ps, node, cfg)))
    goto leave;

  tmp = realloc (pl->steps, (pl->nsteps + 1) * sizeof *tmp);
  if (!tmp)
    {
      err = fail_sys (ps, gpg_error_from_syserror ());
      goto leave;
    }
  pl->steps = tmp;
  pl->steps[pl->nsteps++] = cfg;
  cfg = NULL;

 leave:
  free_config (cfg);
  free (type);
  free (list);
  return err;
}


/*
 * <pipeline>
 */

static gpg_error_t
parse_pipeline (struct parse *ps, xmlDocPtr doc, const char *basedir)
{
  static const char *const attrs[] = { "name", NULL };
  gpg_error_t err;
  xmlNodePtr root, c;
  char buf[256];

  /* Top level: the root plus comments.  */
  for (c = doc->children; c; c = c->next)
    if (c->type == XML_PI_NODE)
      return fail (ps, node_line (c), NULL, NULL, "processing instructions"
                   " are not accepted (found <?%s?>)",
                   (const char *)c->name);

  root = xmlDocGetRootElement (doc);
  if (!root)
    return fail (ps, 0, NULL, NULL, "no root element");
  if (!is_element (root, "pipeline"))
    return fail (ps, node_line (root), NULL, NULL, "root element is <%s>%s;"
                 " expected <pipeline xmlns=\"" PIPELINE_NS "\">",
                 elem_desc (root, buf, sizeof buf),
                 root->ns ? "" : " without namespace");

  if ((err = check_attributes (ps, root, NULL, attrs))
      || (err = get_attr (ps, root, NULL, "name", &ps->pl->name))
      || (err = check_content (ps, root, NULL, NULL, 1)))
    return err;

  /* Keyrings first: steps may name keyrings defined further down.  */
  for (c = root->children; c; c = c->next)
    {
      if (c->type != XML_ELEMENT_NODE)
        continue;
      if (is_element (c, "keyring"))
        {
          if ((err = parse_keyring (ps, c, basedir)))
            return err;
        }
      else if (!is_element (c, "step"))
        return fail (ps, node_line (c), NULL, NULL, "unexpected element <%s>"
                     " (expected <keyring> or <step>)",
                     elem_desc (c, buf, sizeof buf));
    }
  for (c = root->children; c; c = c->next)
    if (is_element (c, "step") && (err = parse_step (ps, c)))
      return err;

  if (!ps->pl->nsteps)
    return fail (ps, node_line (root), NULL, NULL, "pipeline has no step"
                 " (expected at least one <step>)");
  return 0;
}

gpg_error_t
descriptor_parse (struct pgpstep_ctx *ctx, const char *source,
                  const char *basedir, const void *buffer, size_t length,
                  struct pgpstep_pipeline **r_pipeline, char **r_message)
{
  gpg_error_t err;
  struct parse ps;
  xmlDocPtr doc = NULL;
  const unsigned char *nul;

  *r_pipeline = NULL;
  if (r_message)
    *r_message = NULL;
  memset (&ps, 0, sizeof ps);
  ps.ctx = ctx;
  ps.source = source ? source : "<memory>";
  ps.buffer = buffer;
  ps.length = length;
  if (!ctx || (!buffer && length))
    return gpg_error (GPG_ERR_INV_ARG);

  ps.pl = calloc (1, sizeof *ps.pl);
  if (!ps.pl)
    {
      err = fail_sys (&ps, gpg_error_from_syserror ());
      goto leave;
    }
  ps.pl->ctx = ctx;
  if (!(ps.pl->source = strdup (ps.source))
      || (basedir && !(ps.pl->basedir = strdup (basedir))))
    {
      err = fail_sys (&ps, gpg_error_from_syserror ());
      goto leave;
    }

  if (length > DESCRIPTOR_MAX_SIZE)
    {
      err = gpg_error (GPG_ERR_TOO_LARGE);
      if (asprintf (&ps.message, "%s: descriptor larger than %u bytes",
                    ps.source, DESCRIPTOR_MAX_SIZE) < 0)
        ps.message = NULL;
      goto leave;
    }
  if (length >= 2 && ((const unsigned char *)buffer)[0] == 0x1f
      && ((const unsigned char *)buffer)[1] == 0x8b)
    {
      err = fail (&ps, 0, NULL, NULL, "compressed descriptors are not"
                  " accepted (found gzip data; decompress it first)");
      goto leave;
    }
  if (!length)
    {
      err = fail (&ps, 0, NULL, NULL, "empty descriptor");
      goto leave;
    }
  if ((nul = memchr (buffer, 0, length)))
    {
      err = fail (&ps, offset_line (&ps, nul - (const unsigned char *)buffer),
                  NULL, NULL, "NUL byte in descriptor (expected UTF-8"
                  " XML text)");
      goto leave;
    }

  if ((err = parse_xml (&ps, &doc))
      || (err = parse_pipeline (&ps, doc, basedir)))
    goto leave;

  *r_pipeline = ps.pl;
  ps.pl = NULL;

 leave:
  if (doc)
    xmlFreeDoc (doc);
  descriptor_release (ps.pl);
  free (ps.xml_error);
  if (r_message)
    *r_message = ps.message;
  else
    free (ps.message);
  return err;
}

void
descriptor_release (struct pgpstep_pipeline *pl)
{
  unsigned int i;
  struct pgpstep_config *cfg;

  if (!pl)
    return;
  /* Later steps may depend on earlier ones: destroy in reverse.  */
  for (i = pl->nsteps; i-- > 0;)
    {
      cfg = pl->steps[i];
      if (cfg->created && cfg->step->destroy)
        cfg->step->destroy (cfg->state);
      cfg->created = 0;
      cfg->state = NULL;
      free_config (cfg);
    }
  free (pl->steps);
  for (i = 0; i < pl->nkeyrings; i++)
    free_keyring (pl->keyrings + i);
  free (pl->keyrings);
  free (pl->source);
  free (pl->basedir);
  free (pl->name);
  free (pl);
}

unsigned int
config_value_count (struct pgpstep_config *cfg, const char *name)
{
  unsigned int i, n = 0;

  for (i = 0; cfg && i < cfg->nvalues; i++)
    if (!strcmp (cfg->values[i].spec->name, name))
      n++;
  return n;
}

struct config_value *
config_value_at (struct pgpstep_config *cfg, const char *name,
                 unsigned int idx)
{
  unsigned int i;

  for (i = 0; cfg && i < cfg->nvalues; i++)
    if (!strcmp (cfg->values[i].spec->name, name) && !idx--)
      return cfg->values + i;
  return NULL;
}
