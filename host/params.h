/* params.h - parameter values: type checks and ${header.NAME}.  */
#ifndef PGPSTEP_PARAMS_H
#define PGPSTEP_PARAMS_H

#include <pgpstep/host.h>

/* If VALUE is exactly "${header.NAME}" (NAME: [A-Za-z0-9_.-]+), return
 * a malloced NAME in R_HEADER and 1; return 0 if VALUE is a literal;
 * return -1 if VALUE contains "${" in any other form (R_HEADER NULL). */
int param_header_ref (const char *value, char **r_header);

/* Check VALUE against SPEC's type (and allowed values, bounds).  On
 * success R_NORMALIZED gets a malloced normalised value (booleans
 * become "true"/"false").  On failure returns GPG_ERR_INV_VALUE and a
 * malloced R_REASON saying what was expected, e.g. "expected true or
 * false, found 'maybe'".  Secrets: only "secret:NAME"/"env:NAME".  */
gpg_error_t param_check (const struct pgpstep_param *spec,
                         const char *value, char **r_normalized,
                         char **r_reason);

/* The name of a parameter type is public: pgpstep_param_type_name.  */

#endif /*PGPSTEP_PARAMS_H*/
