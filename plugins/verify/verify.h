/* verify.h - the verify step's state, shared by its parts.  */
#ifndef VERIFY_VERIFY_H
#define VERIFY_VERIFY_H

#include <gpg-error.h>
#include <pgpstep/pgpstep.h>

#include "keys.h"
#include "policy.h"
#include "signer.h"

/* The state of one step: read-only after create.  */
struct verify
{
  const struct pgpstep_host *host;
  const char *homedir;
  struct policy policy;
  keys_index_t index;
  char *keyrings;               /* "keyrings a, b" for texts.  */
  struct signer_keys signers;   /* INDEX and KEYRINGS for the policy.  */
  unsigned int detached:1;      /* mode=detached.  */
  unsigned int sig_dynamic:1;   /* signature is ${header.…}.  */
  unsigned char *sig;           /* signature=file:PATH, read at create
                                   (binary), or NULL.  */
  size_t siglen;
  unsigned long long max_output;
  char max_output_arg[24];
};

/* Verify MSG with the detached signature of its parameter: SOURCE is
 * the signed data, released through the spool only when the policy
 * held (detached.c).  */
gpg_error_t detached_process (const struct verify *v, const struct policy *pol,
                              pgpstep_message_t msg,
                              struct pgpstep_source *source);

#endif /* VERIFY_VERIFY_H */
