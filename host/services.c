/* services.c - the services table handed to every module.  */
#include <config.h>

#include "ctx.h"
#include "stepconfig.h"
#include "message.h"

/* One table for the whole process: a module keeps the pointer it got
 * at init (modules are loaded once per process even with several
 * hosts), so the table must outlive every host.  Every service finds
 * its host through its cfg or msg argument.  */
const struct pgpstep_host host_services = {
  sizeof (struct pgpstep_host),
  PGPSTEP_ABI_MAJOR,
  PGPSTEP_ABI_MINOR,
  PACKAGE_VERSION,

  config_step_id,
  config_count,
  config_value,
  config_is_dynamic,
  config_gnupg_home,
  config_secret,
  config_error,

  message_param_count,
  message_param_value,
  message_input_header,
  message_set_header,
  message_gnupg_home,
  message_open_spool,
  message_error,
  message_cancelled,
  message_cancel_fd,
  message_log
};
