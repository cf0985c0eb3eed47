/* teststeps.c - the "teststeps" module: steps for testing the host.
 *
 *   cat          copy source to sink
 *   fail         copy AFTER bytes, then fail with CODE, MESSAGE, KEY
 *   stall        read nothing; wait until cancelled
 *   spool-cat    copy source into the spool; FAIL-AT-END rejects it
 *   set-header   copy; set result header NAME=VALUE
 *   typed        one parameter of every type; copy; set typed.key
 *   create-fail  create refuses with REASON
 *   home         set test.home to the message's GnuPG home; wait until
 *                MEET messages are in this step at once (10 s at most)
 *
 * All steps but stall read their source to the end through the read
 * callback (fail stops early on purpose).  Used by the unit tests
 * (linked in) and by the CLI tests (as tests/plugins/.libs/teststeps.so).
 * A step's state is the services table given to its create.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <pgpstep/pgpstep.h>

#define COPY_BUFFER 65536


/* The errno of a failed callback as an error code; ECANCELED is the
 * host telling us the message was cancelled.  */
static gpg_error_t
stream_error (void)
{
  if (errno == ECANCELED)
    return gpg_error (GPG_ERR_CANCELED);
  return gpg_error_from_syserror ();
}

/* Copy SOURCE to SINK: LIMIT bytes at most, or everything up to the
 * end when LIMIT is negative.  */
static gpg_error_t
copy (struct pgpstep_source *source, struct pgpstep_sink *sink,
      long long limit)
{
  char buffer[COPY_BUFFER];
  size_t want;
  ssize_t n;

  while (limit)
    {
      want = sizeof buffer;
      if (limit > 0 && (unsigned long long) limit < want)
        want = limit;
      n = source->read (source->handle, buffer, want);
      if (n < 0)
        return stream_error ();
      if (!n)
        break;
      if (sink->write (sink->handle, buffer, n) < 0)
        return stream_error ();
      if (limit > 0)
        limit -= n;
    }
  return 0;
}

/* Parse a SIZE value ("123", "4K", "1M", "2G").  */
static long long
parse_size (const char *s)
{
  char *end;
  long long n;

  if (!s)
    return 0;
  n = strtoll (s, &end, 10);
  switch (*end)
    {
    case 'G': case 'g': n *= 1024;  /* fall through */
    case 'M': case 'm': n *= 1024;  /* fall through */
    case 'K': case 'k': n *= 1024; break;
    default: break;
    }
  return n < 0 ? 0 : n;
}

static int
param_is_true (const struct pgpstep_host *host, pgpstep_message_t msg,
               const char *name)
{
  const char *s = host->param_value (msg, name, 0);

  return s && !strcmp (s, "true");
}

/* The state of every step is the services table it was created with:
 * a static pointer set at init would dangle when one of several hosts
 * in the process is released.  */
static gpg_error_t
no_create (const struct pgpstep_host *h, pgpstep_config_t cfg,
           void **r_state)
{
  (void) cfg;
  *r_state = (void *) h;
  return 0;
}

static void
no_destroy (void *state)
{
  (void) state;
}

#define PARAM(name, type, flags, dflt, allowed, min, max, desc)         \
  { sizeof (struct pgpstep_param), name, type, flags, dflt, allowed,   \
    min, max, desc }
#define PARAM_END PARAM (NULL, 0, 0, NULL, NULL, 0, 0, NULL)

#define STEP(type, summary, params, create, process)                   \
  { sizeof (struct pgpstep_step), type, summary, params,               \
    PGPSTEP_STEP_NONE, create, process, no_destroy }


/* cat */

static const struct pgpstep_param no_params[] = { PARAM_END };

static gpg_error_t
cat_process (void *state, pgpstep_message_t msg,
             struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  (void) state;
  (void) msg;
  return copy (source, sink, -1);
}

static const struct pgpstep_step cat_step =
  STEP ("cat", "Copy the input to the output.", no_params,
        no_create, cat_process);


/* fail */

static const char *const fail_codes[] =
  { "bad-data", "io", "config", "no-seckey", "bad-signature",
    "unusable-pubkey", NULL };
static const gpg_err_code_t fail_code_values[] =
  { GPG_ERR_BAD_DATA, GPG_ERR_EIO, GPG_ERR_CONFIGURATION,
    GPG_ERR_NO_SECKEY, GPG_ERR_BAD_SIGNATURE, GPG_ERR_UNUSABLE_PUBKEY };

static const struct pgpstep_param fail_params[] = {
  PARAM ("after", PGPSTEP_TYPE_SIZE, 0, "0", NULL, 0, 0,
         "Bytes copied to the output before failing."),
  PARAM ("code", PGPSTEP_TYPE_ENUM, 0, "bad-data", fail_codes, 0, 0,
         "The error to fail with."),
  PARAM ("message", PGPSTEP_TYPE_STRING, 0, "test failure", NULL, 0, 0,
         "The error text."),
  PARAM ("key", PGPSTEP_TYPE_STRING, 0, NULL, NULL, 0, 0,
         "The key reported as at fault."),
  PARAM_END
};

static gpg_err_code_t
fail_code (const char *name)
{
  unsigned int i;

  for (i = 0; name && fail_codes[i]; i++)
    if (!strcmp (fail_codes[i], name))
      return fail_code_values[i];
  return GPG_ERR_BAD_DATA;
}

static gpg_error_t
fail_process (void *state, pgpstep_message_t msg,
              struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  const struct pgpstep_host *host = state;
  gpg_error_t err;
  const char *text = host->param_value (msg, "message", 0);

  err = copy (source, sink, parse_size (host->param_value (msg, "after", 0)));
  if (err)
    return err;
  err = gpg_error (fail_code (host->param_value (msg, "code", 0)));
  host->error (msg, err, host->param_value (msg, "key", 0), "%s",
               text ? text : "test failure");
  return err;
}

static const struct pgpstep_step fail_step =
  STEP ("fail", "Copy some bytes, then fail.", fail_params,
        no_create, fail_process);


/* stall */

static gpg_error_t
stall_process (void *state, pgpstep_message_t msg,
               struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  const struct pgpstep_host *host = state;
  struct pollfd pfd;

  (void) source;
  (void) sink;
  pfd.fd = host->cancel_fd (msg);
  pfd.events = POLLIN;
  while (!host->cancelled (msg))
    {
      pfd.revents = 0;
      if (poll (&pfd, 1, -1) < 0 && errno != EINTR)
        return gpg_error_from_syserror ();
    }
  return gpg_error (GPG_ERR_CANCELED);
}

static const struct pgpstep_step stall_step =
  STEP ("stall", "Read nothing and wait until cancelled.", no_params,
        no_create, stall_process);


/* spool-cat */

static const struct pgpstep_param spool_params[] = {
  PARAM ("fail-at-end", PGPSTEP_TYPE_BOOL, 0, "false", NULL, 0, 0,
         "Reject the spooled data after copying all of it."),
  PARAM_END
};

static gpg_error_t
spool_process (void *state, pgpstep_message_t msg,
               struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  const struct pgpstep_host *host = state;
  gpg_error_t err;
  struct pgpstep_sink *spool;

  (void) sink;
  err = host->open_spool (msg, &spool);
  if (err)
    return err;
  err = copy (source, spool, -1);
  if (!err && param_is_true (host, msg, "fail-at-end"))
    {
      err = gpg_error (GPG_ERR_BAD_DATA);
      host->error (msg, err, NULL, "spooled data rejected");
    }
  return err;
}

static const struct pgpstep_step spool_step =
  STEP ("spool-cat", "Copy the input through the spool.", spool_params,
        no_create, spool_process);


/* set-header */

static const struct pgpstep_param set_header_params[] = {
  PARAM ("name", PGPSTEP_TYPE_STRING, PGPSTEP_PARAM_REQUIRED, NULL, NULL,
         0, 0, "Name of the result header."),
  PARAM ("value", PGPSTEP_TYPE_STRING,
         PGPSTEP_PARAM_REQUIRED | PGPSTEP_PARAM_HEADER_OK, NULL, NULL, 0, 0,
         "Value of the result header."),
  PARAM_END
};

static gpg_error_t
set_header_process (void *state, pgpstep_message_t msg,
                    struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  const struct pgpstep_host *host = state;
  gpg_error_t err;

  err = copy (source, sink, -1);
  if (!err)
    err = host->set_header (msg, host->param_value (msg, "name", 0),
                            host->param_value (msg, "value", 0));
  return err;
}

static const struct pgpstep_step set_header_step =
  STEP ("set-header", "Copy the input and set a result header.",
        set_header_params, no_create, set_header_process);


/* typed */

static const char *const colours[] = { "red", "green", "blue", NULL };

static const struct pgpstep_param typed_params[] = {
  PARAM ("text", PGPSTEP_TYPE_STRING, 0, NULL, NULL, 0, 0, "A string."),
  PARAM ("flag", PGPSTEP_TYPE_BOOL, 0, "false", NULL, 0, 0, "A boolean."),
  PARAM ("count", PGPSTEP_TYPE_INT, 0, NULL, NULL, 1, 10,
         "An integer from 1 to 10."),
  PARAM ("choice", PGPSTEP_TYPE_ENUM, 0, NULL, colours, 0, 0,
         "A colour."),
  PARAM ("key", PGPSTEP_TYPE_KEY, PGPSTEP_PARAM_HEADER_OK, NULL, NULL, 0, 0,
         "A key; copied to the result header typed.key."),
  PARAM ("list", PGPSTEP_TYPE_STRING, PGPSTEP_PARAM_REPEATABLE, NULL, NULL,
         0, 0, "A repeatable string."),
  PARAM ("needed", PGPSTEP_TYPE_STRING, PGPSTEP_PARAM_REQUIRED, NULL, NULL,
         0, 0, "A required string."),
  PARAM ("size", PGPSTEP_TYPE_SIZE, 0, NULL, NULL, 0, 0, "A size."),
  PARAM ("when", PGPSTEP_TYPE_TIME, 0, NULL, NULL, 0, 0, "A time."),
  PARAM ("secret", PGPSTEP_TYPE_SECRET, 0, NULL, NULL, 0, 0,
         "A secret reference."),
  PARAM ("keyring", PGPSTEP_TYPE_KEYRING, PGPSTEP_PARAM_REPEATABLE, NULL,
         NULL, 0, 0, "A keyring of the pipeline."),
  PARAM_END
};

static gpg_error_t
typed_process (void *state, pgpstep_message_t msg,
               struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  const struct pgpstep_host *host = state;
  gpg_error_t err;
  const char *key;

  err = copy (source, sink, -1);
  if (!err && (key = host->param_value (msg, "key", 0)))
    err = host->set_header (msg, "typed.key", key);
  return err;
}

static const struct pgpstep_step typed_step =
  STEP ("typed", "Take a parameter of every type and copy the input.",
        typed_params, no_create, typed_process);


/* create-fail */

static const struct pgpstep_param create_fail_params[] = {
  PARAM ("reason", PGPSTEP_TYPE_STRING, 0, "always", NULL, 0, 0,
         "Text of the refusal."),
  PARAM_END
};

static gpg_error_t
create_fail_create (const struct pgpstep_host *h, pgpstep_config_t cfg,
                    void **r_state)
{
  const char *reason = h->config_value (cfg, "reason", 0);

  *r_state = NULL;
  h->config_error (cfg, gpg_error (GPG_ERR_CONFIGURATION), "reason",
                   "create refused: %s", reason ? reason : "always");
  return gpg_error (GPG_ERR_CONFIGURATION);
}

static gpg_error_t
create_fail_process (void *state, pgpstep_message_t msg,
                     struct pgpstep_source *source,
                     struct pgpstep_sink *sink)
{
  (void) state;
  (void) msg;
  (void) source;
  (void) sink;
  return gpg_error (GPG_ERR_INTERNAL);  /* Never created, never run.  */
}

static const struct pgpstep_step create_fail_step =
  STEP ("create-fail", "Refuse to be created.", create_fail_params,
        create_fail_create, create_fail_process);


/* home */

static const struct pgpstep_param home_params[] = {
  PARAM ("keyring", PGPSTEP_TYPE_KEYRING, PGPSTEP_PARAM_REPEATABLE, NULL,
         NULL, 0, 0, "A keyring of the pipeline."),
  PARAM ("meet", PGPSTEP_TYPE_INT, PGPSTEP_PARAM_HEADER_OK, "1", NULL, 1, 10,
         "How many messages must be in this step at once."),
  PARAM_END
};

static pthread_mutex_t meet_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t meet_cond = PTHREAD_COND_INITIALIZER;
static unsigned int meet_inside;
static unsigned long meet_round;

/* Wait until N messages are inside at once.  */
static gpg_error_t
meet (unsigned int n)
{
  gpg_error_t err = 0;
  struct timespec until;
  unsigned long round;

  clock_gettime (CLOCK_REALTIME, &until);
  until.tv_sec += 10;
  pthread_mutex_lock (&meet_lock);
  round = meet_round;
  if (++meet_inside >= n)
    {
      meet_inside = 0;
      meet_round++;
      pthread_cond_broadcast (&meet_cond);
    }
  while (!err && round == meet_round)
    if (pthread_cond_timedwait (&meet_cond, &meet_lock, &until) == ETIMEDOUT)
      {
        err = gpg_error (GPG_ERR_TIMEOUT);
        meet_inside--;
      }
  pthread_mutex_unlock (&meet_lock);
  return err;
}

static gpg_error_t
home_process (void *state, pgpstep_message_t msg,
              struct pgpstep_source *source, struct pgpstep_sink *sink)
{
  const struct pgpstep_host *host = state;
  gpg_error_t err;
  const char *home = NULL, *n;

  err = host->gnupg_home (msg, &home);
  if (!err)
    err = host->set_header (msg, "test.home", home);
  if (!err && (n = host->param_value (msg, "meet", 0)))
    err = meet (atoi (n));
  if (!err)
    err = copy (source, sink, -1);
  return err;
}

static const struct pgpstep_step home_step =
  STEP ("home", "Report the message's GnuPG home; meet other messages.",
        home_params, no_create, home_process);


static const struct pgpstep_step *const steps[] = {
  &cat_step, &fail_step, &stall_step, &spool_step, &set_header_step,
  &typed_step, &create_fail_step, &home_step, NULL
};

static const struct pgpstep_module module = {
  sizeof (struct pgpstep_module), PGPSTEP_ABI_MAJOR, PGPSTEP_ABI_MINOR,
  "teststeps", "1.0", "Steps for testing the pgpstep host.", steps
};

PGPSTEP_EXPORT gpg_error_t
pgpstep_module_init (const struct pgpstep_host *h,
                     const struct pgpstep_module **r_module)
{
  (void) h;
  *r_module = &module;
  return 0;
}
