/* armor.c - the armor step: add or remove OpenPGP ASCII armor.
 *
 * mode armor: binary OpenPGP in, one armor block out.  The label comes
 * from the first packets (type auto: signatures only -> SIGNATURE,
 * public key -> PUBLIC KEY BLOCK, secret key -> PRIVATE KEY BLOCK,
 * anything else -> MESSAGE) or from the type parameter.  Input that
 * is already one armor block passes unchanged (idempotent, as
 * sop armor), but only after all of it decoded cleanly, with no text
 * around the block and the label the step would use.
 *
 * mode dearmor: one armor block of any label in, its binary out.
 * Binary OpenPGP passes unchanged (idempotent, as sop dearmor).  A
 * cleartext-signed message has no binary form: refused.
 *
 * A damaged armor shows as a bad checksum only at the END line, after
 * all its data was decoded: whatever output depends on the decoding
 * goes to the host's spool, released only when we return 0.
 *
 * The engine's codec does the work in constant memory (one block of
 * input and its output per message); no gpg runs.  Everything that is
 * not OpenPGP is bad data (exit 41), including the cleartext case the
 * decoder calls "not supported" (37 would blame an option).
 */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <pgpstep/pgpstep.h>

#include "../openpgp/armor.h"
#include "../openpgp/packet.h"

/* Bytes read per block; at least PACKET_PEEK_MAX (the first block is
 * what the packet peek looks at).  */
#define BLOCK (256 * 1024)

#define BEGIN_PGP "-----BEGIN PGP "

static const char *const modes[] = { "armor", "dearmor", NULL };
static const char *const types[] =
  { "auto", "message", "signature", "public-key", "private-key", NULL };

#define P(name, type, flags, def, allowed, min, max, desc)              \
  { sizeof (struct pgpstep_param), name, type, flags, def, allowed,     \
    min, max, desc }

static const struct pgpstep_param params[] = {
  P ("mode", PGPSTEP_TYPE_ENUM, 0, "armor", modes, 0, 0,
     "armor: binary OpenPGP to ASCII armor (armored input passes"
     " unchanged); dearmor: ASCII armor to binary (binary input passes"
     " unchanged)."),
  P ("type", PGPSTEP_TYPE_ENUM, 0, "auto", types, 0, 0,
     "With mode armor, the armor label: auto takes it from the first"
     " packets (signature, public-key, private-key, else message)."),
  { 0, NULL, 0, 0, NULL, NULL, 0, 0, NULL }
};

#undef P

static const struct pgpstep_host *host;

enum mode { MODE_ARMOR, MODE_DEARMOR };

struct state
{
  enum mode mode;
  enum armor_type type;        /* ARMOR_NONE for auto.  */
};

/* One message.  */
struct job
{
  const struct state *st;
  pgpstep_message_t msg;
  struct pgpstep_source *source;
  unsigned char *in;           /* BLOCK bytes ...  */
  size_t inlen;                /* ... of which this many are valid.  */
  int eof;                     /* The source is at its end.  */
  struct packet_peek *peek;    /* Of the first block.  */
};

/* What decode_all found.  */
struct decoded
{
  enum armor_type type;
  int had_checksum;
  unsigned long long trailing; /* Bytes after the END line.  */
};

/* Text after the END line, looked at line by line for a second armor
 * block (whose data dearmor would silently drop).  */
struct trailer
{
  int match;                   /* Characters of BEGIN_PGP matched at the
                                  start of this line; -1: not this line.  */
  unsigned int second_begin:1;
  unsigned int text:1;         /* Other than white space.  */
};


/* The parameter vocabulary of a label (also the pgp.armor.type
 * value).  */
static const char *
type_name (enum armor_type type)
{
  switch (type)
    {
    case ARMOR_MESSAGE:   return "message";
    case ARMOR_SIGNATURE: return "signature";
    case ARMOR_PUBKEY:    return "public-key";
    case ARMOR_SECKEY:    return "private-key";
    default:              return "none";
    }
}

static enum armor_type
type_of_name (const char *name)
{
  enum armor_type t;

  for (t = ARMOR_MESSAGE; t <= ARMOR_SECKEY; t++)
    if (!strcmp (name, type_name (t)))
      return t;
  return ARMOR_NONE;
}

/* The label type auto picks for what the peek saw.  */
static enum armor_type
type_of_kind (enum packet_kind kind)
{
  switch (kind)
    {
    case PACKET_KIND_SIGNATURE: return ARMOR_SIGNATURE;
    case PACKET_KIND_PUBKEY:    return ARMOR_PUBKEY;
    case PACKET_KIND_SECKEY:    return ARMOR_SECKEY;
    default:                    return ARMOR_MESSAGE;
    }
}


static void
destroy (void *arg)
{
  free (arg);
}

static gpg_error_t
create (const struct pgpstep_host *h, pgpstep_config_t cfg, void **r_state)
{
  gpg_error_t err = 0;
  struct state *st;
  const char *mode, *type;

  (void) h;
  *r_state = NULL;
  st = calloc (1, sizeof *st);
  if (!st)
    return gpg_error_from_syserror ();
  mode = host->config_value (cfg, "mode", 0);
  type = host->config_value (cfg, "type", 0);
  if (!mode || !type
      || (strcmp (mode, "armor") && strcmp (mode, "dearmor"))
      || (strcmp (type, "auto") && type_of_name (type) == ARMOR_NONE))
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      host->config_error (cfg, err, NULL, "bad mode or type value");
      goto leave;
    }
  st->mode = strcmp (mode, "armor") ? MODE_DEARMOR : MODE_ARMOR;
  st->type = type_of_name (type);
  if (st->mode == MODE_DEARMOR && st->type != ARMOR_NONE)
    {
      /* Dearmor takes any label: a type there is a misunderstanding.  */
      err = gpg_error (GPG_ERR_INV_VALUE);
      host->config_error (cfg, err, "type", "type %s applies to mode armor"
                          " only: dearmor accepts every label (remove"
                          " type)", type);
      goto leave;
    }

 leave:
  if (err)
    destroy (st);
  else
    *r_state = st;
  return err;
}


/* The error of a failed stream callback; ECANCELED is the host telling
 * us the message was cancelled (no detail then: a neighbour's error
 * is the one that counts).  */
static gpg_error_t
stream_failed (struct job *job, const char *what)
{
  gpg_error_t err;

  if (errno == ECANCELED)
    return gpg_error (GPG_ERR_CANCELED);
  err = gpg_error_from_syserror ();
  host->error (job->msg, err, NULL, "%s failed: %s", what,
               gpg_strerror (err));
  return err;
}

/* Fill JOB->IN up to WANT bytes or the end of the source.  */
static gpg_error_t
read_block (struct job *job, size_t want)
{
  ssize_t n;

  while (job->inlen < want && !job->eof)
    {
      n = job->source->read (job->source->handle, job->in + job->inlen,
                             want - job->inlen);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return stream_failed (job, "reading the input");
      if (!n)
        job->eof = 1;
      job->inlen += (size_t) n;
    }
  return 0;
}

/* The next block into JOB->IN (replacing the last); at the end of the
 * source JOB->INLEN is 0 and JOB->EOF set.  */
static gpg_error_t
next_block (struct job *job)
{
  job->inlen = 0;
  return read_block (job, BLOCK);
}

static gpg_error_t
write_all (struct job *job, struct pgpstep_sink *sink, const void *buf,
           size_t len)
{
  if (len && sink->write (sink->handle, buf, len) < 0)
    return stream_failed (job, "writing the output");
  return 0;
}

static gpg_error_t
set_headers (struct job *job, enum armor_type type, const char *input,
             const struct decoded *d)
{
  gpg_error_t err;

  err = host->set_header (job->msg, "pgp.armor.type", type_name (type));
  if (!err)
    err = host->set_header (job->msg, "pgp.armor.input", input);
  if (!err && d)
    err = host->set_header (job->msg, "pgp.armor.checksum",
                            d->had_checksum ? "verified" : "absent");
  return err;
}

/* Refuse input the peek tells is no OpenPGP at all.  */
static gpg_error_t
not_openpgp (struct job *job)
{
  gpg_error_t err;

  if (!job->inlen)
    {
      err = gpg_error (GPG_ERR_NO_DATA);
      host->error (job->msg, err, NULL, "the input is empty");
      return err;
    }
  err = gpg_error (GPG_ERR_BAD_DATA);
  if (job->peek->format == PACKET_FMT_BINARY)
    host->error (job->msg, err, NULL, "the input is not well-formed"
                 " binary OpenPGP (%s)", job->peek->truncated
                 ? "it ends inside a packet" : "a bad packet header");
  else if (job->st->mode == MODE_ARMOR)
    host->error (job->msg, err, NULL, "the input is not OpenPGP data:"
                 " armor takes binary OpenPGP (or passes ASCII armor"
                 " unchanged)");
  else
    host->error (job->msg, err, NULL, "the input is not OpenPGP data:"
                 " neither ASCII armor nor binary OpenPGP");
  return err;
}

static gpg_error_t
refuse_cleartext (struct job *job)
{
  gpg_error_t err = gpg_error (GPG_ERR_BAD_DATA);

  host->error (job->msg, err, NULL, "the input is a cleartext-signed"
               " message (BEGIN PGP SIGNED MESSAGE): it is text with a"
               " signature, not armored data, and has no binary form to"
               " %s; check it with the verify step",
               job->st->mode == MODE_ARMOR ? "armor" : "dearmor to");
  return err;
}

/* Report the decoder's complaint.  */
static gpg_error_t
decode_failed (struct job *job, armor_decoder_t dec, gpg_error_t err)
{
  const char *why = armor_decoder_reason (dec);

  if (!why)
    why = gpg_strerror (err);
  switch (gpg_err_code (err))
    {
    case GPG_ERR_CANCELED:
      break;
    case GPG_ERR_NOT_SUPPORTED:
      /* Cleartext (caught earlier, unless past the peek) and
       * multi-part armor: data we cannot take.  */
      err = gpg_error (GPG_ERR_BAD_DATA);
      host->error (job->msg, err, NULL, "bad armor (line %llu): %s",
                   armor_decoder_line (dec), why);
      break;
    case GPG_ERR_TRUNCATED:
      host->error (job->msg, err, NULL, "truncated armor: %s", why);
      break;
    case GPG_ERR_NO_DATA:
      host->error (job->msg, err, NULL, "bad armor: %s", why);
      break;
    default:
      host->error (job->msg, err, NULL, "bad armor (line %llu): %s",
                   armor_decoder_line (dec), why);
      break;
    }
  return err;
}

/* Look at the N bytes before END (text after the END line).  */
static void
scan_trailer (struct trailer *tr, const unsigned char *end, size_t n)
{
  const unsigned char *p = end - n;
  size_t blen = strlen (BEGIN_PGP);

  for (; p < end; p++)
    {
      if (*p == '\n')
        {
          tr->match = 0;
          continue;
        }
      if (*p != ' ' && *p != '\t' && *p != '\r')
        tr->text = 1;
      if (tr->match < 0)
        continue;
      if ((size_t) tr->match < blen
          && *p == (unsigned char) BEGIN_PGP[tr->match])
        {
          if ((size_t) ++tr->match == blen)
            tr->second_begin = 1;
        }
      else
        tr->match = -1;
    }
}

/* Decode the armor block that starts in JOB->IN to the end of the
 * source, writing to SINK (a spool) the decoded binary or, with
 * KEEP_INPUT, the input unchanged.  Checks that the armor holds
 * OpenPGP; with KEEP_INPUT, also that nothing but white space follows
 * the END line.  */
static gpg_error_t
decode_all (struct job *job, struct pgpstep_sink *sink, int keep_input,
            struct decoded *r_dec)
{
  gpg_error_t err;
  armor_decoder_t dec = NULL;
  unsigned char *out = NULL, *head = NULL;
  size_t outlen, headlen = 0, n;
  unsigned long long total = 0, trailing = 0, t;
  struct trailer tr = { 0, 0, 0 };

  memset (r_dec, 0, sizeof *r_dec);
  err = armor_decoder_new (&dec);
  if (err)
    goto leave;
  out = malloc (armor_decode_bound (BLOCK));
  head = malloc (PACKET_PEEK_MAX);
  if (!out || !head)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  for (;;)
    {
      err = armor_decode (dec, job->in, job->inlen, out, &outlen);
      if (err)
        {
          err = decode_failed (job, dec, err);
          goto leave;
        }
      /* Keep the first decoded bytes for the packet peek.  */
      n = PACKET_PEEK_MAX - headlen;
      if (n > outlen)
        n = outlen;
      memcpy (head + headlen, out, n);
      headlen += n;
      total += outlen;
      /* The END line came: the rest of the block is trailing text.  */
      t = armor_decoder_trailing (dec) - trailing;
      trailing += t;
      scan_trailer (&tr, job->in + job->inlen, (size_t) t);
      if (tr.second_begin)
        {
          err = gpg_error (GPG_ERR_BAD_DATA);
          host->error (job->msg, err, NULL, "a second armor block follows"
                       " the END line: the step takes one block per"
                       " message");
          goto leave;
        }
      if (keep_input && tr.text)
        {
          err = gpg_error (GPG_ERR_BAD_DATA);
          host->error (job->msg, err, NULL, "text follows the armor's END"
                       " line: armored input passes only as one clean"
                       " armor block");
          goto leave;
        }
      if (keep_input)
        err = write_all (job, sink, job->in, job->inlen);
      else
        err = write_all (job, sink, out, outlen);
      if (err)
        goto leave;
      if (job->eof)
        break;
      err = next_block (job);
      if (err)
        goto leave;
    }
  err = armor_decode_finish (dec);
  if (err)
    {
      err = decode_failed (job, dec, err);
      goto leave;
    }

  /* Valid armor around something else is still not OpenPGP.  */
  if (!total)
    {
      err = gpg_error (GPG_ERR_NO_DATA);
      host->error (job->msg, err, NULL, "the armor block holds no data");
      goto leave;
    }
  err = packet_peek (head, headlen, headlen == total, job->peek);
  if (err)
    goto leave;
  if (job->peek->format != PACKET_FMT_BINARY || job->peek->malformed)
    {
      err = gpg_error (GPG_ERR_BAD_DATA);
      host->error (job->msg, err, NULL, "the armor decodes cleanly but does"
                   " not hold well-formed OpenPGP data");
      goto leave;
    }
  r_dec->type = armor_decoder_type (dec);
  r_dec->had_checksum = armor_decoder_had_checksum (dec);
  r_dec->trailing = trailing;
  if (trailing)
    host->log (job->msg, PGPSTEP_LOG_INFO, "ignored %llu bytes after the"
               " armor's END line", trailing);

 leave:
  armor_decoder_release (dec);
  free (out);
  free (head);
  return err;
}

/* Armored input: decode_all into a spool, then the result headers.  */
static gpg_error_t
decode_spooled (struct job *job, int keep_input)
{
  gpg_error_t err;
  struct pgpstep_sink *spool;
  struct decoded d;

  err = host->open_spool (job->msg, &spool);
  if (err)
    {
      host->error (job->msg, err, NULL, "cannot open a spool: %s",
                   gpg_strerror (err));
      return err;
    }
  err = decode_all (job, spool, keep_input, &d);
  if (!err)
    err = set_headers (job, d.type, "armored", &d);
  return err;
}

/* Copy the source unchanged: JOB->IN first, then the rest.  */
static gpg_error_t
copy_all (struct job *job, struct pgpstep_sink *sink)
{
  gpg_error_t err = 0;

  while (!err && job->inlen)
    {
      err = write_all (job, sink, job->in, job->inlen);
      if (!err)
        err = next_block (job);
    }
  return err;
}

/* Binary OpenPGP to armor labelled TYPE.  No spool: every output byte
 * is final when written (and nothing leaves the host if a read fails
 * later).  */
static gpg_error_t
armor_binary (struct job *job, struct pgpstep_sink *sink,
              enum armor_type type)
{
  gpg_error_t err;
  armor_encoder_t enc = NULL;
  char *out = NULL;
  size_t outlen;

  err = armor_encoder_new (&enc, type);
  if (err)
    goto leave;
  out = malloc (armor_encode_bound (BLOCK) + ARMOR_FINISH_MAX);
  if (!out)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  while (job->inlen)
    {
      err = armor_encode (enc, job->in, job->inlen, out, &outlen);
      if (!err)
        err = write_all (job, sink, out, outlen);
      if (!err)
        err = next_block (job);
      if (err)
        goto leave;
    }
  err = armor_encode_finish (enc, out, &outlen);
  if (!err)
    err = write_all (job, sink, out, outlen);

 leave:
  armor_encoder_release (enc);
  free (out);
  return err;
}

static gpg_error_t
process_armor (struct job *job, struct pgpstep_sink *sink)
{
  const struct state *st = job->st;
  const struct packet_peek *pk = job->peek;
  gpg_error_t err;
  enum armor_type type, seen;

  if (pk->format == PACKET_FMT_BINARY)
    {
      seen = type_of_kind (pk->kind);
      type = st->type != ARMOR_NONE ? st->type : seen;
      if (type != seen)
        host->log (job->msg, PGPSTEP_LOG_WARN, "labelling %s data as %s, as"
                   " the step's type says", type_name (seen),
                   type_name (type));
      err = armor_binary (job, sink, type);
      if (!err)
        err = set_headers (job, type, "binary", NULL);
      return err;
    }

  /* Already armored: passes as it is, so it must be exactly one clean
   * block with the label we would have written.  */
  if (job->inlen < strlen (BEGIN_PGP)
      || memcmp (job->in, BEGIN_PGP, strlen (BEGIN_PGP)))
    {
      err = gpg_error (GPG_ERR_BAD_DATA);
      host->error (job->msg, err, NULL, "text precedes the armor's BEGIN"
                   " line: armored input passes only as one clean armor"
                   " block");
      return err;
    }
  if (st->type != ARMOR_NONE && pk->armor != ARMOR_NONE
      && pk->armor != st->type)
    {
      err = gpg_error (GPG_ERR_BAD_DATA);
      host->error (job->msg, err, "type", "the input is already armored"
                   " as %s, not as %s (the step's type): dearmor it"
                   " first to relabel it", armor_type_label (pk->armor),
                   type_name (st->type));
      return err;
    }
  return decode_spooled (job, 1);
}

static gpg_error_t
process_dearmor (struct job *job, struct pgpstep_sink *sink)
{
  const struct packet_peek *pk = job->peek;
  gpg_error_t err;
  enum armor_type type;

  if (pk->format == PACKET_FMT_BINARY)
    {
      type = type_of_kind (pk->kind);
      err = copy_all (job, sink);
      if (!err)
        err = set_headers (job, type, "binary", NULL);
      return err;
    }
  return decode_spooled (job, 0);
}

static gpg_error_t
process (void *arg, pgpstep_message_t msg, struct pgpstep_source *source,
         struct pgpstep_sink *sink)
{
  gpg_error_t err;
  struct job job;

  memset (&job, 0, sizeof job);
  job.st = arg;
  job.msg = msg;
  job.source = source;
  job.in = malloc (BLOCK);
  job.peek = malloc (sizeof *job.peek);
  if (!job.in || !job.peek)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  err = read_block (&job, PACKET_PEEK_MAX);
  if (err)
    goto leave;
  err = packet_peek (job.in, job.inlen, job.eof, job.peek);
  if (err)
    goto leave;
  /* Both modes take binary OpenPGP and one block of armor.  */
  if (job.peek->format == PACKET_FMT_NONE
      || (job.peek->format == PACKET_FMT_BINARY && job.peek->malformed))
    err = not_openpgp (&job);
  else if (job.peek->kind == PACKET_KIND_CLEARTEXT)
    err = refuse_cleartext (&job);
  else if (job.st->mode == MODE_ARMOR)
    err = process_armor (&job, sink);
  else
    err = process_dearmor (&job, sink);

 leave:
  free (job.in);
  free (job.peek);
  return err;
}


static const struct pgpstep_step armor_step = {
  sizeof (struct pgpstep_step),
  "armor",
  "Add ASCII armor to binary OpenPGP, or remove it (one block).",
  params,
  PGPSTEP_STEP_NONE,
  create,
  process,
  destroy
};

static const struct pgpstep_step *const steps[] = { &armor_step, NULL };

static const struct pgpstep_module module = {
  sizeof (struct pgpstep_module),
  PGPSTEP_ABI_MAJOR,
  PGPSTEP_ABI_MINOR,
  "armor",
  PACKAGE_VERSION,
  "OpenPGP ASCII armor and dearmor.",
  steps
};

PGPSTEP_EXPORT gpg_error_t
pgpstep_module_init (const struct pgpstep_host *h,
                     const struct pgpstep_module **r_module)
{
  *r_module = NULL;
  if (!h || h->abi_major != PGPSTEP_ABI_MAJOR
      || h->struct_size < sizeof (struct pgpstep_host))
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  host = h;
  *r_module = &module;
  return 0;
}
