/* services.c - the services table handed to every module.  */
#include <config.h>
#include <string.h>

#include "ctx.h"
#include "stepconfig.h"
#include "message.h"

void
services_init (struct pgpstep_host *svc)
{
  memset (svc, 0, sizeof *svc);
  svc->struct_size = sizeof *svc;
  svc->abi_major = PGPSTEP_ABI_MAJOR;
  svc->abi_minor = PGPSTEP_ABI_MINOR;
  svc->host_version = PACKAGE_VERSION;

  svc->config_step_id = config_step_id;
  svc->config_count = config_count;
  svc->config_value = config_value;
  svc->config_is_dynamic = config_is_dynamic;
  svc->config_gnupg_home = config_gnupg_home;
  svc->config_secret = config_secret;
  svc->config_error = config_error;

  svc->param_count = message_param_count;
  svc->param_value = message_param_value;
  svc->input_header = message_input_header;
  svc->set_header = message_set_header;
  svc->gnupg_home = message_gnupg_home;
  svc->open_spool = message_open_spool;
  svc->error = message_error;
  svc->cancelled = message_cancelled;
  svc->cancel_fd = message_cancel_fd;
  svc->log = message_log;
}
