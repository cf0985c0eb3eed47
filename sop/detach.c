/* detach.c - "inline-detach" for cleartext-signed messages: the text
 * (dash-escaping undone, without the line break that precedes the
 * signature) to stdout, the signature block to --signatures-out,
 * unarmored by the armor step for --no-armor.  Binary inline-signed
 * messages are refused (BAD_DATA): gpg 2.2 cannot split them.  */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "sop.h"

#define BEGIN_MSG "-----BEGIN PGP SIGNED MESSAGE-----"
#define BEGIN_SIG "-----BEGIN PGP SIGNATURE-----"
#define END_SIG "-----END PGP SIGNATURE-----"

/* The end of the line at P (its newline or the buffer's end).  */
static const char *
line_end (const char *p, const char *end)
{
  const char *nl = memchr (p, '\n', end - p);

  return nl ? nl : end;
}

/* Whether the line [P, E) is S, trailing whitespace aside.  */
static int
line_is (const char *p, const char *e, const char *s)
{
  size_t n = strlen (s);

  while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
    e--;
  return (size_t)(e - p) == n && !memcmp (p, s, n);
}

/* Split BUF into the text (written to TEXT) and the signature block
 * [*R_SIG, *R_SIG + *R_SIGLEN).  */
static int
split (const char *buf, size_t len, FILE *text, const char **r_sig,
       size_t *r_siglen)
{
  const char *p = buf, *end = buf + len, *e, *sig = NULL;
  int first = 1;

  /* Header: the BEGIN line, "Hash:" lines, an empty line.  */
  e = line_end (p, end);
  if (!line_is (p, e, BEGIN_MSG))
    return -1;
  for (p = e + 1; p < end; p = e + 1)
    {
      e = line_end (p, end);
      if (line_is (p, e, ""))
        break;
      if (strncmp (p, "Hash:", 5))
        return -1;
    }
  if (p >= end)
    return -1;
  for (p = e + 1; p < end; p = e + 1)
    {
      e = line_end (p, end);
      if (line_is (p, e, BEGIN_SIG))
        {
          sig = p;
          break;
        }
      if (!first)
        putc ('\n', text);
      first = 0;
      if (e - p >= 2 && p[0] == '-' && p[1] == ' ')
        p += 2;
      /* The line ending is "\r\n" or "\n"; the "\r" stays with the
       * line, the "\n" is written before the next one.  */
      fwrite (p, 1, e - p, text);
    }
  if (!sig)
    return -1;
  for (p = sig; p < end; p = e + 1)
    {
      e = line_end (p, end);
      if (line_is (p, e, END_SIG))
        {
          *r_sig = sig;
          *r_siglen = (e < end ? e + 1 : e) - sig;
          return 0;
        }
    }
  return -1;
}

int
sop_cmd_inline_detach (int argc, char **argv)
{
  static const struct sop_optdef defs[] =
    {
      { "no-armor", 0, 1, 0 },
      { "signatures-out", 1, 1, 0 },
    };
  struct sop_args a;
  struct sop_session s;
  struct sop_step st;
  char *buf = NULL, *text = NULL, *path = NULL;
  const char *sigout, *sig = NULL;
  size_t len = 0, textlen = 0, siglen = 0;
  FILE *fp;
  int rc, fd = -1, outfd = -1, saved = -1;

  memset (&s, 0, sizeof s);
  sop_step_init (&st, "armor");
  rc = sop_args_parse (&a, defs, 2, argc, argv);
  if (rc)
    goto leave;
  sigout = sop_value (&a, "signatures-out");
  if (!sigout)
    {
      sop_error ("--signatures-out is required");
      rc = SOP_MISSING_ARG;
      goto leave;
    }
  rc = sop_check_output (sigout);
  if (!rc)
    rc = sop_read_fd (STDIN_FILENO, "standard input", &buf, &len);
  if (rc)
    goto leave;
  fp = open_memstream (&text, &textlen);
  if (!fp)
    {
      sop_error ("out of core");
      rc = SOP_GENERIC;
      goto leave;
    }
  rc = split (buf, len, fp, &sig, &siglen);
  fclose (fp);
  if (rc)
    {
      sop_error ("the input is not a cleartext-signed message (binary"
                 " inline-signed messages cannot be split)");
      rc = SOP_BAD_DATA;
      goto leave;
    }
  if (!sop_flag (&a, "no-armor"))
    rc = sop_write_indirect (sigout, sig, siglen);
  else
    {
      /* Unarmor with the armor step, then publish.  */
      rc = sop_session_open (&s);
      if (!rc)
        rc = sop_work_store (&s.work, "sig", sig, siglen, &path);
      if (!rc && (fd = open (path, O_RDONLY | O_CLOEXEC)) == -1)
        rc = SOP_GENERIC;
      if (!rc)
        rc = sop_step_add (&st, "mode", "dearmor");
      if (!rc)
        {
          /* sop_session_pipe writes to stdout; point it at a file.  */
          rc = sop_work_tmpfile (&s.work, &outfd);
          if (!rc && ((saved = dup (STDOUT_FILENO)) == -1
                      || dup2 (outfd, STDOUT_FILENO) == -1))
            rc = SOP_GENERIC;
          if (!rc)
            rc = sop_session_pipe (&s, &st, fd, 0, NULL);
          if (saved != -1)
            dup2 (saved, STDOUT_FILENO), close (saved);
        }
      if (!rc)
        {
          char *bin = NULL;
          size_t binlen = 0;
          lseek (outfd, 0, SEEK_SET);
          rc = sop_read_fd (outfd, "the signatures", &bin, &binlen);
          if (!rc)
            rc = sop_write_indirect (sigout, bin, binlen);
          free (bin);
        }
    }
  if (!rc && textlen && (fwrite (text, textlen, 1, stdout) != 1
                         || fflush (stdout)))
    {
      sop_error ("write error");
      rc = SOP_GENERIC;
    }

 leave:
  if (fd != -1)
    close (fd);
  if (outfd != -1)
    close (outfd);
  free (buf);
  free (text);
  free (path);
  sop_step_release (&st);
  sop_session_close (&s);
  sop_args_release (&a);
  return rc;
}
