/* message.h - process-time services over struct pgpstep_message.  */
#ifndef PGPSTEP_MESSAGE_H
#define PGPSTEP_MESSAGE_H

#include <pgpstep/pgpstep.h>

unsigned int message_param_count (pgpstep_message_t msg, const char *name);
const char *message_param_value (pgpstep_message_t msg, const char *name,
                                 unsigned int idx);
const char *message_input_header (pgpstep_message_t msg, const char *name);
gpg_error_t message_set_header (pgpstep_message_t msg, const char *name,
                                const char *value);
gpg_error_t message_gnupg_home (pgpstep_message_t msg,
                                const char **r_homedir);
gpg_error_t message_open_spool (pgpstep_message_t msg,
                                struct pgpstep_sink **r_sink);
void message_error (pgpstep_message_t msg, gpg_error_t err, const char *key,
                    const char *fmt, ...)
  __attribute__ ((format (printf, 4, 5)));
int message_cancelled (pgpstep_message_t msg);
int message_cancel_fd (pgpstep_message_t msg);
void message_log (pgpstep_message_t msg, int level, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

#endif /*PGPSTEP_MESSAGE_H*/
