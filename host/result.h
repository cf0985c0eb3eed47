/* result.h - the outcome of one run (public type pgpstep_result_t).  */
#ifndef PGPSTEP_RESULT_H
#define PGPSTEP_RESULT_H

#include <pgpstep/host.h>

struct pgpstep_result
{
  gpg_error_t err;              /* The primary error; 0 on success.  */
  char *step;                   /* Id of the failing step, or NULL.  */
  char *key;                    /* Parameter/key at fault, or NULL.  */
  char *message;                /* "step 'ID': TEXT", or TEXT.  */
  pgpstep_headers_t headers;    /* Result headers, never NULL.  */
};

/* A new result without error and with an empty header set.  */
gpg_error_t result_new (struct pgpstep_result **r_result);

/* Record ERR with its detail (STEP and KEY may be NULL; TEXT NULL
 * means gpg_strerror).  The code is kept even when the strings cannot
 * be allocated.  */
void result_set_error (struct pgpstep_result *result, gpg_error_t err,
                       const char *step, const char *key, const char *text);

#endif /*PGPSTEP_RESULT_H*/
