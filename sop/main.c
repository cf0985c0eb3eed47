/* main.c - pgpstep-sop: subcommand dispatch, version, list-profiles,
 * help.  */
#include <config.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gpgme.h>

#include "sop.h"

const char *sop_progname = "pgpstep-sop";
static const char *command;

struct subcommand
{
  const char *name;
  int (*fn) (int argc, char **argv);
  const char *synopsis;
};

static int cmd_version (int argc, char **argv);
static int cmd_list_profiles (int argc, char **argv);

static const struct subcommand subcommands[] =
  {
    { "version", cmd_version,
      "version [--backend|--extended|--sop-spec]" },
    { "list-profiles", cmd_list_profiles,
      "list-profiles SUBCOMMAND" },
    { "generate-key", sop_cmd_generate_key,
      "generate-key [--no-armor] [--with-key-password=PASSWORD]"
      " [--profile=PROFILE] [--] USERID..." },
    { "extract-cert", sop_cmd_extract_cert,
      "extract-cert [--no-armor] <KEYS >CERTS" },
    { "sign", sop_cmd_sign,
      "sign [--no-armor] [--as=binary|text] [--micalg-out=MICALG]"
      " [--with-key-password=PASSWORD...] [--] KEYS... <DATA >SIGNATURES" },
    { "verify", sop_cmd_verify,
      "verify [--not-before=DATE] [--not-after=DATE] [--] SIGNATURES"
      " CERTS... <DATA >VERIFICATIONS" },
    { "encrypt", sop_cmd_encrypt,
      "encrypt [--as=binary] [--no-armor] [--with-password=PASSWORD]"
      " [--with-key-password=PASSWORD...] [--sign-with=KEYS...]"
      " [--profile=PROFILE] [--] [CERTS...] <DATA >CIPHERTEXT" },
    { "decrypt", sop_cmd_decrypt,
      "decrypt [--with-password=PASSWORD...]"
      " [--with-key-password=PASSWORD...]"
      " [--verifications-out=VERIFICATIONS] [--verify-with=CERTS...]"
      " [--verify-not-before=DATE] [--verify-not-after=DATE] [--]"
      " [KEYS...] <CIPHERTEXT >DATA" },
    { "armor", sop_cmd_armor, "armor <DATA >DATA" },
    { "dearmor", sop_cmd_dearmor, "dearmor <DATA >DATA" },
    { "inline-detach", sop_cmd_inline_detach,
      "inline-detach [--no-armor] --signatures-out=SIGNATURES"
      " <CLEARSIGNED >DATA" },
    { "inline-verify", sop_cmd_inline_verify,
      "inline-verify [--not-before=DATE] [--not-after=DATE]"
      " [--verifications-out=VERIFICATIONS] [--] CERTS..."
      " <SIGNED >DATA" },
    { "inline-sign", sop_cmd_inline_sign,
      "inline-sign [--no-armor] [--as=binary|text|clearsigned]"
      " [--with-key-password=PASSWORD...] [--] KEYS... <DATA >SIGNED" },
  };

#define NSUBCOMMANDS (sizeof subcommands / sizeof *subcommands)


void
sop_error (const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  fprintf (stderr, "%s: %s%s", sop_progname, command ? command : "",
           command ? ": " : "");
  vfprintf (stderr, fmt, ap);
  putc ('\n', stderr);
  va_end (ap);
}

void
sop_set_command (const char *cmd)
{
  command = cmd;
}

static void
usage (FILE *fp)
{
  unsigned int i;

  fprintf (fp, "Usage: %s SUBCOMMAND [OPTIONS] [ARGS]\n"
           "The Stateless OpenPGP command line (%s) on pgpstep"
           " and GnuPG.\n\nSubcommands:\n", sop_progname, SOP_SPEC);
  for (i = 0; i < NSUBCOMMANDS; i++)
    fprintf (fp, "  %s\n", subcommands[i].synopsis);
  fputs ("\nIndirect arguments (keys, certificates, passwords, signatures)"
         " are file names,\n@ENV:NAME or @FD:N.  See pgpstep-sop(1) for"
         " the exit codes.\n", fp);
}


/*
 * version
 */

static const char *
gpg_version (const char **r_path)
{
  gpgme_engine_info_t info;

  *r_path = NULL;
  if (!gpgme_get_engine_info (&info))
    for (; info; info = info->next)
      if (info->protocol == GPGME_PROTOCOL_OpenPGP)
        {
          *r_path = info->file_name;
          return info->version ? info->version : "?";
        }
  return "?";
}

static int
cmd_version (int argc, char **argv)
{
  static const struct sop_optdef defs[] =
    {
      { "backend", 0, 1, 0 },
      { "extended", 0, 1, 0 },
      { "sop-spec", 0, 1, 0 },
    };
  struct sop_args a;
  struct sop_session s;
  const char *path, *steps[] = { "encrypt", "decrypt", "sign", "verify",
                                 "armor" };
  unsigned int i;
  int rc;

  rc = sop_args_parse (&a, defs, 3, argc, argv);
  if (!rc && a.npos)
    {
      sop_error ("unexpected argument '%s'", a.pos[0]);
      rc = SOP_GENERIC;
    }
  if (!rc && sop_flag (&a, "backend") + sop_flag (&a, "extended")
      + sop_flag (&a, "sop-spec") > 1)
    {
      sop_error ("--backend, --extended and --sop-spec exclude each other");
      rc = SOP_INCOMPATIBLE_OPTIONS;
    }
  if (rc)
    goto leave;
  gpgme_check_version (NULL);
  if (sop_flag (&a, "backend"))
    printf ("GnuPG %s (via libpgpstep %s)\n", gpg_version (&path),
            pgpstep_version ());
  else if (sop_flag (&a, "sop-spec"))
    /* "~": implemented in part; the remarks say which part.  */
    printf ("~%s\n\n"
            "Not implemented, answered with UNSUPPORTED_OPTION (37):\n"
            "decrypt --session-key-out and --with-session-key, encrypt"
            " --as=text,\n"
            "more than one encrypt --with-password.  generate-key needs a"
            " USERID.\n"
            "No subcommands change-key-password and revoke-key (69).\n",
            SOP_SPEC);
  else if (sop_flag (&a, "extended"))
    {
      printf ("pgpstep-sop %s\n", PACKAGE_VERSION);
      printf ("Implements %s (in part: see version --sop-spec)\n",
              SOP_SPEC);
      printf ("libpgpstep %s\n", pgpstep_version ());
      printf ("GPGME %s\n", gpgme_check_version (NULL));
      printf ("GnuPG %s", gpg_version (&path));
      printf (path ? " (%s)\n" : "\n", path);
      printf ("libgpg-error %s\n", gpg_error_check_version (NULL));
      /* Which steps the plugins provide decides what works.  */
      rc = sop_session_open (&s);
      if (!rc)
        {
          printf ("Plugin steps:");
          for (i = 0; i < sizeof steps / sizeof *steps; i++)
            printf (" %s%s", steps[i],
                    sop_have_step (&s, steps[i]) ? "" : "(missing)");
          putchar ('\n');
        }
      sop_session_close (&s);
    }
  else
    printf ("pgpstep-sop %s\n", PACKAGE_VERSION);
  if (!rc && (fflush (stdout) || ferror (stdout)))
    rc = SOP_GENERIC;

 leave:
  sop_args_release (&a);
  return rc;
}


/*
 * list-profiles
 */

static int
cmd_list_profiles (int argc, char **argv)
{
  struct sop_args a;
  int rc;

  rc = sop_args_parse (&a, NULL, 0, argc, argv);
  if (rc)
    goto leave;
  if (a.npos != 1)
    {
      sop_error (a.npos ? "expected one SUBCOMMAND" : "missing SUBCOMMAND");
      rc = a.npos ? SOP_GENERIC : SOP_MISSING_ARG;
      goto leave;
    }
  /* The first profile listed is the default.  */
  if (!strcmp (a.pos[0], "generate-key"))
    fputs ("default: Ed25519 signing key with a Curve25519 encryption"
           " subkey\n"
           "rfc4880: RSA 3072 signing key with an RSA 3072 encryption"
           " subkey\n", stdout);
  else if (!strcmp (a.pos[0], "encrypt"))
    fputs ("rfc4880: AES-256, SEIPD v1 (MDC); the only profile\n", stdout);
  else
    {
      sop_error ("subcommand '%s' has no profiles", a.pos[0]);
      rc = SOP_UNSUPPORTED_PROFILE;
    }

 leave:
  sop_args_release (&a);
  return rc;
}


int
main (int argc, char **argv)
{
  unsigned int i;
  int k;

  if (argc < 2)
    {
      usage (stderr);
      return SOP_MISSING_ARG;
    }
  if (!strcmp (argv[1], "--help") || !strcmp (argv[1], "help"))
    {
      usage (stdout);
      return 0;
    }
  for (i = 0; i < NSUBCOMMANDS; i++)
    if (!strcmp (argv[1], subcommands[i].name))
      break;
  if (i == NSUBCOMMANDS)
    {
      sop_error ("unsupported subcommand '%s'", argv[1]);
      return SOP_UNSUPPORTED_SUBCOMMAND;
    }
  sop_set_command (subcommands[i].name);
  for (k = 2; k < argc && strcmp (argv[k], "--"); k++)
    if (!strcmp (argv[k], "--help"))
      {
        printf ("Usage: %s %s\n", sop_progname, subcommands[i].synopsis);
        return 0;
      }
  return subcommands[i].fn (argc - 2, argv + 2);
}
