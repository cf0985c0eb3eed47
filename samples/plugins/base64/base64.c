/* base64.c - a third-party pgpstep plugin: base64 encode and decode.
 *
 * A sample of a plugin written outside the pgpstep source tree: it
 * needs only <pgpstep/pgpstep.h> (found with `pkg-config pgpstep`) and
 * streams its input in fixed-size blocks, so its memory use does not
 * depend on the payload size.
 *
 * Step "base64", parameters:
 *   mode         encode (default) | decode
 *   line-length  encode: characters per output line, 0 for a single
 *                line (default 76, as MIME and coreutils base64 use)
 * Encoded output ends with a newline.  Decoding skips white space and
 * refuses any other byte outside the alphabet, and data after padding.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <pgpstep/pgpstep.h>

#define IN_BLOCK  (3 * 21845)   /* Multiple of 3: no carry inside.  */
#define OUT_BLOCK 65536

static const char alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char *const modes[] = { "encode", "decode", NULL };

static const struct pgpstep_param params[] = {
  { sizeof (struct pgpstep_param), "mode", PGPSTEP_TYPE_ENUM, 0, "encode",
    modes, 0, 0, "Encode to base64 or decode from it." },
  { sizeof (struct pgpstep_param), "line-length", PGPSTEP_TYPE_INT, 0, "76",
    NULL, 0, 1000000,
    "When encoding, characters per output line; 0 writes a single line." },
  { 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL }
};

/* The host's services, set once at init.  */
static const struct pgpstep_host *host;

struct state
{
  int decode;
  unsigned long line_length;
};

/* Output buffer flushed to the sink when full.  */
struct out
{
  struct pgpstep_sink *sink;
  size_t len;
  char buf[OUT_BLOCK];
};

static gpg_error_t
flush (struct out *o)
{
  if (o->len && o->sink->write (o->sink->handle, o->buf, o->len) < 0)
    return gpg_error_from_syserror ();
  o->len = 0;
  return 0;
}

static gpg_error_t
put (struct out *o, char c)
{
  gpg_error_t err = 0;

  if (o->len == sizeof o->buf)
    err = flush (o);
  o->buf[o->len++] = c;
  return err;
}

static gpg_error_t
b64_create (const struct pgpstep_host *h, pgpstep_config_t cfg,
            void **r_state)
{
  struct state *st;
  const char *s;

  st = calloc (1, sizeof *st);
  if (!st)
    return gpg_error_from_syserror ();
  s = h->config_value (cfg, "mode", 0);
  st->decode = s && !strcmp (s, "decode");
  s = h->config_value (cfg, "line-length", 0);
  st->line_length = s ? strtoul (s, NULL, 10) : 76;
  *r_state = st;
  return 0;
}

static void
b64_destroy (void *state)
{
  free (state);
}

/* Encode N bytes at P; N is a multiple of 3 unless this is the end.  */
static gpg_error_t
encode_block (const struct state *st, struct out *o, unsigned long *column,
              const unsigned char *p, size_t n)
{
  gpg_error_t err = 0;
  char quad[4];
  size_t i;
  int k;

  for (i = 0; i < n && !err; i += 3)
    {
      unsigned long v = (unsigned long)p[i] << 16;

      if (i + 1 < n)
        v |= (unsigned long)p[i + 1] << 8;
      if (i + 2 < n)
        v |= p[i + 2];
      quad[0] = alphabet[(v >> 18) & 63];
      quad[1] = alphabet[(v >> 12) & 63];
      quad[2] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
      quad[3] = i + 2 < n ? alphabet[v & 63] : '=';
      for (k = 0; k < 4 && !err; k++)
        {
          if (st->line_length && *column == st->line_length)
            {
              err = put (o, '\n');
              *column = 0;
            }
          if (!err)
            err = put (o, quad[k]);
          ++*column;
        }
    }
  return err;
}

static gpg_error_t
encode (const struct state *st, pgpstep_message_t msg,
        struct pgpstep_source *src, struct out *o)
{
  gpg_error_t err = 0;
  static const size_t size = IN_BLOCK;
  unsigned char *buf;
  size_t have = 0;
  unsigned long column = 0;
  ssize_t n;

  if (!(buf = malloc (size)))
    return gpg_error_from_syserror ();
  for (;;)
    {
      n = src->read (src->handle, buf + have, size - have);
      if (n < 0)
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
      have += n;
      /* Encode whole groups only; a short read leaves a carry.  */
      if (n == 0 || have == size)
        {
          size_t whole = n == 0 ? have : have - have % 3;

          err = encode_block (st, o, &column, buf, whole);
          if (err)
            goto leave;
          memmove (buf, buf + whole, have - whole);
          have -= whole;
        }
      if (n == 0)
        break;
    }
  if (column)
    err = put (o, '\n');

 leave:
  if (err && gpg_err_code (err) != GPG_ERR_CANCELED)
    host->error (msg, err, NULL, "base64 encoding failed: %s",
                 gpg_strerror (err));
  free (buf);
  return err;
}

static int
sextet (unsigned char c)
{
  const char *p = c ? strchr (alphabet, c) : NULL;

  return p ? (int)(p - alphabet) : -1;
}

static gpg_error_t
decode (pgpstep_message_t msg, struct pgpstep_source *src, struct out *o)
{
  gpg_error_t err = 0;
  unsigned char *buf;
  unsigned long v = 0;
  unsigned long long offset = 0;
  int nq = 0;       /* Sextets in the current quad.  */
  int npad = 0;     /* '=' seen in the current quad.  */
  int done = 0;     /* Padding seen: only white space may follow.  */
  ssize_t n, i;

  if (!(buf = malloc (IN_BLOCK)))
    return gpg_error_from_syserror ();
  while ((n = src->read (src->handle, buf, IN_BLOCK)) > 0)
    for (i = 0; i < n; i++, offset++)
      {
        unsigned char c = buf[i];
        int s;

        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
          continue;
        if (c == '=' && nq >= 2 && !done)
          {
            npad++;
            if (nq + npad == 4)
              {
                if (nq == 2)
                  err = put (o, (v >> 4) & 0xff);
                else
                  {
                    err = put (o, (v >> 10) & 0xff);
                    if (!err)
                      err = put (o, (v >> 2) & 0xff);
                  }
                if (err)
                  goto leave;
                done = 1;
              }
            continue;
          }
        if (done || npad || (s = sextet (c)) < 0)
          {
            err = gpg_error (GPG_ERR_BAD_DATA);
            host->error (msg, err, NULL,
                         "not base64: unexpected byte 0x%02x at offset %llu",
                         c, offset);
            goto leave;
          }
        v = (v << 6) | s;
        if (++nq == 4)
          {
            if ((err = put (o, (v >> 16) & 0xff))
                || (err = put (o, (v >> 8) & 0xff))
                || (err = put (o, v & 0xff)))
              goto leave;
            nq = 0;
            v = 0;
          }
      }
  if (n < 0)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if (nq && !done)
    {
      err = gpg_error (GPG_ERR_TRUNCATED);
      host->error (msg, err, NULL,
                   "base64 input ends inside a group of four characters");
    }

 leave:
  free (buf);
  return err;
}

static gpg_error_t
b64_process (void *state, pgpstep_message_t msg,
             struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  const struct state *st = state;
  gpg_error_t err;
  struct out *o;

  if (!(o = malloc (sizeof *o)))
    return gpg_error_from_syserror ();
  o->sink = sink;
  o->len = 0;
  err = st->decode ? decode (msg, source, o) : encode (st, msg, source, o);
  if (!err)
    err = flush (o);
  free (o);
  return err;
}

static const struct pgpstep_step base64_step = {
  sizeof (struct pgpstep_step), "base64",
  "Encode or decode base64 (RFC 4648), streaming.",
  params, PGPSTEP_STEP_NONE, b64_create, b64_process, b64_destroy
};

static const struct pgpstep_step *const steps[] = { &base64_step, NULL };

static const struct pgpstep_module module = {
  sizeof (struct pgpstep_module), PGPSTEP_ABI_MAJOR, PGPSTEP_ABI_MINOR,
  "base64", "1.0", "Sample third-party module: base64 codec.", steps
};

PGPSTEP_EXPORT gpg_error_t
pgpstep_module_init (const struct pgpstep_host *h,
                     const struct pgpstep_module **r_module)
{
  host = h;
  *r_module = &module;
  return 0;
}
