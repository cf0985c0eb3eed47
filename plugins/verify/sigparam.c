/* sigparam.c - the detached signature given to the verify step.  */
#include <config.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "armor.h"
#include "sigparam.h"
#include "outcome.h"

#define BEGIN_LINE "-----BEGIN PGP SIGNATURE-----\n\n"
#define END_LINE   "-----END PGP SIGNATURE-----\n"
#define LINE_LEN   64

static int
is_space (int c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_base64 (int c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
    || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
}

/* Decode the armored signature TEXT[0..LEN).  */
static gpg_error_t
decode_armor (const char *text, size_t len, unsigned char **r_buf,
              size_t *r_len, char **r_text)
{
  gpg_error_t err;
  armor_decoder_t dec = NULL;
  unsigned char *out = NULL;
  size_t outlen = 0;
  enum armor_type type;

  err = armor_decoder_new (&dec);
  if (err)
    goto leave;
  if (!(out = malloc (armor_decode_bound (len) + 1)))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  err = armor_decode (dec, text, len, out, &outlen);
  if (!err)
    err = armor_decode_finish (dec);
  type = armor_decoder_type (dec);
  if (type != ARMOR_NONE && type != ARMOR_SIGNATURE)
    err = say (r_text, GPG_ERR_BAD_DATA, "the signature is an armored %s,"
                " not a PGP SIGNATURE", armor_type_label (type));
  else if (err && gpg_err_code (err) != GPG_ERR_ENOMEM)
    err = say (r_text, gpg_err_code (err), "the signature's armor is"
                " damaged: %s", gpg_strerror (err));

 leave:
  armor_decoder_release (dec);
  if (err)
    free (out);
  else
    {
      *r_buf = out;
      *r_len = outlen;
    }
  return err;
}

/* The base64 B64[0..LEN) (whitespace allowed) as an armored signature
 * for the armor decoder: one codec for both forms.  */
static gpg_error_t
decode_base64 (const char *b64, size_t len, unsigned char **r_buf,
               size_t *r_len, char **r_text)
{
  gpg_error_t err;
  char *text, *p;
  size_t i, col = 0;

  for (i = 0; i < len; i++)
    if (!is_space (b64[i]) && !is_base64 (b64[i]))
      return say (r_text, GPG_ERR_BAD_DATA, "the signature is neither an"
                   " armored OpenPGP signature nor base64");
  if (!(text = malloc (sizeof BEGIN_LINE + len + len / LINE_LEN + 1
                       + sizeof END_LINE)))
    return gpg_error_from_syserror ();
  p = stpcpy (text, BEGIN_LINE);
  /* Lines of 64 characters: a valid value never starts one with the
   * '=' of a checksum line (padding ends a group of four).  */
  for (i = 0; i < len; i++)
    {
      if (is_space (b64[i]))
        continue;
      *p++ = b64[i];
      if (++col == LINE_LEN)
        *p++ = '\n', col = 0;
    }
  if (col)
    *p++ = '\n';
  p = stpcpy (p, END_LINE);
  err = decode_armor (text, (size_t) (p - text), r_buf, r_len, r_text);
  free (text);
  return err;
}

gpg_error_t
sigparam_decode (const char *value, size_t len, int binary_ok,
                 unsigned char **r_buf, size_t *r_len, char **r_text)
{
  const unsigned char *v = (const unsigned char *) value;
  size_t skip;

  *r_buf = NULL;
  *r_len = 0;
  *r_text = NULL;
  if (len > SIGPARAM_MAX)
    return say (r_text, GPG_ERR_TOO_LARGE, "the signature is larger than"
                 " %u bytes", SIGPARAM_MAX);
  if (binary_ok && len && (v[0] & 0x80))
    {
      if (!(*r_buf = malloc (len)))
        return gpg_error_from_syserror ();
      memcpy (*r_buf, value, len);
      *r_len = len;
      return 0;
    }
  for (skip = 0; skip < len && is_space (v[skip]); skip++)
    ;
  if (skip == len)
    return say (r_text, GPG_ERR_NO_DATA, "the signature is empty");
  if (len - skip > 5 && !memcmp (value + skip, "-----", 5))
    return decode_armor (value + skip, len - skip, r_buf, r_len, r_text);
  return decode_base64 (value + skip, len - skip, r_buf, r_len, r_text);
}

gpg_error_t
sigparam_read_file (const char *path, unsigned char **r_buf, size_t *r_len,
                    char **r_text)
{
  gpg_error_t err;
  struct stat st;
  char *buf = NULL;
  size_t len = 0;
  ssize_t n;
  int fd;

  *r_buf = NULL;
  *r_len = 0;
  *r_text = NULL;
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 || fstat (fd, &st))
    {
      err = gpg_error_from_syserror ();
      say (r_text, gpg_err_code (err), "cannot read the signature file"
            " %s: %s", path, gpg_strerror (err));
      goto leave;
    }
  if (!S_ISREG (st.st_mode) || st.st_size > SIGPARAM_MAX)
    {
      err = say (r_text, GPG_ERR_TOO_LARGE, "the signature file %s is %s",
                  path, S_ISREG (st.st_mode) ? "larger than 1 MiB"
                  : "not a regular file");
      goto leave;
    }
  if (!(buf = malloc ((size_t) st.st_size + 1)))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  /* Read at most one byte more than the size: a file that grows is
   * refused below, never read without bound.  */
  while (len <= (size_t) st.st_size
         && (n = read (fd, buf + len, (size_t) st.st_size + 1 - len)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          err = gpg_error_from_syserror ();
          say (r_text, gpg_err_code (err), "cannot read the signature"
                " file %s: %s", path, gpg_strerror (err));
          goto leave;
        }
      len += (size_t) n;
    }
  if (len > (size_t) st.st_size)
    {
      err = say (r_text, GPG_ERR_TOO_LARGE, "the signature file %s grew"
                  " while it was read", path);
      goto leave;
    }
  err = sigparam_decode (buf, len, 1, r_buf, r_len, r_text);

 leave:
  if (fd >= 0)
    close (fd);
  free (buf);
  return err;
}
