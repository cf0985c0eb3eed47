/* cli-keys.c - "pgpstep keys": the keys of a pipeline's keyrings.  */
#include <config.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

/* Upper bound of --warn-days (about 270 years).  */
#define WARN_DAYS_MAX 100000

void
cli_keys_help (FILE *fp)
{
  fputs (
"Usage: pgpstep keys PIPELINE [OPTIONS]\n"
"List every key of every keyring of the pipeline described by the file\n"
"PIPELINE: keyring, fingerprint, user IDs, algorithm and size,\n"
"capabilities (of the usable primary key and subkeys), whether the\n"
"secret key is available, creation and expiry (the earliest of the\n"
"primary key and its usable subkeys), and a status: Valid, Critical\n"
"(expires within the warning period), Expired, Revoked or Invalid.\n"
"\n"
"The keyrings are loaded as 'run' would load them (every passphrase is\n"
"checked) but the steps are not created, so a key a step would refuse\n"
"is still listed.\n"
"\n"
"Options:\n"
"      --json           print a JSON array of objects instead of text\n"
"      --warn-days N    Critical when expiring within N days (default 14)\n"
"  -h, --help           show this help\n"
"\n"
"Exit status: 0 (whatever the keys' status), 67 if a passphrase is\n"
"missing or wrong, 78 if a keyring cannot be loaded; see\n"
"'pgpstep --help' for the whole table.\n", fp);
}

static const char *
status_text (pgpstep_key_status_t status)
{
  switch (status)
    {
    case PGPSTEP_KEY_VALID:    return "Valid";
    case PGPSTEP_KEY_CRITICAL: return "Critical";
    case PGPSTEP_KEY_EXPIRED:  return "Expired";
    case PGPSTEP_KEY_REVOKED:  return "Revoked";
    default:                   return "Invalid";
    }
}

static const char *
date_text (long long t, char *buf, size_t size)
{
  time_t tt = t;
  struct tm tm;

  if (!t)
    return "never";
  if (!gmtime_r (&tt, &tm) || !strftime (buf, size, "%Y-%m-%d", &tm))
    return "?";
  return buf;
}

static void
print_text (pgpstep_keylist_t list)
{
  const struct pgpstep_keyinfo *ki;
  const char *const *uid;
  const char *keyring = NULL;
  char created[32], expires[32];
  unsigned int i;

  for (i = 0; (ki = pgpstep_keylist_at (list, i)); i++)
    {
      if (!keyring || strcmp (keyring, ki->keyring))
        printf ("%skeyring %s\n", keyring ? "\n" : "", ki->keyring);
      keyring = ki->keyring;
      printf ("  %s  %s/%u  %s\n", ki->fingerprint, ki->algorithm,
              ki->bits, status_text (ki->status));
      for (uid = ki->user_ids; *uid; uid++)
        printf ("    uid: %s\n", *uid);
      printf ("    capabilities: %s%s%s%s  secret: %s\n",
              (ki->capabilities & PGPSTEP_KEY_CAN_ENCRYPT) ? "encrypt " : "",
              (ki->capabilities & PGPSTEP_KEY_CAN_SIGN) ? "sign " : "",
              (ki->capabilities & PGPSTEP_KEY_CAN_CERTIFY) ? "certify " : "",
              ki->capabilities ? "" : "none ",
              ki->has_secret ? "yes" : "no");
      printf ("    created: %s  expires: %s\n",
              date_text (ki->created, created, sizeof created),
              date_text (ki->expires, expires, sizeof expires));
    }
  if (!i)
    printf ("no keys (the pipeline has no keyring)\n");
}

static int
parse_warn_days (const char *s, unsigned int *r_days)
{
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul (s, &end, 10);
  if (!*s || *end || errno || *s == '-' || *s == '+' || !v
      || v > WARN_DAYS_MAX)
    return cli_usage ("keys", "--warn-days needs a number of days"
                      " (1 to %d), found '%s'", WARN_DAYS_MAX, s);
  *r_days = v;
  return 0;
}

int
cli_keys (const struct cli_globals *g, int argc, char **argv)
{
  enum { OPT_JSON = 256, OPT_WARN_DAYS };
  static const struct option longopts[] =
    {
      { "json",      no_argument,       NULL, OPT_JSON },
      { "warn-days", required_argument, NULL, OPT_WARN_DAYS },
      { "help",      no_argument,       NULL, 'h' },
      { NULL, 0, NULL, 0 }
    };
  gpg_error_t err;
  struct pgpstep_keylist_options opt;
  pgpstep_t host = NULL;
  pgpstep_keylist_t list = NULL;
  char *message = NULL, *json = NULL;
  int c, rc = 0, as_json = 0;

  memset (&opt, 0, sizeof opt);
  opt.struct_size = sizeof opt;
  optind = 0;
  opterr = 0;
  while (!rc && (c = getopt_long (argc, argv, ":h", longopts, NULL)) != -1)
    {
      switch (c)
        {
        case OPT_JSON: as_json = 1; break;
        case OPT_WARN_DAYS: rc = parse_warn_days (optarg, &opt.warn_days);
          break;
        case 'h':
          cli_keys_help (stdout);
          return 0;
        default:
          rc = cli_bad_option ("keys", c, argv);
          break;
        }
    }
  if (rc)
    return rc;
  if (optind >= argc)
    return cli_usage ("keys", "missing PIPELINE");
  if (optind + 1 < argc)
    return cli_usage ("keys", "unexpected argument '%s'", argv[optind + 1]);

  rc = cli_open_host (g, &host);
  if (rc)
    goto leave;
  err = pgpstep_keys_load_file (host, argv[optind], &opt, &list, &message);
  if (!err && as_json)
    err = pgpstep_keylist_to_json (list, &json);
  if (err)
    {
      cli_error ("%s", message ? message : gpg_strerror (err));
      rc = pgpstep_exit_code (err);
      goto leave;
    }
  if (as_json)
    fputs (json, stdout);
  else
    print_text (list);

 leave:
  pgpstep_free (json);
  pgpstep_free (message);
  pgpstep_keylist_release (list);
  if (host)
    pgpstep_release (host);
  return rc;
}
