/* decrypt.c - the decrypt step.
 *
 * Requirements on gpgop (plugins/openpgp/gpgop.h), from the decrypt
 * step; decrypt.c works around each until they are met:
 *
 *  R1 An input filter that fails with EPIPE (or is stopped) only
 *     because gpg exited on its own with a failure is secondary: let
 *     gpgop_run return 0 with run_err 0 so that the caller judges
 *     gpg's status (today EPIPE may win the race and turn "corrupt
 *     message" (41) into an I/O error (74); decrypt ignores an
 *     input EPIPE).
 *  R2 GPGOP_FILTER_NONE with a prefix: move the rest of the source
 *     with splice(2) when both ends are pipes (binary input from a
 *     pipe is copied by a thread now).
 *  R3 Report whether the input side read its source to the end
 *     (input_eof): an armored input's checksum is verified at its
 *     END line, and the step must know the decoder got there before
 *     it releases anything.  Today decrypt relies on gpg reading its
 *     stdin to EOF before exiting 0 (observed with gpg 2.2.40), which
 *     closes the pipe only after armor_decode_finish.
 *
 * The step: find the message's format and kind with the packet peek,
 * refuse what must not be decrypted (legacy SED without
 * allow-legacy-no-mdc, v6/SEIPDv2, not a message), run gpg with the
 * host's spool as its stdout, and return 0 only when gpg exited 0
 * (or with a code that a signature, or a failed trial of a key on a
 * hidden recipient's PKESK, explains: see below), its status shows a
 * complete, integrity-protected decryption and the signature policy
 * (policy.h) holds: only then does the host release the spool.
 * Errors name their cause (explain.c).
 */
#include <config.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pgpstep/pgpstep.h>

#include "packet.h"
#include "status.h"
#include "keys.h"
#include "gpgop.h"
#include "policy.h"
#include "explain.h"
#include "result.h"
#include "signer.h"
#include "stepio.h"

#define DEFAULT_MAX_OUTPUT "16G"

static const char *const output_values[] =
  { "plaintext", "unwrapped", NULL };

#define PARAM(name, type, flags, dflt, allowed, min, max, desc)         \
  { sizeof (struct pgpstep_param), name, type, flags, dflt, allowed,   \
    min, max, desc }

static const struct pgpstep_param decrypt_params[] = {
  PARAM ("keyring", PGPSTEP_TYPE_KEYRING, PGPSTEP_PARAM_REPEATABLE, NULL,
         NULL, 0, 0, "Keyring whose secret keys may decrypt (repeatable);"
         " the key is found from the message."),
  PARAM ("password", PGPSTEP_TYPE_SECRET, 0, NULL, NULL, 0, 0,
         "Secret reference of the password of password-encrypted"
         " messages."),
  POLICY_PARAM_SIGNATURES,
  POLICY_PARAMS_COMMON,
  PARAM ("output", PGPSTEP_TYPE_ENUM, 0, "plaintext", output_values, 0, 0,
         "plaintext, or unwrapped: the inner signed message for a later"
         " verify step (its signatures are not checked here)."),
  PARAM ("allow-legacy-no-mdc", PGPSTEP_TYPE_BOOL, 0, "false", NULL, 0, 0,
         "Accept legacy messages without integrity protection (SED,"
         " packet tag 9)."),
  PARAM ("max-output-bytes", PGPSTEP_TYPE_SIZE, 0, DEFAULT_MAX_OUTPUT,
         NULL, 1, 1LL << 60, "Largest plaintext accepted, against"
         " decompression bombs (default 16G)."),
  PARAM (NULL, 0, 0, NULL, NULL, 0, 0, NULL)
};

/* The state of one step: read-only after create.  */
struct decrypt
{
  const struct pgpstep_host *host;
  const char *homedir;          /* The host's (empty without keyring). */
  const char *password_ref;
  const char *password;         /* Borrowed from the host.  */
  size_t password_len;
  struct policy policy;
  keys_index_t index;           /* NULL without keyring.  */
  char *keyrings;               /* "keyrings a, b" for texts.  */
  struct signer_keys signers;   /* INDEX and KEYRINGS for the policy.  */
  unsigned int unwrap:1;
  unsigned int allow_sed:1;
  unsigned long long max_output;
  char max_output_arg[24];
};


/* Create.  */

static int
is_true (const char *s)
{
  return s && !strcmp (s, "true");
}

/* "keyring a" or "keyrings a, b" (malloced).  */
static char *
describe_keyrings (const struct pgpstep_host *host, pgpstep_config_t cfg)
{
  unsigned int i, n = host->config_count (cfg, "keyring");
  char *s = NULL, *t;

  for (i = 0; i < n; i++)
    {
      if (asprintf (&t, "%s%s%s", s ? s : (n > 1 ? "keyrings " : "keyring "),
                    i ? ", " : "", host->config_value (cfg, "keyring", i)) < 0)
        t = NULL;
      free (s);
      if (!(s = t))
        return NULL;
    }
  return s;
}

static int
index_has_secret_decryption_key (keys_index_t index)
{
  const struct keys_key *key;
  unsigned int i, j;

  for (i = 0; i < keys_index_count (index); i++)
    {
      key = keys_index_at (index, i);
      for (j = 0; j < key->nsubkeys; j++)
        if (key->subkeys[j].secret && key->subkeys[j].can_encrypt)
          return 1;
    }
  return 0;
}

static void
decrypt_destroy (void *state)
{
  struct decrypt *d = state;

  if (!d)
    return;
  policy_release (&d->policy);
  keys_index_release (d->index);
  free (d->keyrings);
  free (d);
}

/* Homes and keys.  */
static gpg_error_t
setup_keys (struct decrypt *d, pgpstep_config_t cfg)
{
  const struct pgpstep_host *host = d->host;
  gpg_error_t err;
  const char *home = NULL;

  if (!d->keyrings && !d->password)
    {
      err = gpg_error (GPG_ERR_CONFIGURATION);
      host->config_error (cfg, err, "keyring", "decrypt needs a keyring"
                          " holding a secret key, or a password");
      return err;
    }
  /* Without keyrings the host's home is an empty one that it manages
   * (and stops any agent gpg starts there): enough for a password.  */
  err = host->config_gnupg_home (cfg, &home);
  if (err)
    {
      host->config_error (cfg, err, "keyring", "no GnuPG home for the"
                          " step%s: %s", d->keyrings ? "'s keyrings" : "",
                          gpg_strerror (err));
      return err;
    }
  d->homedir = home;
  if (!d->keyrings)
    return 0;                   /* No keys to index: INDEX stays NULL.  */

  err = keys_index_new (home, d->keyrings, &d->index);
  if (err)
    {
      host->config_error (cfg, err, "keyring", "cannot list the keys of %s:"
                          " %s", d->keyrings ? d->keyrings : home,
                          keys_strerror (err));
      return err;
    }
  if (!d->password && !index_has_secret_decryption_key (d->index))
    {
      err = gpg_error (GPG_ERR_CONFIGURATION);
      host->config_error (cfg, err, "keyring", "%s hold%s no secret key that"
                          " can decrypt, and the step has no password",
                          d->keyrings ? d->keyrings : home,
                          d->keyrings && !strncmp (d->keyrings, "keyrings",
                                                   8) ? "" : "s");
      return err;
    }
  return 0;
}

static gpg_error_t
decrypt_create (const struct pgpstep_host *host, pgpstep_config_t cfg,
                void **r_state)
{
  gpg_error_t err;
  struct decrypt *d;
  const struct policy *pol;
  const char *s, *who;
  char *end;

  *r_state = NULL;
  if (!(d = calloc (1, sizeof *d)))
    return gpg_error_from_syserror ();
  d->host = host;

  d->password_ref = host->config_value (cfg, "password", 0);
  if (d->password_ref)
    {
      err = host->config_secret (cfg, d->password_ref, &d->password,
                                 &d->password_len);
      if (err)
        {
          host->config_error (cfg, err, "password", "password %s is not"
                              " available: %s", d->password_ref,
                              gpg_strerror (err));
          goto leave;
        }
    }
  if (host->config_count (cfg, "keyring")
      && !(d->keyrings = describe_keyrings (host, cfg)))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  err = setup_keys (d, cfg);
  if (err)
    goto leave;

  d->signers.index = d->index;
  d->signers.keyrings = d->keyrings;
  err = policy_from_config (&d->policy, host, cfg, 0, signer_resolve,
                            &d->signers);
  if (err)
    goto leave;
  pol = &d->policy;
  /* A signature can only be checked with its certificate at hand.  */
  if ((who = signer_unknown (pol, d->index)))
    {
      err = gpg_error (GPG_ERR_CONFIGURATION);
      host->config_error (cfg, err, "allowed-signer", "allowed-signer 0x%s"
                          " is not a primary key in %s", who,
                          d->keyrings ? d->keyrings : "the step's keyrings");
      goto leave;
    }

  s = host->config_value (cfg, "output", 0);
  d->unwrap = s && !strcmp (s, "unwrapped");
  if (d->unwrap)
    {
      /* gpg --unwrap checks no signature: the verify step after us
       * does.  A policy here would promise what does not happen.  */
      if ((pol->mode_given && pol->mode != POLICY_IGNORE) || pol->nallowed
          || pol->ndynamic || pol->require_all || pol->allow_legacy
          || pol->not_before || pol->not_after)
        {
          err = gpg_error (GPG_ERR_CONFIGURATION);
          host->config_error (cfg, err, "output", "output=unwrapped leaves"
                              " the signatures to a verify step after this"
                              " one: remove the signature parameters (or"
                              " set signatures=ignore)");
          goto leave;
        }
      d->policy.mode = POLICY_IGNORE;
    }
  d->allow_sed = is_true (host->config_value (cfg, "allow-legacy-no-mdc",
                                              0));
  s = host->config_value (cfg, "max-output-bytes", 0);
  d->max_output = strtoull (s ? s : "0", &end, 10);
  /* The host gives bytes; a suffix only in a host that passes the
   * table's default as written.  */
  if (*end == 'K' || *end == 'M' || *end == 'G')
    d->max_output <<= (*end++ == 'K' ? 10 : end[-1] == 'M' ? 20 : 30);
  if (!s || *end || !d->max_output)
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      host->config_error (cfg, err, "max-output-bytes", "expected a byte"
                          " count");
      goto leave;
    }
  snprintf (d->max_output_arg, sizeof d->max_output_arg, "%llu",
            d->max_output);

 leave:
  if (err)
    decrypt_destroy (d);
  else
    *r_state = d;
  return err;
}


/* Process.  */

static gpg_error_t
passphrase_cb (void *opaque, const char *keyid, const char *main_keyid,
               const char **r_pass, size_t *r_len)
{
  const struct decrypt *d = opaque;

  (void) main_keyid;
  /* Runtime homes hold unprotected keys: only a password is asked.  */
  if (keyid || !d->password)
    return gpg_error (GPG_ERR_NO_PASSPHRASE);
  *r_pass = d->password;
  *r_len = d->password_len;
  return 0;
}

/* gpg's status lines show a complete decryption, whatever its exit
 * code says (judged separately): session key, all data, no failure,
 * and the integrity check passed (MDC or AEAD), or, for a legacy SED
 * message let in by allow-legacy-no-mdc, no MDC at all.  */
static int
decryption_complete (status_result_t st, int sed)
{
  if (st->overflow || st->malformed || st->failures || st->fatal_errors
      || st->nodata || st->unexpected || st->badmdc || st->decryption_failed
      || st->bad_passphrase || st->missing_passphrase
      || st->passphrase_pending)
    return 0;
  if (!(st->begin_decryption && st->decryption_info && st->decryption_okay
        && st->end_decryption && st->plaintext_count <= 1))
    return 0;
  if (sed)
    return !st->goodmdc && !st->mdc_method;
  return st->goodmdc || st->aead_algo;
}

/* gpg's exit code mixes decryption and signatures: a signature it
 * could not check (unknown key: 2, expired signature: 1) fails the
 * run even when the plaintext is complete.  Such an exit code is
 * explained when a signature gave gpg that reason and either the
 * policy refuses the message anyway, or it accepted another signature,
 * whose check covers every byte of the literal data (a late data
 * failure such as a bad OCB tag would have made it a bad signature).
 * --max-output fails silently: never explained.  */
static int
exit_explained_by_signatures (const struct explain_run *run,
                              const struct policy_verdict *verdict)
{
  status_result_t st = run->res->status;
  unsigned int i;

  if (run->res->exit_status != 1 && run->res->exit_status != 2)
    return 0;
  if ((!verdict->err && verdict->accepted < 0)
      || explain_max_output_exceeded (run))
    return 0;
  for (i = 0; i < st->nsigs; i++)
    if (st->sigs[i].status != STATUS_SIG_VALID)
      return 1;
  return 0;
}

/* Hidden recipients (encrypt's hidden-recipients, gpg --throw-keyids:
 * every PKESK has key ID 0).  Observed with gpg 2.2.40 (transcripts
 * decrypt-hidden-* in tests/data/gpg/status):
 *
 *  - gpg takes the PKESKs in order and tries each of its secret keys
 *    of the PKESK's algorithm on an anonymous one until one gives the
 *    session key.  A wrong ECDH (cv25519) key fails in the AES key
 *    unwrap, which ecdh.c reports with log_error ("ecdh failed in
 *    gcry_cipher_decrypt: Checksum error"): gpg goes on to the next
 *    PKESK, decrypts, writes the correct plaintext, prints
 *    DECRYPTION_OKAY, GOODMDC, END_DECRYPTION and exits 2.  A wrong
 *    RSA key fails silently (exit 0).  So alice+carol hidden: carol's
 *    step gets exit 2; alice+bob hidden: bob's gets exit 0 (his RSA key
 *    is not tried on alice's ECDH PKESK).
 *  - No status line shows the failed trial: the transcript is that of
 *    a clean decryption (ENC_TO 0000000000000000 for each PKESK,
 *    DECRYPTION_KEY after the ENC_TO that worked, NO_SECKEY
 *    0000000000000000), the same lines, exit code included, as a
 *    message exceeding --max-output (stderr "exceeded --max-output
 *    limit") or a tampered OCB message.  Only the order tells: the
 *    ENC_TO that gave the session key (STATUS decryption_esk) comes
 *    after an anonymous ECDH one.
 *  - No option avoids the exit 2: --try-secret-key FPR (primary or
 *    subkey!), --try-all-secrets, --default-key, --no-default-keyring,
 *    --quiet all still exit 2; --skip-hidden-recipients does not
 *    decrypt at all.
 *  - gpg does not notice a failed write of the plaintext to its stdout
 *    at all (/dev/full: exit 0), with or without hidden recipients.
 *
 * So exit 2 is explained by a failed trial only when nothing else can
 * have caused it: an SEIPD v1 (MDC) message per the peek (never OCB
 * or legacy SED) whose status shows a complete decryption with GOODMDC
 * and no ERROR, FAILURE or WARNING line; the session key came from a
 * PKESK after an anonymous ECDH one; max-output was not reached (the
 * spool also has PLAINTEXT_LENGTH bytes for binary literal data); and
 * gpg got the input to its end.  Signatures are judged by the policy
 * as always.  */
static int
exit_explained_by_hidden_recipient (const struct explain_run *run,
                                    int unwrap, int input_complete)
{
  const struct gpgop_result *res = run->res;
  status_result_t st = res->status;
  unsigned int i, esk = st->decryption_esk;
  int ecdh_tried = 0;

  if (res->exit_status != 2 || run->peek->container != PACKET_CONT_SEIPD1
      || !input_complete)
    return 0;
  if (st->mdc_method != 2 || !st->goodmdc || st->aead_algo || st->badmdc
      || st->decryption_failed || st->errors || st->failures
      || st->warnings || st->gpg_exit_code || st->plaintext_count != 1)
    return 0;
  if (esk < 2 || esk > st->nrecp)
    return 0;
  for (i = 0; i + 1 < esk; i++)
    if (st->recp[i].anonymous && st->recp[i].pubkey_algo == 18 /*ECDH*/)
      ecdh_tried = 1;
  if (!ecdh_tried || explain_max_output_exceeded (run))
    return 0;
  if (!unwrap && st->have_plaintext_length && st->plaintext_format == 'b'
      && run->output_known && run->output_size != st->plaintext_length)
    return 0;
  return 1;
}

/* Size of what gpg wrote to the spool, for naming a max-output
 * failure; 0 and *R_KNOWN 0 when unknown.  */
static unsigned long long
output_size (const struct pgpstep_sink *out, int *r_known)
{
  struct stat st;

  *r_known = 0;
  if (out->fd < 0 || fstat (out->fd, &st) || !S_ISREG (st.st_mode))
    return 0;
  *r_known = 1;
  return (unsigned long long) st.st_size;
}

/* The message's allowed signers must be keys of the step.  */
static gpg_error_t
check_message_signers (const struct decrypt *d, const struct policy *pol,
                       pgpstep_message_t msg)
{
  const char *who;
  gpg_error_t err;

  if (!d->policy.ndynamic || !(who = signer_unknown (pol, d->index)))
    return 0;
  err = gpg_error (GPG_ERR_NO_PUBKEY);
  d->host->error (msg, err, "allowed-signer", "allowed-signer 0x%s (from a"
                  " header) is not a primary key in %s", who,
                  d->keyrings ? d->keyrings : "the step's keyrings");
  return err;
}

/* gpg's arguments for this run into ARGS (room for 12).  */
static void
build_args (const struct decrypt *d, const struct policy *pol, int sed,
            const char **args)
{
  int n = 0;

  args[n++] = "--trust-model";
  args[n++] = "always";
  args[n++] = "--max-output";
  args[n++] = d->max_output_arg;
  /* Only for a message the peek found to have no MDC at all: never
   * to get past a failed check of one that has.  */
  if (sed)
    args[n++] = "--ignore-mdc-error";
  if (d->unwrap)
    args[n++] = "--unwrap";
  else if (pol->mode == POLICY_IGNORE)
    args[n++] = "--skip-verify";
  args[n++] = "--decrypt";
  args[n] = NULL;
}

/* Run gpg on the message: the peeked bytes BUF[0..LEN) and the rest
 * of SOURCE in, the spool OUT as gpg's stdout.  Returns gpgop_run's
 * error; R_RES as from gpgop_run.  */
static gpg_error_t
run_gpg (const struct decrypt *d, const struct policy *pol,
         pgpstep_message_t msg, struct pgpstep_source *source,
         const struct pgpstep_sink *out, const unsigned char *buf,
         size_t len, const struct packet_peek *peek,
         struct gpgop_result *r_res)
{
  const struct pgpstep_host *host = d->host;
  struct gpgop_spec spec;
  const char *args[12];

  memset (&spec, 0, sizeof spec);
  if (host->gnupg_home (msg, &spec.homedir) || !spec.homedir)
    spec.homedir = d->homedir;
  build_args (d, pol, peek->container == PACKET_CONT_SED, args);
  spec.args = args;
  spec.input.fd = source->fd;
  if (source->fd < 0)
    {
      spec.input.read = source->read;
      spec.input.handle = source->handle;
    }
  if (peek->format == PACKET_FMT_ARMORED)
    spec.input.filter = GPGOP_FILTER_DEARMOR;
  if (peek->format == PACKET_FMT_ARMORED || !stepio_rewind_source (source->fd, len))
    {
      spec.input.prefix = buf;
      spec.input.prefix_len = len;
    }
  spec.output.fd = out->fd;
  if (out->fd < 0)
    {
      spec.output.write = out->write;
      spec.output.handle = out->handle;
    }
  spec.cancel_fd = host->cancel_fd (msg);
  spec.passphrase_cb = passphrase_cb;
  spec.opaque = (void *) d;
  return gpgop_run (&spec, r_res);
}

static gpg_error_t
decrypt_process (void *state, pgpstep_message_t msg,
                 struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  const struct decrypt *d = state;
  const struct pgpstep_host *host = d->host;
  gpg_error_t err;
  struct policy pol;
  struct policy_verdict verdict;
  struct packet_peek *peek = NULL;
  struct explain_run run;
  struct gpgop_result res;
  struct pgpstep_sink *out = NULL;
  unsigned char *buf = NULL;
  size_t len = 0;
  int eof, sed, ok = 0;
  const char *key = NULL;
  char *text = NULL;           /* Set: report it with HOST->error.  */

  (void) sink;  /* Output goes to the spool only.  */
  memset (&res, 0, sizeof res);
  memset (&verdict, 0, sizeof verdict);
  err = policy_from_message (&pol, &d->policy, host, msg);
  if (err)
    return err;
  err = check_message_signers (d, &pol, msg);
  if (err)
    goto leave;

  buf = malloc (PACKET_PEEK_MAX);
  peek = malloc (sizeof *peek);
  if (!buf || !peek)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  err = stepio_read_peek (source, buf, PACKET_PEEK_MAX, &len, &eof);
  if (err)
    {
      if (gpg_err_code (err) != GPG_ERR_CANCELED)
        host->error (msg, err, NULL, "reading the input failed: %s",
                     gpg_strerror (err));
      goto leave;
    }
  err = packet_peek (buf, len, eof, peek);
  if (err)
    goto leave;

  memset (&run, 0, sizeof run);
  run.peek = peek;
  run.eof = eof;
  run.index = d->index;
  run.keyrings = d->keyrings;
  run.password_ref = d->password_ref;
  run.max_output = d->max_output;
  err = explain_peek (&run, len, d->allow_sed, &text, &key);
  if (err)
    goto leave;
  sed = peek->container == PACKET_CONT_SED;

  err = host->open_spool (msg, &out);
  if (err)
    {
      host->error (msg, err, NULL, "cannot open a spool for the plaintext:"
                   " %s", gpg_strerror (err));
      goto leave;
    }
  run.rc = run_gpg (d, &pol, msg, source, out, buf, len, peek, &res);
  run.res = &res;
  run.output_size = output_size (out, &run.output_known);
  if (host->cancelled (msg) || gpg_err_code (run.rc) == GPG_ERR_CANCELED)
    {
      err = gpg_error (GPG_ERR_CANCELED);
      goto leave;
    }
  if (res.diag)
    host->log (msg, PGPSTEP_LOG_DEBUG, "gpg said: %s", res.diag);

  /* Release only after exit 0 (or an exit code that the signatures
   * or a hidden recipient explain), a complete integrity-protected
   * decryption and the policy: the host releases the spool when we
   * return 0.  */
  if (!run.rc && decryption_complete (res.status, sed))
    {
      err = policy_evaluate (&pol, res.status, &verdict);
      if (err)
        goto leave;
      if (res.exit_status == 0)
        ok = sed || status_decrypt_ok (res.status);
      else
        ok = (exit_explained_by_signatures (&run, &verdict)
              || (!sed && exit_explained_by_hidden_recipient
                  (&run, d->unwrap, stepio_input_complete (source, &res))));
    }
  if (!ok)
    {
      err = explain_failure (&run, &text, &key);
      goto leave;
    }

  /* The signature headers also on refusal: they say why.  */
  err = policy_set_headers (&pol, &verdict, res.status, host, msg);
  if (!err && !verdict.err)
    err = result_set_headers (host, msg, res.status, peek);
  if (!err && verdict.err)
    {
      err = verdict.err;
      key = "signatures";
      text = verdict.text;
      verdict.text = NULL;
    }

 leave:
  if (err && text && gpg_err_code (err) != GPG_ERR_CANCELED)
    host->error (msg, err, key, "%s", text);
  free (text);
  policy_verdict_release (&verdict);
  gpgop_result_release (&res);
  policy_release (&pol);
  free (peek);
  free (buf);
  return err;
}


/* The module.  */

static const struct pgpstep_step decrypt_step = {
  sizeof (struct pgpstep_step),
  "decrypt",
  "Decrypt an OpenPGP message; release it only when it is intact and"
  " its signatures meet the policy.",
  decrypt_params,
  PGPSTEP_STEP_NONE,
  decrypt_create,
  decrypt_process,
  decrypt_destroy
};

static const struct pgpstep_step *const decrypt_steps[] =
  { &decrypt_step, NULL };

static const struct pgpstep_module decrypt_module = {
  sizeof (struct pgpstep_module),
  PGPSTEP_ABI_MAJOR,
  PGPSTEP_ABI_MINOR,
  "decrypt",
  PACKAGE_VERSION,
  "OpenPGP decryption with gpg, signature policy and no release of"
  " unverified plaintext.",
  decrypt_steps
};

PGPSTEP_EXPORT gpg_error_t
pgpstep_module_init (const struct pgpstep_host *host,
                     const struct pgpstep_module **r_module)
{
  (void) host;
  *r_module = &decrypt_module;
  return 0;
}
